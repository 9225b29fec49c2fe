//! `GET /ws`: a WebSocket that answers a JSON ping with a pong and echoes every other
//! message.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::Value;

pub async fn upgrade(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(converse)
}

async fn converse(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        let reply = match message {
            Message::Text(text) if is_ping(text.as_str()) => {
                Message::Text(r#"{"type":"pong"}"#.into())
            }
            Message::Text(text) => Message::Text(text),
            Message::Binary(bytes) => Message::Binary(bytes),
            Message::Close(_) => break,
            // Protocol pings are answered by the library itself.
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        if socket.send(reply).await.is_err() {
            break;
        }
    }
}

/// A JSON object whose `type` is `"ping"`.
fn is_ping(text: &str) -> bool {
    matches!(
        serde_json::from_str::<Value>(text),
        Ok(Value::Object(fields)) if fields.get("type").and_then(Value::as_str) == Some("ping")
    )
}
