//! Runtime values: what expressions evaluate to while a test runs. JSON read from a
//! response, a row or a reply stays `Json` (dynamic, checked where it is used);
//! everything else has the static type the checker gave it.

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
    /// A database handle made by `database(url)`: the URL; pools live in the backend.
    Database(Arc<str>),
    /// A Redis handle made by `redis(url)`.
    Redis(Arc<str>),
    /// A service named in `logs(api)`.
    Service(Arc<str>),
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
