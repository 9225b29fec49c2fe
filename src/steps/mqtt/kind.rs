//! What the `mqtt` step kind declares: its word, its operations and their
//! shapes, its schema and the step it drives (every operation: `drive.rs`).

use super::config::{BODY, JSON, QOS, RETAIN, SESSION, UNTIL, WITHIN};
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

pub struct Mqtt;

/// The kind's name and word.
pub(super) const NAME: &str = "mqtt";

pub const PUBLISH: &str = "publish";
pub const SUBSCRIBE: &str = "subscribe";
pub const SILENT: &str = "silent";

/// A topic (filter), and a block the subscription is open around.
const LISTENS: Shape = Shape {
    string: Presence::Required,
    block: Presence::Optional,
};

/// What a step that yields no message (`publish`, a `silent` that passed) yields.
const NO_MESSAGE: [&str; 3] = ["topic", "received", "duration"];

static OPERATIONS: [OperationSpec; 3] = [
    OperationSpec {
        word: PUBLISH,
        shape: Shape {
            string: Presence::Required,
            block: Presence::Never,
        },
        summary: "sends one message to the topic with its `qos` (acknowledged as that QoS asks) and `retain`",
        yields: Some(&NO_MESSAGE),
    },
    OperationSpec {
        word: SUBSCRIBE,
        shape: LISTENS,
        summary: "subscribes to the topic filter, runs the block, then yields the first message that satisfies `until` `within` the deadline",
        yields: None,
    },
    OperationSpec {
        word: SILENT,
        shape: LISTENS,
        summary: "subscribes to the topic filter, runs the block, then fails if a message that satisfies `until` arrives `within` the deadline",
        yields: Some(&NO_MESSAGE),
    },
];

impl StepKind for Mqtt {
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
        Some(&super::load::MqttLoad)
    }

    /// Every operation is driven: each opens and closes its own connection, and
    /// a `subscribe` or `silent` runs its block.
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
        target: Type::Connection(MQTT),
        target_text: TargetText::Plain,
        clauses: vec![
            OptionSpec::body(BODY, vec![Type::String, Type::Bytes]),
            OptionSpec::body(JSON, vec![Type::Json]),
            OptionSpec::value(QOS, vec![Type::Int]),
            OptionSpec::flag(RETAIN),
            OptionSpec::value(SESSION, vec![Type::String]).about(
                "`session \"ID\"`: an `mqtt subscribe` or `silent` connects as the client ID with its persistent session (clean session off), so the messages the broker kept for that session arrive, and a QoS 1 or 2 one it delivered before and never saw acknowledged comes again with `dup`; the broker keeps the session after the step.",
            ),
            OptionSpec::special(UNTIL, ValueSpec::Condition(NAME)),
            OptionSpec::value(WITHIN, vec![Type::Duration]),
            OptionSpec::value(TIMEOUT, vec![Type::Duration]),
        ],
        block_options: Vec::new(),
        result: vec![
            ("topic", Type::String),
            ("body", Type::String),
            ("json", Type::Json),
            ("bytes", Type::Bytes),
            ("qos", Type::Int),
            ("retain", Type::Bool),
            ("dup", Type::Bool),
            ("received", Type::Int),
            ("duration", Type::Duration),
        ],
        operations: &OPERATIONS,
        connection: Some(&CONNECTION),
        without_operation: None,
    }
}

/// What `mqtt(url)` makes (no sampler reads a broker's load yet).
pub const MQTT: ConnectionKind =
    ConnectionKind::new("mqtt", "MQTT connection", ServerWatch::Nothing);

/// `mqtt(url)`, the target of `mqtt` steps: a URL with a host, read now as the
/// client will read it.
pub static CONNECTION: ConnectionSpec = ConnectionSpec {
    kind: MQTT,
    server: "an MQTT",
    schemes: &["mqtt"],
    write: "mqtt://host:1883",
    examples: &["mqtt://127.0.0.1:1883", "mqtt://user:pass@host:1883"],
    summary: "an MQTT connection: mqtt:// URL",
    read: with_host,
};
