//! The terminal reporter: a spinner with the step in flight (on a terminal), one
//! line per finished test with its time (and a table per `load` step: the live
//! line of a running load is the spinner's, on a terminal only), each failure
//! explained under its source line, and a summary. Output of parallel tests stays grouped per test.

use super::Reporter;
use super::model::{ReportBuilder, RunStatus, verdict_line};
use crate::mask::Masker;
use crate::plan::FailureAction;
use crate::run::outcome::{
    CheckpointOutcome, CheckpointStatus, Event, Failure, ServiceLogLine, TestOutcome, TestStatus,
};
use crate::source::source_map::SourceMap;
use crate::steps::load::text as load_text;
use crate::units::literal_duration;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

pub struct TerminalReporter {
    sources: Arc<SourceMap>,
    masker: Masker,
    color: bool,
    verbose: bool,
    spinner: Option<ProgressBar>,
    /// `-v` exchanges, kept until their test finishes so output stays grouped.
    exchanges: HashMap<(String, String), Vec<String>>,
    /// The same report the other formats render, so the summary line says
    /// what they say.
    builder: ReportBuilder,
    status: Option<RunStatus>,
}

impl TerminalReporter {
    pub fn new(
        sources: Arc<SourceMap>,
        masker: Masker,
        color: bool,
        live: bool,
        verbose: bool,
    ) -> TerminalReporter {
        let spinner = live.then(|| {
            let spinner = ProgressBar::new_spinner();
            spinner.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            spinner.enable_steady_tick(Duration::from_millis(100));
            spinner
        });
        TerminalReporter {
            builder: ReportBuilder::new(Arc::clone(&sources), None),
            sources,
            masker,
            color,
            verbose,
            spinner,
            exchanges: HashMap::new(),
            status: None,
        }
    }

    /// The run's status once it finished: what the summary line said, and what
    /// the exit code follows.
    pub fn status(&self) -> Option<RunStatus> {
        self.status
    }

