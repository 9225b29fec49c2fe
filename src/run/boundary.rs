//! Declared types at run time: a value crossing `let x: T`, a parameter `p: T` or a
//! function's `-> T` is checked against `T` there (`value::conform`), so that a
//! `json` value of the wrong kind fails at the line that declared the type, naming
//! the type and the value (docs/language.md, "Types and values"), and is what its
//! type says afterwards. And the limits of `steps::limits` (the checker's table for
//! constants), applied to a value computed when the test runs.

use super::outcome::{Failure, FailureKind};
use crate::source::span::Span;
use crate::types::Type;
use crate::value::{Value, conform, describe};

/// Where a value crosses a declared type, for the failure's wording.
pub enum Boundary<'a> {
    /// `let name: T = …`
    Let { name: &'a str },
    /// A parameter of a call: `f(name: T)`.
    Parameter { function: &'a str, name: &'a str },
    /// `return …` in `fn function(…) -> T`; `at` is the `return`'s `file:line`,
    /// named because the failure shows where the call was made.
    Return { function: &'a str, at: String },
}

/// The value as `declared` holds it, or a failure at `span` that names the
/// declaration, the type and the value: `n: int, but json.status was "healthy"`.
/// `source` is the text of the expression that gave the value.
pub fn cross(
    value: Value,
    declared: &Type,
    boundary: Boundary,
    source: &str,
    span: Span,
) -> Result<Value, Box<Failure>> {
    if let Some(conformed) = conform(&value, declared) {
        return Ok(conformed);
    }
    let declaration = match &boundary {
        Boundary::Let { name } => format!("{name}: {declared}"),
        Boundary::Parameter { function, name } => format!("{function}({name}: {declared})"),
        Boundary::Return { function, .. } => format!("{function}(…) -> {declared}"),
    };
    let place = match boundary {
        Boundary::Return { at, .. } => format!(" (the `return` at {at})"),
        Boundary::Let { .. } | Boundary::Parameter { .. } => String::new(),
    };
    Err(Box::new(Failure::new(
        FailureKind::Evaluation,
        span,
        format!(
            "{declaration}, but {source} was {}{place}",
            describe(&value)
        ),
    )))
}

/// Holds a value given to `name` to its limit in `steps::limits`; the failure, at
/// `span`, has the words the checker uses for a constant (E0413).
pub fn within_limit(name: &str, value: &Value, span: Span) -> Result<(), Box<Failure>> {
    let Some(constant) = crate::steps::limits::Constant::of(value) else {
        return Ok(());
    };
    crate::steps::limits::check(name, constant)
        .map_err(|message| Box::new(Failure::new(FailureKind::Evaluation, span, message)))
}
