//! The demo service and free ports, for the tests that start `rit-demo` or a
//! server of their own.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::suite::ritc;

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

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
