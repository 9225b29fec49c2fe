//! What an `mqtt` step yields (its result record) and how a message is named in
//! a failure: its topic and the start of its body.

use super::config::MqttConfig;
use crate::steps::exec::FieldValue;
use crate::steps::message_exchange::Sent;
use crate::steps::messages::{body_fields, not_yielded, preview};
use crate::value::Value;
use std::time::Duration;

/// The fields of a received message (`subscribe`'s match).
pub fn fields(
    message: &rumqttc::Publish,
    received: usize,
    duration: Duration,
) -> Vec<(String, FieldValue)> {
    let mut fields = common(&message.topic, received, duration);
    fields.extend(body_fields(&message.topic, &message.payload));
    fields.extend([
        ("qos".to_string(), Ok(Value::Int(message.qos as i64))),
        ("retain".to_string(), Ok(Value::Bool(message.retain))),
        ("dup".to_string(), Ok(Value::Bool(message.dup))),
    ]);
    fields
}

/// The fields of a step that yields no message (`publish`, a `silent` that
/// passed): the message fields fail when read, saying which steps yield them.
pub fn without_message(
    topic: &str,
    received: usize,
    duration: Duration,
) -> Vec<(String, FieldValue)> {
    let by = "an `mqtt subscribe`";
    let mut fields = common(topic, received, duration);
    for field in ["body", "json", "bytes", "qos", "retain", "dup"] {
        fields.push((field.to_string(), Err(not_yielded(field, by))));
    }
    fields
}

fn common(topic: &str, received: usize, duration: Duration) -> Vec<(String, FieldValue)> {
    vec![
        ("topic".to_string(), Ok(Value::String(topic.to_string()))),
        (
            "received".to_string(),
            Ok(Value::Int(i64::try_from(received).unwrap_or(i64::MAX))),
        ),
        ("duration".to_string(), Ok(Value::Duration(duration))),
    ]
}

/// What a `publish` sent, for `-v`: its QoS, whether retained, and its body.
pub fn sent(config: &MqttConfig) -> Sent<'_> {
    let mut lines = vec![("qos".to_string(), config.qos.to_string())];
    if config.retain {
        lines.push(("retain".to_string(), "true".to_string()));
    }
    Sent {
        lines,
        body: &config.payload,
    }
}

/// A message as a failure names it: `on `orders/7`: {"id":7}`.
pub fn describe(message: &rumqttc::Publish) -> String {
    let body = String::from_utf8_lossy(&message.payload);
    format!("on `{}`: {}", message.topic, preview(&body))
}
