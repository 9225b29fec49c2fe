//! One verdict in every format (issue 15, bullets 1–3 and 7). A matrix of small
//! runs — `stop`, `warn` and `continue` checkpoints failing and passing,
//! `--fail-fast`, `--jobs 1` and `--jobs 4`, `skip`, a service that never
//! becomes ready, a failing teardown, a test timeout, SIGINT in the middle of a
//! test — each written in every format at once, and every format read back
//! with a parser of its own: JSON and YAML (serde), JUnit (`junit-parser`),
//! TAP (`tap_parser`, a strict TAP 14 parser), the event stream (JSON Lines),
//! the HTML cards and the terminal's verdict line. They must tell the same
//! story: the same status and exit code, the same buckets adding up to the
//! selected tests, the same skip reasons, the same checkpoints; and
//! `ritc merge` of the JSON report must say it again.

mod common;

use common::suite::{Suite, ritc, text};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// What a case must end as.
struct Expected {
    status: &'static str,
    exit: i32,
    /// passed, failed, skipped, warned, interrupted
    buckets: [u64; 5],
    /// Problems outside the tests that fail the run.
    problems: usize,
}

const BUCKETS: [&str; 5] = ["passed", "failed", "skipped", "warned", "interrupted"];

/// Every format of one run, read back.
struct Formats {
    exit: i32,
    terminal: String,
    json: Json,
    yaml: serde_yaml::Value,
    junit: junit_parser::TestSuites,
    tap: String,
    html: String,
    events: Vec<Json>,
}

const REPORTS: [&str; 10] = [
    "--report",
    "json=report.json",
    "--report",
    "yaml=report.yaml",
    "--report",
    "junit=report.xml",
    "--report",
    "tap=report.tap",
    "--report",
    "html=report.html",
];

fn command(suite: &Suite, file: &str, args: &[&str]) -> Command {
    let mut all = vec![file];
    all.extend_from_slice(args);
    all.extend_from_slice(&REPORTS);
    all.extend_from_slice(&["--events", "jsonl"]);
    let mut command = suite.command(&all);
    command.stdin(Stdio::null());
    command
}

fn read(suite: &Suite, output: &Output) -> Formats {
    let path = |name: &str| suite.dir.path().join(name);
    let file = |name: &str| {
        std::fs::read_to_string(path(name))
            .unwrap_or_else(|error| panic!("{name}: {error}\n{}", text(output)))
    };
    let xml = file("report.xml");
    let junit = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes()))
        .unwrap_or_else(|error| panic!("JUnit does not parse: {error}\n{xml}"));
    let events = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
        .collect();
    Formats {
        exit: output.status.code().unwrap_or(-1),
        terminal: String::from_utf8_lossy(&output.stderr).to_string(),
        json: serde_json::from_str(&file("report.json")).unwrap(),
        yaml: serde_yaml::from_str(&file("report.yaml")).unwrap(),
        junit,
        tap: file("report.tap"),
        html: file("report.html"),
        events,
    }
}

/// `FAILED: 1 passed, 1 failed, 2 skipped, 0 warned, 0 interrupted of 4 tests; 1
/// warning in 3ms` → the status and each count (`total`, `warnings` too).
fn verdict_line(line: &str) -> Option<(String, BTreeMap<String, u64>)> {
    let (status, rest) = line.trim().split_once(": ")?;
    let (counts, rest) = rest.split_once(" of ")?;
    let mut parsed = BTreeMap::new();
    for part in counts.split(", ") {
        let (number, name) = part.split_once(' ')?;
        parsed.insert(name.to_string(), number.parse().ok()?);
    }
    let total = rest.split(' ').next()?.parse().ok()?;
    parsed.insert("total".to_string(), total);
    let (_, warnings) = rest.split_once("; ")?;
    let warnings = warnings.split(' ').next()?.parse().ok()?;
    parsed.insert("warnings".to_string(), warnings);
    Some((status.to_string(), parsed))
}

