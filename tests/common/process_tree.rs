//! A process-tree check: which processes did a `ritc` run start, and are any of
//! them still alive?
//!
//! PIDs that scripts write to files only cover the processes the script knew to
//! name. Every process inherits its parent's environment, so a mark put into
//! `ritc`'s environment reaches every service, step shell and what those start in
//! the background, whatever process group or session they moved to and whoever
//! adopted them after their parent died. Scanning `/proc/*/environ` for the mark
//! finds all of them. (A program that clears its environment escapes the mark;
//! nothing ritc starts in these tests does.)

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const MARK_VARIABLE: &str = "RITC_TEST_PROCESS_TREE";

pub struct TreeMark {
    value: String,
}

impl TreeMark {
    /// A mark no other test (in this or another test binary) uses.
    pub fn new() -> TreeMark {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or_default();
        TreeMark {
            value: format!(
                "{}-{}-{nanos}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::SeqCst)
            ),
        }
    }

    /// Puts the mark into the environment `command` will start with.
    pub fn apply(&self, command: &mut Command) {
        command.env(MARK_VARIABLE, &self.value);
    }

    /// The living processes that carry the mark: PID and command line. Zombies
    /// (whose environment can no longer be read) do not count: they run nothing.
    pub fn living(&self) -> Vec<(i32, String)> {
        let wanted = format!("{MARK_VARIABLE}={}", self.value);
        let mut found = Vec::new();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return found;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse().ok())
            else {
                continue;
            };
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
                continue;
            };
            let marked = environ
                .split(|&byte| byte == 0)
                .any(|variable| variable == wanted.as_bytes());
            if marked {
                let command_line = std::fs::read(entry.path().join("cmdline"))
                    .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
                    .unwrap_or_default();
                found.push((pid, command_line.trim().to_string()));
            }
        }
        found
    }

    /// Waits until at least `count` marked processes are alive (up to 20 s), so a
    /// test can show the check sees what it later says is gone.
    pub fn wait_for_at_least(&self, count: usize) -> Vec<(i32, String)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let living = self.living();
            if living.len() >= count {
                return living;
            }
            assert!(
                Instant::now() < deadline,
                "expected at least {count} marked processes, found {living:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Fails the test if any marked process is still alive after a short wait
    /// (the kernel may take a moment to reap what SIGKILL ended).
    pub fn assert_none_left(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut living = self.living();
        while !living.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            living = self.living();
        }
        assert!(
            living.is_empty(),
            "processes started by {what} are still running: {living:?}"
        );
    }
}
