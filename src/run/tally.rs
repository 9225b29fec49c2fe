//! The verdict as a run goes: every selected test's outcome counted exactly
//! once (and announced, as `TestFinished`, from here only), each checkpoint
//! settled when its last selected test has its outcome, problems outside the
//! tests, and why tests that have not started will not start (a failed `stop`
//! checkpoint, `--fail-fast`, an interrupt, a service that never became ready).
//! The runner decides what runs; this only counts, so the buckets always add
//! up to the selected tests. Must not import `syntax::ast` or `check`.

use super::outcome::{
    CheckpointOutcome, CheckpointStatus, Event, Evidence, ProblemCause, Summary, TestOutcome,
    TestStatus,
};
use crate::history::{LoadEntry, TestEntry};
use crate::plan::{FailureAction, Plan};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Why a test did not start after an interrupt.
pub const INTERRUPTED_REASON: &str = "interrupted";

pub struct Tally {
    events: UnboundedSender<Event>,
    fail_fast: bool,
    summary: Summary,
    /// Selected tests that have neither started nor been given an outcome.
    not_started: usize,
    checkpoints: Vec<CheckpointProgress>,
    halt: Option<String>,
    /// What each finished test did, for the run history.
    history: Vec<TestEntry>,
}

/// A checkpoint's selected tests and the outcomes they have so far.
struct CheckpointProgress {
    suite_index: usize,
    outcome: CheckpointOutcome,
    /// Each outcome so far, with whether the run stopped before that test.
    statuses: Vec<(TestStatus, bool)>,
    settled: bool,
}

impl Tally {
    pub fn new(
        plan: &Plan,
        selected: &[(usize, usize)],
        fail_fast: bool,
        events: UnboundedSender<Event>,
    ) -> Tally {
        let mut checkpoints: Vec<CheckpointProgress> = Vec::new();
        for &(suite_index, test_index) in selected {
            let Some(suite) = plan.suites.get(suite_index) else {
                continue;
            };
            let Some(test) = suite.tests.get(test_index) else {
                continue;
            };
            let Some(checkpoint) = &test.checkpoint else {
                continue;
            };
            match checkpoints.iter_mut().find(|known| {
                known.suite_index == suite_index && known.outcome.name == checkpoint.name
            }) {
                Some(known) => known.outcome.tests.push(test.name.clone()),
                None => checkpoints.push(CheckpointProgress {
                    suite_index,
                    outcome: CheckpointOutcome {
                        suite: suite.name.clone(),
                        name: checkpoint.name.clone(),
                        stage: checkpoint.stage.clone(),
                        on_failure: checkpoint.on_failure,
                        status: CheckpointStatus::Skipped,
                        tests: vec![test.name.clone()],
                        duration: Duration::ZERO,
                        skipped_after: 0,
                        not_reached: 0,
                    },
                    statuses: Vec::new(),
                    settled: false,
                }),
            }
        }
        Tally {
            events,
            fail_fast,
            summary: Summary {
                total_tests: selected.len(),
                ..Summary::default()
            },
            not_started: selected.len(),
            checkpoints,
            halt: None,
            history: Vec::new(),
        }
    }

    /// Why no further test may start, once something stopped the run.
    pub fn halt_reason(&self) -> Option<&str> {
        self.halt.as_deref()
    }

    /// Stops the run from starting tests; the first reason is the one given.
    pub fn halt(&mut self, reason: &str) {
        if self.halt.is_none() {
            self.halt = Some(reason.to_string());
        }
    }

    /// A test is about to run.
    pub fn started(&mut self) {
        self.not_started = self.not_started.saturating_sub(1);
    }

    /// A test that will not run, with its outcome (status skipped, the reason).
    pub fn skipped(&mut self, suite_index: usize, outcome: TestOutcome) {
        self.started();
        self.finished(suite_index, outcome);
    }

