//! What kind a value is: its type's name as messages say it (`a string`, `json
//! array`), `value is TYPE`, and a condition's truth.

use serde_json::Value as Json;

use super::number::{Number, json_number, number_of, string_of};
use super::{EvalError, Value};
use crate::types::IsTest;

/// The name of a value's type as messages say it: `string`, `int`, `json object`…
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::String(_) => "string",
        Value::Duration(_) => "duration",
        Value::Percent(_) => "percent",
        Value::Size(_) => "size",
        Value::Bytes(_) => "bytes",
        Value::Json(json) => match json {
            Json::Null => "json null",
            Json::Bool(_) => "json bool",
            Json::Number(_) => "json number",
            Json::String(_) => "json string",
            Json::Array(_) => "json array",
            Json::Object(_) => "json object",
        },
        Value::List(_) => "list",
        Value::Object(_) => "object",
        Value::File(_) => "file",
        Value::Schema(_) => "schema",
        Value::Connection(connection) => connection.kind.value_name(),
        Value::Service(_) => "service",
    }
}

/// The type name with its article: "a string", "an int", "null".
pub fn type_name_with_article(value: &Value) -> String {
    let name = type_name(value);
    match value {
        Value::Null | Value::Bytes(_) => name.to_string(),
        _ if name.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("an {name}"),
        _ => format!("a {name}"),
    }
}

/// `value is TYPE`. On json: `is int` holds for an integral number (`3`, `3.0`),
/// `is number` for any number, `is float` for a number written with a fraction or
/// an exponent (`1.0`, `2.5`, `1e3`; not `1`), as Hurl's `isFloat` reads it.
pub fn is_type(value: &Value, test: IsTest) -> bool {
    match test {
        IsTest::String => string_of(value).is_some(),
        IsTest::Int => match value {
            Value::Int(_) => true,
            Value::Json(Json::Number(number)) => match json_number(number) {
                Number::Int(_) => true,
                Number::Float(float) => float.is_finite() && float.fract() == 0.0,
            },
            _ => false,
        },
        IsTest::Float => match value {
            Value::Float(_) => true,
            Value::Json(Json::Number(number)) => number.is_f64(),
            _ => false,
        },
        IsTest::Number => number_of(value).is_some(),
        IsTest::Bool => matches!(value, Value::Bool(_) | Value::Json(Json::Bool(_))),
        IsTest::Null => matches!(value, Value::Null | Value::Json(Json::Null)),
        IsTest::Object => matches!(value, Value::Object(_) | Value::Json(Json::Object(_))),
        IsTest::Array => matches!(value, Value::List(_) | Value::Json(Json::Array(_))),
        IsTest::IsoDate => string_of(value).is_some_and(|text| {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .is_ok()
        }),
        IsTest::Empty => match value {
            Value::String(text) | Value::Json(Json::String(text)) => text.is_empty(),
            Value::Bytes(bytes) => bytes.is_empty(),
            Value::List(items) => items.is_empty(),
            Value::Json(Json::Array(items)) => items.is_empty(),
            Value::Object(fields) => fields.is_empty(),
            Value::Json(Json::Object(fields)) => fields.is_empty(),
            _ => false,
        },
        IsTest::Collection => matches!(
            value,
            Value::List(_) | Value::Object(_) | Value::Json(Json::Array(_) | Json::Object(_))
        ),
    }
}

