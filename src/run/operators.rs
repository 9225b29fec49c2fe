//! The pure runtime semantics of values (GRAMMAR-NOTES.md §3, §4, §6): equality,
//! ordering, arithmetic with units, `contains`, `matches`, `is`, paths, truth, and
//! the text, JSON and message forms of a value. No IO, no clock; must not import
//! `syntax::ast` or `check`.
//!
//! The checker has already rejected what it can see statically; what reaches these
//! functions with the wrong shape is a `json` value (or a bug upstream), and it
//! becomes an `EvalError` in plain words, never a panic.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use regex::Regex;
use serde_json::Value as Json;

use super::value::Value;
use crate::syntax::literal::{format_duration, format_percent, format_size};

/// Why an operation could not give a value, in plain words for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError(pub String);

impl EvalError {
    pub fn new(message: impl Into<String>) -> EvalError {
        EvalError(message.into())
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for EvalError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Subtract,
    Multiply,
    Divide,
}

impl ArithOp {
    fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Subtract => "-",
            ArithOp::Multiply => "*",
            ArithOp::Divide => "/",
        }
    }

    fn verb(self) -> &'static str {
        match self {
            ArithOp::Add => "add",
            ArithOp::Subtract => "subtract",
            ArithOp::Multiply => "multiply",
            ArithOp::Divide => "divide",
        }
    }
}

// ---------------------------------------------------------------------------
// Numbers and strings seen through `json`

/// A number, whether it came as an `int`, a `float` or a json number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    fn as_f64(self) -> f64 {
        match self {
            Number::Int(int) => int as f64,
            Number::Float(float) => float,
        }
    }

    fn into_value(self) -> Value {
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
fn compare_numbers(left: Number, right: Number) -> Option<Ordering> {
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

// ---------------------------------------------------------------------------
// Type names for messages

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

// ---------------------------------------------------------------------------
// Equality

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
                (Value::Database(x), Value::Database(y)) => x == y,
                (Value::Redis(x), Value::Redis(y)) => x == y,
                (Value::Service(x), Value::Service(y)) => x == y,
                _ => false,
            }
        }
    }
}

