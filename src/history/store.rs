//! The history file: `DIR/runs.jsonl`, one `RunEntry` as JSON per line, oldest
//! first, at most `keep` runs (older ones are dropped when a run is appended).
//! Rewritten whole through a temporary file and a rename, so a run that is
//! killed midway leaves the old file, never half of one. A line that does not
//! read (another format, a hand edit) is skipped and counted.

use super::entry::{HISTORY_FORMAT, RunEntry};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where runs are recorded unless `--history DIR` says otherwise (relative to
/// the folder ritc runs in).
pub const DEFAULT_DIR: &str = ".ritc/history";

/// How many runs the file keeps.
pub const DEFAULT_KEEP: usize = 200;

const FILE_NAME: &str = "runs.jsonl";

pub struct HistoryStore {
    dir: PathBuf,
}

/// What the file held: its runs, oldest first, and how many lines were skipped.
pub struct Recorded {
    pub runs: Vec<RunEntry>,
    pub unreadable_lines: usize,
}

impl HistoryStore {
    pub fn new(dir: impl Into<PathBuf>) -> HistoryStore {
        HistoryStore { dir: dir.into() }
    }

    pub fn file(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// The recorded runs; none when there is no file yet.
    pub fn read(&self) -> std::io::Result<Recorded> {
        let text = match std::fs::read_to_string(self.file()) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(error) => return Err(error),
        };
        let mut recorded = Recorded {
            runs: Vec::new(),
            unreadable_lines: 0,
        };
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            match serde_json::from_str::<RunEntry>(line) {
                Ok(run) if run.format == HISTORY_FORMAT => recorded.runs.push(run),
                _ => recorded.unreadable_lines += 1,
            }
        }
        Ok(recorded)
    }

    /// Appends `run`, keeps the newest `keep` runs, and returns the runs recorded
    /// before it (oldest first), read once for both.
    pub fn record(&self, run: &RunEntry, keep: usize) -> std::io::Result<Vec<RunEntry>> {
        let earlier = self.read()?.runs;
        let mut runs = earlier.clone();
        runs.push(run.clone());
        self.write(&runs, keep)?;
        Ok(earlier)
    }

    /// Keeps the newest `keep` runs; returns how many were dropped.
    pub fn prune(&self, keep: usize) -> std::io::Result<usize> {
        let runs = self.read()?.runs;
        let dropped = runs.len().saturating_sub(keep);
        self.write(&runs, keep)?;
        Ok(dropped)
    }

    fn write(&self, runs: &[RunEntry], keep: usize) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let kept = &runs[runs.len().saturating_sub(keep)..];
        let mut text = String::new();
        for run in kept {
            text.push_str(&serde_json::to_string(run).map_err(std::io::Error::other)?);
            text.push('\n');
        }
        let mut temporary = tempfile::NamedTempFile::new_in(&self.dir)?;
        temporary.write_all(text.as_bytes())?;
        temporary
            .persist(self.file())
            .map_err(|error| error.error)?;
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(at: u64) -> RunEntry {
        RunEntry::new(at, vec!["a.rit".to_string()])
    }

    #[test]
    fn appending_keeps_the_newest_runs_and_skips_foreign_lines() {
        let folder = tempfile::tempdir().unwrap();
        let store = HistoryStore::new(folder.path().join("history"));
        assert!(store.read().unwrap().runs.is_empty());
        for at in 1..=5 {
            store.record(&run(at), 3).unwrap();
        }
        let recorded = store.read().unwrap();
        let kept: Vec<u64> = recorded
            .runs
            .iter()
            .map(|run| run.started_unix_ms)
            .collect();
        assert_eq!(kept, [3, 4, 5]);

        let mut text = std::fs::read_to_string(store.file()).unwrap();
        text.push_str("not json\n{\"format\":\"other/9\"}\n");
        std::fs::write(store.file(), text).unwrap();
        let recorded = store.read().unwrap();
        assert_eq!(recorded.runs.len(), 3);
        assert_eq!(recorded.unreadable_lines, 2);

        assert_eq!(store.prune(1).unwrap(), 2);
        assert_eq!(store.read().unwrap().runs[0].started_unix_ms, 5);
    }
}
