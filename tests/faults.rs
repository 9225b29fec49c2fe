//! Faults in the system under test (issue 11, docs/reliability.md), each through
//! the real binary with the exact outcome asserted: a body far past the limit, a
//! server that breaks off mid-body, bodies that are not UTF-8, a service that
//! exits during the run, a host name that does not resolve, and teardown after a
//! failing test with no process left behind.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::process_tree::TreeMark;
use common::suite::{Suite, ritc, text};

/// Reads a request's head (up to the blank line) so that closing the socket
/// afterwards does not reset it over unread bytes.
fn read_head(stream: &mut TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
}

/// A raw HTTP server on a free port: each connection's request head is read,
/// then `answer` writes whatever it likes. Runs until the test process ends.
fn serve(answer: fn(&mut TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                read_head(&mut stream);
                answer(&mut stream);
            });
        }
    });
    port
}

const GIGABYTE: u64 = 1 << 30;

/// Streams `total` bytes of body from one buffer until done or the client leaves.
fn stream_body(stream: &mut TcpStream, total: u64) {
    let chunk = vec![b'x'; 64 * 1024];
    let mut sent = 0u64;
    while sent < total {
        if stream.write_all(&chunk).is_err() {
            return;
        }
        sent += chunk.len() as u64;
    }
}

fn one_gigabyte_with_length(stream: &mut TcpStream) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {GIGABYTE}\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(head.as_bytes()).is_ok() {
        stream_body(stream, GIGABYTE);
    }
}

fn one_gigabyte_until_close(stream: &mut TcpStream) {
    let head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
    if stream.write_all(head.as_bytes()).is_ok() {
        stream_body(stream, GIGABYTE);
    }
}

/// The highest resident set size of a process so far, in KiB, from /proc.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs ritc and samples its peak RSS until it exits (`wait_measured`).
fn run_measured(suite: &Suite, args: &[&str]) -> (Output, u64) {
    let child = suite
        .command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_measured(child)
}

/// Waits for a started ritc (output piped) and samples its peak RSS meanwhile;
/// the output and the highest value seen, in KiB.
fn wait_measured(child: std::process::Child) -> (Output, u64) {
    let pid = child.id();
    let sampler = std::thread::spawn(move || {
        let mut peak = 0;
        while let Some(rss) = peak_rss_kib(pid) {
            peak = peak.max(rss);
            std::thread::sleep(Duration::from_millis(5));
        }
        peak
    });
    // wait_with_output reads the pipes; the sampler stops once /proc/PID is gone.
    let output = child.wait_with_output().unwrap();
    let peak = sampler.join().unwrap();
    (output, peak)
}

#[test]
fn a_one_gigabyte_body_fails_at_the_limit_with_memory_bounded() {
    let with_length = serve(one_gigabyte_with_length);
    let until_close = serve(one_gigabyte_until_close);
    for port in [with_length, until_close] {
        // Without `follow redirects` a plain http:// step takes the hyper path;
        // with it, reqwest's. Both must stop at the limit.
        for (name, options) in [("plain", ""), ("full", "\n    follow redirects")] {
            let suite = Suite::new();
            suite.file(
                "huge.rit",
                &format!(
                    "test \"huge\" {{\n  GET \"http://127.0.0.1:{port}/huge\"\n    timeout 60s{options}\n  expect status == 200\n}}\n"
                ),
            );
            let (output, peak_kib) = run_measured(&suite, &["huge.rit"]);
            let all = text(&output);
            assert_eq!(output.status.code(), Some(1), "{name} {port}: {all}");
            assert!(all.contains("✗ huge / huge"), "{name}: {all}");
            assert!(
                all.contains(
                    "the response body is larger than 64MB (--max-body); ritc stops reading there"
                ),
                "{name}: {all}"
            );
            assert!(all.contains("huge.rit:2"), "{name}: {all}");
            // A 1 GB body read whole would need 1 GB; bounded it is a few 64 MiB buffers.
            assert!(
                peak_kib < 400 * 1024,
                "{name}: ritc peaked at {peak_kib} KiB reading a 1 GB body"
            );
        }
    }
    // The test process itself streamed from one 64 KiB buffer.
    let own = peak_rss_kib(std::process::id()).unwrap();
    assert!(own < 400 * 1024, "the test process peaked at {own} KiB");
}

