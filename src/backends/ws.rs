//! The `ws` backend: a WebSocket conversation (`send`, `receive`, `close`).

use super::schema::{TargetText, OptionSpec, StepSchema};
use crate::types::Type;

pub fn schema() -> StepSchema {
    StepSchema {
        name: "ws",
        target_text: TargetText::Plain,
        target: Type::String,
        clauses: vec![
            OptionSpec::value("headers", vec![Type::map(Type::Json)]),
            OptionSpec::value("timeout", vec![Type::Duration]),
            OptionSpec::flag("insecure"),
        ],
        block_options: Vec::new(),
        // What each `receive` yields inside the block.
        result: vec![
            ("message", Type::String),
            ("json", Type::Json),
            ("binary", Type::Bytes),
            ("closed", Type::Bool),
            ("close_code", Type::Int),
        ],
    }
}