    /// A test's outcome: announced, counted, and applied to its checkpoint; a
    /// failure may halt the run (`--fail-fast`, an `on failure stop` checkpoint).
    pub fn finished(&mut self, suite_index: usize, outcome: TestOutcome) {
        match outcome.status {
            TestStatus::Passed => self.summary.passed += 1,
            TestStatus::Failed => self.summary.failed += 1,
            TestStatus::Skipped => self.summary.skipped += 1,
            TestStatus::Warned => self.summary.warned += 1,
            TestStatus::Interrupted => self.summary.interrupted_tests += 1,
        }
        self.summary.warnings +=
            outcome.warnings.len() + usize::from(outcome.status == TestStatus::Warned);
        let checkpoint = outcome.checkpoint.clone();
        if outcome.status == TestStatus::Failed && self.halt.is_none() {
            match &checkpoint {
                Some((name, stage, FailureAction::Stop)) => {
                    self.halt = Some(stop_reason(name, stage.as_deref()));
                    // Nothing starts after this: every test not yet started is
                    // skipped because of this checkpoint.
                    let not_started = self.not_started;
                    if let Some(progress) = self.progress(suite_index, name) {
                        progress.outcome.skipped_after = not_started;
                    }
                }
                _ if self.fail_fast => {
                    self.halt = Some(format!(
                        "`--fail-fast`: `{} / {}` failed",
                        outcome.suite, outcome.name
                    ));
                }
                _ => {}
            }
        }
        self.history.push(history_entry(&outcome));
        let status = (outcome.status, outcome.not_reached);
        let duration = outcome.duration;
        let _ = self.events.send(Event::TestFinished(Box::new(outcome)));
        if let Some((name, _, _)) = checkpoint
            && let Some(progress) = self.progress(suite_index, &name)
        {
            progress.statuses.push(status);
            progress.outcome.duration += duration;
            if !progress.settled && progress.statuses.len() >= progress.outcome.tests.len() {
                progress.settled = true;
                progress.outcome.status = CheckpointStatus::of(progress.statuses.iter().copied());
                progress.outcome.not_reached = progress
                    .statuses
                    .iter()
                    .filter(|(_, not_reached)| *not_reached)
                    .count();
                let settled = Event::CheckpointSettled(Box::new(progress.outcome.clone()));
                let _ = self.events.send(settled);
            }
        }
    }

    /// A problem outside the tests, announced; one that `fails_run` makes the
    /// run FAILED without being counted as a test.
    pub fn problem(
        &mut self,
        cause: ProblemCause,
        message: String,
        detail: Option<String>,
        fails_run: bool,
    ) {
        self.problem_with_evidence(cause, message, detail, fails_run, Evidence::default());
    }

    /// The same, with what was seen (a readiness probe's history).
    pub fn problem_with_evidence(
        &mut self,
        cause: ProblemCause,
        message: String,
        detail: Option<String>,
        fails_run: bool,
        evidence: Evidence,
    ) {
        self.summary.run_failed |= fails_run;
        let _ = self.events.send(Event::RunProblem {
            message,
            detail,
            fails_run,
            cause,
            evidence: Box::new(evidence),
        });
    }

    /// What each test did so far, for the run history; taken once.
    pub fn take_history(&mut self) -> Vec<TestEntry> {
        std::mem::take(&mut self.history)
    }

    /// The counts; `stopped_early` when something halted the run.
    pub fn summary(&self) -> Summary {
        let mut summary = self.summary.clone();
        summary.stopped_early |= self.halt.is_some();
        summary.stop_reason = self.halt.clone();
        summary
    }

    fn progress(&mut self, suite_index: usize, name: &str) -> Option<&mut CheckpointProgress> {
        self.checkpoints
            .iter_mut()
            .find(|known| known.suite_index == suite_index && known.outcome.name == name)
    }
}

fn history_entry(outcome: &TestOutcome) -> TestEntry {
    TestEntry {
        suite: outcome.suite.clone(),
        name: outcome.name.clone(),
        file: outcome.file.clone(),
        status: match outcome.status {
            TestStatus::Passed => "passed",
            TestStatus::Failed => "failed",
            TestStatus::Skipped => "skipped",
            TestStatus::Warned => "warned",
            TestStatus::Interrupted => "interrupted",
        }
        .to_string(),
        attempts: outcome.attempts,
        duration_ms: outcome.duration.as_secs_f64() * 1000.0,
        loads: outcome
            .loads
            .iter()
            .filter_map(LoadEntry::from_report)
            .collect(),
    }
}

/// "checkpoint `API Ready` (stage `post-backend`) failed with on failure stop"
pub fn stop_reason(name: &str, stage: Option<&str>) -> String {
    match stage {
        Some(stage) => format!("checkpoint `{name}` (stage `{stage}`) failed with on failure stop"),
        None => format!("checkpoint `{name}` failed with on failure stop"),
    }
}
