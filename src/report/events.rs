//! `--events jsonl`: the run as it happens, one JSON object per line on
//! standard output, for tools and agents that drive ritc. Secrets are masked in
//! every line.
//!
//! # Wire format
//!
//! Each line is one object with a `"type"` tag and `"elapsed_ms"` (milliseconds
//! since the run started, a float). Lines come in the order things happened;
//! with `--jobs N` the lines of different tests interleave, so each line names
//! its `suite` and `test`. New fields may be added; a consumer ignores the ones
//! it does not know, and types it does not know.
//!
//! The lines of one test nest: `test_started`, its lines, `test_finished`. Every
//! `step_started` is followed by exactly one `step_finished` for it (a step in a
//! `ws` block inside the `ws` step's pair), also when the test's `timeout` or an
//! interrupt cut the step short (`run::open_steps`). With `--jobs 1` the lines of
//! one test never interleave with another's. A test that never started (skipped)
//! has only its `test_finished`; `setup` and `teardown` steps name the test
//! `setup` or `teardown` and come outside every test.
//!
//! | `type` | fields |
//! |---|---|
//! | `run_started` | `timestamp` (RFC 3339, UTC), `files`, `tests` (how many are selected), `shard` (`"K/N"` or null) |
//! | `service_starting` | `service` |
//! | `service_ready` | `service`, `after_ms` |
//! | `test_started` | `suite`, `test` |
//! | `step_started` | `suite`, `test`, `description` (`"GET http://…"`, `"run …"`, `"load GET …"`) |
//! | `step_finished` | `suite`, `test`, `description`, `file`, `line`, `duration_ms`, `error` (null, or why the step could not be carried out or was cut short), `status` (`ok`, `failed`, `timeout`: its own or its test's timeout ended it, `interrupted`) |
//! | `expectation_failed` | `suite`, `test`, `warn_only` (a `warn expect`), `failure` (below) |
//! | `close_to_limit` | `suite`, `test`, `file`, `line`, `message` (an expectation on a duration held within 10% of its limit) |
//! | `exchange` | `suite`, `test`, `text` (with `-v` only: the request and response) |
//! | `test_finished` | `suite`, `test`, `status` (`passed` `failed` `skipped` `warned` `interrupted`), `duration_ms`, `attempts`, `failure`, `warnings`, `skip_reason`, `steps`, `service_log`, `loads`, … (the test record of the JSON report); exactly one per selected test, skipped ones too |
//! | `checkpoint_settled` | `suite`, `checkpoint`, `stage`, `on_failure`, `status` (`passed` `failed` `skipped` `incomplete` `interrupted`), `tests`, `duration_ms`, `skipped_after` (the tests a failed `stop` checkpoint kept from starting), `not_reached` (its own tests that did not run because the run stopped) — when its last selected test has its outcome |
//! | `run_problem` | `message`, `detail`, `suggestion`, `fails_run` (a problem outside any test: a service, setup, teardown fail the run; processes that outlived it do not) |
//! | `service_usage` | `service`, `peak_rss_bytes`, `peak_cpu_percent` (100 = one core, over 1 s; null when sampled for under 0.5 s), `cpu_seconds`, `processes`, `samples`, `sampled_ms` (what a started service used while the tests ran; one per service, before `run_finished`) |
//! | `history` | `findings`: each `{kind, test, message}`, `kind` one of `new_failure` `flaky_alternating` `slower_test` `slower_load` `lower_throughput` `known_failure` (what the run history says of this run, before `run_finished`; only when history is recorded) |
//! | `resource_warnings` | `warnings`: each `{kind, target, percent, at_ms, message}`, `kind` one of `database_connections` `redis_memory` `redis_clients` `redis_evictions` `database_lock_waits`, `target` the server's URL with its password hidden, `percent` the share of the limit at the peak (null for counts), `at_ms` when it was first reached since the run started (what came near a limit of a server the steps used, before `run_finished`; only when one did, never with `--no-watch`) |
//! | `run_finished` | `status` (`PASSED` `FAILED` `PARTIAL` `INTERRUPTED`), `exit_code`, `summary` (`total_tests` `passed` `failed` `skipped` `warned` `interrupted` `warnings`), `duration_ms`, `stopped_early`, `interrupted`, `warnings`, `recommendations`, `checkpoints` (as in the JSON report) |
//!
//! A `failure` is `{kind, message, file, line, column, source, expected,
//! actual: {operand: value}, detail, suggestion, also: [failure]}`, as in the
//! JSON report. `run_finished` is always the last line, unless the run could
//! not start at all (a usage error: exit code 2 and no `run_started`).

