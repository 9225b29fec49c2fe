//! How a kind reads its evaluated clauses into its typed config (`HttpConfig`,
//! `RunConfig`, … in each kind's `config.rs`): a `ClauseReader` over the step's
//! clauses, asked by name once, in the one function per kind that builds the
//! config; executors then read fields, never names. The reader remembers which
//! names were asked, so each kind's unit test proves its builder reads exactly
//! the options its schema declares (`assert_reads_exactly`). Must not import
//! `run`, `plan` or `check`.

use super::context::StepPart;
use super::exec::{StepError, StepErrorKind};
use crate::value::{Value, describe, to_text, type_name_with_article};
use std::cell::RefCell;
use std::time::Duration;

/// The clause every kind takes: bounds the step (the run's `--timeout` otherwise).
pub const TIMEOUT: &str = "timeout";

/// The config of a kind whose one clause is `timeout` (`sql`, `redis`): each
/// names it as its own (`SqlConfig`) until it takes a clause of its own.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeoutConfig {
    /// Bounds the connection and the command; `None`: the run's `--timeout`.
    pub timeout: Option<Duration>,
}

impl TimeoutConfig {
    pub fn from_clauses(clauses: &[(String, Option<Value>)]) -> Result<TimeoutConfig, ConfigError> {
        TimeoutConfig::read(&ClauseReader::new(clauses))
    }

    /// Reads the `timeout` clause.
    pub fn read(clauses: &ClauseReader<'_>) -> Result<TimeoutConfig, ConfigError> {
        Ok(TimeoutConfig {
            timeout: clauses.duration(TIMEOUT)?,
        })
    }
}

/// A value that does not fit the option it was given to. The checker's types make
/// this rare (a `json` value of the wrong shape); the message says what was wrong
/// and `part` where, for a kind that reports at the clause.
#[derive(Debug)]
pub struct ConfigError {
    pub part: StepPart,
    pub message: String,
}

impl ConfigError {
    fn at(name: &'static str, message: String) -> ConfigError {
        ConfigError {
            part: StepPart::Option(name),
            message,
        }
    }

    /// The error of a step that goes through its executor: a usage error.
    pub fn into_step_error(self) -> StepError {
        StepError::new(StepErrorKind::Usage, self.message)
    }
}

/// The step's clauses, evaluated, read by name (`None` for a flag), and the
/// options of its block (`load`: one value each, `rate`'s two, `ramp`'s three).
pub struct ClauseReader<'a> {
    clauses: &'a [(String, Option<Value>)],
    block: &'a [(&'static str, Vec<Value>)],
    asked: RefCell<Vec<&'static str>>,
}

