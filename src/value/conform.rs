//! A value crossing a declared type: `let x: T = …`, a parameter `p: T`, a
//! function's `-> T` (docs/language.md, "Types and values"). The checker has
//! refused every mismatch it can see; what reaches here unchecked is a `json` value
//! (a body, a row, `json(s)`), or a value whose static type was the join of two
//! types. Such a value is checked when it crosses, and becomes what its type says
//! (a json number declared `int` is an `int` from then on), so that a mistake is
//! reported at the line that declared the type, not later where the value is used.

use serde_json::Value as Json;

use super::Value;
use super::number::{Number, json_number};
use crate::types::Type;

/// The value as the declared type holds it, or `None` when it is not one.
pub fn conform(value: &Value, expected: &Type) -> Option<Value> {
    // Unwrap json scalars first: a json string declared `string` is a string.
    if let Value::Json(json) = value {
        return conform_json(json, expected);
    }
    let fits = match expected {
        Type::Json | Type::Unknown => true,
        Type::Int => matches!(value, Value::Int(_)),
        // An int stands for a float or a number, as the checker allows statically.
        Type::Float | Type::Number => matches!(value, Value::Int(_) | Value::Float(_)),
        Type::String => matches!(value, Value::String(_)),
        Type::Bool => matches!(value, Value::Bool(_)),
        Type::Null => matches!(value, Value::Null),
        Type::Duration => matches!(value, Value::Duration(_)),
        Type::Percent => matches!(value, Value::Percent(_)),
        Type::Size => matches!(value, Value::Size(_)),
        Type::Bytes => matches!(value, Value::Bytes(_)),
        Type::File => matches!(value, Value::File(_)),
        Type::Schema => matches!(value, Value::Schema(_)),
        Type::Service => matches!(value, Value::Service(_)),
        Type::Connection(kind) => {
            matches!(value, Value::Connection(connection) if connection.kind == *kind)
        }
        Type::List(item) => {
            let Value::List(items) = value else {
                return None;
            };
            return items
                .iter()
                .map(|element| conform(element, item))
                .collect::<Option<Vec<_>>>()
                .map(Value::List);
        }
        Type::Map(item) => {
            let Value::Object(entries) = value else {
                return None;
            };
            return entries
                .iter()
                .map(|(key, element)| Some((key.clone(), conform(element, item)?)))
                .collect::<Option<Vec<_>>>()
                .map(Value::Object);
        }
        Type::Record(fields) => match value {
            Value::Object(entries) => fields.iter().all(|(name, ty)| {
                entries
                    .iter()
                    .any(|(key, element)| key == name && conform(element, ty).is_some())
            }),
            _ => false,
        },
        Type::Module | Type::Function => false,
    };
    fits.then(|| value.clone())
}

fn conform_json(json: &Json, expected: &Type) -> Option<Value> {
    match (expected, json) {
        (Type::Json | Type::Unknown, _) => Some(Value::Json(json.clone())),
        (Type::Int, Json::Number(number)) => match json_number(number) {
            Number::Int(int) => Some(Value::Int(int)),
            // `3.0` is an int as `is int` says; a fraction or a number beyond
            // 64 bits is not.
            Number::Float(float)
                if float.is_finite()
                    && float.fract() == 0.0
                    && float >= i64::MIN as f64
                    && float < i64::MAX as f64 =>
            {
                Some(Value::Int(float as i64))
            }
            Number::Float(_) => None,
        },
        (Type::Float, Json::Number(number)) => Some(Value::Float(json_number(number).as_f64())),
        (Type::Number, Json::Number(number)) => Some(json_number(number).into_value()),
        (Type::String, Json::String(text)) => Some(Value::String(text.clone())),
        (Type::Bool, Json::Bool(flag)) => Some(Value::Bool(*flag)),
        (Type::Null, Json::Null) => Some(Value::Null),
        (Type::List(item), Json::Array(items)) => items
            .iter()
            .map(|element| conform_json(element, item))
            .collect::<Option<Vec<_>>>()
            .map(Value::List),
        (Type::Map(item), Json::Object(entries)) => entries
            .iter()
            .map(|(key, element)| Some((key.clone(), conform_json(element, item)?)))
            .collect::<Option<Vec<_>>>()
            .map(Value::Object),
        (Type::Record(fields), Json::Object(entries)) => fields
            .iter()
            .all(|(name, ty)| {
                entries
                    .get(name)
                    .is_some_and(|element| conform_json(element, ty).is_some())
            })
            .then(|| Value::Json(json.clone())),
        // A json value is never a duration, a size, a connection…: those are made
        // by literals and core functions only.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conformed(value: Value, ty: Type) -> Option<String> {
        conform(&value, &ty).map(|value| format!("{value:?}"))
    }

    #[test]
    fn json_scalars_become_what_their_type_says() {
        assert_eq!(
            conformed(Value::Json(json!(3)), Type::Int),
            Some("Int(3)".into())
        );
        assert_eq!(
            conformed(Value::Json(json!(3.0)), Type::Int),
            Some("Int(3)".into())
        );
        assert_eq!(conformed(Value::Json(json!(3.5)), Type::Int), None);
        assert_eq!(conformed(Value::Json(json!("healthy")), Type::Int), None);
        assert_eq!(
            conformed(Value::Json(json!(3)), Type::Float),
            Some("Float(3.0)".into())
        );
        assert_eq!(
            conformed(Value::Json(json!("a")), Type::String),
            Some("String(\"a\")".into())
        );
        assert_eq!(conformed(Value::Json(json!(null)), Type::String), None);
        assert_eq!(
            conformed(Value::Json(json!(true)), Type::Bool),
            Some("Bool(true)".into())
        );
        assert_eq!(conformed(Value::Json(json!("150ms")), Type::Duration), None);
        assert!(conformed(Value::Json(json!({"a": 1})), Type::Json).is_some());
    }

    #[test]
    fn lists_and_maps_are_checked_item_by_item() {
        let ints = Type::list(Type::Int);
        assert_eq!(
            conformed(Value::Json(json!([1, 2])), ints.clone()),
            Some("List([Int(1), Int(2)])".into())
        );
        assert_eq!(conformed(Value::Json(json!([1, "2"])), ints.clone()), None);
        assert_eq!(
            conformed(Value::List(vec![Value::Json(json!(1))]), ints.clone()),
            Some("List([Int(1)])".into())
        );
        assert_eq!(conformed(Value::Json(json!({"a": 1})), ints), None);
        assert!(conformed(Value::Json(json!({"a": "x"})), Type::map(Type::String)).is_some());
        assert!(conformed(Value::Json(json!({"a": 1})), Type::map(Type::String)).is_none());
    }

    #[test]
    fn static_values_pass_as_the_checker_allowed_them() {
        assert!(conformed(Value::Int(1), Type::Float).is_some());
        assert!(conformed(Value::Int(1), Type::Number).is_some());
        assert!(conformed(Value::Float(1.5), Type::Int).is_none());
        assert!(conformed(Value::String("a".into()), Type::Int).is_none());
        assert!(conformed(Value::Null, Type::String).is_none());
        assert!(conformed(Value::String("a".into()), Type::Json).is_some());
    }
}