#[test]
fn a_command_that_writes_without_end_fails_at_the_limit_with_memory_bounded() {
    // `yes` never stops; `head -c` writes 200 MB and exits. Both are cut at 64 MiB
    // of one stream, long before the timeout, and their group is ended.
    for (stream, command) in [
        ("stdout", "yes"),
        ("stderr", "head -c 200000000 /dev/zero >&2"),
    ] {
        let suite = Suite::new();
        suite.file(
            "chatty.rit",
            &format!(
                "test \"chatty\" {{\n  run \"{command}\"\n    timeout 60s\n  expect exit == 0\n}}\n"
            ),
        );
        let (child, mark) = spawn_marked(&suite, &["chatty.rit"]);
        let (output, peak_kib) = wait_measured(child);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(1), "{stream}: {all}");
        assert!(all.contains("✗ chatty / chatty"), "{stream}: {all}");
        assert!(
            all.contains(&format!(
                "wrote more than 64 MiB to its {stream}; ritc stops reading there and ended its process group"
            )),
            "{stream}: {all}"
        );
        assert!(all.contains("chatty.rit:2"), "{stream}: {all}");
        assert!(!all.contains("timed out"), "{stream}: {all}");
        assert!(
            peak_kib < 400 * 1024,
            "{stream}: ritc peaked at {peak_kib} KiB"
        );
        mark.assert_none_left("a command that wrote without end");
    }
}

fn ten_of_a_thousand_then_close(stream: &mut TcpStream) {
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n0123456789",
    );
    let _ = stream.flush();
}

fn ten_of_a_thousand_then_reset(stream: &mut TcpStream) {
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n0123456789",
    );
    let _ = stream.flush();
    std::thread::sleep(Duration::from_millis(50));
    // SO_LINGER 0: closing sends a RST instead of a FIN.
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    use std::os::fd::AsRawFd;
    // SAFETY: a valid socket and a correctly sized option value.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

#[test]
fn a_server_that_breaks_off_mid_body_fails_the_step_at_its_line() {
    for answer in [ten_of_a_thousand_then_close, ten_of_a_thousand_then_reset] {
        let port = serve(answer);
        for (name, options) in [("plain", ""), ("full", "\n    follow redirects")] {
            let suite = Suite::new();
            suite.file(
                "broken.rit",
                &format!(
                    "test \"cut short\" {{\n  GET \"http://127.0.0.1:{port}/\"\n    timeout 5s{options}\n  expect status == 200\n}}\n"
                ),
            );
            let output = suite.run(&["broken.rit"]);
            let all = text(&output);
            assert_eq!(output.status.code(), Some(1), "{name}: {all}");
            assert!(all.contains("✗ broken / cut short"), "{name}: {all}");
            assert!(all.contains("the connection broke"), "{name}: {all}");
            // The cause is named: the body ended early or the peer reset.
            assert!(
                all.contains("end of file before message length reached") || all.contains("reset"),
                "{name}: {all}"
            );
            assert!(all.contains("broken.rit:2"), "{name}: {all}");
            assert!(!all.contains("panicked"), "{name}: {all}");
        }
    }
}

const BINARY: &[u8] = &[0xff, 0xfe, 0x00, 0x80, b'{', 0xc3, 0x28, b'}'];

fn binary_body(stream: &mut TcpStream) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        BINARY.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(BINARY);
}

