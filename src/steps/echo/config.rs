//! The typed config of an `echo` step: the names of its clauses, which the schema
//! declares and `EchoConfig::read` alone reads (the test below).

use crate::steps::config::{ClauseReader, ConfigError, TIMEOUT};
use crate::value::Value;
use std::time::Duration;

pub const DELAY: &str = "delay";

/// An `echo` step's clauses, evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct EchoConfig {
    /// How long the step waits before it answers.
    pub delay: Option<Duration>,
    /// `None`: the run's `--timeout`.
    pub timeout: Option<Duration>,
}

impl EchoConfig {
    pub fn from_clauses(clauses: &[(String, Option<Value>)]) -> Result<EchoConfig, ConfigError> {
        EchoConfig::read(&ClauseReader::new(clauses))
    }

    /// The one place that reads an `echo` step's clauses by name.
    pub fn read(clauses: &ClauseReader<'_>) -> Result<EchoConfig, ConfigError> {
        Ok(EchoConfig {
            delay: clauses.duration(DELAY)?,
            timeout: clauses.duration(TIMEOUT)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::config::assert_reads_exactly;

    #[test]
    fn reads_exactly_the_clauses_the_schema_declares() {
        assert_reads_exactly("echo", &super::super::kind::schema().clauses, |clauses| {
            let _ = EchoConfig::read(clauses);
        });
    }

    #[test]
    fn reads_each_clause_into_its_field() {
        let clauses = vec![
            (
                DELAY.to_string(),
                Some(Value::Duration(Duration::from_millis(5))),
            ),
            (
                TIMEOUT.to_string(),
                Some(Value::Duration(Duration::from_secs(1))),
            ),
        ];
        let config = EchoConfig::from_clauses(&clauses).expect("a valid config");
        assert_eq!(config.delay, Some(Duration::from_millis(5)));
        assert_eq!(config.timeout, Some(Duration::from_secs(1)));
    }
}
