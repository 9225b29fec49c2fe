//! The typed config of a `load` step: the names of its block options, which the
//! schema (`spec::schema`) declares and `LoadConfig::read` alone reads, with the
//! request's clauses read by `HttpConfig::read` (the test below).

use super::LoadSpec;
use super::spec::Stage;
use crate::steps::config::{ClauseReader, ConfigError};
use crate::steps::context::StepPart;
use crate::steps::http::HttpConfig;
use crate::value::{Value, describe};
use std::time::Duration;

pub const CONCURRENCY: &str = "concurrency";
pub const REQUESTS: &str = "requests";
pub const DURATION: &str = "duration";
pub const RATE: &str = "rate";
pub const RAMP: &str = "ramp";
pub const WARMUP: &str = "warmup";
/// `stages { D to N  D at N … }`: three values a stage (its length, its level,
/// whether it holds).
pub const STAGES: &str = "stages";
/// `check { … }`: conditions on each response, which the interpreter evaluates
/// (`StepContext::check_function`); no config holds them.
pub const CHECK: &str = "check";
/// `abort when CONDITION [after D]`: a live threshold, which the interpreter
/// makes a function of the load's figures so far (`StepContext::thresholds`).
pub const ABORT: &str = "abort";

/// A `load` step's block options and clauses, evaluated.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// The load model; each request bounded by the step's `timeout`, or else the
    /// run's.
    pub spec: LoadSpec,
    /// The request each virtual user sends.
    pub request: HttpConfig,
}

impl LoadConfig {
    /// The one place that reads a `load` step's block options by name.
    pub fn read(
        options: &ClauseReader<'_>,
        default_timeout: Duration,
    ) -> Result<LoadConfig, ConfigError> {
        let spec = LoadSpec {
            concurrency: one(options, CONCURRENCY, count)?,
            requests: one(options, REQUESTS, count)?,
            duration: one(options, DURATION, duration)?,
            rate: match options.block_values(RATE) {
                Some(values) => Some((
                    nth(values, (RATE, 0), count)?,
                    nth(values, (RATE, 1), duration)?,
                )),
                None => None,
            },
            ramp: match options.block_values(RAMP) {
                Some(values) => Some((
                    nth(values, (RAMP, 0), count)?,
                    nth(values, (RAMP, 1), count)?,
                    nth(values, (RAMP, 2), duration)?,
                )),
                None => None,
            },
            stages: match options.block_values(STAGES) {
                Some(values) => (0..values.len() / 3)
                    .map(|stage| {
                        Ok(Stage {
                            over: nth(values, (STAGES, stage * 3), duration)?,
                            level: nth(values, (STAGES, stage * 3 + 1), count)?,
                            hold: nth(values, (STAGES, stage * 3 + 2), flag)?,
                        })
                    })
                    .collect::<Result<Vec<_>, ConfigError>>()?,
                None => Vec::new(),
            },
            warmup: one(options, WARMUP, duration)?,
            timeout: default_timeout,
            progress: None,
            // Conditions, made functions by the interpreter (`drive`).
            thresholds: Vec::new(),
            partial: None,
        };
        let request = HttpConfig::read(options)?;
        Ok(LoadConfig {
            spec: LoadSpec {
                timeout: request.timeout.unwrap_or(default_timeout),
                ..spec
            },
            request,
        })
    }
}

/// What one value of a block option must be, or the words of the failure.
type Reading<T> = fn(&Value) -> Result<T, String>;

fn count(value: &Value) -> Result<u64, String> {
    match value {
        Value::Int(count) if *count >= 0 => Ok(*count as u64),
        other => Err(format!("expected a count, found {}", describe(other))),
    }
}

fn flag(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(flag) => Ok(*flag),
        other => Err(format!("expected true or false, found {}", describe(other))),
    }
}

fn duration(value: &Value) -> Result<Duration, String> {
    match value {
        Value::Duration(duration) => Ok(*duration),
        other => Err(format!("expected a duration, found {}", describe(other))),
    }
}

/// The block option called `name`, of one value, read as `read` says.
fn one<T>(
    options: &ClauseReader<'_>,
    name: &'static str,
    read: Reading<T>,
) -> Result<Option<T>, ConfigError> {
    options
        .block_values(name)
        .map(|values| nth(values, (name, 0), read))
        .transpose()
}

fn nth<T>(
    values: &[Value],
    (name, index): (&'static str, usize),
    read: Reading<T>,
) -> Result<T, ConfigError> {
    let part = StepPart::BlockOption(name, index);
    let value = values.get(index).ok_or_else(|| ConfigError {
        part,
        message: format!("`{name}` without its value"),
    })?;
    read(value).map_err(|message| ConfigError { part, message })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::config::assert_reads_exactly;

    #[test]
    fn reads_exactly_the_options_and_clauses_the_schema_declares() {
        let schema = super::super::schema();
        let declared: Vec<_> = schema
            .block_options
            .iter()
            .chain(&schema.clauses)
            .cloned()
            .collect();
        assert_reads_exactly("load", &declared, |options| {
            let _ = LoadConfig::read(options, Duration::ZERO);
        });
    }

    #[test]
    fn reads_each_block_option_into_its_field() {
        let second = Value::Duration(Duration::from_secs(1));
        let block = vec![
            (CONCURRENCY, vec![Value::Int(4)]),
            (RATE, vec![Value::Int(50), second.clone()]),
            (RAMP, vec![Value::Int(1), Value::Int(9), second.clone()]),
            (DURATION, vec![second.clone()]),
        ];
        let clauses = vec![(
            crate::steps::config::TIMEOUT.to_string(),
            Some(Value::Duration(Duration::from_secs(2))),
        )];
        let LoadConfig { spec, request } = LoadConfig::read(
            &ClauseReader::with_block(&clauses, &block),
            Duration::from_secs(30),
        )
        .expect("a valid config");
        assert_eq!(spec.concurrency, Some(4));
        assert_eq!(spec.rate, Some((50, Duration::from_secs(1))));
        assert_eq!(spec.ramp, Some((1, 9, Duration::from_secs(1))));
        assert_eq!(spec.duration, Some(Duration::from_secs(1)));
        assert_eq!(spec.requests, None);
        assert_eq!(spec.timeout, Duration::from_secs(2));
        assert_eq!(request.timeout, Some(Duration::from_secs(2)));
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_an_error_at_its_place() {
        let block = vec![(RATE, vec![Value::Int(50), Value::Int(1)])];
        let error = LoadConfig::read(&ClauseReader::with_block(&[], &block), Duration::ZERO)
            .expect_err("`per 1` is not a duration");
        assert!(matches!(error.part, StepPart::BlockOption(RATE, 1)));
        assert_eq!(error.message, "expected a duration, found 1");
    }
}
