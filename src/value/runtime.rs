//! Runtime values: what expressions evaluate to while a test runs. JSON read from a
//! response, a row or a reply stays `Json` (dynamic, checked where it is used);
//! everything else has the static type the checker gave it.

use crate::mask::Masker;
use crate::types::ConnectionKind;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Duration(Duration),
    /// A fraction: 99% is 0.99.
    Percent(f64),
    /// Bytes, as a size (`64KB`).
    Size(u64),
    Bytes(Vec<u8>),
    /// A JSON value from outside: a body, `json(s)`, a row value, a Redis reply.
    Json(serde_json::Value),
    List(Vec<Value>),
    /// Objects, maps and records: string keys in insertion order.
    Object(Vec<(String, Value)>),
    /// A multipart part made by `file(…)`.
    File(Arc<FilePart>),
    /// A parsed JSON Schema made by `schema(path)`.
    Schema(Arc<serde_json::Value>),
    /// A handle made by `database(url)`, `redis(url)`, …
    Connection(Connection),
    /// A service named in `logs(api)`.
    Service(Arc<str>),
}

/// A handle to a server: its kind and URL. Pools and connections live in the
/// step kind's executor, keyed by the URL.
#[derive(Clone, Debug, PartialEq)]
pub struct Connection {
    pub kind: ConnectionKind,
    pub url: Arc<str>,
}

impl Connection {
    pub fn new(kind: ConnectionKind, url: impl Into<Arc<str>>) -> Connection {
        Connection {
            kind,
            url: url.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FilePart {
    /// The file name sent in the part.
    pub name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

impl Value {
    pub fn object(entries: impl IntoIterator<Item = (String, Value)>) -> Value {
        Value::Object(entries.into_iter().collect())
    }

    /// A field of an object (exact key), for records the runtime builds.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Being secret is a property of values: a value holds a secret when its text
/// (or bytes) holds one the run registered; what a core function or a shell quote
/// makes from such a value is registered in turn (docs/reliability.md).
impl Value {
    pub fn holds_secret(&self, secrets: &Masker) -> bool {
        match self {
            Value::String(text) => secrets.holds_secret(text.as_bytes()),
            Value::Bytes(bytes) => secrets.holds_secret(bytes),
            Value::Json(json) => json_holds_secret(json, secrets),
            Value::List(items) => items.iter().any(|item| item.holds_secret(secrets)),
            Value::Object(entries) => entries.iter().any(|(key, value)| {
                secrets.holds_secret(key.as_bytes()) || value.holds_secret(secrets)
            }),
            Value::File(part) => secrets.holds_secret(&part.content),
            Value::Connection(connection) => secrets.holds_secret(connection.url.as_bytes()),
            Value::Null
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Duration(_)
            | Value::Percent(_)
            | Value::Size(_)
            | Value::Schema(_)
            | Value::Service(_) => false,
        }
    }

    /// A copy with every registered secret in its texts masked. For descriptions
    /// that cut long values: a cut through a secret would leave a piece that
    /// masking the description afterwards no longer recognises.
    pub fn masked(&self, secrets: &Masker) -> Value {
        match self {
            Value::String(text) => Value::String(secrets.mask(text)),
            Value::Json(json) => Value::Json(masked_json(json, secrets)),
            Value::List(items) => {
                Value::List(items.iter().map(|item| item.masked(secrets)).collect())
            }
            Value::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(key, value)| (secrets.mask(key), value.masked(secrets)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Registers this value as a secret: a text or bytes made from one, and each
    /// text inside a list, an object or JSON (`json(creds).password` of a secret
    /// `creds`). Keys are names, not values: "password" stays readable.
    pub fn register_as_secret(&self, secrets: &Masker) {
        match self {
            Value::String(text) => {
                secrets.register(text);
            }
            Value::Bytes(bytes) => secrets.register_bytes(bytes),
            Value::Json(json) => register_json(json, secrets),
            Value::List(items) => items
                .iter()
                .for_each(|item| item.register_as_secret(secrets)),
            Value::Object(entries) => entries
                .iter()
                .for_each(|(_, value)| value.register_as_secret(secrets)),
            _ => {}
        }
    }
}

fn register_json(json: &serde_json::Value, secrets: &Masker) {
    match json {
        serde_json::Value::String(text) => {
            secrets.register(text);
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|item| register_json(item, secrets))
        }
        serde_json::Value::Object(entries) => entries
            .values()
            .for_each(|value| register_json(value, secrets)),
        _ => {}
    }
}

fn json_holds_secret(json: &serde_json::Value, secrets: &Masker) -> bool {
    match json {
        serde_json::Value::String(text) => secrets.holds_secret(text.as_bytes()),
        serde_json::Value::Array(items) => {
            items.iter().any(|item| json_holds_secret(item, secrets))
        }
        serde_json::Value::Object(entries) => entries.iter().any(|(key, value)| {
            secrets.holds_secret(key.as_bytes()) || json_holds_secret(value, secrets)
        }),
        _ => false,
    }
}

fn masked_json(json: &serde_json::Value, secrets: &Masker) -> serde_json::Value {
    match json {
        serde_json::Value::String(text) => serde_json::Value::String(secrets.mask(text)),
        serde_json::Value::Array(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|item| masked_json(item, secrets))
                .collect(),
        ),
        serde_json::Value::Object(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(key, value)| (secrets.mask(key), masked_json(value, secrets)))
                .collect(),
        ),
        other => other.clone(),
    }
}
