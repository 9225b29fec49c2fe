//! What the `echo` step kind declares: its word, its operations and their shapes,
//! its own statement, its schema, its executor and the step it drives.

use super::config::DELAY;
use crate::steps::StepKind;
use crate::steps::config::TIMEOUT;
use crate::steps::connection::{ConnectionSpec, with_host};
use crate::steps::context::{Halt, StatementContext, StepContext};
use crate::steps::exec::StepExecutor;
use crate::steps::schema::{
    OperationSpec, OptionSpec, Presence, Shape, StatementSpec, StepSchema, TargetText,
};
use crate::types::{ConnectionKind, ServerWatch, Type};
use crate::value::Value;
use futures_util::future::BoxFuture;
use std::sync::Arc;

pub struct Echo;

/// The kind's name, also the key of its session (`join::Joins`).
pub(super) const NAME: &str = "echo";

/// `echo upper TEXT`: the text in capitals.
pub const UPPER: &str = "upper";
/// `echo lower TEXT`: the text in small letters.
pub const LOWER: &str = "lower";
/// `echo join TEXT "SEPARATOR" { … }`: the text and what each `say` of the
/// block said, joined by the separator.
pub const JOIN: &str = "join";

static OPERATIONS: [OperationSpec; 3] = [
    OperationSpec {
        word: UPPER,
        shape: Shape::PLAIN,
        summary: "the text in capitals",
        yields: None,
    },
    OperationSpec {
        word: LOWER,
        shape: Shape::PLAIN,
        summary: "the text in small letters",
        yields: None,
    },
    OperationSpec {
        word: JOIN,
        shape: Shape {
            string: Presence::Required,
            block: Presence::Required,
        },
        summary: "the text and what each `say` of its block says, joined by the string",
        yields: None,
    },
];

static STATEMENTS: [StatementSpec; 1] = [StatementSpec {
    word: super::join::SAY,
    listed: true,
    parts: &[super::join::TEXT],
    operand: Some(super::join::TEXT),
}];

impl StepKind for Echo {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keywords(&self) -> &'static [&'static str] {
        &[NAME]
    }

    fn schema(&self) -> StepSchema {
        schema()
    }

    fn executor(&self) -> Option<Arc<dyn StepExecutor>> {
        Some(Arc::new(super::exec::EchoExecutor))
    }

    /// A `join` runs its block; the other steps go through the executor.
    fn drive<'a>(
        &'a self,
        context: &'a mut dyn StepContext,
    ) -> Option<BoxFuture<'a, Result<Value, Halt>>> {
        (context.operation() == Some(JOIN))
            .then(|| Box::pin(super::join::drive(context)) as BoxFuture<'a, Result<Value, Halt>>)
    }

    fn statements(&self) -> &'static [StatementSpec] {
        &STATEMENTS
    }

    fn run_statement<'a>(
        &'a self,
        word: &'a str,
        context: &'a mut dyn StatementContext,
    ) -> Option<BoxFuture<'a, Result<(), Halt>>> {
        super::join::run(word, context)
    }

    fn for_tests_only(&self) -> bool {
        true
    }
}

pub fn schema() -> StepSchema {
    StepSchema {
        name: NAME,
        target: Type::String,
        target_text: TargetText::Plain,
        clauses: vec![
            OptionSpec::value(DELAY, vec![Type::Duration]),
            OptionSpec::value(TIMEOUT, vec![Type::Duration]),
        ],
        block_options: Vec::new(),
        result: vec![("text", Type::String), ("length", Type::Int)],
        operations: &OPERATIONS,
        connection: Some(&CONNECTION),
        without_operation: Some(Shape::PLAIN),
    }
}

/// What `echo_server(url)` makes: a connection value declared here alone, to
/// prove that a kind's connection needs nothing outside its folder
/// (tests/echo_kind.rs). No step takes it; a value of it is compared and
/// described as any connection is.
const ECHO_SERVER: ConnectionKind =
    ConnectionKind::new("echo_server", "echo server", ServerWatch::Nothing);

/// `echo_server(url)`: an `echo://` URL with a host.
static CONNECTION: ConnectionSpec = ConnectionSpec {
    kind: ECHO_SERVER,
    server: "an echo",
    schemes: &["echo"],
    write: "echo://host:7",
    examples: &["echo://127.0.0.1:7"],
    summary: "an echo server, a connection for tests: echo:// URL",
    read: with_host,
};
