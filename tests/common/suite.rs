//! A folder of `.rit` files and `ritc run` in it: the harness of the tests that
//! drive the real binary.

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn ritc() -> &'static str {
    env!("CARGO_BIN_EXE_ritc")
}

/// `--report` for each of the five formats, into `report.yaml`, `report.json`,
/// `report.xml`, `report.tap` and `report.html`.
pub const EVERY_REPORT: &[&str] = &[
    "--report",
    "yaml=report.yaml",
    "--report",
    "json=report.json",
    "--report",
    "junit=report.xml",
    "--report",
    "tap=report.tap",
    "--report",
    "html=report.html",
];

/// Standard output then standard error, as text, for assertions and messages.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A folder with `.rit` files, removed at the end of the test.
pub struct Suite {
    pub dir: tempfile::TempDir,
}

impl Suite {
    pub fn new() -> Suite {
        Suite {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `ritc run ARGS` in the suite's folder, without colour, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(ritc());
        command
            .arg("run")
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1");
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
}
