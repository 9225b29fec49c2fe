//! What kind a value is: its type's name as messages say it (`a string`, `json
//! array`), `value is TYPE`, and a condition's truth.

use serde_json::Value as Json;

use super::number::{Number, json_number, number_of, string_of};
use super::{EvalError, Value};

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
        Value::Database(_) => "database",
        Value::Redis(_) => "redis connection",
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
/// `is number` and `is float` for any number. An unknown type name never holds.
pub fn is_type(value: &Value, type_name: &str) -> bool {
    match type_name {
        "string" => string_of(value).is_some(),
        "int" => match value {
            Value::Int(_) => true,
            Value::Json(Json::Number(number)) => match json_number(number) {
                Number::Int(_) => true,
                Number::Float(float) => float.is_finite() && float.fract() == 0.0,
            },
            _ => false,
        },
        "float" => matches!(value, Value::Float(_) | Value::Json(Json::Number(_))),
        "number" => number_of(value).is_some(),
        "bool" => matches!(value, Value::Bool(_) | Value::Json(Json::Bool(_))),
        "null" => matches!(value, Value::Null | Value::Json(Json::Null)),
        "object" | "map" | "record" => {
            matches!(value, Value::Object(_) | Value::Json(Json::Object(_)))
        }
        "array" | "list" => matches!(value, Value::List(_) | Value::Json(Json::Array(_))),
        "duration" => matches!(value, Value::Duration(_)),
        "percent" => matches!(value, Value::Percent(_)),
        "size" => matches!(value, Value::Size(_)),
        "bytes" => matches!(value, Value::Bytes(_)),
        "json" => matches!(value, Value::Json(_)),
        "file" => matches!(value, Value::File(_)),
        "schema" => matches!(value, Value::Schema(_)),
        "database" => matches!(value, Value::Database(_)),
        "redis" => matches!(value, Value::Redis(_)),
        "service" => matches!(value, Value::Service(_)),
        _ => false,
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
        assert!(is_type(&text("a"), "string"));
        assert!(is_type(&Value::Json(json!("a")), "string"));
        assert!(is_type(&Value::Int(1), "int"));
        assert!(is_type(&Value::Int(1), "number"));
        assert!(!is_type(&Value::Int(1), "float"));
        assert!(is_type(&Value::Float(1.5), "float"));
        assert!(!is_type(&Value::Float(1.0), "int"));
        assert!(is_type(&Value::Json(json!(3)), "int"));
        assert!(is_type(&Value::Json(json!(3.0)), "int"));
        assert!(!is_type(&Value::Json(json!(3.5)), "int"));
        assert!(is_type(&Value::Json(json!(3.5)), "float"));
        assert!(is_type(&Value::Json(json!(3)), "float"));
        assert!(is_type(&Value::Json(json!(3)), "number"));
        assert!(!is_type(&Value::Json(json!("3")), "number"));
        assert!(is_type(&Value::Json(json!(null)), "null"));
        assert!(is_type(&Value::Null, "null"));
        assert!(is_type(&Value::Json(json!(true)), "bool"));
        assert!(is_type(&Value::Json(json!({})), "object"));
        assert!(is_type(&object(&[]), "object"));
        assert!(is_type(&object(&[]), "map"));
        assert!(is_type(&Value::Json(json!([])), "array"));
        assert!(is_type(&Value::List(vec![]), "array"));
        assert!(is_type(&Value::List(vec![]), "list"));
        assert!(!is_type(&Value::List(vec![]), "object"));
        assert!(is_type(&ms(1), "duration"));
        assert!(is_type(&Value::Json(json!(1)), "json"));
        assert!(!is_type(&text("a"), "json"));
        assert!(!is_type(&text("a"), "strng"));
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