impl<'a> ClauseReader<'a> {
    pub fn new(clauses: &'a [(String, Option<Value>)]) -> ClauseReader<'a> {
        ClauseReader::with_block(clauses, &[])
    }

    pub fn with_block(
        clauses: &'a [(String, Option<Value>)],
        block: &'a [(&'static str, Vec<Value>)],
    ) -> ClauseReader<'a> {
        ClauseReader {
            clauses,
            block,
            asked: RefCell::new(Vec::new()),
        }
    }

    /// The values of the block option called `name`, when the step has it.
    pub fn block_values(&self, name: &'static str) -> Option<&'a [Value]> {
        self.ask(name);
        self.block
            .iter()
            .find(|(option, _)| *option == name)
            .map(|(_, values)| values.as_slice())
    }

    fn ask(&self, name: &'static str) {
        self.asked.borrow_mut().push(name);
    }

    /// The value of the clause called `name`, when the step has it.
    pub fn value(&self, name: &'static str) -> Option<&'a Value> {
        self.ask(name);
        self.clauses
            .iter()
            .find(|(option, _)| option == name)
            .and_then(|(_, value)| value.as_ref())
    }

    /// Every value given to the clause called `name`, in order: the step's own
    /// first, then its file's `defaults`, then the command line's (a clause
    /// given by several of them).
    pub fn values(&self, name: &'static str) -> Vec<&'a Value> {
        self.ask(name);
        self.clauses
            .iter()
            .filter(|(option, _)| option == name)
            .filter_map(|(_, value)| value.as_ref())
            .collect()
    }

    /// Whether the step has the flag called `name`.
    pub fn flag(&self, name: &'static str) -> bool {
        self.ask(name);
        self.clauses.iter().any(|(option, _)| option == name)
    }

    /// A duration clause.
    pub fn duration(&self, name: &'static str) -> Result<Option<Duration>, ConfigError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Duration(duration)) => Ok(Some(*duration)),
            Some(other) => Err(ConfigError::at(
                name,
                format!("expected a duration, found {}", describe(other)),
            )),
        }
    }

    /// A clause whose value is text (`cwd`).
    pub fn text(&self, name: &'static str) -> Result<Option<String>, ConfigError> {
        self.value(name)
            .map(|value| text_of(name, value))
            .transpose()
    }

    /// A clause whose value is text or bytes (`stdin`, `body`), as bytes.
    pub fn bytes(&self, name: &'static str) -> Result<Option<Vec<u8>>, ConfigError> {
        self.value(name)
            .map(|value| match value {
                Value::Bytes(bytes) => Ok(bytes.clone()),
                other => text_of(name, other).map(String::into_bytes),
            })
            .transpose()
    }

    /// A clause whose value is an object of texts (`headers`, `query`, `env`), as
    /// name and text pairs in order; none when the step does not have it.
    pub fn pairs(&self, name: &'static str) -> Result<Vec<(String, String)>, ConfigError> {
        match self.value(name) {
            None => Ok(Vec::new()),
            Some(value) => pairs_of(name, value),
        }
    }

    /// The names asked so far, in order.
    pub fn asked(&self) -> Vec<&'static str> {
        self.asked.borrow().clone()
    }
}

/// A value as text, for the option called `name`.
pub fn text_of(name: &'static str, value: &Value) -> Result<String, ConfigError> {
    to_text(value).map_err(|error| ConfigError::at(name, error.0))
}

/// An object (or a JSON object) as name and text pairs, for the option called `name`.
pub fn pairs_of(name: &'static str, value: &Value) -> Result<Vec<(String, String)>, ConfigError> {
    match value {
        Value::Object(entries) => entries
            .iter()
            .map(|(key, value)| Ok((key.clone(), text_of(name, value)?)))
            .collect(),
        Value::Json(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(key, value)| Ok((key.clone(), text_of(name, &Value::Json(value.clone()))?)))
            .collect(),
        other => Err(ConfigError::at(
            name,
            format!(
                "`{name}` takes an object, not {}",
                type_name_with_article(other)
            ),
        )),
    }
}

/// For each kind's unit test: `read` builds the kind's config from no clauses at
/// all, so it asks for every option it knows; those must be exactly the options
/// `declared` (a `check { }` block and an `until` condition are conditions, not
/// values: no config reads them).
#[cfg(test)]
pub fn assert_reads_exactly(
    kind: &str,
    declared: &[super::schema::OptionSpec],
    read: impl FnOnce(&ClauseReader<'_>),
) {
    let reader = ClauseReader::new(&[]);
    read(&reader);
    let mut asked = reader.asked();
    asked.sort_unstable();
    asked.dedup();
    let mut declared: Vec<&str> = declared
        .iter()
        .filter(|spec| {
            !matches!(
                spec.value,
                super::schema::ValueSpec::Check
                    | super::schema::ValueSpec::Condition(_)
                    | super::schema::ValueSpec::Threshold
            )
        })
        .map(|spec| spec.name)
        .collect();
    declared.sort_unstable();
    declared.dedup();
    assert_eq!(
        asked, declared,
        "the options `{kind}`'s config reads (left) are not the ones its schema declares (right)"
    );
}
