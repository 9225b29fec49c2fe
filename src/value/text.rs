//! The text, JSON and message forms of a value: what `{{ x }}` inserts, what a body
//! sends, and how a failure message describes a value (secrets in URLs hidden).

use base64::Engine as _;
use serde_json::Value as Json;

use super::{EvalError, Value, type_name};
use crate::units::{literal_duration, literal_percent, literal_size};

/// A float as `{{ }}` writes it: the shortest text that reads back, always with a
/// fraction or an exponent so that it reads back as a float (`2.5`, `1.0`, `1e21`).
pub fn float_text(value: f64) -> String {
    format!("{value:?}")
}

/// The text `{{ x }}` inserts (docs/language.md, "The text of a value").
pub fn to_text(value: &Value) -> Result<String, EvalError> {
    match value {
        Value::Null | Value::Json(Json::Null) => Err(EvalError::new(
            "the value is null: use ?? to give a default",
        )),
        Value::Bytes(_) => Err(EvalError::new(
            "bytes have no text form: write hex(x) or base64(x)",
        )),
        Value::File(part) => Err(EvalError(format!(
            "the file part \"{}\" has no text form: use read(path) for a file's text",
            part.name
        ))),
        Value::String(text) | Value::Json(Json::String(text)) => Ok(text.clone()),
        Value::Bool(flag) => Ok(flag.to_string()),
        Value::Int(int) => Ok(int.to_string()),
        Value::Float(float) => Ok(float_text(*float)),
        Value::Duration(duration) => Ok(literal_duration(*duration)),
        Value::Percent(fraction) => Ok(literal_percent(*fraction)),
        Value::Size(size) => Ok(literal_size(*size)),
        Value::Json(json) => Ok(json.to_string()),
        Value::List(_) | Value::Object(_) => Ok(to_json(value).to_string()),
        Value::Schema(schema) => Ok(schema.to_string()),
        Value::Connection(connection) => Ok(connection.url.to_string()),
        Value::Service(name) => Ok(name.to_string()),
    }
}

/// The JSON a value is sent as in a body: durations, percents and sizes as their
/// literals (`"150ms"`, `"99%"`, `"64KB"`), bytes as standard base64, a non-finite
/// float as null, a file part as `{name, type, size}`, handles as their URL.
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(flag) => Json::Bool(*flag),
        Value::Int(int) => Json::from(*int),
        Value::Float(float) => {
            serde_json::Number::from_f64(*float).map_or(Json::Null, Json::Number)
        }
        Value::String(text) => Json::String(text.clone()),
        Value::Duration(duration) => Json::String(literal_duration(*duration)),
        Value::Percent(fraction) => Json::String(literal_percent(*fraction)),
        Value::Size(size) => Json::String(literal_size(*size)),
        Value::Bytes(bytes) => {
            Json::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        Value::Json(json) => json.clone(),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Object(entries) => Json::Object(
            entries
                .iter()
                .map(|(key, item)| (key.clone(), to_json(item)))
                .collect(),
        ),
        Value::File(part) => serde_json::json!({
            "name": part.name,
            "type": part.content_type,
            "size": part.content.len(),
        }),
        Value::Schema(schema) => schema.as_ref().clone(),
        Value::Connection(connection) => Json::String(connection.url.to_string()),
        Value::Service(name) => Json::String(name.to_string()),
    }
}

/// How long `describe` lets a value get, in characters, before it cuts it with `…`.
pub const DESCRIBE_LIMIT: usize = 200;

/// A value for a failure message (`status was 409`, `json.name was "bob"`): strings
/// quoted, numbers plain, units as literals, json and lists compact, bytes in hex,
/// passwords in connection URLs hidden, and anything long cut at about 200 characters.
pub fn describe(value: &Value) -> String {
    let text = match value {
        Value::Null => "null".to_string(),
        Value::String(text) => Json::String(text.clone()).to_string(),
        Value::Bytes(bytes) => {
            // Never hex-encode more than can be shown.
            let shown = bytes.get(..DESCRIBE_LIMIT / 2).unwrap_or(bytes);
            format!("bytes({}) {}", bytes.len(), hex::encode(shown))
        }
        Value::File(part) => format!(
            "file \"{}\" ({}, {})",
            part.name,
            part.content_type,
            literal_size(part.content.len() as u64)
        ),
        Value::Schema(_) => format!("schema {}", to_json(value)),
        Value::Connection(connection) => format!(
            "{} \"{}\"",
            connection.kind.type_name(),
            hide_password(&connection.url)
        ),
        Value::Service(name) => format!("service {name}"),
        Value::List(_) | Value::Object(_) => to_json(value).to_string(),
        Value::Json(json) => json.to_string(),
        other => to_text(other).unwrap_or_else(|_| type_name(other).to_string()),
    };
    truncate(text, DESCRIBE_LIMIT)
}