#[test]
fn invalid_utf8_and_binary_bodies_are_measured_and_not_json() {
    let port = serve(binary_body);
    let suite = Suite::new();
    suite.file(
        "binary.rit",
        &format!(
            r#"test "measured" {{
  GET "http://127.0.0.1:{port}/bytes"
  expect status == 200
  expect len(body) == {len}
}}
test "not json" {{
  GET "http://127.0.0.1:{port}/bytes"
  expect status == 200
  expect json.a == 1
}}
"#,
            len = BINARY.len()
        ),
    );
    let output = suite.run(&["binary.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("✓ binary / measured"), "{all}");
    assert!(all.contains("✗ binary / not json"), "{all}");
    assert!(all.contains("not JSON"), "{all}");
    assert!(all.contains("binary.rit:9"), "{all}");
    assert!(!all.contains("panicked"), "{all}");
}

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

#[test]
fn a_service_that_exits_during_the_run_fails_the_test_that_needs_it() {
    let suite = Suite::new();
    suite.file(
        "quits.rit",
        // Files, not sleeps, order the two: the service exits only once the step
        // runs, and the step ends well after it saw the service go.
        r#"service quitter = "while [ ! -e step-started ]; do sleep 0.01; done; touch quitting; exit 7"
teardown {
  run "touch torn-down"
}
test "outlives its service" {
  run "touch step-started; while [ ! -e quitting ]; do sleep 0.01; done; sleep 1"
  expect stdout == "the service's answer"
}
"#,
    );
    let output = suite.run(&["quits.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("✗ quits / outlives its service"), "{all}");
    assert!(all.contains("quits.rit:7"), "{all}");
    // The failure says why it may have failed: the service is gone.
    assert!(
        all.contains("and service `quitter` (exit status 7) stopped while it ran"),
        "{all}"
    );
    assert!(suite.dir.path().join("torn-down").exists(), "{all}");
}

#[test]
fn a_test_that_starts_after_its_service_died_is_told_so_not_that_it_died_while_it_ran() {
    let suite = Suite::new();
    suite.file(
        "died.rit",
        // Files, not sleeps, order the service's exit inside the first test's step.
        r#"service quitter = "while [ ! -e step-started ]; do sleep 0.01; done; touch quitting; exit 7"
test "running when it dies" {
  run "touch step-started; while [ ! -e quitting ]; do sleep 0.01; done; sleep 1"
  expect stdout == "the service's answer"
}
test "starts after" {
  run "true"
  expect stdout == "the service's answer"
}
"#,
    );
    let output = suite.run(&["died.rit", "--jobs", "1"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    let failure_of = |test: &str| {
        let start = all
            .find(&format!("✗ died / {test}"))
            .unwrap_or_else(|| panic!("{all}"));
        all[start..].lines().nth(1).unwrap_or_default().to_string()
    };
    assert!(
        failure_of("running when it dies")
            .ends_with("— and service `quitter` (exit status 7) stopped while it ran"),
        "{all}"
    );
    assert!(
        failure_of("starts after")
            .ends_with("— and service `quitter` (exit status 7) had stopped before it started"),
        "{all}"
    );
}

#[test]
fn an_unknown_host_fails_with_a_clear_error() {
    for (name, options) in [("plain", ""), ("full", "\n    follow redirects")] {
        let suite = Suite::new();
        suite.file(
            "dns.rit",
            &format!(
                "test \"nowhere\" {{\n  GET \"http://no-such-host.invalid/\"\n    timeout 10s{options}\n  expect status == 200\n}}\n"
            ),
        );
        let output = suite.run(&["dns.rit"]);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(1), "{name}: {all}");
        assert!(all.contains("✗ dns / nowhere"), "{name}: {all}");
        assert!(
            all.contains("could not resolve the host name"),
            "{name}: {all}"
        );
        assert!(all.contains("no-such-host.invalid"), "{name}: {all}");
        assert!(all.contains("dns.rit:2"), "{name}: {all}");
    }
}

#[test]
fn teardown_runs_after_a_failing_test_and_no_service_is_left() {
    let suite = Suite::new();
    suite.file(
        "mess.rit",
        r#"service lingerer = "echo $$ > service.pid; exec sleep 30"
teardown {
  run "touch torn-down"
}
test "fails" {
  run "sleep 0.3"
  expect stdout == "something else"
}
"#,
    );
    let mark = TreeMark::new();
    let mut command = suite.command(&["mess.rit"]);
    mark.apply(&mut command);
    let output = command.output().unwrap();
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("✗ mess / fails"), "{all}");
    assert!(all.contains("mess.rit:7"), "{all}");
    assert!(suite.dir.path().join("torn-down").exists(), "{all}");
    let pid: i32 = std::fs::read_to_string(suite.dir.path().join("service.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!alive(pid), "the service {pid} outlived the run: {all}");
    mark.assert_none_left("a run with a failing test");
}

#[test]
fn reading_outside_the_suite_folder_needs_allow_read() {
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(outer.path().join("outside.txt"), "outside\n").unwrap();
    let suite_dir = outer.path().join("suite");
    std::fs::create_dir(&suite_dir).unwrap();
    let absolute = outer.path().join("outside.txt");
    std::fs::write(
        suite_dir.join("reads.rit"),
        format!(
            r#"test "relative" {{
  let text = read("../outside.txt")
  expect text == "outside\n"
}}
test "absolute" {{
  let text = read("{}")
  expect len(text) == 8
}}
"#,
            absolute.display()
        ),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        Command::new(ritc())
            .arg("run")
            .arg("reads.rit")
            .args(extra)
            .current_dir(&suite_dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let refused = run(&[]);
    let all = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{all}");
    assert!(all.contains("✗ reads / relative"), "{all}");
    assert!(all.contains("✗ reads / absolute"), "{all}");
    assert!(all.contains("outside the suite folder"), "{all}");
    assert!(all.contains("pass --allow-read"), "{all}");
    assert!(all.contains("reads.rit:2"), "{all}");
    assert!(all.contains("reads.rit:6"), "{all}");
    let allowed = run(&["--allow-read"]);
    let all = text(&allowed);
    assert_eq!(allowed.status.code(), Some(0), "{all}");
    assert!(all.contains("✓ reads / relative"), "{all}");
    assert!(all.contains("✓ reads / absolute"), "{all}");
}

#[test]
fn importing_a_url_is_refused_before_anything_runs() {
    let suite = Suite::new();
    suite.file(
        "remote.rit",
        "import \"http://example.com/x.rit\"\ntest \"t\" {\n  run \"touch ran\"\n  expect exit == 0\n}\n",
    );
    let output = suite.run(&["remote.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("E0206"), "{all}");
    assert!(all.contains("a URL or an absolute path"), "{all}");
    assert!(!suite.dir.path().join("ran").exists(), "{all}");
}

/// `ritc run ARGS` in the suite's folder, started with a process-tree mark and
/// its output piped (read it with `wait_with_output`, or keep it small).
fn spawn_marked(suite: &Suite, args: &[&str]) -> (std::process::Child, TreeMark) {
    let mark = TreeMark::new();
    let mut command = suite.command(args);
    mark.apply(&mut command);
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    (child, mark)
}

/// The `--report json=report.json` file the run wrote.
fn json_report(suite: &Suite) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(suite.dir.path().join("report.json")).unwrap())
        .unwrap()
}

/// Waits (up to 20 s) until `name` in `dir` holds a PID, and returns it.
fn wait_for_pid(dir: &std::path::Path, name: &str) -> i32 {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(pid) = std::fs::read_to_string(dir.join(name))
            .unwrap_or_default()
            .trim()
            .parse()
        {
            return pid;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{name} never appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the marked tree holds at least `count` processes, among them every
/// one of `pids`: the check that later finds the tree empty can see these.
fn assert_tree_holds(mark: &TreeMark, pids: &[i32], count: usize) {
    let living = mark.wait_for_at_least(count);
    for pid in pids {
        assert!(
            living.iter().any(|(living_pid, _)| living_pid == pid),
            "process {pid} is not in the marked tree {living:?}"
        );
    }
}

fn signal(child: &std::process::Child, signal: i32) {
    // SAFETY: sending a signal to our own child by its id.
    unsafe { libc::kill(child.id() as i32, signal) };
}

#[test]
fn an_interrupt_during_setup_runs_teardown_once_and_writes_the_report() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        let suite = Suite::new();
        suite.file(
            "setup.rit",
            r#"service sleeper = "echo $$ > service.pid; exec sleep 60"
setup {
  run "echo $$ > setup.pid; sleep 60"
}
teardown {
  run "echo x >> torn-down"
}
test "never starts" {
  run "touch started"
  expect exit == 0
}
"#,
        );
        let (mut child, mark) =
            spawn_marked(&suite, &["setup.rit", "--report", "json=report.json"]);
        let pids = [
            wait_for_pid(suite.dir.path(), "service.pid"),
            wait_for_pid(suite.dir.path(), "setup.pid"),
        ];
        // ritc, the service, the setup step's shell and its `sleep`.
        assert_tree_holds(&mark, &pids, 4);
        signal(&child, sig);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(3), "signal {sig}");
        let torn = std::fs::read_to_string(suite.dir.path().join("torn-down")).unwrap();
        assert_eq!(torn, "x\n", "teardown runs exactly once (signal {sig})");
        assert!(!suite.dir.path().join("started").exists());
        mark.assert_none_left(&format!("a run interrupted in setup by {sig}"));
        let report = json_report(&suite);
        assert_eq!(report["test_run"]["interrupted"], true, "{report}");
        assert_eq!(report["test_run"]["status"], "INTERRUPTED", "{report}");
        // The test that never started is skipped, not lost.
        assert_eq!(report["summary"]["skipped"], 1, "{report}");
        assert_eq!(report["tests"][0]["skip_reason"], "interrupted", "{report}");
        // What to do is run it again; the test it kept from starting is no
        // test to re-enable.
        assert_eq!(
            report["recommendations"],
            serde_json::json!(["The run was interrupted: run it again to see every result"]),
            "{report}"
        );
    }
}

#[test]
fn a_second_interrupt_cuts_teardown_short_and_the_report_keeps_what_finished() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let suite = Suite::new();
        suite.file(
            "slow.rit",
            r#"service sleeper = "echo $$ > service.pid; exec sleep 60"
teardown {
  run "echo x >> torn-down; echo $$ > teardown.pid; sleep 60"
}
test "quick" {
  run "true"
  expect exit == 0
}
"#,
        );
        let (mut child, mark) = spawn_marked(&suite, &["slow.rit", "--report", "json=report.json"]);
        let pids = [
            wait_for_pid(suite.dir.path(), "service.pid"),
            wait_for_pid(suite.dir.path(), "teardown.pid"),
        ];
        // ritc, the service, the teardown step's shell and its `sleep`.
        assert_tree_holds(&mark, &pids, 4);
        // The first interrupt lets the running teardown finish…
        signal(&child, sig);
        std::thread::sleep(Duration::from_millis(500));
        assert!(
            child.try_wait().unwrap().is_none(),
            "the first interrupt must let teardown run"
        );
        // …the second ends it at once, with its processes.
        signal(&child, sig);
        let output = child.wait_with_output().unwrap();
        let all = text(&output);
        assert_eq!(output.status.code(), Some(3), "signal {sig}: {all}");
        assert!(
            all.contains("teardown of slow was cut short by a second interrupt"),
            "{all}"
        );
        assert!(all.contains("✓ slow / quick"), "{all}");
        let torn = std::fs::read_to_string(suite.dir.path().join("torn-down")).unwrap();
        assert_eq!(torn, "x\n", "teardown started exactly once (signal {sig})");
        mark.assert_none_left(&format!("a run interrupted twice by {sig}"));
        let report = json_report(&suite);
        assert_eq!(report["test_run"]["interrupted"], true, "{report}");
        assert_eq!(report["summary"]["passed"], 1, "{report}");
    }
}

#[test]
fn a_second_interrupt_ends_services_without_their_grace() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let suite = Suite::new();
        // The service notes SIGTERM and goes on: only SIGKILL ends it, after a
        // 5 s grace unless a second interrupt cuts that short.
        suite.file(
            "stubborn.rit",
            r#"service stubborn = "trap 'echo term >> got-term' TERM; echo $$ > service.pid; while true; do sleep 0.1; done"
test "long" {
  run "echo $$ > step.pid; sleep 60"
  expect exit == 0
}
"#,
        );
        let (mut child, mark) =
            spawn_marked(&suite, &["stubborn.rit", "--report", "json=report.json"]);
        let pids = [
            wait_for_pid(suite.dir.path(), "service.pid"),
            wait_for_pid(suite.dir.path(), "step.pid"),
        ];
        assert_tree_holds(&mark, &pids, 3);
        signal(&child, sig);
        // The test is ended and the services are being stopped: the service saw
        // SIGTERM and ignored it.
        let got_term = suite.dir.path().join("got-term");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !got_term.exists() {
            assert!(Instant::now() < deadline, "the service never got SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the service's grace must still be running"
        );
        let second = Instant::now();
        signal(&child, sig);
        let output = child.wait_with_output().unwrap();
        let after_second = second.elapsed();
        let all = text(&output);
        assert_eq!(output.status.code(), Some(3), "signal {sig}: {all}");
        assert!(
            all.contains(
                "a second interrupt: service `stubborn` killed at once, without its grace to stop"
            ),
            "{all}"
        );
        // The grace is 5 s; without the second interrupt ritc would wait it out.
        assert!(
            after_second < Duration::from_secs(4),
            "the second interrupt did not cut the grace short: {after_second:?}"
        );
        assert!(all.contains("■ stubborn / long"), "{all}");
        mark.assert_none_left(&format!("a run interrupted twice by {sig}"));
        let report = json_report(&suite);
        assert_eq!(report["test_run"]["interrupted"], true, "{report}");
    }
}

#[test]
fn a_process_that_leaves_its_group_is_ended_and_named_after_the_run() {
    let suite = Suite::new();
    // `setsid` puts each daemon in a session of its own, out of reach of the
    // signals that end the step's process group. The step waits until both
    // daemons wrote their pid (so they have left their groups) and exits. The
    // step's daemon answers SIGTERM by starting yet another one (in its own
    // session, so out of every group too), which ritc may find between its fork
    // and its exec: it must still name it by the program it runs, `sleep 33`.
    suite.file(
        "daemon.rit",
        r#"service keeper = "setsid sh -c 'echo $$ > service-daemon.pid; exec sleep 31' > /dev/null 2>&1 < /dev/null & exec sleep 60"
test "starts a daemon" {
  run "setsid sh -c 'trap \"sleep 33 & exit\" TERM; echo $$ > step-daemon.pid; sleep 32 & wait' > /dev/null 2>&1 < /dev/null & while [ ! -s step-daemon.pid ] || [ ! -s service-daemon.pid ]; do sleep 0.01; done"
  expect exit == 0
}
"#,
    );
    let mark = TreeMark::new();
    let mut command = suite.command(&["daemon.rit", "--report", "json=report.json"]);
    mark.apply(&mut command);
    let output = command.output().unwrap();
    let all = text(&output);
    // The test itself passed: a leftover is named, it does not change a verdict.
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("✓ daemon / starts a daemon"), "{all}");
    // The service's daemon; the step's daemon and its `sleep 32`; and the
    // `sleep 33` that the step's daemon starts when it gets SIGTERM, found by a
    // later reading of the process table.
    assert!(
        all.contains("4 processes started by the run outlived it and were ended"),
        "{all}"
    );
    let service_daemon = wait_for_pid(suite.dir.path(), "service-daemon.pid");
    let step_daemon = wait_for_pid(suite.dir.path(), "step-daemon.pid");
    // Each named by pid and command line (`sh -c …` if it had not yet reached
    // its `exec`).
    assert!(all.contains(&format!("pid {service_daemon}: ")), "{all}");
    assert!(all.contains(&format!("pid {step_daemon}: ")), "{all}");
    assert!(all.contains("sleep 31"), "{all}");
    assert!(all.contains("sleep 32"), "{all}");
    assert!(all.contains(": sleep 33"), "{all}");
    mark.assert_none_left("a run whose step and service started daemons");
    let report = std::fs::read_to_string(suite.dir.path().join("report.json")).unwrap();
    assert!(report.contains("outlived it and were ended"), "{report}");
}

