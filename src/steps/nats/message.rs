//! What a `nats` step yields (its result record) and how a message is named in
//! a failure: its subject and the start of its body.

use super::config::NatsConfig;
use crate::steps::exec::FieldValue;
use crate::steps::message_exchange::Sent;
use crate::steps::messages::{body_fields, not_yielded, preview};
use crate::value::Value;
use std::time::Duration;

/// The fields of a received message (`request`'s reply, `subscribe`'s match).
pub fn fields(
    message: &async_nats::Message,
    received: usize,
    duration: Duration,
) -> Vec<(String, FieldValue)> {
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
    fields.extend(body_fields(&message.subject, &message.payload));
    fields.extend([
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

/// What a `publish` or `request` sent, for `-v`: its headers, whether through
/// JetStream, and its body.
pub fn sent(config: &NatsConfig) -> Sent<'_> {
    let mut lines: Vec<(String, String)> = config
        .headers
        .iter()
        .map(|(name, value)| (format!("header {name}"), value.clone()))
        .collect();
    if config.jetstream {
        lines.push(("jetstream".to_string(), "true".to_string()));
    }
    Sent {
        lines,
        body: &config.payload,
    }
}

/// A message as a failure names it: `on `orders.7`: {"id":7}`.
pub fn describe(message: &async_nats::Message) -> String {
    let body = String::from_utf8_lossy(&message.payload);
    format!("on `{}`: {}", message.subject, preview(&body))
}
