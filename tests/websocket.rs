//! `ws` steps end to end: the real `ritc` binary on `.rit` files against the demo
//! service's `/ws` and against a WebSocket server started by the test (binary
//! frames, subprotocols, a server that closes, one that is slow, one that drops
//! the connection, one that refuses the handshake), plus `WsConnection` directly.

use futures_util::{SinkExt, StreamExt};
use ritc::steps::exec::StepErrorKind;
use ritc::steps::ws::{Frame, Outgoing, WsConnection};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

mod common;
use common::demo::{DemoProcess, demo_binary};
use common::ports::free_port;
use common::suite::{ritc, text};

/// Writes `source` as `ws.rit` in a fresh folder and runs it with `base` as the
/// `base` param; returns the exit code and everything printed.
async fn run_rit(source: &str, base: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ws.rit"), source).unwrap();
    let output = tokio::process::Command::new(ritc())
        .args(["run", "ws.rit", "--param"])
        .arg(format!("base={base}"))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .await
        .unwrap();
    (output.status.code(), text(&output))
}

// ---------------------------------------------------------------- the test server

/// A WebSocket server on a free port; what it does depends on the path asked for.
async fn start_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream));
        }
    });
    format!("ws://127.0.0.1:{port}")
}

#[derive(Default)]
struct Handshake {
    path: String,
    authorization: Option<String>,
    protocol: Option<String>,
}

