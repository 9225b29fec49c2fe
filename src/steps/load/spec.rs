//! What the checker and the engine know of a `load` step: its schema (options,
//! clauses and result record) and the evaluated model handed to the engine. It must
//! not import the engine's parts.

use std::sync::Arc;
use std::time::Duration;

use super::config::{ABORT, CHECK, CONCURRENCY, DURATION, RAMP, RATE, REQUESTS, STAGES, WARMUP};
use crate::steps::context::Threshold;
use crate::steps::exec::FieldValue;
use crate::steps::http::client::HttpResponse;
use crate::steps::schema::{OptionSpec, Shape, StepSchema, TargetText, ValueSpec};
use crate::types::Type;

pub fn schema() -> StepSchema {
    let mut block_options = vec![
        OptionSpec::value(CONCURRENCY, vec![Type::Int]),
        OptionSpec::value(REQUESTS, vec![Type::Int]),
        OptionSpec::value(DURATION, vec![Type::Duration]),
        OptionSpec::special(RATE, ValueSpec::Rate),
        OptionSpec::special(RAMP, ValueSpec::Ramp),
        OptionSpec::special(STAGES, ValueSpec::Stages),
        OptionSpec::value(WARMUP, vec![Type::Duration]),
        OptionSpec::special(CHECK, ValueSpec::Check),
        OptionSpec::special(ABORT, ValueSpec::Threshold),
    ];
    block_options.extend(crate::steps::http::request_clauses());
    StepSchema {
        name: "load",
        target_text: TargetText::Url,
        target: Type::String,
        clauses: crate::steps::http::request_clauses(),
        block_options,
        result: vec![
            ("requests", Type::Int),
            ("succeeded", Type::Int),
            ("failed", Type::Int),
            ("dropped", Type::Int),
            ("success_rate", Type::Percent),
            ("throughput", Type::Float),
            (
                "latency",
                Type::record(&[
                    ("min", Type::Duration),
                    ("avg", Type::Duration),
                    ("p50", Type::Duration),
                    ("p90", Type::Duration),
                    ("p95", Type::Duration),
                    ("p99", Type::Duration),
                    ("p999", Type::Duration),
                    ("max", Type::Duration),
                ]),
            ),
            ("bytes", Type::Size),
            ("statuses", Type::map(Type::Int)),
            ("errors", Type::map(Type::Int)),
            ("duration", Type::Duration),
        ],
        operations: &[],
        // Its `{ … }` holds options, not statements (`block_options`).
        connection: None,
        without_operation: Some(Shape::PLAIN),
    }
}

/// Whether one response passes the `check { }` conditions: `Err` carries the
/// failed condition's text, counted under `check failed: EXPR`.
pub type CheckFn = Arc<dyn Fn(&HttpResponse) -> Result<(), String> + Send + Sync>;

/// One stage of `stages { … }`: `over to level`, or `over at level` (`hold`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stage {
    pub over: Duration,
    pub level: u64,
    pub hold: bool,
}

/// The load model of one `load` step, evaluated.
#[derive(Clone, Debug, Default)]
pub struct LoadSpec {
    pub concurrency: Option<u64>,
    pub requests: Option<u64>,
    pub duration: Option<Duration>,
    /// `rate N per D`
    pub rate: Option<(u64, Duration)>,
    /// `ramp from A to B over D`
    pub ramp: Option<(u64, u64, Duration)>,
    /// `stages { … }`, in order.
    pub stages: Vec<Stage>,
    pub warmup: Option<Duration>,
    /// Bounds each request.
    pub timeout: Duration,
    /// Called a few times a second while the load runs, for a live progress line.
    pub progress: Option<ProgressHook>,
    /// `abort when …`: read every second on the figures so far; the first that
    /// holds stops the load.
    pub thresholds: Vec<Threshold>,
    /// Called every second with the record so far (as `run_load` gives it), so
    /// that an interrupted run still reports what the load measured.
    pub partial: Option<PartialHook>,
}

/// Receives the load's record so far, every second, on one of the load's threads.
#[derive(Clone)]
pub struct PartialHook(pub Arc<dyn Fn(Fields) + Send + Sync>);

/// A load's record as `run_load` gives it: its fields by name.
pub type Fields = Vec<(String, FieldValue)>;

impl std::fmt::Debug for PartialHook {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("PartialHook")
    }
}

/// A running load as a progress line shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadProgress {
    /// Since the load started, warmup included.
    pub elapsed: Duration,
    /// Warmup and `duration`, when the load ends by time.
    pub total: Option<Duration>,
    /// Still in the warmup: nothing is counted yet.
    pub warming_up: bool,
    /// Measured requests finished so far (answered or failed), and of `requests N`.
    pub requests: u64,
    pub requests_total: Option<u64>,
    pub failed: u64,
    /// Finished requests per second over the measured part so far.
    pub throughput: f64,
    pub p99: Duration,
    /// Where a load whose level changes (`ramp`, `stages`) stands now.
    pub level: Option<Level>,
}

/// The level of a load at a moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Level {
    /// Closed model: workers sending.
    Workers(u64),
    /// Open model: requests due per second.
    Rate(f64),
}

/// Receives [`LoadProgress`] snapshots (about four a second, the first at once) on one
/// of the load's threads: it must return quickly.
#[derive(Clone)]
pub struct ProgressHook(pub Arc<dyn Fn(&LoadProgress) + Send + Sync>);

impl std::fmt::Debug for ProgressHook {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("ProgressHook")
    }
}