/// `<div class="card passed"><b>3</b>passed</div>` → 3.
fn html_card(html: &str, label: &str) -> Option<u64> {
    let end = html.find(&format!("</b>{label}</div>"))?;
    let start = html[..end].rfind("<b>")? + 3;
    html[start..end].parse().ok()
}

/// Checks that every format tells the story of the JSON report, and that it is
/// the expected one. Returns the JSON report.
fn same_story(case: &str, formats: &Formats, expected: &Expected) -> Json {
    let json = &formats.json;
    let context = format!(
        "case {case}\n--- terminal\n{}\n--- json\n{json:#}",
        formats.terminal
    );
    let summary = &json["summary"];
    let status = json["test_run"]["status"].as_str().unwrap_or_default();

    // The expected verdict, and an exit code that follows it.
    assert_eq!(status, expected.status, "{context}");
    assert_eq!(formats.exit, expected.exit, "{context}");
    let buckets: Vec<u64> = BUCKETS
        .iter()
        .map(|name| summary[*name].as_u64().unwrap_or(u64::MAX))
        .collect();
    assert_eq!(buckets, expected.buckets, "{context}");
    let total = summary["total_tests"].as_u64().unwrap();
    assert_eq!(
        buckets.iter().sum::<u64>(),
        total,
        "buckets add up: {context}"
    );

    // JSON: one record per selected test, counted in its bucket.
    let tests = json["tests"].as_array().unwrap();
    assert_eq!(tests.len() as u64, total, "{context}");
    for (index, name) in BUCKETS.iter().enumerate() {
        let records = tests.iter().filter(|test| test["status"] == *name).count();
        assert_eq!(records as u64, buckets[index], "{name}: {context}");
    }
    for test in tests.iter().filter(|test| test["status"] == "skipped") {
        assert!(
            test["skip_reason"].is_string(),
            "a skip has a reason: {context}"
        );
    }
    let failing_problems: Vec<&Json> = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|problem| problem["fails_run"] == true)
        .collect();
    assert_eq!(failing_problems.len(), expected.problems, "{context}");
    let skip_reasons: Vec<String> = tests
        .iter()
        .filter(|test| test["status"] == "skipped")
        .map(|test| test["skip_reason"].as_str().unwrap_or_default().to_string())
        .collect();

    // YAML: the same status, summary and checkpoints.
    let yaml = serde_json::to_value(&formats.yaml).unwrap();
    assert_eq!(yaml["test_run"]["status"], status, "{context}");
    assert_eq!(yaml["summary"], *summary, "{context}");
    let checkpoint_statuses = |list: &Json| -> Vec<(String, String)> {
        list.as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|item| {
                        (
                            item["name"].as_str().unwrap_or_default().to_string(),
                            item["status"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let checkpoints = checkpoint_statuses(&json["checkpoints"]);
    assert_eq!(
        checkpoint_statuses(&yaml["checkpoints"]),
        checkpoints,
        "{context}"
    );

    // JUnit, read by a JUnit parser: the tests plus one error case per problem.
    let junit = &formats.junit;
    let problems = failing_problems.len() as u64;
    assert_eq!(junit.tests, total + problems, "JUnit tests: {context}");
    assert_eq!(junit.failures, buckets[1], "JUnit failures: {context}");
    assert_eq!(
        junit.errors,
        buckets[4] + problems,
        "JUnit errors: {context}"
    );
    assert_eq!(junit.skipped, buckets[2], "JUnit skipped: {context}");
    let cases: Vec<&junit_parser::TestCase> =
        junit.suites.iter().flat_map(|suite| &suite.cases).collect();
    assert_eq!(cases.len() as u64, total + problems, "{context}");
    let junit_skips: Vec<String> = cases
        .iter()
        .filter_map(|case| match &case.status {
            junit_parser::TestStatus::Skipped(skipped) => Some(skipped.message.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(junit_skips, skip_reasons, "JUnit skip reasons: {context}");
    let mut junit_checkpoints: Vec<String> = junit
        .suites
        .iter()
        .flat_map(|suite| &suite.properties.vec)
        .filter(|(name, _)| name == "checkpoint")
        .map(|(_, value)| value.clone())
        .collect();
    junit_checkpoints.sort();
    let mut said: Vec<String> = checkpoints
        .iter()
        .map(|(name, status)| format!("{name}: {status} ("))
        .collect();
    said.sort();
    assert_eq!(junit_checkpoints.len(), said.len(), "{context}");
    for (value, prefix) in junit_checkpoints.iter().zip(&said) {
        assert!(value.starts_with(prefix), "{value} / {prefix}: {context}");
    }

    // TAP, read by a strict TAP 14 parser (a `Bail out!` ends parsing with an
    // error that still hands over what came before it).
    let mut parser = tap_parser::TapParser::new();
    let statements = match parser.parse(&formats.tap) {
        Ok(statements) => statements,
        Err(tap_parser::Error::Bailed(_)) => parser.statements(),
        Err(error) => panic!("TAP does not parse: {error}\n{}", formats.tap),
    };
    let plan = statements.iter().find_map(|statement| match statement {
        tap_parser::TapStatement::Plan(plan) => Some(plan.count as u64),
        _ => None,
    });
    assert_eq!(plan, Some(total + problems), "TAP plan: {}", formats.tap);
    let points: Vec<&tap_parser::TapTest> = statements
        .iter()
        .filter_map(|statement| match statement {
            tap_parser::TapStatement::TestPoint(point) => Some(point),
            _ => None,
        })
        .collect();
    assert_eq!(points.len() as u64, total + problems, "{}", formats.tap);
    let directive = |point: &tap_parser::TapTest, kind: tap_parser::DirectiveKind| {
        point
            .directive
            .as_ref()
            .is_some_and(|directive| directive.kind == kind)
    };
    let tap_skips: Vec<String> = points
        .iter()
        .filter(|point| directive(point, tap_parser::DirectiveKind::Skip))
        .map(|point| {
            let reason = point
                .directive
                .as_ref()
                .and_then(|d| d.reason)
                .unwrap_or("");
            reason.replace("\\#", "#").replace("\\\\", "\\")
        })
        .collect();
    assert_eq!(tap_skips, skip_reasons, "TAP skips: {}", formats.tap);
    let todo = points
        .iter()
        .filter(|point| directive(point, tap_parser::DirectiveKind::Todo))
        .count() as u64;
    assert_eq!(todo, buckets[3], "TAP TODO = warned: {}", formats.tap);
    let not_ok = points
        .iter()
        .filter(|point| !point.result && point.directive.is_none())
        .count() as u64;
    assert_eq!(
        not_ok,
        buckets[1] + buckets[4] + problems,
        "TAP not ok: {}",
        formats.tap
    );
    let tap_last = formats.tap.lines().last().unwrap_or_default();
    let (tap_status, tap_counts) = verdict_line(tap_last.trim_start_matches("# "))
        .unwrap_or_else(|| panic!("TAP's last line: {}", formats.tap));
    assert_eq!(tap_status, status, "{}", formats.tap);

    // The terminal's verdict line.
    let line = formats
        .terminal
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    let (terminal_status, terminal_counts) =
        verdict_line(line).unwrap_or_else(|| panic!("terminal's last line: {context}"));
    assert_eq!(terminal_status, status, "{context}");
    assert_eq!(terminal_counts, tap_counts, "{context}");
    for (index, name) in BUCKETS.iter().enumerate() {
        assert_eq!(
            terminal_counts.get(*name),
            Some(&buckets[index]),
            "{context}"
        );
    }
    assert_eq!(terminal_counts.get("total"), Some(&total), "{context}");
    assert_eq!(
        terminal_counts.get("warnings").copied(),
        summary["warnings"].as_u64(),
        "the terminal counts the reports' warnings: {context}"
    );

    // The HTML report's badge and cards.
    assert!(
        formats.html.contains(&format!("<title>{status} ·")),
        "HTML status: {context}"
    );
    assert_eq!(html_card(&formats.html, "tests"), Some(total), "{context}");
    for (index, name) in BUCKETS.iter().enumerate() {
        assert_eq!(
            html_card(&formats.html, name),
            Some(buckets[index]),
            "{context}"
        );
    }

    // Events: one test_finished per selected test, the checkpoints as they
    // settled, and a run_finished that says the same.
    let finished: Vec<&Json> = formats
        .events
        .iter()
        .filter(|event| event["type"] == "test_finished")
        .collect();
    assert_eq!(finished.len() as u64, total, "{context}");
    for (index, name) in BUCKETS.iter().enumerate() {
        let count = finished
            .iter()
            .filter(|event| event["status"] == *name)
            .count();
        assert_eq!(count as u64, buckets[index], "events {name}: {context}");
    }
    let mut settled: Vec<(String, String)> = formats
        .events
        .iter()
        .filter(|event| event["type"] == "checkpoint_settled")
        .map(|event| {
            (
                event["checkpoint"].as_str().unwrap_or_default().to_string(),
                event["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    settled.sort();
    let mut sorted_checkpoints = checkpoints.clone();
    sorted_checkpoints.sort();
    assert_eq!(settled, sorted_checkpoints, "{context}");
    let end = formats.events.last().cloned().unwrap_or_default();
    assert_eq!(end["type"], "run_finished", "{context}");
    assert_eq!(end["status"], status, "{context}");
    assert_eq!(end["exit_code"], formats.exit, "{context}");
    assert_eq!(end["summary"], *summary, "{context}");

    json.clone()
}

/// `ritc merge` of the one JSON report says the same.
fn merge_agrees(suite: &Suite, json: &Json, exit: i32) {
    let output = Command::new(ritc())
        .args(["merge", "report.json", "--report", "json=merged.json"])
        .current_dir(suite.dir.path())
        .output()
        .unwrap();
    let merged: Json = serde_json::from_str(
        &std::fs::read_to_string(suite.dir.path().join("merged.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(merged["summary"], json["summary"], "{}", text(&output));
    assert_eq!(merged["test_run"]["status"], json["test_run"]["status"]);
    let statuses = |report: &Json| -> Vec<(Json, Json)> {
        report["checkpoints"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|item| (item["name"].clone(), item["status"].clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(statuses(&merged), statuses(json), "merged checkpoints");
    assert_eq!(output.status.code(), Some(exit), "{}", text(&output));
    let line = String::from_utf8_lossy(&output.stderr).to_string();
    let (status, _) = verdict_line(
        line.lines()
            .last()
            .unwrap_or_default()
            .split_once(": ")
            .map_or("", |(_, rest)| rest),
    )
    .unwrap_or_else(|| panic!("merge's line: {line}"));
    assert_eq!(
        status,
        json["test_run"]["status"].as_str().unwrap_or_default()
    );
}

/// Runs `file` with `args` to its end, checks every format, returns the JSON.
fn case(name: &str, suite: &Suite, file: &str, args: &[&str], expected: Expected) -> Json {
    case_formats(name, suite, file, args, expected).0
}

/// `case`, also returning every format read back.
fn case_formats(
    name: &str,
    suite: &Suite,
    file: &str,
    args: &[&str],
    expected: Expected,
) -> (Json, Formats) {
    let output = command(suite, file, args).output().unwrap();
    let formats = read(suite, &output);
    let json = same_story(name, &formats, &expected);
    merge_agrees(suite, &json, expected.exit);
    (json, formats)
}

fn skip_reasons(json: &Json) -> Vec<(String, String)> {
    json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|test| test["status"] == "skipped")
        .map(|test| {
            (
                test["name"].as_str().unwrap_or_default().to_string(),
                test["skip_reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const STOP_GATE: &str = r#"test "before" {
  run "true"
  expect exit == 0
}
checkpoint "API Ready" stage "post-backend" on failure stop {
  test "gate" {
    run "sleep 0.4; exit 1"
    expect exit == 0
  }
  test "gate passes" {
    run "true"
    expect exit == 0
  }
}
test "deploy frontend" {
  run "touch deployed"
  expect exit == 0
}
test "later" {
  run "true"
  expect exit == 0
}
"#;

#[test]
fn a_failed_stop_checkpoint_skips_every_later_test_under_any_jobs() {
    for jobs in ["1", "4"] {
        let suite = Suite::new();
        suite.file("gate.rit", STOP_GATE);
        let json = case(
            &format!("stop, --jobs {jobs}"),
            &suite,
            "gate.rit",
            &["--jobs", jobs],
            Expected {
                status: "FAILED",
                exit: 1,
                // With 4 jobs "gate passes" runs beside "gate"; with 1 it is
                // skipped behind it.
                buckets: if jobs == "1" {
                    [1, 1, 3, 0, 0]
                } else {
                    [2, 1, 2, 0, 0]
                },
                problems: 0,
            },
        );
        assert!(
            !suite.dir.path().join("deployed").exists(),
            "--jobs {jobs}: a test behind a failed stop checkpoint ran"
        );
        let reason = "checkpoint `API Ready` (stage `post-backend`) failed with on failure stop";
        for (test, why) in skip_reasons(&json) {
            assert_eq!(why, reason, "{test}");
        }
        assert_eq!(json["test_run"]["stop_reason"], reason);
        assert_eq!(json["checkpoints"][0]["status"], "failed");
        assert_eq!(json["checkpoints"][0]["on_failure"], "stop");
        assert_eq!(json["checkpoints"][0]["stage"], "post-backend");
        let terminal = std::fs::read_to_string(suite.dir.path().join("report.tap")).unwrap();
        assert!(
            terminal.contains("# checkpoint API Ready: failed"),
            "{terminal}"
        );
    }
}

#[test]
fn the_terminal_says_when_a_stop_checkpoint_settles_and_what_it_skipped() {
    let suite = Suite::new();
    suite.file("gate.rit", STOP_GATE);
    let output = suite.run(&["gate.rit", "--jobs", "1"]);
    let all = text(&output);
    assert!(
        all.contains("checkpoint API Ready (post-backend): FAILED → stop: 3 tests skipped"),
        "{all}"
    );
    assert!(
        all.contains(
            "stopped: checkpoint `API Ready` (stage `post-backend`) failed with on failure stop"
        ),
        "{all}"
    );
}

#[test]
fn a_stop_checkpoint_is_a_barrier_for_the_tests_after_it() {
    // The gate passes, slowly; with 4 jobs the test after it must still wait.
    let suite = Suite::new();
    suite.file(
        "barrier.rit",
        r#"checkpoint "Gate" on failure stop {
  test "gate" {
    run "sleep 0.5; touch gate-done"
    expect exit == 0
  }
}
test "behind" {
  run "test -e gate-done"
  expect exit == 0
}
"#,
    );
    let json = case(
        "a passing stop checkpoint",
        &suite,
        "barrier.rit",
        &["--jobs", "4"],
        Expected {
            status: "PASSED",
            exit: 0,
            buckets: [2, 0, 0, 0, 0],
            problems: 0,
        },
    );
    assert_eq!(json["checkpoints"][0]["status"], "passed");
}

/// `skip "why"` reached at run time counts as skipped (a run of passed and
/// skipped tests is PASSED, as with the attribute), in every format, with its
/// reason; `reachable` is its guard against a port where nothing listens.
#[test]
fn a_skip_reached_at_run_time_is_skipped_in_every_format() {
    let closed = common::ports::free_port();
    let suite = Suite::new();
    suite.file(
        "guarded.rit",
        &format!(
            r#"test "needs a broker" {{
  if not reachable("127.0.0.1:{closed}", within: 1s) {{
    skip "no broker listens on 127.0.0.1:{closed}"
  }}
  run "exit 1"
  expect exit == 0
}}
test "runs" {{
  run "true"
  expect exit == 0
}}
test "skips from a loop" retry 2 {{
  for attempt in [1, 2] {{
    if attempt == 2 {{ skip "the second round is not written yet" }}
  }}
  run "exit 1"
  expect exit == 0
}}
"#
        ),
    );
    let json = case(
        "runtime skip",
        &suite,
        "guarded.rit",
        &[],
        Expected {
            status: "PASSED",
            exit: 0,
            buckets: [1, 0, 2, 0, 0],
            problems: 0,
        },
    );
    assert_eq!(
        skip_reasons(&json),
        [
            (
                "needs a broker".to_string(),
                format!("no broker listens on 127.0.0.1:{closed}")
            ),
            (
                "skips from a loop".to_string(),
                "the second round is not written yet".to_string()
            ),
        ]
    );
    // Skipped by its own statement, not by the run stopping before it; once,
    // not retried.
    let skipped = &json["tests"][0];
    assert_ne!(skipped["not_reached"], true, "{json:#}");
    assert_eq!(json["tests"][2]["attempts"], 1, "{json:#}");
}

/// The red side: a `skip` that does not run changes nothing, and a test that
/// failed before reaching its `skip` stays failed.
#[test]
fn a_skip_that_is_not_reached_does_not_hide_a_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let open = listener.local_addr().unwrap().port();
    let suite = Suite::new();
    suite.file(
        "unreached.rit",
        &format!(
            r#"test "guard not taken" {{
  if not reachable("127.0.0.1:{open}") {{
    skip "the server is down"
  }}
  run "exit 1"
  expect exit == 0
}}
test "failed before the skip" {{
  run "exit 1"
  expect exit == 0
  skip "too late to skip"
}}
test "else branch" {{
  let r = run "exit 3"
  if r.exit != 0 {{
    expect r.exit == 0
  }} else {{
    skip "not taken"
  }}
}}
"#
        ),
    );
    let json = case(
        "unreached skip",
        &suite,
        "unreached.rit",
        &[],
        Expected {
            status: "FAILED",
            exit: 1,
            buckets: [0, 3, 0, 0, 0],
            problems: 0,
        },
    );
    assert!(skip_reasons(&json).is_empty(), "{json:#}");
    drop(listener);
}

#[test]
fn warn_and_continue_checkpoints_and_skip_keep_the_run_going() {
    let suite = Suite::new();
    suite.file(
        "soft.rit",
        r#"checkpoint "Soft" on failure warn {
  test "soft fails" {
    run "exit 1"
    expect exit == 0
  }
}
test "not yet" skip "waiting for the new API" {
  run "true"
}
test "after" {
  run "true"
  expect exit == 0
}
test "flaky" retry 2 every 10ms {
  run "n=$(cat count 2>/dev/null || echo 0); echo $((n+1)) > count; test $n -ge 1"
  expect exit == 0
}
"#,
    );
    let json = case(
        "warn",
        &suite,
        "soft.rit",
        &[],
        Expected {
            status: "PARTIAL",
            exit: 0,
            buckets: [2, 0, 1, 1, 0],
            problems: 0,
        },
    );
    assert_eq!(
        skip_reasons(&json),
        [("not yet".to_string(), "waiting for the new API".to_string())]
    );
    // The failed `warn` test and the test that passed only after a retry.
    assert_eq!(json["summary"]["warnings"], 2, "{json}");

    let suite = Suite::new();
    suite.file(
        "continue.rit",
        r#"checkpoint "Frontend" stage "post-frontend" on failure continue {
  test "page" {
    run "exit 1"
    expect exit == 0
  }
}
checkpoint "Backend" on failure stop {
  test "api" {
    run "true"
    expect exit == 0
  }
}
test "after" {
  run "true"
  expect exit == 0
}
"#,
    );
    let json = case(
        "continue",
        &suite,
        "continue.rit",
        &["--jobs", "4"],
        Expected {
            status: "FAILED",
            exit: 1,
            buckets: [2, 1, 0, 0, 0],
            problems: 0,
        },
    );
    let statuses: Vec<&str> = json["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|checkpoint| checkpoint["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(statuses, ["failed", "passed"]);
}

#[test]
fn a_checkpoint_the_run_stopped_inside_is_incomplete_not_passed() {
    // With two jobs "breaks" and "smoke one" start together; "breaks" fails and
    // `--fail-fast` stops the run: "smoke one" (which holds its slot until well
    // after "breaks" ended) still passes, "smoke two" never starts. Smoke was
    // never finished, so it is no green gate.
    let suite = Suite::new();
    suite.file(
        "half.rit",
        r#"test "breaks" {
  run "touch broke; exit 1"
  expect exit == 0
}
checkpoint "Smoke" on failure continue {
  test "smoke one" {
    run "while [ ! -e broke ]; do sleep 0.01; done; sleep 1"
    expect exit == 0
  }
  test "smoke two" {
    run "touch two-ran"
    expect exit == 0
  }
}
"#,
    );
    let (json, formats) = case_formats(
        "a checkpoint cut short by --fail-fast",
        &suite,
        "half.rit",
        &["--fail-fast", "--jobs", "2"],
        Expected {
            status: "FAILED",
            exit: 1,
            buckets: [1, 1, 1, 0, 0],
            problems: 0,
        },
    );
    assert!(!suite.dir.path().join("two-ran").exists());
    let context = &formats.terminal;
    // JSON and YAML (same_story checks that they and the events agree), the
    // merged report (merge_agrees), TAP, JUnit, HTML, events and the terminal.
    assert_eq!(json["checkpoints"][0]["status"], "incomplete", "{json:#}");
    let skipped = &json["tests"][2];
    assert_eq!(skipped["name"], "smoke two", "{json:#}");
    assert_eq!(skipped["not_reached"], true, "{json:#}");
    assert!(
        formats.tap.contains("# checkpoint Smoke: incomplete"),
        "{}",
        formats.tap
    );
    let junit = std::fs::read_to_string(suite.dir.path().join("report.xml")).unwrap();
    assert!(junit.contains("Smoke: incomplete"), "{junit}");
    assert!(
        formats
            .html
            .contains("<tr class=\"checkpoint incomplete\">"),
        "{}",
        formats.html
    );
    let settled = formats
        .events
        .iter()
        .find(|event| event["type"] == "checkpoint_settled")
        .unwrap_or_else(|| panic!("no checkpoint_settled: {context}"));
    assert_eq!(settled["status"], "incomplete", "{settled}");
    assert_eq!(settled["not_reached"], 1, "{settled}");
    assert!(
        context.contains("checkpoint Smoke: INCOMPLETE (1 of 2 tests not run: the run stopped)"),
        "{context}"
    );

    // A test skipped by its own `skip` does not make a checkpoint incomplete.
    let suite = Suite::new();
    suite.file(
        "skipping.rit",
        r#"checkpoint "Smoke" on failure continue {
  test "smoke one" {
    run "true"
    expect exit == 0
  }
  test "smoke two" skip "not yet" {
    run "true"
  }
}
"#,
    );
    let json = case(
        "a checkpoint with a skip attribute",
        &suite,
        "skipping.rit",
        &[],
        Expected {
            status: "PASSED",
            exit: 0,
            buckets: [1, 0, 1, 0, 0],
            problems: 0,
        },
    );
    assert_eq!(json["checkpoints"][0]["status"], "passed", "{json:#}");
    assert!(json["tests"][1].get("not_reached").is_none(), "{json:#}");
}

#[test]
fn fail_fast_skips_the_rest_with_its_reason() {
    let suite = Suite::new();
    suite.file(
        "fast.rit",
        r#"test "breaks" {
  run "exit 1"
  expect exit == 0
}
test "second" {
  run "touch second-ran"
  expect exit == 0
}
test "third" {
  run "true"
  expect exit == 0
}
"#,
    );
    let json = case(
        "--fail-fast",
        &suite,
        "fast.rit",
        &["--fail-fast"],
        Expected {
            status: "FAILED",
            exit: 1,
            buckets: [0, 1, 2, 0, 0],
            problems: 0,
        },
    );
    assert!(!suite.dir.path().join("second-ran").exists());
    for (_, why) in skip_reasons(&json) {
        assert_eq!(why, "`--fail-fast`: `fast / breaks` failed");
    }
}

#[test]
fn a_service_that_never_becomes_ready_skips_its_tests_with_the_reason() {
    let suite = Suite::new();
    let port = common::ports::free_port();
    suite.file(
        "down.rit",
        &format!(
            "service api = \"exec sleep 30\" {{\n  ready tcp \"127.0.0.1:{port}\" within 1s\n}}\ntest \"one\" {{\n  run \"true\"\n  expect exit == 0\n}}\ntest \"two\" {{\n  run \"true\"\n  expect exit == 0\n}}\n"
        ),
    );
    let json = case(
        "service not ready",
        &suite,
        "down.rit",
        &[],
        Expected {
            status: "FAILED",
            exit: 1,
            buckets: [0, 0, 2, 0, 0],
            problems: 1,
        },
    );
    for (_, why) in skip_reasons(&json) {
        assert_eq!(why, "service `api` not ready");
    }
}

#[test]
fn a_failing_teardown_fails_the_run_as_a_record_of_its_own() {
    let suite = Suite::new();
    suite.file(
        "teardown.rit",
        r#"teardown {
  run "exit 3"
  expect exit == 0
}
test "fine" {
  run "true"
  expect exit == 0
}
"#,
    );
    let json = case(
        "teardown",
        &suite,
        "teardown.rit",
        &[],
        Expected {
            status: "FAILED",
            exit: 1,
            buckets: [1, 0, 0, 0, 0],
            problems: 1,
        },
    );
    assert!(
        json["problems"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("teardown of teardown"),
        "{json}"
    );
}

#[test]
fn a_timed_out_test_is_failed_once() {
    let suite = Suite::new();
    suite.file(
        "slow.rit",
        r#"test "slow" timeout 300ms {
  run "sleep 5"
  expect exit == 0
}
test "quick" {
  run "true"
  expect exit == 0
}
"#,
    );
    let json = case(
        "timeout",
        &suite,
        "slow.rit",
        &["--jobs", "4"],
        Expected {
            status: "FAILED",
            exit: 1,
            buckets: [1, 1, 0, 0, 0],
            problems: 0,
        },
    );
    assert_eq!(json["tests"][0]["failure"]["kind"], "test_timeout");
}

#[test]
fn sigint_mid_test_interrupts_it_with_its_real_duration_and_skips_the_rest() {
    let suite = Suite::new();
    suite.file(
        "long.rit",
        r#"test "quick" {
  run "true"
  expect exit == 0
}
test "long" {
  run "touch long-started; sleep 20"
  expect exit == 0
}
test "never" {
  run "touch never-ran"
  expect exit == 0
}
"#,
    );
    let child = command(&suite, "long.rit", &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let marker = suite.dir.path().join("long-started");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the long test never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(400));
    // SAFETY: signalling our own child by its id.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    let formats = read(&suite, &output);
    let json = same_story(
        "SIGINT",
        &formats,
        &Expected {
            status: "INTERRUPTED",
            exit: 3,
            buckets: [1, 0, 1, 0, 1],
            problems: 0,
        },
    );
    merge_agrees(&suite, &json, 3);
    assert!(!suite.dir.path().join("never-ran").exists());
    let long = &json["tests"][1];
    assert_eq!(long["status"], "interrupted", "{json}");
    assert!(
        long["duration_ms"].as_f64().unwrap_or_default() >= 300.0,
        "the interrupted test ran for a while: {json}"
    );
    assert_eq!(
        skip_reasons(&json),
        [("never".to_string(), "interrupted".to_string())]
    );
    assert!(formats.tap.contains("Bail out!"), "{}", formats.tap);
}

#[test]
fn the_formats_agree_on_a_summary_read_back_from_json() {
    // The JSON summary's keys: the seed's, plus the two buckets that make it add up.
    let suite = Suite::new();
    suite.file(
        "one.rit",
        "test \"one\" {\n  run \"true\"\n  expect exit == 0\n}\n",
    );
    let json = case(
        "passing",
        &suite,
        "one.rit",
        &[],
        Expected {
            status: "PASSED",
            exit: 0,
            buckets: [1, 0, 0, 0, 0],
            problems: 0,
        },
    );
    assert_eq!(
        json["summary"],
        json!({"total_tests": 1, "passed": 1, "failed": 0, "skipped": 0, "warned": 0, "interrupted": 0, "warnings": 0})
    );
}
