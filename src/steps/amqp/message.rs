//! What an `amqp` step yields (its result record) and how a message is named in
//! a failure: its exchange, routing key and the start of its body.

use super::config::{AmqpConfig, Property};
use super::table::json_of_table;
use crate::steps::message_exchange::Sent;
use crate::steps::messages::{Fields, body_fields, not_yielded, preview};
use crate::value::Value;
use lapin::BasicProperties;
use lapin::message::Delivery;
use serde_json::Value as Json;
use std::time::Duration;

/// The fields only a received message has.
const MESSAGE_FIELDS: [&str; 7] = [
    "body",
    "json",
    "bytes",
    "headers",
    "properties",
    "redelivered",
    "queue",
];

/// The fields of a received message (`request`'s reply, `subscribe`'s match),
/// the `received`th; `queue` is the temporary queue it came through, if any.
pub fn fields(
    message: &Delivery,
    received: usize,
    duration: Duration,
    queue: Option<&str>,
) -> Fields {
    let mut fields = common(
        message.exchange.as_str(),
        message.routing_key.as_str(),
        received,
        duration,
    );
    fields.extend(body_fields(message.routing_key.as_str(), &message.data));
    let headers = message
        .properties
        .headers()
        .as_ref()
        .map(json_of_table)
        .unwrap_or_else(|| Json::Object(Default::default()));
    fields.extend([
        ("headers".to_string(), Ok(json_object(headers))),
        (
            "properties".to_string(),
            Ok(json_object(properties(&message.properties))),
        ),
        (
            "redelivered".to_string(),
            Ok(Value::Bool(message.redelivered)),
        ),
        (
            "queue".to_string(),
            match queue {
                Some(queue) => Ok(Value::String(queue.to_string())),
                None => Err(not_yielded("queue", "an `amqp subscribe`")),
            },
        ),
    ]);
    fields
}

/// The fields of a step that yields no message (`publish`, a `silent` that
/// passed): the message fields fail when read, saying which steps yield them.
pub fn without_message(
    exchange: &str,
    routing_key: &str,
    received: usize,
    duration: Duration,
) -> Fields {
    let by = "an `amqp subscribe` or `amqp request`";
    let mut fields = common(exchange, routing_key, received, duration);
    for field in MESSAGE_FIELDS {
        fields.push((field.to_string(), Err(not_yielded(field, by))));
    }
    fields
}

fn common(exchange: &str, routing_key: &str, received: usize, duration: Duration) -> Fields {
    vec![
        (
            "exchange".to_string(),
            Ok(Value::String(exchange.to_string())),
        ),
        (
            "routing_key".to_string(),
            Ok(Value::String(routing_key.to_string())),
        ),
        (
            "received".to_string(),
            Ok(Value::Int(i64::try_from(received).unwrap_or(i64::MAX))),
        ),
        ("duration".to_string(), Ok(Value::Duration(duration))),
    ]
}

/// A JSON object as the record's map of JSON values.
fn json_object(json: Json) -> Value {
    match json {
        Json::Object(entries) => Value::Object(
            entries
                .into_iter()
                .map(|(name, value)| (name, Value::Json(value)))
                .collect(),
        ),
        other => Value::Json(other),
    }
}

/// The properties a message carries (those it does not are left out), by
/// the names `properties { … }` sets them with; `delivery_mode` 2 is persistent.
fn properties(properties: &BasicProperties) -> Json {
    let mut map = serde_json::Map::new();
    let mut text = |name: &str, value: &Option<lapin::types::ShortString>| {
        if let Some(value) = value {
            map.insert(name.to_string(), Json::String(value.to_string()));
        }
    };
    text("content_type", properties.content_type());
    text("content_encoding", properties.content_encoding());
    text("correlation_id", properties.correlation_id());
    text("reply_to", properties.reply_to());
    text("expiration", properties.expiration());
    text("message_id", properties.message_id());
    text("type", properties.kind());
    text("user_id", properties.user_id());
    text("app_id", properties.app_id());
    if let Some(priority) = properties.priority() {
        map.insert("priority".to_string(), Json::from(*priority));
    }
    if let Some(mode) = properties.delivery_mode() {
        map.insert("delivery_mode".to_string(), Json::from(*mode));
    }
    if let Some(timestamp) = properties.timestamp() {
        map.insert("timestamp".to_string(), Json::from(*timestamp));
    }
    Json::Object(map)
}

/// What a `publish` or `request` sent, for `-v`: its exchange, headers,
/// properties, delivery mode, and its body.
pub fn sent(config: &AmqpConfig) -> Sent<'_> {
    let exchange = exchange_name(config.exchange.as_deref().unwrap_or_default());
    let mut lines = vec![("exchange".to_string(), exchange.to_string())];
    for (name, value) in &config.headers {
        let value = match value {
            Json::String(text) => text.clone(),
            other => other.to_string(),
        };
        lines.push((format!("header {name}"), value));
    }
    for (name, value) in &config.properties {
        let value = match value {
            Property::Text(text) => text.clone(),
            Property::Priority(level) => level.to_string(),
        };
        lines.push((format!("property {name}"), value));
    }
    for (flag, set) in [
        ("persistent", config.persistent),
        ("mandatory", config.mandatory),
    ] {
        if set {
            lines.push((flag.to_string(), "true".to_string()));
        }
    }
    Sent {
        lines,
        body: &config.payload,
    }
}

/// A message as a failure names it: ``on `orders`/`order.created`: {"id":7}``.
pub fn describe(message: &Delivery) -> String {
    let body = String::from_utf8_lossy(&message.data);
    format!(
        "on `{}` with key `{}`: {}",
        exchange_name(message.exchange.as_str()),
        message.routing_key,
        preview(&body)
    )
}

/// The exchange as messages name it: the default one has no name.
pub fn exchange_name(exchange: &str) -> &str {
    match exchange {
        "" => "(the default exchange)",
        name => name,
    }
}
