//! The typed config of an `amqp` step: the names of its clauses, which the schema
//! declares and `AmqpConfig::read` alone reads (the test below). `until` is a
//! condition on each message (`ValueSpec::Condition`), evaluated by the step.

use crate::steps::config::{ClauseReader, ConfigError, TIMEOUT};
use crate::steps::context::StepPart;
use crate::value::{self, Value};
use std::time::Duration;

pub const EXCHANGE: &str = "exchange";
pub const BODY: &str = "body";
pub const JSON: &str = "json";
pub const HEADERS: &str = "headers";
pub const PROPERTIES: &str = "properties";
pub const PERSISTENT: &str = "persistent";
pub const MANDATORY: &str = "mandatory";
pub const UNTIL: &str = "until";
pub const WITHIN: &str = "within";

/// The message properties `properties { … }` may set, each a string but
/// `priority` (0 to 255) and `expiration` (a duration, sent in milliseconds).
pub const PROPERTY_NAMES: &[&str] = &[
    "content_type",
    "content_encoding",
    "correlation_id",
    "reply_to",
    "expiration",
    "message_id",
    "type",
    "user_id",
    "app_id",
    "priority",
];

/// An `amqp` step's clauses, evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct AmqpConfig {
    /// `exchange`; none: the default exchange (`""`), which routes a key to
    /// the queue of that name.
    pub exchange: Option<String>,
    /// The message's payload: `body` as written, `json` encoded; none: empty.
    pub payload: Vec<u8>,
    /// `json` sets `content_type` to `application/json` unless `properties` does.
    pub is_json: bool,
    /// `headers`: each value as JSON (AMQP's table keeps numbers and booleans).
    pub headers: Vec<(String, serde_json::Value)>,
    /// `properties`: names from `PROPERTY_NAMES`, checked here.
    pub properties: Vec<(String, Property)>,
    pub persistent: bool,
    pub mandatory: bool,
    /// How long a `subscribe` or `silent` waits after its block, or a `request`
    /// for its reply; `None`: the step's timeout.
    pub within: Option<Duration>,
    /// Bounds connecting and each exchange with the broker; `None`: `--timeout`.
    pub timeout: Option<Duration>,
}

/// A property's value as the wire takes it.
#[derive(Clone, Debug, PartialEq)]
pub enum Property {
    Text(String),
    Priority(u8),
}

impl AmqpConfig {
    pub fn from_clauses(clauses: &[(String, Option<Value>)]) -> Result<AmqpConfig, ConfigError> {
        AmqpConfig::read(&ClauseReader::new(clauses))
    }

    /// The one place that reads an `amqp` step's clauses by name.
    pub fn read(clauses: &ClauseReader<'_>) -> Result<AmqpConfig, ConfigError> {
        let body = clauses.bytes(BODY)?;
        let json = clauses
            .value(JSON)
            .map(|json| serde_json::to_vec(&value::to_json(json)).unwrap_or_default());
        let is_json = json.is_some();
        let headers = match clauses.value(HEADERS) {
            Some(Value::Object(entries)) => entries
                .iter()
                .map(|(name, value)| (name.clone(), value::to_json(value)))
                .collect(),
            Some(other) => return Err(wrong(HEADERS, "an object of headers", other)),
            None => Vec::new(),
        };
        let properties = match clauses.value(PROPERTIES) {
            Some(Value::Object(entries)) => entries
                .iter()
                .map(|(name, value)| Ok((name.clone(), property(name, value)?)))
                .collect::<Result<_, ConfigError>>()?,
            Some(other) => return Err(wrong(PROPERTIES, "an object of properties", other)),
            None => Vec::new(),
        };
        Ok(AmqpConfig {
            exchange: clauses.text(EXCHANGE)?,
            payload: body.or(json).unwrap_or_default(),
            is_json,
            headers,
            properties,
            persistent: clauses.flag(PERSISTENT),
            mandatory: clauses.flag(MANDATORY),
            within: clauses.duration(WITHIN)?,
            timeout: clauses.duration(TIMEOUT)?,
        })
    }

