//! `ritc check`: parse and type-check, print diagnostics, exit 0, 1 or 2.

use super::{exit, files};
use crate::check::{self, program::DiskLoader};
use crate::diagnostics::{Severity, render};
use std::path::PathBuf;

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Github,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Files or folders to check (folders: every *.rit inside, recursively).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Treat warnings as errors (exit 1 when there is any).
    #[arg(long)]
    deny_warnings: bool,
    /// Let imports reach outside the suite's folder (as `ritc run --allow-read`).
    #[arg(long)]
    allow_read: bool,
}

pub fn run(args: CheckArgs) -> u8 {
    let files = match files::collect(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            super::print_error(
                message,
                Some("give .rit files or folders that hold them".to_string()),
            );
            return exit::USAGE;
        }
    };
    let (program, diagnostics) = match check::check_files(
        &files,
        &mut DiskLoader {
            allow_read: args.allow_read,
        },
    ) {
        Ok(checked) => checked,
        Err(unreadable) => {
            super::files::print_unreadable(&unreadable);
            return exit::USAGE;
        }
    };
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    match args.format {
        Format::Human => {
            render::human_to_stderr(&program.sources, &diagnostics, super::use_color_on_stderr());
            let plural =
                |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            eprintln!(
                "checked {}: {}, {}",
                plural(
                    program.modules.iter().filter(|m| m.dir.is_some()).count(),
                    "file"
                ),
                plural(errors, "error"),
                plural(warnings, "warning")
            );
        }
        Format::Json => {
            let value = serde_json::json!({
                "files": program.modules.iter().filter(|m| m.dir.is_some()).map(|m| m.name.clone()).collect::<Vec<_>>(),
                "errors": errors,
                "warnings": warnings,
                "diagnostics": render::json(&program.sources, &diagnostics),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
        Format::Github => print!("{}", render::github(&program.sources, &diagnostics)),
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        exit::FAILED
    } else {
        exit::PASSED
    }
}
