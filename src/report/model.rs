//! The report of a run as data: what every file format renders, what the JSON
//! report stores and what `ritc merge` reads back. `ReportBuilder` makes it from
//! the runner's events; `finish` derives the parts that are computed from the
//! tests (failed tests, warnings, recommendations, status), so a merged report
//! is derived the same way as a single one. No IO here.

use super::suggest;
use crate::evidence::Evidence;
use crate::mask::Masker;
use crate::os::sampling::ServiceUsage;
pub use crate::run::outcome::CheckpointStatus;
use crate::run::outcome::{
    Cause, Event, Failure, FailureKind, PeakLoads, ProblemCause, ServiceLogLine, Summary,
    TestOutcome, TestStatus,
};
use crate::source::source_map::SourceMap;
use crate::units::{binary_size, measured_percent, summary_duration};
use crate::watch::ResourceWarning;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The value of the JSON report's `format` field; `ritc merge` reads only this.
pub const REPORT_FORMAT: &str = "ritc-report/1";

/// A whole run. The first five fields are the YAML report (docs/reports.md); the JSON
/// report adds `format`, the extra `test_run` fields, `tests` and `problems`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunReport {
    #[serde(default)]
    pub format: String,
    pub test_run: TestRun,
    pub summary: ReportSummary,
    #[serde(default)]
    pub failed_tests: Vec<FailedTest>,
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub recommendations: Vec<String>,
    /// Every test that ran or was skipped, in declaration order: by file (in the
    /// order of `files`), then line.
    #[serde(default)]
    pub tests: Vec<TestRecord>,
    /// Failures outside any test: a service that did not start, a teardown.
    #[serde(default)]
    pub problems: Vec<Problem>,
    /// What each started service used while the tests ran, in start order
    /// (empty with `--no-start` or when the run started none).
    #[serde(default)]
    pub services: Vec<ServiceUsageRecord>,
    /// What came near a limit of a server the steps used (Redis memory, a
    /// database's connections), sampled while the tests ran (`watch`); each is
    /// also one of `warnings`. Empty with `--no-watch`.
    #[serde(default)]
    pub resources: Vec<ResourceWarning>,
    /// Each checkpoint with selected tests, in declaration order: how it ended.
    /// Derived from `tests` by `finish`.
    #[serde(default)]
    pub checkpoints: Vec<CheckpointSummary>,
}

/// How a checkpoint ended: `failed` when a test of it failed (or, on failure
/// warn, warned), `interrupted`, `skipped` when none of its tests ran, else
/// `passed`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckpointSummary {
    pub name: String,
    pub stage: Option<String>,
    /// `stop`, `warn` or `continue`.
    pub on_failure: String,
    pub status: CheckpointStatus,
    pub file: String,
    pub suite: String,
    /// Its tests' names, in declaration order.
    pub tests: Vec<String>,
    /// Its tests' durations added up.
    pub duration: String,
    pub duration_ms: f64,
}

/// A service's CPU use at or above this (percent of one core, sustained over a
/// 1-second window) is a warning.
pub const SERVICE_CPU_WARNING_PERCENT: f64 = 80.0;

/// A service's resident memory at or above this (all its processes together)
/// is a warning: 512 MiB.
pub const SERVICE_RSS_WARNING_BYTES: u64 = 512 * 1024 * 1024;

/// What one started service used while the tests ran, sampled from its
/// process tree (`os::sampling`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServiceUsageRecord {
    pub name: String,
    /// The most resident memory (RSS) its processes held together.
    pub peak_rss_bytes: u64,
    /// The same, for people: "212.4 MiB".
    pub peak_rss: String,
    /// The highest CPU use over a 1-second window, in percent of one core
    /// (200 = two cores busy); over the whole sampled time when shorter; none
    /// when that was under half a second (too short for a figure that means
    /// anything, rather than 0.0%).
    #[serde(default)]
    pub peak_cpu_percent: Option<f64>,
    /// CPU time (user + system) its processes used while sampled.
    pub cpu_seconds: f64,
    /// The most processes it had at once.
    pub processes: usize,
    pub samples: u32,
    /// How long it was sampled.
    pub sampled_ms: f64,
    /// When its peak memory was first reached, in milliseconds since the run
    /// started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_at_ms: Option<f64>,
    /// When the 1-second window of its peak CPU ended, the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_cpu_at_ms: Option<f64>,
    /// The `load` its peak memory came in ("`load GET …` (main.rit:14)"); none
    /// outside every load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_during: Option<String>,
    /// The `load` its peak CPU came in, the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_cpu_during: Option<String>,
    /// The limits it reached: `cpu` (`SERVICE_CPU_WARNING_PERCENT`), `memory`
    /// (`SERVICE_RSS_WARNING_BYTES`). Derived by `finish`.
    #[serde(default)]
    pub high: Vec<String>,
}

