//! Running `ws` steps: a WebSocket conversation (`send`, `receive`, `close`). The
//! block's statements drive it one at a time through `WsConnection` (`session`);
//! this file owns the socket (tokio-tungstenite), its state and the wording of its failures.
//! It must not import the interpreter.

use crate::steps::exec::{Cause, StepError, StepErrorKind};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::{Error as WsError, ProtocolError, UrlError};
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

/// What `send` sends.
#[derive(Clone, Debug, PartialEq)]
pub enum Outgoing {
    Text(String),
    Binary(Vec<u8>),
}

/// What `receive` got.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    Text(String),
    Binary(Vec<u8>),
    /// The server closed the connection (code 1005 when it gave none).
    Closed(u16),
}

/// How long `close` waits for the server to answer the close frame, at most (the
/// step's timeout when it is shorter). A server that never answers does not fail
/// the test: the conversation is over either way.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// How many of the frames received are kept to explain a timeout.
const FRAMES_KEPT: usize = 20;

/// How much of each frame a timeout message shows, in characters.
const FRAME_SHOWN: usize = 200;

/// The close code a server's close frame without a code reads as (RFC 6455 §7.1.5).
const NO_STATUS_CODE: u16 = 1005;

/// How close two deadlines must be for a call to `receive` to continue the wait
/// of the one before (see `Wait`).
const SAME_DEADLINE: Duration = Duration::from_millis(10);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Clone, Debug)]
enum State {
    Open,
    /// The server sent a close frame with this code.
    ClosedByServer(u16),
    /// `close` was run.
    ClosedByClient,
    /// The connection broke without a close frame: why.
    Dropped(String),
}

/// The wait of one `receive` statement. `receive until` calls `receive` again
/// with what is left of its timeout after each frame that did not match, so a
/// call whose deadline is the one of the call before continues that wait: its
/// timeout message then names the statement's whole timeout, and the frames that
/// arrived during the wait are left to `receive until`'s list of frames that did
/// not match.
#[derive(Clone, Copy, Debug)]
struct Wait {
    deadline: Instant,
    timeout: Duration,
    /// How many frames had been received when the wait began.
    frames_before: usize,
}

/// An open WebSocket, for the statements of one `ws` block.
pub struct WsConnection {
    url: String,
    socket: Socket,
    state: State,
    /// The step's timeout, for sends.
    timeout: Duration,
    /// The last frames received, as shown in messages, oldest first.
    received: Vec<String>,
    /// How many frames were received in all.
    received_count: usize,
    /// The subprotocol the server chose, if any.
    subprotocol: Option<String>,
    /// The wait of the last call to `receive` that returned a frame.
    wait: Option<Wait>,
}

