//! What the `run` step kind declares: its words, its schema and its executor.

use super::config::{CWD, ENV, STDIN};
use crate::steps::StepKind;
use crate::steps::config::TIMEOUT;
use crate::steps::exec::StepExecutor;
use crate::steps::schema::{OptionSpec, Shape, StepSchema, TargetText};
use crate::types::Type;
use std::sync::Arc;

pub struct Run;

impl StepKind for Run {
    fn name(&self) -> &'static str {
        "run"
    }

    fn keywords(&self) -> &'static [&'static str] {
        &["run"]
    }

    fn schema(&self) -> StepSchema {
        schema()
    }

    fn executor(&self) -> Option<Arc<dyn StepExecutor>> {
        Some(Arc::new(super::exec::RunExecutor))
    }

    /// A non-zero `exit` fails the step unless the next expectations read it.
    fn status_field(&self) -> Option<&'static str> {
        Some("exit")
    }
}

pub fn schema() -> StepSchema {
    StepSchema {
        name: "run",
        target_text: TargetText::Shell,
        target: Type::String,
        clauses: vec![
            OptionSpec::value(TIMEOUT, vec![Type::Duration]),
            OptionSpec::value(ENV, vec![Type::map(Type::Json)]),
            OptionSpec::value(CWD, vec![Type::String]),
            OptionSpec::value(STDIN, vec![Type::String, Type::Bytes]),
        ],
        block_options: Vec::new(),
        result: vec![
            ("exit", Type::Int),
            ("stdout", Type::String),
            ("stderr", Type::String),
            ("duration", Type::Duration),
        ],
        operations: &[],
        connection: None,
        without_operation: Some(Shape::PLAIN),
    }
}
