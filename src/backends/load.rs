//! The `load` backend: many HTTP requests, measured.

use super::schema::{TargetText, OptionSpec, StepSchema, ValueSpec};
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
    block_options.extend(super::http::request_clauses());
    StepSchema {
        name: "load",
        target_text: TargetText::Plain,
        target: Type::String,
        clauses: super::http::request_clauses(),
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
