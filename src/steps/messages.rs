//! What the broker kinds (`nats`, `mqtt`, `amqp`) share: how a step begins
//! (its operation, target, address and clauses read, the step announced with its
//! URL's password hidden) and ends (its fields kept, a block's failure passed
//! on), waiting on a subscription for the first message that satisfies the
//! step's `until` before its deadline, and how a failure names what arrived (how
//! many, and the last one). Each kind gives its config, its messages' fields and
//! how one is named; nothing here names a kind.

use super::config::ConfigError;
use super::context::{FieldsCheck, Halt, StepContext};
use super::exec::{Cause, CommandPart, FieldValue, StepError, StepErrorKind};
use crate::units::literal_duration;
use crate::value::{Value, hide_password, to_text};
use futures_util::{Stream, StreamExt};
use std::time::{Duration, Instant};

/// A broker step's fields, as `StepContext::set_fields` takes them.
pub type Fields = Vec<(String, FieldValue)>;

/// A broker step as it begins: its parts evaluated, its config read.
pub struct Opened<C> {
    /// The operation word (`publish` when the step names none).
    pub operation: &'static str,
    /// The connection value the step's target evaluated to.
    pub target: Value,
    /// The string after the target as text: a subject, a topic, a routing key.
    pub address: String,
    pub config: C,
    /// The step as announced (`nats publish nats://… orders.created`), for `-v`.
    pub title: String,
    /// When the step began, for its `duration`.
    pub started: Instant,
}

/// Evaluates the step's parts, reads its clauses with `read` (a wrong value fails
/// at its clause) and announces the step as `KIND OPERATION URL ADDRESS`, the
/// URL's password hidden.
pub async fn open<C>(
    context: &mut dyn StepContext,
    kind: &str,
    read: impl FnOnce(&[(String, Option<Value>)]) -> Result<C, ConfigError>,
) -> Result<Opened<C>, Halt> {
    let operation = context.operation().unwrap_or("publish");
    let target = context.target().await?;
    let address = CommandPart::joined(&context.string().await?.unwrap_or_default());
    let clauses = context.options().await?;
    let config = read(&clauses).map_err(|error| context.fail_at(error.part, error.message))?;
    let url = match &target {
        Value::Connection(connection) => hide_password(&connection.url),
        other => to_text(other).unwrap_or_default(),
    };
    let title = format!("{kind} {operation} {url} {address}");
    context.step_started(title.clone());
    Ok(Opened {
        operation,
        target,
        address,
        config,
        title,
        started: Instant::now(),
    })
}

/// The step failed with its own error.
pub fn failed(context: &mut dyn StepContext, error: StepError) -> Halt {
    context.step_finished(Err(&error));
    Halt::Step(error)
}

/// A step without a block ended: its outcome, its fields kept.
pub fn finished(
    context: &mut dyn StepContext,
    outcome: Result<Fields, StepError>,
) -> Result<Value, Halt> {
    match outcome {
        Ok(fields) => {
            context.step_finished(Ok(()));
            let kept = record(&fields);
            context.set_fields(fields);
            Ok(kept)
        }
        Err(error) => Err(failed(context, error)),
    }
}

/// The block of a listening step stopped (its consumer already closed): the
/// step ends with it.
pub fn block_halted(context: &mut dyn StepContext, halt: Halt) -> Halt {
    match &halt {
        Halt::Failed(failed) => context.block_finished(Some(failed)),
        Halt::Step(error) => context.step_finished(Err(error)),
    }
    halt
}

/// A listening step ended after its block and its wait: its outcome, its
/// fields kept.
pub fn listened(
    context: &mut dyn StepContext,
    outcome: Result<Fields, StepError>,
) -> Result<Value, Halt> {
    match outcome {
        Ok(fields) => {
            context.block_finished(None);
            let kept = record(&fields);
            context.set_fields(fields);
            Ok(kept)
        }
        Err(error) => Err(failed(context, error)),
    }
}

/// What a listening step waited on, for the words of its verdict.
pub struct Listening<'a, M> {
    /// The subject, topic or routing key.
    pub address: &'a str,
    pub within: Duration,
    /// The server as a failure names it: `NATS at nats://…`.
    pub server: String,
    /// A message as a failure names it.
    pub describe: fn(&M) -> String,
}

/// The verdict of a `subscribe` (`silent: false`: the first matching message,
/// read with `fields`) or a `silent` (no matching message: the fields `quiet`
/// makes of how many arrived) on what the wait saw.
pub fn verdict<M>(
    silent: bool,
    waited: Waited<M>,
    listening: &Listening<'_, M>,
    fields: impl Fn(&M, usize) -> Fields,
    quiet: impl FnOnce(usize) -> Fields,
) -> Result<Fields, StepError> {
    match (silent, waited) {
        (false, Waited::Matched { message, received }) => Ok(fields(&message, received)),
        (false, Waited::Deadline(seen)) => Err(deadline_error(
            listening.address,
            listening.within,
            &seen,
            listening.describe,
            &listening.server,
        )),
        (true, Waited::Matched { message, received }) => Err(unwanted_error(
            listening.within,
            &(listening.describe)(&message),
            received,
        )),
        (true, Waited::Deadline(seen)) => Ok(quiet(seen.received)),
        (_, Waited::Closed(seen)) => Err(StepError::new(
            StepErrorKind::Connection,
            format!(
                "{} closed the connection while the step waited on `{}`, after {}",
                listening.server,
                listening.address,
                count(seen.received)
            ),
        )
        .because(Cause::ConnectionLost)),
    }
}