impl ServiceUsageRecord {
    /// The record of `usage`, with the load each peak came in.
    pub fn new(usage: &ServiceUsage, loads: &PeakLoads) -> ServiceUsageRecord {
        ServiceUsageRecord {
            name: usage.name.clone(),
            peak_rss_bytes: usage.peak_rss_bytes,
            peak_rss: binary_size(usage.peak_rss_bytes),
            peak_cpu_percent: usage
                .peak_cpu_percent
                .map(|percent| (percent * 10.0).round() / 10.0),
            cpu_seconds: (usage.cpu_seconds * 100.0).round() / 100.0,
            processes: usage.max_processes,
            samples: usage.samples,
            sampled_ms: millis(usage.sampled),
            peak_rss_at_ms: usage.peak_rss_at.map(millis),
            peak_cpu_at_ms: usage.peak_cpu_at.map(millis),
            peak_rss_during: loads.rss.clone(),
            peak_cpu_during: loads.cpu.clone(),
            high: Vec::new(),
        }
    }

    pub fn high_cpu(&self) -> bool {
        self.peak_cpu_percent
            .is_some_and(|percent| percent >= SERVICE_CPU_WARNING_PERCENT)
    }

    pub fn high_memory(&self) -> bool {
        self.peak_rss_bytes >= SERVICE_RSS_WARNING_BYTES
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunStatus {
    #[serde(rename = "PASSED")]
    Passed,
    #[serde(rename = "FAILED")]
    Failed,
    #[serde(rename = "PARTIAL")]
    Partial,
    #[serde(rename = "INTERRUPTED")]
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Passed => "PASSED",
            RunStatus::Failed => "FAILED",
            RunStatus::Partial => "PARTIAL",
            RunStatus::Interrupted => "INTERRUPTED",
        }
    }

