//! What the `nats` step kind declares: its word, its operations and their
//! shapes, its schema and the step it drives (every operation: `drive.rs`).

use super::config::{BODY, HEADERS, JETSTREAM, JSON, UNTIL, WITHIN};
use crate::steps::config::TIMEOUT;
use crate::steps::connection::with_host;
use crate::steps::context::{Halt, StepContext};
use crate::steps::message_load::MessageLoad;
use crate::steps::schema::{
    ConnectionSpec, OperationSpec, OptionSpec, Presence, Shape, StepSchema, TargetText, ValueSpec,
};
use crate::steps::{StepChecker, StepKind};
use crate::syntax::ast::Step;
use crate::types::{ConnectionKind, ServerWatch, Type};
use crate::value::Value;
use futures_util::future::BoxFuture;

pub struct Nats;

/// The kind's name and word.
pub(super) const NAME: &str = "nats";

pub const PUBLISH: &str = "publish";
pub const REQUEST: &str = "request";
pub const SUBSCRIBE: &str = "subscribe";
pub const SILENT: &str = "silent";

/// A subject, and a block the subscription is open around.
const LISTENS: Shape = Shape {
    string: Presence::Required,
    block: Presence::Optional,
};

/// What a received message yields (a JetStream ack's `stream` and `sequence`
/// are `publish`'s).
const MESSAGE: [&str; 7] = [
    "subject", "body", "json", "bytes", "headers", "received", "duration",
];

static OPERATIONS: [OperationSpec; 4] = [
    OperationSpec {
        word: PUBLISH,
        shape: Shape {
            string: Presence::Required,
            block: Presence::Never,
        },
        summary: "sends one message to the subject (with `jetstream`: stored, and acked by its stream)",
        yields: Some(&["subject", "received", "duration", "stream", "sequence"]),
    },
    OperationSpec {
        word: REQUEST,
        shape: Shape {
            string: Presence::Required,
            block: Presence::Never,
        },
        summary: "sends one message to the subject and yields the first reply `within` the deadline",
        yields: Some(&MESSAGE),
    },
    OperationSpec {
        word: SUBSCRIBE,
        shape: LISTENS,
        summary: "subscribes to the subject, runs the block, then yields the first message that satisfies `until` `within` the deadline",
        yields: Some(&MESSAGE),
    },
    OperationSpec {
        word: SILENT,
        shape: LISTENS,
        summary: "subscribes to the subject, runs the block, then fails if a message that satisfies `until` arrives `within` the deadline",
        yields: Some(&["subject", "received", "duration"]),
    },
];

impl StepKind for Nats {
    fn name(&self) -> &'static str {
        NAME
    }

    fn keywords(&self) -> &'static [&'static str] {
        &[NAME]
    }

    fn schema(&self) -> StepSchema {
        schema()
    }

    fn check(&self, step: &Step, checker: &mut dyn StepChecker) {
        super::check::check(step, checker);
    }

    fn message_load(&self) -> Option<&'static dyn MessageLoad> {
        Some(&super::load::NatsLoad)
    }

    /// Every operation is driven: a `subscribe` or `silent` runs its block, and
    /// all four open and close their own connection around the step.
    fn drive<'a>(
        &'a self,
        context: &'a mut dyn StepContext,
    ) -> Option<BoxFuture<'a, Result<Value, Halt>>> {
        Some(Box::pin(super::drive::drive(context)))
    }
}

pub fn schema() -> StepSchema {
    StepSchema {
        name: NAME,
        target: Type::Connection(NATS),
        target_text: TargetText::Plain,
        clauses: vec![
            OptionSpec::body(BODY, vec![Type::String, Type::Bytes]),
            OptionSpec::body(JSON, vec![Type::Json]),
            OptionSpec::value(HEADERS, vec![Type::map(Type::Json)]),
            OptionSpec::flag(JETSTREAM),
            OptionSpec::special(UNTIL, ValueSpec::Condition(NAME)),
            OptionSpec::value(WITHIN, vec![Type::Duration]),
            OptionSpec::value(TIMEOUT, vec![Type::Duration]),
        ],
        block_options: Vec::new(),
        result: vec![
            ("subject", Type::String),
            ("body", Type::String),
            ("json", Type::Json),
            ("bytes", Type::Bytes),
            ("headers", Type::map(Type::String)),
            ("received", Type::Int),
            ("stream", Type::String),
            ("sequence", Type::Int),
            ("duration", Type::Duration),
        ],
        operations: &OPERATIONS,
        connection: Some(&CONNECTION),
        without_operation: None,
    }
}

/// What `nats(url)` makes (no sampler reads a broker's load yet).
pub const NATS: ConnectionKind =
    ConnectionKind::new("nats", "NATS connection", ServerWatch::Nothing);

/// `nats(url)`, the target of `nats` steps: a URL with a host, read now as the
/// client will read it.
pub static CONNECTION: ConnectionSpec = ConnectionSpec {
    kind: NATS,
    server: "a NATS",
    schemes: &["nats", "tls"],
    write: "nats://host:4222 or tls://…",
    examples: &["nats://127.0.0.1:4222", "nats://user:pass@host:4222"],
    summary: "a NATS connection: nats:// or tls:// URL",
    read: with_host,
};