// tungstenite's handshake callback returns its own (large) error response.
#[allow(clippy::result_large_err)]
async fn serve(stream: TcpStream) {
    let seen = Arc::new(Mutex::new(Handshake::default()));
    let record = seen.clone();
    let callback = move |request: &Request, mut response: Response| {
        let mut handshake = record.lock().unwrap();
        handshake.path = request.uri().path().to_string();
        handshake.authorization = request
            .headers()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        if handshake.path == "/refuse" {
            let mut refusal = ErrorResponse::new(Some("no token here".to_string()));
            *refusal.status_mut() = StatusCode::UNAUTHORIZED;
            return Err(refusal);
        }
        // Only `/hello` speaks a subprotocol: `chat`, when it is asked for.
        let asked = request
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        if handshake.path == "/hello" && asked.split(',').any(|name| name.trim() == "chat") {
            response
                .headers_mut()
                .insert("sec-websocket-protocol", HeaderValue::from_static("chat"));
            handshake.protocol = Some("chat".to_string());
        }
        Ok(response)
    };
    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    let (path, authorization, protocol) = {
        let handshake = seen.lock().unwrap();
        (
            handshake.path.clone(),
            handshake.authorization.clone(),
            handshake.protocol.clone(),
        )
    };
    match path.as_str() {
        "/hello" => {
            let hello = serde_json::json!({"protocol": protocol, "authorization": authorization});
            let _ = socket.send(Message::text(hello.to_string())).await;
        }
        "/close" => {
            let _ = socket.send(Message::text("bye")).await;
            let close = CloseFrame {
                code: CloseCode::from(4000),
                reason: "done".into(),
            };
            let _ = socket.close(Some(close)).await;
        }
        "/stream" => {
            // A protocol ping first: the rest comes only once the client has
            // answered it with a pong.
            let _ = socket
                .send(Message::Ping(b"are you there".to_vec().into()))
                .await;
            let answered = tokio::time::timeout(Duration::from_secs(5), async {
                while let Some(Ok(message)) = socket.next().await {
                    if matches!(message, Message::Pong(_)) {
                        return true;
                    }
                }
                false
            })
            .await
            .unwrap_or(false);
            if !answered {
                let _ = socket.send(Message::text(r#"{"type":"no pong"}"#)).await;
                return;
            }
            for message in [
                Message::text(r#"{"type":"a"}"#),
                Message::text("not json"),
                Message::binary(vec![1u8, 2, 3]),
                Message::Ping(b"again".to_vec().into()),
                Message::text(r#"{"type":"x","n":3}"#),
                Message::text(r#"{"type":"after"}"#),
            ] {
                let _ = socket.send(message).await;
            }
        }
        "/slow" => {
            let _ = socket.send(Message::text(r#"{"type":"hello"}"#)).await;
            // Then nothing, until the client goes away.
            let _ = tokio::time::timeout(Duration::from_secs(30), async {
                while let Some(Ok(_)) = socket.next().await {}
            })
            .await;
            return;
        }
        "/drop" => {
            let _ = socket.send(Message::text("one")).await;
            // The TCP connection goes away without a close frame.
            drop(socket);
            return;
        }
        _ => {}
    }
    // Everything else, and after the above: an echo until the client closes.
    while let Some(Ok(message)) = socket.next().await {
        let reply = match message {
            Message::Text(text) => Message::Text(text),
            Message::Binary(bytes) => Message::Binary(bytes),
            Message::Close(_) => break,
            _ => continue,
        };
        if socket.send(reply).await.is_err() {
            break;
        }
    }
}

// ---------------------------------------------------------------- the demo service

#[test]
fn the_normative_websocket_example_runs_green() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let output = Command::new(ritc())
        .args(["run", "websocket.rit", "--param"])
        .arg(format!("demo={}", demo_binary().display()))
        .arg("--param")
        .arg(format!("port={}", free_port()))
        .arg("--param")
        .arg(format!("inventory_port={}", free_port()))
        .current_dir(&examples)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("1 passed, 0 failed"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_answers_pings_and_echoes_text_and_binary_frames() {
    let database_dir = tempfile::tempdir().unwrap();
    let demo = DemoProcess::serve(database_dir.path());
    let source = r#"param base = "ws://127.0.0.1:1"

test "demo conversation" {
  ws "{{base}}/ws" timeout 5s {
    send { type: "ping" }
    receive timeout 5s
    expect json.type == "pong"
    expect not closed
    expect close_code == 0

    send "hello there"
    receive timeout 5s
    expect message == "hello there"

    send hmac_sha256("key", "data")
    receive timeout 5s
    expect binary == hmac_sha256("key", "data")
    expect message == ""

    send { type: "note", tags: ["a", "b"] }
    send { type: "ping" }
    receive until json.type == "pong" timeout 5s
    expect json == { type: "pong" }
    close 1000
  }
}
"#;
    let (code, all) = run_rit(source, &format!("ws://127.0.0.1:{}", demo.port)).await;
    assert_eq!(code, Some(0), "{all}");
    assert!(all.contains("1 passed, 0 failed"), "{all}");
}

// ---------------------------------------------------------------- conversations that pass

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_with_the_test_server_pass() {
    let base = start_server().await;
    let source = r#"param base = "ws://127.0.0.1:1"

test "binary frames, objects and arrays" {
  ws "{{base}}/echo" {
    send hmac_sha256("key", "data")
    receive timeout 5s
    expect len(binary) == 32
    expect binary == hmac_sha256("key", "data")
    expect message == ""
    send { type: "object", list: [1, 2] }
    receive timeout 5s
    expect json.list == [1, 2]
    send [1, "two"]
    receive timeout 5s
    expect json == [1, "two"]
    close
  }
}

test "a subprotocol and handshake headers" {
  ws "{{base}}/hello" headers { "Sec-WebSocket-Protocol": "chat", Authorization: "Bearer t0k" } {
    receive timeout 5s
    expect json.protocol == "chat"
    expect json.authorization == "Bearer t0k"
  }
}

test "the server closes with a code" {
  ws "{{base}}/close" {
    receive timeout 5s
    expect message == "bye"
    expect not closed
    receive timeout 5s
    expect closed
    expect close_code == 4000
    receive timeout 5s
    expect closed
  }
}

test "receive until skips frames, pings answered" {
  ws "{{base}}/stream" {
    receive until json.type == "x" timeout 5s
    expect json.n == 3
    receive timeout 5s
    expect json.type == "after"
  }
}
"#;
    let (code, all) = run_rit(source, &base).await;
    assert_eq!(code, Some(0), "{all}");
    assert!(all.contains("4 passed, 0 failed"), "{all}");
}

// ---------------------------------------------------------------- failures

/// Runs one test that must fail; returns what was printed.
async fn failing(body: &str, base: &str) -> String {
    let source = format!("param base = \"ws://127.0.0.1:1\"\n\ntest \"fails\" {{\n{body}\n}}\n");
    let (code, all) = run_rit(&source, base).await;
    assert_eq!(code, Some(1), "{all}");
    assert!(all.contains("0 passed, 1 failed"), "{all}");
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receive_timeout_says_how_long_and_lists_the_frames_that_arrived() {
    let base = start_server().await;
    let all = failing(
        r#"  ws "{{base}}/slow" {
    receive timeout 5s
    expect json.type == "hello"
    receive timeout 300ms
  }"#,
        &base,
    )
    .await;
    assert!(all.contains("no frame arrived from"), "{all}");
    assert!(all.contains("within 300ms"), "{all}");
    assert!(
        all.contains("frames received before this `receive`:"),
        "{all}"
    );
    assert!(all.contains(r#"{"type":"hello"}"#), "{all}");

    let all = failing(
        r#"  ws "{{base}}/slow" {
    receive until json.type == "never" timeout 300ms
  }"#,
        &base,
    )
    .await;
    // The wait goes on across the frames `until` skips: its whole timeout is
    // named, and the skipped frames are listed once.
    assert!(all.contains("no frame that matched arrived from"), "{all}");
    assert!(all.contains("within 300ms"), "{all}");
    assert!(
        all.contains("frames that arrived and did not match"),
        "{all}"
    );
    assert_eq!(all.matches(r#"{"type":"hello"}"#).count(), 1, "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_failures_explain_themselves() {
    let base = start_server().await;
    let all = failing(r#"  ws "{{base}}/refuse" { receive timeout 1s }"#, &base).await;
    assert!(
        all.contains("the server refused the WebSocket handshake at"),
        "{all}"
    );
    assert!(all.contains("HTTP 401 Unauthorized"), "{all}");
    assert!(all.contains("no token here"), "{all}");

    let all = failing(
        r#"  ws "{{base}}/echo" headers { "Sec-WebSocket-Protocol": "chat" } { receive timeout 1s }"#,
        &base,
    )
    .await;
    assert!(all.contains("did not agree on the subprotocol"), "{all}");

    let closed = format!("ws://127.0.0.1:{}", free_port());
    let all = failing(r#"  ws "{{base}}/x" { receive timeout 1s }"#, &closed).await;
    assert!(
        all.contains(&format!("cannot connect to {closed}/x: connection refused")),
        "{all}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_and_a_non_json_frame_fail_clearly() {
    let base = start_server().await;
    let all = failing(
        r#"  ws "{{base}}/drop" {
    receive timeout 5s
    expect message == "one"
    receive timeout 5s
  }"#,
        &base,
    )
    .await;
    assert!(
        all.contains("the server dropped the connection without a close frame"),
        "{all}"
    );
    assert!(all.contains("after 1 frame"), "{all}");

    let all = failing(
        r#"  ws "{{base}}/echo" {
    send "plain words"
    receive timeout 5s
    expect json.a == 1
  }"#,
        &base,
    )
    .await;
    assert!(all.contains("not JSON"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_close_before_until_matched_fails() {
    let base = start_server().await;
    let all = failing(
        r#"  ws "{{base}}/close" {
    receive until json.type == "never" timeout 5s
  }"#,
        &base,
    )
    .await;
    assert!(
        all.contains("the server closed the WebSocket before a frame matched"),
        "{all}"
    );
    assert!(all.contains("bye"), "{all}");
}

/// A close code computed at run time is held to the protocol's ranges as a
/// written one is (E0413), and the failure points at the code, not the block.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_computed_close_code_out_of_range_fails_at_the_code() {
    let base = start_server().await;
    let all = failing(
        r#"  ws "{{base}}/echo" {
    let code = 1000 + 5
    close code
  }"#,
        &base,
    )
    .await;
    assert!(
        all.contains("1005 is not a close code an endpoint may send"),
        "{all}"
    );
    assert!(all.contains("--> ws.rit:6:11"), "{all}");
}

// ---------------------------------------------------------------- the API directly

#[tokio::test]
async fn the_connection_api_reports_frames_closes_and_timeouts() {
    let base = start_server().await;
    let timeout = Duration::from_secs(5);

    let headers = vec![("Sec-WebSocket-Protocol".to_string(), "chat".to_string())];
    let mut hello = WsConnection::connect(&format!("{base}/hello"), &headers, false, timeout)
        .await
        .unwrap();
    assert_eq!(hello.subprotocol(), Some("chat"));
    let Frame::Text(greeting) = hello
        .receive(tokio::time::Instant::now() + timeout, timeout)
        .await
        .unwrap()
    else {
        panic!("expected a text frame");
    };
    assert!(greeting.contains("\"chat\""), "{greeting}");
    hello.close(1000).await.unwrap();
    let error = hello.send(Outgoing::Text("late".into())).await.unwrap_err();
    assert_eq!(error.kind, StepErrorKind::Usage, "{error:?}");

    let mut echo = WsConnection::connect(&format!("{base}/echo"), &[], false, timeout)
        .await
        .unwrap();
    echo.send(Outgoing::Binary(vec![0, 255, 7])).await.unwrap();
    assert_eq!(
        echo.receive(tokio::time::Instant::now() + timeout, timeout)
            .await
            .unwrap(),
        Frame::Binary(vec![0, 255, 7])
    );
    let error = echo.close(1005).await.unwrap_err();
    assert_eq!(error.kind, StepErrorKind::Usage, "{error:?}");
    echo.close(4001).await.unwrap();

    let mut closing = WsConnection::connect(&format!("{base}/close"), &[], false, timeout)
        .await
        .unwrap();
    assert_eq!(
        closing
            .receive(tokio::time::Instant::now() + timeout, timeout)
            .await
            .unwrap(),
        Frame::Text("bye".into())
    );
    assert_eq!(
        closing
            .receive(tokio::time::Instant::now() + timeout, timeout)
            .await
            .unwrap(),
        Frame::Closed(4000)
    );
    assert_eq!(
        closing
            .receive(tokio::time::Instant::now() + timeout, timeout)
            .await
            .unwrap(),
        Frame::Closed(4000)
    );
    let error = closing.send(Outgoing::Text("x".into())).await.unwrap_err();
    assert_eq!(error.kind, StepErrorKind::Connection, "{error:?}");
    assert!(error.message.contains("code 4000"), "{}", error.message);
    closing.close(1000).await.unwrap();

    let mut slow = WsConnection::connect(&format!("{base}/slow"), &[], false, timeout)
        .await
        .unwrap();
    slow.receive(tokio::time::Instant::now() + timeout, timeout)
        .await
        .unwrap();
    let wait = Duration::from_millis(200);
    let error = slow
        .receive(tokio::time::Instant::now() + wait, wait)
        .await
        .unwrap_err();
    assert_eq!(error.kind, StepErrorKind::Timeout, "{error:?}");
    assert!(error.message.contains("within 200ms"), "{}", error.message);
    assert!(
        error
            .detail
            .as_deref()
            .unwrap_or("")
            .contains(r#"{"type":"hello"}"#),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_silent_server_times_out_the_handshake() {
    // Accepts TCP connections and never answers the upgrade request.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let url = format!("ws://127.0.0.1:{port}/");
    let error = WsConnection::connect(&url, &[], false, Duration::from_millis(300))
        .await
        .err()
        .unwrap();
    assert_eq!(error.kind, StepErrorKind::Timeout, "{error:?}");
    assert!(error.message.contains("within 300ms"), "{}", error.message);

    let error = WsConnection::connect("http://127.0.0.1:1/", &[], false, Duration::from_secs(1))
        .await
        .err()
        .unwrap();
    assert_eq!(error.kind, StepErrorKind::Usage, "{error:?}");
}

// ---------------------------------------------------------------- TLS

mod tls {
    use super::*;
    use crate::common::tls::self_signed_certificate;
    use tokio_native_tls::native_tls;

    /// A `wss://` echo server with a self-signed certificate.
    async fn start_tls_server() -> String {
        let (certificate, key) = self_signed_certificate();
        let identity = native_tls::Identity::from_pkcs8(&certificate, &key).unwrap();
        let acceptor = native_tls::TlsAcceptor::new(identity).unwrap();
        let acceptor = tokio_native_tls::TlsAcceptor::from(acceptor);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that rejects the certificate ends the handshake here.
                    let Ok(stream) = acceptor.accept(stream).await else {
                        return;
                    };
                    let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
                        return;
                    };
                    while let Some(Ok(message)) = socket.next().await {
                        if message.is_text() && socket.send(message).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        format!("wss://localhost:{port}")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_untrusted_certificate_fails_unless_insecure() {
        let base = start_tls_server().await;
        let all = failing(r#"  ws "{{base}}/echo" { receive timeout 1s }"#, &base).await;
        assert!(all.contains("TLS handshake with"), "{all}");

        let source = r#"param base = "wss://localhost:1"

test "insecure wss" {
  ws "{{base}}/echo" insecure {
    send "over TLS"
    receive timeout 5s
    expect message == "over TLS"
  }
}
"#;
        let (code, all) = run_rit(source, &base).await;
        assert_eq!(code, Some(0), "{all}");
    }
}
