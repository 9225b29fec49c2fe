//! Running `echo` steps: the target's text back (in capitals for `upper`, small
//! letters for `lower`), after the step's `delay`, bounded by its timeout like any
//! step that waits. A `join` runs its block instead (`join.rs`).

use super::config::EchoConfig;
use crate::steps::config::ConfigError;
use crate::steps::exec::{
    FieldValue, StepError, StepErrorKind, StepExecutor, StepInput, StepOutput, TestResources,
};
use crate::value::{Value, to_text};
use futures_util::future::BoxFuture;

pub struct EchoExecutor;

impl StepExecutor for EchoExecutor {
    fn execute<'a>(
        &'a self,
        input: StepInput,
        _test: &'a TestResources,
    ) -> BoxFuture<'a, Result<StepOutput, StepError>> {
        Box::pin(async move {
            let config =
                EchoConfig::from_clauses(&input.options).map_err(ConfigError::into_step_error)?;
            let text = to_text(&input.target)
                .map_err(|error| StepError::new(StepErrorKind::Usage, error.0))?;
            let text = match input.method {
                Some(super::kind::UPPER) => text.to_uppercase(),
                Some(super::kind::LOWER) => text.to_lowercase(),
                _ => text,
            };
            let timeout = config.timeout.unwrap_or(input.default_timeout);
            if let Some(delay) = config.delay {
                if delay > timeout {
                    tokio::time::sleep(timeout).await;
                    return Err(StepError::new(
                        StepErrorKind::Timeout,
                        format!(
                            "echo did not answer within {}",
                            crate::units::literal_duration(timeout)
                        ),
                    ));
                }
                tokio::time::sleep(delay).await;
            }
            let fields = fields(&text);
            Ok(StepOutput {
                record: Box::new(fields),
                exchange: input.verbose.then(|| format!("echo\n< {text}")),
                evidence: None,
            })
        })
    }
}

/// What an `echo` step yields: its text and the text's length in characters.
pub fn fields(text: &str) -> Vec<(String, FieldValue)> {
    let length = i64::try_from(text.chars().count()).unwrap_or(i64::MAX);
    vec![
        ("text".to_string(), Ok(Value::String(text.to_string()))),
        ("length".to_string(), Ok(Value::Int(length))),
    ]
}
