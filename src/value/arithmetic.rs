//! `+ - * /` on values, with units: durations, sizes and percents scale and add by
//! the table of docs/language.md. Int overflow, division by zero, negative
//! durations or sizes and non-finite floats are errors, never panics.

use std::time::Duration;

use serde_json::Value as Json;

use super::compare::unit_hint;
use super::number::{Number, json_number, number_of};
use super::{EvalError, Value, float_text, type_name_with_article};
use crate::units::{literal_duration, literal_size};

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

/// `+ - * /` by the table of docs/language.md, "Operators". Int overflow, division by zero,
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
                    literal_duration(*x),
                    literal_duration(*y)
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
                    literal_size(*x),
                    literal_size(*y)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::test_values::*;
    use crate::value::*;
    use serde_json::json;

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
}