    /// `checkpoint API Ready (post-backend): FAILED → stop: 7 tests skipped`
    fn checkpoint_settled(&self, checkpoint: &CheckpointOutcome) {
        let stage = checkpoint
            .stage
            .as_ref()
            .map(|stage| format!(" ({stage})"))
            .unwrap_or_default();
        let count = |count: usize| format!("{count} test{}", if count == 1 { "" } else { "s" });
        let verdict = match checkpoint.status {
            CheckpointStatus::Passed => format!(
                "{} ({}, {})",
                self.paint("32", "PASSED"),
                count(checkpoint.tests.len()),
                literal_duration(round_to_millis(checkpoint.duration))
            ),
            CheckpointStatus::Failed => {
                let consequence = match checkpoint.on_failure {
                    FailureAction::Stop => {
                        format!("stop: {} skipped", count(checkpoint.skipped_after))
                    }
                    FailureAction::Warn => "warn: a warning, the run goes on".to_string(),
                    FailureAction::Continue => {
                        "continue: the run fails, the other tests still run".to_string()
                    }
                };
                let color = if checkpoint.on_failure == FailureAction::Warn {
                    "33"
                } else {
                    "31"
                };
                format!("{} → {consequence}", self.paint(color, "FAILED"))
            }
            CheckpointStatus::Skipped => format!(
                "{} ({} not run)",
                self.paint("33", "SKIPPED"),
                count(checkpoint.tests.len())
            ),
            CheckpointStatus::Incomplete => {
                let not_run = checkpoint.not_reached;
                format!(
                    "{} ({} of {} not run: the run stopped)",
                    self.paint("33", "INCOMPLETE"),
                    not_run,
                    count(checkpoint.tests.len())
                )
            }
            CheckpointStatus::Interrupted => self.paint("31", "INTERRUPTED"),
        };
        self.print(&format!("checkpoint {}{stage}: {verdict}", checkpoint.name));
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn print(&self, text: &str) {
        let text = self.masker.mask(text);
        match &self.spinner {
            Some(spinner) => spinner.suspend(|| {
                let _ = writeln!(std::io::stderr(), "{text}");
            }),
            None => {
                let _ = writeln!(std::io::stderr(), "{text}");
            }
        }
    }

    fn test_finished(&mut self, outcome: &TestOutcome) {
        let (mark, color) = match outcome.status {
            TestStatus::Passed => ("✓", "32"),
            TestStatus::Failed => ("✗", "31"),
            TestStatus::Skipped => ("-", "33"),
            TestStatus::Warned => ("!", "33"),
            TestStatus::Interrupted => ("■", "31"),
        };
        let mut text = format!(
            "{} {} / {} {}",
            self.paint(color, mark),
            outcome.suite,
            outcome.name,
            self.paint(
                "2",
                &format!("({})", literal_duration(round_to_millis(outcome.duration)))
            )
        );
        if outcome.attempts > 1 {
            text.push_str(&format!(" after {} attempts", outcome.attempts));
        }
        if let Some(reason) = &outcome.skip_reason {
            text.push_str(&format!(" skipped: {reason}"));
        }
        if let Some(exchanges) = self
            .exchanges
            .remove(&(outcome.suite.clone(), outcome.name.clone()))
        {
            for exchange in exchanges {
                text.push('\n');
                text.push_str(&indent(&exchange, "    "));
            }
        }
        text.push_str(&load_tables(&outcome.loads));
        for warning in &outcome.warnings {
            text.push_str(&format!("\n  {} {warning}", self.paint("33", "warning:")));
        }
        if let Some(failure) = &outcome.failure {
            text.push('\n');
            text.push_str(&self.render_failure(failure, &outcome.service_log, &outcome.loads));
            if !outcome.service_log.is_empty() {
                text.push_str("  service log (last lines):\n");
                for line in &outcome.service_log {
                    text.push_str(&format!("    {}\n", line.text));
                }
            }
        }
        self.print(text.trim_end());
    }

    /// A failure rendered like a compile error: message, source line, values,
    /// and the suggestion the other reports give too.
    pub fn render_failure(
        &self,
        failure: &Failure,
        service_log: &[ServiceLogLine],
        loads: &[serde_json::Value],
    ) -> String {
        let mut notes = Vec::new();
        if let Some(detail) = &failure.detail {
            notes.push(detail.clone());
        }
        for other in &failure.also {
            notes.push(format!(
                "also: {} ({})",
                other.message,
                self.sources.file_line(other.span)
            ));
        }
        if let Some(suggestion) =
            super::model::failure_record(&self.sources, failure, service_log, loads).suggestion
        {
            notes.push(format!("suggestion: {suggestion}"));
        }
        let label = match &failure.expected {
            Some(_) => "this expectation failed".to_string(),
            None => "failed here".to_string(),
        };
        let diagnostic = cs::Diagnostic::error()
            .with_message(failure.message.clone())
            .with_labels(vec![
                cs::Label::primary(failure.span.file.0 as usize, failure.span.range())
                    .with_message(label),
            ])
            .with_notes(notes);
        let config = term::Config {
            chars: term::Chars::ascii(),
            ..term::Config::default()
        };
        match crate::diagnostics::render::snippet_into_string(&self.sources, &config, &diagnostic) {
            Ok(text) => indent(&text, "  "),
            Err(_) => format!(
                "  {}: {}\n",
                self.sources.file_line(failure.span),
                failure.message
            ),
        }
    }
}

/// The table of each load step of a test, to go under its line.
pub fn load_tables(loads: &[serde_json::Value]) -> String {
    let mut text = String::new();
    for (index, record) in loads.iter().enumerate() {
        if loads.len() == 1 {
            text.push_str("\n  load:\n");
        } else {
            text.push_str(&format!("\n  load {} of {}:\n", index + 1, loads.len()));
        }
        text.push_str(load_text::table(record, "    ").trim_end());
    }
    text
}

/// The live line of a running step: its test, then the line its kind gave.
pub fn progress_message(suite: &str, test: &str, line: &str) -> String {
    format!("{suite} / {test}: {line}")
}

fn round_to_millis(duration: Duration) -> Duration {
    Duration::from_millis(duration.as_millis() as u64)
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}\n"))
        .collect()
}

