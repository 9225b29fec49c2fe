//! Suggestions from evidence, or none (issue 24 bullet 1), against a real
//! service (tests/suggestions/server.py) and real commands. Each rule has a
//! failure that triggers it and one that must not: a failed `run` step names
//! its command (secrets masked), exit code and last stderr lines, a command
//! that exited 0 is not called failed; a status expectation quotes the status
//! and a bounded, masked excerpt of the body; a 500 quotes the Python traceback
//! the service logged with its time after the request, a quiet log quotes
//! nothing; a slow step gives its timing breakdown (connecting, then the
//! service's waiting time) and no advice; a load's failed requests, slow
//! latencies and low throughput are told by what the load and the service saw
//! during it, and a load that saw no failure is not called failed. The causes
//! only the service's log can explain (a test's timeout, a connection lost
//! mid-command or failed while opening, a database error of no known class)
//! quote the traceback tests/suggestions/failing.py logged, timed from the
//! step, and nothing when it logged nothing.

use serde_json::Value;

mod common;
use common::ports::free_port;
use common::suite::{Suite, text};

const TOKEN: &str = "tok-Suggest-Secret-4821";

fn suite_with(test: &str) -> (Suite, Value) {
    let suite = Suite::new();
    let server = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/suggestions/server.py");
    let port = free_port();
    suite.file(
        "main.rit",
        &format!(
            "param port = {port}\nsecret token = env(\"SUGGEST_TOKEN\")\n\nservice api = \"python3 {server} {{{{port}}}}\" {{\n  ready http \"http://127.0.0.1:{{{{port}}}}/health\" within 20s\n}}\n\n{test}"
        ),
    );
    let output = suite
        .command(&["main.rit", "--report", "json=report.json"])
        .env("SUGGEST_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(!text(&output).contains(TOKEN), "{}", text(&output));
    let report_text = std::fs::read_to_string(suite.dir.path().join("report.json")).unwrap();
    assert!(!report_text.contains(TOKEN), "{report_text}");
    let report: Value = serde_json::from_str(&report_text).unwrap();
    (suite, report)
}

fn suggestion(report: &Value) -> Value {
    report["failed_tests"][0]["suggestion"].clone()
}

fn suggestion_text(report: &Value) -> String {
    suggestion(report)
        .as_str()
        .unwrap_or_else(|| panic!("no suggestion: {report}"))
        .to_string()
}

#[test]
fn a_failed_command_is_named_with_its_exit_and_last_stderr_lines() {
    let (_suite, report) = suite_with(
        "test \"migrate\" {\n  run \"echo migrating; echo error: role {{token}} cannot create table >&2; exit 3\"\n  expect stdout contains \"migrating\"\n}\n",
    );
    assert_eq!(report["tests"][0]["failure"]["cause"], "process_exit");
    assert_eq!(
        suggestion_text(&report),
        "`echo migrating; echo error: role *** cannot create table >&2; exit 3` exited with status 3; stderr ended with \"error: role *** cannot create table\" — if that exit is intended, say so with `expect exit == 3` after it"
    );
}

#[test]
fn a_command_that_exited_zero_is_not_called_failed() {
    let (_suite, report) = suite_with(
        "test \"greet\" {\n  run \"echo hello; echo a warning >&2\"\n  expect stdout contains \"goodbye\"\n}\n",
    );
    assert_eq!(report["tests"][0]["failure"]["cause"], "expectation_failed");
    assert_eq!(suggestion(&report), Value::Null, "{report}");
}

#[test]
fn a_status_is_quoted_with_a_masked_excerpt_of_the_body() {
    let (_suite, report) = suite_with(
        "test \"user\" {\n  GET \"http://127.0.0.1:{{port}}/users/42\" headers { Authorization: \"Bearer {{token}}\" }\n  expect status == 200\n}\n",
    );
    let text = suggestion_text(&report);
    let port = report["tests"][0]["failure"]["evidence"]["response"]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{report}"))
        .to_string();
    assert_eq!(
        text,
        format!(
            "GET {port} answered 404 (application/json, {} bytes): \"{{\"error\":\"no user 42\",\"seen\":\"Bearer ***\"}}\" — not found: check the URL's path and that the resource was created first (by this test, not another)",
            r#"{"error":"no user 42","seen":"Bearer "}"#.len() + TOKEN.len()
        )
    );
}

#[test]
fn a_passing_request_before_a_failed_body_expectation_quotes_that_body() {
    let (_suite, report) = suite_with(
        "test \"health\" {\n  GET \"http://127.0.0.1:{{port}}/health\"\n  expect json.status == \"degraded\"\n}\n",
    );
    let text = suggestion_text(&report);
    assert!(
        text.ends_with(
            "/health answered 200 (application/json, 20 bytes): \"{\"status\":\"healthy\"}\""
        ),
        "{text}"
    );
    // No advice on a status that is no error.
    assert!(!text.contains(" — "), "{text}");
}

#[test]
fn a_logged_python_traceback_is_quoted_with_its_time_after_the_request() {
    let (_suite, report) = suite_with(
        "test \"orders\" {\n  GET \"http://127.0.0.1:{{port}}/orders\"\n  expect status == 200\n}\n",
    );
    let text = suggestion_text(&report);
    let (before, after) = text
        .split_once("; the service logged ")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        before.ends_with("answered 500 (application/json, 20 bytes): \"{\"error\":\"internal\"}\" — the service failed with 500"),
        "{text}"
    );
    let server = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/suggestions/server.py");
    let (quoted, when) = after.rsplit_once(" (").unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        quoted,
        format!(
            "\"[api] Traceback (most recent call last): | … | File \"{server}\", line 20, in orders | raise RuntimeError(\"connection pool exhausted (10 of 10 in use)\") | RuntimeError: connection pool exhausted (10 of 10 in use)\""
        )
    );
    // The service waited 0.2 s before it failed: the line came that long
    // after the request (or a little more on a busy machine).
    let seconds: f64 = when
        .strip_suffix(" s after the request)")
        .and_then(|figure| figure.parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    assert!((0.2..2.0).contains(&seconds), "{text}");
}