impl WsConnection {
    /// Opens `url` with the given headers (a `Sec-WebSocket-Protocol` header asks
    /// for a subprotocol); verifies TLS unless `insecure`; fails after `timeout`.
    pub async fn connect(
        url: &str,
        headers: &[(String, String)],
        insecure: bool,
        timeout: Duration,
    ) -> Result<WsConnection, StepError> {
        // The userinfo goes as Basic auth, as on every HTTP path (`url_credentials`).
        let (without_credentials, authorization) =
            crate::steps::http::url_credentials::take_credentials(url);
        let mut request = without_credentials
            .as_str()
            .into_client_request()
            .map_err(|error| {
                StepError::new(
                    StepErrorKind::Usage,
                    format!("{url} is not a WebSocket URL ({error}): write ws://… or wss://…"),
                )
            })?;
        if !matches!(request.uri().scheme_str(), Some("ws" | "wss")) {
            return Err(StepError::new(
                StepErrorKind::Usage,
                format!("{url} is not a WebSocket URL: write ws://… or wss://…"),
            ));
        }
        for (name, value) in headers {
            let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                StepError::new(
                    StepErrorKind::Usage,
                    format!("\"{name}\" is not a valid header name"),
                )
            })?;
            let header_value = crate::steps::http::url_credentials::header_value(name, value)
                .map_err(|message| StepError::new(StepErrorKind::Usage, message))?;
            request.headers_mut().insert(header_name, header_value);
        }
        if let Some(authorization) = authorization
            && !crate::steps::http::url_credentials::has_authorization(headers)
            && let Ok(value) = HeaderValue::from_str(&authorization)
        {
            request.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::header::AUTHORIZATION,
                value,
            );
        }
        let connector = if insecure {
            let tls = native_tls::TlsConnector::builder()
                .danger_accept_invalid_certs(true)
                .danger_accept_invalid_hostnames(true)
                .build()
                .map_err(|error| {
                    StepError::new(StepErrorKind::Tls, format!("cannot set up TLS: {error}"))
                })?;
            Some(Connector::NativeTls(tls))
        } else {
            None
        };
        let connecting =
            tokio_tungstenite::connect_async_tls_with_config(request, None, true, connector);
        let (socket, response) = match tokio::time::timeout(timeout, connecting).await {
            Err(_) => {
                return Err(StepError::new(
                    StepErrorKind::Timeout,
                    format!(
                        "the WebSocket handshake with {url} did not finish within {}",
                        crate::units::literal_duration(timeout)
                    ),
                ));
            }
            Ok(Err(error)) => return Err(handshake_error(url, error)),
            Ok(Ok(connected)) => connected,
        };
        let subprotocol = response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        Ok(WsConnection {
            url: url.to_string(),
            socket,
            state: State::Open,
            timeout,
            received: Vec::new(),
            received_count: 0,
            subprotocol,
            wait: None,
        })
    }

    /// The subprotocol the server agreed to in the handshake, if any.
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }

    pub async fn send(&mut self, message: Outgoing) -> Result<(), StepError> {
        self.check_open("send")?;
        let message = match message {
            Outgoing::Text(text) => Message::text(text),
            Outgoing::Binary(bytes) => Message::binary(bytes),
        };
        match tokio::time::timeout(self.timeout, self.socket.send(message)).await {
            Err(_) => Err(StepError::new(
                StepErrorKind::Timeout,
                format!(
                    "sending a frame to {} did not finish within {}",
                    self.url,
                    crate::units::literal_duration(self.timeout)
                ),
            )),
            Ok(Err(error)) => Err(self.broken(error)),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// The next text, binary or close frame (pings and pongs are answered or
    /// skipped), or a timeout error that lists what did arrive. Once the server
    /// has closed, every receive reads the close again. `deadline` bounds the
    /// wait; `timeout` is the written timeout the error names.
    pub async fn receive(
        &mut self,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Frame, StepError> {
        match &self.state {
            State::ClosedByServer(code) => return Ok(Frame::Closed(*code)),
            State::Open => {}
            State::ClosedByClient | State::Dropped(_) => self.check_open("receive")?,
        }
        let wait = match self.wait.take() {
            Some(previous)
                if deadline.max(previous.deadline) - deadline.min(previous.deadline)
                    <= SAME_DEADLINE =>
            {
                previous
            }
            _ => Wait {
                deadline,
                timeout,
                frames_before: self.received_count,
            },
        };
        loop {
            let next = match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return Err(self.timeout_error(wait)),
                Ok(next) => next,
            };
            let frame = match next {
                Some(Ok(Message::Text(text))) => Frame::Text(text.as_str().to_string()),
                Some(Ok(Message::Binary(bytes))) => Frame::Binary(bytes.to_vec()),
                // tungstenite queues the pong itself; it goes out with the next read.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                Some(Ok(Message::Close(close))) => {
                    let code = close.map_or(NO_STATUS_CODE, |close| u16::from(close.code));
                    self.state = State::ClosedByServer(code);
                    // Send the close reply tungstenite queued, so the server sees a
                    // clean closing handshake; a server already gone is fine.
                    let wait = self.timeout.min(CLOSE_WAIT);
                    let _ = tokio::time::timeout(wait, self.socket.flush()).await;
                    Frame::Closed(code)
                }
                Some(Err(error)) => return Err(self.broken(error)),
                None => {
                    return Err(self.broken(WsError::Protocol(
                        ProtocolError::ResetWithoutClosingHandshake,
                    )));
                }
            };
            self.remember(&frame);
            self.wait = Some(wait);
            return Ok(frame);
        }
    }

    /// Sends a close frame with `code` and waits a little for the server's answer.
    /// Closing a WebSocket the server already closed does nothing.
    pub async fn close(&mut self, code: u16) -> Result<(), StepError> {
        if !matches!(self.state, State::Open) {
            return Ok(());
        }
        if !close_code_allowed(code) {
            return Err(StepError::new(
                StepErrorKind::Usage,
                format!(
                    "{code} cannot be sent as a close code: use 1000–1003, 1007–1014 or 3000–4999"
                ),
            ));
        }
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: "".into(),
        };
        let wait = self.timeout.min(CLOSE_WAIT);
        self.state = State::ClosedByClient;
        match tokio::time::timeout(wait, self.socket.close(Some(frame))).await {
            Ok(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) | Err(_) => return Ok(()),
            Ok(Err(WsError::Io(_))) => return Ok(()),
            Ok(Err(error)) => {
                return Err(StepError::new(
                    StepErrorKind::Protocol,
                    format!("closing the WebSocket {} failed: {error}", self.url),
                ));
            }
            Ok(Ok(())) => {}
        }
        // Read until the server's close frame (or the end of the stream), so the
        // closing handshake completes before the TCP connection goes away.
        let _ = tokio::time::timeout(wait, async {
            while let Some(Ok(message)) = self.socket.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
        Ok(())
    }

    fn check_open(&self, doing: &str) -> Result<(), StepError> {
        match &self.state {
            State::Open => Ok(()),
            State::ClosedByServer(code) => Err(StepError::new(
                StepErrorKind::Connection,
                format!(
                    "cannot {doing}: the server closed the WebSocket {} (code {code})",
                    self.url
                ),
            )
            .because(Cause::ConnectionLost)),
            State::ClosedByClient => Err(StepError::new(
                StepErrorKind::Usage,
                format!("cannot {doing}: this WebSocket was closed by `close` before"),
            )),
            State::Dropped(why) => Err(StepError::new(
                StepErrorKind::Connection,
                format!(
                    "cannot {doing}: the connection to {} was lost ({why})",
                    self.url
                ),
            )
            .because(Cause::ConnectionLost)),
        }
    }

    /// The connection broke: remembers why, and says it with the frames received.
    fn broken(&mut self, error: WsError) -> StepError {
        let why = match &error {
            WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake)
            | WsError::ConnectionClosed
            | WsError::AlreadyClosed => {
                "the server dropped the connection without a close frame".to_string()
            }
            WsError::Io(io) => format!("the connection broke: {io}"),
            WsError::Protocol(protocol) => {
                format!("the server broke the WebSocket protocol: {protocol}")
            }
            WsError::Utf8(detail) => {
                format!("the server sent a text frame that is not UTF-8 ({detail})")
            }
            WsError::Capacity(capacity) => {
                format!("the server sent a frame that is too large ({capacity})")
            }
            other => other.to_string(),
        };
        self.state = State::Dropped(why.clone());
        let mut failure = StepError::new(
            StepErrorKind::Connection,
            format!("{why} ({}, after {})", self.url, self.frames_count_text()),
        )
        .because(Cause::ConnectionLost);
        failure.detail = self.frames_detail(0, "received on this WebSocket");
        failure
    }

    fn timeout_error(&self, wait: Wait) -> StepError {
        let during = self.received_count - wait.frames_before;
        let what = if during == 0 {
            "no frame"
        } else {
            "no frame that matched"
        };
        let mut failure = StepError::new(
            StepErrorKind::Timeout,
            format!(
                "{what} arrived from {} within {}",
                self.url,
                crate::units::literal_duration(wait.timeout)
            ),
        );
        failure.detail = self.frames_detail(during, "received before this `receive`");
        failure
    }

    fn frames_count_text(&self) -> String {
        match self.received_count {
            0 => "no frame".to_string(),
            1 => "1 frame".to_string(),
            count => format!("{count} frames"),
        }
    }

    fn remember(&mut self, frame: &Frame) {
        self.received_count += 1;
        let shown = match frame {
            Frame::Text(text) => shorten(text),
            Frame::Binary(bytes) => format!("<{} bytes of binary data>", bytes.len()),
            Frame::Closed(code) => format!("<closed with code {code}>"),
        };
        if self.received.len() == FRAMES_KEPT {
            self.received.remove(0);
        }
        self.received.push(shown);
    }

    /// The frames received, but for the last `except_last`, one a line, for a
    /// failure's detail: "frames {when}:".
    fn frames_detail(&self, except_last: usize, when: &str) -> Option<String> {
        let kept = self.received.len().saturating_sub(except_last);
        let shown = self.received.get(..kept).unwrap_or_default();
        if shown.is_empty() {
            return None;
        }
        let older = self
            .received_count
            .saturating_sub(except_last)
            .saturating_sub(shown.len());
        let mut lines = vec![if older > 0 {
            format!(
                "the last {} frames {when} ({older} before them not shown):",
                shown.len()
            )
        } else {
            format!("frames {when}:")
        }];
        lines.extend(shown.iter().map(|frame| format!("  {frame}")));
        Some(lines.join("\n"))
    }
}