/// JSON equality: same kind, numbers numerically, objects ignoring key order.
fn json_equals(a: &Json, b: &Json) -> bool {
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

// ---------------------------------------------------------------------------
// Ordering

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
fn unit_hint(a: &Value, b: &Value) -> Option<&'static str> {
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

// ---------------------------------------------------------------------------
// Arithmetic

/// A json operand as the value it acts as: numbers as int or float, strings as
/// strings, arrays as lists of json. Other values are returned as they are.
fn unwrap_json(value: &Value) -> Value {
    match value {
        Value::Json(Json::Number(number)) => json_number(number).into_value(),
        Value::Json(Json::String(text)) => Value::String(text.clone()),
        Value::Json(Json::Array(items)) => {
            Value::List(items.iter().cloned().map(Value::Json).collect())
        }
        other => other.clone(),
    }
}

/// `+ - * /` by the table of GRAMMAR-NOTES.md §4. Int overflow, division by zero,
/// negative durations or sizes and non-finite floats are errors.
pub fn arithmetic(op: ArithOp, a: &Value, b: &Value) -> Result<Value, EvalError> {
    let left = unwrap_json(a);
    let right = unwrap_json(b);
    let mismatch = || {
        let preposition = match op {
            ArithOp::Add => "to",
            ArithOp::Subtract => "from",
            ArithOp::Multiply | ArithOp::Divide => "by",
        };
        let (first, second) = match op {
            // "cannot add an int to a duration", "cannot subtract an int from a duration"
            ArithOp::Add | ArithOp::Subtract => (&right, &left),
            ArithOp::Multiply | ArithOp::Divide => (&left, &right),
        };
        let mut message = format!(
            "cannot {} {} {preposition} {}",
            op.verb(),
            type_name_with_article(first),
            type_name_with_article(second)
        );
        if let Some(hint) = unit_hint(&left, &right) {
            message.push_str(": ");
            message.push_str(hint);
        }
        EvalError(message)
    };
    match (&left, &right) {
        (Value::Int(x), Value::Int(y)) => int_arithmetic(op, *x, *y),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let x = number_of(&left).map_or(f64::NAN, Number::as_f64);
            let y = number_of(&right).map_or(f64::NAN, Number::as_f64);
            float_arithmetic(op, x, y).map(Value::Float)
        }
        (Value::String(x), Value::String(y)) if op == ArithOp::Add => {
            Ok(Value::String(format!("{x}{y}")))
        }
        (Value::List(x), Value::List(y)) if op == ArithOp::Add => {
            Ok(Value::List(x.iter().chain(y).cloned().collect()))
        }
        (Value::Duration(x), Value::Duration(y)) => match op {
            ArithOp::Add => x
                .checked_add(*y)
                .map(Value::Duration)
                .ok_or_else(|| EvalError::new("the duration is too long")),
            ArithOp::Subtract => x.checked_sub(*y).map(Value::Duration).ok_or_else(|| {
                EvalError(format!(
                    "{} - {} would be a negative duration",
                    format_duration(*x),
                    format_duration(*y)
                ))
            }),
            ArithOp::Multiply => Err(mismatch()),
            ArithOp::Divide => {
                if y.is_zero() {
                    Err(EvalError::new("division by zero (a duration of 0s)"))
                } else {
                    float_result(x.as_nanos() as f64 / y.as_nanos() as f64).map(Value::Float)
                }
            }
        },
        (Value::Size(x), Value::Size(y)) => match op {
            ArithOp::Add => x
                .checked_add(*y)
                .map(Value::Size)
                .ok_or_else(|| EvalError::new("the size is too large")),
            ArithOp::Subtract => x.checked_sub(*y).map(Value::Size).ok_or_else(|| {
                EvalError(format!(
                    "{} - {} would be a negative size",
                    format_size(*x),
                    format_size(*y)
                ))
            }),
            ArithOp::Multiply => Err(mismatch()),
            ArithOp::Divide => {
                if *y == 0 {
                    Err(EvalError::new("division by zero (a size of 0B)"))
                } else {
                    float_result(*x as f64 / *y as f64).map(Value::Float)
                }
            }
        },
        (Value::Percent(x), Value::Percent(y)) => match op {
            ArithOp::Add => float_result(x + y).map(Value::Percent),
            ArithOp::Subtract => float_result(x - y).map(Value::Percent),
            ArithOp::Multiply => float_result(x * y).map(Value::Percent),
            ArithOp::Divide => Err(mismatch()),
        },
        // A unit times a number, or divided by one.
        (Value::Duration(duration), _) if number_of(&right).is_some() => match op {
            ArithOp::Multiply | ArithOp::Divide => {
                scale_duration(*duration, number_of(&right), op).map(Value::Duration)
            }
            _ => Err(mismatch()),
        },
        (_, Value::Duration(duration)) if number_of(&left).is_some() && op == ArithOp::Multiply => {
            scale_duration(*duration, number_of(&left), op).map(Value::Duration)
        }
        (Value::Size(size), _) if number_of(&right).is_some() => match op {
            ArithOp::Multiply | ArithOp::Divide => {
                scale_size(*size, number_of(&right), op).map(Value::Size)
            }
            _ => Err(mismatch()),
        },
        (_, Value::Size(size)) if number_of(&left).is_some() && op == ArithOp::Multiply => {
            scale_size(*size, number_of(&left), op).map(Value::Size)
        }
        // A percent of something takes that something's type (`p50 * 150%`).
        (Value::Percent(fraction), other) | (other, Value::Percent(fraction))
            if op == ArithOp::Multiply =>
        {
            percent_of(*fraction, other).ok_or_else(mismatch)?
        }
        _ => Err(mismatch()),
    }
}

fn int_arithmetic(op: ArithOp, x: i64, y: i64) -> Result<Value, EvalError> {
    let overflow = || {
        EvalError(format!(
            "int overflow: {x} {} {y} does not fit in 64 bits",
            op.symbol()
        ))
    };
    match op {
        ArithOp::Add => x.checked_add(y).map(Value::Int).ok_or_else(overflow),
        ArithOp::Subtract => x.checked_sub(y).map(Value::Int).ok_or_else(overflow),
        ArithOp::Multiply => x.checked_mul(y).map(Value::Int).ok_or_else(overflow),
        ArithOp::Divide => {
            if y == 0 {
                Err(EvalError(format!("division by zero: {x} / 0")))
            } else {
                float_result(x as f64 / y as f64).map(Value::Float)
            }
        }
    }
}

fn float_arithmetic(op: ArithOp, x: f64, y: f64) -> Result<f64, EvalError> {
    match op {
        ArithOp::Add => float_result(x + y),
        ArithOp::Subtract => float_result(x - y),
        ArithOp::Multiply => float_result(x * y),
        ArithOp::Divide => {
            if y == 0.0 {
                Err(EvalError(format!(
                    "division by zero: {} / 0",
                    float_text(x)
                )))
            } else {
                float_result(x / y)
            }
        }
    }
}

fn float_result(value: f64) -> Result<f64, EvalError> {
    if value.is_finite() {
        Ok(value)
    } else if value.is_nan() {
        Err(EvalError::new("the result is not a number (NaN)"))
    } else {
        Err(EvalError::new("float overflow: the result is too large"))
    }
}

/// The factor a unit is multiplied or divided by, checked: finite, not negative,
/// and not zero for a division.
fn scale_factor(number: Option<Number>, op: ArithOp, unit: &str) -> Result<Number, EvalError> {
    let number = number.ok_or_else(|| EvalError::new("expected a number"))?;
    let as_float = number.as_f64();
    if !as_float.is_finite() {
        return Err(EvalError(format!(
            "cannot scale a {unit} by a number that is not finite"
        )));
    }
    if op == ArithOp::Divide && as_float == 0.0 {
        return Err(EvalError(format!("division by zero: a {unit} / 0")));
    }
    if as_float < 0.0 {
        return Err(EvalError(format!("a {unit} cannot be negative")));
    }
    Ok(number)
}