#[test]
fn a_500_with_a_quiet_log_quotes_nothing_from_it() {
    let (_suite, report) = suite_with(
        "test \"quiet\" {\n  GET \"http://127.0.0.1:{{port}}/quiet\"\n  expect status == 200\n}\n",
    );
    let text = suggestion_text(&report);
    assert!(
        text.ends_with("\"{\"error\":\"internal\"}\" — the service failed with 500"),
        "{text}"
    );
}

#[test]
fn a_slow_step_gives_its_timing_and_no_advice() {
    let (_suite, report) = suite_with(
        "test \"slow\" {\n  GET \"http://127.0.0.1:{{port}}/slow\"\n  expect duration < 100ms\n}\n",
    );
    assert_eq!(
        report["tests"][0]["failure"]["cause"], "too_slow",
        "{report}"
    );
    let timing = &report["tests"][0]["failure"]["evidence"]["timing"];
    let total = timing["total_ms"]
        .as_f64()
        .unwrap_or_else(|| panic!("{report}"));
    let head = timing["first_byte_ms"]
        .as_f64()
        .unwrap_or_else(|| panic!("{report}"));
    // The service slept 0.3 s before its head: that is where the time went.
    assert!(head >= 300.0 && head <= total, "{timing}");
    let text = suggestion_text(&report);
    assert!(
        text.starts_with("too slow: GET http://127.0.0.1:") && text.contains("/slow took "),
        "{text}"
    );
    // The plain client tells connecting apart: this request opened its
    // connection (the readiness probe's was another client's), locally, in far
    // less than the service's 0.3 s.
    let connect = timing["connect_ms"]
        .as_f64()
        .unwrap_or_else(|| panic!("no connect_ms in {timing}"));
    assert!(connect < head && connect < 100.0, "{timing}");
    assert!(timing.get("reused_connection").is_none(), "{timing}");
    // The suggestion names the waiting time, not a generic line.
    let waiting = text
        .split_once(": connecting took ")
        .and_then(|(_, rest)| rest.split_once(", then the service took "))
        .and_then(|(_, rest)| {
            rest.split_once(" to send its response head (waiting) and its body took ")
        })
        .and_then(|(waiting, _)| waiting.strip_suffix("ms"))
        .and_then(|waiting| waiting.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no waiting time in {text}"));
    // The text rounds to whole milliseconds, so the waiting time may read up
    // to half a millisecond past the unrounded head.
    assert!((300.0..=head + 0.5).contains(&waiting), "{text}");
    let recommendations = report["recommendations"].to_string();
    assert!(!recommendations.contains("caching"), "{recommendations}");
    assert!(!recommendations.contains("slow path"), "{recommendations}");
}

/// The rules of a `load`'s expectations, each against a real load: requests
/// that failed are named with the load's errors and the traceback the service
/// logged during the load; a load whose answers were all fine is not called
/// failed (nor recommended pooling) when it got fewer than counted; a slow load
/// is told by its latency shape, never by the error an earlier test caused;
/// a load that did not keep pace, by its shape too.
#[test]
fn a_loads_failures_are_told_by_what_the_load_and_the_service_saw() {
    let load = |name: &str, path: &str, expectation: &str| {
        format!(
            "test \"{name}\" {{\n  load GET \"http://127.0.0.1:{{{{port}}}}{path}\" {{\n    concurrency 2\n    requests 6\n  }}\n  expect {expectation}\n}}\n\n"
        )
    };
    let (_suite, report) = suite_with(
        &[
            load("fewer than counted", "/health", "succeeded >= 30"),
            load("orders", "/orders", "failed == 0"),
            load("slow", "/slow", "latency.p99 < 100ms"),
            load("pace", "/slow", "throughput > 1000"),
        ]
        .concat(),
    );
    let failure = |index: usize| &report["tests"][index]["failure"];
    let suggestion = |index: usize| failure(index)["suggestion"].as_str().map(str::to_string);

    // Every answer was a 200: no request failed, and nothing is made up.
    assert_eq!(failure(0)["cause"], "requests_failed", "{report}");
    assert_eq!(suggestion(0), None, "{report}");

    assert_eq!(failure(1)["cause"], "requests_failed", "{report}");
    let orders = suggestion(1).unwrap_or_else(|| panic!("{report}"));
    assert!(
        orders.starts_with("requests failed under load (errors status 500: 6; statuses 500: 6): ")
            && orders
                .contains("; the service logged \"[api] Traceback (most recent call last): | … | ")
            && orders.contains("RuntimeError: connection pool exhausted (10 of 10 in use)\" (")
            && orders.ends_with(" after the request)"),
        "{orders}"
    );

    // The earlier test's traceback is in this test's log tail, not its load's.
    assert!(
        report["tests"][2]["service_log"]
            .to_string()
            .contains("connection pool exhausted"),
        "{report}"
    );
    assert_eq!(failure(2)["cause"], "too_slow", "{report}");
    let slow = suggestion(2).unwrap_or_else(|| panic!("{report}"));
    assert!(
        slow.starts_with("too slow: the load's p50 (")
            && slow.contains("every request takes the slow path"),
        "{slow}"
    );
    assert!(!slow.contains("logged"), "{slow}");

    assert_eq!(failure(3)["cause"], "throughput_low", "{report}");
    let pace = suggestion(3).unwrap_or_else(|| panic!("{report}"));
    assert!(
        pace.starts_with("the load did not keep pace: the load's p50 (")
            && pace.contains("every request takes the slow path"),
        "{pace}"
    );

    // The slow path is looked for where a load over its latency bound measured
    // the latency's shape: `slow` (a single slow step gets its timing and no
    // such recommendation: `a_slow_step_gives_its_timing_and_no_advice`).
    let slow_path = report["recommendations"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .filter_map(Value::as_str)
                .find(|text| text.starts_with("Find the slow path behind these endpoints"))
        })
        .unwrap_or_else(|| panic!("{report}"));
    assert!(slow_path.ends_with("(main / slow)"), "{slow_path}");
    // Pooling is recommended for the load whose requests failed, only.
    let recommendations = report["recommendations"].to_string();
    assert!(
        recommendations.contains(
            "Add connection pooling or capacity where requests failed under load (main / orders)"
        ),
        "{recommendations}"
    );
    assert!(
        !recommendations.contains("fewer than counted"),
        "{recommendations}"
    );
}

