//! A step's connection to a NATS server: its URL read and shown without its
//! password, connecting within the step's timeout, the server's `max_payload`
//! told plainly, and the client's errors worded for the step.

use crate::steps::exec::{Cause, StepError, StepErrorKind};
use crate::units::literal_size;
use crate::value::{Value, hide_password};
use std::time::Duration;

/// Why `url` is not a URL the client can read (`nats(url)` checked it already;
/// a value that crossed a `json` boundary was not).
pub fn check_url(url: &str) -> Result<(), String> {
    super::kind::CONNECTION
        .open(url, std::path::Path::new("."))
        .map(drop)
}

/// The URL as messages show it: its password as `***`.
pub fn shown(url: &str) -> String {
    hide_password(url)
}

/// An open connection, and how messages name its server.
pub struct Bus {
    pub client: async_nats::Client,
    pub shown: String,
    /// Bounds each exchange with the server (the step's timeout).
    pub timeout: Duration,
    password: Option<String>,
}

impl Bus {
    /// Connects to the server of the connection value `target`.
    pub async fn connect(target: &Value, timeout: Duration) -> Result<Bus, StepError> {
        let url = super::kind::CONNECTION
            .url_in(target)
            .map_err(|needed| StepError::new(StepErrorKind::Usage, needed))?;
        let shown = shown(&url);
        check_url(&url).map_err(|problem| StepError::new(StepErrorKind::Usage, problem))?;
        let options = async_nats::ConnectOptions::new()
            .name("ritc")
            .connection_timeout(timeout)
            .ignore_discovered_servers()
            .max_reconnects(Some(1));
        let connected = tokio::time::timeout(timeout, options.connect(url.as_str())).await;
        let client = match connected {
            Err(_) => {
                return Err(StepError::new(
                    StepErrorKind::Timeout,
                    format!(
                        "cannot connect to NATS at {shown}: no answer within {}",
                        crate::units::literal_duration(timeout)
                    ),
                )
                .because(Cause::ConnectionFailed));
            }
            Ok(Err(error)) => return Err(connect_error(&url, &shown, &error)),
            Ok(Ok(client)) => client,
        };
        Ok(Bus {
            client,
            shown,
            timeout,
            password: password_of(&url),
        })
    }

    /// Refuses a message the server would refuse, saying why.
    pub fn fits(&self, subject: &str, size: usize) -> Result<(), StepError> {
        let most = self.client.server_info().max_payload;
        if most == 0 || size <= most {
            return Ok(());
        }
        Err(StepError::new(
            StepErrorKind::Usage,
            format!(
                "the message to `{subject}` is {} and the NATS server at {} takes at most {} \
                 (its `max_payload`, 1MB unless its configuration raises it): nothing was sent",
                literal_size(size as u64),
                self.shown,
                literal_size(most as u64),
            ),
        ))
    }

    /// Waits until all this connection sent is written to the socket, within the
    /// step's timeout. The server may not have read it yet: `confirm` waits for that.
    pub async fn flush(&self, what: &str) -> Result<(), StepError> {
        match tokio::time::timeout(self.timeout, self.client.flush()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(self.lost(what, &error.to_string())),
            Err(_) => Err(self.not_confirmed(what)),
        }
    }

    /// Waits until the server has processed everything this connection sent
    /// before (a subscription is in place, or gone), within the step's timeout.
    /// `flush` only writes to the socket, which the server reads when it reads
    /// it; a request on a subject of no one's is answered ("no responders") by
    /// the server once it has read the request, and so all that came before it.
    pub async fn confirm(&self, what: &str) -> Result<(), StepError> {
        let nobody = format!("_ritc.confirm.{}", uuid::Uuid::new_v4().simple());
        let asked = self.client.request(nobody, bytes::Bytes::new());
        match tokio::time::timeout(self.timeout, asked).await {
            // The server answered: it read everything before the request.
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error))
                if error.kind() == async_nats::client::RequestErrorKind::NoResponders =>
            {
                Ok(())
            }
            Ok(Err(error)) => Err(self.lost(what, &error.to_string())),
            Err(_) => Err(self.not_confirmed(what)),
        }
    }

    /// The step's timeout passed before the server confirmed `what`.
    fn not_confirmed(&self, what: &str) -> StepError {
        StepError::new(
            StepErrorKind::Timeout,
            format!(
                "NATS at {} did not confirm {what} within {}",
                self.shown,
                crate::units::literal_duration(self.timeout)
            ),
        )
    }

    /// The connection broke while the step used it.
    pub fn lost(&self, what: &str, why: &str) -> StepError {
        StepError::new(
            StepErrorKind::Connection,
            format!("NATS at {} failed {what}: {}", self.shown, self.hide(why)),
        )
        .because(Cause::ConnectionLost)
    }

    /// A client's message with the connection's password, if any, hidden.
    pub fn hide(&self, text: &str) -> String {
        hide_in(self.password.as_deref(), text)
    }
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

fn connect_error(url: &str, shown: &str, error: &async_nats::ConnectError) -> StepError {
    use async_nats::ConnectErrorKind;
    // The client's words name no URL; a password in them is hidden all the same.
    let why = hide_in(password_of(url).as_deref(), &error.to_string());
    let (kind, cause, why) = match error.kind() {
        ConnectErrorKind::Io if why.to_lowercase().contains("refused") => (
            StepErrorKind::Connection,
            Cause::ConnectionRefused,
            "connection refused (is the server running, on this port?)".to_string(),
        ),
        ConnectErrorKind::Dns => (StepErrorKind::Connection, Cause::HostNotFound, why),
        ConnectErrorKind::TimedOut => (StepErrorKind::Timeout, Cause::ConnectionFailed, why),
        ConnectErrorKind::Tls => (StepErrorKind::Tls, Cause::TlsHandshake, why),
        ConnectErrorKind::AuthorizationViolation | ConnectErrorKind::Authentication => (
            StepErrorKind::Connection,
            Cause::ConnectionFailed,
            format!("the server refused the credentials ({why})"),
        ),
        ConnectErrorKind::ServerParse | ConnectErrorKind::Io | ConnectErrorKind::MaxReconnects => {
            (StepErrorKind::Connection, Cause::ConnectionFailed, why)
        }
    };
    StepError::new(kind, format!("cannot connect to NATS at {shown}: {why}")).because(cause)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_hidden_in_a_url_that_parses_and_in_one_that_does_not() {
        assert_eq!(
            shown("nats://u:hunter2@127.0.0.1:4222"),
            "nats://u:***@127.0.0.1:4222"
        );
        assert_eq!(
            shown("nats://u:hunter2@127.0.0.1:99999"),
            "nats://***@127.0.0.1:99999"
        );
        assert_eq!(shown("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
    }

    #[test]
    fn urls_are_checked_with_the_password_hidden() {
        assert_eq!(check_url("nats://127.0.0.1:4222"), Ok(()));
        assert_eq!(check_url("tls://nats.example:4222"), Ok(()));
        let refused = check_url("http://127.0.0.1:4222").expect_err("not NATS");
        assert!(refused.contains("is not a NATS URL"), "{refused}");
        let malformed = check_url("nats://u:hunter2@127.0.0.1:99999").expect_err("bad port");
        assert_eq!(
            malformed,
            "nats: nats://***@127.0.0.1:99999 is not a valid URL: invalid port number"
        );
    }
}
