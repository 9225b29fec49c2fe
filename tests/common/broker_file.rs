//! The broker tests' `.rit` file (tests/amqp.rs, nats.rs, mqtt.rs): the test
//! file's header (its param of the name prefix, its connection) and a test's
//! body, run by the real `ritc` in a fresh folder with the test's own prefix, so
//! tests running at once never see each other's messages.

use super::suite::{ritc, text};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

    /// Starts `ritc run` of the header and `body` without waiting for it: for a
    /// test that interrupts the run while a step waits (`Running::interrupt`).
    pub fn start(&self, prefix: &str, body: &str) -> Running {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(self.name), self.source(body)).unwrap();
        let child = Command::new(ritc())
            .args(["run", self.name])
            .args(["--param", &format!("{}={prefix}", self.prefix_param)])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Running {
            child: Some(child),
            _dir: dir,
        }
    }

    /// Ctrl-C while a step of `running` waits: runs `probe` (a body) until
    /// `seen` says its run saw the waiting step's subscription on the broker
    /// (30s at most), interrupts `running`, checks that it ended INTERRUPTED,
    /// and returns the probe's run after that.
    pub fn interrupt_when_seen(
        &self,
        running: Running,
        prefix: &str,
        probe: &str,
        seen: impl Fn(Option<i32>, &str) -> bool,
    ) -> (Option<i32>, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (code, output) = self.run(prefix, probe);
            if seen(code, &output) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the waiting step never reached the broker: {output}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let (code, output) = running.interrupt();
        assert_eq!(code, Some(3), "{output}");
        assert!(output.contains("1 interrupted"), "{output}");
        self.run(prefix, probe)
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

/// A `ritc run` started by `BrokerFile::start`, in its own folder; killed if
/// dropped before `interrupt` (a failed assertion), so no run outlives its test.
pub struct Running {
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

impl Running {
    /// Sends SIGINT (Ctrl-C) and waits for the run to end: its exit code and
    /// output.
    pub fn interrupt(mut self) -> (Option<i32>, String) {
        let child = self.child.take().unwrap();
        // SAFETY: kill(2) only sends a signal; the pid is our own child, not yet reaped.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        let output = child.wait_with_output().unwrap();
        (output.status.code(), text(&output))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
