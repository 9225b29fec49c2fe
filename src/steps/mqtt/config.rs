//! The typed config of an `mqtt` step: the names of its clauses, which the schema
//! declares and `MqttConfig::read` alone reads (the test below). `until` is a
//! condition on each message (`ValueSpec::Condition`), evaluated by the step.

use crate::steps::config::{ClauseReader, ConfigError, TIMEOUT};
use crate::steps::context::StepPart;
use crate::value::{self, Value};
use std::time::Duration;

pub const BODY: &str = "body";
pub const JSON: &str = "json";
pub const QOS: &str = "qos";
pub const RETAIN: &str = "retain";
pub const SESSION: &str = "session";
pub const UNTIL: &str = "until";
pub const WITHIN: &str = "within";

/// An `mqtt` step's clauses, evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct MqttConfig {
    /// The message's payload: `body` as written, `json` encoded; none: empty.
    pub payload: Vec<u8>,
    /// 0, 1 or 2 (`qos`; 0 when not given).
    pub qos: u8,
    pub retain: bool,
    /// `session "ID"`: the client id whose persistent session a `subscribe` or
    /// `silent` resumes (clean session off); `None`: a clean session of its own.
    pub session: Option<String>,
    /// How long a `subscribe` or `silent` waits after its block; `None`: the
    /// step's timeout.
    pub within: Option<Duration>,
    /// Bounds connecting and each exchange with the broker; `None`: `--timeout`.
    pub timeout: Option<Duration>,
}

impl MqttConfig {
    pub fn from_clauses(clauses: &[(String, Option<Value>)]) -> Result<MqttConfig, ConfigError> {
        MqttConfig::read(&ClauseReader::new(clauses))
    }

    /// The one place that reads an `mqtt` step's clauses by name.
    pub fn read(clauses: &ClauseReader<'_>) -> Result<MqttConfig, ConfigError> {
        let body = clauses.bytes(BODY)?;
        let json = clauses
            .value(JSON)
            .map(|json| serde_json::to_vec(&value::to_json(json)).unwrap_or_default());
        let qos = match clauses.value(QOS) {
            None => 0,
            Some(Value::Int(level @ 0..=2)) => *level as u8,
            Some(other) => {
                return Err(ConfigError {
                    part: StepPart::Option(QOS),
                    message: format!("`qos` is 0, 1 or 2, not {}", crate::value::describe(other)),
                });
            }
        };
        Ok(MqttConfig {
            payload: body.or(json).unwrap_or_default(),
            qos,
            retain: clauses.flag(RETAIN),
            session: clauses.text(SESSION)?,
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
        assert_reads_exactly("mqtt", &super::super::kind::schema().clauses, |clauses| {
            let _ = MqttConfig::read(clauses);
        });
    }

    #[test]
    fn qos_is_0_1_or_2() {
        let clauses = vec![
            (QOS.to_string(), Some(Value::Int(2))),
            (RETAIN.to_string(), None),
        ];
        let config = MqttConfig::from_clauses(&clauses).expect("a valid config");
        assert_eq!(config.qos, 2);
        assert!(config.retain);
        let clauses = vec![(QOS.to_string(), Some(Value::Int(3)))];
        let error = MqttConfig::from_clauses(&clauses).expect_err("no QoS 3");
        assert_eq!(error.message, "`qos` is 0, 1 or 2, not 3");
    }
}
