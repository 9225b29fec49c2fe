//! The typed config of a `ws` step: the names of its clauses, which the schema
//! declares and `WsConfig::read` alone reads (the test below).

use crate::steps::config::{ClauseReader, ConfigError, TIMEOUT};
use crate::steps::http::config::{HEADERS, INSECURE};
use crate::value::Value;
use std::time::Duration;

/// A `ws` step's clauses, evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct WsConfig {
    /// Sent with the opening handshake, in order.
    pub headers: Vec<(String, String)>,
    /// Bounds the handshake; `None`: the run's `--timeout`.
    pub timeout: Option<Duration>,
    pub insecure: bool,
}

impl WsConfig {
    pub fn from_clauses(clauses: &[(String, Option<Value>)]) -> Result<WsConfig, ConfigError> {
        WsConfig::read(&ClauseReader::new(clauses))
    }

    /// The one place that reads a `ws` step's clauses by name.
    pub fn read(clauses: &ClauseReader<'_>) -> Result<WsConfig, ConfigError> {
        Ok(WsConfig {
            headers: clauses.pairs(HEADERS)?,
            timeout: clauses.duration(TIMEOUT)?,
            insecure: clauses.flag(INSECURE),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::config::assert_reads_exactly;
    use crate::steps::context::StepPart;

    #[test]
    fn reads_exactly_the_clauses_the_schema_declares() {
        assert_reads_exactly("ws", &super::super::kind::schema().clauses, |clauses| {
            let _ = WsConfig::read(clauses);
        });
    }

    #[test]
    fn a_timeout_that_is_not_a_duration_is_an_error_at_its_clause() {
        let clauses = vec![
            (INSECURE.to_string(), None),
            (TIMEOUT.to_string(), Some(Value::String("5s".to_string()))),
        ];
        let error = WsConfig::from_clauses(&clauses).expect_err("not a duration");
        assert!(matches!(error.part, StepPart::Option(TIMEOUT)));
        assert_eq!(error.message, "expected a duration, found \"5s\"");
    }
}
