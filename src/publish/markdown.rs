//! The comment: Markdown (GitHub-flavoured, which Linear renders) with the
//! title, how to run the checkpoints, each checkpoint with its stage and
//! failure action, each test with its timeout, retries, what it expects and its
//! `.rit` source, the services and params; with a report, the last results.
//! Secrets are masked in the whole text.

use super::{Behaviour, Definitions, TITLE, TestDefinition};
use crate::mask::Masker;
use crate::plan::FailureAction;
use crate::report::model::{self, RunReport, TestRecord, TestResult};
use std::fmt::Write;

/// What the comment says beyond the definitions.
pub struct Context<'a> {
    /// The default step timeout of `ritc run` (`--timeout`), as written: `30s`.
    pub default_step_timeout: &'a str,
    /// The results of the last run, from a JSON report.
    pub report: Option<&'a RunReport>,
    /// Where the report came from, as given.
    pub report_file: Option<&'a str>,
}

pub fn render(definitions: &Definitions, context: &Context, masker: &Masker) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let _ = writeln!(out, "# {TITLE}\n");
    intro(&mut out, definitions, context);
    if let Some(report) = context.report {
        results(&mut out, report, context.report_file);
    }
    for suite in &definitions.suites {
        let _ = writeln!(
            out,
            "## Suite {} — {}\n",
            quoted(&suite.name),
            code(&suite.file)
        );
        let mut notes = Vec::new();
        if suite.has_setup {
            notes.push("a `setup` block runs before its tests");
        }
        if suite.has_teardown {
            notes.push("a `teardown` block runs after them, also after failures");
        }
        if !notes.is_empty() {
            let _ = writeln!(out, "{}.\n", capitalize(&notes.join("; ")));
        }
        for checkpoint in &suite.checkpoints {
            let _ = writeln!(out, "### Checkpoint {}\n", quoted(&checkpoint.name));
            out.push_str("| | |\n|---|---|\n");
            let stage = checkpoint
                .stage
                .as_deref()
                .map_or_else(|| "–".to_string(), code);
            row(&mut out, &["Stage", &stage]);
            row(
                &mut out,
                &[
                    "On failure",
                    &format!(
                        "{} — {}",
                        code(action_name(checkpoint.on_failure)),
                        action_meaning(checkpoint.on_failure)
                    ),
                ],
            );
            row(
                &mut out,
                &[
                    "Defined at",
                    &code(&format!("{}:{}", checkpoint.file, checkpoint.line)),
                ],
            );
            row(
                &mut out,
                &[
                    "Run it",
                    &code(&format!(
                        "ritc run {} --checkpoint {}",
                        shell_quote(&suite.file),
                        shell_quote(&checkpoint.name)
                    )),
                ],
            );
            out.push('\n');
            test_table(&mut out, &checkpoint.tests, context, &suite.name);
            for test in &checkpoint.tests {
                test_section(&mut out, test, context, &suite.name, "####");
            }
        }
        if !suite.tests.is_empty() {
            let heading = if suite.checkpoints.is_empty() {
                "### Tests"
            } else {
                "### Tests outside checkpoints"
            };
            let _ = writeln!(out, "{heading}\n");
            test_table(&mut out, &suite.tests, context, &suite.name);
            for test in &suite.tests {
                test_section(&mut out, test, context, &suite.name, "####");
            }
        }
    }
    services_and_params(&mut out, definitions);
    let _ = writeln!(
        out,
        "---\n_Posted by `ritc publish linear` (ritc {}). The `.rit` files are the source of truth: run `ritc list` for the current definitions._",
        env!("CARGO_PKG_VERSION")
    );
    masker.mask(&out)
}

