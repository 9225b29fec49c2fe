//! Suggestions from evidence, or none (issue 24 bullet 1), against a real
//! service (tests/suggestions/server.py): a request that makes the service log
//! an error with its traceback gets a suggestion that quotes it; a 500 with a
//! quiet log only points at the log; a health check over a tiny bound with
//! nothing seen gets no suggestion and no "add caching" recommendation.

use serde_json::Value;

mod common;
use common::ports::free_port;
use common::suite::{Suite, text};

fn suite_with(test: &str) -> (Suite, Value) {
    let suite = Suite::new();
    let server = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/suggestions/server.py");
    let port = free_port();
    suite.file(
        "main.rit",
        &format!(
            "param port = {port}\n\nservice api = \"python3 {server} {{{{port}}}}\" {{\n  ready http \"http://127.0.0.1:{{{{port}}}}/health\" within 20s\n}}\n\n{test}"
        ),
    );
    let output = suite.run(&["main.rit", "--report", "json=report.json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(suite.dir.path().join("report.json")).unwrap(),
    )
    .unwrap();
    (suite, report)
}

fn suggestion(report: &Value) -> Value {
    report["failed_tests"][0]["suggestion"].clone()
}

#[test]
fn a_logged_error_is_quoted_in_the_suggestion() {
    let (_suite, report) = suite_with(
        "test \"orders\" {\n  GET \"http://127.0.0.1:{{port}}/orders\"\n  expect status == 200\n}\n",
    );
    let text = suggestion(&report);
    let text = text.as_str().unwrap_or_else(|| panic!("{report}"));
    // Python prints the traceback before the error: the error line is quoted.
    assert_eq!(
        text,
        "the service failed with 500 and logged: \"[api] RuntimeError: connection pool exhausted (10 of 10 in use)\""
    );
}

#[test]
fn a_500_with_a_quiet_log_quotes_nothing() {
    let (_suite, report) = suite_with(
        "test \"quiet\" {\n  GET \"http://127.0.0.1:{{port}}/quiet\"\n  expect status == 200\n}\n",
    );
    assert_eq!(
        suggestion(&report),
        "the service failed with 500: read the service log tail"
    );
}

#[test]
fn a_health_check_over_a_tiny_bound_gets_no_generic_advice() {
    let (_suite, report) = suite_with(
        "test \"health\" {\n  GET \"http://127.0.0.1:{{port}}/health\"\n  expect status == 200\n  expect duration < 0.001ms\n}\n",
    );
    // It is the rule for latencies that is asked, and it has nothing to go on.
    assert_eq!(
        report["tests"][0]["failure"]["cause"], "too_slow",
        "{report}"
    );
    assert_eq!(
        report["failed_tests"][0]["suggestion"],
        Value::Null,
        "{report}"
    );
    let recommendations = report["recommendations"].to_string();
    assert!(!recommendations.contains("caching"), "{recommendations}");
    assert!(!recommendations.contains("slow path"), "{recommendations}");
}