#[test]
fn a_service_that_exits_while_every_test_passes_still_fails_the_run() {
    let suite = Suite::new();
    suite.file(
        "crash.rit",
        // The service exits only once the test runs (a file orders the two, not
        // a sleep), and the test outlasts it.
        r#"service crasher = "echo 'boom: out of cheese'; while [ ! -e step-started ]; do sleep 0.01; done; exit 9"
test "does not need it" {
  run "touch step-started; sleep 1"
  expect exit == 0
}
"#,
    );
    let output = suite.run(&["crash.rit", "--report", "json=report.json"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("✓ crash / does not need it"), "{all}");
    assert!(
        all.contains("service `crasher` exited on its own (exit status 9) while the tests ran"),
        "{all}"
    );
    // Its last words come with it.
    assert!(all.contains("boom: out of cheese"), "{all}");
    let report = json_report(&suite);
    assert_eq!(report["test_run"]["status"], "FAILED", "{report}");
}

/// Answers the first request of each connection and keeps the connection
/// (no `Connection: close`); the next request on it is read, then the
/// connection is closed without a word: what a server with a short keep-alive
/// timeout does to a client that reuses the connection at that moment.
fn one_answer_then_a_silent_close(stream: &mut TcpStream) {
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    read_head(stream);
}

#[test]
fn a_kept_alive_connection_closed_under_a_request_is_retried_when_idempotent() {
    let port = serve(one_answer_then_a_silent_close);
    for (name, options, post_line) in [("plain", "", 15), ("full", "\n    follow redirects", 20)] {
        let suite = Suite::new();
        suite.file(
            "stale.rit",
            &format!(
                r#"test "idempotent" {{
  GET "http://127.0.0.1:{port}/one"{options}
  expect body == "ok"
  GET "http://127.0.0.1:{port}/two"{options}
  expect body == "ok"
  PUT "http://127.0.0.1:{port}/three"{options}
  expect body == "ok"
  DELETE "http://127.0.0.1:{port}/four"{options}
  expect body == "ok"
}}

test "not idempotent" {{
  GET "http://127.0.0.1:{port}/five"{options}
  expect body == "ok"
  POST "http://127.0.0.1:{port}/six"{options}
  expect body == "ok"
}}
"#
            ),
        );
        let output = suite.run(&["stale.rit", "--jobs", "1"]);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(1), "{name}: {all}");
        // Each request after the first met a closed connection and was sent again.
        assert!(all.contains("✓ stale / idempotent"), "{name}: {all}");
        // A POST is never sent twice: it fails, at its line, saying why.
        assert!(all.contains("✗ stale / not idempotent"), "{name}: {all}");
        assert!(
            all.contains(&format!("stale.rit:{post_line}")),
            "{name}: {all}"
        );
        assert!(
            all.contains("connection closed before message completed"),
            "{name}: {all}"
        );
        assert!(all.contains("never POST or PATCH"), "{name}: {all}");
    }
}

