//! What running produces: failures as data (not errors), test outcomes, and the
//! events the runner sends to reporters.

// A vocabulary (an enum the phases share) is matched arm by arm, so a new
// variant is a compile error wherever it needs a decision; a wildcard that is
// right is allowed where it stands, with its reason.
#![deny(clippy::wildcard_enum_match_arm)]

pub use crate::evidence::Evidence;
pub use crate::failure::{Cause, FailureKind, ProblemCause};
use crate::plan::FailureAction;
use crate::source::span::Span;
use crate::steps::exec::StepError;
use std::time::{Duration, SystemTime};

/// A failure, located at the statement that failed, explained with actual values.
#[derive(Clone, Debug)]
pub struct Failure {
    pub kind: FailureKind,
    /// Why, as data: what the report's suggestion is chosen by.
    pub cause: Cause,
    pub span: Span,
    /// One line: "status == 201: status was 409".
    pub message: String,
    /// The expectation as written, when the failure is one.
    pub expected: Option<String>,
    /// Each operand and its value: ("status", "409").
    pub actual: Vec<(String, String)>,
    /// More lines (a command's output, a response body, schema violations).
    pub detail: Option<String>,
    /// Other expectations of the same group that failed too.
    pub also: Vec<Failure>,
    /// What the step it happened at, or whose fields it read, saw: what its
    /// suggestion may cite (`crate::evidence`).
    pub evidence: Evidence,
}

impl Failure {
    /// A failure with the general cause of its kind (`because` says more).
    pub fn new(kind: FailureKind, span: Span, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            cause: kind.general_cause(),
            span,
            message: message.into(),
            expected: None,
            actual: Vec::new(),
            detail: None,
            also: Vec::new(),
            evidence: Evidence::default(),
        }
    }

    /// The failure of a step that could not be carried out, with its kind, cause
    /// and detail.
    pub fn of_step(error: StepError, span: Span) -> Failure {
        let mut failure = Failure::new(FailureKind::Step(error.kind), span, error.message)
            .because(error.cause)
            .with_detail(error.detail);
        failure.evidence = error.evidence.map(|evidence| *evidence).unwrap_or_default();
        failure
    }

    /// The same failure with a more precise cause.
    pub fn because(mut self, cause: Cause) -> Failure {
        self.cause = cause;
        self
    }

    pub fn with_detail(mut self, detail: Option<String>) -> Failure {
        self.detail = detail;
        self
    }
}

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepStatus {
    /// It was carried out (what its expectations say is separate).
    Ok,
    /// It could not be carried out; its `error` says why.
    Failed,
    /// Its own `timeout` or its test's ended it.
    Timeout,
    /// The run was interrupted while it ran.
    Interrupted,
}

impl StepStatus {
    /// The word in `step_finished` events.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Ok => "ok",
            StepStatus::Failed => "failed",
            StepStatus::Timeout => "timeout",
            StepStatus::Interrupted => "interrupted",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TestStatus {
    Passed,
    Failed,
    Skipped,
    /// Failed in a checkpoint whose failure action is `warn`.
    Warned,
    /// Running when the run was interrupted (Ctrl-C, SIGTERM, SIGHUP).
    Interrupted,
}

#[derive(Clone, Debug)]
pub struct TestOutcome {
    pub suite: String,
    pub name: String,
    pub file: String,
    pub line: usize,
    pub status: TestStatus,
    pub duration: Duration,
    pub attempts: u32,
    pub failure: Option<Failure>,
    /// `warn expect` that did not hold, as messages.
    pub warnings: Vec<String>,
    pub skip_reason: Option<String>,
    /// Skipped because the run stopped before it (a failed `stop` checkpoint,
    /// `--fail-fast`, an interrupt, a service or setup that failed), not by its
    /// own `skip`: its checkpoint did not complete.
    pub not_reached: bool,
    pub checkpoint: Option<(String, Option<String>, FailureAction)>,
    pub tags: Vec<String>,
    /// The last lines of the services' logs, attached to failures.
    pub service_log: Vec<ServiceLogLine>,
    /// Load results measured in this test, for reports.
    pub loads: Vec<serde_json::Value>,
}

/// A line of a service's log as a failure shows it: `[name] text`, and when
/// ritc read it (milliseconds since the Unix epoch), so that a suggestion can
/// say how long after the request it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceLogLine {
    pub text: String,
    pub unix_ms: Option<u64>,
    /// Read before the failed test started, to the precision of the clock
    /// (`unix_ms` is rounded to the millisecond): written before it, so never a
    /// line that test caused, however close the two milliseconds are.
    pub before_test: bool,
}

impl ServiceLogLine {
    /// A line whose time is not known (a report read back).
    pub fn untimed(text: impl Into<String>) -> ServiceLogLine {
        ServiceLogLine {
            text: text.into(),
            unix_ms: None,
            before_test: false,
        }
    }
}

