//! `==` and the orderings `<`, `<=`, `>`, `>=`: one type compared deeply, numbers
//! numerically (json ones too), units each with their own kind.

use std::cmp::Ordering;

use serde_json::Value as Json;

use super::number::{compare_numbers, json_number, number_of, string_of};
use super::{EvalError, Value, to_json, type_name_with_article};

/// `==`: one type compared deeply; int with float numerically; json with anything
/// by converting the other side to JSON (kinds must match, numbers numerically).
/// Object equality ignores key order. Values of different types are unequal.
pub fn equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Json(left), Value::Json(right)) => json_equals(left, right),
        // A NaN or infinite float has no JSON form (it would read as null): unequal.
        (Value::Json(_), Value::Float(float)) | (Value::Float(float), Value::Json(_))
            if !float.is_finite() =>
        {
            false
        }
        (Value::Json(left), other) | (other, Value::Json(left)) => {
            json_equals(left, &to_json(other))
        }
        _ => {
            if let (Some(left), Some(right)) = (number_of(a), number_of(b)) {
                return compare_numbers(left, right) == Some(Ordering::Equal);
            }
            match (a, b) {
                (Value::Null, Value::Null) => true,
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::String(x), Value::String(y)) => x == y,
                (Value::Duration(x), Value::Duration(y)) => x == y,
                (Value::Percent(x), Value::Percent(y)) => x == y,
                (Value::Size(x), Value::Size(y)) => x == y,
                (Value::Bytes(x), Value::Bytes(y)) => x == y,
                (Value::List(x), Value::List(y)) => {
                    x.len() == y.len() && x.iter().zip(y).all(|(left, right)| equals(left, right))
                }
                (Value::Object(x), Value::Object(y)) => {
                    x.len() == y.len()
                        && x.iter().all(|(key, left)| {
                            y.iter()
                                .find(|(other_key, _)| other_key == key)
                                .is_some_and(|(_, right)| equals(left, right))
                        })
                }
                (Value::File(x), Value::File(y)) => x == y,
                (Value::Schema(x), Value::Schema(y)) => x == y,
                (Value::Connection(x), Value::Connection(y)) => x == y,
                (Value::Service(x), Value::Service(y)) => x == y,
                _ => false,
            }
        }
    }
}

/// JSON equality: same kind, numbers numerically, objects ignoring key order.
pub(super) fn json_equals(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            compare_numbers(json_number(x), json_number(y)) == Some(Ordering::Equal)
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(left, right)| json_equals(left, right))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, left)| y.get(key).is_some_and(|right| json_equals(left, right)))
        }
        _ => a == b,
    }
}

/// `<`, `<=`, `>`, `>=`: numbers (int, float, json numbers), strings by code point
/// (json strings too), and durations, sizes and percents each with their own kind.
pub fn compare(a: &Value, b: &Value) -> Result<Ordering, EvalError> {
    if let (Some(left), Some(right)) = (number_of(a), number_of(b)) {
        return compare_numbers(left, right)
            .ok_or_else(|| EvalError::new("cannot order NaN (a float that is not a number)"));
    }
    if let (Some(left), Some(right)) = (string_of(a), string_of(b)) {
        // UTF-8 byte order is code point order.
        return Ok(left.cmp(right));
    }
    match (a, b) {
        (Value::Duration(x), Value::Duration(y)) => Ok(x.cmp(y)),
        (Value::Size(x), Value::Size(y)) => Ok(x.cmp(y)),
        (Value::Percent(x), Value::Percent(y)) => x
            .partial_cmp(y)
            .ok_or_else(|| EvalError::new("cannot order a percent that is not a number")),
        _ => {
            let mut message = format!(
                "cannot compare {} with {}",
                type_name_with_article(a),
                type_name_with_article(b)
            );
            if let Some(hint) = unit_hint(a, b) {
                message.push_str(": ");
                message.push_str(hint);
            }
            Err(EvalError(message))
        }
    }
}

