//! What the `amqp` step kind declares: its word, its operations and their
//! shapes, its schema and the step it drives (every operation: `drive.rs`).

use super::config::{
    BODY, EXCHANGE, HEADERS, JSON, MANDATORY, PERSISTENT, PROPERTIES, UNTIL, WITHIN,
};
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

pub struct Amqp;

/// The kind's name and word.
pub(super) const NAME: &str = "amqp";

pub const PUBLISH: &str = "publish";
pub const REQUEST: &str = "request";
pub const SUBSCRIBE: &str = "subscribe";
pub const SILENT: &str = "silent";
pub const CONSUME: &str = "consume";

/// A routing key, and a block the queue is consumed around.
const LISTENS: Shape = Shape {
    string: Presence::Required,
    block: Presence::Optional,
};

/// A routing key, no block.
const SENDS: Shape = Shape {
    string: Presence::Required,
    block: Presence::Never,
};

/// What a step that yields no message (`publish`, a `silent` that passed) yields.
const NO_MESSAGE: [&str; 4] = ["exchange", "routing_key", "received", "duration"];

/// What a reply yields: a message that came through no queue of the step's.
const REPLY: [&str; 10] = [
    "exchange",
    "routing_key",
    "body",
    "json",
    "bytes",
    "headers",
    "properties",
    "redelivered",
    "received",
    "duration",
];

static OPERATIONS: [OperationSpec; 5] = [
    OperationSpec {
        word: PUBLISH,
        shape: SENDS,
        summary: "sends one message to the exchange with the routing key; the broker confirms it (a nack, a missing exchange or, with `mandatory`, no queue fails the step)",
        yields: Some(&NO_MESSAGE),
    },
    OperationSpec {
        word: REQUEST,
        shape: SENDS,
        summary: "sends one message with `reply_to` and a `correlation_id` and yields the first reply that carries it `within` the deadline (RPC)",
        yields: Some(&REPLY),
    },
    OperationSpec {
        word: SUBSCRIBE,
        shape: LISTENS,
        summary: "binds a temporary queue to the exchange with the routing key, runs the block, then yields the first message that satisfies `until` `within` the deadline",
        yields: None,
    },
    OperationSpec {
        word: SILENT,
        shape: LISTENS,
        summary: "binds a temporary queue to the exchange with the routing key, runs the block, then fails if a message that satisfies `until` arrives `within` the deadline",
        yields: Some(&NO_MESSAGE),
    },
    OperationSpec {
        word: CONSUME,
        shape: LISTENS,
        summary: "consumes the queue of that name, which the broker has already, runs the block, then yields the first message that satisfies `until` `within` the deadline; the messages it reads are acknowledged one at a time, and one it never read stays on the queue",
        yields: None,
    },
];

impl StepKind for Amqp {
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
        Some(&super::load::AmqpLoad)
    }

    /// Every operation is driven: a `subscribe`, `silent` or `consume` runs its
    /// block, and all open and close their own connection around the step.
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
        target: Type::Connection(AMQP),
        target_text: TargetText::Plain,
        clauses: vec![
            OptionSpec::value(EXCHANGE, vec![Type::String]).about(
                "`exchange \"name\"`: the exchange an `amqp` step publishes to or binds its queue to (none: the default exchange, which routes a key to the queue of that name).",
            ),
            OptionSpec::body(BODY, vec![Type::String, Type::Bytes]),
            OptionSpec::body(JSON, vec![Type::Json]),
            OptionSpec::value(HEADERS, vec![Type::map(Type::Json)]),
            OptionSpec::value(PROPERTIES, vec![Type::map(Type::Json)]).about(
                "`properties { correlation_id: \"…\", reply_to: \"…\", expiration: 30s, priority: 5, … }`: an `amqp` message's properties; the `properties` field of a received one.",
            ),
            OptionSpec::flag(PERSISTENT),
            OptionSpec::flag(MANDATORY),
            OptionSpec::special(UNTIL, ValueSpec::Condition(NAME)),
            OptionSpec::value(WITHIN, vec![Type::Duration]),
            OptionSpec::value(TIMEOUT, vec![Type::Duration]),
        ],
        block_options: Vec::new(),
        result: vec![
            ("exchange", Type::String),
            ("routing_key", Type::String),
            ("body", Type::String),
            ("json", Type::Json),
            ("bytes", Type::Bytes),
            ("headers", Type::map(Type::Json)),
            ("properties", Type::map(Type::Json)),
            ("redelivered", Type::Bool),
            ("queue", Type::String),
            ("received", Type::Int),
            ("duration", Type::Duration),
        ],
        operations: &OPERATIONS,
        connection: Some(&CONNECTION),
        without_operation: None,
    }
}

/// What `amqp(url)` makes (no sampler reads a broker's load yet).
pub const AMQP: ConnectionKind =
    ConnectionKind::new("amqp", "AMQP connection", ServerWatch::Nothing);

/// `amqp(url)`, the target of `amqp` steps: an AMQP 0-9-1 URL with a host (its
/// path is the virtual host, `%2f` for `/`), read now as the client will read it.
pub static CONNECTION: ConnectionSpec = ConnectionSpec {
    kind: AMQP,
    server: "an AMQP",
    schemes: &["amqp", "amqps"],
    write: "amqp://user:pass@host:5672/vhost or amqps://…",
    examples: &[
        "amqp://guest:guest@127.0.0.1:5672/%2f",
        "amqps://user:pass@host:5671/vhost",
    ],
    summary: "an AMQP 0-9-1 (RabbitMQ) connection: amqp:// or amqps:// URL",
    read: with_host,
};