#[test]
fn a_failure_that_reads_no_step_cites_none() {
    // `expect` on a local: the last response is not what it read.
    let (_suite, report) = suite_with(
        "test \"local\" {\n  GET \"http://127.0.0.1:{{port}}/health\"\n  let expected = 2\n  expect expected == 3\n}\n",
    );
    assert_eq!(suggestion(&report), Value::Null, "{report}");
    assert!(
        report["tests"][0]["failure"].get("evidence").is_none(),
        "{report}"
    );
}

/// `ritc run` on a suite whose only service is `service` (`{{port}}` its
/// port, `{{token}}` a secret), its JSON report, its events and the port.
fn run_with_service(service: &str) -> (Value, Vec<Value>, u16) {
    let suite = Suite::new();
    let port = free_port();
    suite.file(
        "main.rit",
        &format!(
            "param port = {port}\nsecret token = env(\"SUGGEST_TOKEN\")\n\n{service}\n\ntest \"health\" {{\n  GET \"http://127.0.0.1:{{{{port}}}}/health\"\n  expect status == 200\n}}\n"
        ),
    );
    let output = suite
        .command(&[
            "main.rit",
            "--report",
            "json=report.json",
            "--events",
            "jsonl",
        ])
        .env("SUGGEST_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let all = text(&output);
    assert!(!all.contains(TOKEN), "{all}");
    let written = std::fs::read_to_string(suite.dir.path().join("report.json")).unwrap();
    assert!(!written.contains(TOKEN), "{written}");
    let report: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(
        report["problems"][0]["cause"], "service_not_ready",
        "{report}"
    );
    let events = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (report, events, port)
}

#[test]
fn a_service_never_ready_is_told_by_its_probes_history_and_its_log() {
    let (report, events, port) = run_with_service(
        "service api = \"echo booting; echo ERROR cannot bind 127.0.0.1:{{port}} >&2; exec sleep 30\" {\n  ready http \"http://127.0.0.1:{{port}}/health?token={{token}}\" within 1s\n}",
    );
    let text = report["problems"][0]["suggestion"]
        .as_str()
        .unwrap_or_else(|| panic!("{report}"))
        .to_string();
    // Tried every 75 ms for a second: about a dozen attempts, all refused.
    let attempts: u32 = text
        .split_once("/health?token=***\"` was tried ")
        .and_then(|(_, rest)| rest.split_once(" times in "))
        .and_then(|(count, _)| count.parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    assert!((3..=20).contains(&attempts), "{text}");
    // The last attempt in one plain sentence, not the HTTP client's chain of
    // errors ("error sending request for url (…): client error (Connect): …").
    let refused = format!("connection refused (127.0.0.1:{port})");
    assert!(
        text.contains(&format!(
            "(within 1s) and never held; the last attempt: {refused}; "
        )),
        "{text}"
    );
    assert!(
        text.contains("; it logged \"ERROR cannot bind 127.0.0.1:") && text.ends_with('"'),
        "{text}"
    );
    // The same suggestion on the `(run)` entry of failed_tests.
    assert_eq!(report["failed_tests"][0]["suggestion"], text.as_str());
    // The problem carries what was seen as data, masked, as a step failure does:
    // in the JSON report and in its `run_problem` event.
    let evidence = &report["problems"][0]["evidence"]["readiness"];
    assert_eq!(
        evidence["probe"],
        format!("ready http \"http://127.0.0.1:{port}/health?token=***\""),
        "{report}"
    );
    assert_eq!(evidence["attempts"], attempts, "{evidence}");
    assert_eq!(evidence["last_problem"], refused.as_str(), "{evidence}");
    assert_eq!(evidence["within_ms"], 1000.0, "{evidence}");
    assert!(evidence.get("exit").is_none(), "{evidence}");
    let problem = events
        .iter()
        .find(|event| event["type"] == "run_problem")
        .unwrap_or_else(|| panic!("no run_problem in {events:?}"));
    assert_eq!(problem["evidence"]["readiness"], *evidence, "{problem}");
}

/// A `ready tcp` probe's last attempt reads as plainly.
#[test]
fn a_tcp_probe_that_was_refused_says_so_in_one_sentence() {
    let (report, _, port) = run_with_service(
        "service api = \"exec sleep 30\" {\n  ready tcp \"127.0.0.1:{{port}}\" within 500ms\n}",
    );
    let evidence = &report["problems"][0]["evidence"]["readiness"];
    assert_eq!(
        evidence["last_problem"],
        format!("connection refused (127.0.0.1:{port})"),
        "{report}"
    );
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .is_some_and(|message| message.ends_with(&format!(
                "service `api` was not ready within 500ms (ready tcp \"127.0.0.1:{port}\": connection refused (127.0.0.1:{port}))"
            ))),
        "{report}"
    );
}

#[test]
fn a_service_that_exits_is_told_by_its_exit_and_a_quiet_one_by_nothing_more() {
    let (report, _, _) = run_with_service(
        "service api = \"echo starting; exit 2\" {\n  ready http \"http://127.0.0.1:{{port}}/health\" within 20s\n}",
    );
    let text = report["problems"][0]["suggestion"]
        .as_str()
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        text.starts_with("the service exited with status 2 ")
            && text.contains(" after it started, "),
        "{text}"
    );
    // Its log says nothing of an error: nothing is quoted.
    assert!(!text.contains("logged"), "{text}");
}

