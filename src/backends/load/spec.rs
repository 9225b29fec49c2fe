//! What the checker and the interpreter know of a `load` step: its schema (options,
//! clauses and result record) and the evaluated model handed to the engine. It must
//! not import the engine's parts.

use std::sync::Arc;
use std::time::Duration;

use crate::backends::http_client::HttpResponse;
use crate::backends::schema::{OptionSpec, StepSchema, TargetText, ValueSpec};
use crate::types::Type;

pub fn schema() -> StepSchema {
    let mut block_options = vec![
        OptionSpec::value("concurrency", vec![Type::Int]),
        OptionSpec::value("requests", vec![Type::Int]),
        OptionSpec::value("duration", vec![Type::Duration]),
        OptionSpec::special("rate", ValueSpec::Rate),
        OptionSpec::special("ramp", ValueSpec::Ramp),
        OptionSpec::value("warmup", vec![Type::Duration]),
        OptionSpec::special("check", ValueSpec::Check),
    ];
    block_options.extend(crate::backends::http::request_clauses());
    StepSchema {
        name: "load",
        target_text: TargetText::Plain,
        target: Type::String,
        clauses: crate::backends::http::request_clauses(),
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
    }
}

/// Whether one response passes the `check { }` conditions: `Err` carries the
/// failed condition's text, counted under `check failed: EXPR`.
pub type CheckFn = Arc<dyn Fn(&HttpResponse) -> Result<(), String> + Send + Sync>;

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
    pub warmup: Option<Duration>,
    /// Bounds each request.
    pub timeout: Duration,
}
