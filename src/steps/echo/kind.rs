//! What the `echo` step kind declares: its word, its schema and its executor.

use super::config::DELAY;
use crate::steps::StepKind;
use crate::steps::config::TIMEOUT;
use crate::steps::exec::StepExecutor;
use crate::steps::schema::{OptionSpec, StepSchema, TargetText};
use crate::types::Type;
use std::sync::Arc;

pub struct Echo;

impl StepKind for Echo {
    fn name(&self) -> &'static str {
        "echo"
    }

    fn keywords(&self) -> &'static [&'static str] {
        &["echo"]
    }

    fn schema(&self) -> StepSchema {
        schema()
    }

    fn executor(&self) -> Option<Arc<dyn StepExecutor>> {
        Some(Arc::new(super::exec::EchoExecutor))
    }

    fn for_tests_only(&self) -> bool {
        true
    }
}

pub fn schema() -> StepSchema {
    StepSchema {
        name: "echo",
        target: Type::String,
        target_text: TargetText::Plain,
        clauses: vec![
            OptionSpec::value(DELAY, vec![Type::Duration]),
            OptionSpec::value(TIMEOUT, vec![Type::Duration]),
        ],
        block_options: Vec::new(),
        result: vec![("text", Type::String), ("length", Type::Int)],
    }
}
