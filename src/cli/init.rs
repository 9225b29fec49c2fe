//! `ritc init [DIR]`: a starter suite in DIR/checks (a module saying what the checks
//! run against, and one checkpoint that a CI stage gates on), the run history's
//! folder `.ritc/history` (so runs are recorded and compared), `ritc-reports/`
//! and `.ritc/` in DIR/.gitignore, and the CI snippet for GitHub Actions or GitLab. Nothing that
//! exists is overwritten: if a file it would write is there, it writes nothing and
//! says which. The files are the ones in src/cli/init and docs/ci, compiled in.

use super::exit;
use std::path::{Path, PathBuf};

/// The starter suite: checks clean and runs against any service with `/health`.
const SERVICES: &str = include_str!("init/services.rit");
const SMOKE: &str = include_str!("init/smoke.rit");
const GITHUB: &str = include_str!("../../docs/ci/github-actions.yml");
const GITLAB: &str = include_str!("../../docs/ci/gitlab-ci.yml");
/// Kept out of git: the folder the CI snippets write reports into, and the run
/// history (`.ritc/history`, which init creates so that runs are recorded).
const IGNORED: [&str; 2] = ["ritc-reports/", ".ritc/"];

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Ci {
    /// .github/workflows/ritc.yml
    Github,
    /// .gitlab-ci.ritc.yml, to include from .gitlab-ci.yml
    Gitlab,
    /// no CI file
    None,
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// The project folder (default: the current folder); the suite goes into DIR/checks.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Which CI snippet to write.
    #[arg(long, value_enum, default_value = "github")]
    ci: Ci,
}

/// Every file `init` creates, relative to DIR, with its text.
fn new_files(ci: Ci) -> Vec<(&'static str, &'static str)> {
    let mut files = vec![
        ("checks/services.rit", SERVICES),
        ("checks/smoke.rit", SMOKE),
    ];
    match ci {
        Ci::Github => files.push((".github/workflows/ritc.yml", GITHUB)),
        Ci::Gitlab => files.push((".gitlab-ci.ritc.yml", GITLAB)),
        Ci::None => {}
    }
    files
}

pub fn run(args: InitArgs) -> u8 {
    let files = new_files(args.ci);
    let existing: Vec<String> = files
        .iter()
        .map(|(relative, _)| args.dir.join(relative))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if !existing.is_empty() {
        let verb = if existing.len() == 1 {
            "exists"
        } else {
            "exist"
        };
        super::print_error(
            format!(
                "ritc init writes nothing: {} already {verb}",
                existing.join(", ")
            ),
            Some("move it away, or run `ritc init` in another folder".to_string()),
        );
        return exit::USAGE;
    }
    for (relative, text) in &files {
        let path = args.dir.join(relative);
        if let Err(error) = write_new(&path, text) {
            super::print_error(format!("cannot write {}: {error}", path.display()), None);
            return exit::USAGE;
        }
        println!("wrote {}", path.display());
    }
    let history = args.dir.join(crate::history::DEFAULT_DIR);
    match std::fs::create_dir_all(&history) {
        Ok(()) => println!("made {} (the run history)", history.display()),
        Err(error) => {
            super::print_error(format!("cannot make {}: {error}", history.display()), None);
            return exit::USAGE;
        }
    }
    let ignore = args.dir.join(".gitignore");
    for entry in IGNORED {
        match ignore_in(&ignore, entry) {
            Ok(true) => println!("added {entry} to {}", ignore.display()),
            Ok(false) => {}
            Err(error) => {
                super::print_error(format!("cannot update {}: {error}", ignore.display()), None);
                return exit::USAGE;
            }
        }
    }
    println!(
        "next: point checks/services.rit at your service, then `ritc check {checks}` and `ritc run {checks}`",
        checks = args.dir.join("checks").display()
    );
    exit::PASSED
}

fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)?;
    }
    use std::io::Write;
    // create_new: a file that appeared since the check is still not overwritten.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?
        .write_all(text.as_bytes())
}

/// Adds `entry` to .gitignore unless a line already says it; true when it
/// added the line.
fn ignore_in(path: &Path, entry: &str) -> std::io::Result<bool> {
    let current = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(error),
    };
    if current.lines().any(|line| line.trim() == entry) {
        return Ok(false);
    }
    let separator = if current.is_empty() || current.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    std::fs::write(path, format!("{current}{separator}{entry}\n"))?;
    Ok(true)
}
