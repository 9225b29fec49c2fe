//! A core function's arguments matched to its parameters (`builtins::Parameter`),
//! positional then named, and read back by name as the types the functions need;
//! every wrong count, name or type is an `EvalError` naming the function.

use serde_json::Value as Json;

use crate::builtins::Parameter;
use crate::value::{EvalError, Value, type_name_with_article};

/// A call's arguments matched to the function's parameters.
pub(super) struct Arguments {
    function: &'static str,
    slots: Vec<(&'static str, Option<Value>)>,
}

impl Arguments {
    pub(super) fn bind(
        function: &'static str,
        parameters: &'static [Parameter],
        positional: Vec<Value>,
        named: Vec<(String, Value)>,
    ) -> Result<Arguments, EvalError> {
        if positional.len() > parameters.len() {
            let takes = match parameters.len() {
                0 => "no arguments".to_string(),
                1 => "1 argument".to_string(),
                count => format!("at most {count} arguments"),
            };
            return Err(EvalError(format!(
                "{function} takes {takes}, found {}",
                positional.len()
            )));
        }
        let mut slots: Vec<(&'static str, Option<Value>)> = parameters
            .iter()
            .map(|parameter| (parameter.name, None))
            .collect();
        for (slot, value) in slots.iter_mut().zip(positional) {
            slot.1 = Some(value);
        }
        for (name, value) in named {
            let Some(slot) = slots.iter_mut().find(|(parameter, _)| *parameter == name) else {
                let accepted = if parameters.is_empty() {
                    "it takes none".to_string()
                } else {
                    let names: Vec<&str> =
                        parameters.iter().map(|parameter| parameter.name).collect();
                    format!("it takes {}", names.join(", "))
                };
                return Err(EvalError(format!(
                    "{function} has no argument named `{name}`: {accepted}"
                )));
            };
            if slot.1.is_some() {
                return Err(EvalError(format!("{function}: `{name}` is given twice")));
            }
            slot.1 = Some(value);
        }
        Ok(Arguments { function, slots })
    }

    pub(super) fn take(&mut self, parameter: &str) -> Option<Value> {
        self.slots
            .iter_mut()
            .find(|(name, _)| *name == parameter)
            .and_then(|(_, value)| value.take())
    }

    pub(super) fn required(&mut self, parameter: &str) -> Result<Value, EvalError> {
        self.take(parameter).ok_or_else(|| {
            EvalError(format!(
                "{} needs its `{parameter}` argument",
                self.function
            ))
        })
    }

    pub(super) fn text(&mut self, parameter: &str) -> Result<String, EvalError> {
        let value = self.required(parameter)?;
        self.text_of(parameter, value)
    }

    pub(super) fn optional_text(&mut self, parameter: &str) -> Result<Option<String>, EvalError> {
        match self.take(parameter) {
            Some(value) => self.text_of(parameter, value).map(Some),
            None => Ok(None),
        }
    }

    pub(super) fn text_of(&self, parameter: &str, value: Value) -> Result<String, EvalError> {
        match value {
            Value::String(text) | Value::Json(Json::String(text)) => Ok(text),
            other => Err(EvalError(format!(
                "{}: `{parameter}` must be a string, found {}",
                self.function,
                type_name_with_article(&other)
            ))),
        }
    }

    pub(super) fn int(&mut self, parameter: &str) -> Result<i64, EvalError> {
        let value = self.required(parameter)?;
        let int = match &value {
            Value::Int(int) => Some(*int),
            Value::Json(Json::Number(number)) => number.as_i64(),
            _ => None,
        };
        int.ok_or_else(|| {
            EvalError(format!(
                "{}: `{parameter}` must be an int, found {}",
                self.function,
                type_name_with_article(&value)
            ))
        })
    }

    /// A string's UTF-8 bytes, or bytes as they are.
    pub(super) fn bytes(&mut self, parameter: &str) -> Result<Vec<u8>, EvalError> {
        match self.required(parameter)? {
            Value::Bytes(bytes) => Ok(bytes),
            Value::String(text) | Value::Json(Json::String(text)) => Ok(text.into_bytes()),
            other => Err(EvalError(format!(
                "{}: `{parameter}` must be a string or bytes, found {}",
                self.function,
                type_name_with_article(&other)
            ))),
        }
    }
}