    /// The value of the property called `name`, as text, when the step sets it.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find_map(|(each, value)| match value {
                Property::Text(text) if each == name => Some(text.as_str()),
                _ => None,
            })
    }
}

fn wrong(clause: &'static str, expected: &str, found: &Value) -> ConfigError {
    ConfigError {
        part: StepPart::Option(clause),
        message: format!(
            "`{clause}` takes {expected}, not {}",
            value::describe(found)
        ),
    }
}

/// One entry of `properties { … }`: a name AMQP has, with a value it takes.
fn property(name: &str, value: &Value) -> Result<Property, ConfigError> {
    let fail = |message: String| ConfigError {
        part: StepPart::Option(PROPERTIES),
        message,
    };
    if !PROPERTY_NAMES.contains(&name) {
        return Err(fail(format!(
            "`{name}` is no AMQP message property; the properties are {}",
            PROPERTY_NAMES.join(", ")
        )));
    }
    match (name, value) {
        ("priority", Value::Int(level)) => u8::try_from(*level)
            .map(Property::Priority)
            .map_err(|_| fail(format!("`priority` is 0 to 255, not {level}"))),
        ("priority", other) => Err(fail(format!(
            "`priority` is a number from 0 to 255, not {}",
            value::describe(other)
        ))),
        // The broker drops the message when this many milliseconds pass in a queue.
        ("expiration", Value::Duration(after)) => Ok(Property::Text(after.as_millis().to_string())),
        ("expiration", other) => Err(fail(format!(
            "`expiration` is a duration (`30s`), not {}",
            value::describe(other)
        ))),
        (_, Value::String(text)) => Ok(Property::Text(text.clone())),
        (_, other) => Err(fail(format!(
            "`{name}` is a string, not {}",
            value::describe(other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::config::assert_reads_exactly;

    #[test]
    fn reads_exactly_the_clauses_the_schema_declares() {
        assert_reads_exactly("amqp", &super::super::kind::schema().clauses, |clauses| {
            let _ = AmqpConfig::read(clauses);
        });
    }

    #[test]
    fn properties_are_read_by_name_with_the_value_each_takes() {
        let clauses = vec![
            (
                PROPERTIES.to_string(),
                Some(Value::Object(vec![
                    (
                        "correlation_id".to_string(),
                        Value::String("c-1".to_string()),
                    ),
                    ("priority".to_string(), Value::Int(5)),
                    (
                        "expiration".to_string(),
                        Value::Duration(Duration::from_secs(2)),
                    ),
                ])),
            ),
            (PERSISTENT.to_string(), None),
        ];
        let config = AmqpConfig::from_clauses(&clauses).expect("a valid config");
        assert_eq!(config.property("correlation_id"), Some("c-1"));
        assert_eq!(config.property("expiration"), Some("2000"));
        assert!(
            config
                .properties
                .contains(&("priority".to_string(), Property::Priority(5)))
        );
        assert!(config.persistent);
        assert!(!config.mandatory);
        assert_eq!(config.exchange, None);
    }

    #[test]
    fn an_unknown_property_or_a_priority_out_of_range_is_an_error_at_the_clause() {
        let unknown = vec![(
            PROPERTIES.to_string(),
            Some(Value::Object(vec![(
                "colour".to_string(),
                Value::String("red".to_string()),
            )])),
        )];
        let error = AmqpConfig::from_clauses(&unknown).expect_err("no such property");
        assert!(
            error
                .message
                .starts_with("`colour` is no AMQP message property"),
            "{}",
            error.message
        );
        let high = vec![(
            PROPERTIES.to_string(),
            Some(Value::Object(vec![(
                "priority".to_string(),
                Value::Int(300),
            )])),
        )];
        let error = AmqpConfig::from_clauses(&high).expect_err("too high");
        assert_eq!(error.message, "`priority` is 0 to 255, not 300");
    }
}
