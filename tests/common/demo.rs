//! The demo service, for the tests that start `rit-demo` themselves or through
//! `ritc` (free ports for it: `super::ports`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::suite::ritc;

/// The `--param`s that make examples/demo.rit start a fresh demo service (its
/// binary, two free ports) for one `ritc run`.
pub fn fresh_demo_params() -> Vec<String> {
    vec![
        "--param".to_string(),
        format!("demo={}", demo_binary().display()),
        "--param".to_string(),
        format!("port={}", super::ports::free_port()),
        "--param".to_string(),
        format!("inventory_port={}", super::ports::free_port()),
    ]
}

pub fn demo_binary() -> PathBuf {
    // The demo is a workspace member; `cargo test` builds it into the same folder.
    let path = Path::new(ritc()).with_file_name("rit-demo");
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "rit-demo"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo build -p rit-demo");
        assert!(status.success());
    }
    path
}

/// A `rit-demo` that the test starts itself (not through ritc) on a port it picks,
/// read from the `listening on ADDRESS` line it prints first. Killed when dropped.
pub struct DemoProcess {
    pub child: Child,
    pub port: u16,
}

impl DemoProcess {
    /// `rit-demo serve`, its SQLite database in `database_dir`.
    pub fn serve(database_dir: &Path) -> DemoProcess {
        let database = format!("sqlite://{}/demo.db?mode=rwc", database_dir.display());
        DemoProcess::start("serve", Some(database))
    }

    /// `rit-demo inventory`, the in-memory inventory service.
    pub fn inventory() -> DemoProcess {
        DemoProcess::start("inventory", None)
    }

    fn start(subcommand: &str, database_url: Option<String>) -> DemoProcess {
        let mut command = Command::new(demo_binary());
        command
            .args([subcommand, "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        let mut child = command.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("listening on"), "{line}");
        let port = line.trim().rsplit(':').next().unwrap().parse().unwrap();
        DemoProcess { child, port }
    }
}

impl Drop for DemoProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
