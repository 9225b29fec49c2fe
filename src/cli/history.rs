//! `ritc history`: lists the recorded runs, or keeps only the newest N
//! (`--prune N`). Also where `run` and `merge` learn whether and where to record
//! a run: `--history DIR`, else `.ritc/history` when that folder exists (`ritc
//! init` makes it); `--no-history` records nothing. The file and the findings
//! are `crate::history`'s.

use super::exit;
use crate::history::{DEFAULT_DIR, DEFAULT_KEEP, HistoryStore};
use crate::run::runner::HistorySettings;
use std::path::{Path, PathBuf};

/// The history flags `run` and `merge` share.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct HistoryFlags {
    /// Record the run in this folder and compare it with the runs recorded
    /// before (flaky tests, new failures, regressions). Default: .ritc/history
    /// when that folder exists.
    #[arg(long = "history", value_name = "DIR", conflicts_with = "no_history")]
    dir: Option<PathBuf>,
    /// Neither record the run nor compare it with earlier runs.
    #[arg(long)]
    no_history: bool,
}

impl HistoryFlags {
    /// Where to record, if anywhere.
    pub fn settings(&self) -> Option<HistorySettings> {
        if self.no_history {
            return None;
        }
        let dir = match &self.dir {
            Some(dir) => dir.clone(),
            None => Some(PathBuf::from(DEFAULT_DIR)).filter(|dir| dir.is_dir())?,
        };
        Some(HistorySettings {
            dir,
            keep: DEFAULT_KEEP,
        })
    }
}

#[derive(clap::Args)]
pub struct HistoryArgs {
    /// The history folder.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DIR)]
    dir: PathBuf,
    /// Keep only the newest N runs.
    #[arg(long, value_name = "N")]
    prune: Option<usize>,
}

pub fn run(args: HistoryArgs) -> u8 {
    let store = HistoryStore::new(&args.dir);
    if let Some(keep) = args.prune {
        return match store.prune(keep) {
            Ok(dropped) => {
                println!(
                    "dropped {dropped} run{}",
                    if dropped == 1 { "" } else { "s" }
                );
                exit::PASSED
            }
            Err(error) => unreadable(&args.dir, &error),
        };
    }
    let recorded = match store.read() {
        Ok(recorded) => recorded,
        Err(error) => return unreadable(&args.dir, &error),
    };
    if recorded.runs.is_empty() {
        println!("no runs recorded in {}", store.file().display());
    }
    for run in &recorded.runs {
        let count = |status: &str| {
            run.tests
                .iter()
                .filter(|test| test.status == status)
                .count()
        };
        let retried = run.tests.iter().filter(|test| test.attempts > 1).count();
        println!(
            "{}  {} passed, {} failed, {} skipped, {} warned, {} retried  {}",
            started(run.started_unix_ms),
            count("passed"),
            count("failed"),
            count("skipped"),
            count("warned"),
            retried,
            run.files.join(" ")
        );
    }
    if recorded.unreadable_lines > 0 {
        super::print_error(
            format!(
                "{} line{} of {} could not be read and were skipped",
                recorded.unreadable_lines,
                if recorded.unreadable_lines == 1 {
                    ""
                } else {
                    "s"
                },
                store.file().display()
            ),
            None,
        );
    }
    exit::PASSED
}

fn unreadable(dir: &Path, error: &std::io::Error) -> u8 {
    super::print_error(
        format!("cannot read the history in {}: {error}", dir.display()),
        None,
    );
    exit::USAGE
}

/// `2026-12-06 09:40:12Z`.
fn started(unix_ms: u64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp((unix_ms / 1000) as i64)
        .ok()
        .and_then(|at| at.format(format).ok())
        .unwrap_or_else(|| unix_ms.to_string())
}
