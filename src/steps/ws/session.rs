//! The statements of a `ws` block (`send`, `receive`, `close`), run by this kind
//! through the interpreter's `StatementContext`, and the WebSockets they talk to:
//! the kind's session of a test (`WsSession`), which the `ws` step opens a
//! connection in for its block (`drive`). The interpreter never sees a socket.

use super::{Frame, Outgoing, WsConnection};
use crate::steps::context::{Halt, Sessions, StatementContext};
use crate::steps::exec::{Cause, FieldError, FieldValue, StepError, StepErrorKind};
use crate::steps::schema::StatementSpec;
use crate::value::{self, Value, describe};
use futures_util::future::BoxFuture;
use std::time::Duration;

/// `send VALUE`: its part, the message.
pub const SEND: &str = "send";
/// `receive [until CONDITION] [timeout DURATION]`.
pub const RECEIVE: &str = "receive";
/// `close [CODE]`.
pub const CLOSE: &str = "close";

/// The part of `send`: what is sent.
pub const MESSAGE: &str = "message";
/// The part of `receive` that a frame must make hold.
pub const UNTIL: &str = "until";
/// The part of `receive` that bounds its wait.
pub const TIMEOUT: &str = "timeout";
/// The part of `close`: the close code.
pub const CODE: &str = "code";

/// The close code `close` sends when it names none.
const NORMAL_CLOSURE: u16 = 1000;

pub static STATEMENTS: [StatementSpec; 3] = [
    StatementSpec {
        word: SEND,
        listed: true,
        parts: &[MESSAGE],
        operand: None,
    },
    StatementSpec {
        word: RECEIVE,
        listed: true,
        parts: &[UNTIL, TIMEOUT],
        operand: None,
    },
    StatementSpec {
        word: CLOSE,
        listed: false,
        parts: &[CODE],
        operand: None,
    },
];

/// The WebSockets open around the statement that runs, innermost last: a `ws`
/// block's statements talk to the last.
#[derive(Default)]
pub struct WsSession {
    open: Vec<WsConnection>,
}

impl WsSession {
    /// This test's session.
    pub fn of(sessions: &mut Sessions) -> &mut WsSession {
        sessions.of(super::kind::NAME)
    }

    /// A `ws` step's connection, open for its block.
    pub fn push(&mut self, connection: WsConnection) {
        self.open.push(connection);
    }

    /// The connection of the `ws` step whose block ended.
    pub fn pop(&mut self) -> Option<WsConnection> {
        self.open.pop()
    }
}

/// Runs the statement that begins with `word`; `None` for a word not of `ws`.
pub fn run<'a>(
    word: &'a str,
    context: &'a mut dyn StatementContext,
) -> Option<BoxFuture<'a, Result<(), Halt>>> {
    match word {
        SEND => Some(Box::pin(send(context))),
        RECEIVE => Some(Box::pin(receive(context))),
        CLOSE => Some(Box::pin(close(context))),
        _ => None,
    }
}

/// The innermost open WebSocket, or a failure at the statement.
fn connection(context: &mut dyn StatementContext) -> Result<&mut WsConnection, Halt> {
    if WsSession::of(context.sessions()).open.is_empty() {
        return Err(context.fail_at(None, "no WebSocket is open here".to_string()));
    }
    match WsSession::of(context.sessions()).open.last_mut() {
        Some(connection) => Ok(connection),
        None => unreachable!("checked just above"),
    }
}

async fn send(context: &mut dyn StatementContext) -> Result<(), Halt> {
    let value = context.part(MESSAGE).await?.unwrap_or(Value::Null);
    let message = match value {
        Value::Bytes(bytes) => Outgoing::Binary(bytes),
        Value::String(text) => Outgoing::Text(text),
        Value::Json(serde_json::Value::String(text)) => Outgoing::Text(text),
        other => Outgoing::Text(value::to_json(&other).to_string()),
    };
    connection(context)?.send(message).await.map_err(Halt::Step)
}

