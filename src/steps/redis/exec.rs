//! Running `redis` steps: one command on a connection. It owns the command's split
//! into arguments, the connections of a run (one per URL, opened lazily on the
//! `redis` crate's multiplexed connection) and the reading of replies as values.
//! It must not import the interpreter.

use super::RedisConfig;
use super::kind::REDIS;
use crate::steps::config::ConfigError;
use crate::steps::exec::{
    Cause, CommandPart, FieldValue, StepError, StepErrorKind, StepExecutor, StepInput, StepOutput,
    TestResources,
};
use crate::value::{Connection, Value};
use crate::value::{hide_password, to_text};
use futures_util::future::BoxFuture;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, IntoConnectionInfo, ProtocolVersion, RedisError};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The connection of one URL: none until the first step, and again after the
/// connection broke (the next step reconnects).
type Slot = Arc<tokio::sync::Mutex<Option<MultiplexedConnection>>>;

/// Runs `redis` steps. One connection per URL for the whole run, shared by the
/// tests (the multiplexed connection pipelines their commands); closed at shutdown.
#[derive(Default)]
pub struct RedisExecutor {
    connections: Mutex<HashMap<String, Slot>>,
}

impl RedisExecutor {
    pub fn new() -> RedisExecutor {
        RedisExecutor::default()
    }

    fn slot(&self, url: &str) -> Slot {
        let mut connections = match self.connections.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        connections.entry(url.to_string()).or_default().clone()
    }

    /// The connection to `url`, opened on first use.
    async fn connection(
        &self,
        url: &str,
        timeout: Duration,
    ) -> Result<(Slot, MultiplexedConnection), StepError> {
        let slot = self.slot(url);
        let mut guard = slot.lock().await;
        if let Some(connection) = guard.as_ref() {
            return Ok((slot.clone(), connection.clone()));
        }
        let connection = open(url, timeout).await?;
        *guard = Some(connection.clone());
        drop(guard);
        Ok((slot, connection))
    }
}

impl StepExecutor for RedisExecutor {
    fn execute<'a>(
        &'a self,
        input: StepInput,
        _test: &'a TestResources,
    ) -> BoxFuture<'a, Result<StepOutput, StepError>> {
        Box::pin(async move {
            let Some(url) = (match &input.target {
                Value::Connection(Connection { kind, url }) if *kind == REDIS => Some(url),
                _ => None,
            }) else {
                return Err(StepError::new(
                    StepErrorKind::Usage,
                    "a `redis` step takes a connection made by redis(url)",
                ));
            };
            let config =
                RedisConfig::from_clauses(&input.options).map_err(ConfigError::into_step_error)?;
            let timeout = config.timeout.unwrap_or(input.default_timeout);
            let words = command_words(input.command.as_deref().unwrap_or_default())?;
            if words.is_empty() {
                return Err(StepError::new(
                    StepErrorKind::Usage,
                    "the Redis command is empty",
                ));
            }
            let shown = show_command(&words);
            let (slot, mut connection) = self.connection(url, timeout).await?;
            let mut command = redis::Cmd::new();
            for word in &words {
                command.arg(word.as_bytes());
            }
            let started = Instant::now();
            let answer = tokio::time::timeout(
                timeout,
                command.query_async::<redis::Value>(&mut connection),
            )
            .await;
            let duration = started.elapsed();
            let reply = match answer {
                Err(_) => {
                    // The reply may still come (a blocking `BLPOP`), and every later
                    // command on this connection would wait behind it: the next step
                    // opens a new connection.
                    *slot.lock().await = None;
                    return Err(StepError::new(
                        StepErrorKind::Timeout,
                        format!(
                            "Redis did not answer `{shown}` within {}",
                            crate::units::literal_duration(timeout)
                        ),
                    ));
                }
                Ok(Err(error)) => {
                    if error.is_unrecoverable_error() || error.is_io_error() {
                        // The connection is gone: the next step opens a new one.
                        *slot.lock().await = None;
                    }
                    return Err(command_error(url, &shown, &error));
                }
                Ok(Ok(reply)) => reply,
            };
            if let redis::Value::ServerError(error) = &reply {
                return Err(StepError::new(
                    StepErrorKind::Database,
                    format!(
                        "Redis answered `{shown}` with an error: {}",
                        server_message(error.code(), error.details())
                    ),
                ));
            }
            let ok = matches!(reply, redis::Value::Okay | redis::Value::SimpleString(_));
            let value = reply_json(reply);
            let exchange = input
                .verbose
                .then(|| format!("redis {}\n> {shown}\n< {value}", hide_password(url)));
            let fields: Vec<(String, FieldValue)> = vec![
                ("value".to_string(), Ok(Value::Json(value))),
                ("ok".to_string(), Ok(Value::Bool(ok))),
                ("duration".to_string(), Ok(Value::Duration(duration))),
            ];
            Ok(StepOutput {
                record: Box::new(fields),
                exchange,
                evidence: None,
            })
        })
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let slots: Vec<Slot> = {
                let mut connections = match self.connections.lock() {
                    Ok(guard) => guard,
                    Err(poisoned) => poisoned.into_inner(),
                };
                connections.drain().map(|(_, slot)| slot).collect()
            };
            // Dropping the last handle of a multiplexed connection ends its task
            // and closes the socket.
            for slot in slots {
                *slot.lock().await = None;
            }
        })
    }
}