fn intro(out: &mut String, definitions: &Definitions, context: &Context) {
    let checkpoints: usize = definitions
        .suites
        .iter()
        .map(|suite| suite.checkpoints.len())
        .sum();
    let tests: usize = definitions
        .suites
        .iter()
        .map(|suite| {
            suite.tests.len()
                + suite
                    .checkpoints
                    .iter()
                    .map(|checkpoint| checkpoint.tests.len())
                    .sum::<usize>()
        })
        .sum();
    let mut stages: Vec<&str> = Vec::new();
    for checkpoint in definitions
        .suites
        .iter()
        .flat_map(|suite| suite.checkpoints.iter())
    {
        if let Some(stage) = checkpoint.stage.as_deref()
            && !stages.contains(&stage)
        {
            stages.push(stage);
        }
    }
    let files: Vec<String> = definitions.files.iter().map(|file| code(file)).collect();
    let _ = writeln!(
        out,
        "The runtime integration checkpoints of {}: {} checkpoint{}, {} test{}{}. Everything needed to run them again is below — each checkpoint's stage and failure action, each test's timeout, retries, expected behaviour and source.\n",
        files.join(", "),
        checkpoints,
        plural(checkpoints),
        tests,
        plural(tests),
        if stages.is_empty() {
            String::new()
        } else {
            format!(
                ", stages {}",
                stages
                    .iter()
                    .map(|stage| code(stage))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    let paths: Vec<String> = definitions
        .files
        .iter()
        .map(|file| shell_quote(file))
        .collect();
    let paths = paths.join(" ");
    let _ = writeln!(out, "**Run them:**\n");
    let _ = writeln!(out, "```sh\nritc run {paths}    # every test");
    if let Some(stage) = stages.first() {
        let _ = writeln!(
            out,
            "ritc run {paths} --stage {}    # the checkpoints of one stage",
            shell_quote(stage)
        );
    }
    let _ = writeln!(
        out,
        "ritc run {paths} --report json=report.json    # and keep the results\n```\n"
    );
    let _ = writeln!(
        out,
        "A test without its own `timeout` has none for the whole test; each of its steps times out after the default step timeout ({}, `ritc run --timeout`) unless the step says `timeout`. `retry N` runs a failed test up to N more times.\n",
        context.default_step_timeout
    );
}

fn results(out: &mut String, report: &RunReport, report_file: Option<&str>) {
    let run = &report.test_run;
    let summary = &report.summary;
    let _ = writeln!(
        out,
        "## Last results: {} {}\n",
        run_emoji(run.status),
        run.status.as_str()
    );
    let from = report_file
        .map(|file| format!(" (from {})", code(file)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Run at {} for {}{from}: **{} passed, {} failed, {} skipped{}{}, {} warning{}** of {} test{}.{}\n",
        run.timestamp,
        run.duration,
        summary.passed,
        summary.failed,
        summary.skipped,
        // The two buckets that only some runs have, so that the counts add up.
        if summary.warned > 0 {
            format!(", {} warned", summary.warned)
        } else {
            String::new()
        },
        if summary.interrupted > 0 {
            format!(", {} interrupted", summary.interrupted)
        } else {
            String::new()
        },
        summary.warnings,
        plural(summary.warnings),
        summary.total_tests,
        plural(summary.total_tests),
        if run.interrupted {
            " The run was interrupted."
        } else if run.stopped_early {
            " The run stopped before every test ran."
        } else {
            ""
        }
    );
    if !report.tests.is_empty() {
        out.push_str("| Test | Checkpoint | Status | Time | Attempts |\n|---|---|---|---|---|\n");
        for test in &report.tests {
            let checkpoint = test
                .checkpoint
                .as_ref()
                .map(|checkpoint| match &checkpoint.stage {
                    Some(stage) => format!("{} ({})", escape(&checkpoint.name), code(stage)),
                    None => escape(&checkpoint.name),
                })
                .unwrap_or_else(|| "–".to_string());
            let status = match &test.skip_reason {
                Some(reason) if test.status == TestResult::Skipped => {
                    format!("{} skipped: {}", result_emoji(test.status), escape(reason))
                }
                _ => format!("{} {}", result_emoji(test.status), test.status.as_str()),
            };
            row(
                out,
                &[
                    &escape(&test.full_name()),
                    &checkpoint,
                    &status,
                    &test.duration,
                    &test.attempts.to_string(),
                ],
            );
        }
        out.push('\n');
    }
    if !report.failed_tests.is_empty() {
        let _ = writeln!(out, "### Failures\n");
        for failed in &report.failed_tests {
            let _ = writeln!(
                out,
                "- ❌ **{}** at {}: {}",
                escape(&failed.name),
                code(&format!("{}:{}", failed.file, failed.line)),
                code(&failed.reason)
            );
            if let Some(expected) = &failed.details.expected {
                let _ = writeln!(out, "  - Expected: {}", code(expected));
            }
            for (operand, value) in &failed.details.actual {
                let shown = match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                let _ = writeln!(out, "  - Actual {}: {}", code(operand), code(&shown));
            }
            if let Some(suggestion) = &failed.suggestion {
                let _ = writeln!(out, "  - Suggestion: {}", prose(&one_line(suggestion)));
            }
            if !failed.service_log.is_empty() {
                let tail: Vec<&String> = failed.service_log.iter().rev().take(5).rev().collect();
                let lines: Vec<&str> = tail.iter().map(|line| line.as_str()).collect();
                let text = lines.join("\n");
                let fence = fence_for(&text);
                let _ = writeln!(
                    out,
                    "  - Service log (last lines):\n\n    {fence}\n{}\n    {fence}",
                    indent(&text, "    ")
                );
            }
        }
        out.push('\n');
    }
    for (title, items) in [
        ("Warnings", &report.warnings),
        ("Recommendations", &report.recommendations),
    ] {
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {title}\n");
        for item in items {
            let _ = writeln!(out, "- {}", prose(&one_line(item)));
        }
        out.push('\n');
    }
    if !report.services.is_empty() {
        let _ = writeln!(out, "### Services while the tests ran\n");
        out.push_str("| Service | Peak memory | Peak CPU (1 s) | CPU time |\n|---|---|---|---|\n");
        for service in &report.services {
            let mark = |high: bool| if high { " ⚠️" } else { "" };
            row(
                out,
                &[
                    &code(&service.name),
                    &format!("{}{}", service.peak_rss, mark(service.high_memory())),
                    &format!(
                        "{}{}",
                        crate::report::model::cpu_figure(service.peak_cpu_percent),
                        mark(service.high_cpu())
                    ),
                    &format!("{:.2}s", service.cpu_seconds),
                ],
            );
        }
        out.push('\n');
    }
}

fn test_table(out: &mut String, tests: &[TestDefinition], context: &Context, suite: &str) {
    let with_results = context.report.is_some();
    out.push_str(if with_results {
        "| Test | Timeout | Retry | Tags | Last result |\n|---|---|---|---|---|\n"
    } else {
        "| Test | Timeout | Retry | Tags |\n|---|---|---|---|\n"
    });
    for test in tests {
        let mut cells = vec![
            escape(&test.name),
            test.timeout
                .as_deref()
                .map_or_else(|| "–".to_string(), code),
            retry_text(test),
            if test.tags.is_empty() {
                "–".to_string()
            } else {
                test.tags
                    .iter()
                    .map(|tag| code(tag))
                    .collect::<Vec<_>>()
                    .join(" ")
            },
        ];
        if with_results {
            cells.push(last_result(context, suite, &test.name));
        }
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        row(out, &cells);
    }
    out.push('\n');
}

fn test_section(
    out: &mut String,
    test: &TestDefinition,
    context: &Context,
    suite: &str,
    level: &str,
) {
    let _ = writeln!(out, "{level} Test {}\n", quoted(&test.name));
    let _ = writeln!(
        out,
        "- **Defined at:** {}",
        code(&format!("{}:{}", test.file, test.line))
    );
    let timeout = match &test.timeout {
        Some(timeout) => format!("{} for the whole test (each attempt)", code(timeout)),
        None => format!(
            "none for the whole test; each step {} unless it says otherwise",
            code(context.default_step_timeout)
        ),
    };
    let _ = writeln!(out, "- **Timeout:** {timeout}");
    let retry = match &test.retry {
        Some(retry) => {
            let every = test
                .retry_every
                .as_ref()
                .map(|every| format!(", {} apart", code(every)))
                .unwrap_or_else(|| ", right away".to_string());
            let attempts = retry
                .parse::<u64>()
                .ok()
                .map(|count| format!(" ({} in all)", count + 1));
            format!(
                "up to {} more attempts after a failure{}{every}",
                code(retry),
                attempts.unwrap_or_default()
            )
        }
        None => "not retried: the first failure is the result".to_string(),
    };
    let _ = writeln!(out, "- **Retry:** {retry}");
    if !test.inner_timing.is_empty() {
        let _ = writeln!(out, "- **Inside the test:**");
        for note in &test.inner_timing {
            let _ = writeln!(out, "  - {note}");
        }
    }
    if !test.tags.is_empty() {
        let tags: Vec<String> = test.tags.iter().map(|tag| code(tag)).collect();
        let _ = writeln!(out, "- **Tags:** {}", tags.join(" "));
    }
    if let Some(reason) = &test.skip {
        let _ = writeln!(out, "- **Skipped:** {}", escape(reason));
    }
    if context.report.is_some() {
        let _ = writeln!(
            out,
            "- **Last result:** {}",
            last_result(context, suite, &test.name)
        );
    }
    if !test.behaviours.is_empty() {
        let _ = writeln!(out, "- **Expected behaviour:**");
        for behaviour in &test.behaviours {
            let _ = writeln!(out, "  - {}", behaviour_text(behaviour));
        }
    }
    if !test.source.is_empty() {
        let fence = fence_for(&test.source);
        let _ = writeln!(out, "\n{fence}rit\n{}\n{fence}", test.source);
    }
    out.push('\n');
}

fn behaviour_text(behaviour: &Behaviour) -> String {
    let expectations: Vec<String> = behaviour
        .expectations
        .iter()
        .map(|text| code(text))
        .collect();
    let mut text = match (&behaviour.step, expectations.is_empty()) {
        (Some(step), true) => format!("{} succeeds", code(step)),
        (Some(step), false) => format!("{} → {}", code(step), expectations.join(", ")),
        (None, _) => format!("expects {}", expectations.join(", ")),
    };
    let _ = write!(text, " (line {})", behaviour.line);
    if let Some(context) = &behaviour.context {
        let _ = write!(text, " — {context}");
    }
    text
}

fn retry_text(test: &TestDefinition) -> String {
    match &test.retry {
        Some(retry) => match &test.retry_every {
            Some(every) => format!("{} every {}", code(retry), code(every)),
            None => code(retry),
        },
        None => "–".to_string(),
    }
}

fn last_result(context: &Context, suite: &str, name: &str) -> String {
    let record: Option<&TestRecord> = context.report.and_then(|report| {
        report
            .tests
            .iter()
            .find(|test| test.suite == suite && test.name == name)
    });
    match record {
        Some(test) => format!(
            "{} {} ({})",
            result_emoji(test.status),
            test.status.as_str(),
            test.duration
        ),
        None => "not run".to_string(),
    }
}

fn services_and_params(out: &mut String, definitions: &Definitions) {
    if !definitions.services.is_empty() {
        let _ = writeln!(
            out,
            "## Services\n\nStarted once per run (`sh -c`, in their own process group) before the tests, stopped after them.\n"
        );
        out.push_str("| Service | Command | Readiness | Defined at |\n|---|---|---|---|\n");
        for service in &definitions.services {
            row(
                out,
                &[
                    &code(&service.name),
                    &code(&service.command),
                    &service
                        .ready
                        .as_deref()
                        .map_or_else(|| "– (none: tests start at once)".to_string(), code),
                    &code(&format!("{}:{}", service.file, service.line)),
                ],
            );
        }
        out.push('\n');
    }
    if !definitions.params.is_empty() {
        let _ = writeln!(
            out,
            "## Params and secrets\n\nA param is overridden with `--param NAME=VALUE` or `RIT_PARAM_NAME`; secrets are never shown.\n"
        );
        out.push_str("| Name | Kind | Default | Defined at |\n|---|---|---|---|\n");
        for param in &definitions.params {
            let default = if param.secret {
                "`***`".to_string()
            } else {
                match &param.default {
                    Some(default) => code(default),
                    None => "required".to_string(),
                }
            };
            row(
                out,
                &[
                    &code(&param.name),
                    if param.secret { "secret" } else { "param" },
                    &default,
                    &code(&format!("{}:{}", param.file, param.line)),
                ],
            );
        }
        out.push('\n');
    }
}

// ------------------------------------------------------------------ Markdown

fn action_name(action: FailureAction) -> &'static str {
    match action {
        FailureAction::Stop => "stop",
        FailureAction::Warn => "warn",
        FailureAction::Continue => "continue",
    }
}

fn action_meaning(action: FailureAction) -> &'static str {
    match action {
        FailureAction::Stop => "a failed test stops the run: no later test starts (exit 1)",
        FailureAction::Warn => {
            "a failed test is a warning: the run goes on and does not fail (PARTIAL, exit 0)"
        }
        FailureAction::Continue => {
            "a failed test fails the run, and the other tests still run (exit 1)"
        }
    }
}

fn run_emoji(status: model::RunStatus) -> &'static str {
    match status {
        model::RunStatus::Passed => "✅",
        model::RunStatus::Failed => "❌",
        model::RunStatus::Partial => "⚠️",
        model::RunStatus::Interrupted => "⏹️",
    }
}

fn result_emoji(status: TestResult) -> &'static str {
    match status {
        TestResult::Passed => "✅",
        TestResult::Failed => "❌",
        TestResult::Skipped => "⏭️",
        TestResult::Warned => "⚠️",
        TestResult::Interrupted => "⏹️",
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn capitalize(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A name in quotes, its Markdown escaped: `"API Ready"`.
fn quoted(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// Plain text with Markdown's special characters escaped.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(
            character,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~'
        ) {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

/// ritc's own sentences (suggestions, warnings, recommendations), which mark
/// code with backticks already: only what would become HTML or a table cell
/// border is escaped.
fn prose(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(character, '\\' | '<' | '>' | '|' | '*' | '[' | ']') {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

/// Inline code that holds any text: a fence longer than any run of backticks
/// inside, padded when the text starts or ends with one; on one line.
pub fn code(text: &str) -> String {
    let text = one_line(text);
    let longest = longest_run(&text, '`');
    let fence = "`".repeat(longest + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// A code block fence longer than any run of backticks in the text.
fn fence_for(text: &str) -> String {
    "`".repeat(longest_run(text, '`').max(2) + 1)
}

fn longest_run(text: &str, wanted: char) -> usize {
    let mut longest = 0;
    let mut current = 0;
    for character in text.chars() {
        if character == wanted {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

/// One table row; a `|` inside a cell (code included) is escaped, as GFM needs.
fn row(out: &mut String, cells: &[&str]) {
    out.push('|');
    for cell in cells {
        let cell = escape_pipes(cell);
        let _ = write!(out, " {cell} |");
    }
    out.push('\n');
}

fn escape_pipes(cell: &str) -> String {
    let mut escaped = String::with_capacity(cell.len());
    let mut previous = None;
    for character in cell.chars() {
        if character == '|' && previous != Some('\\') {
            escaped.push('\\');
        }
        if character == '\n' {
            escaped.push(' ');
        } else {
            escaped.push(character);
        }
        previous = Some(character);
    }
    escaped
}

/// A word for a shell: as it is when safe, else in single quotes.
fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "-_./:=@%+,".contains(character))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::tests::{SUITE, definitions_of};

    fn rendered(report: Option<&RunReport>) -> String {
        let (definitions, _) = definitions_of(SUITE);
        let context = Context {
            default_step_timeout: "30s",
            report,
            report_file: Some("report.json"),
        };
        render(
            &definitions,
            &context,
            &Masker::new(vec!["s3cret-Token-123".to_string()]),
        )
    }

    #[test]
    fn the_comment_has_every_definition() {
        let text = rendered(None);
        assert!(
            text.starts_with("# 🚦 Runtime Integration Checkpoints\n"),
            "{text}"
        );
        assert!(text.contains("### Checkpoint \"API Ready\""));
        assert!(text.contains("| Stage | `post-backend` |"));
        assert!(text.contains("| On failure | `stop` — a failed test stops the run"));
        assert!(text.contains("ritc run /suite/main.rit --checkpoint 'API Ready'"));
        assert!(
            text.contains("| Health | `5s` | `3` every `1s` | – |"),
            "{text}"
        );
        assert!(text.contains("- **Timeout:** `5s` for the whole test"));
        assert!(text.contains(
            "- **Retry:** up to `3` more attempts after a failure (4 in all), `1s` apart"
        ));
        assert!(text.contains("`GET \"{{base}}/health\" timeout 2s` → `status == 200`, `json.status == \"healthy\" (warn only)` (line 13)"), "{text}");
        assert!(text.contains("```rit\ntest \"Health\" timeout 5s retry 3 every 1s {\n  GET \"{{base}}/health\" timeout 2s\n"));
        assert!(text.contains("### Tests outside checkpoints"));
        assert!(text.contains("— `eventually within 10s every 500ms`"));
        assert!(text.contains(
            "| `api` | `demo serve --port 3000` | `ready http \"{{base}}/health\" within 30s` |"
        ));
        assert!(text.contains("| `token` | secret | `***` |"));
        assert!(!text.contains("s3cret-Token-123"));
        assert!(!text.contains("Last results"));
    }

    #[test]
    fn markdown_is_escaped_and_code_holds_backticks() {
        assert_eq!(escape("a_b*c|d"), "a\\_b\\*c\\|d");
        assert_eq!(code("a `b` c"), "``a `b` c``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(fence_for("no fences"), "```");
        assert_eq!(fence_for("```rit```"), "````");
        let mut out = String::new();
        row(&mut out, &["`a|b`", "c\\|d"]);
        assert_eq!(out, "| `a\\|b` | c\\|d |\n");
        assert_eq!(shell_quote("a b's"), "'a b'\\''s'");
        assert_eq!(shell_quote("examples/x.rit"), "examples/x.rit");
    }

    #[test]
    fn results_come_from_the_report() {
        let report = crate::report::json::parse(
            r#"{"format":"ritc-report/1",
                "test_run":{"timestamp":"2026-01-15T10:30:00Z","duration":"2.0s","status":"FAILED","files":["/suite/main.rit"]},
                "summary":{"total_tests":2,"passed":1,"failed":1,"skipped":0,"warnings":0},
                "failed_tests":[{"name":"Pipeline / Health","file":"/suite/main.rit","line":14,"reason":"status == 200: status was 503",
                                 "details":{"actual":{"status":503},"expected":"status == 200"},"suggestion":"read the service log","service_log":["[api] boom"]}],
                "tests":[{"suite":"Pipeline","name":"Health","file":"/suite/main.rit","line":12,"status":"failed","duration":"10ms","duration_ms":10.0,"attempts":4},
                         {"suite":"Pipeline","name":"Eventually consistent","file":"/suite/main.rit","line":19,"status":"passed","duration":"5ms","duration_ms":5.0,"attempts":1}]}"#,
        )
        .unwrap();
        let text = rendered(Some(&report));
        assert!(text.contains("## Last results: ❌ FAILED"));
        assert!(text.contains(
            "(from `report.json`): **1 passed, 1 failed, 0 skipped, 0 warnings** of 2 tests."
        ));
        assert!(
            text.contains("| Pipeline / Health | – | ❌ failed | 10ms | 4 |"),
            "{text}"
        );
        assert!(text.contains(
            "- ❌ **Pipeline / Health** at `/suite/main.rit:14`: `status == 200: status was 503`"
        ));
        assert!(text.contains("  - Actual `status`: `503`"));
        assert!(text.contains("  - Suggestion: read the service log"));
        assert!(text.contains("| Health | `5s` | `3` every `1s` | – | ❌ failed (10ms) |"));
        assert!(text.contains("[api] boom"));
    }
}