/// What went wrong before the WebSocket was open, in the user's words.
fn handshake_error(url: &str, error: WsError) -> StepError {
    match error {
        WsError::Http(response) => {
            let status = response.status();
            let mut failure = StepError::new(
                StepErrorKind::Protocol,
                format!(
                    "the server refused the WebSocket handshake at {url}: HTTP {} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                )
                .trim_end()
                .to_string(),
            );
            failure.detail = response
                .body()
                .as_ref()
                .filter(|body| !body.is_empty())
                .map(|body| {
                    format!(
                        "response body:\n{}",
                        shorten(&String::from_utf8_lossy(body))
                    )
                });
            failure
        }
        WsError::Io(io) => {
            let (why, cause) = match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    ("connection refused".to_string(), Cause::ConnectionRefused)
                }
                _ => (io.to_string(), Cause::ConnectionFailed),
            };
            StepError::new(
                StepErrorKind::Connection,
                format!("cannot connect to {url}: {why}"),
            )
            .because(cause)
        }
        WsError::Tls(tls) => StepError::new(
            StepErrorKind::Tls,
            format!("TLS handshake with {url} failed: {tls}"),
        ),
        WsError::Url(UrlError::UnsupportedUrlScheme) => StepError::new(
            StepErrorKind::Usage,
            format!("{url} is not a WebSocket URL: write ws://… or wss://…"),
        ),
        WsError::Url(problem) => StepError::new(
            StepErrorKind::Usage,
            format!("{url} is not a usable WebSocket URL: {problem}"),
        ),
        WsError::HttpFormat(problem) => StepError::new(
            StepErrorKind::Usage,
            format!("the handshake request for {url} is not valid: {problem}"),
        ),
        WsError::Protocol(ProtocolError::SecWebSocketSubProtocolError(problem)) => StepError::new(
            StepErrorKind::Protocol,
            format!("the server at {url} did not agree on the subprotocol: {problem}"),
        ),
        WsError::Protocol(
            ProtocolError::HandshakeIncomplete | ProtocolError::ResetWithoutClosingHandshake,
        ) => StepError::new(
            StepErrorKind::Connection,
            format!("the server at {url} closed the connection during the WebSocket handshake"),
        ),
        other => StepError::new(
            StepErrorKind::Protocol,
            format!("the WebSocket handshake with {url} failed: {other}"),
        ),
    }
}

/// Codes an endpoint may send in a close frame (RFC 6455 §7.4).
fn close_code_allowed(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(FRAME_SHOWN) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_close_codes_are_refused() {
        assert!(close_code_allowed(1000));
        assert!(close_code_allowed(4000));
        assert!(!close_code_allowed(1005));
        assert!(!close_code_allowed(1006));
        assert!(!close_code_allowed(999));
        assert!(!close_code_allowed(5000));
    }

    #[test]
    fn long_frames_are_shortened() {
        let long = "x".repeat(FRAME_SHOWN + 10);
        let shown = shorten(&long);
        assert_eq!(shown.chars().count(), FRAME_SHOWN + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(shorten("short"), "short");
    }
}
