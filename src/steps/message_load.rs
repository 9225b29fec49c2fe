//! What a kind whose steps send messages offers a `load` (`load nats publish BUS
//! "orders" { rate 500 per 1s duration 5s }`, docs/load.md, "Loads of messages"):
//! the operations a load may repeat, the clauses each takes there, and a sender
//! that the load's workers share. The load engine calls a sender and measures it;
//! it names no broker, and a broker's folder names no part of the engine: they
//! meet here, through `StepKind::message_load`. Must not import `run`, `plan`,
//! `report` or any kind's folder.

use super::context::Clauses;
use super::exec::StepError;
use crate::value::Value;
use futures_util::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

/// One operation a load may repeat (`publish`), the clauses of the step that
/// it takes in a load, and what its latency measures (for the docs and the
/// checker's help).
#[derive(Clone, Copy, Debug)]
pub struct LoadOperation {
    pub word: &'static str,
    pub clauses: &'static [&'static str],
    pub measures: &'static str,
}

/// What a load of one operation sends to: the connection value, the string
/// after it (a subject, a topic, a routing key), the step's clauses evaluated,
/// and the bound on each message (the step's `timeout`, else `--timeout`).
pub struct LoadTarget {
    pub operation: &'static str,
    pub connection: Value,
    pub address: String,
    pub clauses: Clauses,
    pub timeout: Duration,
}

/// A kind's offer to `load`.
pub trait MessageLoad: Send + Sync {
    /// The operations a load may repeat; a load of any other is refused by the
    /// checker (E0420).
    fn operations(&self) -> &'static [LoadOperation];

    /// Connects and prepares the message once, on the load's own runtime (so
    /// that the connection's tasks run there and end with it). An error here
    /// (the broker is down, a clause the broker refuses) fails the step before
    /// anything is sent.
    fn open(
        &self,
        target: LoadTarget,
    ) -> BoxFuture<'static, Result<Arc<dyn MessageSender>, StepError>>;
}

/// Sends the load's message, shared by every worker of one load.
pub trait MessageSender: Send + Sync {
    /// Sends one message and waits until the broker confirmed it (a publish) or
    /// its reply came (a request): `Ok` holds the bytes of the reply (0 for a
    /// publish). The engine bounds it with the step's timeout.
    fn send(&self) -> BoxFuture<'_, Result<u64, MessageFailure>>;

    /// Whatever the connection must do before it closes (flush, close the
    /// channel); the load's runtime ends its tasks after this.
    fn close(&self) -> BoxFuture<'_, ()>;
}

/// Why one message was not confirmed, as the load's `errors` map names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageFailure {
    /// The connection broke or closed while the message was out.
    Connection,
    /// The broker refused it: a negative acknowledgement, no stream or no
    /// responder for the subject, a message over its size limit.
    Refused,
    /// The broker gave no confirmation within the step's timeout.
    Timeout,
    Other,
}
