//! The TAP report (version 14): the plan first, one test point per test, a YAML
//! diagnostic block under each failure (message, place, expected, actual,
//! suggestion, service log), `# SKIP` for skipped tests and `# TODO` for tests
//! of `on failure warn` checkpoints (they failed, and that does not fail the
//! run). Problems outside any test are test points of their own; those that do
//! not fail the run, and resource warnings, are `# warning:` comments.

use super::model::{FailureRecord, RunReport, TestResult};
use serde_json::{Map, Value as Json, json};
use std::fmt::Write;

pub fn render(report: &RunReport) -> String {
    // TAP 14 (a superset of 13): strict TAP 14 parsers read it, and a test
    // point carries nothing after `#` but a SKIP or TODO directive, so the time
    // is `duration_ms` in the YAML block.
    let mut out = String::from("TAP version 14\n");
    let failing_problems: Vec<&super::model::Problem> = report
        .problems
        .iter()
        .filter(|problem| problem.fails_run)
        .collect();
    let _ = writeln!(out, "1..{}", report.tests.len() + failing_problems.len());
    let mut number = 0;
    for test in &report.tests {
        number += 1;
        let name = description(&test.full_name());
        let time = json!((test.duration_ms * 10.0).round() / 10.0);
        match test.status {
            TestResult::Passed => {
                let _ = writeln!(out, "ok {number} - {name}");
                let mut notes = Map::new();
                if !test.warnings.is_empty() {
                    notes.insert("warnings".into(), json!(test.warnings));
                }
                if !test.close_to_limit.is_empty() {
                    notes.insert("close_to_limit".into(), json!(test.close_to_limit));
                }
                if test.attempts > 1 {
                    notes.insert("attempts".into(), json!(test.attempts));
                }
                notes.insert("duration_ms".into(), time);
                block(&mut out, &notes);
            }
            TestResult::Skipped => {
                let reason = description(test.skip_reason.as_deref().unwrap_or("skipped"));
                let _ = writeln!(out, "ok {number} - {name} # SKIP {reason}");
            }
            TestResult::Warned => {
                let reason = test
                    .failure
                    .as_ref()
                    .map(|failure| description(&failure.message))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "not ok {number} - {name} # TODO on failure warn: {reason}"
                );
                let mut notes = match &test.failure {
                    Some(failure) => diagnostics(failure, "warn", &test.service_log),
                    None => Map::new(),
                };
                notes.insert("duration_ms".into(), time);
                block(&mut out, &notes);
            }
            TestResult::Interrupted => {
                let _ = writeln!(out, "not ok {number} - {name}");
                let mut notes = Map::new();
                notes.insert(
                    "message".into(),
                    json!("the run was interrupted while this test ran"),
                );
                notes.insert("severity".into(), json!("interrupted"));
                notes.insert("duration_ms".into(), time);
                block(&mut out, &notes);
            }
            TestResult::Failed => {
                let _ = writeln!(out, "not ok {number} - {name}");
                let mut notes = match &test.failure {
                    Some(failure) => diagnostics(failure, "fail", &test.service_log),
                    None => Map::from_iter([("severity".to_string(), json!("fail"))]),
                };
                notes.insert("duration_ms".into(), time);
                block(&mut out, &notes);
            }
        }
    }
    for problem in failing_problems {
        number += 1;
        let _ = writeln!(
            out,
            "not ok {number} - (run) {}",
            description(&problem.message)
        );
        let mut notes = Map::new();
        notes.insert("message".into(), json!(problem.message));
        notes.insert("severity".into(), json!("fail"));
        if let Some(detail) = &problem.detail {
            notes.insert("detail".into(), json!(detail));
        }
        if let Some(suggestion) = &problem.suggestion {
            notes.insert("suggestion".into(), json!(suggestion));
        }
        block(&mut out, &notes);
    }
    for problem in report.problems.iter().filter(|problem| !problem.fails_run) {
        let _ = writeln!(out, "# warning: {}", description(&problem.message));
    }
    // What the run's watchers saw (servers near a limit): comments, like the
    // problems that do not fail the run.
    for resource in &report.resources {
        let _ = writeln!(out, "# warning: {}", description(&resource.message));
    }
    for checkpoint in &report.checkpoints {
        let stage = checkpoint
            .stage
            .as_ref()
            .map(|stage| format!("stage {stage}, "))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "# checkpoint {}: {} ({stage}on failure {}, {} test{}, {})",
            description(&checkpoint.name),
            checkpoint.status.as_str(),
            checkpoint.on_failure,
            checkpoint.tests.len(),
            if checkpoint.tests.len() == 1 { "" } else { "s" },
            checkpoint.duration
        );
    }
    // After every test point: a consumer that stops at `Bail out!` has still
    // seen the plan honoured, the interrupted test and the skipped ones.
    if report.test_run.interrupted {
        out.push_str("Bail out! the run was interrupted\n");
    }
    let _ = writeln!(
        out,
        "# {}",
        super::model::verdict_line(
            report.test_run.status,
            &report.summary,
            &report.test_run.duration
        )
    );
    out
}

fn diagnostics(
    failure: &FailureRecord,
    severity: &str,
    service_log: &[String],
) -> Map<String, Json> {
    let mut notes = Map::new();
    notes.insert("message".into(), json!(failure.message));
    notes.insert("severity".into(), json!(severity));
    notes.insert(
        "at".into(),
        json!({ "file": failure.file, "line": failure.line, "column": failure.column }),
    );
    if let Some(expected) = &failure.expected {
        notes.insert("expected".into(), json!(expected));
    }
    if !failure.actual.is_empty() {
        notes.insert("actual".into(), Json::Object(failure.actual.clone()));
    }
    if let Some(detail) = &failure.detail {
        notes.insert("detail".into(), json!(detail));
    }
    if !failure.also.is_empty() {
        let also: Vec<String> = failure
            .also
            .iter()
            .map(|other| format!("{}: {}", other.location(), other.message))
            .collect();
        notes.insert("also".into(), json!(also));
    }
    if let Some(suggestion) = &failure.suggestion {
        notes.insert("suggestion".into(), json!(suggestion));
    }
    if !service_log.is_empty() {
        notes.insert("service_log".into(), json!(service_log));
    }
    notes
}

/// A YAML block under a test point, indented two spaces between `---` and `...`.
fn block(out: &mut String, notes: &Map<String, Json>) {
    if notes.is_empty() {
        return;
    }
    out.push_str("  ---\n");
    super::yaml::write_mapping(out, notes, 2);
    out.push_str("  ...\n");
}

/// One line, with `#` escaped so it does not start a directive.
fn description(text: &str) -> String {
    text.replace('\n', " ")
        .replace('\\', "\\\\")
        .replace('#', "\\#")
}
