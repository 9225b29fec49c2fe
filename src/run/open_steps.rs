//! The steps of one test (or `setup`, `teardown`) that have started and not yet
//! finished, innermost last (a step inside a `ws` block is inside the `ws` step).
//! It keeps the event stream whole: every `StepStarted` gets exactly one
//! `StepFinished`, also when the test is cut short — by its timeout (`timed_out`,
//! which also names the step that was running) or by an interrupt that drops the
//! test (`Drop`). Must not import `syntax::ast` or `check`.

use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::outcome::{Event, Failure, FailureKind, StepStatus};
use crate::source::source_map::SourceMap;
use crate::source::span::Span;
use crate::units::literal_duration;

/// How much of a step's source text a timeout failure quotes.
const QUOTED_STEP_CHARS: usize = 100;

/// A step that has started and not finished.
#[derive(Clone, Debug)]
struct OpenStep {
    description: String,
    span: Span,
    started: Instant,
    /// The same moment on the wall clock: a timed-out test's failure is timed
    /// from it, so that the service-log lines its suggestion quotes are said
    /// to come so long after the request.
    started_unix_ms: u64,
}

/// The open steps of one test context, and where their events go.
pub struct OpenSteps {
    events: UnboundedSender<Event>,
    suite: String,
    test: String,
    steps: Vec<OpenStep>,
}

impl OpenSteps {
    pub fn new(events: UnboundedSender<Event>, suite: String, test: String) -> OpenSteps {
        OpenSteps {
            events,
            suite,
            test,
            steps: Vec::new(),
        }
    }

    /// Tells reporters the step started and notes it open; returns when it started.
    pub fn start(&mut self, description: String, span: Span) -> Instant {
        let _ = self.events.send(Event::StepStarted {
            suite: self.suite.clone(),
            test: self.test.clone(),
            description: description.clone(),
        });
        let started = Instant::now();
        self.steps.push(OpenStep {
            description,
            span,
            started,
            started_unix_ms: crate::evidence::unix_ms(std::time::SystemTime::now()),
        });
        started
    }

    /// Tells reporters that the innermost open step ended: `error` says why it
    /// could not be carried out, `status` how it ended.
    pub fn finish(&mut self, error: Option<String>, status: StepStatus) {
        if let Some(step) = self.steps.pop() {
            self.send_finished(step, error, status);
        }
    }

    fn send_finished(&self, step: OpenStep, error: Option<String>, status: StepStatus) {
        let _ = self.events.send(Event::StepFinished {
            suite: self.suite.clone(),
            test: self.test.clone(),
            description: step.description,
            span: step.span,
            duration: step.started.elapsed(),
            error,
            status,
        });
    }

    /// Ends every open step, innermost first, as `status` for `reason`; returns
    /// the innermost, with how long it ran.
    fn cut_short(&mut self, status: StepStatus, reason: &str) -> Option<(OpenStep, Duration)> {
        let innermost = self
            .steps
            .last()
            .map(|step| (step.clone(), step.started.elapsed()));
        while let Some(step) = self.steps.pop() {
            self.send_finished(step, Some(reason.to_string()), status);
        }
        innermost
    }

    /// The failure of a test whose `timeout` passed. It is at the step that was
    /// running (the innermost), naming its text, `file:line` and how long it had
    /// run, and that step (and any around it) ends as `timeout`; at the test's
    /// line when no step was running.
    pub fn timed_out(&mut self, limit: Duration, test_span: Span, sources: &SourceMap) -> Failure {
        let limit_text = literal_duration(limit);
        let reason = format!("the test's timeout of {limit_text} ended it");
        let headline = format!("the test did not finish within its timeout of {limit_text}");
        match self.cut_short(StepStatus::Timeout, &reason) {
            Some((step, ran)) => {
                let mut failure = Failure::new(
                    FailureKind::TestTimeout,
                    step.span,
                    format!(
                        "{headline}: `{}` ({}) had run for {}",
                        quoted_step(sources.text(step.span)),
                        sources.file_line(step.span),
                        literal_duration(Duration::from_millis(ran.as_millis() as u64))
                    ),
                );
                failure.evidence.started_unix_ms = Some(step.started_unix_ms);
                failure
            }
            None => Failure::new(FailureKind::TestTimeout, test_span, headline),
        }
    }
}

impl Drop for OpenSteps {
    /// The test was dropped while steps ran: only an interrupt does that (a
    /// timeout ends its steps first, with `timed_out`).
    fn drop(&mut self) {
        self.cut_short(
            StepStatus::Interrupted,
            "the run was interrupted while it ran",
        );
    }
}

/// A step's source text on one line: its first line, cut at
/// `QUOTED_STEP_CHARS` characters, `…` where something was left out.
fn quoted_step(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().trim();
    let mut quoted: String = first.chars().take(QUOTED_STEP_CHARS).collect();
    if first.chars().count() > QUOTED_STEP_CHARS || lines.next().is_some() {
        quoted.push_str(" …");
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::unbounded_channel;

    fn kinds(events: &mut tokio::sync::mpsc::UnboundedReceiver<Event>) -> Vec<String> {
        let mut seen = Vec::new();
        while let Ok(event) = events.try_recv() {
            seen.push(match event {
                Event::StepStarted { description, .. } => format!("started {description}"),
                Event::StepFinished {
                    description,
                    status,
                    ..
                } => format!("finished {description} {}", status.as_str()),
                other => format!("{other:?}"),
            });
        }
        seen
    }

    #[test]
    fn every_started_step_finishes_once_also_when_dropped() {
        let (sender, mut events) = unbounded_channel();
        let mut steps = OpenSteps::new(sender, "S".into(), "t".into());
        steps.start("ws ws://x".into(), Span::default());
        steps.start("GET http://y".into(), Span::default());
        steps.finish(None, StepStatus::Ok);
        steps.start("run sleep 5".into(), Span::default());
        drop(steps);
        assert_eq!(
            kinds(&mut events),
            [
                "started ws ws://x",
                "started GET http://y",
                "finished GET http://y ok",
                "started run sleep 5",
                "finished run sleep 5 interrupted",
                "finished ws ws://x interrupted",
            ]
        );
    }

    #[test]
    fn a_step_is_quoted_on_one_short_line() {
        assert_eq!(quoted_step("run \"sleep 5\""), "run \"sleep 5\"");
        assert_eq!(
            quoted_step("POST \"http://x\" json {\n  a: 1\n}"),
            "POST \"http://x\" json { …"
        );
        let long = "x".repeat(300);
        assert_eq!(
            quoted_step(&long).chars().count(),
            QUOTED_STEP_CHARS + " …".chars().count()
        );
    }
}