fn scale_duration(
    duration: Duration,
    number: Option<Number>,
    op: ArithOp,
) -> Result<Duration, EvalError> {
    let too_long = || EvalError::new("the duration is too long");
    match scale_factor(number, op, "duration")? {
        Number::Int(factor) => {
            let factor = u128::from(factor.unsigned_abs());
            let nanos = duration.as_nanos();
            let scaled = if op == ArithOp::Multiply {
                nanos.checked_mul(factor).ok_or_else(too_long)?
            } else {
                nanos.checked_div(factor).ok_or_else(too_long)?
            };
            duration_from_nanos(scaled).ok_or_else(too_long)
        }
        Number::Float(factor) => {
            let nanos = duration.as_nanos() as f64;
            let scaled = if op == ArithOp::Multiply {
                nanos * factor
            } else {
                nanos / factor
            };
            duration_from_float_nanos(scaled).ok_or_else(too_long)
        }
    }
}

/// A duration from a count of nanoseconds computed in floating point, rounded to
/// the nearest nanosecond (so `100ms * 1.5` is exactly 150ms).
fn duration_from_float_nanos(nanos: f64) -> Option<Duration> {
    // Durations end near 1.8e28 ns, far below u128::MAX: the cast cannot saturate.
    let rounded = nanos.round();
    if !(0.0..=1.9e28).contains(&rounded) {
        return None;
    }
    duration_from_nanos(rounded as u128)
}

fn duration_from_nanos(nanos: u128) -> Option<Duration> {
    let seconds = u64::try_from(nanos / 1_000_000_000).ok()?;
    let subsecond = u32::try_from(nanos % 1_000_000_000).ok()?;
    Some(Duration::new(seconds, subsecond))
}

fn scale_size(size: u64, number: Option<Number>, op: ArithOp) -> Result<u64, EvalError> {
    let too_large = || EvalError::new("the size is too large");
    match scale_factor(number, op, "size")? {
        Number::Int(factor) => {
            let factor = factor.unsigned_abs();
            if op == ArithOp::Multiply {
                size.checked_mul(factor).ok_or_else(too_large)
            } else {
                size.checked_div(factor).ok_or_else(too_large)
            }
        }
        Number::Float(factor) => {
            let bytes = if op == ArithOp::Multiply {
                size as f64 * factor
            } else {
                size as f64 / factor
            };
            float_to_u64(bytes.round()).ok_or_else(too_large)
        }
    }
}

fn float_to_u64(value: f64) -> Option<u64> {
    // 2^64 is exactly representable; anything below it and not negative fits.
    (value.is_finite() && (0.0..18_446_744_073_709_551_616.0).contains(&value))
        .then_some(value as u64)
}

/// `percent * x`: the fraction of x, in x's type. An int is rounded to the nearest
/// (half away from zero). `None` when x is not a number, duration, size or percent.
fn percent_of(fraction: f64, other: &Value) -> Option<Result<Value, EvalError>> {
    let result = match other {
        Value::Int(int) => {
            let scaled = (*int as f64 * fraction).round();
            if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&scaled) {
                Ok(Value::Int(scaled as i64))
            } else {
                Err(EvalError::new(
                    "int overflow: the result does not fit in 64 bits",
                ))
            }
        }
        Value::Float(float) => float_result(float * fraction).map(Value::Float),
        Value::Duration(duration) => {
            if fraction < 0.0 {
                Err(EvalError::new("a duration cannot be negative"))
            } else {
                duration_from_float_nanos(duration.as_nanos() as f64 * fraction)
                    .map(Value::Duration)
                    .ok_or_else(|| EvalError::new("the duration is too long"))
            }
        }
        Value::Size(size) => {
            if fraction < 0.0 {
                Err(EvalError::new("a size cannot be negative"))
            } else {
                float_to_u64((*size as f64 * fraction).round())
                    .map(Value::Size)
                    .ok_or_else(|| EvalError::new("the size is too large"))
            }
        }
        _ => return None,
    };
    Some(result)
}

// ---------------------------------------------------------------------------
// contains, matches, is

