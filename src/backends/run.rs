//! The `run` backend: a shell command.

use super::schema::{OptionSpec, StepSchema};
use crate::types::Type;

pub fn schema() -> StepSchema {
    StepSchema {
        name: "run",
        target: Type::String,
        clauses: vec![
            OptionSpec::value("timeout", vec![Type::Duration]),
            OptionSpec::value("env", vec![Type::map(Type::Json)]),
            OptionSpec::value("cwd", vec![Type::String]),
            OptionSpec::value("stdin", vec![Type::String, Type::Bytes]),
        ],
        block_options: Vec::new(),
        result: vec![
            ("exit", Type::Int),
            ("stdout", Type::String),
            ("stderr", Type::String),
            ("duration", Type::Duration),
        ],
    }
}
