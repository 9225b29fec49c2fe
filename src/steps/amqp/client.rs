//! A step's connection to an AMQP broker: its URL read and shown without its
//! password, connecting within the step's timeout, one channel in confirm mode,
//! and the client's errors worded for the step (the broker's own reason, such
//! as `NOT_FOUND - no exchange 'x' in vhost '/'`, kept).

use crate::steps::exec::{Cause, StepError, StepErrorKind};
use crate::units::literal_duration;
use crate::value::{Value, hide_password};
use lapin::options::ConfirmSelectOptions;
use lapin::types::ShortString;
use lapin::{Channel, Connection, ConnectionProperties, ErrorKind};
use std::time::Duration;

/// Why `url` is not a URL the client can read (`amqp(url)` checked it already;
/// a value that crossed a `json` boundary was not).
pub fn check_url(url: &str) -> Result<(), String> {
    super::kind::CONNECTION
        .open(url, std::path::Path::new("."))
        .map(drop)
}

/// An open connection with its one channel, and how messages name the broker.
pub struct Broker {
    connection: Connection,
    pub channel: Channel,
    pub shown: String,
    /// Bounds each exchange with the broker (the step's timeout).
    pub timeout: Duration,
    password: Option<String>,
}

impl Broker {
    /// Connects to the broker of the connection value `target` and opens a
    /// channel with publisher confirms on.
    pub async fn connect(target: &Value, timeout: Duration) -> Result<Broker, StepError> {
        let url = super::kind::CONNECTION
            .url_in(target)
            .map_err(|needed| StepError::new(StepErrorKind::Usage, needed))?;
        let shown = hide_password(&url);
        check_url(&url).map_err(|problem| StepError::new(StepErrorKind::Usage, problem))?;
        let password = password_of(&url);
        let properties = ConnectionProperties::default()
            .with_connection_name(format!("ritc {}", uuid::Uuid::new_v4().simple()).into());
        let connected = tokio::time::timeout(timeout, Connection::connect(&url, properties)).await;
        let connection = match connected {
            Err(_) => {
                return Err(StepError::new(
                    StepErrorKind::Timeout,
                    format!(
                        "cannot connect to AMQP at {shown}: no answer within {}",
                        literal_duration(timeout)
                    ),
                )
                .because(Cause::ConnectionFailed));
            }
            Ok(Err(error)) => return Err(connect_error(&shown, password.as_deref(), &error)),
            Ok(Ok(connection)) => connection,
        };
        let broker = Broker {
            channel: Broker::open_channel(&connection, &shown, timeout).await?,
            connection,
            shown,
            timeout,
            password,
        };
        let confirming = broker
            .within(
                "to turn publisher confirms on",
                broker
                    .channel
                    .confirm_select(ConfirmSelectOptions::default()),
            )
            .await;
        if let Err(error) = confirming {
            broker.close().await;
            return Err(error);
        }
        Ok(broker)
    }

    async fn open_channel(
        connection: &Connection,
        shown: &str,
        timeout: Duration,
    ) -> Result<Channel, StepError> {
        match tokio::time::timeout(timeout, connection.create_channel()).await {
            Ok(Ok(channel)) => Ok(channel),
            Ok(Err(error)) => Err(StepError::new(
                StepErrorKind::Connection,
                format!("AMQP at {shown} refused a channel: {error}"),
            )
            .because(Cause::ConnectionFailed)),
            Err(_) => Err(StepError::new(
                StepErrorKind::Timeout,
                format!(
                    "AMQP at {shown} did not open a channel within {}",
                    literal_duration(timeout)
                ),
            )),
        }
    }

