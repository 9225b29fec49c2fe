//! The command line: argument parsing (clap) and one file per subcommand. This is
//! the edge where files, environment, terminal and exit codes are handled.

mod check;
mod completions;
mod explain;
mod files;
mod fmt;
mod history;
mod http_flags;
mod import;
mod init;
mod list;
mod man;
mod merge;
mod publish;
mod run;

use clap::{CommandFactory, Parser, Subcommand};

/// Exit codes (docs/language.md, "Command line").
pub mod exit {
    pub const PASSED: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const INTERRUPTED: u8 = 3;
}

#[derive(Parser)]
#[command(
    name = "ritc",
    version,
    about = "Compile and run .rit runtime integration checks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and type-check files or folders (*.rit, recursively) and print diagnostics.
    Check(check::CheckArgs),
    /// Check, then run the tests against the real services.
    Run(Box<run::RunArgs>),
    /// Combine the JSON reports of `--shard` runs into the report of the whole.
    Merge(merge::MergeArgs),
    /// Print the long explanation of a diagnostic code (e.g. `ritc explain E0201`).
    Explain(explain::ExplainArgs),
    /// Rewrite files in the canonical layout (`--check`: list those that would change, exit 1).
    Fmt(fmt::FmtArgs),
    /// A language server on stdio, for editors (see docs/editors.md).
    Lsp,
    /// Turn a YAML suite (the seed's Test Definition Format) or a Hurl file into .rit on stdout.
    Import(import::ImportArgs),
    /// List suites, tests, checkpoints, stages, services and params (`--format json` for tools).
    List(list::ListArgs),
    /// Post the checkpoint definitions (and the last results) to an issue tracker: `publish linear --issue ID`.
    Publish(publish::PublishArgs),
    /// Start a suite: checks/ with a first checkpoint, a .gitignore entry for reports, a CI snippet.
    Init(init::InitArgs),
    /// Print the completion script of a shell (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Print the manual page (`ritc man | man -l -`), or write every page with --out-dir.
    Man(man::ManArgs),
    /// List the runs recorded in the run history (.ritc/history), or prune it.
    History(history::HistoryArgs),
}

/// The whole command line as clap describes it: tests/docs.rs writes
/// docs/reference/command-line.md from it, so the page cannot drift.
pub fn command() -> clap::Command {
    Cli::command()
}

/// The CLI's work, and the process's exit code.
pub fn main_code() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                exit::USAGE
            } else {
                exit::PASSED
            };
        }
    };
    match cli.command {
        Command::Check(args) => run_with_big_stack(move || check::run(args)),
        Command::Explain(args) => explain::run(args),
        Command::Fmt(args) => run_with_big_stack(move || fmt::run(args)),
        Command::Lsp => crate::lsp::run(),
        Command::Import(args) => import::run(args),
        Command::List(args) => run_with_big_stack(move || list::run(args)),
        Command::Run(args) => run_with_big_stack(move || run::run(*args)),
        Command::Merge(args) => merge::run(args),
        Command::Publish(args) => run_with_big_stack(move || publish::run(args)),
        Command::Init(args) => init::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
        Command::History(args) => history::run(args),
    }
}

/// Deeply nested input recurses deeply in the parser and the checker; a large
/// stack keeps that a diagnostic instead of an overflow.
fn run_with_big_stack(job: impl FnOnce() -> u8 + Send + 'static) -> u8 {
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(job)
        .ok()
        .and_then(|handle| handle.join().ok())
        .unwrap_or(exit::USAGE)
}

/// The CLI's one voice for its own errors, those with no place in a `.rit` file (a
/// usage error, an unreadable file, a bad flag value, a report that cannot be
/// written, the network of `publish`): every one is printed here, by miette, with a
/// help line when there is one. Errors located in source go through
/// `diagnostics::render` (codespan-reporting) instead. A test below keeps
/// hand-written `error:` lines out of `src/cli`.
pub fn print_error(message: impl std::fmt::Display, help: Option<String>) {
    let report = match help {
        Some(help) => miette::miette!(help = help, "{message}"),
        None => miette::miette!("{message}"),
    };
    let theme = if use_color_on_stderr() {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    // Unwrapped: a long path or message stays on one line, whole for grep and for
    // the eye, as the diagnostics of codespan-reporting do.
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_wrap_lines(false);
    let mut rendered = String::new();
    if handler
        .render_report(&mut rendered, report.as_ref())
        .is_err()
    {
        // Writing into a String does not fail; were it to, the words still show.
        rendered = message.to_string();
    }
    // Not `eprintln!`: after SIGHUP the terminal may be gone, and a failed write
    // must not turn an error into a panic.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{rendered}");
}

/// Bytes on standard output; a closed pipe (`ritc man | head`) is not an error
/// worth a panic, only a failed exit code.
fn write_stdout(bytes: &[u8]) -> u8 {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => exit::PASSED,
        Err(_) => exit::FAILED,
    }
}

/// Colour only on a terminal, and never when NO_COLOR is set.
pub fn use_color_on_stderr() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    /// Every error of the CLI is printed by `print_error`: no file of `src/cli`
    /// writes an `error:` line of its own (the second voice issue 18 removed).
    #[test]
    fn the_cli_prints_its_errors_only_through_print_error() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
        // Built, so that this line does not hold what it looks for.
        let hand_written = [format!("{}error: ", '"'), format!("{}error:{{", '"')];
        let mut files = 0;
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|extension| extension == "rs") {
                files += 1;
                let text = std::fs::read_to_string(&path).unwrap();
                for (number, line) in text.lines().enumerate() {
                    assert!(
                        !hand_written
                            .iter()
                            .any(|start| line.contains(start.as_str())),
                        "{}:{}: print it with print_error: {line}",
                        path.display(),
                        number + 1
                    );
                }
            }
        }
        assert!(files > 5, "only {files} files read in {}", folder.display());
    }
}
