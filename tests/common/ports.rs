//! Free ports for services that a `ritc` run (or a test) starts on a port the test
//! names up front.
//!
//! Binding port 0, dropping the listener and handing out the number races: the
//! kernel hands the same ephemeral range to every `bind(0)` and every outgoing
//! connection on the machine, so by the time the service binds, another test's
//! service, a test server on port 0 or a client socket may hold the port, and the
//! run fails or skips for a reason that has nothing to do with the code under test.
//! Two rules close that race:
//!
//! - ports come from outside the kernel's ephemeral range
//!   (`/proc/sys/net/ipv4/ip_local_port_range`), which nothing picks by itself;
//! - each port is reserved across processes with an advisory lock (`flock`) on a
//!   file named after it under the temp folder, held until this test process exits
//!   (the kernel drops it then, even after a crash), so test binaries running side
//!   by side and tests within one binary never get the same port.
//!
//! A port is handed out only if it can be bound right now, so one held by a program
//! outside the test suite is skipped too.

use std::fs::File;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Mutex;

/// The reservations of this process; kept open (and so locked) until it exits,
/// since a test's services may outlive the `free_port` call by the whole test.
static HELD: Mutex<Vec<File>> = Mutex::new(Vec::new());

/// A port on 127.0.0.1 that nobody listens on, that no other test (in this or
/// another test process) was given, and that the kernel does not hand out to
/// `bind(0)` or outgoing connections.
pub fn free_port() -> u16 {
    let folder = std::env::temp_dir().join("ritc-test-ports");
    std::fs::create_dir_all(&folder).expect("a folder for port reservations");
    let (low, high) = candidate_range();
    let span = u32::from(high - low) + 1;
    // Start at a different place in each process so parallel test binaries do not
    // all contend for the same first few locks.
    let start = std::process::id() % span;
    let mut held = HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for offset in 0..span {
        let port = low + ((start + offset) % span) as u16;
        let Some(lock) = reserve(&folder, port) else {
            continue;
        };
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            held.push(lock);
            return port;
        }
    }
    panic!("no free port in {low}..={high}: every one is reserved or in use");
}

/// The lock on `port`'s reservation file, if no other holder has it.
fn reserve(folder: &std::path::Path, port: u16) -> Option<File> {
    let path: PathBuf = folder.join(port.to_string());
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .ok()?;
    // `flock` locks belong to the open file, so a second open of the same file in
    // this process is refused as well as one in another process.
    file.try_lock().ok()?;
    Some(file)
}

/// Ports below the kernel's ephemeral range when there is room there, above it
/// otherwise.
fn candidate_range() -> (u16, u16) {
    let ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| {
            let mut numbers = text.split_whitespace().map(|n| n.parse::<u16>().ok());
            Some((numbers.next()??, numbers.next()??))
        })
        .unwrap_or((32768, 60999));
    const LOWEST: u16 = 10000;
    const ENOUGH: u16 = 2000;
    match ephemeral {
        (low, _) if low >= LOWEST + ENOUGH => (LOWEST, low - 1),
        (_, high) if high <= u16::MAX - ENOUGH => (high + 1, u16::MAX),
        _ => (LOWEST, u16::MAX),
    }
}
