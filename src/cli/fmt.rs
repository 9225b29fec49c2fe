//! `ritc fmt`: rewrite files in the canonical layout, or with `--check` list those
//! that would change. The layout itself is `crate::fmt`; this file reads and writes.

use super::{exit, files};
use crate::diagnostics::render;
use crate::source::source_map::SourceMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct FmtArgs {
    /// Files or folders to format (folders: every *.rit inside, recursively). `-`
    /// reads standard input and writes the result to standard output.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Change nothing: print the files that are not in the canonical layout, one
    /// per line, and exit 1 if there is any.
    #[arg(long)]
    check: bool,
}

/// What happened to one file.
enum Outcome {
    Unchanged,
    Changed,
    /// Unreadable, not parseable or not writable: already reported.
    Failed,
}

pub fn run(args: FmtArgs) -> u8 {
    if args.paths.len() == 1 && args.paths[0] == Path::new("-") {
        return format_stdin(args.check);
    }
    let files = match files::collect(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            super::print_error(&message, None);
            return exit::USAGE;
        }
    };
    let mut changed = 0;
    let mut failed = 0;
    for file in &files {
        match format_file(file, args.check) {
            Outcome::Unchanged => {}
            Outcome::Changed => {
                changed += 1;
                if args.check {
                    let mut stdout = std::io::stdout().lock();
                    let _ = writeln!(stdout, "{}", file.display());
                }
            }
            Outcome::Failed => failed += 1,
        }
    }
    if !args.check {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        eprintln!(
            "formatted {} file{}: {changed} changed{}",
            files.len(),
            plural(files.len()),
            if failed > 0 {
                format!(", {failed} not formatted")
            } else {
                String::new()
            }
        );
    }
    if failed > 0 {
        exit::USAGE
    } else if args.check && changed > 0 {
        exit::FAILED
    } else {
        exit::PASSED
    }
}

fn format_file(path: &Path, check_only: bool) -> Outcome {
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(error) => {
            super::print_error(format!("cannot read {}: {error}", path.display()), None);
            return Outcome::Failed;
        }
    };
    let Some(formatted) = format_or_report(&path.display().to_string(), source.clone()) else {
        return Outcome::Failed;
    };
    if formatted == source {
        return Outcome::Unchanged;
    }
    if !check_only && let Err(error) = std::fs::write(path, formatted) {
        super::print_error(format!("cannot write {}: {error}", path.display()), None);
        return Outcome::Failed;
    }
    Outcome::Changed
}

/// The formatted text, or `None` after printing why the file cannot be formatted.
fn format_or_report(name: &str, source: String) -> Option<String> {
    let mut sources = SourceMap::default();
    let file = sources.add(name.to_string(), source);
    match crate::fmt::format_source(file, sources.source(file)) {
        Ok(formatted) => Some(formatted),
        Err(diagnostics) => {
            render::human_to_stderr(&sources, &diagnostics, super::use_color_on_stderr());
            super::print_error(
                format!("{name} has syntax errors and was not formatted"),
                None,
            );
            None
        }
    }
}

fn format_stdin(check_only: bool) -> u8 {
    let mut source = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut source) {
        super::print_error(format!("cannot read standard input: {error}"), None);
        return exit::USAGE;
    }
    let Some(formatted) = format_or_report("<stdin>", source.clone()) else {
        return exit::USAGE;
    };
    if check_only {
        if formatted == source {
            return exit::PASSED;
        }
        let _ = writeln!(std::io::stdout().lock(), "<stdin>");
        return exit::FAILED;
    }
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(formatted.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return exit::USAGE;
    }
    exit::PASSED
}
