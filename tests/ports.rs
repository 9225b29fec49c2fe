//! `common::ports::free_port`, which every test that names a service's port up
//! front uses: the ports it hands out are never the same twice, in this process or
//! across test processes running side by side, and never ones the kernel hands out
//! by itself (to `bind(0)` or an outgoing connection), so no other test or client
//! socket can take a port between the test picking it and the service binding it.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

mod common;
use common::ports::free_port;

const HELPER: &str = "RITC_TEST_PORTS_HELPER";

fn ephemeral_range() -> (u16, u16) {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .expect("the kernel's ephemeral port range");
    let numbers: Vec<u16> = text
        .split_whitespace()
        .map(|number| number.parse().expect("a port number"))
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn ports_are_distinct_within_a_process_and_outside_the_ephemeral_range() {
    let (low, high) = ephemeral_range();
    let ports: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| (0..10).map(|_| free_port()).collect::<Vec<u16>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("a thread"))
            .collect()
    });
    let distinct: HashSet<u16> = ports.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        ports.len(),
        "a port was handed out twice: {ports:?}"
    );
    for port in ports {
        assert!(
            !(low..=high).contains(&port),
            "{port} is in the ephemeral range {low}-{high}, where bind(0) and clients can take it"
        );
    }
}

#[test]
fn a_port_another_test_process_holds_is_not_handed_out() {
    // Another process of this binary reserves ports and keeps them until its
    // standard input closes.
    let mut helper = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "reserve_ports_for_the_other_process",
            "--nocapture",
        ])
        .env(HELPER, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the helper");
    let mut theirs = HashSet::new();
    let mut lines = BufReader::new(helper.stdout.take().expect("its stdout")).lines();
    for line in lines.by_ref() {
        let line = line.expect("a line");
        if line == "held" {
            break;
        }
        if let Some(port) = line.strip_prefix("port ") {
            theirs.insert(port.parse::<u16>().expect("a port"));
        }
    }
    assert_eq!(theirs.len(), 20, "the helper reserved {theirs:?}");
    let ours: Vec<u16> = (0..20).map(|_| free_port()).collect();
    drop(helper.stdin.take());
    lines.for_each(drop);
    assert!(helper.wait().expect("the helper ends").success());
    let shared: Vec<&u16> = ours.iter().filter(|port| theirs.contains(port)).collect();
    assert!(shared.is_empty(), "both processes got {shared:?}");
}

/// The other process of the test above; does nothing in a normal run.
#[test]
fn reserve_ports_for_the_other_process() {
    if std::env::var_os(HELPER).is_none() {
        return;
    }
    for _ in 0..20 {
        println!("port {}", free_port());
    }
    println!("held");
    let mut wait = String::new();
    let _ = std::io::stdin().read_to_string(&mut wait);
}
