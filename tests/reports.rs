//! Reports end to end: the real `ritc` binary runs small `.rit` files against a
//! local axum server and writes every report format and the event stream; the
//! tests read them back (YAML and JSON parsed, JUnit checked as well-formed XML,
//! TAP's plan, HTML self-contained), search every output for a secret, and
//! merge the JSON reports of two shards.

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const SECRET: &str = "hunter2-Report-Secret-77";

// ---------------------------------------------------------------- the server

/// Echoes the query and the authorization header, and refuses: 403.
async fn echo(request: Request) -> Response {
    let query = request.uri().query().unwrap_or("").to_string();
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_string();
    (
        StatusCode::FORBIDDEN,
        axum::Json(json!({ "query": query, "authorization": authorization })),
    )
        .into_response()
}

/// The port of a server shared by every test of this file.
fn server() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                sender.send(listener.local_addr().unwrap().port()).unwrap();
                let app = Router::new()
                    .route(
                        "/health",
                        get(|| async { axum::Json(json!({ "status": "ok" })) }),
                    )
                    .route("/echo", any(echo))
                    .route(
                        "/boom",
                        get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "internal error") }),
                    );
                axum::serve(listener, app).await.unwrap();
            });
        });
        receiver.recv().unwrap()
    })
}

/// A port where nothing listens.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ---------------------------------------------------------------- running ritc

struct Suite {
    dir: tempfile::TempDir,
}