    /// Runs one exchange with the broker within the step's timeout; its error
    /// says `what` the step was doing and the broker's reason.
    pub async fn within<T>(
        &self,
        what: &str,
        exchange: impl std::future::Future<Output = lapin::Result<T>>,
    ) -> Result<T, StepError> {
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(self.refused(what, &error)),
            Err(_) => Err(StepError::new(
                StepErrorKind::Timeout,
                format!(
                    "AMQP at {} did not answer {what} within {}",
                    self.shown,
                    literal_duration(self.timeout)
                ),
            )),
        }
    }

    /// The broker refused what the step asked (its reason kept), or the
    /// connection broke.
    pub fn refused(&self, what: &str, error: &lapin::Error) -> StepError {
        match error.kind() {
            ErrorKind::ProtocolError(reason) => StepError::new(
                StepErrorKind::Protocol,
                format!(
                    "AMQP at {} refused {what}: {}",
                    self.shown,
                    self.hide(reason.get_message().as_str())
                ),
            )
            .because(Cause::Other),
            _ => StepError::new(
                StepErrorKind::Connection,
                format!(
                    "AMQP at {} failed {what}: {}",
                    self.shown,
                    self.hide(&error.to_string())
                ),
            )
            .because(Cause::ConnectionLost),
        }
    }

    /// A client's message with the connection's password, if any, hidden.
    pub fn hide(&self, text: &str) -> String {
        hide_in(self.password.as_deref(), text)
    }

    /// Closes the channel and the connection (the broker deletes the
    /// connection's exclusive queues with it); an error here changes no verdict.
    pub async fn close(&self) {
        let bound = self.timeout.min(Duration::from_secs(2));
        let _ = tokio::time::timeout(bound, self.channel.close(200, "done".into())).await;
        let _ = tokio::time::timeout(bound, self.connection.close(200, "done".into())).await;
    }
}

/// `text` as an AMQP short string (exchange names, routing keys, properties),
/// refused when over the protocol's 255 bytes.
pub fn short(what: &str, text: &str) -> Result<ShortString, StepError> {
    ShortString::try_new(text).map_err(|_| {
        StepError::new(
            StepErrorKind::Usage,
            format!("the {what} is {} bytes; AMQP takes at most 255", text.len()),
        )
    })
}

/// The password of `url`, when it has one.
fn password_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .and_then(|parsed| parsed.password().map(str::to_string))
        .filter(|password| !password.is_empty())
}

/// `text` with `password` (when there is one) as `***`.
fn hide_in(password: Option<&str>, text: &str) -> String {
    match password {
        Some(password) => text.replace(password, "***"),
        None => text.to_string(),
    }
}

fn connect_error(shown: &str, password: Option<&str>, error: &lapin::Error) -> StepError {
    let why = hide_in(password, &error.to_string());
    let (kind, cause, why) = match error.kind() {
        ErrorKind::IOError(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => (
            StepErrorKind::Connection,
            Cause::ConnectionRefused,
            "connection refused (is the broker running, on this port?)".to_string(),
        ),
        ErrorKind::ProtocolError(reason) => (
            StepErrorKind::Connection,
            Cause::ConnectionFailed,
            format!(
                "the broker refused the connection ({})",
                hide_in(password, reason.get_message().as_str())
            ),
        ),
        _ if why.to_lowercase().contains("refused") => (
            StepErrorKind::Connection,
            Cause::ConnectionRefused,
            "connection refused (is the broker running, on this port?)".to_string(),
        ),
        _ => (StepErrorKind::Connection, Cause::ConnectionFailed, why),
    };
    StepError::new(kind, format!("cannot connect to AMQP at {shown}: {why}")).because(cause)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_with_the_password_hidden() {
        assert_eq!(check_url("amqp://guest:guest@127.0.0.1:5672/%2f"), Ok(()));
        assert_eq!(check_url("amqps://rabbit.example"), Ok(()));
        let refused = check_url("http://127.0.0.1:5672").expect_err("not AMQP");
        assert!(
            refused.starts_with("amqp: http://127.0.0.1:5672 is not an AMQP URL: write amqp://"),
            "{refused}"
        );
        let malformed = check_url("amqp://u:hunter2@127.0.0.1:99999").expect_err("bad port");
        assert_eq!(
            malformed,
            "amqp: amqp://***@127.0.0.1:99999 is not a valid URL: invalid port number"
        );
    }

    #[test]
    fn a_name_over_255_bytes_is_refused_not_a_panic() {
        let refused = short("routing key", &"k".repeat(256)).expect_err("too long");
        assert_eq!(
            refused.message,
            "the routing key is 256 bytes; AMQP takes at most 255"
        );
    }
}
