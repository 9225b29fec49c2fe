//! The typed config of a `run` step: the names of its clauses, which the schema
//! declares and `RunConfig::read` alone reads (the test below).

use crate::steps::config::{ClauseReader, ConfigError, TIMEOUT};
use crate::value::Value;
use std::time::Duration;

pub const ENV: &str = "env";
pub const CWD: &str = "cwd";
pub const STDIN: &str = "stdin";

/// A `run` step's clauses, evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    /// Added to the run's environment, winning over it.
    pub env: Vec<(String, String)>,
    /// Relative to the folder of the step's file.
    pub cwd: Option<String>,
    pub stdin: Option<Vec<u8>>,
    /// `None`: the run's `--timeout`.
    pub timeout: Option<Duration>,
}

impl RunConfig {
    pub fn from_clauses(clauses: &[(String, Option<Value>)]) -> Result<RunConfig, ConfigError> {
        RunConfig::read(&ClauseReader::new(clauses))
    }

    /// The one place that reads a `run` step's clauses by name.
    pub fn read(clauses: &ClauseReader<'_>) -> Result<RunConfig, ConfigError> {
        Ok(RunConfig {
            env: clauses.pairs(ENV)?,
            cwd: clauses.text(CWD)?,
            stdin: clauses.bytes(STDIN)?,
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
        assert_reads_exactly("run", &super::super::kind::schema().clauses, |clauses| {
            let _ = RunConfig::read(clauses);
        });
    }

    #[test]
    fn reads_each_clause_into_its_field() {
        let clauses = vec![
            (
                ENV.to_string(),
                Some(Value::Object(vec![(
                    "MODE".to_string(),
                    Value::String("test".to_string()),
                )])),
            ),
            (CWD.to_string(), Some(Value::String("sub".to_string()))),
            (STDIN.to_string(), Some(Value::Bytes(vec![0, 1]))),
        ];
        let config = RunConfig::from_clauses(&clauses).expect("a valid config");
        assert_eq!(config.env, vec![("MODE".to_string(), "test".to_string())]);
        assert_eq!(config.cwd.as_deref(), Some("sub"));
        assert_eq!(config.stdin, Some(vec![0, 1]));
        assert_eq!(config.timeout, None);
    }
}
