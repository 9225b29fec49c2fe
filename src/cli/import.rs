//! `ritc import FILE`: a YAML suite (Test Definition Format) or a Hurl file turned
//! into `.rit` on standard output; what has no translation is listed on standard
//! error (and kept in the output as comments). The translation is `crate::import`.

use super::exit;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ImportArgs {
    /// A `.yaml`/`.yml` suite in the seed's Test Definition Format, or a `.hurl` file.
    file: PathBuf,
}

pub fn run(args: ImportArgs) -> u8 {
    let name = args.file.display().to_string();
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(error) => {
            super::print_error(format!("cannot read {name}: {error}"), None);
            return exit::USAGE;
        }
    };
    let translation = match crate::import::import(&name, &text) {
        Ok(translation) => translation,
        Err(message) => {
            super::print_error(&message, None);
            return exit::USAGE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(translation.rit.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return exit::USAGE;
    }
    for note in &translation.notes {
        eprintln!(
            "{name}: {}: not translated: {}",
            note.location, note.message
        );
    }
    if !translation.notes.is_empty() {
        let count = translation.notes.len();
        eprintln!(
            "{count} part{} of {name} not translated: kept as `# not translated` comments in the output",
            if count == 1 { "" } else { "s" }
        );
    }
    exit::PASSED
}