/// The arguments of a command: its literal text split into words at whitespace,
/// each `{{ }}` value's text kept inside the word it stands in and never split
/// (`SET {{k}} {{v}}` is three arguments whatever `v` holds, `GET session:{{id}}`
/// two). A value that stands alone is one argument even when its text is empty.
pub fn command_words(parts: &[CommandPart]) -> Result<Vec<String>, StepError> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    for part in parts {
        match part {
            CommandPart::Text(text) => {
                for character in text.chars() {
                    if character.is_whitespace() {
                        words.extend(word.take());
                    } else {
                        word.get_or_insert_with(String::new).push(character);
                    }
                }
            }
            CommandPart::Value(value) => {
                let text = to_text(value).map_err(|error| {
                    StepError::new(
                        StepErrorKind::Usage,
                        format!("a value in the Redis command has no text: {}", error.0),
                    )
                })?;
                word.get_or_insert_with(String::new).push_str(&text);
            }
        }
    }
    words.extend(word);
    Ok(words)
}

/// A command as `-v` and messages show it: each word that is not plain quoted
/// as a JSON string, so spaces and line breaks inside an argument stay visible.
fn show_command(words: &[String]) -> String {
    words
        .iter()
        .map(|word| {
            let plain = !word.is_empty()
                && word.chars().all(|character| {
                    !character.is_whitespace() && !character.is_control() && character != '"'
                });
            if plain {
                word.clone()
            } else {
                Json::String(word.clone()).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Opens a connection to `url`. RESP3 is asked for unless the URL names a
/// protocol (`?protocol=resp2`), so that map replies (`HGETALL`) read as objects;
/// a server older than Redis 6 refuses `HELLO`, and then RESP2 is used.
async fn open(url: &str, timeout: Duration) -> Result<MultiplexedConnection, StepError> {
    let names_protocol = url::Url::parse(url)
        .map(|parsed| parsed.query_pairs().any(|(key, _)| key == "protocol"))
        .unwrap_or(false);
    if names_protocol {
        return open_with(url, None, timeout).await;
    }
    match open_with(url, Some(ProtocolVersion::RESP3), timeout).await {
        Err(error) if error.message.contains("HELLO") => {
            open_with(url, Some(ProtocolVersion::RESP2), timeout).await
        }
        result => result,
    }
}

async fn open_with(
    url: &str,
    protocol: Option<ProtocolVersion>,
    timeout: Duration,
) -> Result<MultiplexedConnection, StepError> {
    let shown = hide_password(url);
    let mut info = url.into_connection_info().map_err(|error| {
        StepError::new(
            StepErrorKind::Usage,
            format!("{shown} is not a usable Redis URL: {}", error_text(&error)),
        )
    })?;
    if let Some(protocol) = protocol {
        let settings = info.redis_settings().clone().set_protocol(protocol);
        info = info.set_redis_settings(settings);
    }
    let client = redis::Client::open(info).map_err(|error| {
        StepError::new(
            StepErrorKind::Usage,
            format!("{shown} is not a usable Redis URL: {}", error_text(&error)),
        )
    })?;
    // Each step bounds its own command; the connection itself never times out.
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(None);
    let opening = client.get_multiplexed_async_connection_with_config(&config);
    match tokio::time::timeout(timeout + Duration::from_millis(100), opening).await {
        Err(_) => Err(connect_timeout(&shown, timeout)),
        Ok(Err(error)) if error.is_timeout() => Err(connect_timeout(&shown, timeout)),
        Ok(Err(error)) => Err(connect_error(&shown, &error)),
        Ok(Ok(connection)) => Ok(connection),
    }
}

fn connect_timeout(shown: &str, timeout: Duration) -> StepError {
    StepError::new(
        StepErrorKind::Timeout,
        format!(
            "cannot connect to Redis at {shown}: no answer within {}",
            crate::units::literal_duration(timeout)
        ),
    )
}

fn connect_error(shown: &str, error: &RedisError) -> StepError {
    if error.is_connection_refusal() {
        let why = match error.kind() {
            redis::ErrorKind::Io => {
                "connection refused (is the server running on that port?)".to_string()
            }
            _ => error_text(error),
        };
        return StepError::new(
            StepErrorKind::Connection,
            format!("cannot connect to Redis at {shown}: {why}"),
        )
        .because(Cause::ConnectionRefused);
    }
    let kind = match error.kind() {
        redis::ErrorKind::Io => StepErrorKind::Connection,
        _ if shown.starts_with("rediss:") && error.to_string().to_lowercase().contains("tls") => {
            StepErrorKind::Tls
        }
        _ => StepErrorKind::Database,
    };
    StepError::new(
        kind,
        format!("cannot connect to Redis at {shown}: {}", error_text(error)),
    )
}

fn command_error(url: &str, shown: &str, error: &RedisError) -> StepError {
    if let Some(code) = error.code() {
        return StepError::new(
            StepErrorKind::Database,
            format!(
                "Redis answered `{shown}` with an error: {}",
                server_message(code, error.detail())
            ),
        );
    }
    if error.is_connection_dropped() {
        return StepError::new(
            StepErrorKind::Connection,
            format!(
                "`{shown}` on Redis at {} failed: {}",
                hide_password(url),
                error_text(error)
            ),
        )
        .because(Cause::ConnectionLost);
    }
    let kind = if error.is_io_error() {
        StepErrorKind::Connection
    } else if error.is_timeout() {
        StepErrorKind::Timeout
    } else {
        StepErrorKind::Database
    };
    StepError::new(
        kind,
        format!(
            "`{shown}` on Redis at {} failed: {}",
            hide_password(url),
            error_text(error)
        ),
    )
}

/// An error reply as Redis wrote it: `ERR value is not an integer or out of range`,
/// `WRONGTYPE Operation against a key holding the wrong kind of value`.
fn server_message(code: &str, detail: Option<&str>) -> String {
    match detail {
        Some(detail) => format!("{code} {detail}"),
        None => code.to_string(),
    }
}

/// A library error without the library's own framing where Redis said something.
fn error_text(error: &RedisError) -> String {
    match (error.code(), error.detail()) {
        (Some(code), detail) => server_message(code, detail),
        (None, Some(detail)) if error.kind() == redis::ErrorKind::Io => detail.to_string(),
        _ => error.to_string(),
    }
}

/// A reply as a ritc value (`value: json`): bulk and status strings as strings
/// (bytes that are not UTF-8 replaced by U+FFFD), integers as numbers, arrays and
/// sets as lists, maps as objects (keys as text), nil as null, RESP3 doubles and
/// booleans as numbers and booleans, big numbers as their digits in a string. An
/// error inside an array (a failed command in `EXEC`) reads as `{"error": "…"}`.
pub fn reply_json(reply: redis::Value) -> Json {
    match reply {
        redis::Value::Nil => Json::Null,
        redis::Value::Int(int) => Json::from(int),
        redis::Value::BulkString(bytes) => {
            Json::String(String::from_utf8_lossy(&bytes).into_owned())
        }
        redis::Value::SimpleString(text) => Json::String(text),
        redis::Value::Okay => Json::String("OK".to_string()),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            Json::Array(items.into_iter().map(reply_json).collect())
        }
        redis::Value::Push { data, .. } => Json::Array(data.into_iter().map(reply_json).collect()),
        redis::Value::Map(pairs) => Json::Object(
            pairs
                .into_iter()
                .map(|(key, value)| (key_text(key), reply_json(value)))
                .collect(),
        ),
        redis::Value::Attribute { data, .. } => reply_json(*data),
        redis::Value::Double(number) => serde_json::Number::from_f64(number)
            .map_or_else(|| Json::String(number.to_string()), Json::Number),
        redis::Value::Boolean(flag) => Json::Bool(flag),
        redis::Value::VerbatimString { text, .. } => Json::String(text),
        redis::Value::BigNumber(digits) => {
            Json::String(String::from_utf8_lossy(&digits).into_owned())
        }
        redis::Value::ServerError(error) => serde_json::json!({
            "error": server_message(error.code(), error.details()),
        }),
        // A reply kind added by a later version of the library.
        _ => Json::Null,
    }
}

/// A map key as object keys need it: strings as they are, anything else as JSON text.
fn key_text(key: redis::Value) -> String {
    match reply_json(key) {
        Json::String(text) => text,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(text: &str) -> CommandPart {
        CommandPart::Text(text.to_string())
    }

    fn value(text: &str) -> CommandPart {
        CommandPart::Value(Value::String(text.to_string()))
    }

    #[test]
    fn a_value_is_one_argument_whatever_it_holds() {
        let parts = [text("SET "), value("k"), text(" "), value("a \"b\"\nc  d")];
        let words = command_words(&parts).unwrap();
        assert_eq!(words, vec!["SET", "k", "a \"b\"\nc  d"]);
    }

    #[test]
    fn a_value_stays_inside_its_word() {
        let parts = [text("GET session:"), value("42 x")];
        assert_eq!(command_words(&parts).unwrap(), vec!["GET", "session:42 x"]);
        let parts = [
            text("  HSET  h "),
            value("a"),
            text("-"),
            value("b"),
            text("  f  "),
        ];
        assert_eq!(
            command_words(&parts).unwrap(),
            vec!["HSET", "h", "a-b", "f"]
        );
    }

    #[test]
    fn an_empty_value_standing_alone_is_an_empty_argument() {
        let parts = [text("SET k "), value("")];
        assert_eq!(command_words(&parts).unwrap(), vec!["SET", "k", ""]);
    }

    #[test]
    fn numbers_are_written_as_text_and_null_fails() {
        let parts = [text("INCRBY k "), CommandPart::Value(Value::Int(5))];
        assert_eq!(command_words(&parts).unwrap(), vec!["INCRBY", "k", "5"]);
        let error = command_words(&[text("GET "), CommandPart::Value(Value::Null)]).unwrap_err();
        assert_eq!(error.kind, StepErrorKind::Usage);
        assert!(error.message.contains("null"), "{}", error.message);
    }

    #[test]
    fn commands_are_shown_with_odd_words_quoted() {
        let words = vec![
            "SET".to_string(),
            "k".to_string(),
            "a b\n".to_string(),
            String::new(),
        ];
        assert_eq!(show_command(&words), r#"SET k "a b\n" """#);
    }

    #[test]
    fn replies_read_as_json() {
        use redis::Value as R;
        assert_eq!(reply_json(R::Nil), Json::Null);
        assert_eq!(reply_json(R::Int(3)), serde_json::json!(3));
        assert_eq!(reply_json(R::Okay), serde_json::json!("OK"));
        assert_eq!(
            reply_json(R::BulkString(b"hi".to_vec())),
            serde_json::json!("hi")
        );
        assert_eq!(
            reply_json(R::Array(vec![
                R::BulkString(b"a".to_vec()),
                R::Int(1),
                R::Nil
            ])),
            serde_json::json!(["a", 1, null])
        );
        assert_eq!(
            reply_json(R::Map(vec![
                (R::BulkString(b"f".to_vec()), R::BulkString(b"v".to_vec())),
                (R::Int(2), R::Boolean(true)),
            ])),
            serde_json::json!({"f": "v", "2": true})
        );
        assert_eq!(reply_json(R::Double(1.5)), serde_json::json!(1.5));
        assert_eq!(
            reply_json(R::Double(f64::INFINITY)),
            serde_json::json!("inf")
        );
    }
}
