//! Values the operator tests build again and again.

use std::time::Duration;

use super::{ArithOp, EvalError, Value, arithmetic, equals};

pub(crate) fn text(s: &str) -> Value {
    Value::String(s.to_string())
}

pub(crate) fn ms(millis: u64) -> Value {
    Value::Duration(Duration::from_millis(millis))
}

pub(crate) fn object(entries: &[(&str, Value)]) -> Value {
    Value::object(
        entries
            .iter()
            .map(|(key, value)| (key.to_string(), value.clone())),
    )
}

pub(crate) fn err<T: std::fmt::Debug>(result: Result<T, EvalError>) -> String {
    match result {
        Err(EvalError(message)) => message,
        Ok(value) => panic!("expected an error, got {value:?}"),
    }
}

pub(crate) fn arith(op: ArithOp, a: Value, b: Value) -> Value {
    match arithmetic(op, &a, &b) {
        Ok(value) => value,
        Err(error) => panic!("{a:?} {op:?} {b:?}: {error}"),
    }
}

pub(crate) fn same(a: &Value, b: &Value) -> bool {
    // Same variant and equal; Float vs Int must not pass as equal here.
    std::mem::discriminant(a) == std::mem::discriminant(b) && equals(a, b)
}
