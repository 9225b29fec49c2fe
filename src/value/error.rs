//! `EvalError`: why an operation on values could not give a value, in plain words
//! for the user. What reaches an operator with the wrong shape (a `json` value, or a
//! bug upstream) becomes one of these, never a panic.

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