/// `container contains item` (and `item in container`): a substring of a string, an
/// element of a list (by `equals`), a key of an object (exact, else ignoring ASCII
/// case, as `member` reads keys).
pub fn contains(container: &Value, item: &Value) -> Result<bool, EvalError> {
    match container {
        Value::String(_) | Value::Json(Json::String(_)) => {
            let text = string_of(container).unwrap_or_default();
            match string_of(item) {
                Some(needle) => Ok(text.contains(needle)),
                None => Err(EvalError(format!(
                    "cannot look for {} in a string: a string contains only text",
                    type_name_with_article(item)
                ))),
            }
        }
        Value::List(items) => Ok(items.iter().any(|element| equals(element, item))),
        Value::Json(Json::Array(items)) => {
            let wanted = to_json(item);
            Ok(items.iter().any(|element| json_equals(element, &wanted)))
        }
        Value::Object(entries) => match string_of(item) {
            Some(key) => Ok(find_key(entries.iter().map(|(name, _)| name.as_str()), key).is_some()),
            None => Err(key_type_error(item)),
        },
        Value::Json(Json::Object(entries)) => match string_of(item) {
            Some(key) => Ok(find_key(entries.keys().map(String::as_str), key).is_some()),
            None => Err(key_type_error(item)),
        },
        Value::Bytes(bytes) => {
            let needle: &[u8] = match item {
                Value::Bytes(needle) => needle,
                _ => match string_of(item) {
                    Some(text) => text.as_bytes(),
                    None => {
                        return Err(EvalError(format!(
                            "cannot look for {} in bytes",
                            type_name_with_article(item)
                        )));
                    }
                },
            };
            Ok(needle.is_empty() || bytes.windows(needle.len()).any(|window| window == needle))
        }
        _ => Err(EvalError(format!(
            "cannot look inside {}: `contains` and `in` need a string, a list or an object",
            type_name_with_article(container)
        ))),
    }
}

fn key_type_error(item: &Value) -> EvalError {
    EvalError(format!(
        "an object's keys are strings, not {}",
        type_name_with_article(item)
    ))
}

/// The position of `key` among `keys`: the exact key first, else the first that
/// differs only in ASCII case (HTTP header names are case-insensitive).
fn find_key<'k>(keys: impl Iterator<Item = &'k str> + Clone, key: &str) -> Option<usize> {
    keys.clone()
        .position(|candidate| candidate == key)
        .or_else(|| {
            keys.clone()
                .position(|candidate| candidate.eq_ignore_ascii_case(key))
        })
}

/// How many compiled patterns are kept; past this the cache starts over.
const REGEX_CACHE_LIMIT: usize = 512;
/// The most memory one compiled pattern may use, so that a huge pattern is an
/// error instead of an exhausted machine.
const REGEX_SIZE_LIMIT: usize = 16 * 1024 * 1024;

fn regex_cache() -> &'static Mutex<HashMap<String, Arc<Regex>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Regex>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Compiles a pattern (Rust `regex` syntax), reusing one compiled before.
pub fn compile_regex(pattern: &str) -> Result<Arc<Regex>, EvalError> {
    {
        let cache = regex_cache()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(regex) = cache.get(pattern) {
            return Ok(Arc::clone(regex));
        }
    }
    // Compiled outside the lock: a large pattern must not hold up other tests.
    let regex = regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|error| EvalError(format!("invalid regular expression: {error}")))?;
    let regex = Arc::new(regex);
    let mut cache = regex_cache()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if cache.len() >= REGEX_CACHE_LIMIT {
        cache.clear();
    }
    cache.insert(pattern.to_string(), Arc::clone(&regex));
    Ok(regex)
}

/// `text matches pattern`: Rust `regex` syntax, unanchored.
pub fn matches(text: &Value, pattern: &Value) -> Result<bool, EvalError> {
    let Some(text) = string_of(text) else {
        return Err(EvalError(format!(
            "`matches` needs a string on its left, found {}",
            type_name_with_article(text)
        )));
    };
    let Some(pattern) = string_of(pattern) else {
        return Err(EvalError(format!(
            "`matches` needs a pattern string on its right, found {}",
            type_name_with_article(pattern)
        )));
    };
    Ok(compile_regex(pattern)?.is_match(text))
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

// ---------------------------------------------------------------------------
// Paths

/// `value.name`: a key of an object or json object, the exact key first and else
/// one that differs only in ASCII case (header maps are stored lowercased).
/// `None` is missing: no such key, or `value` is not an object.
pub fn member(value: &Value, name: &str) -> Option<Value> {
    match value {
        Value::Object(entries) => {
            let position = find_key(entries.iter().map(|(key, _)| key.as_str()), name)?;
            entries.get(position).map(|(_, found)| found.clone())
        }
        Value::Json(Json::Object(entries)) => {
            if let Some(found) = entries.get(name) {
                return Some(Value::Json(found.clone()));
            }
            entries
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, found)| Value::Json(found.clone()))
        }
        _ => None,
    }
}

