//! The `http` backend: `GET url …` and the other methods.

use super::schema::{OptionSpec, StepSchema};
use crate::types::Type;

/// The clauses of an HTTP request, shared with `load`.
pub fn request_clauses() -> Vec<OptionSpec> {
    vec![
        OptionSpec::value("headers", vec![Type::map(Type::Json)]),
        OptionSpec::value("query", vec![Type::map(Type::Json)]),
        OptionSpec::body("json", vec![Type::Json]),
        OptionSpec::body("form", vec![Type::map(Type::Json)]),
        OptionSpec::body("multipart", vec![Type::map(Type::Json)]),
        OptionSpec::body("body", vec![Type::String, Type::Bytes]),
        OptionSpec::value("timeout", vec![Type::Duration]),
        OptionSpec::flag("follow redirects"),
        OptionSpec::flag("insecure"),
    ]
}

pub fn schema() -> StepSchema {
    StepSchema {
        name: "http",
        target: Type::String,
        clauses: request_clauses(),
        block_options: Vec::new(),
        result: vec![
            ("status", Type::Int),
            ("headers", Type::map(Type::String)),
            ("body", Type::String),
            ("json", Type::Json),
            ("duration", Type::Duration),
            ("url", Type::String),
            ("cookies", Type::map(Type::String)),
        ],
    }
}
