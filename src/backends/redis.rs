//! The `redis` backend: one command on a connection.

use super::schema::{TargetText, OptionSpec, StepSchema};
use crate::types::Type;

pub fn schema() -> StepSchema {
    StepSchema {
        name: "redis",
        target_text: TargetText::Plain,
        target: Type::Redis,
        clauses: vec![OptionSpec::value("timeout", vec![Type::Duration])],
        block_options: Vec::new(),
        result: vec![("value", Type::Json), ("ok", Type::Bool), ("duration", Type::Duration)],
    }
}

pub const SCHEMES: &[&str] = &["redis", "rediss"];