fn truncate(text: String, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text,
    }
}

/// A connection URL with its password replaced by `***`.
pub fn hide_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some("***")).is_ok() {
                parsed.to_string()
            } else {
                url.to_string()
            }
        }
        Ok(_) => url.to_string(),
        // A URL that does not parse may still hold `user:password@`: all of the
        // authority before its last `@` is hidden.
        Err(_) => {
            let Some((scheme, rest)) = url.split_once("://") else {
                return url.to_string();
            };
            let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
                None => url.to_string(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ConnectionKind, ServerWatch};
    use crate::value::test_values::*;
    use crate::value::*;
    use serde_json::json;

    #[test]
    fn interpolation_text() {
        let written = |value: Value| to_text(&value).unwrap();
        assert_eq!(written(text("a b")), "a b");
        assert_eq!(written(Value::Int(-42)), "-42");
        assert_eq!(written(Value::Float(2.5)), "2.5");
        assert_eq!(written(Value::Float(1.0)), "1.0");
        assert_eq!(written(Value::Float(0.1 + 0.2)), "0.30000000000000004");
        assert_eq!(written(Value::Bool(true)), "true");
        assert_eq!(written(ms(150)), "150ms");
        assert_eq!(written(ms(1500)), "1.5s");
        assert_eq!(written(Value::Percent(0.99)), "99%");
        assert_eq!(written(Value::Size(65536)), "64KB");
        assert_eq!(written(Value::Json(json!("tok"))), "tok");
        assert_eq!(written(Value::Json(json!(7))), "7");
        assert_eq!(
            written(Value::Json(json!({"a": [1, "b"]}))),
            r#"{"a":[1,"b"]}"#
        );
        assert_eq!(
            written(Value::List(vec![Value::Int(1), text("b"), ms(5)])),
            r#"[1,"b","5ms"]"#
        );
        assert_eq!(
            written(object(&[("z", Value::Int(1)), ("a", Value::Null)])),
            r#"{"z":1,"a":null}"#
        );
        assert!(err(to_text(&Value::Null)).contains("use ??"));
        assert!(err(to_text(&Value::Json(json!(null)))).contains("use ??"));
        assert!(err(to_text(&Value::Bytes(vec![1]))).contains("hex"));
    }

    #[test]
    fn json_forms() {
        assert_eq!(to_json(&ms(200)), json!("200ms"));
        assert_eq!(to_json(&Value::Bytes(b"hi".to_vec())), json!("aGk="));
        assert_eq!(to_json(&Value::Float(f64::INFINITY)), json!(null));
        assert_eq!(to_json(&Value::Float(1.5)), json!(1.5));
        assert_eq!(
            to_json(&object(&[
                ("b", Value::Int(1)),
                ("a", Value::List(vec![Value::Bool(true)]))
            ]))
            .to_string(),
            r#"{"b":1,"a":[true]}"#
        );
    }

    #[test]
    fn descriptions_for_failures() {
        assert_eq!(describe(&text("ab\"c")), r#""ab\"c""#);
        assert_eq!(describe(&Value::Int(409)), "409");
        assert_eq!(describe(&Value::Float(1.0)), "1.0");
        assert_eq!(describe(&ms(250)), "250ms");
        assert_eq!(describe(&Value::Null), "null");
        assert_eq!(describe(&Value::Json(json!("x"))), r#""x""#);
        assert_eq!(describe(&Value::Json(json!({"a": 1}))), r#"{"a":1}"#);
        assert_eq!(describe(&Value::Bytes(b"hi".to_vec())), "bytes(2) 6869");
        let long = describe(&text(&"é".repeat(500)));
        assert_eq!(long.chars().count(), DESCRIBE_LIMIT + 1);
        assert!(long.ends_with('…'));
        let database = describe(&Value::Connection(Connection::new(
            ConnectionKind::new("database", "database", ServerWatch::Nothing),
            "postgres://app:hunter2@db/app",
        )));
        assert!(!database.contains("hunter2"), "{database}");
        assert!(database.contains("***"));
        assert!(describe(&Value::Bytes(vec![0; 10_000])).chars().count() <= DESCRIBE_LIMIT + 1);
    }
}