/// The advice when a unit value meets a bare number.
pub(super) fn unit_hint(a: &Value, b: &Value) -> Option<&'static str> {
    let is_number = |value: &Value| number_of(value).is_some();
    let has = |predicate: fn(&Value) -> bool| predicate(a) || predicate(b);
    if !(is_number(a) || is_number(b)) {
        return None;
    }
    if has(|value| matches!(value, Value::Duration(_))) {
        Some("write the number with its unit, like 200ms")
    } else if has(|value| matches!(value, Value::Size(_))) {
        Some("write the number with its unit, like 64KB")
    } else if has(|value| matches!(value, Value::Percent(_))) {
        Some("write a percent, like 99%, not 0.99")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::test_values::*;
    use crate::value::*;
    use serde_json::json;

    #[test]
    fn equality_of_one_type_and_numbers() {
        assert!(equals(&Value::Int(1), &Value::Float(1.0)));
        assert!(equals(&Value::Float(2.0), &Value::Int(2)));
        assert!(!equals(&Value::Int(1), &Value::Float(1.5)));
        assert!(!equals(
            &Value::Int(i64::MAX),
            &Value::Float(9_223_372_036_854_775_808.0)
        ));
        assert!(!equals(
            &Value::Int((1 << 53) + 1),
            &Value::Float((1u64 << 53) as f64)
        ));
        assert!(equals(&text("a"), &text("a")));
        assert!(!equals(&text("a"), &text("A")));
        assert!(equals(&ms(200), &ms(200)));
        assert!(!equals(&ms(200), &Value::Int(200)));
        assert!(!equals(&Value::Percent(0.99), &Value::Float(0.99)));
        assert!(equals(&Value::Null, &Value::Null));
        assert!(!equals(&Value::Null, &Value::Int(0)));
        assert!(!equals(&Value::Float(f64::NAN), &Value::Float(f64::NAN)));
        assert!(equals(
            &Value::List(vec![Value::Int(1), text("x")]),
            &Value::List(vec![Value::Float(1.0), text("x")])
        ));
        assert!(!equals(
            &Value::List(vec![Value::Int(1)]),
            &Value::List(vec![])
        ));
    }

    #[test]
    fn object_equality_ignores_key_order() {
        let a = object(&[("a", Value::Int(1)), ("b", text("x"))]);
        let b = object(&[("b", text("x")), ("a", Value::Int(1))]);
        assert!(equals(&a, &b));
        assert!(!equals(&a, &object(&[("a", Value::Int(1))])));
        assert!(!equals(
            &a,
            &object(&[("a", Value::Int(1)), ("c", text("x"))])
        ));
        assert!(equals(
            &Value::Json(json!({"a": 1, "b": [1, 2]})),
            &Value::Json(json!({"b": [1.0, 2], "a": 1.0}))
        ));
    }

    #[test]
    fn json_equals_anything_by_json_kind() {
        assert!(equals(&Value::Json(json!(1)), &Value::Int(1)));
        assert!(equals(&Value::Int(1), &Value::Json(json!(1.0))));
        assert!(equals(&Value::Json(json!(2.5)), &Value::Float(2.5)));
        assert!(!equals(&Value::Json(json!("1")), &Value::Int(1)));
        assert!(equals(&Value::Json(json!("bob")), &text("bob")));
        assert!(equals(&Value::Json(json!(null)), &Value::Null));
        assert!(!equals(&Value::Json(json!(false)), &Value::Null));
        assert!(equals(&Value::Json(json!(true)), &Value::Bool(true)));
        assert!(equals(
            &Value::Json(json!({"role": "admin", "id": 3})),
            &object(&[("id", Value::Int(3)), ("role", text("admin"))])
        ));
        assert!(equals(
            &Value::Json(json!(["a", 1])),
            &Value::List(vec![text("a"), Value::Int(1)])
        ));
        assert!(!equals(
            &Value::Json(json!([1])),
            &Value::Json(json!({"0": 1}))
        ));
        assert!(equals(
            &Value::Json(json!(u64::MAX)),
            &Value::Json(json!(u64::MAX))
        ));
        assert!(equals(&Value::Json(json!("150ms")), &ms(150)));
        assert!(!equals(&Value::Json(json!(null)), &Value::Float(f64::NAN)));
    }

    #[test]
    fn ordering() {
        assert_eq!(
            compare(&Value::Int(1), &Value::Float(1.5)),
            Ok(Ordering::Less)
        );
        assert_eq!(
            compare(&Value::Json(json!(3)), &Value::Int(2)),
            Ok(Ordering::Greater)
        );
        assert_eq!(
            compare(&Value::Json(json!(2.0)), &Value::Int(2)),
            Ok(Ordering::Equal)
        );
        assert_eq!(compare(&text("a"), &text("b")), Ok(Ordering::Less));
        assert_eq!(compare(&text("Z"), &text("a")), Ok(Ordering::Less));
        assert_eq!(compare(&text("é"), &text("z")), Ok(Ordering::Greater));
        assert_eq!(
            compare(&Value::Json(json!("b")), &text("a")),
            Ok(Ordering::Greater)
        );
        assert_eq!(compare(&ms(150), &ms(200)), Ok(Ordering::Less));
        assert_eq!(
            compare(&Value::Size(1024), &Value::Size(10)),
            Ok(Ordering::Greater)
        );
        assert_eq!(
            compare(&Value::Percent(0.99), &Value::Percent(0.995)),
            Ok(Ordering::Less)
        );
        assert_eq!(
            compare(
                &Value::Int(i64::MAX),
                &Value::Float(9_223_372_036_854_775_808.0)
            ),
            Ok(Ordering::Less)
        );
        assert_eq!(
            compare(&Value::Int(-3), &Value::Float(-2.5)),
            Ok(Ordering::Less)
        );
        assert_eq!(
            compare(&Value::Int(-2), &Value::Float(-2.5)),
            Ok(Ordering::Greater)
        );
    }

    #[test]
    fn ordering_errors_in_plain_words() {
        assert_eq!(
            err(compare(&text("a"), &Value::Int(1))),
            "cannot compare a string with an int"
        );
        assert!(err(compare(&ms(1), &Value::Int(200))).contains("like 200ms"));
        assert!(err(compare(&Value::Percent(0.9), &Value::Float(0.99))).contains("99%"));
        assert!(err(compare(&Value::Float(f64::NAN), &Value::Int(1))).contains("NaN"));
        assert!(compare(&Value::List(vec![]), &Value::List(vec![])).is_err());
        assert!(compare(&Value::Json(json!(null)), &Value::Int(1)).is_err());
        assert!(compare(&Value::Bool(true), &Value::Bool(false)).is_err());
    }
}