use super::Reporter;
use super::model::{self, ReportBuilder};
use crate::mask::Masker;
use crate::run::outcome::Event;
use crate::source::source_map::SourceMap;
use serde_json::{Value as Json, json};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

pub struct EventsReporter {
    sources: Arc<SourceMap>,
    masker: Masker,
    shard: Option<(usize, usize)>,
    builder: ReportBuilder,
    started: Instant,
    output: Box<dyn Write + Send>,
}

impl EventsReporter {
    /// Writes to standard output.
    pub fn new(
        sources: Arc<SourceMap>,
        masker: Masker,
        shard: Option<(usize, usize)>,
    ) -> EventsReporter {
        EventsReporter::to_writer(sources, masker, shard, Box::new(std::io::stdout()))
    }

    pub fn to_writer(
        sources: Arc<SourceMap>,
        masker: Masker,
        shard: Option<(usize, usize)>,
        output: Box<dyn Write + Send>,
    ) -> EventsReporter {
        EventsReporter {
            builder: ReportBuilder::new(Arc::clone(&sources), shard),
            sources,
            masker,
            shard,
            started: Instant::now(),
            output,
        }
    }

    fn line(&self, event: &Event) -> Option<Json> {
        let mask = |text: &str| self.masker.mask(text);
        Some(match event {
            Event::RunStarted {
                files,
                tests,
                started,
            } => json!({
                "type": "run_started",
                "timestamp": model::rfc3339(*started),
                "files": files.iter().map(|file| mask(file)).collect::<Vec<_>>(),
                "tests": tests,
                "shard": self.shard.map(|(index, count)| format!("{index}/{count}")),
            }),
            Event::ServiceStarting { name } => {
                json!({ "type": "service_starting", "service": mask(name) })
            }
            Event::ServiceReady { name, after } => json!({
                "type": "service_ready",
                "service": mask(name),
                "after_ms": model::millis(*after),
            }),
            Event::TestStarted { suite, name } => {
                json!({ "type": "test_started", "suite": mask(suite), "test": mask(name) })
            }
            Event::StepStarted {
                suite,
                test,
                description,
            } => json!({
                "type": "step_started",
                "suite": mask(suite),
                "test": mask(test),
                "description": mask(description),
            }),
            Event::StepFinished {
                suite,
                test,
                description,
                span,
                duration,
                error,
                status,
            } => json!({
                "type": "step_finished",
                "suite": mask(suite),
                "test": mask(test),
                "description": mask(description),
                "file": mask(self.sources.name(span.file)),
                "line": self.sources.start(*span).line,
                "duration_ms": model::millis(*duration),
                "error": error.as_deref().map(mask),
                "status": status.as_str(),
            }),
            Event::ExpectationFailed {
                suite,
                test,
                failure,
                warn_only,
            } => {
                let mut record = model::failure_record(&self.sources, failure, &[], &[]);
                model::mask_failure(&mut record, &self.masker);
                json!({
                    "type": "expectation_failed",
                    "suite": mask(suite),
                    "test": mask(test),
                    "warn_only": warn_only,
                    "failure": record,
                })
            }
            Event::CloseToLimit {
                suite,
                test,
                span,
                message,
            } => json!({
                "type": "close_to_limit",
                "suite": mask(suite),
                "test": mask(test),
                "file": mask(self.sources.name(span.file)),
                "line": self.sources.start(*span).line,
                "message": mask(message),
            }),
            Event::Exchange { suite, test, text } => json!({
                "type": "exchange",
                "suite": mask(suite),
                "test": mask(test),
                "text": mask(text),
            }),
            Event::TestFinished(_) => {
                let mut record = self.builder.last_test()?.clone();
                model::mask_test(&mut record, &self.masker);
                let Ok(Json::Object(fields)) = serde_json::to_value(&record) else {
                    return None;
                };
                let mut object = serde_json::Map::new();
                object.insert("type".into(), json!("test_finished"));
                object.insert("suite".into(), json!(record.suite));
                object.insert("test".into(), json!(record.name));
                for (key, value) in fields {
                    if key != "suite" && key != "name" {
                        object.insert(key, value);
                    }
                }
                Json::Object(object)
            }
            Event::RunProblem {
                message,
                detail,
                fails_run,
                cause,
                evidence,
            } => json!({
                "type": "run_problem",
                "message": mask(message),
                "detail": detail.as_deref().map(mask),
                "suggestion": super::suggest::for_problem(*cause, evidence, detail.as_deref()).map(|text| mask(&text)),
                "fails_run": fails_run,
                "cause": cause,
                "evidence": model::masked_evidence(evidence, &self.masker),
            }),
            Event::CheckpointSettled(checkpoint) => json!({
                "type": "checkpoint_settled",
                "suite": mask(&checkpoint.suite),
                "checkpoint": mask(&checkpoint.name),
                "stage": checkpoint.stage.as_deref().map(mask),
                "on_failure": checkpoint.on_failure,
                "status": checkpoint.status,
                "tests": checkpoint.tests.iter().map(|test| mask(test)).collect::<Vec<_>>(),
                "duration_ms": model::millis(checkpoint.duration),
                "skipped_after": checkpoint.skipped_after,
                "not_reached": checkpoint.not_reached,
            }),
            Event::ServiceUsage(usage, loads) => json!({
                "type": "service_usage",
                "service": mask(&usage.name),
                "peak_rss_bytes": usage.peak_rss_bytes,
                "peak_cpu_percent": usage
                    .peak_cpu_percent
                    .map(|percent| (percent * 10.0).round() / 10.0),
                "cpu_seconds": (usage.cpu_seconds * 100.0).round() / 100.0,
                "processes": usage.max_processes,
                "samples": usage.samples,
                "sampled_ms": model::millis(usage.sampled),
                // When each peak was first reached, as the JSON report and the
                // resource warnings say it (null: not measured).
                "peak_rss_at_ms": usage.peak_rss_at.map(model::millis),
                "peak_cpu_at_ms": usage.peak_cpu_at.map(model::millis),
                // The load each peak came in (null: outside every load).
                "peak_rss_during": loads.rss.as_deref().map(mask),
                "peak_cpu_during": loads.cpu.as_deref().map(mask),
            }),
            Event::HistoryFindings(findings) => json!({
                "type": "history",
                "findings": findings.iter().map(|finding| json!({
                    "kind": finding.kind.as_str(),
                    "test": mask(&finding.test),
                    "message": mask(&finding.message),
                })).collect::<Vec<_>>(),
            }),
            Event::ResourceWarnings(warnings) => json!({
                "type": "resource_warnings",
                "warnings": warnings.iter().map(|warning| json!({
                    "kind": warning.kind.as_str(),
                    "target": mask(&warning.target),
                    "percent": warning.percent.map(|percent| (percent * 10.0).round() / 10.0),
                    "at_ms": warning.at_ms.round(),
                    "message": mask(&warning.message),
                })).collect::<Vec<_>>(),
            }),
            Event::RunFinished { summary } => {
                let report = self.builder.report(&self.masker);
                json!({
                    "type": "run_finished",
                    "status": report.test_run.status,
                    "exit_code": report.test_run.status.exit_code(),
                    "summary": report.summary,
                    "duration_ms": report.test_run.duration_ms,
                    "stopped_early": summary.stopped_early,
                    "interrupted": summary.interrupted,
                    "warnings": report.warnings,
                    "recommendations": report.recommendations,
                    "checkpoints": report.checkpoints,
                })
            }
            // A step's live progress is for the terminal only: the stream gets a
            // load's record in `test_finished`.
            Event::StepProgress { .. } => return None,
        })
    }
}

impl Reporter for EventsReporter {
    fn event(&mut self, event: &Event) {
        if matches!(event, Event::RunStarted { .. }) {
            self.started = Instant::now();
        }
        self.builder.event(event);
        let Some(mut line) = self.line(event) else {
            return;
        };
        if let Json::Object(object) = &mut line {
            object.insert(
                "elapsed_ms".into(),
                json!(model::millis(self.started.elapsed())),
            );
        }
        let mut text = line.to_string();
        text.push('\n');
        // A reader that went away (`ritc run … | head`) is not the run's problem.
        let _ = self
            .output
            .write_all(text.as_bytes())
            .and_then(|()| self.output.flush());
    }
}
