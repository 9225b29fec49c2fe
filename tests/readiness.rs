//! A readiness probe proves the service itself is up (issue 15): a port that
//! answers because another process holds it, or a service that exits while
//! something else answers, is not ready. The real binary against real processes:
//! `rit-demo`, a `TcpListener` of the test, `sh`.

use std::net::TcpListener;
use std::process::Output;
use std::time::{Duration, Instant};

mod common;
use common::demo::{DemoProcess, demo_binary};
use common::ports::free_port;
use common::suite::{Suite, text};

/// The failure names the port and the process that holds it, as `words` (with
/// `{port}` and `{pid}`) say.
fn assert_held_by_another(all: &str, words: &str, port: u16, pid: u32) {
    let words = words
        .replace("{port}", &port.to_string())
        .replace("{pid}", &pid.to_string());
    assert!(all.contains(&words), "{all}");
}

const ANSWERED_BY_ANOTHER: &str = "port {port} answered, but another process holds it: pid {pid} `";

/// A suite with one service and one test that passes whenever it runs.
fn one_service(service: &str, ready: &str) -> Suite {
    let suite = Suite::new();
    suite.file(
        "ready.rit",
        &format!(
            "service api = {service:?} {{\n  {ready}\n}}\ntest \"passes when it runs\" {{\n  run \"true\"\n  expect exit == 0\n}}\n"
        ),
    );
    suite
}

#[test]
fn a_service_that_cannot_bind_a_port_another_process_holds_is_not_ready() {
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let demo = demo_binary();
    let suite = one_service(
        &format!("{} inventory --port {port}", demo.display()),
        &format!("ready tcp \"127.0.0.1:{port}\" within 20s"),
    );
    let started = Instant::now();
    let output = suite.run(&["ready.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("service `api` exited with status 1 before it was ready"),
        "{all}"
    );
    // The log tail says why, and the failure says who holds the port.
    assert!(
        all.to_lowercase().contains("address already in use"),
        "{all}"
    );
    assert_held_by_another(
        &all,
        "exited with status 1 before it was ready; port {port} is held by another process: pid {pid} `",
        port,
        std::process::id(),
    );
    assert!(!all.contains("✓ ready / passes when it runs"), "{all}");
    // At once, when the service exits, not after the 20 s limit.
    assert!(started.elapsed() < Duration::from_secs(10), "{all}");
}

#[test]
fn a_service_that_runs_but_never_listens_is_not_made_ready_by_another_listener() {
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let suite = one_service(
        "exec sleep 30",
        &format!("ready tcp \"localhost:{port}\" within 1s"),
    );
    let output = suite.run(&["ready.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("service `api` was not ready within 1s"),
        "{all}"
    );
    assert_held_by_another(&all, ANSWERED_BY_ANOTHER, port, std::process::id());
    assert!(all.contains("not one of the service's own"), "{all}");
}

/// Runs `service` with a `ready http` URL that another `rit-demo`, started by the
/// test, answers; returns that server (still running) and ritc's output.
fn run_while_another_server_answers_http(service: &str, within: &str) -> (DemoProcess, Output) {
    let other = DemoProcess::inventory();
    let suite = one_service(
        service,
        &format!(
            "ready http \"http://127.0.0.1:{}/health\" within {within}",
            other.port
        ),
    );
    let output = suite.run(&["ready.rit"]);
    (other, output)
}

#[test]
fn a_service_that_exits_while_another_server_answers_http_is_not_ready() {
    // It exits a moment after the probe's first answer (from the other server).
    let (_other, output) = run_while_another_server_answers_http(
        "sleep 0.3; echo 'no config file' >&2; exit 4",
        "20s",
    );
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("service `api` exited with status 4 before it was ready"),
        "{all}"
    );
    assert!(all.contains("no config file"), "{all}");
    assert!(!all.contains("✓ ready / passes when it runs"), "{all}");
}

#[test]
fn a_service_that_runs_while_another_server_answers_http_is_not_ready() {
    let (other, output) = run_while_another_server_answers_http("exec sleep 30", "1s");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("service `api` was not ready within 1s"),
        "{all}"
    );
    assert_held_by_another(&all, ANSWERED_BY_ANOTHER, other.port, other.child.id());
    assert!(
        all.contains("inventory --port 0`, not one of the service's own"),
        "{all}"
    );
}

#[test]
fn a_service_that_listens_itself_is_ready_on_tcp_and_http() {
    let demo = demo_binary();
    for ready in [
        "ready tcp \"127.0.0.1:{port}\" within 20s",
        "ready http \"http://localhost:{port}/health\" within 20s",
    ] {
        let port = free_port();
        let suite = one_service(
            // Through `sh` and a child: the listener is the tree's, not the leader's.
            &format!("{} inventory --port {port} | cat", demo.display()),
            &ready.replace("{port}", &port.to_string()),
        );
        let output = suite.run(&["ready.rit"]);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(0), "{ready}: {all}");
        assert!(all.contains("service api ready"), "{all}");
        assert!(all.contains("✓ ready / passes when it runs"), "{all}");
    }
}

#[test]
fn a_listener_the_service_started_outside_its_process_tree_counts() {
    // Like `docker run -p`'s proxy: the listener is not a process of the service's
    // tree (here a `setsid -f` child, adopted by ritc), but it appeared after the
    // service started, so it is not another process's port.
    let port = free_port();
    let suite = one_service(
        &format!(
            "setsid -f {} inventory --port {port} > /dev/null; exec sleep 30",
            demo_binary().display()
        ),
        &format!("ready tcp \"127.0.0.1:{port}\" within 20s"),
    );
    let output = suite.run(&["ready.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("service api ready"), "{all}");
    assert!(all.contains("✓ ready / passes when it runs"), "{all}");
    // ritc still ends it after the run, and names it.
    assert!(all.contains("outlived it and was ended"), "{all}");
}