async fn close(context: &mut dyn StatementContext) -> Result<(), Halt> {
    let code = match context.part(CODE).await? {
        Some(code) => {
            if let Some(constant) = crate::steps::limits::Constant::of(&code) {
                crate::steps::limits::check(CLOSE, constant)
                    .map_err(|message| context.fail_at(Some(CODE), message))?;
            }
            match code {
                Value::Int(code) => u16::try_from(code).unwrap_or(NORMAL_CLOSURE),
                _ => NORMAL_CLOSURE,
            }
        }
        None => NORMAL_CLOSURE,
    };
    connection(context)?.close(code).await.map_err(Halt::Step)
}

/// `receive [until E] [timeout D]`: the next frame, or the first for which E
/// holds; its fields are then in scope.
async fn receive(context: &mut dyn StatementContext) -> Result<(), Halt> {
    let timeout = match context.part(TIMEOUT).await? {
        Some(Value::Duration(timeout)) => timeout,
        Some(other) => {
            let message = format!("expected a duration, found {}", describe(&other));
            return Err(context.fail_at(Some(TIMEOUT), message));
        }
        None => context.default_timeout(),
    };
    let until = context.has(UNTIL);
    receive_until(context, until, timeout).await
}

async fn receive_until(
    context: &mut dyn StatementContext,
    until: bool,
    timeout: Duration,
) -> Result<(), Halt> {
    // One deadline for every frame read until one matches; a timeout names
    // the timeout as written, not what was left of it.
    let deadline = tokio::time::Instant::now() + timeout;
    let mut skipped: Vec<String> = Vec::new();
    loop {
        let frame = match connection(context)?.receive(deadline, timeout).await {
            Ok(frame) => frame,
            Err(mut error) => {
                if !skipped.is_empty() {
                    let arrived = format!(
                        "frames that arrived and did not match:\n{}",
                        skipped.join("\n")
                    );
                    error.detail = Some(match error.detail {
                        Some(detail) => format!("{detail}\n{arrived}"),
                        None => arrived,
                    });
                }
                return Err(Halt::Step(error));
            }
        };
        let shown = match &frame {
            Frame::Text(text) => text.clone(),
            Frame::Binary(bytes) => format!("<{} bytes of binary data>", bytes.len()),
            Frame::Closed(code) => format!("<closed with code {code}>"),
        };
        context.set_fields(frame_fields(&frame));
        if !until || context.holds(UNTIL).await {
            return Ok(());
        }
        if matches!(frame, Frame::Closed(_)) {
            return Err(Halt::Step(
                StepError::new(
                    StepErrorKind::Protocol,
                    "the server closed the WebSocket before a frame matched `until`",
                )
                .with_detail(Some(format!(
                    "frames that arrived:\n{}",
                    skipped.join("\n")
                ))),
            ));
        }
        skipped.push(shown);
    }
}

/// The fields a `receive` yields (docs/websocket-redis.md).
fn frame_fields(frame: &Frame) -> Vec<(String, FieldValue)> {
    let (message, binary, closed, code) = match frame {
        Frame::Text(text) => (text.clone(), Vec::new(), false, 0),
        Frame::Binary(bytes) => (String::new(), bytes.clone(), false, 0),
        Frame::Closed(code) => (String::new(), Vec::new(), true, i64::from(*code)),
    };
    let json = match frame {
        Frame::Text(text) => serde_json::from_str(text)
            .map(Value::Json)
            .map_err(|error| FieldError::not_json(format!("the message is not JSON ({error})"))),
        _ => Err(FieldError {
            cause: Cause::NoBody,
            message: "the last frame was not a text message".to_string(),
        }),
    };
    vec![
        ("message".to_string(), Ok(Value::String(message))),
        ("json".to_string(), json),
        ("binary".to_string(), Ok(Value::Bytes(binary))),
        ("closed".to_string(), Ok(Value::Bool(closed))),
        ("close_code".to_string(), Ok(Value::Int(code))),
    ]
}
