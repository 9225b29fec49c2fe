//! What the `ws` step kind declares: its words and its schema.

use crate::steps::StepKind;
use crate::steps::config::TIMEOUT;
use crate::steps::context::{Halt, StatementContext, StepContext};
use crate::steps::http::config::{HEADERS, INSECURE};
use crate::steps::schema::{OptionSpec, Presence, Shape, StatementSpec, StepSchema, TargetText};
use crate::types::Type;
use crate::value::Value;
use futures_util::future::BoxFuture;

pub struct WebSocket;

/// The kind's name, also the key of its session (`WsSession`).
pub(super) const NAME: &str = "ws";

impl StepKind for WebSocket {
    fn drive<'a>(
        &'a self,
        context: &'a mut dyn StepContext,
    ) -> Option<BoxFuture<'a, Result<Value, Halt>>> {
        Some(Box::pin(super::drive::drive(context)))
    }

    fn name(&self) -> &'static str {
        NAME
    }

    fn keywords(&self) -> &'static [&'static str] {
        &[NAME]
    }

    fn statements(&self) -> &'static [StatementSpec] {
        &super::session::STATEMENTS
    }

    fn run_statement<'a>(
        &'a self,
        word: &'a str,
        context: &'a mut dyn StatementContext,
    ) -> Option<BoxFuture<'a, Result<(), Halt>>> {
        super::session::run(word, context)
    }

    fn schema(&self) -> StepSchema {
        schema()
    }

    fn result_label(&self) -> &'static str {
        "each `receive` yields"
    }
}

pub fn schema() -> StepSchema {
    StepSchema {
        name: NAME,
        target_text: TargetText::Url,
        target: Type::String,
        clauses: vec![
            OptionSpec::value(HEADERS, vec![Type::map(Type::Json)]),
            OptionSpec::value(TIMEOUT, vec![Type::Duration]),
            OptionSpec::flag(INSECURE),
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
        operations: &[],
        connection: None,
        without_operation: Some(Shape {
            string: Presence::Never,
            block: Presence::Required,
        }),
    }
}