impl Suite {
    fn new() -> Suite {
        Suite {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
    }

    fn ritc(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_ritc"))
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("RIT_TEST_TOKEN", SECRET)
            .output()
            .unwrap()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// One of each: passed, failed with values (the secret in its request and in
/// the values), skipped, a `warn expect` that does not hold, a `warn`
/// checkpoint that fails.
fn main_suite(port: u16) -> String {
    format!(
        r#"suite "Reports"

param base = "http://127.0.0.1:{port}"
secret token = env("RIT_TEST_TOKEN")

test "health answers" tags ["smoke"] {{
  GET "{{{{base}}}}/health"
  expect status == 200
  expect json.status == "ok"
}}

test "echo refuses" {{
  GET "{{{{base}}}}/echo?token={{{{token}}}}" headers {{ Authorization: "Bearer {{{{token}}}}" }}
  expect status == 200
  expect json.authorization == "nothing"
}}

test "later" skip "waiting for the v2 API" {{
  GET "{{{{base}}}}/health"
}}

test "command output" {{
  run "echo token is {{{{token}}}}"
  warn expect stdout contains "nothing"
}}

checkpoint "Frontend" stage "post-frontend" on failure warn {{
  test "index page" {{
    GET "{{{{base}}}}/boom"
    expect status == 200
  }}
}}
"#
    )
}

fn all_formats(suite: &Suite, file: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        file,
        "--report",
        "yaml=report.yaml",
        "--report",
        "json=report.json",
        "--report",
        "junit=report.xml",
        "--report",
        "tap=report.tap",
        "--report",
        "html=report.html",
    ];
    args.extend_from_slice(extra);
    suite.ritc(&args)
}

// ---------------------------------------------------------------- the tests

#[test]
fn the_yaml_report_has_the_shape_of_the_spec_filled_from_the_run() {
    let suite = Suite::new();
    suite.file("main.rit", &main_suite(server()));
    let output = all_formats(&suite, "main.rit", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let yaml: serde_yaml::Value = serde_yaml::from_str(&suite.read("report.yaml")).unwrap();
    let keys: Vec<&str> = yaml
        .as_mapping()
        .unwrap()
        .keys()
        .filter_map(|key| key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "test_run",
            "summary",
            "failed_tests",
            "warnings",
            "recommendations",
            "checkpoints"
        ]
    );

    let run = &yaml["test_run"];
    let timestamp = run["timestamp"].as_str().unwrap();
    assert_eq!(timestamp.len(), 20, "{timestamp}");
    assert!(
        timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T',
        "{timestamp}"
    );
    let duration = run["duration"].as_str().unwrap();
    assert!(
        duration.ends_with("ms") || duration.ends_with('s'),
        "{duration}"
    );
    assert_eq!(run["status"].as_str(), Some("FAILED"));
    assert_eq!(run["files"][0].as_str(), Some("main.rit"));

    let summary = &yaml["summary"];
    assert_eq!(summary["total_tests"].as_u64(), Some(5));
    assert_eq!(summary["passed"].as_u64(), Some(2));
    assert_eq!(summary["failed"].as_u64(), Some(1));
    assert_eq!(summary["skipped"].as_u64(), Some(1));
    // The failed test of the `warn` checkpoint: in a bucket of its own, so
    // the buckets add up to the total.
    assert_eq!(summary["warned"].as_u64(), Some(1));
    assert_eq!(summary["interrupted"].as_u64(), Some(0));
    assert_eq!(summary["warnings"].as_u64(), Some(2));

    let failed = yaml["failed_tests"].as_sequence().unwrap();
    assert_eq!(failed.len(), 1);
    let failed = &failed[0];
    assert_eq!(failed["name"].as_str(), Some("Reports / echo refuses"));
    assert_eq!(failed["file"].as_str(), Some("main.rit"));
    assert_eq!(
        failed["line"].as_u64(),
        Some(14),
        "the line of the failed expectation"
    );
    let reason = failed["reason"].as_str().unwrap();
    assert!(reason.contains("status == 200: status was 403"), "{reason}");
    assert!(
        reason.contains("json.authorization == \"nothing\""),
        "{reason}"
    );
    assert_eq!(failed["details"]["actual"]["status"].as_u64(), Some(403));
    assert_eq!(
        failed["details"]["actual"]["json.authorization"].as_str(),
        Some("Bearer ***")
    );
    assert_eq!(
        failed["details"]["expected"].as_str(),
        Some("status == 200 and json.authorization == \"nothing\"")
    );
    assert!(
        failed["suggestion"]
            .as_str()
            .unwrap()
            .contains("not allowed"),
        "{:?}",
        failed["suggestion"]
    );
    assert!(failed["service_log"].as_sequence().unwrap().is_empty());

    let warnings: Vec<&str> = yaml["warnings"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("Reports / command output") && w.contains("warn expect")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("Reports / index page") && w.contains("Frontend")),
        "{warnings:?}"
    );
    let recommendations: Vec<&str> = yaml["recommendations"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert!(
        recommendations
            .iter()
            .any(|r| r.contains("on failure warn") && r.contains("index page")),
        "{recommendations:?}"
    );
    assert!(
        recommendations
            .iter()
            .any(|r| r.contains("1 test is skipped")),
        "{recommendations:?}"
    );
}

#[test]
fn the_json_report_has_the_same_shape_and_every_test() {
    let suite = Suite::new();
    suite.file("main.rit", &main_suite(server()));
    let output = suite.ritc(&["run", "main.rit", "--report", "json=-"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: Json = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["format"], "ritc-report/1");
    assert_eq!(report["test_run"]["status"], "FAILED");
    assert_eq!(
        report["summary"],
        json!({"total_tests": 5, "passed": 2, "failed": 1, "skipped": 1, "warned": 1, "interrupted": 0, "warnings": 2})
    );
    assert_eq!(
        report["failed_tests"][0]["details"]["actual"]["status"],
        403
    );
    let tests = report["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 5);
    let by_name = |name: &str| tests.iter().find(|test| test["name"] == name).unwrap();
    let health = by_name("health answers");
    assert_eq!(health["status"], "passed");
    assert_eq!(health["tags"], json!(["smoke"]));
    assert_eq!(health["steps"][0]["line"], 7);
    assert!(
        health["steps"][0]["description"]
            .as_str()
            .unwrap()
            .starts_with("GET http://127.0.0.1:")
    );
    assert!(health["steps"][0]["duration_ms"].as_f64().unwrap() > 0.0);
    let refused = by_name("echo refuses");
    assert_eq!(refused["status"], "failed");
    assert_eq!(refused["failure"]["kind"], "expectation");
    // The cause is data decided by the run (here: an expectation on a 403 status).
    assert_eq!(refused["failure"]["cause"], "status_mismatch");
    assert_eq!(refused["failure"]["line"], 14);
    assert_eq!(refused["failure"]["source"], "  expect status == 200");
    assert_eq!(refused["failure"]["also"][0]["line"], 15);
    assert_eq!(by_name("later")["status"], "skipped");
    assert_eq!(by_name("later")["skip_reason"], "waiting for the v2 API");
    let index = by_name("index page");
    assert_eq!(index["status"], "warned");
    assert_eq!(
        index["checkpoint"],
        json!({"name": "Frontend", "stage": "post-frontend", "on_failure": "warn"})
    );
    assert!(
        index["failure"]["suggestion"]
            .as_str()
            .unwrap()
            .contains("failed with 500"),
        "{index}"
    );
    assert_eq!(
        by_name("command output")["warnings"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_failed_warn_checkpoint_alone_makes_the_run_partial_and_exit_zero() {
    let suite = Suite::new();
    let port = server();
    suite.file(
        "partial.rit",
        &format!(
            "test \"up\" {{\n  GET \"http://127.0.0.1:{port}/health\"\n  expect status == 200\n}}\n\ntest \"not yet\" skip \"later\" {{\n  run \"true\"\n}}\n\ncheckpoint \"Optional\" on failure warn {{\n  test \"broken\" {{\n    GET \"http://127.0.0.1:{port}/boom\"\n    expect status == 200\n  }}\n}}\n"
        ),
    );
    let output = all_formats(&suite, "partial.rit", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let yaml: serde_yaml::Value = serde_yaml::from_str(&suite.read("report.yaml")).unwrap();
    assert_eq!(yaml["test_run"]["status"].as_str(), Some("PARTIAL"));
    assert_eq!(yaml["summary"]["failed"].as_u64(), Some(0));
    assert!(yaml["failed_tests"].as_sequence().unwrap().is_empty());
    let tap = suite.read("report.tap");
    assert!(tap.contains("# TODO on failure warn"), "{tap}");
    assert!(tap.contains("# SKIP later"), "{tap}");

    // A skipped test alone does not make a run partial, nor does a duration
    // that held close to its limit (a warning, though).
    suite.file(
        "skip.rit",
        "test \"a\" {\n  run \"true\"\n  let spent = 95ms\n  expect spent < 100ms\n}\ntest \"b\" skip \"why\" { run \"true\" }\n",
    );
    let output = suite.ritc(&["run", "skip.rit", "--report", "yaml=skip.yaml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let yaml: serde_yaml::Value = serde_yaml::from_str(&suite.read("skip.yaml")).unwrap();
    assert_eq!(yaml["test_run"]["status"].as_str(), Some("PASSED"));
    let warnings = &yaml["warnings"];
    assert_eq!(
        yaml["summary"]["warnings"].as_u64(),
        Some(1),
        "{warnings:?}"
    );
    let warning = warnings[0].as_str().unwrap();
    assert!(
        warning.contains(
            "skip.rit:4: spent < 100ms: spent was 95ms, within 10% of its limit of 100ms"
        ),
        "{warning}"
    );
}

#[test]
fn junit_is_well_formed_xml_with_one_testcase_per_test() {
    let suite = Suite::new();
    suite.file("main.rit", &main_suite(server()));
    all_formats(&suite, "main.rit", &[]);
    let xml = suite.read("report.xml");
    let elements = well_formed(&xml).unwrap_or_else(|error| panic!("{error}\n{xml}"));
    assert_eq!(
        elements
            .iter()
            .filter(|(name, _)| name == "testcase")
            .count(),
        5
    );
    let suites: Vec<&Vec<(String, String)>> = elements
        .iter()
        .filter(|(name, _)| name == "testsuite")
        .map(|(_, attributes)| attributes)
        .collect();
    assert_eq!(suites.len(), 1);
    let attribute = |attributes: &[(String, String)], wanted: &str| {
        attributes
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value.clone())
    };
    assert_eq!(attribute(suites[0], "tests").as_deref(), Some("5"));
    assert_eq!(attribute(suites[0], "failures").as_deref(), Some("1"));
    assert_eq!(attribute(suites[0], "skipped").as_deref(), Some("1"));
    let failures: Vec<&Vec<(String, String)>> = elements
        .iter()
        .filter(|(name, _)| name == "failure")
        .map(|(_, attributes)| attributes)
        .collect();
    assert_eq!(failures.len(), 1);
    let message = attribute(failures[0], "message").unwrap();
    assert!(
        message.starts_with("main.rit:14: status == 200"),
        "{message}"
    );
    let cases: Vec<&Vec<(String, String)>> = elements
        .iter()
        .filter(|(name, _)| name == "testcase")
        .map(|(_, attributes)| attributes)
        .collect();
    assert!(cases.iter().all(|case| attribute(case, "time").is_some()
        && attribute(case, "classname").as_deref() == Some("Reports")));
    assert_eq!(
        elements
            .iter()
            .filter(|(name, _)| name == "skipped")
            .count(),
        1
    );
}

#[test]
fn tap_starts_with_its_version_and_plan() {
    let suite = Suite::new();
    suite.file("main.rit", &main_suite(server()));
    all_formats(&suite, "main.rit", &[]);
    let tap = suite.read("report.tap");
    let lines: Vec<&str> = tap.lines().collect();
    assert_eq!(lines[0], "TAP version 14");
    assert_eq!(lines[1], "1..5");
    let points: Vec<&&str> = lines
        .iter()
        .filter(|line| line.starts_with("ok ") || line.starts_with("not ok "))
        .collect();
    assert_eq!(points.len(), 5, "{tap}");
    assert!(tap.contains("not ok 2 - Reports / echo refuses"), "{tap}");
    assert!(
        tap.contains("  ---\n  message: \"status == 200: status was 403\""),
        "{tap}"
    );
    assert!(tap.contains("    line: 14"), "{tap}");
}

#[test]
fn html_is_one_self_contained_file() {
    let suite = Suite::new();
    suite.file("main.rit", &main_suite(server()));
    all_formats(&suite, "main.rit", &[]);
    let html = suite.read("report.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    for reference in [
        "src=",
        "href=\"http",
        "href='http",
        "url(",
        "@import",
        "<link",
        "<iframe",
        "<img",
    ] {
        assert!(
            !html.contains(reference),
            "an external reference: {reference}"
        );
    }
    for name in [
        "health answers",
        "echo refuses",
        "later",
        "command output",
        "index page",
    ] {
        assert!(html.contains(name), "{name}");
    }
    assert!(html.contains("status == 200: status was 403"));
    assert!(html.contains("not allowed"), "the suggestion");
    assert!(
        html.contains("<table class=\"steps\">"),
        "the steps with timings"
    );
}

#[test]
fn the_secret_appears_in_no_report_no_event_and_no_verbose_output() {
    let suite = Suite::new();
    // A service that writes the secret to its log, whose tail goes with failures.
    let service = "service echoer = \"echo started with {{token}}; exec sleep 60\" {\n  ready log \"started\" within 10s\n}\n";
    suite.file("main.rit", &format!("{}\n{service}", main_suite(server())));
    let output = all_formats(&suite, "main.rit", &["--events", "jsonl", "-v"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let events = stdout(&output);
    let mut everything = vec![
        ("events".to_string(), events.clone()),
        ("stderr".to_string(), stderr(&output)),
    ];
    for name in [
        "report.yaml",
        "report.json",
        "report.xml",
        "report.tap",
        "report.html",
    ] {
        everything.push((name.to_string(), suite.read(name)));
    }
    for (name, text) in &everything {
        assert!(!text.contains(SECRET), "the secret is in {name}:\n{text}");
        assert!(
            text.contains("***"),
            "{name} shows nothing of the masked values:\n{text}"
        );
    }
    // The secret did go out: the server echoed it, the service logged it, and the
    // reports show where.
    assert!(events.contains("Bearer ***"), "{events}");
    assert!(
        suite
            .read("report.yaml")
            .contains("[echoer] started with ***"),
        "the service log tail"
    );
    assert!(
        events.contains("\"type\":\"exchange\""),
        "-v exchanges are events too"
    );
}

/// Broker steps in every report: the JSON report lists a `subscribe … { … }`
/// step after the steps of its block (the HTTP request, the publish), each
/// finished inside it; a subscription whose deadline passed is the test's
/// failure, in JSON and JUnit, with its message; and no report, event or `-v`
/// line shows the password of a connection's URL.
#[test]
fn broker_steps_are_in_the_json_and_junit_reports_without_the_password() {
    let p = format!("ritc-report-{}", uuid::Uuid::new_v4().simple());
    let port = server();
    let suite = Suite::new();
    suite.file(
        "brokers.rit",
        &format!(
            r#"suite "Brokers"
let bus = nats("nats://ritc:report-nats-pw@127.0.0.1:4222")
let broker = mqtt("mqtt://ritc:report-mqtt-pw@127.0.0.1:1883")
let mq = amqp("amqp://guest:guest@127.0.0.1:5672/%2f")
test "nats" {{
  nats subscribe bus "{p}.orders.*" within 5s {{
    GET "http://127.0.0.1:{port}/health"
    nats publish bus "{p}.orders.created" json {{ id: 1 }}
  }}
  expect json.id == 1
}}
test "mqtt" {{
  mqtt subscribe broker "{p}/orders/+" qos 1 within 5s {{
    mqtt publish broker "{p}/orders/created" json {{ id: 2 }} qos 1
  }}
  expect json.id == 2
}}
test "amqp" {{
  amqp subscribe mq "{p}.order.*" exchange "amq.topic" within 5s {{
    amqp publish mq "{p}.order.created" exchange "amq.topic" json {{ id: 3 }}
  }}
  expect json.id == 3
}}
test "quiet" {{
  mqtt subscribe broker "{p}/quiet" within 200ms
}}
"#
        ),
    );
    let output = all_formats(&suite, "brokers.rit", &["--events", "jsonl", "-v"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let mut everything = vec![
        ("events".to_string(), stdout(&output)),
        ("stderr".to_string(), stderr(&output)),
    ];
    for name in [
        "report.yaml",
        "report.json",
        "report.xml",
        "report.tap",
        "report.html",
    ] {
        everything.push((name.to_string(), suite.read(name)));
    }
    for (name, text) in &everything {
        for password in ["report-nats-pw", "report-mqtt-pw", "guest:guest"] {
            assert!(!text.contains(password), "{password} is in {name}:\n{text}");
        }
    }
    let report: Json = serde_json::from_str(&suite.read("report.json")).unwrap();
    let tests = report["tests"].as_array().unwrap();
    let by_name = |name: &str| tests.iter().find(|test| test["name"] == name).unwrap();
    let described = |name: &str| -> Vec<String> {
        by_name(name)["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|step| step["description"].as_str().unwrap().to_string())
            .collect()
    };
    let nats = "nats://ritc:***@127.0.0.1:4222";
    assert_eq!(
        described("nats"),
        [
            format!("GET http://127.0.0.1:{port}/health"),
            format!("nats publish {nats} {p}.orders.created"),
            format!("nats subscribe {nats} {p}.orders.*"),
        ]
    );
    let mqtt = "mqtt://ritc:***@127.0.0.1:1883";
    assert_eq!(
        described("mqtt"),
        [
            format!("mqtt publish {mqtt} {p}/orders/created"),
            format!("mqtt subscribe {mqtt} {p}/orders/+"),
        ]
    );
    let amqp = "amqp://guest:***@127.0.0.1:5672/%2f";
    assert_eq!(
        described("amqp"),
        [
            format!("amqp publish {amqp} {p}.order.created"),
            format!("amqp subscribe {amqp} {p}.order.*"),
        ]
    );
    // The subscription's own line: its block's steps are on the lines below it.
    assert_eq!(by_name("nats")["steps"][2]["line"], 6);
    assert_eq!(by_name("nats")["steps"][0]["line"], 7);
    let said = format!("no message on `{p}/quiet` within 200ms (MQTT broker at {mqtt})");
    let quiet = by_name("quiet");
    assert_eq!(quiet["status"], "failed");
    assert_eq!(quiet["failure"]["kind"], "timeout", "{quiet}");
    assert_eq!(quiet["failure"]["message"], said.as_str(), "{quiet}");
    assert_eq!(quiet["steps"][0]["error"], said.as_str(), "{quiet}");
    for passed in ["nats", "mqtt", "amqp"] {
        assert_eq!(by_name(passed)["status"], "passed", "{report}");
    }
    let xml = suite.read("report.xml");
    let elements = well_formed(&xml).unwrap_or_else(|error| panic!("{error}\n{xml}"));
    let count = |wanted: &str| elements.iter().filter(|(name, _)| name == wanted).count();
    assert_eq!((count("testcase"), count("failure")), (4, 1), "{xml}");
    let failure = elements
        .iter()
        .find(|(name, _)| name == "failure")
        .map(|(_, attributes)| attributes)
        .unwrap();
    let message = failure
        .iter()
        .find(|(name, _)| name == "message")
        .map(|(_, value)| value.clone())
        .unwrap();
    assert!(message.starts_with("brokers.rit:25: "), "{message}");
    assert!(
        message.contains(&format!("no message on `{p}/quiet`")),
        "{message}"
    );
}

#[test]
fn events_are_json_lines_tagged_with_their_type() {
    let suite = Suite::new();
    suite.file("main.rit", &main_suite(server()));
    let output = suite.ritc(&["run", "main.rit", "--events", "jsonl"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let events: Vec<Json> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
        .collect();
    let types: Vec<&str> = events
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.first(), Some(&"run_started"));
    assert_eq!(types.last(), Some(&"run_finished"));
    for expected in [
        "test_started",
        "step_started",
        "step_finished",
        "expectation_failed",
        "test_finished",
    ] {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
    assert!(events.iter().all(|event| event["elapsed_ms"].is_number()));
    assert_eq!(events[0]["tests"], 5);
    let finished: Vec<&Json> = events
        .iter()
        .filter(|event| event["type"] == "test_finished")
        .collect();
    assert_eq!(finished.len(), 5);
    let step = events
        .iter()
        .find(|event| event["type"] == "step_finished")
        .unwrap();
    assert_eq!(step["file"], "main.rit");
    assert!(step["duration_ms"].as_f64().unwrap() > 0.0);
    let failed = events
        .iter()
        .find(|event| event["type"] == "expectation_failed" && event["test"] == "echo refuses")
        .unwrap();
    assert_eq!(failed["failure"]["actual"]["status"], 403);
    assert_eq!(failed["warn_only"], false);
    assert!(
        events
            .iter()
            .any(|event| event["type"] == "expectation_failed" && event["warn_only"] == true)
    );
    let end = events.last().unwrap();
    assert_eq!(end["status"], "FAILED");
    assert_eq!(end["exit_code"], 1);
    assert_eq!(end["summary"]["failed"], 1);
}

#[test]
fn usage_errors_of_the_report_flags_exit_two_before_anything_runs() {
    let suite = Suite::new();
    suite.file("ok.rit", "test \"a\" { run \"true\" }\n");
    let unknown = suite.ritc(&["run", "ok.rit", "--report", "pdf=out.pdf"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("unknown report format"),
        "{}",
        stderr(&unknown)
    );
    let two_on_stdout = suite.ritc(&["run", "ok.rit", "--report", "yaml=-", "--events", "jsonl"]);
    assert_eq!(two_on_stdout.status.code(), Some(2));
    let no_folder = suite.ritc(&["run", "ok.rit", "--report", "json=missing/folder/r.json"]);
    assert_eq!(no_folder.status.code(), Some(2));
    assert!(
        stdout(&no_folder).is_empty() && !stderr(&no_folder).contains("running"),
        "{}",
        stderr(&no_folder)
    );
    let passes = suite.ritc(&["run", "ok.rit", "--report", "yaml=-"]);
    assert_eq!(passes.status.code(), Some(0));
    assert!(
        stdout(&passes).contains("status: \"PASSED\""),
        "{}",
        stdout(&passes)
    );
}

#[test]
fn merged_shard_reports_sum_to_the_whole_run() {
    let suite = Suite::new();
    let port = server();
    let down = closed_port();
    suite.file(
        "shards.rit",
        &format!(
            "suite \"Sharded\"\n\ntest \"one\" {{\n  GET \"http://127.0.0.1:{port}/health\"\n  expect status == 200\n}}\n\ntest \"two\" {{\n  run \"true\"\n}}\n\ntest \"three\" {{\n  GET \"http://127.0.0.1:{down}/health\" timeout 2s\n  expect status == 200\n}}\n\ntest \"four\" skip \"not now\" {{\n  run \"true\"\n}}\n\ntest \"five\" {{\n  run \"echo five\"\n}}\n"
        ),
    );
    let whole = suite.ritc(&["run", "shards.rit", "--report", "json=whole.json"]);
    assert_eq!(whole.status.code(), Some(1), "{}", stderr(&whole));
    for index in 0..2 {
        let shard = format!("{index}/2");
        let report = format!("json=shard{index}.json");
        let output = suite.ritc(&["run", "shards.rit", "--shard", &shard, "--report", &report]);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{}",
            stderr(&output)
        );
    }
    let shard0: Json = serde_json::from_str(&suite.read("shard0.json")).unwrap();
    let shard1: Json = serde_json::from_str(&suite.read("shard1.json")).unwrap();
    assert_eq!(shard0["test_run"]["shard"], "0/2");
    assert_eq!(
        shard0["summary"]["total_tests"].as_u64().unwrap()
            + shard1["summary"]["total_tests"].as_u64().unwrap(),
        5
    );

    let merged = suite.ritc(&[
        "merge",
        "shard0.json",
        "shard1.json",
        "--report",
        "json=merged.json",
        "--report",
        "yaml=-",
        "--report",
        "junit=merged.xml",
        "--report",
        "html=merged.html",
        "--report",
        "tap=merged.tap",
    ]);
    assert_eq!(
        merged.status.code(),
        Some(1),
        "a failed test fails the merge: {}",
        stderr(&merged)
    );
    let merged_json: Json = serde_json::from_str(&suite.read("merged.json")).unwrap();
    let whole_json: Json = serde_json::from_str(&suite.read("whole.json")).unwrap();
    assert_eq!(merged_json["summary"], whole_json["summary"]);
    assert_eq!(
        merged_json["summary"],
        json!({"total_tests": 5, "passed": 3, "failed": 1, "skipped": 1, "warned": 0, "interrupted": 0, "warnings": 0})
    );
    assert_eq!(merged_json["test_run"]["status"], "FAILED");
    assert_eq!(merged_json["tests"].as_array().unwrap().len(), 5);
    assert_eq!(
        merged_json["test_run"]["merged_from"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Kind and cause survive the round trip through the shards' files.
    let three = |report: &Json| {
        report["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|test| test["name"] == "three")
            .unwrap()["failure"]
            .clone()
    };
    assert_eq!(three(&merged_json)["kind"], "connection");
    assert_eq!(three(&merged_json)["cause"], "connection_refused");
    // The same failure, but for when its step started (two runs).
    let without_start = |mut failure: Json| {
        assert!(failure["evidence"]["started_unix_ms"].is_u64(), "{failure}");
        failure["evidence"]
            .as_object_mut()
            .unwrap()
            .remove("started_unix_ms");
        failure
    };
    assert_eq!(
        without_start(three(&merged_json)),
        without_start(three(&whole_json))
    );
    let failed = &merged_json["failed_tests"][0];
    assert_eq!(failed["name"], "Sharded / three");
    assert!(
        failed["suggestion"]
            .as_str()
            .unwrap()
            .contains("nothing listens"),
        "{failed}"
    );
    let yaml: serde_yaml::Value = serde_yaml::from_str(&stdout(&merged)).unwrap();
    assert_eq!(yaml["summary"]["passed"].as_u64(), Some(3));
    well_formed(&suite.read("merged.xml")).unwrap();
    assert!(
        suite
            .read("merged.tap")
            .starts_with("TAP version 14\n1..5\n")
    );

    // A missing shard is said, and the merge is then partial at best.
    let alone = suite.ritc(&["merge", "shard1.json", "--report", "json=alone.json"]);
    assert!(
        stderr(&alone).contains("shard 0/2 is missing"),
        "{}",
        stderr(&alone)
    );
    let alone: Json = serde_json::from_str(&suite.read("alone.json")).unwrap();
    assert!(
        alone["warnings"][0]
            .as_str()
            .unwrap()
            .contains("shard 0/2 is missing")
    );

    // What is not a report is a usage error.
    suite.file("junk.json", "{\"hello\": 1}");
    assert_eq!(suite.ritc(&["merge", "junk.json"]).status.code(), Some(2));
    assert_eq!(
        suite.ritc(&["merge", "nothing-here.json"]).status.code(),
        Some(2)
    );
}

fn recorded(values: &[u64]) -> hdrhistogram::Histogram<u64> {
    let mut latencies = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    for value in values {
        latencies.record(*value).unwrap();
    }
    latencies
}

/// The JSON reports of one `load` test run from two machines (latencies in
/// microseconds), as `a.json` and `b.json`, and their merge as `merged.json`
/// and `merged.html`.
fn merge_two_machines(suite: &Suite, first: &[u64], second: &[u64]) -> Output {
    use ritc::steps::load::histogram;
    let load = |values: &[u64], shard: &str| {
        let latencies = histogram::Latencies {
            histogram: recorded(values),
            unit_nanos: 1000,
        };
        let record = json!({
            "requests": values.len(), "succeeded": values.len(), "failed": 0, "dropped": 0,
            "success_rate": "100%", "throughput": 100.0, "bytes": "10KB", "duration": "8s",
            "statuses": {"200": values.len()}, "errors": {},
            "latency": histogram::latency_record(&latencies),
            "histogram": histogram::encode(&latencies.histogram).unwrap(),
            "timeline": (0..8).map(|second| json!({
                "start": format!("{second}s"), "length": "1s", "requests": values.len() / 8, "failed": 0,
                "p50": format!("{}ms", 2 + second), "p99": format!("{}ms", 9 + second * 3), "max": format!("{}ms", 12 + second * 4),
            })).collect::<Vec<_>>(),
        });
        json!({
            "format": "ritc-report/1",
            "test_run": {"timestamp": "2026-01-15T10:30:00Z", "duration": "8.1s", "status": "PASSED", "files": ["load.rit"],
                          "started_unix_ms": 1_768_473_000_000u64, "duration_ms": 8100.0, "shard": shard},
            "summary": {"total_tests": 1, "passed": 1, "failed": 0, "skipped": 0, "warnings": 0},
            "tests": [{"suite": "Load", "name": "products", "file": "load.rit", "line": 3, "status": "passed",
                        "duration": "8.1s", "duration_ms": 8100.0, "attempts": 1, "loads": [record]}],
        })
    };
    suite.file("a.json", &load(first, "0/2").to_string());
    suite.file("b.json", &load(second, "1/2").to_string());
    suite.ritc(&[
        "merge",
        "a.json",
        "b.json",
        "--report",
        "json=merged.json",
        "--report",
        "html=merged.html",
    ])
}

#[test]
fn merging_the_same_load_from_two_machines_adds_the_histograms() {
    use ritc::steps::load::histogram;
    let suite = Suite::new();
    let first: Vec<u64> = (1..=800).map(|i| 1000 + i * 10).collect();
    let second: Vec<u64> = (1..=200).map(|i| 50_000 + i * 500).collect();
    let output = merge_two_machines(&suite, &first, &second);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let merged: Json = serde_json::from_str(&suite.read("merged.json")).unwrap();
    let tests = merged["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 1, "one test run from two machines");
    let record = &tests[0]["loads"][0];
    assert_eq!(record["requests"], 1000);
    assert_eq!(record["statuses"]["200"], 1000);
    assert_eq!(record["throughput"], 200.0);
    assert_eq!(record["bytes"], "20KB");
    assert_eq!(record["latency_exact"], true);
    let mut all = first.clone();
    all.extend(&second);
    let whole = histogram::Latencies {
        histogram: recorded(&all),
        unit_nanos: 1000,
    };
    assert_eq!(
        record["latency"],
        histogram::latency_record(&whole),
        "the percentiles of all requests"
    );
    let html = suite.read("merged.html");
    assert!(
        html.contains("Latency histogram (1000 requests)"),
        "the histogram is drawn"
    );
    assert!(html.contains("<svg"));
    assert!(html.contains("Latency over time"), "the timeline is drawn");
    assert_eq!(
        record["timeline"].as_array().map(Vec::len),
        Some(8),
        "windows merged by start"
    );
}

/// The browser Debian packages, when it is installed.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|output| output.status.success())
        })
}

/// Opens a page in headless Chromium: its DOM after the scripts ran, and what
/// the page wrote to the console.
fn open_in_chromium(browser: &str, page: &Path, profile: &Path) -> (String, Vec<String>) {
    let output = Command::new("timeout")
        .arg("90")
        .arg(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .args(["--enable-logging=stderr", "--log-level=0"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (stdout(&output), console)
}

#[test]
fn the_html_report_renders_in_headless_chromium_without_console_errors() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on this machine (apt-get install chromium)");
        return;
    };
    let suite = Suite::new();
    suite.file("main.rit", &main_suite(server()));
    all_formats(&suite, "main.rit", &[]);
    let first: Vec<u64> = (1..=800).map(|i| 1000 + i * 10).collect();
    let second: Vec<u64> = (1..=200).map(|i| 50_000 + i * 500).collect();
    merge_two_machines(&suite, &first, &second);
    let profile = suite.path("chromium-profile");
    for page in ["report.html", "merged.html"] {
        let (dom, console) = open_in_chromium(browser, &suite.path(page), &profile);
        assert!(
            dom.contains("data-script=\"ran\""),
            "the script of {page} did not run to its end:\n{dom}"
        );
        assert!(
            console.is_empty(),
            "{page} wrote to the console:\n{}",
            console.join("\n")
        );
    }
    // The check sees a console error when there is one.
    suite.file(
        "broken.html",
        "<!DOCTYPE html><html><body><script>missing_function();</script></body></html>",
    );
    let (_, console) = open_in_chromium(browser, &suite.path("broken.html"), &profile);
    assert!(
        console.iter().any(|line| line.contains("missing_function")),
        "{console:?}"
    );
}

// ---------------------------------------------------------------- a small XML reader

/// An element's name and attributes.
type Element = (String, Vec<(String, String)>);

/// Checks that `text` is well-formed XML (one root; tags nested and closed;
/// attributes quoted and unique; only the five named entities and character
/// references; no `<` or `&` loose in text) and returns each element's name and
/// attributes, in document order.
fn well_formed(text: &str) -> Result<Vec<Element>, String> {
    let mut rest = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(after) = rest.strip_prefix("<?xml") {
        rest = &after[after.find("?>").ok_or("unclosed XML declaration")? + 2..];
    }
    let mut stack: Vec<String> = Vec::new();
    let mut elements = Vec::new();
    let mut roots = 0;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->").ok_or("unclosed comment")? + 3..];
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').ok_or("unclosed end tag")?;
            let name = after[..end].trim();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = tag_end(after).ok_or("unclosed start tag")?;
            let inside = &after[..end];
            let (inside, empty) = match inside.strip_suffix('/') {
                Some(inside) => (inside, true),
                None => (inside, false),
            };
            let (name, attributes) = parse_tag(inside)?;
            if stack.is_empty() {
                roots += 1;
            }
            if !empty {
                stack.push(name.clone());
            }
            elements.push((name, attributes));
            rest = &after[end + 1..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let content = &rest[..end];
            if stack.is_empty() && !content.trim().is_empty() {
                return Err(format!("text outside the root: {content:?}"));
            }
            check_text(content)?;
            rest = &rest[end..];
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements: {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(elements)
}

/// Where a start tag ends: the first `>` outside quotes.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (index, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), c) if c == open => quote = None,
            (None, '>') => return Some(index),
            (None, '<') => return None,
            _ => {}
        }
    }
    None
}

fn parse_tag(inside: &str) -> Result<(String, Vec<(String, String)>), String> {
    let name_end = inside.find(char::is_whitespace).unwrap_or(inside.len());
    let name = &inside[..name_end];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
    {
        return Err(format!("bad element name {name:?}"));
    }
    let mut attributes: Vec<(String, String)> = Vec::new();
    let mut rest = inside[name_end..].trim_start();
    while !rest.is_empty() {
        let equals = rest
            .find('=')
            .ok_or_else(|| format!("attribute without a value in <{name}>"))?;
        let key = rest[..equals].trim();
        let after = rest[equals + 1..].trim_start();
        let quote = after
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or("unquoted attribute")?;
        let close = after[1..].find(quote).ok_or("unclosed attribute value")?;
        let value = &after[1..1 + close];
        if value.contains('<') {
            return Err(format!("`<` in the value of {key}"));
        }
        check_text(value)?;
        if attributes.iter().any(|(known, _)| known == key) {
            return Err(format!("{key} twice in <{name}>"));
        }
        attributes.push((key.to_string(), unescape(value)));
        rest = after[close + 2..].trim_start();
    }
    Ok((name.to_string(), attributes))
}

fn check_text(text: &str) -> Result<(), String> {
    if let Some(bad) = text
        .chars()
        .find(|c| (*c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(format!("character {:#x} is not allowed in XML", bad as u32));
    }
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        let after = &rest[start + 1..];
        let end = after.find(';').ok_or("a loose `&`")?;
        let entity = &after[..end];
        let known = matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos")
            || entity
                .strip_prefix("#x")
                .is_some_and(|hex| u32::from_str_radix(hex, 16).is_ok())
            || entity
                .strip_prefix('#')
                .is_some_and(|decimal| decimal.parse::<u32>().is_ok());
        if !known {
            return Err(format!("unknown entity &{entity};"));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#10;", "\n")
        .replace("&#13;", "\r")
        .replace("&#9;", "\t")
        .replace("&amp;", "&")
}

#[test]
fn the_xml_reader_rejects_what_is_not_well_formed() {
    assert!(well_formed("<a><b x=\"1\"/></a>").is_ok());
    assert!(well_formed("<a><b></a>").is_err());
    assert!(well_formed("<a x=1/>").is_err());
    assert!(well_formed("<a>x & y</a>").is_err());
    assert!(well_formed("<a/><b/>").is_err());
    assert!(well_formed("<a x=\"1\" x=\"2\"/>").is_err());
    assert!(Path::new(env!("CARGO_BIN_EXE_ritc")).exists());
}