/// 4 KiB of body with its length, on a connection that then closes.
fn four_kilobytes(stream: &mut TcpStream) {
    let _ =
        stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4096\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(&[b'x'; 4096]);
}

#[test]
fn max_body_sets_the_limit_for_http_steps_and_load_checks() {
    let port = serve(four_kilobytes);
    let suite = Suite::new();
    suite.file(
        "sized.rit",
        &format!(
            r#"test "plain" {{
  GET "http://127.0.0.1:{port}/plain"
  expect len(body) == 4096
}}
test "full" {{
  GET "http://127.0.0.1:{port}/full"
    follow redirects
  expect len(body) == 4096
}}
test "load" {{
  load GET "http://127.0.0.1:{port}/load" {{
    concurrency 1
    requests 2
    check {{ status == 200 }}
  }}
  expect succeeded == 2
}}
"#
        ),
    );
    // Exactly the limit is allowed, on every path.
    let output = suite.run(&["sized.rit", "--max-body", "4KB"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    // One byte less than the body, and every path refuses it at its line.
    let output = suite.run(&["sized.rit", "--max-body", "1KB"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    for (test, line) in [("plain", 2), ("full", 6)] {
        assert!(all.contains(&format!("✗ sized / {test}")), "{all}");
        assert!(all.contains(&format!("sized.rit:{line}")), "{all}");
    }
    assert_eq!(
        all.matches("the response body is larger than 1KB (--max-body); ritc stops reading there")
            .count(),
        2,
        "{all}"
    );
    assert!(all.contains("✗ sized / load"), "{all}");
    assert!(all.contains("body too large"), "{all}");
    // A size is required.
    let output = suite.run(&["sized.rit", "--max-body", "lots"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(
        all.contains("expected a size such as 64MB, 512KB or 1GB"),
        "{all}"
    );
}

#[test]
fn when_the_retry_fails_too_the_first_error_is_reported() {
    for (name, options) in [("plain", ""), ("full", "\n    follow redirects")] {
        // One connection: its request is read, then it closes unanswered and
        // nothing listens any more, as when a server crashes on a request.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                read_head(&mut stream);
            }
        });
        let suite = Suite::new();
        suite.file(
            "crash.rit",
            &format!("test \"crashes\" {{\n  DELETE \"http://127.0.0.1:{port}/item\"{options}\n  expect status == 204\n}}\n"),
        );
        let output = suite.run(&["crash.rit"]);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(1), "{name}: {all}");
        assert!(
            all.contains("connection closed before message completed"),
            "{name}: {all}"
        );
        assert!(!all.contains("refused"), "{name}: {all}");
    }
}

#[test]
fn a_service_that_teardown_stops_on_purpose_does_not_fail_the_run() {
    let suite = Suite::new();
    suite.file(
        "shutdown.rit",
        r#"service flusher = "echo $$ > service.pid; echo up; exec sleep 30" {
  ready log "up"
}
teardown {
  run "kill $(cat service.pid); while kill -0 $(cat service.pid) 2>/dev/null; do sleep 0.01; done"
}
test "uses it" {
  run "test -s service.pid"
  expect exit == 0
}
"#,
    );
    let output = suite.run(&["shutdown.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(!all.contains("exited on its own"), "{all}");
}

#[test]
fn a_load_resends_only_idempotent_requests_on_a_connection_closed_under_them() {
    let port = serve(one_answer_then_a_silent_close);
    let suite = Suite::new();
    suite.file(
        "stale_load.rit",
        &format!(
            r#"test "get" {{
  load GET "http://127.0.0.1:{port}/get" {{
    concurrency 1
    requests 4
  }}
  expect succeeded == 4
}}

test "post" {{
  load POST "http://127.0.0.1:{port}/post" {{
    concurrency 1
    requests 4
  }}
  expect succeeded == 2
  expect errors["reset"] == 2
}}
"#
        ),
    );
    let output = suite.run(&["stale_load.rit"]);
    let all = text(&output);
    // Each connection answers once: every second GET meets a closed connection
    // and is sent again on a new one; a POST is not, and counts as `reset`.
    assert_eq!(output.status.code(), Some(0), "{all}");
}

#[test]
fn what_steps_leave_in_the_background_leaves_no_zombies_behind() {
    let suite = Suite::new();
    // Counts the zombies whose parent is ritc: the background sleepers that the
    // steps left were adopted by ritc, then ended with their step's group.
    suite.file(
        "zombies.sh",
        r#"count=0
for stat in /proc/[0-9]*/stat; do
  line=$(cat "$stat" 2>/dev/null) || continue
  rest=${line##*) }
  state=${rest%% *}
  rest=${rest#* }
  parent=${rest%% *}
  if [ "$state" = Z ] && [ "$(cat /proc/$parent/comm 2>/dev/null)" = ritc ]; then
    count=$((count + 1))
  fi
done
echo $count
"#,
    );
    suite.file(
        "background.rit",
        r#"test "leaves sleepers behind" {
  run "sleep 30 &"
  run "sleep 31 &"
  run "sleep 32 &"
  run "sh zombies.sh"
  expect stdout == "0\n"
}
"#,
    );
    let output = suite.run(&["background.rit"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
}