/// A condition's value: a bool or a json bool.
pub fn truthy(value: &Value) -> Result<bool, EvalError> {
    match value {
        Value::Bool(flag) | Value::Json(Json::Bool(flag)) => Ok(*flag),
        other => Err(EvalError(format!(
            "expected a bool, found {}",
            type_name_with_article(other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::test_values::*;
    use crate::value::*;
    use serde_json::json;

    #[test]
    fn is_type_on_static_and_json_values() {
        assert!(is_type(&text("a"), IsTest::String));
        assert!(is_type(&Value::Json(json!("a")), IsTest::String));
        assert!(is_type(&Value::Int(1), IsTest::Int));
        assert!(is_type(&Value::Int(1), IsTest::Number));
        assert!(!is_type(&Value::Int(1), IsTest::Float));
        assert!(is_type(&Value::Float(1.5), IsTest::Float));
        assert!(!is_type(&Value::Float(1.0), IsTest::Int));
        assert!(is_type(&Value::Json(json!(3)), IsTest::Int));
        assert!(is_type(&Value::Json(json!(3.0)), IsTest::Int));
        assert!(!is_type(&Value::Json(json!(3.5)), IsTest::Int));
        assert!(is_type(&Value::Json(json!(3.5)), IsTest::Float));
        // Hurl's isFloat: a number written with a fraction, not `1`.
        assert!(!is_type(&Value::Json(json!(3)), IsTest::Float));
        assert!(is_type(&Value::Json(json!(3.0)), IsTest::Float));
        assert!(!is_type(&Value::Json(json!("3.5")), IsTest::Float));
        assert!(is_type(&Value::Json(json!(3)), IsTest::Number));
        assert!(!is_type(&Value::Json(json!("3")), IsTest::Number));
        assert!(is_type(&Value::Json(json!(null)), IsTest::Null));
        assert!(is_type(&Value::Null, IsTest::Null));
        assert!(is_type(&Value::Json(json!(true)), IsTest::Bool));
        assert!(is_type(&Value::Json(json!({})), IsTest::Object));
        assert!(is_type(&object(&[]), IsTest::Object));
        assert!(is_type(&Value::Json(json!([])), IsTest::Array));
        assert!(is_type(&Value::List(vec![]), IsTest::Array));
        assert!(!is_type(&Value::List(vec![]), IsTest::Object));
    }

    #[test]
    fn iso_dates_emptiness_and_collections() {
        for date in ["2024-05-01T10:00:00Z", "2024-05-01T10:00:00.123+02:00"] {
            assert!(is_type(&text(date), IsTest::IsoDate), "{date}");
            assert!(
                is_type(&Value::Json(json!(date)), IsTest::IsoDate),
                "{date}"
            );
        }
        for not_a_date in ["2024-05-01", "2024-13-01T10:00:00Z", "yesterday", ""] {
            assert!(!is_type(&text(not_a_date), IsTest::IsoDate), "{not_a_date}");
        }
        assert!(!is_type(&Value::Int(20240501), IsTest::IsoDate));

        for empty in [
            text(""),
            Value::Bytes(vec![]),
            Value::List(vec![]),
            object(&[]),
            Value::Json(json!("")),
            Value::Json(json!([])),
            Value::Json(json!({})),
        ] {
            assert!(is_type(&empty, IsTest::Empty), "{empty:?}");
        }
        for not_empty in [
            text(" "),
            Value::Bytes(vec![0]),
            Value::Json(json!([null])),
            Value::Json(json!({"a": 1})),
            Value::Json(json!(0)),
            Value::Null,
        ] {
            assert!(!is_type(&not_empty, IsTest::Empty), "{not_empty:?}");
        }

        assert!(is_type(&Value::List(vec![]), IsTest::Collection));
        assert!(is_type(&object(&[]), IsTest::Collection));
        assert!(is_type(&Value::Json(json!([1])), IsTest::Collection));
        assert!(is_type(&Value::Json(json!({})), IsTest::Collection));
        assert!(!is_type(&text("[]"), IsTest::Collection));
        assert!(!is_type(&Value::Json(json!("a")), IsTest::Collection));
    }

    #[test]
    fn truth() {
        assert_eq!(truthy(&Value::Bool(true)), Ok(true));
        assert_eq!(truthy(&Value::Json(json!(false))), Ok(false));
        assert_eq!(err(truthy(&Value::Int(1))), "expected a bool, found an int");
        assert_eq!(
            err(truthy(&Value::Json(json!("true")))),
            "expected a bool, found a json string"
        );
        assert!(truthy(&Value::Null).is_err());
    }

    #[test]
    fn type_names() {
        assert_eq!(type_name(&Value::Json(json!({}))), "json object");
        assert_eq!(type_name(&Value::Json(json!([]))), "json array");
        assert_eq!(type_name_with_article(&Value::Object(vec![])), "an object");
        assert_eq!(type_name_with_article(&Value::Null), "null");
    }
}
