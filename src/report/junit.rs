//! The JUnit XML report, in the dialect GitHub, GitLab and Jenkins read: one
//! `<testsuite>` per suite, one `<testcase>` per test with its time, `file` and
//! `line`; `<failure>` with the reason as message and the explanation (file:line,
//! source line, expected, actual, suggestion) as text; `<skipped>`; steps in
//! `<system-out>` and the service log tail in `<system-err>`. Problems outside
//! any test become `<error>` test cases of a suite named `(run)`. The run's
//! `warnings` (resource warnings, history findings, …) are `warning` properties
//! of the first suite: JUnit has no place for a run's notes, and a property is
//! what CI viewers show without counting it as a test.

use super::model::{FailureRecord, RunReport, TestRecord, TestResult};
use crate::units::seconds_from_millis;
use std::fmt::Write;

pub fn render(report: &RunReport) -> String {
    let mut suites: Vec<(String, Vec<&TestRecord>)> = Vec::new();
    for test in &report.tests {
        match suites.iter_mut().find(|(name, _)| *name == test.suite) {
            Some((_, tests)) => tests.push(test),
            None => suites.push((test.suite.clone(), vec![test])),
        }
    }
    for (_, tests) in &mut suites {
        tests.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    }
    let count = |tests: &[&TestRecord], wanted: &dyn Fn(&TestRecord) -> bool| {
        tests.iter().filter(|test| wanted(test)).count()
    };
    // An interrupted test is an error (it did not fail; it was stopped); a
    // failed test of an `on failure warn` checkpoint is neither (it does not
    // fail the run): JUnit counts it with the passed ones.
    let is_error = |test: &TestRecord| test.status == TestResult::Interrupted;
    let is_failure = |test: &TestRecord| test.status == TestResult::Failed;
    let failing_problems: Vec<&super::model::Problem> = report
        .problems
        .iter()
        .filter(|problem| problem.fails_run)
        .collect();
    let is_skipped = |test: &TestRecord| test.status == TestResult::Skipped;
    let all: Vec<&TestRecord> = report.tests.iter().collect();
    let timestamp = &report.test_run.timestamp;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"ritc\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\">",
        all.len() + failing_problems.len(),
        count(&all, &is_failure),
        count(&all, &is_error) + failing_problems.len(),
        count(&all, &is_skipped),
        seconds_from_millis(report.test_run.duration_ms),
        attribute(timestamp)
    );
    for (index, (suite, tests)) in suites.iter().enumerate() {
        let time: f64 = tests.iter().map(|test| test.duration_ms).sum();
        let file = tests.first().map(|test| test.file.as_str()).unwrap_or("");
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\" file=\"{}\">",
            attribute(suite),
            tests.len(),
            count(tests, &is_failure),
            count(tests, &is_error),
            count(tests, &is_skipped),
            seconds_from_millis(time),
            attribute(timestamp),
            attribute(file)
        );
        let run_warnings: &[String] = if index == 0 { &report.warnings } else { &[] };
        suite_properties(&mut out, report, suite, run_warnings);
        for test in tests {
            test_case(&mut out, test);
        }
        out.push_str("  </testsuite>\n");
    }
    if !failing_problems.is_empty() {
        let _ = writeln!(
            out,
            "  <testsuite name=\"(run)\" tests=\"{0}\" failures=\"0\" errors=\"{0}\" skipped=\"0\" time=\"0.000\" timestamp=\"{1}\">",
            failing_problems.len(),
            attribute(timestamp)
        );
        for (index, problem) in failing_problems.iter().enumerate() {
            let mut text = problem.message.clone();
            if let Some(detail) = &problem.detail {
                text.push_str("\n\n");
                text.push_str(detail);
            }
            if let Some(suggestion) = &problem.suggestion {
                text.push_str("\n\nsuggestion: ");
                text.push_str(suggestion);
            }
            let _ = writeln!(
                out,
                "    <testcase name=\"run problem {}\" classname=\"(run)\" time=\"0.000\">\n      <error message=\"{}\" type=\"run\">{}</error>\n    </testcase>",
                index + 1,
                attribute(&problem.message),
                text_content(&text)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// The suite's checkpoints as `<properties>`: one `checkpoint` property each,
/// its value `NAME: STATUS (stage S, on failure A, N tests, TIME)`; then one
/// `warning` property for each of `run_warnings`.
fn suite_properties(out: &mut String, report: &RunReport, suite: &str, run_warnings: &[String]) {
    let checkpoints: Vec<&super::model::CheckpointSummary> = report
        .checkpoints
        .iter()
        .filter(|checkpoint| checkpoint.suite == suite)
        .collect();
    if checkpoints.is_empty() && run_warnings.is_empty() {
        return;
    }
    out.push_str("    <properties>\n");
    for checkpoint in checkpoints {
        let stage = checkpoint
            .stage
            .as_ref()
            .map(|stage| format!("stage {stage}, "))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "      <property name=\"checkpoint\" value=\"{}\"/>",
            attribute(&format!(
                "{}: {} ({stage}on failure {}, {} test{}, {})",
                checkpoint.name,
                checkpoint.status.as_str(),
                checkpoint.on_failure,
                checkpoint.tests.len(),
                if checkpoint.tests.len() == 1 { "" } else { "s" },
                checkpoint.duration
            ))
        );
    }
    for warning in run_warnings {
        let _ = writeln!(
            out,
            "      <property name=\"warning\" value=\"{}\"/>",
            attribute(warning)
        );
    }
    out.push_str("    </properties>\n");
}

fn test_case(out: &mut String, test: &TestRecord) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{}\"",
        attribute(&test.name),
        attribute(&test.suite),
        attribute(&test.file),
        test.line,
        seconds_from_millis(test.duration_ms)
    );
    let mut body = String::new();
    match (&test.status, &test.failure) {
        (TestResult::Failed | TestResult::Interrupted, Some(failure)) => {
            let element = if test.status == TestResult::Interrupted {
                "error"
            } else {
                "failure"
            };
            let _ = writeln!(
                body,
                "      <{element} message=\"{}\" type=\"{}\">{}</{element}>",
                attribute(&format!("{}: {}", failure.location(), failure.message)),
                attribute(failure.kind.as_str()),
                text_content(&explanation(failure))
            );
        }
        (TestResult::Failed, None) => body.push_str("      <failure message=\"failed\"/>\n"),
        (TestResult::Interrupted, None) => {
            body.push_str("      <error message=\"interrupted\" type=\"interrupted\"/>\n")
        }
        (TestResult::Skipped, _) => {
            let _ = writeln!(
                body,
                "      <skipped message=\"{}\"/>",
                attribute(test.skip_reason.as_deref().unwrap_or("skipped"))
            );
        }
        _ => {}
    }
    let mut output = String::new();
    for step in &test.steps {
        let _ = writeln!(
            output,
            "{}:{}: {} ({}){}",
            test.file,
            step.line,
            step.description,
            step.duration,
            step.error
                .as_ref()
                .map(|error| format!(" — {error}"))
                .unwrap_or_default()
        );
    }
    if test.attempts > 1 {
        let _ = writeln!(output, "passed after {} attempts", test.attempts);
    }
    if let (TestResult::Warned, Some(failure)) = (&test.status, &test.failure) {
        let _ = writeln!(
            output,
            "WARNING (checkpoint on failure warn): {}\n{}",
            failure.message,
            explanation(failure)
        );
    }
    for warning in &test.warnings {
        let _ = writeln!(output, "WARNING: {warning}");
    }
    for note in &test.close_to_limit {
        let _ = writeln!(output, "CLOSE TO ITS LIMIT: {note}");
    }
    if !output.is_empty() {
        let _ = writeln!(
            body,
            "      <system-out>{}</system-out>",
            text_content(&output)
        );
    }
    if !test.service_log.is_empty() {
        let _ = writeln!(
            body,
            "      <system-err>{}</system-err>",
            text_content(&(test.service_log.join("\n") + "\n"))
        );
    }
    if body.is_empty() {
        out.push_str("/>\n");
    } else {
        out.push_str(">\n");
        out.push_str(&body);
        out.push_str("    </testcase>\n");
    }
}

