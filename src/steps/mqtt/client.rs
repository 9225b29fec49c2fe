//! A step's connection to an MQTT broker: its URL read and shown without its
//! password, the client's event loop polled by a task of its own whose events
//! the step reads in order, and the client's errors worded for the step.

use crate::steps::exec::{Cause, StepError, StepErrorKind};
use crate::units::literal_duration;
use crate::value::{Value, hide_password};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet};
use std::time::Duration;
use tokio::sync::mpsc;

/// Why `url` is not a URL the client can read (`mqtt(url)` checked it already;
/// a value that crossed a `json` boundary was not).
pub fn check_url(url: &str) -> Result<(), String> {
    super::kind::CONNECTION
        .open(url, std::path::Path::new("."))
        .map(drop)
}

/// The largest packet either side may send: MQTT's own limit (256MB), so that
/// the broker's configuration, not the client, decides.
const MOST: usize = 268_435_455;

/// An open connection: the client, the events of its loop (an error ends them),
/// and how messages name the broker.
pub struct Broker {
    pub client: AsyncClient,
    pub events: mpsc::UnboundedReceiver<Result<Event, String>>,
    /// The messages that arrived while `until` waited for another event: a
    /// resumed session's messages come as soon as the broker has accepted the
    /// connection, before the SUBACK the step waits for.
    pub early: Vec<rumqttc::Publish>,
    poller: tokio::task::JoinHandle<()>,
    pub shown: String,
    /// Bounds each exchange with the broker (the step's timeout).
    pub timeout: Duration,
}

impl Drop for Broker {
    /// However the step ends (its future dropped included), the connection goes.
    fn drop(&mut self) {
        self.poller.abort();
    }
}

impl Broker {
    /// Connects to the broker of the connection value `target`: with a clean
    /// session and a client id of its own, or as the client `session` with the
    /// persistent session the broker keeps for it.
    pub async fn connect(
        target: &Value,
        session: Option<&str>,
        timeout: Duration,
    ) -> Result<Broker, StepError> {
        let url = super::kind::CONNECTION
            .url_in(target)
            .map_err(|needed| StepError::new(StepErrorKind::Usage, needed))?;
        let shown = hide_password(&url);
        check_url(&url).map_err(|problem| StepError::new(StepErrorKind::Usage, problem))?;
        let parsed = url::Url::parse(&url)
            .map_err(|error| StepError::new(StepErrorKind::Usage, error.to_string()))?;
        let host = parsed.host_str().unwrap_or("127.0.0.1").to_string();
        let id = match session {
            Some("") => {
                return Err(StepError::new(
                    StepErrorKind::Usage,
                    "`session` names the client whose session to resume: it cannot be empty"
                        .to_string(),
                ));
            }
            Some(id) => id.to_string(),
            None => format!("ritc-{}", uuid::Uuid::new_v4().simple()),
        };
        let mut options = MqttOptions::new(id, host, parsed.port().unwrap_or(1883));
        options
            .set_clean_session(session.is_none())
            .set_keep_alive(Duration::from_secs(30))
            .set_max_packet_size(MOST, MOST);
        if !parsed.username().is_empty() {
            let decode = |text: &str| {
                percent_encoding::percent_decode_str(text)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            options.set_credentials(
                decode(parsed.username()),
                decode(parsed.password().unwrap_or_default()),
            );
        }
        let (client, mut event_loop) = AsyncClient::new(options, 16);
        let (sender, events) = mpsc::unbounded_channel();
        let poller = tokio::spawn(async move {
            loop {
                let event = event_loop.poll().await.map_err(|error| error.to_string());
                let failed = event.is_err();
                if sender.send(event).is_err() || failed {
                    break;
                }
            }
        });
        let mut broker = Broker {
            client,
            events,
            early: Vec::new(),
            poller,
            shown,
            timeout,
        };
        let connected = broker
            .until(
                |event| matches!(event, Event::Incoming(Packet::ConnAck(_))),
                "to connect",
            )
            .await;
        match connected {
            Ok(_) => Ok(broker),
            Err(error) => Err(connect_error(&broker.shown, &url, error)),
        }
    }

    /// Reads events until one `wanted` comes, within the step's timeout; the
    /// messages among the others are kept in `early`.
    pub async fn until(
        &mut self,
        wanted: impl Fn(&Event) -> bool,
        what: &str,
    ) -> Result<Event, StepError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Err(_) => {
                    return Err(StepError::new(
                        StepErrorKind::Timeout,
                        format!(
                            "MQTT broker at {} did not answer {what} within {}",
                            self.shown,
                            literal_duration(self.timeout)
                        ),
                    ));
                }
                Ok(None) => return Err(self.lost(what, "the connection closed")),
                Ok(Some(Err(why))) => return Err(self.lost(what, &why)),
                Ok(Some(Ok(event))) if wanted(&event) => return Ok(event),
                Ok(Some(Ok(Event::Incoming(Packet::Publish(message))))) => {
                    self.early.push(message);
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// The connection broke while the step used it.
    pub fn lost(&self, what: &str, why: &str) -> StepError {
        StepError::new(
            StepErrorKind::Connection,
            format!("MQTT broker at {} failed {what}: {why}", self.shown),
        )
        .because(Cause::ConnectionLost)
    }

    /// Leaves cleanly: the broker drops a clean session's subscriptions (and
    /// keeps a resumed one's); an error here changes no verdict.
    pub async fn close(mut self) {
        let _ = self.client.disconnect().await;
        let _ = tokio::time::timeout(self.timeout.min(Duration::from_secs(1)), async {
            while let Some(Ok(event)) = self.events.recv().await {
                if matches!(event, Event::Outgoing(rumqttc::Outgoing::Disconnect)) {
                    break;
                }
            }
        })
        .await;
    }
}

fn connect_error(shown: &str, url: &str, error: StepError) -> StepError {
    // The client's words name no URL; a password in them is hidden all the same.
    let password = url::Url::parse(url)
        .ok()
        .and_then(|parsed| parsed.password().map(str::to_string))
        .filter(|password| !password.is_empty());
    let mut why = error.message.clone();
    if let Some(password) = password {
        why = why.replace(&password, "***");
    }
    let (kind, cause, why) = if why.to_lowercase().contains("refused, return code") {
        (
            StepErrorKind::Connection,
            Cause::ConnectionFailed,
            format!("the broker refused the connection ({})", tail(&why)),
        )
    } else if why.to_lowercase().contains("connection refused") {
        (
            StepErrorKind::Connection,
            Cause::ConnectionRefused,
            "connection refused (is the broker running, on this port?)".to_string(),
        )
    } else {
        (error.kind, error.cause, tail(&why))
    };
    StepError::new(kind, format!("cannot connect to MQTT at {shown}: {why}")).because(cause)
}

/// What `lost` said after "failed to connect: ".
fn tail(message: &str) -> String {
    message
        .split_once("to connect: ")
        .map_or(message, |(_, why)| why)
        .to_string()
}
