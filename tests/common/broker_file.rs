//! The broker tests' `.rit` file (tests/amqp.rs, nats.rs, mqtt.rs): the test
//! file's header (its param of the name prefix, its connection) and a test's
//! body, run by the real `ritc` in a fresh folder with the test's own prefix, so
//! tests running at once never see each other's messages.

use super::suite::{ritc, text};
use std::process::Command;

pub struct BrokerFile {
    /// The file's name in its folder (`nats.rit`).
    pub name: &'static str,
    /// What each file starts with: `param PREFIX_PARAM = …` and the connection.
    pub header: &'static str,
    /// The param that holds the test's name prefix (`s` for a subject or key,
    /// `t` for a topic).
    pub prefix_param: &'static str,
}

impl BrokerFile {
    /// Writes the header and `body` (with `files` beside it) and runs `ritc ARGS
    /// FILE`, with the name prefix `prefix` for `run`: the exit code and output.
    pub fn run_in(
        &self,
        args: &[&str],
        prefix: &str,
        body: &str,
        files: &[(&str, Vec<u8>)],
    ) -> (Option<i32>, String) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(self.name), self.source(body)).unwrap();
        for (name, content) in files {
            std::fs::write(dir.path().join(name), content).unwrap();
        }
        let mut command = Command::new(ritc());
        command.args(args).arg(self.name);
        if args == ["run"] {
            command.args(["--param", &format!("{}={prefix}", self.prefix_param)]);
        }
        let output = command
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        (output.status.code(), text(&output))
    }

    /// `ritc run` of the header and `body`.
    pub fn run(&self, prefix: &str, body: &str) -> (Option<i32>, String) {
        self.run_in(&["run"], prefix, body, &[])
    }

    /// The line of the file (header included) that holds `needle`.
    pub fn line_of(&self, body: &str, needle: &str) -> usize {
        self.source(body)
            .lines()
            .position(|line| line.contains(needle))
            .map(|index| index + 1)
            .unwrap_or_else(|| panic!("no line holds {needle:?}"))
    }

    fn source(&self, body: &str) -> String {
        format!("{}{body}", self.header)
    }
}
