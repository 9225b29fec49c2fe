//! Numbers and strings seen through `json`: the number an `int`, a `float` or a json
//! number holds, the text a string or a json string holds, and exact ordering of
//! numbers (an int beyond 2^53 against a float).

use std::cmp::Ordering;

use serde_json::Value as Json;

use super::Value;

/// A number, whether it came as an `int`, a `float` or a json number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub(super) fn as_f64(self) -> f64 {
        match self {
            Number::Int(int) => int as f64,
            Number::Float(float) => float,
        }
    }

    pub(super) fn into_value(self) -> Value {
        match self {
            Number::Int(int) => Value::Int(int),
            Number::Float(float) => Value::Float(float),
        }
    }
}

pub(crate) fn json_number(number: &serde_json::Number) -> Number {
    if let Some(int) = number.as_i64() {
        Number::Int(int)
    } else {
        // A u64 above i64::MAX, or a fraction: both read as floats.
        Number::Float(number.as_f64().unwrap_or(f64::NAN))
    }
}

/// The number a value holds: an int, a float or a json number.
pub(crate) fn number_of(value: &Value) -> Option<Number> {
    match value {
        Value::Int(int) => Some(Number::Int(*int)),
        Value::Float(float) => Some(Number::Float(*float)),
        Value::Json(Json::Number(number)) => Some(json_number(number)),
        _ => None,
    }
}

/// The text a value holds: a string or a json string.
pub(crate) fn string_of(value: &Value) -> Option<&str> {
    match value {
        Value::String(text) => Some(text),
        Value::Json(Json::String(text)) => Some(text),
        _ => None,
    }
}

/// Orders two numbers exactly, even an int beyond 2^53 against a float.
/// `None` when a NaN is involved.
pub(super) fn compare_numbers(left: Number, right: Number) -> Option<Ordering> {
    match (left, right) {
        (Number::Int(a), Number::Int(b)) => Some(a.cmp(&b)),
        (Number::Float(a), Number::Float(b)) => a.partial_cmp(&b),
        (Number::Int(a), Number::Float(b)) => compare_int_float(a, b),
        (Number::Float(a), Number::Int(b)) => compare_int_float(b, a).map(Ordering::reverse),
    }
}

fn compare_int_float(int: i64, float: f64) -> Option<Ordering> {
    // 2^63 is exactly representable; every i64 is below it and at or above -2^63.
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if float.is_nan() {
        return None;
    }
    if float >= TWO_POW_63 {
        return Some(Ordering::Less);
    }
    if float < -TWO_POW_63 {
        return Some(Ordering::Greater);
    }
    let whole = float.trunc();
    // In range, so the cast is exact.
    let whole_int = whole as i64;
    match int.cmp(&whole_int) {
        Ordering::Equal => 0.0_f64.partial_cmp(&(float - whole)),
        unequal => Some(unequal),
    }
}