/// What happened, in order, for reporters. Reporters never call back.
#[derive(Clone, Debug)]
pub enum Event {
    RunStarted {
        files: Vec<String>,
        tests: usize,
        started: SystemTime,
    },
    ServiceStarting {
        name: String,
    },
    ServiceReady {
        name: String,
        after: Duration,
    },
    TestStarted {
        suite: String,
        name: String,
    },
    StepStarted {
        suite: String,
        test: String,
        description: String,
    },
    /// A step ended: how long it took, and its error when it could not be
    /// carried out. Every `StepStarted` gets exactly one, also when the test is
    /// cut short (`run::open_steps`).
    StepFinished {
        suite: String,
        test: String,
        description: String,
        span: Span,
        duration: Duration,
        error: Option<String>,
        status: StepStatus,
    },
    /// An expectation did not hold; `warn_only` for a `warn expect`, which
    /// does not fail the test.
    ExpectationFailed {
        suite: String,
        test: String,
        failure: Box<Failure>,
        warn_only: bool,
    },
    /// An expectation on a duration held, but the measured value is within 10%
    /// of its limit (`latency.p99 < 200ms` with 185ms): a warning in reports.
    CloseToLimit {
        suite: String,
        test: String,
        span: Span,
        message: String,
    },
    /// A running step's progress as its kind words it (a `load`'s figures so far,
    /// about four times a second): for the live line on a terminal only; no report
    /// and no `--events` line carries it.
    StepProgress {
        suite: String,
        test: String,
        line: String,
    },
    /// `-v`: a step's request and response, secrets masked.
    Exchange {
        suite: String,
        test: String,
        text: String,
    },
    TestFinished(Box<TestOutcome>),
    /// What a started service used while the tests ran (peak memory and CPU),
    /// one per service, after the tests and before `RunFinished`, with the
    /// `load` each peak came in.
    ServiceUsage(crate::os::sampling::ServiceUsage, PeakLoads),
    /// A problem outside any test (setup, teardown, a service). `fails_run`:
    /// it makes the run FAILED (a setup, a teardown, a service); otherwise it
    /// is a warning (processes that outlived the run and were ended).
    RunProblem {
        message: String,
        detail: Option<String>,
        fails_run: bool,
        cause: ProblemCause,
        /// What was seen, for the suggestion (a readiness probe's history).
        evidence: Box<Evidence>,
    },
    /// Every selected test of a checkpoint has its outcome: how the checkpoint
    /// ended, and for a failed `stop` checkpoint how many tests it skipped.
    CheckpointSettled(Box<CheckpointOutcome>),
    /// What the run history says about this run (flaky tests, new failures,
    /// regressions), once, before `RunFinished`, when history is recorded.
    HistoryFindings(Vec<crate::history::Finding>),
    /// What came near a limit of a server the steps used (Redis memory, a
    /// database's connections), once, before `RunFinished`, when any did.
    ResourceWarnings(Vec<crate::watch::ResourceWarning>),
    RunFinished {
        summary: Summary,
    },
}

/// The `load` step that was running when a service's peak was reached, named
/// as warnings name it ("`load GET http://…/` (main.rit:14)", masked); none
/// for a peak outside every load.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeakLoads {
    pub rss: Option<String>,
    pub cpu: Option<String>,
}

/// How a checkpoint ended, from the outcomes of its selected tests.
#[derive(Clone, Debug)]
pub struct CheckpointOutcome {
    pub suite: String,
    pub name: String,
    pub stage: Option<String>,
    pub on_failure: FailureAction,
    pub status: CheckpointStatus,
    /// Its selected tests, in declaration order.
    pub tests: Vec<String>,
    /// Its tests' durations added up.
    pub duration: Duration,
    /// For a failed `stop` checkpoint: the tests that did not start because of it.
    pub skipped_after: usize,
    /// Its own tests that did not run because the run stopped before them.
    pub not_reached: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckpointStatus {
    /// Every test passed (or was skipped by its `skip` attribute, with one passing).
    Passed,
    /// A test failed, or (on failure warn) warned.
    Failed,
    /// No test ran.
    Skipped,
    /// Some tests passed, and the others did not run because the run stopped
    /// before them: the gate was not passed, it was never finished.
    Incomplete,
    /// A test was running when the run was interrupted.
    Interrupted,
}

impl CheckpointStatus {
    /// From the statuses of a checkpoint's tests, each with whether it was skipped
    /// because the run stopped before it (`TestOutcome::not_reached`): an
    /// interruption first, then a failure, then whether anything ran at all, then
    /// whether every test that was not skipped by its own `skip` ran.
    pub fn of(tests: impl IntoIterator<Item = (TestStatus, bool)>) -> CheckpointStatus {
        let tests: Vec<(TestStatus, bool)> = tests.into_iter().collect();
        let statuses: Vec<TestStatus> = tests.iter().map(|(status, _)| *status).collect();
        if statuses.contains(&TestStatus::Interrupted) {
            CheckpointStatus::Interrupted
        } else if statuses
            .iter()
            .any(|status| matches!(status, TestStatus::Failed | TestStatus::Warned))
        {
            CheckpointStatus::Failed
        } else if statuses.iter().all(|status| *status == TestStatus::Skipped) {
            CheckpointStatus::Skipped
        } else if tests.iter().any(|(_, not_reached)| *not_reached) {
            CheckpointStatus::Incomplete
        } else {
            CheckpointStatus::Passed
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CheckpointStatus::Passed => "passed",
            CheckpointStatus::Failed => "failed",
            CheckpointStatus::Skipped => "skipped",
            CheckpointStatus::Incomplete => "incomplete",
            CheckpointStatus::Interrupted => "interrupted",
        }
    }
}

/// The counts of a run. Every selected test is in exactly one of `passed`,
/// `failed`, `skipped`, `warned` and `interrupted_tests`, so they add up to
/// `total_tests`.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub total_tests: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub warned: usize,
    pub interrupted_tests: usize,
    /// Failed `warn` checkpoint tests and `warn expect`s that did not hold (the
    /// reports count every warning; see `report::model`).
    pub warnings: usize,
    /// A setup, a teardown or a service failed outside the tests.
    pub run_failed: bool,
    /// The run was stopped before every selected test ran.
    pub stopped_early: bool,
    /// Why: a failed `stop` checkpoint, `--fail-fast`, an interrupt, a service.
    pub stop_reason: Option<String>,
    pub interrupted: bool,
    #[serde(skip)]
    pub duration: Duration,
}