    /// The exit code of `ritc run` and `ritc merge` (docs/reports.md): PARTIAL
    /// exits 0 like PASSED, because only what the user declared non-blocking
    /// (`on failure warn`, `warn expect`) made it partial; the status in every
    /// report says it.
    pub fn exit_code(self) -> u8 {
        match self {
            RunStatus::Passed | RunStatus::Partial => 0,
            RunStatus::Failed => 1,
            RunStatus::Interrupted => 3,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TestRun {
    /// The start, UTC, RFC 3339, to the second.
    pub timestamp: String,
    /// "45.2s"
    pub duration: String,
    pub status: RunStatus,
    pub files: Vec<String>,
    /// The start in milliseconds since the Unix epoch (for `merge`).
    #[serde(default)]
    pub started_unix_ms: u64,
    #[serde(default)]
    pub duration_ms: f64,
    /// `K/N` of `--shard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Not every selected test ran (`--fail-fast`, a `stop` checkpoint, Ctrl-C).
    #[serde(default)]
    pub stopped_early: bool,
    /// Why it stopped early: "checkpoint `X` (stage `s`) failed with on failure
    /// stop", "`--fail-fast`: …", an interrupt, a service that was not ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    #[serde(default)]
    pub interrupted: bool,
    /// For a merged report: the shards it was made of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSummary {
    /// `passed + failed + skipped + warned + interrupted`: every selected test
    /// is in exactly one of them.
    pub total_tests: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Tests of `on failure warn` checkpoints that failed.
    #[serde(default)]
    pub warned: usize,
    /// Tests that were running when the run was interrupted.
    #[serde(default)]
    pub interrupted: usize,
    /// The number of entries of `warnings`.
    pub warnings: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FailedTest {
    /// "suite / test"
    pub name: String,
    pub file: String,
    /// The line of the failed expectation (or step).
    pub line: usize,
    pub reason: String,
    pub details: Details,
    pub suggestion: Option<String>,
    pub service_log: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Details {
    /// Each operand of the failed expectation and its value.
    pub actual: Map<String, Json>,
    /// The expectation as written.
    pub expected: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestResult {
    Passed,
    Failed,
    Skipped,
    /// Failed in a checkpoint whose failure action is `warn`.
    Warned,
    /// Running when the run was interrupted.
    Interrupted,
}

impl TestResult {
    pub fn as_str(self) -> &'static str {
        match self {
            TestResult::Passed => "passed",
            TestResult::Failed => "failed",
            TestResult::Skipped => "skipped",
            TestResult::Warned => "warned",
            TestResult::Interrupted => "interrupted",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TestRecord {
    pub suite: String,
    pub name: String,
    pub file: String,
    pub line: usize,
    pub status: TestResult,
    pub duration: String,
    pub duration_ms: f64,
    pub attempts: u32,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub checkpoint: Option<CheckpointRecord>,
    #[serde(default)]
    pub skip_reason: Option<String>,
    /// Skipped because the run stopped before it, not by its own `skip` (so its
    /// checkpoint is `incomplete`); written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_reached: bool,
    /// `warn expect` lines that did not hold.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Expectations that held with a duration within 10% of its limit, as
    /// `file:line: message`.
    #[serde(default)]
    pub close_to_limit: Vec<String>,
    #[serde(default)]
    pub failure: Option<FailureRecord>,
    #[serde(default)]
    pub steps: Vec<StepRecord>,
    #[serde(default)]
    pub service_log: Vec<String>,
    /// The result record of each `load` step, as the load engine gives it.
    #[serde(default)]
    pub loads: Vec<Json>,
}

impl TestRecord {
    pub fn full_name(&self) -> String {
        format!("{} / {}", self.suite, self.name)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckpointRecord {
    pub name: String,
    pub stage: Option<String>,
    /// `stop`, `warn` or `continue`.
    pub on_failure: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FailureRecord {
    /// `expectation`, `evaluation`, `test_timeout`, `service`, `interrupted`, or a
    /// step's trouble: `connection`, `timeout`, `tls`, `protocol`, `database`,
    /// `command`, `usage`, `other`.
    pub kind: FailureKind,
    /// Why, as precisely as ritc knows (`connection_refused`,
    /// `sql_integrity_constraint`, `status_mismatch`, …): what the suggestion is
    /// chosen by. `other` in reports of versions that did not write it.
    #[serde(default)]
    pub cause: Cause,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The text of the source line that failed.
    pub source: String,
    pub expected: Option<String>,
    pub actual: Map<String, Json>,
    pub detail: Option<String>,
    pub suggestion: Option<String>,
    /// Other expectations of the same group that failed too.
    #[serde(default)]
    pub also: Vec<FailureRecord>,
    /// What the step saw that the suggestion may cite (`crate::evidence`):
    /// a command and its exit, a response's status and body excerpt, timing.
    #[serde(default, skip_serializing_if = "Evidence::is_empty")]
    pub evidence: Evidence,
}

impl FailureRecord {
    /// "file:line"
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StepRecord {
    pub description: String,
    pub line: usize,
    pub duration: String,
    pub duration_ms: f64,
    /// Why the step could not be carried out.
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Problem {
    pub message: String,
    pub detail: Option<String>,
    pub suggestion: Option<String>,
    /// It makes the run FAILED (a setup, a teardown, a service); otherwise it
    /// is listed with the warnings (processes that outlived the run).
    #[serde(default = "fails_run_by_default")]
    pub fails_run: bool,
    /// Why (`service_not_ready`, `teardown_failed`, …): what the suggestion is
    /// chosen by. `other` in reports of versions that did not write it.
    #[serde(default)]
    pub cause: ProblemCause,
    /// What was seen (a readiness probe's history), as a failure's evidence:
    /// what the suggestion cites, for tools to read without parsing it.
    #[serde(default, skip_serializing_if = "Evidence::is_empty")]
    pub evidence: Evidence,
}

/// Reports written before `fails_run` existed counted every problem as a failure.
fn fails_run_by_default() -> bool {
    true
}

// ------------------------------------------------------------------ building

/// Collects events into a `RunReport`; `report` gives it once the run finished.
pub struct ReportBuilder {
    sources: Arc<SourceMap>,
    shard: Option<(usize, usize)>,
    files: Vec<String>,
    started: Option<SystemTime>,
    steps: HashMap<(String, String), Vec<StepRecord>>,
    close_to_limit: HashMap<(String, String), Vec<String>>,
    tests: Vec<TestRecord>,
    problems: Vec<Problem>,
    services: Vec<ServiceUsageRecord>,
    resources: Vec<ResourceWarning>,
    /// What the run history said of the run: warnings that do not change its
    /// status, and recommendations.
    history: Vec<crate::history::Finding>,
    finished: Option<Summary>,
}

impl ReportBuilder {
    pub fn new(sources: Arc<SourceMap>, shard: Option<(usize, usize)>) -> ReportBuilder {
        ReportBuilder {
            sources,
            shard,
            files: Vec::new(),
            started: None,
            steps: HashMap::new(),
            close_to_limit: HashMap::new(),
            tests: Vec::new(),
            problems: Vec::new(),
            services: Vec::new(),
            resources: Vec::new(),
            history: Vec::new(),
            finished: None,
        }
    }

    pub fn event(&mut self, event: &Event) {
        match event {
            Event::RunStarted { files, started, .. } => {
                self.files = files.clone();
                self.started = Some(*started);
            }
            Event::StepFinished {
                suite,
                test,
                description,
                span,
                duration,
                error,
                ..
            } => {
                self.steps
                    .entry((suite.clone(), test.clone()))
                    .or_default()
                    .push(StepRecord {
                        description: description.clone(),
                        line: self.sources.start(*span).line,
                        duration: summary_duration(*duration),
                        duration_ms: millis(*duration),
                        error: error.clone(),
                    });
            }
            Event::CloseToLimit {
                suite,
                test,
                span,
                message,
            } => {
                let note = format!("{}: {message}", self.sources.file_line(*span));
                let notes = self
                    .close_to_limit
                    .entry((suite.clone(), test.clone()))
                    .or_default();
                // An expectation inside `eventually` or a retried test holds again and again.
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
            Event::TestFinished(outcome) => {
                let key = (outcome.suite.clone(), outcome.name.clone());
                let steps = self.steps.remove(&key).unwrap_or_default();
                let mut record = test_record(&self.sources, outcome, steps);
                record.close_to_limit = self.close_to_limit.remove(&key).unwrap_or_default();
                self.tests.push(record);
            }
            Event::RunProblem {
                message,
                detail,
                fails_run,
                cause,
                evidence,
            } => {
                self.problems.push(Problem {
                    message: message.clone(),
                    detail: detail.clone(),
                    suggestion: suggest::for_problem(*cause, evidence, detail.as_deref()),
                    fails_run: *fails_run,
                    cause: *cause,
                    evidence: (**evidence).clone(),
                });
            }
            Event::ServiceUsage(usage, loads) => {
                self.services.push(ServiceUsageRecord::new(usage, loads));
            }
            Event::ResourceWarnings(warnings) => self.resources.extend(warnings.iter().cloned()),
            Event::HistoryFindings(findings) => self.history = findings.clone(),
            Event::RunFinished { summary } => self.finished = Some(summary.clone()),
            _ => {}
        }
    }

    /// The record of the test that finished last.
    pub fn last_test(&self) -> Option<&TestRecord> {
        self.tests.last()
    }

    /// Whether `RunFinished` has arrived.
    pub fn is_finished(&self) -> bool {
        self.finished.is_some()
    }

    /// The report, masked. The total is the runner's (the selected tests); the
    /// buckets are counted from the test records, one per selected test.
    pub fn report(&self, masker: &Masker) -> RunReport {
        let summary = self.finished.clone().unwrap_or_default();
        let started = self.started.unwrap_or(UNIX_EPOCH);
        let mut report = RunReport {
            format: REPORT_FORMAT.to_string(),
            test_run: TestRun {
                timestamp: rfc3339(started),
                duration: summary_duration(summary.duration),
                status: RunStatus::Passed,
                files: self.files.clone(),
                started_unix_ms: started
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |since| since.as_millis() as u64),
                duration_ms: millis(summary.duration),
                shard: self.shard.map(|(index, count)| format!("{index}/{count}")),
                stopped_early: summary.stopped_early,
                stop_reason: summary.stop_reason.clone(),
                interrupted: summary.interrupted,
                merged_from: Vec::new(),
            },
            summary: ReportSummary {
                total_tests: summary.total_tests,
                ..count_tests(&self.tests)
            },
            failed_tests: Vec::new(),
            warnings: Vec::new(),
            recommendations: Vec::new(),
            tests: self.tests.clone(),
            problems: self.problems.clone(),
            services: self.services.clone(),
            resources: self.resources.clone(),
            checkpoints: Vec::new(),
        };
        finish(&mut report, &[]);
        add_history(&mut report, &self.history);
        mask_report(&report, masker)
    }
}

fn test_record(sources: &SourceMap, outcome: &TestOutcome, steps: Vec<StepRecord>) -> TestRecord {
    let status = match outcome.status {
        TestStatus::Passed => TestResult::Passed,
        TestStatus::Failed => TestResult::Failed,
        TestStatus::Skipped => TestResult::Skipped,
        TestStatus::Warned => TestResult::Warned,
        TestStatus::Interrupted => TestResult::Interrupted,
    };
    TestRecord {
        suite: outcome.suite.clone(),
        name: outcome.name.clone(),
        file: outcome.file.clone(),
        line: outcome.line,
        status,
        duration: summary_duration(outcome.duration),
        duration_ms: millis(outcome.duration),
        attempts: outcome.attempts,
        tags: outcome.tags.clone(),
        checkpoint: outcome
            .checkpoint
            .as_ref()
            .map(|(name, stage, action)| CheckpointRecord {
                name: name.clone(),
                stage: stage.clone(),
                on_failure: format!("{action:?}").to_lowercase(),
            }),
        skip_reason: outcome.skip_reason.clone(),
        not_reached: outcome.not_reached,
        warnings: outcome.warnings.clone(),
        close_to_limit: Vec::new(),
        failure: outcome
            .failure
            .as_ref()
            .map(|failure| failure_record(sources, failure, &outcome.service_log, &outcome.loads)),
        steps,
        service_log: outcome
            .service_log
            .iter()
            .map(|line| line.text.clone())
            .collect(),
        loads: outcome.loads.clone(),
    }
}

/// A failure with its place resolved, so reports made later (by `merge`) need
/// no source files.
pub fn failure_record(
    sources: &SourceMap,
    failure: &Failure,
    service_log: &[ServiceLogLine],
    loads: &[Json],
) -> FailureRecord {
    let start = sources.start(failure.span);
    let source_line = sources
        .source(failure.span.file)
        .lines()
        .nth(start.line.saturating_sub(1))
        .unwrap_or("")
        .to_string();
    let actual = actual_values(&failure.actual);
    let mut record = FailureRecord {
        kind: failure.kind,
        cause: failure.cause,
        message: failure.message.clone(),
        file: sources.name(failure.span.file).to_string(),
        line: start.line,
        column: start.column,
        source: source_line,
        expected: failure.expected.clone(),
        actual,
        detail: failure.detail.clone(),
        suggestion: None,
        also: failure
            .also
            .iter()
            .map(|other| failure_record(sources, other, service_log, loads))
            .collect(),
        evidence: failure.evidence.clone(),
    };
    record.suggestion = suggest::for_failure(&record, service_log, loads);
    record
}

/// Operand values as data: what reads as JSON (`409`, `"bob"`, `true`, `[1]`)
/// becomes that value, the rest (`250ms`, `99.5%`, cut text) stays text.
fn actual_values(actual: &[(String, String)]) -> Map<String, Json> {
    actual
        .iter()
        .map(|(operand, shown)| {
            let value =
                serde_json::from_str::<Json>(shown).unwrap_or_else(|_| Json::String(shown.clone()));
            (operand.clone(), value)
        })
        .collect()
}

// ------------------------------------------------------------------ deriving

/// Sorts the tests and fills what is derived from them: failed tests, warnings,
/// recommendations, the warnings count and the status. `extra_warnings` come
/// first (a merge's missing shards).
pub fn finish(report: &mut RunReport, extra_warnings: &[String]) {
    // Declaration order (file, then line), whatever order parallel tests ended in.
    let files = report.test_run.files.clone();
    report.tests.sort_by_key(|test| {
        (
            files
                .iter()
                .position(|file| *file == test.file)
                .unwrap_or(usize::MAX),
            test.file.clone(),
            test.line,
        )
    });
    for service in &mut report.services {
        service.high = [
            service.high_cpu().then(|| "cpu".to_string()),
            service.high_memory().then(|| "memory".to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
    }
    report.checkpoints = checkpoints(&report.tests);
    report.failed_tests = failed_tests(report);
    report.warnings = extra_warnings.to_vec();
    report.warnings.extend(warnings(report));
    report.summary.warnings = report.warnings.len();
    report.recommendations = suggest::recommendations(report, !extra_warnings.is_empty(), &[]);
    report.test_run.status = status(report, !extra_warnings.is_empty());
}

/// A report as one run of the history (`ritc merge` records the merged run so).
pub fn history_entry(report: &RunReport) -> crate::history::RunEntry {
    let mut entry = crate::history::RunEntry::new(
        report.test_run.started_unix_ms,
        report.test_run.files.clone(),
    );
    entry.tests = report
        .tests
        .iter()
        .map(|test| crate::history::TestEntry {
            suite: test.suite.clone(),
            name: test.name.clone(),
            file: test.file.clone(),
            status: test.status.as_str().to_string(),
            attempts: test.attempts,
            duration_ms: test.duration_ms,
            loads: test
                .loads
                .iter()
                .filter_map(crate::history::LoadEntry::from_report)
                .collect(),
        })
        .collect();
    entry
}

/// The run history's findings, after the run's own warnings: counted as
/// warnings, but they never change the status (the gate is this run's tests);
/// the recommendations are derived again with them.
pub fn add_history(report: &mut RunReport, findings: &[crate::history::Finding]) {
    if findings.is_empty() {
        return;
    }
    report
        .warnings
        .extend(findings.iter().map(|finding| finding.message.clone()));
    report.summary.warnings = report.warnings.len();
    let shards_missing = report
        .recommendations
        .iter()
        .any(|text| text == suggest::MERGE_EVERY_SHARD);
    report.recommendations = suggest::recommendations(report, shards_missing, findings);
}

/// The one-line verdict of the terminal, the TAP report's last line and `ritc
/// merge`: `FAILED: 1 passed, 1 failed, 2 skipped, 0 warned, 0 interrupted of 4
/// tests; 1 warning in 1.2s`. Every bucket is named, so the line adds up.
pub fn verdict_line(status: RunStatus, summary: &ReportSummary, duration: &str) -> String {
    format!(
        "{}: {} passed, {} failed, {} skipped, {} warned, {} interrupted of {} test{}; {} warning{} in {duration}",
        status.as_str(),
        summary.passed,
        summary.failed,
        summary.skipped,
        summary.warned,
        summary.interrupted,
        summary.total_tests,
        if summary.total_tests == 1 { "" } else { "s" },
        summary.warnings,
        if summary.warnings == 1 { "" } else { "s" },
    )
}

/// The buckets of `tests`; `total_tests` is their number.
pub fn count_tests(tests: &[TestRecord]) -> ReportSummary {
    let with = |status: TestResult| tests.iter().filter(|test| test.status == status).count();
    ReportSummary {
        total_tests: tests.len(),
        passed: with(TestResult::Passed),
        failed: with(TestResult::Failed),
        skipped: with(TestResult::Skipped),
        warned: with(TestResult::Warned),
        interrupted: with(TestResult::Interrupted),
        warnings: 0,
    }
}

/// docs/reports.md, "The status of a run": INTERRUPTED for a signal; FAILED
/// when a test failed (of a `stop` or `continue` checkpoint too) or something
/// outside the tests failed (a service, a setup, a teardown); PARTIAL when
/// nothing failed but not everything held (a `warn` checkpoint's test failed, a
/// `warn expect` did not hold, the run stopped early, a merge misses shards);
/// else PASSED. Skipped tests (`skip "why"`) alone do not make a run partial.
pub fn status(report: &RunReport, incomplete: bool) -> RunStatus {
    let problem_failed = report.problems.iter().any(|problem| problem.fails_run);
    if report.test_run.interrupted
        || report
            .tests
            .iter()
            .any(|test| test.status == TestResult::Interrupted)
    {
        RunStatus::Interrupted
    } else if report.summary.failed > 0
        || problem_failed
        || report
            .tests
            .iter()
            .any(|test| test.status == TestResult::Failed)
    {
        RunStatus::Failed
    } else if incomplete
        || report.test_run.stopped_early
        || report
            .tests
            .iter()
            .any(|test| test.status == TestResult::Warned || !test.warnings.is_empty())
    {
        RunStatus::Partial
    } else {
        RunStatus::Passed
    }
}

/// Each checkpoint of the tests, once per suite and name, in the tests' order.
fn checkpoints(tests: &[TestRecord]) -> Vec<CheckpointSummary> {
    let mut summaries: Vec<(CheckpointSummary, Vec<(TestStatus, bool)>)> = Vec::new();
    for test in tests {
        let Some(checkpoint) = &test.checkpoint else {
            continue;
        };
        let status = match test.status {
            TestResult::Passed => TestStatus::Passed,
            TestResult::Failed => TestStatus::Failed,
            TestResult::Skipped => TestStatus::Skipped,
            TestResult::Warned => TestStatus::Warned,
            TestResult::Interrupted => TestStatus::Interrupted,
        };
        let known = summaries.iter_mut().find(|(summary, _)| {
            summary.name == checkpoint.name
                && summary.suite == test.suite
                && summary.file == test.file
        });
        match known {
            Some((summary, statuses)) => {
                summary.tests.push(test.name.clone());
                summary.duration_ms += test.duration_ms;
                statuses.push((status, test.not_reached));
            }
            None => summaries.push((
                CheckpointSummary {
                    name: checkpoint.name.clone(),
                    stage: checkpoint.stage.clone(),
                    on_failure: checkpoint.on_failure.clone(),
                    status: CheckpointStatus::Skipped,
                    file: test.file.clone(),
                    suite: test.suite.clone(),
                    tests: vec![test.name.clone()],
                    duration: String::new(),
                    duration_ms: test.duration_ms,
                },
                vec![(status, test.not_reached)],
            )),
        }
    }
    summaries
        .into_iter()
        .map(|(mut summary, statuses)| {
            summary.status = CheckpointStatus::of(statuses);
            summary.duration_ms = (summary.duration_ms * 1000.0).round() / 1000.0;
            summary.duration =
                summary_duration(Duration::from_secs_f64(summary.duration_ms / 1000.0));
            summary
        })
        .collect()
}

fn failed_tests(report: &RunReport) -> Vec<FailedTest> {
    let mut failed: Vec<FailedTest> = report
        .tests
        .iter()
        .filter(|test| test.status == TestResult::Failed)
        .map(|test| match &test.failure {
            Some(failure) => {
                let all: Vec<&FailureRecord> = std::iter::once(failure)
                    .chain(failure.also.iter())
                    .collect();
                let mut actual = Map::new();
                for one in &all {
                    for (operand, value) in &one.actual {
                        actual
                            .entry(operand.clone())
                            .or_insert_with(|| value.clone());
                    }
                }
                let expected: Vec<&str> = all
                    .iter()
                    .filter_map(|one| one.expected.as_deref())
                    .collect();
                FailedTest {
                    name: test.full_name(),
                    file: failure.file.clone(),
                    line: failure.line,
                    reason: all
                        .iter()
                        .map(|one| one.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                    details: Details {
                        actual,
                        expected: (!expected.is_empty()).then(|| expected.join(" and ")),
                    },
                    suggestion: failure.suggestion.clone(),
                    service_log: test.service_log.clone(),
                }
            }
            None => FailedTest {
                name: test.full_name(),
                file: test.file.clone(),
                line: test.line,
                reason: "failed".to_string(),
                details: Details {
                    actual: Map::new(),
                    expected: None,
                },
                suggestion: None,
                service_log: test.service_log.clone(),
            },
        })
        .collect();
    for problem in report.problems.iter().filter(|problem| problem.fails_run) {
        let (file, line) = location_prefix(&problem.message).unwrap_or_default();
        let mut actual = Map::new();
        if let Some(detail) = &problem.detail {
            actual.insert("detail".to_string(), Json::String(detail.clone()));
        }
        failed.push(FailedTest {
            name: "(run)".to_string(),
            file,
            line,
            reason: problem.message.clone(),
            details: Details {
                actual,
                expected: None,
            },
            suggestion: problem.suggestion.clone(),
            service_log: Vec::new(),
        });
    }
    failed
}

/// `file.rit:12: …` at the start of a run problem's message.
fn location_prefix(message: &str) -> Option<(String, usize)> {
    let mut parts = message.splitn(3, ':');
    let file = parts.next()?;
    let line = parts.next()?.trim().parse().ok()?;
    parts.next()?;
    file.ends_with(".rit").then(|| (file.to_string(), line))
}

/// What held only partly or barely: failed `warn` checkpoints, `warn expect`
/// lines that did not hold, durations within 10% of their limit, tests that
/// needed retries.
fn warnings(report: &RunReport) -> Vec<String> {
    let mut warnings = Vec::new();
    for test in &report.tests {
        if test.status == TestResult::Warned {
            let checkpoint = test
                .checkpoint
                .as_ref()
                .map(|checkpoint| format!(" (checkpoint \"{}\", on failure warn)", checkpoint.name))
                .unwrap_or_default();
            let reason = test
                .failure
                .as_ref()
                .map(|failure| format!(": {} at {}", failure.message, failure.location()))
                .unwrap_or_default();
            warnings.push(format!("{} failed{checkpoint}{reason}", test.full_name()));
        }
        for warning in &test.warnings {
            warnings.push(format!(
                "{}: warn expect did not hold: {warning}",
                test.full_name()
            ));
        }
        for note in &test.close_to_limit {
            warnings.push(format!("{}: close to its limit: {note}", test.full_name()));
        }
        if test.attempts > 1 && test.status == TestResult::Passed {
            warnings.push(format!(
                "{} passed only after {} attempts",
                test.full_name(),
                test.attempts
            ));
        }
    }
    warnings.extend(service_warnings(&report.services));
    warnings.extend(
        report
            .resources
            .iter()
            .map(|resource| resource.message.clone()),
    );
    warnings.extend(
        report
            .problems
            .iter()
            .filter(|problem| !problem.fails_run)
            .map(|problem| problem.message.clone()),
    );
    warnings
}

/// A service's peak CPU for people: "97.5%", or "not measured" when the run
/// was too short for a figure.
pub fn cpu_figure(percent: Option<f64>) -> String {
    percent.map_or_else(|| "not measured".to_string(), measured_percent)
}

/// A service whose CPU or memory reached its limit while the tests ran.
pub fn service_warnings(services: &[ServiceUsageRecord]) -> Vec<String> {
    let mut warnings = Vec::new();
    for service in services {
        // "…, at 1.4s into the run", when the sampler said when.
        let when = |at_ms: Option<f64>| {
            at_ms.map_or_else(String::new, |at| {
                format!(
                    ", {}",
                    crate::watch::when(Duration::from_secs_f64(at.max(0.0) / 1000.0))
                )
            })
        };
        // "during load test `load GET …` (main.rit:14)" when the peak came in
        // one, as the resource warnings say it.
        let during = |load: &Option<String>| match load {
            Some(load) => format!("during load test {load}"),
            None => "while the tests ran".to_string(),
        };
        if service.high_cpu() {
            warnings.push(format!(
                "service `{}` used {} of a CPU core (sustained for 1s) {}{} (warning from {})",
                service.name,
                cpu_figure(service.peak_cpu_percent),
                during(&service.peak_cpu_during),
                when(service.peak_cpu_at_ms),
                measured_percent(SERVICE_CPU_WARNING_PERCENT)
            ));
        }
        if service.high_memory() {
            warnings.push(format!(
                "service `{}` held {} of memory at its peak {}{} (warning from {})",
                service.name,
                service.peak_rss,
                during(&service.peak_rss_during),
                when(service.peak_rss_at_ms),
                binary_size(SERVICE_RSS_WARNING_BYTES)
            ));
        }
    }
    warnings
}

// ------------------------------------------------------------------ masking

/// Every text of the report with each secret replaced by `***`. Done on the
/// data, before any format escapes it, so no escaped spelling of a secret can
/// slip through; fixed names (fields, statuses) are left alone, so masking can
/// never break the report's shape.
pub fn mask_report(report: &RunReport, masker: &Masker) -> RunReport {
    let mut report = report.clone();
    let mask = |text: &mut String| *text = masker.mask(text);
    let mask_option = |text: &mut Option<String>| {
        if let Some(text) = text {
            *text = masker.mask(text);
        }
    };
    report.test_run.files.iter_mut().for_each(mask);
    report.test_run.merged_from.iter_mut().for_each(mask);
    mask_option(&mut report.test_run.stop_reason);
    for failed in &mut report.failed_tests {
        mask(&mut failed.name);
        mask(&mut failed.file);
        mask(&mut failed.reason);
        mask_map(&mut failed.details.actual, masker);
        mask_option(&mut failed.details.expected);
        mask_option(&mut failed.suggestion);
        failed.service_log.iter_mut().for_each(mask);
    }
    report.warnings.iter_mut().for_each(mask);
    report.recommendations.iter_mut().for_each(mask);
    for test in &mut report.tests {
        mask_test(test, masker);
    }
    for problem in &mut report.problems {
        mask(&mut problem.message);
        mask_option(&mut problem.detail);
        mask_option(&mut problem.suggestion);
        mask_evidence(&mut problem.evidence, masker);
    }
    for service in &mut report.services {
        mask(&mut service.name);
        mask_option(&mut service.peak_rss_during);
        mask_option(&mut service.peak_cpu_during);
    }
    for resource in &mut report.resources {
        mask(&mut resource.target);
        mask(&mut resource.message);
    }
    for checkpoint in &mut report.checkpoints {
        mask(&mut checkpoint.name);
        mask_option(&mut checkpoint.stage);
        mask(&mut checkpoint.file);
        mask(&mut checkpoint.suite);
        checkpoint.tests.iter_mut().for_each(mask);
    }
    report
}

/// Every text of one test record, masked in place.
pub fn mask_test(test: &mut TestRecord, masker: &Masker) {
    let mask = |text: &mut String| *text = masker.mask(text);
    mask(&mut test.suite);
    mask(&mut test.name);
    mask(&mut test.file);
    test.tags.iter_mut().for_each(mask);
    if let Some(checkpoint) = &mut test.checkpoint {
        mask(&mut checkpoint.name);
        if let Some(stage) = &mut checkpoint.stage {
            mask(stage);
        }
    }
    if let Some(reason) = &mut test.skip_reason {
        mask(reason);
    }
    test.warnings.iter_mut().for_each(mask);
    test.close_to_limit.iter_mut().for_each(mask);
    if let Some(failure) = &mut test.failure {
        mask_failure(failure, masker);
    }
    for step in &mut test.steps {
        mask(&mut step.description);
        if let Some(error) = &mut step.error {
            mask(error);
        }
    }
    test.service_log.iter_mut().for_each(mask);
    test.loads
        .iter_mut()
        .for_each(|load| mask_json(load, masker));
}

pub fn mask_failure(failure: &mut FailureRecord, masker: &Masker) {
    let mask = |text: &mut String| *text = masker.mask(text);
    mask(&mut failure.message);
    mask(&mut failure.file);
    mask(&mut failure.source);
    for text in [
        &mut failure.expected,
        &mut failure.detail,
        &mut failure.suggestion,
    ]
    .into_iter()
    .flatten()
    {
        mask(text);
    }
    mask_map(&mut failure.actual, masker);
    mask_evidence(&mut failure.evidence, masker);
    for other in &mut failure.also {
        mask_failure(other, masker);
    }
}

/// Every text of a failure's evidence, masked in place.
/// A copy of `evidence` with every text masked (for the events).
pub fn masked_evidence(evidence: &Evidence, masker: &Masker) -> Evidence {
    let mut masked = evidence.clone();
    mask_evidence(&mut masked, masker);
    masked
}

fn mask_evidence(evidence: &mut Evidence, masker: &Masker) {
    let mask = |text: &mut String| *text = masker.mask(text);
    if let Some(command) = &mut evidence.command {
        mask(&mut command.command);
        command.stderr_tail.iter_mut().for_each(mask);
        command.stdout_tail.iter_mut().for_each(mask);
    }
    if let Some(response) = &mut evidence.response {
        mask(&mut response.method);
        mask(&mut response.url);
        mask(&mut response.body_excerpt);
        if let Some(content_type) = &mut response.content_type {
            mask(content_type);
        }
    }
    // A probe's URL or its last error may carry a secret (`ready http` with a token).
    if let Some(readiness) = &mut evidence.readiness {
        mask(&mut readiness.probe);
        if let Some(problem) = &mut readiness.last_problem {
            mask(problem);
        }
    }
}

fn mask_map(map: &mut Map<String, Json>, masker: &Masker) {
    let mut value = Json::Object(std::mem::take(map));
    mask_json(&mut value, masker);
    if let Json::Object(masked) = value {
        *map = masked;
    }
}

/// Masks every string and key of free-form JSON in place, except the opaque
/// encodings of histograms (masking inside base64 would only corrupt them).
pub fn mask_json(value: &mut Json, masker: &Masker) {
    match value {
        Json::String(text) => *text = masker.mask(text),
        Json::Array(items) => items.iter_mut().for_each(|item| mask_json(item, masker)),
        Json::Object(entries) => {
            let old = std::mem::take(entries);
            for (key, mut item) in old {
                if !is_opaque_key(&key) {
                    mask_json(&mut item, masker);
                }
                entries.insert(masker.mask(&key), item);
            }
        }
        _ => {}
    }
}

fn is_opaque_key(key: &str) -> bool {
    key == "histogram" || key.ends_with("_histogram")
}

// ------------------------------------------------------------------ formatting

/// RFC 3339, UTC, to the second: "2026-01-15T10:30:00Z".
pub fn rfc3339(time: SystemTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from(time)
        .to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// Milliseconds with microsecond precision.
pub fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_to_the_second() {
        let time = UNIX_EPOCH + Duration::from_millis(1_768_473_000_500);
        assert_eq!(rfc3339(time), "2026-01-15T10:30:00Z");
    }

    #[test]
    fn operand_values_become_data_where_they_can() {
        let actual = actual_values(&[
            ("status".into(), "409".into()),
            ("json.name".into(), "\"bob\"".into()),
            ("latency.avg".into(), "250ms".into()),
        ]);
        assert_eq!(actual.get("status"), Some(&Json::from(409)));
        assert_eq!(actual.get("json.name"), Some(&Json::from("bob")));
        assert_eq!(actual.get("latency.avg"), Some(&Json::from("250ms")));
    }

    #[test]
    fn a_readiness_probe_and_its_last_problem_are_masked() {
        let masker = Masker::new(vec!["s3cret".into()]);
        let mut evidence = Evidence {
            readiness: Some(crate::evidence::Readiness::new(
                "ready http \"http://127.0.0.1:1/health?token=s3cret\"".into(),
                3,
                Some("answered 401 for token s3cret".into()),
                Duration::from_secs(1),
                Duration::from_secs(1),
                None,
            )),
            ..Evidence::default()
        };
        mask_evidence(&mut evidence, &masker);
        let readiness = evidence.readiness.expect("kept");
        assert_eq!(
            readiness.probe,
            "ready http \"http://127.0.0.1:1/health?token=***\""
        );
        assert_eq!(
            readiness.last_problem.as_deref(),
            Some("answered 401 for token ***")
        );
    }

    #[test]
    fn masking_reaches_keys_and_values_but_not_histograms() {
        let masker = Masker::new(vec!["s3cret".into()]);
        let mut value = serde_json::json!({"a": "x s3cret y", "s3cret": 1, "histogram": "s3cret"});
        mask_json(&mut value, &masker);
        assert_eq!(
            value,
            serde_json::json!({"a": "x *** y", "***": 1, "histogram": "s3cret"})
        );
    }
}
