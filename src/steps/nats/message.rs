//! What a `nats` step yields (its result record) and how a message is named in
//! a failure: its subject and the start of its body.

use crate::steps::exec::{Cause, FieldError, FieldValue};
use crate::value::Value;
use std::time::Duration;

/// How much of a body a failure shows.
const SHOWN_BODY: usize = 200;

/// The fields of a received message (`request`'s reply, `subscribe`'s match).
pub fn fields(
    message: &async_nats::Message,
    received: usize,
    duration: Duration,
) -> Vec<(String, FieldValue)> {
    let body = String::from_utf8_lossy(&message.payload).into_owned();
    let json = serde_json::from_slice::<serde_json::Value>(&message.payload)
        .map(Value::Json)
        .map_err(|error| {
            FieldError::not_json(format!(
                "the message on `{}` is not JSON ({error}); it starts with {:?}",
                message.subject,
                preview(&body)
            ))
        });
    let headers = message
        .headers
        .iter()
        .flat_map(|headers| headers.iter())
        .map(|(name, values)| {
            let joined: Vec<&str> = values.iter().map(|value| value.as_str()).collect();
            (name.to_string(), Value::String(joined.join(", ")))
        })
        .collect();
    let mut fields = common(&message.subject, received, duration);
    fields.extend([
        ("body".to_string(), Ok(Value::String(body))),
        ("json".to_string(), json),
        (
            "bytes".to_string(),
            Ok(Value::Bytes(message.payload.to_vec())),
        ),
        ("headers".to_string(), Ok(Value::Object(headers))),
        (
            "stream".to_string(),
            Err(not_yielded("stream", "`nats publish … jetstream`")),
        ),
        (
            "sequence".to_string(),
            Err(not_yielded("sequence", "`nats publish … jetstream`")),
        ),
    ]);
    fields
}

/// The fields of a step that yields no message (`publish`, a `silent` that
/// passed): the message fields fail when read, saying which steps yield them.
pub fn without_message(
    subject: &str,
    received: usize,
    duration: Duration,
    ack: Option<(String, u64)>,
) -> Vec<(String, FieldValue)> {
    let by = "a `nats subscribe` or `nats request`";
    let mut fields = common(subject, received, duration);
    fields.extend([
        ("body".to_string(), Err(not_yielded("body", by))),
        ("json".to_string(), Err(not_yielded("json", by))),
        ("bytes".to_string(), Err(not_yielded("bytes", by))),
        ("headers".to_string(), Err(not_yielded("headers", by))),
    ]);
    match ack {
        Some((stream, sequence)) => fields.extend([
            ("stream".to_string(), Ok(Value::String(stream))),
            (
                "sequence".to_string(),
                Ok(Value::Int(i64::try_from(sequence).unwrap_or(i64::MAX))),
            ),
        ]),
        None => fields.extend([
            (
                "stream".to_string(),
                Err(not_yielded("stream", "`nats publish … jetstream`")),
            ),
            (
                "sequence".to_string(),
                Err(not_yielded("sequence", "`nats publish … jetstream`")),
            ),
        ]),
    }
    fields
}

fn common(subject: &str, received: usize, duration: Duration) -> Vec<(String, FieldValue)> {
    vec![
        (
            "subject".to_string(),
            Ok(Value::String(subject.to_string())),
        ),
        (
            "received".to_string(),
            Ok(Value::Int(i64::try_from(received).unwrap_or(i64::MAX))),
        ),
        ("duration".to_string(), Ok(Value::Duration(duration))),
    ]
}

fn not_yielded(field: &str, by: &str) -> FieldError {
    FieldError {
        cause: Cause::Other,
        message: format!("this step yields no `{field}`: {by} does"),
    }
}

/// A message as a failure names it: `on `orders.7`: {"id":7}`.
pub fn describe(message: &async_nats::Message) -> String {
    let body = String::from_utf8_lossy(&message.payload);
    format!("on `{}`: {}", message.subject, preview(&body))
}

fn preview(body: &str) -> String {
    if body.is_empty() {
        return "(an empty body)".to_string();
    }
    let mut shown: String = body.chars().take(SHOWN_BODY).collect();
    if shown.len() < body.len() {
        shown.push('…');
    }
    shown
}

/// The record a step returns (`let m = nats subscribe …`): its fields, those
/// that fail when read left out.
pub fn record(fields: &[(String, FieldValue)]) -> Value {
    Value::Object(
        fields
            .iter()
            .filter_map(|(name, value)| value.clone().ok().map(|value| (name.clone(), value)))
            .collect(),
    )
}