/// How much of a body a failure shows.
const SHOWN_BODY: usize = 200;

/// What arrived before the wait ended.
pub struct Seen<M> {
    pub received: usize,
    pub last: Option<M>,
    /// The condition's text, when a message did not satisfy it.
    pub unmet: Option<String>,
}

pub enum Waited<M> {
    /// The first message that satisfied the condition (any, without one), and
    /// how many had arrived with it.
    Matched { message: M, received: usize },
    /// The deadline passed first.
    Deadline(Seen<M>),
    /// The subscription ended first (the connection broke).
    Closed(Seen<M>),
}

/// The first message of `messages` that satisfies `condition` (each read with
/// `fields`, given how many arrived with it), until `within` from now.
pub async fn wait<M, S>(
    messages: &mut S,
    fields: impl Fn(&M, usize) -> Vec<(String, FieldValue)>,
    condition: Option<&FieldsCheck>,
    within: Duration,
) -> Waited<M>
where
    S: Stream<Item = M> + Unpin,
{
    let deadline = tokio::time::Instant::now() + within;
    let mut seen = Seen {
        received: 0,
        last: None,
        unmet: None,
    };
    loop {
        let message = match tokio::time::timeout_at(deadline, messages.next()).await {
            Err(_) => return Waited::Deadline(seen),
            Ok(None) => return Waited::Closed(seen),
            Ok(Some(message)) => message,
        };
        seen.received += 1;
        let verdict = match condition {
            None => Ok(()),
            Some(condition) => condition(&fields(&message, seen.received)),
        };
        match verdict {
            Ok(()) => {
                return Waited::Matched {
                    message,
                    received: seen.received,
                };
            }
            Err(unmet) => {
                seen.unmet = Some(unmet);
                seen.last = Some(message);
            }
        }
    }
}

/// A `subscribe` whose deadline passed: what it waited on, how many messages
/// came and the last one (`describe`), or that none came from `server`.
pub fn deadline_error<M>(
    address: &str,
    within: Duration,
    seen: &Seen<M>,
    describe: impl Fn(&M) -> String,
    server: &str,
) -> StepError {
    let within = literal_duration(within);
    let message = match (&seen.last, &seen.unmet) {
        (Some(last), Some(unmet)) => format!(
            "no message on `{address}` satisfied `until {unmet}` within {within}: {} arrived, the last {}",
            count(seen.received),
            describe(last)
        ),
        _ => format!("no message on `{address}` within {within} ({server})"),
    };
    StepError::new(StepErrorKind::Timeout, message)
}

/// A `silent` step that saw the message it must not see (`described`), the
/// `received`th to arrive.
pub fn unwanted_error(within: Duration, described: &str, received: usize) -> StepError {
    StepError::new(
        StepErrorKind::Other,
        format!(
            "a message arrived within {} where none should: {described} ({})",
            literal_duration(within),
            ordinal(received),
        ),
    )
    .because(Cause::Other)
}

/// "1 message", "3 messages".
pub fn count(received: usize) -> String {
    match received {
        1 => "1 message".to_string(),
        n => format!("{n} messages"),
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("the {n}{suffix} that arrived")
}

/// The start of a body, for a failure.
pub fn preview(body: &str) -> String {
    if body.is_empty() {
        return "(an empty body)".to_string();
    }
    let mut shown: String = body.chars().take(SHOWN_BODY).collect();
    if shown.len() < body.len() {
        shown.push('…');
    }
    shown
}

/// The body as text and as JSON (a field that fails when read, when it is not
/// JSON), for the message on `address`.
pub fn body_fields(address: &str, payload: &[u8]) -> Vec<(String, FieldValue)> {
    let body = String::from_utf8_lossy(payload).into_owned();
    let json = serde_json::from_slice::<serde_json::Value>(payload)
        .map(crate::value::Value::Json)
        .map_err(|error| {
            super::exec::FieldError::not_json(format!(
                "the message on `{address}` is not JSON ({error}); it starts with {:?}",
                preview(&body)
            ))
        });
    vec![
        ("body".to_string(), Ok(crate::value::Value::String(body))),
        ("json".to_string(), json),
        (
            "bytes".to_string(),
            Ok(crate::value::Value::Bytes(payload.to_vec())),
        ),
    ]
}

/// A field the step does not yield, failing when read and saying which steps do.
pub fn not_yielded(field: &str, by: &str) -> super::exec::FieldError {
    super::exec::FieldError {
        cause: Cause::Other,
        message: format!("this step yields no `{field}`: {by} does"),
    }
}

/// The record a step returns (`let m = nats subscribe …`): its fields, those
/// that fail when read left out.
pub fn record(fields: &[(String, FieldValue)]) -> crate::value::Value {
    crate::value::Value::Object(
        fields
            .iter()
            .filter_map(|(name, value)| value.clone().ok().map(|value| (name.clone(), value)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_ordinals_read_as_english() {
        assert_eq!(count(1), "1 message");
        assert_eq!(count(0), "0 messages");
        assert_eq!(ordinal(2), "the 2nd that arrived");
        assert_eq!(ordinal(12), "the 12th that arrived");
        assert_eq!(ordinal(23), "the 23rd that arrived");
    }
}