/// Whether PostgreSQL answers at 127.0.0.1:5432; in CI it must.
fn postgres_reachable() -> bool {
    let address = "127.0.0.1:5432".parse().unwrap();
    match std::net::TcpStream::connect_timeout(&address, std::time::Duration::from_secs(3)) {
        Ok(_) => true,
        Err(error) => {
            let message = format!("PostgreSQL is not reachable at 127.0.0.1:5432 ({error})");
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{message}");
            }
            eprintln!("\n**********\nSKIPPED: {message}\n**********\n");
            false
        }
    }
}

/// `ritc run` of one failing `test` against tests/suggestions/failing.py,
/// started as the suite's service (`{{port}}` its HTTP port, `{{redis_port}}`
/// the port where it speaks Redis), with the machine's PostgreSQL as `db`:
/// the failed test's record in the JSON report. A run of its own, so that no
/// other test's lines are in its service's log.
fn failing_service_run(test: &str) -> Value {
    failing_service_tests(test)[0].clone()
}

/// `ritc run --jobs 1` of `tests` (at least one failing) against
/// tests/suggestions/failing.py, as `failing_service_run` starts it: the
/// records of the JSON report's tests, in the order they ran.
fn failing_service_tests(tests: &str) -> Vec<Value> {
    let suite = Suite::new();
    let service = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/suggestions/failing.py");
    let (port, redis_port) = (free_port(), free_port());
    suite.file(
        "main.rit",
        &format!(
            "param port = {port}\nparam redis_port = {redis_port}\nlet db = database(\"postgres://postgres@127.0.0.1:5432/test\")\n\nservice api = \"python3 {service} {{{{port}}}} {{{{redis_port}}}}\" {{\n  ready http \"http://127.0.0.1:{{{{port}}}}/health\" within 20s\n}}\n\n{tests}"
        ),
    );
    let output = suite
        .command(&["main.rit", "--jobs", "1", "--report", "json=report.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let written = std::fs::read_to_string(suite.dir.path().join("report.json")).unwrap();
    let report: Value = serde_json::from_str(&written).unwrap();
    report["tests"]
        .as_array()
        .unwrap_or_else(|| panic!("no tests: {report}"))
        .clone()
}

/// The failed test's cause and suggestion.
fn cause_and_suggestion(test: &Value) -> (String, Option<String>) {
    (
        test["failure"]["cause"]
            .as_str()
            .unwrap_or_else(|| panic!("no cause: {test}"))
            .to_string(),
        test["failure"]["suggestion"].as_str().map(str::to_string),
    )
}

/// The quoted log of a suggestion "the service logged "…" (N ms after the
/// request)", split into the quote and its time ("N ms after the request").
fn logged_and_when(suggestion: &str) -> (&str, &str) {
    suggestion
        .strip_prefix("the service logged ")
        .and_then(|rest| rest.rsplit_once(" ("))
        .and_then(|(quoted, when)| Some((quoted, when.strip_suffix(')')?)))
        .unwrap_or_else(|| panic!("not a quoted log: {suggestion}"))
}

/// A milliseconds figure of "35 ms after the request" or "1.2 s after …".
fn millis_in(when: &str) -> f64 {
    let (figure, unit) = when
        .split_once(' ')
        .unwrap_or_else(|| panic!("no figure in {when}"));
    let figure: f64 = figure
        .parse()
        .unwrap_or_else(|_| panic!("no figure in {when}"));
    match unit.split_once(' ').map(|(unit, _)| unit) {
        Some("ms") => figure,
        Some("s") => figure * 1000.0,
        _ => panic!("no unit in {when}"),
    }
}

/// A path of failing.py's own file, as a traceback names it.
fn failing_py() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/suggestions/failing.py")
}

/// A test cut short by its timeout has no cause of its own to explain: its
/// suggestion is the traceback the service logged when the request came in,
/// timed from the step that was running; a service that hangs without a word
/// gets no suggestion at all.
#[test]
fn a_test_timeout_quotes_the_error_the_service_logged_after_the_request_and_only_that() {
    let hanging = |path: &str| {
        failing_service_run(&format!(
            "test \"hangs\" timeout 1s {{\n  GET \"http://127.0.0.1:{{{{port}}}}{path}\"\n  expect status == 200\n}}\n"
        ))
    };
    let test = hanging("/hang");
    let (cause, suggestion) = cause_and_suggestion(&test);
    assert_eq!(cause, "test_timeout", "{test}");
    let suggestion = suggestion.unwrap_or_else(|| panic!("no suggestion: {test}"));
    let (quoted, when) = logged_and_when(&suggestion);
    assert_eq!(
        quoted,
        format!(
            "\"[api] Traceback (most recent call last): | File \"{}\", line 21, in logged | raise error | TimeoutError: lock on orders_pk held by worker 1\"",
            failing_py()
        ),
        "{suggestion}"
    );
    // The service logged as the request came in, well within the second the
    // test had (more on a busy machine, never before the request).
    assert!(when.ends_with(" after the request"), "{suggestion}");
    assert!(millis_in(when) < 1000.0, "{suggestion}");
    assert!(
        test["failure"]["evidence"]["started_unix_ms"].is_u64(),
        "{test}"
    );

    let quiet = hanging("/hang-quietly");
    assert_eq!(
        cause_and_suggestion(&quiet),
        ("test_timeout".to_string(), None),
        "{quiet}"
    );
}

/// A connection dropped in the middle of a command (a server that crashed as
/// it answered) is told by what the server logged as it went; dropped
/// without a word, it gets no suggestion.
#[test]
fn a_connection_lost_mid_command_quotes_the_servers_last_words_and_only_those() {
    let lost = |key: &str| {
        failing_service_run(&format!(
            "let cache = redis(\"redis://127.0.0.1:{{{{redis_port}}}}\")\n\ntest \"read the order\" {{\n  redis cache \"SET greeting hello\"\n  expect ok\n  redis cache \"GET {key}\"\n  expect ok\n}}\n"
        ))
    };
    let test = lost("order:7");
    let (cause, suggestion) = cause_and_suggestion(&test);
    assert_eq!(cause, "connection_lost", "{test}");
    let suggestion = suggestion.unwrap_or_else(|| panic!("no suggestion: {test}"));
    let (quoted, when) = logged_and_when(&suggestion);
    assert_eq!(
        quoted,
        format!(
            "\"[api] Traceback (most recent call last): | File \"{}\", line 21, in logged | raise error | MemoryError: cannot allocate the reply for order:7\"",
            failing_py()
        ),
        "{suggestion}"
    );
    assert!(when.ends_with(" after the request"), "{suggestion}");

    let quiet = lost("order:quiet");
    assert_eq!(
        cause_and_suggestion(&quiet),
        ("connection_lost".to_string(), None),
        "{quiet}"
    );
}

/// A connection that fails while it is being set up (here the server drops
/// it at the `SELECT` of the URL's database) with no more precise cause is
/// told by what the server logged; dropped quietly, by nothing.
#[test]
fn a_connection_that_fails_while_opening_quotes_the_servers_log_and_only_that() {
    let opening = |database: u32| {
        failing_service_run(&format!(
            "let cache = redis(\"redis://127.0.0.1:{{{{redis_port}}}}/{database}\")\n\ntest \"read the order\" {{\n  redis cache \"GET order:1\"\n  expect ok\n}}\n"
        ))
    };
    let test = opening(3);
    let (cause, suggestion) = cause_and_suggestion(&test);
    assert_eq!(cause, "connection_failed", "{test}");
    let suggestion = suggestion.unwrap_or_else(|| panic!("no suggestion: {test}"));
    let (quoted, when) = logged_and_when(&suggestion);
    assert_eq!(
        quoted,
        format!(
            "\"[api] Traceback (most recent call last): | File \"{}\", line 21, in logged | raise error | PermissionError: database 3 is being restored\"",
            failing_py()
        ),
        "{suggestion}"
    );
    assert!(when.ends_with(" after the request"), "{suggestion}");

    let quiet = opening(4);
    assert_eq!(
        cause_and_suggestion(&quiet),
        ("connection_failed".to_string(), None),
        "{quiet}"
    );
}

/// A database error of no SQLSTATE class ritc explains (a PL/pgSQL `RAISE`,
/// P0001) is told by the error the service logged while the test ran, with
/// how long before the statement it was logged; after a request the service
/// accepted quietly, by nothing.
#[test]
fn a_database_error_quotes_what_the_service_logged_during_the_test_and_only_that() {
    if !postgres_reachable() {
        return;
    }
    let saved = |path: &str| {
        failing_service_run(&format!(
            "test \"order saved\" {{\n  POST \"http://127.0.0.1:{{{{port}}}}{path}\" json {{ id: 7 }}\n  expect status == 202\n  GET \"http://127.0.0.1:{{{{port}}}}/health\"\n  expect status == 200\n  sql db \"DO $$ BEGIN RAISE EXCEPTION 'order 7 was not saved'; END $$\"\n  expect count == 0\n}}\n"
        ))
    };
    let test = saved("/orders");
    let (cause, suggestion) = cause_and_suggestion(&test);
    assert_eq!(cause, "database_error", "{test}");
    let suggestion = suggestion.unwrap_or_else(|| panic!("no suggestion: {test}"));
    let (quoted, when) = logged_and_when(&suggestion);
    assert_eq!(
        quoted,
        format!(
            "\"[api] Traceback (most recent call last): | File \"{}\", line 21, in logged | raise error | ConnectionResetError: order 7 not saved: database went away\"",
            failing_py()
        ),
        "{suggestion}"
    );
    // Logged as the POST was answered, a round trip before the statement
    // went out. Lines are timed when ritc reads them, so on a busy machine the
    // reader may see it only as the statement starts: never long after.
    assert!(
        when.ends_with(" before the request")
            || (when.ends_with(" after the request") && millis_in(when) < 1000.0),
        "{suggestion}"
    );

    let quiet = saved("/orders-quietly");
    assert_eq!(
        cause_and_suggestion(&quiet),
        ("database_error".to_string(), None),
        "{quiet}"
    );
}

/// A suggestion only the service's log can give quotes what the service
/// logged while the failed test ran: the traceback an earlier test of the same
/// run made it log (for an order it accepted, that test passing) is not quoted
/// for a connection lost later without a word, though the failed test's
/// service log still shows it; lost with the server's own last words, those
/// are quoted, not the earlier test's.
#[test]
fn a_log_only_suggestion_quotes_nothing_an_earlier_test_made_the_service_log() {
    // The earlier test waits until ritc has read the traceback the order made
    // the service log (lines are timed when ritc reads them): read later, on a
    // busy machine, it would be timed within the failing test and be its own.
    let after_an_accepted_order = |key: &str| {
        failing_service_tests(&format!(
            "let cache = redis(\"redis://127.0.0.1:{{{{redis_port}}}}\")\n\ntest \"accept the order\" {{\n  POST \"http://127.0.0.1:{{{{port}}}}/orders\" json {{ id: 7 }}\n  expect status == 202\n  eventually within 10s every 10ms {{\n    expect logs(api) contains \"database went away\"\n  }}\n}}\n\ntest \"read the order\" {{\n  redis cache \"SET greeting hello\"\n  expect ok\n  redis cache \"GET {key}\"\n  expect ok\n}}\n"
        ))
    };
    let earlier = "ConnectionResetError: order 7 not saved: database went away";

    let tests = after_an_accepted_order("order:quiet");
    assert_eq!(tests.len(), 2, "{tests:?}");
    assert_eq!(tests[0]["name"], "accept the order", "{tests:?}");
    assert_eq!(tests[0]["status"], "passed", "{tests:?}");
    let failed = &tests[1];
    assert_eq!(
        cause_and_suggestion(failed),
        ("connection_lost".to_string(), None),
        "{failed}"
    );
    let service_log = failed["service_log"]
        .as_array()
        .unwrap_or_else(|| panic!("no service log: {failed}"));
    assert!(
        service_log
            .iter()
            .any(|line| line.as_str().is_some_and(|line| line.contains(earlier))),
        "{failed}"
    );

    let tests = after_an_accepted_order("order:7");
    assert_eq!(tests[0]["status"], "passed", "{tests:?}");
    let (cause, suggestion) = cause_and_suggestion(&tests[1]);
    assert_eq!(cause, "connection_lost", "{}", tests[1]);
    let suggestion = suggestion.unwrap_or_else(|| panic!("no suggestion: {}", tests[1]));
    let (quoted, when) = logged_and_when(&suggestion);
    assert_eq!(
        quoted,
        format!(
            "\"[api] Traceback (most recent call last): | File \"{}\", line 21, in logged | raise error | MemoryError: cannot allocate the reply for order:7\"",
            failing_py()
        ),
        "{suggestion}"
    );
    assert!(when.ends_with(" after the request"), "{suggestion}");
}
