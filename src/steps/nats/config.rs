//! The typed config of a `nats` step: the names of its clauses, which the schema
//! declares and `NatsConfig::read` alone reads (the test below). `until` is a
//! condition on each message (`ValueSpec::Condition`), evaluated by the step
//! itself, and so no field here.

use crate::steps::config::{ClauseReader, ConfigError, TIMEOUT};
use crate::value::{self, Value};
use std::time::Duration;

pub const BODY: &str = "body";
pub const JSON: &str = "json";
pub const HEADERS: &str = "headers";
pub const JETSTREAM: &str = "jetstream";
pub const UNTIL: &str = "until";
pub const WITHIN: &str = "within";

/// A `nats` step's clauses, evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct NatsConfig {
    /// The message's payload: `body` as written, `json` encoded; none: empty.
    pub payload: Vec<u8>,
    pub headers: Vec<(String, String)>,
    /// `publish … jetstream`: wait for the stream's ack.
    pub jetstream: bool,
    /// How long a `subscribe` or `silent` waits after its block, or a `request`
    /// for its reply; `None`: the step's timeout.
    pub within: Option<Duration>,
    /// Bounds connecting and each exchange with the server; `None`: `--timeout`.
    pub timeout: Option<Duration>,
}

impl NatsConfig {
    pub fn from_clauses(clauses: &[(String, Option<Value>)]) -> Result<NatsConfig, ConfigError> {
        NatsConfig::read(&ClauseReader::new(clauses))
    }

    /// The one place that reads a `nats` step's clauses by name.
    pub fn read(clauses: &ClauseReader<'_>) -> Result<NatsConfig, ConfigError> {
        let body = clauses.bytes(BODY)?;
        let json = clauses
            .value(JSON)
            .map(|json| serde_json::to_vec(&value::to_json(json)).unwrap_or_default());
        Ok(NatsConfig {
            payload: body.or(json).unwrap_or_default(),
            headers: clauses.pairs(HEADERS)?,
            jetstream: clauses.flag(JETSTREAM),
            within: clauses.duration(WITHIN)?,
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
        assert_reads_exactly("nats", &super::super::kind::schema().clauses, |clauses| {
            let _ = NatsConfig::read(clauses);
        });
    }

    #[test]
    fn a_json_clause_is_the_payload_encoded() {
        let clauses = vec![
            (
                JSON.to_string(),
                Some(Value::Object(vec![("id".to_string(), Value::Int(3))])),
            ),
            (JETSTREAM.to_string(), None),
            (
                WITHIN.to_string(),
                Some(Value::Duration(Duration::from_secs(2))),
            ),
        ];
        let config = NatsConfig::from_clauses(&clauses).expect("a valid config");
        assert_eq!(config.payload, br#"{"id":3}"#);
        assert!(config.jetstream);
        assert_eq!(config.within, Some(Duration::from_secs(2)));
        assert_eq!(config.timeout, None);
    }

    #[test]
    fn a_within_that_is_not_a_duration_is_an_error_at_its_clause() {
        let clauses = vec![(WITHIN.to_string(), Some(Value::Int(5)))];
        let error = NatsConfig::from_clauses(&clauses).expect_err("not a duration");
        assert_eq!(error.message, "expected a duration, found 5");
    }
}