impl Reporter for TerminalReporter {
    fn event(&mut self, event: &Event) {
        self.builder.event(event);
        match event {
            Event::RunStarted { files, tests, .. } => {
                self.print(&format!(
                    "running {tests} test{} from {}",
                    if *tests == 1 { "" } else { "s" },
                    files.join(", ")
                ));
            }
            Event::ServiceStarting { name } => {
                if let Some(spinner) = &self.spinner {
                    spinner.set_message(format!("starting service {name}"));
                }
            }
            Event::ServiceReady { name, after } => {
                self.print(&format!(
                    "  service {name} ready ({})",
                    literal_duration(round_to_millis(*after))
                ));
            }
            Event::TestStarted { suite, name } => {
                if let Some(spinner) = &self.spinner {
                    spinner.set_message(self.masker.mask(&format!("{suite} / {name}")));
                }
            }
            Event::StepStarted {
                suite,
                test,
                description,
            } => {
                if let Some(spinner) = &self.spinner {
                    spinner.set_message(
                        self.masker
                            .mask(&format!("{suite} / {test}: {description}")),
                    );
                }
            }
            Event::StepProgress { suite, test, line } => {
                if let Some(spinner) = &self.spinner {
                    spinner.set_message(self.masker.mask(&progress_message(suite, test, line)));
                }
            }
            Event::Exchange { suite, test, text } => {
                if self.verbose {
                    self.exchanges
                        .entry((suite.clone(), test.clone()))
                        .or_default()
                        .push(text.clone());
                }
            }
            Event::TestFinished(outcome) => self.test_finished(outcome),
            // Step timings, failed expectations and durations close to their limit
            // are for the other reporters: the terminal explains failures once,
            // when their test finishes.
            Event::StepFinished { .. }
            | Event::ExpectationFailed { .. }
            | Event::CloseToLimit { .. } => {}
            Event::ServiceUsage(usage, loads) => {
                // Only what reached a warning limit; every number is in the reports.
                let record = crate::report::model::ServiceUsageRecord::new(usage, loads);
                for warning in crate::report::model::service_warnings(&[record]) {
                    let text = format!("{} {warning}", self.paint("33", "warning:"));
                    self.print(&self.masker.mask(&text));
                }
            }
            Event::CheckpointSettled(checkpoint) => self.checkpoint_settled(checkpoint),
            Event::ResourceWarnings(warnings) => {
                for warning in warnings {
                    let text = format!("{} {}", self.paint("33", "warning:"), warning.message);
                    self.print(&self.masker.mask(&text));
                }
            }
            Event::HistoryFindings(findings) => {
                for finding in findings {
                    let text = format!("{} {}", self.paint("33", "history:"), finding.message);
                    self.print(&self.masker.mask(&text));
                }
            }
            Event::RunProblem {
                message,
                detail,
                fails_run,
                cause,
                evidence,
            } => {
                let label = if *fails_run {
                    self.paint("31", "error:")
                } else {
                    self.paint("33", "warning:")
                };
                let mut text = format!("{label} {message}");
                if let Some(detail) = detail {
                    text.push('\n');
                    text.push_str(&indent(detail, "  "));
                }
                if let Some(suggestion) =
                    super::suggest::for_problem(*cause, evidence, detail.as_deref())
                {
                    text.push_str(&format!("\n  suggestion: {suggestion}"));
                }
                self.print(text.trim_end());
            }
            Event::RunFinished { summary } => {
                if let Some(spinner) = self.spinner.take() {
                    spinner.finish_and_clear();
                }
                let report = self.builder.report(&self.masker);
                let status = report.test_run.status;
                self.status = Some(status);
                if let Some(reason) = &summary.stop_reason {
                    self.print(&format!(
                        "\n{} {reason}: the tests that had not started were skipped",
                        self.paint("33", "stopped:")
                    ));
                }
                let line = verdict_line(
                    status,
                    &report.summary,
                    &literal_duration(round_to_millis(summary.duration)),
                );
                let color = match status {
                    RunStatus::Passed => "32",
                    RunStatus::Partial => "33",
                    RunStatus::Failed | RunStatus::Interrupted => "31",
                };
                let (head, rest) = line.split_once(':').unwrap_or((&line, ""));
                self.print(&format!("\n{}:{rest}", self.paint(color, head)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_progress_message_names_the_test_before_the_line_of_its_step() {
        assert_eq!(
            progress_message("Shop", "browse", "load  1.5s / 5s  600 requests"),
            "Shop / browse: load  1.5s / 5s  600 requests"
        );
    }

    #[test]
    fn each_load_of_a_test_gets_a_table_under_its_line() {
        let record = json!({
            "requests": 20, "succeeded": 20, "failed": 0, "dropped": 0,
            "throughput": 10.0, "duration": "2s",
            "latency": {"min": "1ms", "avg": "2ms", "p50": "2ms", "p90": "3ms",
                        "p95": "3ms", "p99": "4ms", "p999": "4ms", "max": "4ms"},
            "statuses": {"200": 20}, "errors": {},
        });
        let one = load_tables(std::slice::from_ref(&record));
        assert_eq!(
            one,
            [
                "",
                "  load:",
                "      requests  succeeded  failed  dropped  throughput  duration",
                "            20         20       0        0  10.0 req/s        2s",
                "    latency  min  avg  p50  p90  p95  p99  max",
                "             1ms  2ms  2ms  3ms  3ms  4ms  4ms",
                "    statuses  200: 20",
            ]
            .join("\n")
        );
        let two = load_tables(&[record.clone(), record]);
        assert!(two.contains("\n  load 1 of 2:\n") && two.contains("\n  load 2 of 2:\n"));
        assert!(load_tables(&[]).is_empty());
    }
}