/// The failure as a person reads it under the test: where, the line, expected,
/// actual values, more detail, the suggestion and the other failures of its group.
pub fn explanation(failure: &FailureRecord) -> String {
    let mut text = format!("{}: {}\n", failure.location(), failure.message);
    if !failure.source.trim().is_empty() {
        let _ = writeln!(text, "\n    {}", failure.source.trim());
    }
    if let Some(expected) = &failure.expected {
        let _ = writeln!(text, "\nexpected: {expected}");
    }
    if !failure.actual.is_empty() {
        text.push_str("actual:\n");
        for (operand, value) in &failure.actual {
            let shown = match value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let _ = writeln!(text, "  {operand} = {shown}");
        }
    }
    if let Some(detail) = &failure.detail {
        let _ = writeln!(text, "\n{detail}");
    }
    for other in &failure.also {
        let _ = writeln!(text, "\nalso: {}: {}", other.location(), other.message);
    }
    if let Some(suggestion) = &failure.suggestion {
        let _ = writeln!(text, "\nsuggestion: {suggestion}");
    }
    text
}

/// Characters XML 1.0 cannot hold at all, even escaped, become U+FFFD.
fn legal(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => '\u{fffd}',
        c => c,
    }
}

pub fn text_content(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().map(legal) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

pub fn attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().map(legal) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_xml_cannot_hold() {
        assert_eq!(
            attribute("a<b & \"c\"\n"),
            "a&lt;b &amp; &quot;c&quot;&#10;"
        );
        assert_eq!(text_content("x\u{1b}[31m]]>"), "x\u{fffd}[31m]]&gt;");
    }
}
