//! Starting the real `rit-demo` binary for a test and stopping it when the test ends.
//! Each test file includes this module; not every file uses every helper.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use tempfile::TempDir;

/// A cold debug binary on a busy two-core machine can take a while to come up.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `rit-demo` process; dropping it kills the process, so a failing test
/// leaves nothing behind.
pub struct Service {
    child: Child,
    pub port: u16,
    /// The SQLite file's folder, removed with the service.
    _data: Option<TempDir>,
    /// Every line the service wrote to stdout so far.
    log: Arc<Mutex<Vec<String>>>,
}

impl Service {
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The lines the service wrote to stdout so far.
    pub fn log(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for the process to exit by itself; its exit status, if
    /// it did.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `rit-demo serve` on a free port, with a fresh SQLite file unless `database_url`
/// is given, publishing no events.
pub fn start_api(
    database_url: Option<&str>,
    inventory_url: &str,
    twilio_auth_token: Option<&str>,
) -> Service {
    start_api_publishing(database_url, inventory_url, twilio_auth_token, None)
}

/// `rit-demo serve` as [`start_api`] starts it, publishing its events to the
/// broker of `events_url` (`EVENTS_URL`) when given.
pub fn start_api_publishing(
    database_url: Option<&str>,
    inventory_url: &str,
    twilio_auth_token: Option<&str>,
    events_url: Option<&str>,
) -> Service {
    let (database_url, data) = match database_url {
        Some(url) => (url.to_string(), None),
        None => {
            let data = tempfile::tempdir().expect("a temporary folder");
            let url = format!("sqlite://{}/demo.db?mode=rwc", data.path().display());
            (url, Some(data))
        }
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_rit-demo"));
    command
        .args(["serve", "--port", "0", "--inventory-url", inventory_url])
        .env("DATABASE_URL", &database_url)
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("EVENTS_URL");
    if let Some(token) = twilio_auth_token {
        command.env("TWILIO_AUTH_TOKEN", token);
    }
    if let Some(url) = events_url {
        command.env("EVENTS_URL", url);
    }
    let mut service = start(command);
    service._data = data;
    service
}

/// `rit-demo inventory` on a free port.
pub fn start_inventory() -> Service {
    start_inventory_hearing(None)
}

/// `rit-demo inventory` on a free port, recording the orders `order.created`
/// announces on the broker of `events_url` (`EVENTS_URL`) when given.
pub fn start_inventory_hearing(events_url: Option<&str>) -> Service {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rit-demo"));
    command
        .args(["inventory", "--port", "0"])
        .env_remove("EVENTS_URL");
    if let Some(url) = events_url {
        command.env("EVENTS_URL", url);
    }
    start(command)
}

/// The SQLite URL a service started by [`start_api`] without a URL uses.
pub fn sqlite_url(service: &Service) -> Option<String> {
    service
        ._data
        .as_ref()
        .map(|data| format!("sqlite://{}/demo.db", data.path().display()))
}

/// Spawns `command`, waits for its "listening on" line, and keeps reading its stdout
/// afterwards so that the log never fills the pipe and blocks the service.
fn start(mut command: Command) -> Service {
    command.stdin(Stdio::null()).stdout(Stdio::piped());
    let mut child = command.spawn().expect("rit-demo starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (sender, receiver) = mpsc::channel();
    let log = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&log);
    std::thread::spawn(move || {
        let mut sender = Some(sender);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            kept.lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(line.clone());
            if let Some(port) = line.strip_prefix("listening on 127.0.0.1:")
                && let Some(sender) = sender.take()
            {
                let _ = sender.send(port.trim().parse::<u16>());
            }
        }
    });
    let mut service = Service {
        child,
        port: 0,
        _data: None,
        log,
    };
    match receiver.recv_timeout(START_TIMEOUT) {
        Ok(Ok(port)) => {
            service.port = port;
            service
        }
        // The panic drops the service, which kills the child.
        outcome => panic!("rit-demo did not print a port in time: {outcome:?}"),
    }
}

/// A client with a timeout, so that a hung service fails the test instead of
/// hanging it.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client")
}

/// A string no earlier run has used, for unique emails and call ids.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_nanos();
    format!("{prefix}{nanos}{}", std::process::id())
}