/// `value[index]`: a list or json array by int (negative counts from the end), an
/// object or json object by string. Out of range, an absent key or a step through
/// null is `Ok(None)`, missing; an index of the wrong type is an error.
pub fn index(value: &Value, index: &Value) -> Result<Option<Value>, EvalError> {
    match value {
        Value::Null | Value::Json(Json::Null) => Ok(None),
        Value::List(items) => {
            let position = list_position(items.len(), index, value)?;
            Ok(position.and_then(|at| items.get(at)).cloned())
        }
        Value::Json(Json::Array(items)) => {
            let position = list_position(items.len(), index, value)?;
            Ok(position
                .and_then(|at| items.get(at))
                .cloned()
                .map(Value::Json))
        }
        Value::Object(_) | Value::Json(Json::Object(_)) => match string_of(index) {
            Some(key) => Ok(member(value, key)),
            None => Err(EvalError(format!(
                "{} is indexed by a string key, not {}",
                type_name_with_article(value),
                type_name_with_article(index)
            ))),
        },
        _ => Err(EvalError(format!(
            "cannot index {}: only lists, arrays and objects have `[…]`",
            type_name_with_article(value)
        ))),
    }
}

fn list_position(
    length: usize,
    index: &Value,
    container: &Value,
) -> Result<Option<usize>, EvalError> {
    let wrong_type = || {
        EvalError(format!(
            "{} is indexed by an int, not {}",
            type_name_with_article(container),
            type_name_with_article(index)
        ))
    };
    let position = match number_of(index) {
        Some(Number::Int(position)) => position,
        Some(Number::Float(float)) if matches!(index, Value::Json(_)) && float.fract() == 0.0 => {
            // A json number such as 2.0 is still an index; beyond i64 it is out of range.
            if float.abs() < 9.0e18 {
                float as i64
            } else {
                return Ok(None);
            }
        }
        _ => return Err(wrong_type()),
    };
    let length = i64::try_from(length).unwrap_or(i64::MAX);
    let resolved = if position < 0 {
        length.checked_add(position)
    } else {
        Some(position)
    };
    Ok(resolved
        .filter(|at| (0..length).contains(at))
        .and_then(|at| usize::try_from(at).ok()))
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

// ---------------------------------------------------------------------------
// Text, JSON and messages

/// A float as `{{ }}` writes it: the shortest text that reads back, always with a
/// fraction or an exponent so that it reads back as a float (`2.5`, `1.0`, `1e21`).
pub fn float_text(value: f64) -> String {
    format!("{value:?}")
}

/// The text `{{ x }}` inserts (GRAMMAR-NOTES.md §6).
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
        Value::Duration(duration) => Ok(format_duration(*duration)),
        Value::Percent(fraction) => Ok(format_percent(*fraction)),
        Value::Size(size) => Ok(format_size(*size)),
        Value::Json(json) => Ok(json.to_string()),
        Value::List(_) | Value::Object(_) => Ok(to_json(value).to_string()),
        Value::Schema(schema) => Ok(schema.to_string()),
        Value::Database(url) | Value::Redis(url) => Ok(url.to_string()),
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
        Value::Duration(duration) => Json::String(format_duration(*duration)),
        Value::Percent(fraction) => Json::String(format_percent(*fraction)),
        Value::Size(size) => Json::String(format_size(*size)),
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
        Value::Database(url) | Value::Redis(url) => Json::String(url.to_string()),
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
            format_size(part.content.len() as u64)
        ),
        Value::Schema(_) => format!("schema {}", to_json(value)),
        Value::Database(url) => format!("database \"{}\"", hide_password(url)),
        Value::Redis(url) => format!("redis \"{}\"", hide_password(url)),
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
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(s: &str) -> Value {
        Value::String(s.to_string())
    }

    fn ms(millis: u64) -> Value {
        Value::Duration(Duration::from_millis(millis))
    }

    fn object(entries: &[(&str, Value)]) -> Value {
        Value::object(
            entries
                .iter()
                .map(|(key, value)| (key.to_string(), value.clone())),
        )
    }

    fn err<T: std::fmt::Debug>(result: Result<T, EvalError>) -> String {
        match result {
            Err(EvalError(message)) => message,
            Ok(value) => panic!("expected an error, got {value:?}"),
        }
    }

    fn arith(op: ArithOp, a: Value, b: Value) -> Value {
        match arithmetic(op, &a, &b) {
            Ok(value) => value,
            Err(error) => panic!("{a:?} {op:?} {b:?}: {error}"),
        }
    }

    fn same(a: &Value, b: &Value) -> bool {
        // Same variant and equal; Float vs Int must not pass as equal here.
        std::mem::discriminant(a) == std::mem::discriminant(b) && equals(a, b)
    }

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

    #[test]
    fn int_and_float_arithmetic() {
        use ArithOp::*;
        assert!(same(
            &arith(Add, Value::Int(2), Value::Int(3)),
            &Value::Int(5)
        ));
        assert!(same(
            &arith(Subtract, Value::Int(2), Value::Int(3)),
            &Value::Int(-1)
        ));
        assert!(same(
            &arith(Multiply, Value::Int(4), Value::Int(3)),
            &Value::Int(12)
        ));
        assert!(same(
            &arith(Divide, Value::Int(7), Value::Int(2)),
            &Value::Float(3.5)
        ));
        assert!(same(
            &arith(Divide, Value::Int(6), Value::Int(3)),
            &Value::Float(2.0)
        ));
        assert!(same(
            &arith(Add, Value::Int(1), Value::Float(0.5)),
            &Value::Float(1.5)
        ));
        assert!(same(
            &arith(Multiply, Value::Float(1.5), Value::Int(2)),
            &Value::Float(3.0)
        ));
        assert!(same(
            &arith(Add, Value::Json(json!(1)), Value::Int(1)),
            &Value::Int(2)
        ));
        assert!(same(
            &arith(Add, Value::Json(json!(1.5)), Value::Json(json!(1))),
            &Value::Float(2.5)
        ));
    }

    #[test]
    fn overflow_and_division_by_zero_are_errors() {
        use ArithOp::*;
        assert!(
            err(arithmetic(Add, &Value::Int(i64::MAX), &Value::Int(1))).contains("int overflow")
        );
        assert!(
            err(arithmetic(Subtract, &Value::Int(i64::MIN), &Value::Int(1))).contains("overflow")
        );
        assert!(
            err(arithmetic(Multiply, &Value::Int(i64::MAX), &Value::Int(2))).contains("overflow")
        );
        assert!(
            err(arithmetic(Divide, &Value::Int(1), &Value::Int(0))).contains("division by zero")
        );
        assert!(
            err(arithmetic(Divide, &Value::Float(1.0), &Value::Float(0.0)))
                .contains("division by zero")
        );
        assert!(err(arithmetic(Divide, &ms(10), &ms(0))).contains("division by zero"));
        assert!(err(arithmetic(Divide, &ms(10), &Value::Int(0))).contains("division by zero"));
        assert!(
            err(arithmetic(Divide, &Value::Size(10), &Value::Size(0))).contains("division by zero")
        );
        assert!(
            err(arithmetic(
                Multiply,
                &Value::Float(f64::MAX),
                &Value::Float(2.0)
            ))
            .contains("overflow")
        );
        assert!(arithmetic(Multiply, &Value::Duration(Duration::MAX), &Value::Int(2)).is_err());
        assert!(
            arithmetic(
                Multiply,
                &Value::Duration(Duration::MAX),
                &Value::Float(1e300)
            )
            .is_err()
        );
        assert!(arithmetic(Multiply, &Value::Size(u64::MAX), &Value::Int(2)).is_err());
        assert!(arithmetic(Multiply, &Value::Size(u64::MAX), &Value::Float(2.0)).is_err());
        assert!(arithmetic(Multiply, &Value::Percent(0.5), &Value::Int(i64::MAX)).is_ok());
        assert!(arithmetic(Multiply, &Value::Percent(1.0), &Value::Float(f64::MAX)).is_ok());
    }

    #[test]
    fn unit_arithmetic() {
        use ArithOp::*;
        assert!(same(&arith(Add, ms(150), ms(50)), &ms(200)));
        assert!(same(&arith(Subtract, ms(150), ms(50)), &ms(100)));
        assert!(err(arithmetic(Subtract, &ms(50), &ms(150))).contains("negative duration"));
        assert!(same(&arith(Divide, ms(300), ms(200)), &Value::Float(1.5)));
        assert!(same(&arith(Multiply, ms(150), Value::Int(2)), &ms(300)));
        assert!(same(&arith(Multiply, Value::Int(3), ms(100)), &ms(300)));
        assert!(same(&arith(Multiply, ms(100), Value::Float(1.5)), &ms(150)));
        assert!(same(&arith(Divide, ms(300), Value::Int(3)), &ms(100)));
        assert!(same(&arith(Divide, ms(300), Value::Float(2.0)), &ms(150)));
        assert!(err(arithmetic(Multiply, &ms(1), &Value::Int(-2))).contains("negative"));
        assert!(arithmetic(Divide, &Value::Int(3), &ms(100)).is_err());
        assert!(err(arithmetic(Add, &ms(100), &Value::Int(200))).contains("like 200ms"));
        assert_eq!(
            err(arithmetic(Add, &ms(100), &Value::Int(200))),
            "cannot add an int to a duration: write the number with its unit, like 200ms"
        );
        assert!(arithmetic(Multiply, &ms(1), &ms(1)).is_err());

        assert!(same(
            &arith(Add, Value::Size(1024), Value::Size(1024)),
            &Value::Size(2048)
        ));
        assert!(arithmetic(Subtract, &Value::Size(1), &Value::Size(2)).is_err());
        assert!(same(
            &arith(Divide, Value::Size(2048), Value::Size(1024)),
            &Value::Float(2.0)
        ));
        assert!(same(
            &arith(Multiply, Value::Size(1024), Value::Int(10)),
            &Value::Size(10240)
        ));
        assert!(same(
            &arith(Divide, Value::Size(1024), Value::Int(2)),
            &Value::Size(512)
        ));
        assert!(same(
            &arith(Multiply, Value::Int(2), Value::Size(3)),
            &Value::Size(6)
        ));

        assert!(same(
            &arith(Add, Value::Percent(0.5), Value::Percent(0.25)),
            &Value::Percent(0.75)
        ));
        assert!(same(
            &arith(Multiply, Value::Percent(0.5), Value::Percent(0.5)),
            &Value::Percent(0.25)
        ));
        assert!(arithmetic(Divide, &Value::Percent(0.5), &Value::Percent(0.5)).is_err());
        assert!(same(
            &arith(Multiply, ms(200), Value::Percent(1.5)),
            &ms(300)
        ));
        assert!(same(
            &arith(Multiply, Value::Percent(0.5), Value::Size(1024)),
            &Value::Size(512)
        ));
        assert!(same(
            &arith(Multiply, Value::Percent(0.1), Value::Int(15)),
            &Value::Int(2)
        ));
        assert!(same(
            &arith(Multiply, Value::Float(3.0), Value::Percent(0.5)),
            &Value::Float(1.5)
        ));
        assert!(err(arithmetic(Add, &Value::Percent(0.5), &Value::Float(0.5))).contains("99%"));
        assert!(arithmetic(Divide, &ms(100), &Value::Percent(0.5)).is_err());
    }

    #[test]
    fn strings_and_lists_join() {
        use ArithOp::*;
        assert!(same(&arith(Add, text("ab"), text("cd")), &text("abcd")));
        assert!(same(
            &arith(Add, Value::Json(json!("ab")), text("c")),
            &text("abc")
        ));
        assert!(equals(
            &arith(
                Add,
                Value::List(vec![Value::Int(1)]),
                Value::List(vec![Value::Int(2)])
            ),
            &Value::List(vec![Value::Int(1), Value::Int(2)])
        ));
        assert!(equals(
            &arith(
                Add,
                Value::Json(json!([1])),
                Value::List(vec![Value::Int(2)])
            ),
            &Value::List(vec![Value::Int(1), Value::Int(2)])
        ));
        assert_eq!(
            err(arithmetic(Subtract, &text("a"), &text("b"))),
            "cannot subtract a string from a string"
        );
        assert_eq!(
            err(arithmetic(Add, &text("a"), &Value::Int(1))),
            "cannot add an int to a string"
        );
        assert!(arithmetic(Multiply, &text("a"), &Value::Int(3)).is_err());
        assert!(arithmetic(Add, &Value::Json(json!(null)), &Value::Int(3)).is_err());
        assert!(arithmetic(Add, &Value::Json(json!({})), &Value::Json(json!({}))).is_err());
        assert!(arithmetic(Add, &Value::Bool(true), &Value::Bool(true)).is_err());
    }

    #[test]
    fn contains_and_in() {
        assert_eq!(
            contains(
                &text("application/json; charset=utf-8"),
                &text("application/json")
            ),
            Ok(true)
        );
        assert_eq!(contains(&text("abc"), &text("x")), Ok(false));
        assert_eq!(contains(&text("abc"), &text("")), Ok(true));
        assert!(contains(&text("abc"), &Value::Int(1)).is_err());
        assert_eq!(
            contains(&Value::Json(json!("hello")), &text("ell")),
            Ok(true)
        );
        let list = Value::List(vec![text("admin"), text("user"), Value::Int(1)]);
        assert_eq!(contains(&list, &text("user")), Ok(true));
        assert_eq!(contains(&list, &Value::Float(1.0)), Ok(true));
        assert_eq!(contains(&list, &text("root")), Ok(false));
        assert_eq!(contains(&list, &Value::Json(json!("admin"))), Ok(true));
        let array = Value::Json(json!([1, "two", {"a": 1}]));
        assert_eq!(contains(&array, &Value::Int(1)), Ok(true));
        assert_eq!(contains(&array, &text("two")), Ok(true));
        assert_eq!(contains(&array, &object(&[("a", Value::Int(1))])), Ok(true));
        assert_eq!(contains(&array, &text("1")), Ok(false));
        let headers = object(&[("content-type", text("text/plain"))]);
        assert_eq!(contains(&headers, &text("content-type")), Ok(true));
        assert_eq!(contains(&headers, &text("Content-Type")), Ok(true));
        assert_eq!(contains(&headers, &text("x-id")), Ok(false));
        assert!(contains(&headers, &Value::Int(1)).is_err());
        assert_eq!(
            contains(&Value::Json(json!({"id": 1})), &text("id")),
            Ok(true)
        );
        assert_eq!(
            contains(
                &Value::Bytes(b"hello".to_vec()),
                &Value::Bytes(b"ll".to_vec())
            ),
            Ok(true)
        );
        assert!(contains(&Value::Int(12), &Value::Int(1)).is_err());
        assert!(contains(&Value::Json(json!(12)), &Value::Int(1)).is_err());
    }

    #[test]
    fn regex_matches_unanchored_and_errors() {
        assert_eq!(
            matches(&text("{\"status\":1}"), &text("^\\{\"status\"")),
            Ok(true)
        );
        assert_eq!(matches(&text("abc123"), &text("[0-9]+")), Ok(true));
        assert_eq!(matches(&text("abc"), &text("^b")), Ok(false));
        assert_eq!(
            matches(&Value::Json(json!("x-42")), &text("\\d+")),
            Ok(true)
        );
        assert!(err(matches(&text("a"), &text("("))).contains("invalid regular expression"));
        assert!(matches(&text("a"), &text("a{100000}{100000}")).is_err());
        assert!(matches(&Value::Int(1), &text("1")).is_err());
        assert!(matches(&text("1"), &Value::Int(1)).is_err());
        // Twice: the second comes from the cache.
        assert_eq!(matches(&text("abc123"), &text("[0-9]+")), Ok(true));
    }

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
    fn member_reads_keys_case_insensitively_after_exact() {
        let headers = object(&[("content-type", text("a")), ("Content-Type", text("b"))]);
        assert!(same(&member(&headers, "Content-Type").unwrap(), &text("b")));
        assert!(same(&member(&headers, "CONTENT-TYPE").unwrap(), &text("a")));
        assert!(member(&headers, "x").is_none());
        let body = Value::Json(json!({"user": {"id": 7}, "Name": "bob"}));
        assert!(equals(
            &member(&body, "user").unwrap(),
            &Value::Json(json!({"id": 7}))
        ));
        assert!(equals(&member(&body, "name").unwrap(), &text("bob")));
        assert!(member(&body, "nickname").is_none());
        assert!(member(&Value::Json(json!(null)), "a").is_none());
        assert!(member(&Value::Int(1), "a").is_none());
        assert!(member(&Value::Json(json!([1])), "a").is_none());
    }

    #[test]
    fn indexing() {
        let list = Value::List(vec![Value::Int(10), Value::Int(20), Value::Int(30)]);
        assert!(same(
            &index(&list, &Value::Int(0)).unwrap().unwrap(),
            &Value::Int(10)
        ));
        assert!(same(
            &index(&list, &Value::Int(-1)).unwrap().unwrap(),
            &Value::Int(30)
        ));
        assert!(same(
            &index(&list, &Value::Int(-3)).unwrap().unwrap(),
            &Value::Int(10)
        ));
        assert_eq!(
            index(&list, &Value::Int(3)).map(|found| found.is_none()),
            Ok(true)
        );
        assert_eq!(
            index(&list, &Value::Int(-4)).map(|found| found.is_none()),
            Ok(true)
        );
        assert_eq!(
            index(&list, &Value::Int(i64::MIN)).map(|found| found.is_none()),
            Ok(true)
        );
        assert_eq!(
            index(&list, &Value::Int(i64::MAX)).map(|found| found.is_none()),
            Ok(true)
        );
        assert!(err(index(&list, &text("a"))).contains("indexed by an int"));
        assert!(index(&list, &Value::Float(1.0)).is_err());
        let array = Value::Json(json!([{"price": 5}, 2]));
        assert!(equals(
            &index(&array, &Value::Int(0)).unwrap().unwrap(),
            &Value::Json(json!({"price": 5}))
        ));
        assert!(equals(
            &index(&array, &Value::Json(json!(1))).unwrap().unwrap(),
            &Value::Int(2)
        ));
        assert!(index(&array, &Value::Int(2)).unwrap().is_none());
        let statuses = object(&[("200", Value::Int(98))]);
        assert!(same(
            &index(&statuses, &text("200")).unwrap().unwrap(),
            &Value::Int(98)
        ));
        assert!(index(&statuses, &text("500")).unwrap().is_none());
        assert!(err(index(&statuses, &Value::Int(200))).contains("string key"));
        let body = Value::Json(json!({"x-id": "abc"}));
        assert!(equals(
            &index(&body, &text("X-Id")).unwrap().unwrap(),
            &text("abc")
        ));
        assert!(index(&Value::Null, &Value::Int(0)).unwrap().is_none());
        assert!(
            index(&Value::Json(json!(null)), &text("a"))
                .unwrap()
                .is_none()
        );
        assert!(index(&text("abc"), &Value::Int(0)).is_err());
        assert!(index(&Value::Json(json!(5)), &Value::Int(0)).is_err());
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
        let database = describe(&Value::Database(Arc::from("postgres://app:hunter2@db/app")));
        assert!(!database.contains("hunter2"), "{database}");
        assert!(database.contains("***"));
        assert!(describe(&Value::Bytes(vec![0; 10_000])).chars().count() <= DESCRIBE_LIMIT + 1);
    }

    #[test]
    fn type_names() {
        assert_eq!(type_name(&Value::Json(json!({}))), "json object");
        assert_eq!(type_name(&Value::Json(json!([]))), "json array");
        assert_eq!(type_name_with_article(&Value::Object(vec![])), "an object");
        assert_eq!(type_name_with_article(&Value::Null), "null");
    }
}
