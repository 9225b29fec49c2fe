//! The API (`rit-demo serve`) over SQLite, through real HTTP against the built binary.

mod support;

use std::time::Duration;

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sqlx::Row;
use support::{client, start_api, unique};
use tokio_tungstenite::tungstenite::Message;

/// No inventory listens here; only the orders test needs one, and it starts its own.
const NO_INVENTORY: &str = "http://127.0.0.1:9";

const TWILIO_TOKEN: &str = "demo-twilio-token";

/// Twilio's signature, computed independently of the service's code.
fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(url.as_bytes());
    for (key, value) in sorted {
        mac.update(key.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn index_page_and_health() {
    let api = start_api(None, NO_INVENTORY, None);
    let http = client();

    let index = http.get(api.base() + "/").send().await.unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    assert_eq!(index.headers()["content-type"], "text/html; charset=utf-8");
    assert!(index.text().await.unwrap().contains("rit-demo"));

    let health = http.get(api.base() + "/health").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(
        health.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("application/json")
    );
    assert_eq!(
        health.json::<Value>().await.unwrap(),
        json!({ "status": "healthy" })
    );

    let unknown = http.get(api.base() + "/nowhere").send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn register_log_in_and_read_the_profile() {
    let api = start_api(None, NO_INVENTORY, None);
    let http = client();
    let email = format!("{}@example.com", unique("user-"));
    let credentials = json!({ "email": email, "password": "secure123" });

    let registered = http
        .post(api.base() + "/api/auth/register")
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let registered: Value = registered.json().await.unwrap();
    assert_eq!(registered["email"], email);
    assert!(registered["id"].is_i64());

    let again = http
        .post(api.base() + "/api/auth/register")
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);

    for malformed in [
        json!({ "email": "not-an-email" }),
        json!({ "email": "not-an-email", "password": "x" }),
        json!({ "email": "someone@example.com" }),
        json!({ "password": "x" }),
        json!("a string"),
    ] {
        let refused = http
            .post(api.base() + "/api/auth/register")
            .json(&malformed)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{malformed}");
        let body: Value = refused.json().await.unwrap();
        assert!(body["error"].is_string(), "{malformed}: {body}");
    }

    let login = http
        .post(api.base() + "/api/auth/login")
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let token = login.json::<Value>().await.unwrap()["token"]
        .as_str()
        .expect("a string token")
        .to_string();

    let wrong = http
        .post(api.base() + "/api/auth/login")
        .json(&json!({ "email": email, "password": "wrong" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let stranger = http
        .post(api.base() + "/api/auth/login")
        .json(&json!({ "email": "nobody@example.com", "password": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
    let empty = http
        .post(api.base() + "/api/auth/login")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);

    let me = http
        .get(api.base() + "/api/users/me")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], email);
    assert_eq!(me["id"], registered["id"]);
    assert!(me.as_object().unwrap().contains_key("name"));

    let anonymous = http.get(api.base() + "/api/users/me").send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let forged = http
        .get(api.base() + "/api/users/me")
        .bearer_auth(format!("{token}x"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);

    // Passwords are stored hashed, never in clear.
    let database = sqlx::SqlitePool::connect(&support::sqlite_url(&api).unwrap())
        .await
        .unwrap();
    let stored: String = sqlx::query("SELECT password_hash FROM users WHERE email = ?")
        .bind(&email)
        .fetch_one(&database)
        .await
        .unwrap()
        .get("password_hash");
    assert!(stored.starts_with("$argon2"), "{stored}");
}

#[tokio::test]
async fn users_are_stored_with_integer_ids() {
    let api = start_api(None, NO_INVENTORY, None);
    let http = client();
    let email = format!("{}@example.com", unique("persist-"));

    let created = http
        .post(api.base() + "/api/users")
        .json(&json!({ "name": "Test User", "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_i64().expect("an integer id");
    assert_eq!(created["name"], "Test User");
    assert_eq!(created["email"], email);

    // What database.rit does: the row is there, with the id the API gave.
    let database = sqlx::SqlitePool::connect(&support::sqlite_url(&api).unwrap())
        .await
        .unwrap();
    let rows = sqlx::query("SELECT id, name, email FROM users WHERE email = ?")
        .bind(&email)
        .fetch_all(&database)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<i64, _>("id"), id);
    assert_eq!(rows[0].get::<String, _>("name"), "Test User");
    let count: i64 = sqlx::query("SELECT COUNT(*) AS count FROM users")
        .fetch_one(&database)
        .await
        .unwrap()
        .get("count");
    assert!(count >= 1);

    let read = http
        .get(format!("{}/api/users/{id}", api.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.json::<Value>().await.unwrap(), created);

    let duplicate = http
        .post(api.base() + "/api/users")
        .json(&json!({ "name": "Other", "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    let nameless = http
        .post(api.base() + "/api/users")
        .json(&json!({ "email": "x@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(nameless.status(), StatusCode::BAD_REQUEST);
    let bad_json = http
        .post(api.base() + "/api/users")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), StatusCode::BAD_REQUEST);

    for unknown in ["999999999", "abc"] {
        let missing = http
            .get(format!("{}/api/users/{unknown}", api.base()))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{unknown}");
    }
}

#[tokio::test]
async fn products_are_a_list_of_about_ten() {
    let api = start_api(None, NO_INVENTORY, None);
    let response = client()
        .get(api.base() + "/api/products")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let products: Vec<Value> = response.json().await.unwrap();
    assert_eq!(products.len(), 10);
    for product in &products {
        for field in ["id", "name", "price", "stock"] {
            assert!(product.get(field).is_some(), "{product} has no {field}");
        }
    }
}

#[tokio::test]
async fn signed_twilio_callbacks_are_recorded_and_unsigned_ones_refused() {
    let api = start_api(None, NO_INVENTORY, Some(TWILIO_TOKEN));
    let http = client();
    let hook = api.base() + "/webhooks/twilio/status";
    let sid = unique("CA");

    for status in ["queued", "ringing", "in-progress", "completed", "busy"] {
        let params = [
            ("CallSid", sid.as_str()),
            ("CallStatus", status),
            ("From", "+1234567890"),
            ("To", "+0987654321"),
        ];
        let signed = http
            .post(&hook)
            .header(
                "X-Twilio-Signature",
                twilio_signature(TWILIO_TOKEN, &hook, &params),
            )
            .form(&params)
            .send()
            .await
            .unwrap();
        assert_eq!(signed.status(), StatusCode::OK, "{status}");

        let call = http
            .get(format!("{}/api/calls/{sid}", api.base()))
            .send()
            .await
            .unwrap();
        assert_eq!(call.status(), StatusCode::OK);
        let call: Value = call.json().await.unwrap();
        assert_eq!(call["sid"], sid.as_str());
        assert_eq!(call["status"], status);
        assert!(call["updated_at"].is_string());
    }

    let params = [("CallSid", sid.as_str()), ("CallStatus", "failed")];
    let unsigned = http.post(&hook).form(&params).send().await.unwrap();
    assert_eq!(unsigned.status(), StatusCode::FORBIDDEN);
    let wrong_key = http
        .post(&hook)
        .header(
            "X-Twilio-Signature",
            twilio_signature("another-token", &hook, &params),
        )
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_key.status(), StatusCode::FORBIDDEN);
    // The query string is part of what is signed.
    let other_url = http
        .post(format!("{hook}?extra=1"))
        .header(
            "X-Twilio-Signature",
            twilio_signature(TWILIO_TOKEN, &hook, &params),
        )
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(other_url.status(), StatusCode::FORBIDDEN);
    let with_query = format!("{hook}?attempt=2");
    let signed_with_query = http
        .post(&with_query)
        .header(
            "X-Twilio-Signature",
            twilio_signature(TWILIO_TOKEN, &with_query, &params),
        )
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_with_query.status(), StatusCode::OK);

    // A JSON body is signed over its top-level keys and values.
    let json_params = [("CallSid", sid.as_str()), ("CallStatus", "no-answer")];
    let json_body = http
        .post(&hook)
        .header(
            "X-Twilio-Signature",
            twilio_signature(TWILIO_TOKEN, &hook, &json_params),
        )
        .json(&json!({ "CallSid": sid, "CallStatus": "no-answer" }))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), StatusCode::OK);
    let call: Value = http
        .get(format!("{}/api/calls/{sid}", api.base()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(call["status"], "no-answer");

    let incomplete = [("CallSid", sid.as_str())];
    let no_status = http
        .post(&hook)
        .header(
            "X-Twilio-Signature",
            twilio_signature(TWILIO_TOKEN, &hook, &incomplete),
        )
        .form(&incomplete)
        .send()
        .await
        .unwrap();
    assert_eq!(no_status.status(), StatusCode::BAD_REQUEST);

    let unknown = http
        .get(api.base() + "/api/calls/CAnone")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_a_twilio_token_callbacks_need_no_signature() {
    let api = start_api(None, NO_INVENTORY, None);
    let http = client();
    let hook = api.base() + "/webhooks/twilio/status";
    let sid = unique("CA");

    let accepted = http
        .post(&hook)
        .form(&[("CallSid", sid.as_str()), ("CallStatus", "ringing")])
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::OK);
    let as_json = http
        .post(&hook)
        .json(&json!({ "CallSid": sid, "CallStatus": "completed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(as_json.status(), StatusCode::OK);
    let call: Value = http
        .get(format!("{}/api/calls/{sid}", api.base()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(call["status"], "completed");

    let no_sid = http
        .post(&hook)
        .form(&[("CallStatus", "ringing")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_sid.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn websocket_answers_ping_with_pong_and_echoes_text() {
    let api = start_api(None, NO_INVENTORY, None);
    let url = format!("ws://127.0.0.1:{}/ws", api.port);
    let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();

    let next_text = async |socket: &mut tokio_tungstenite::WebSocketStream<_>| loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("an answer within 5 s")
            .expect("an open socket")
            .unwrap();
        if let Message::Text(text) = message {
            return text.to_string();
        }
    };

    socket
        .send(Message::text(json!({ "type": "ping" }).to_string()))
        .await
        .unwrap();
    let pong: Value = serde_json::from_str(&next_text(&mut socket).await).unwrap();
    assert_eq!(pong["type"], "pong");

    socket.send(Message::text("hello")).await.unwrap();
    assert_eq!(next_text(&mut socket).await, "hello");

    // JSON that is not a ping is echoed too, as is.
    let other = r#"{"type": "chat", "text": "hi"}"#;
    socket.send(Message::text(other)).await.unwrap();
    assert_eq!(next_text(&mut socket).await, other);

    socket.close(None).await.unwrap();
}

#[tokio::test]
async fn uploaded_files_are_served_back() {
    let api = start_api(None, NO_INVENTORY, None);
    let http = client();
    let content = "hello from a fixture file\n";

    let form = Form::new()
        .part(
            "file",
            Part::text(content)
                .file_name("hello.txt")
                .mime_str("text/plain")
                .unwrap(),
        )
        .text("note", "greeting");
    let uploaded = http
        .post(api.base() + "/api/upload")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::OK);
    let uploaded: Value = uploaded.json().await.unwrap();
    assert_eq!(uploaded["name"], "hello.txt");
    assert_eq!(uploaded["size"], content.len());

    let file_url = |id: &Value| {
        let id = match id {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        format!("{}/api/files/{id}", api.base())
    };
    let read = http
        .get(file_url(&uploaded["fileId"]))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert!(
        read.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("text/plain")
    );
    assert_eq!(read.text().await.unwrap(), content);

    // Binary content, and no content type given: the bytes still round-trip.
    let bytes: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let form = Form::new().part("file", Part::bytes(bytes.clone()).file_name("data.bin"));
    let uploaded: Value = http
        .post(api.base() + "/api/upload")
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let read = http
        .get(file_url(&uploaded["fileId"]))
        .send()
        .await
        .unwrap();
    assert_eq!(read.bytes().await.unwrap().as_ref(), bytes.as_slice());

    let no_file = http
        .post(api.base() + "/api/upload")
        .multipart(Form::new().text("note", "no file here"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_file.status(), StatusCode::BAD_REQUEST);
    let not_multipart = http
        .post(api.base() + "/api/upload")
        .json(&json!({ "file": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(not_multipart.status(), StatusCode::BAD_REQUEST);

    let missing = http
        .get(api.base() + "/api/files/999999")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_file_over_10_mb_is_refused_with_413() {
    let api = start_api(None, NO_INVENTORY, None);
    let http = client();
    for size in [10_000_001, 10 * 1024 * 1024 + 1, 30 * 1024 * 1024] {
        let form = Form::new().part("file", Part::bytes(vec![b'x'; size]).file_name("big.bin"));
        let refused = http
            .post(api.base() + "/api/upload")
            .multipart(form)
            .send()
            .await
            .expect("an answer, not a reset connection");
        assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE, "{size}");
    }
    // The service is still there afterwards.
    let health = http.get(api.base() + "/health").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn sigterm_stops_the_service_cleanly() {
    let mut api = start_api(None, NO_INVENTORY, None);
    let health = client().get(api.base() + "/health").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &api.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = api
        .wait_for_exit(Duration::from_secs(10))
        .expect("the service exits after SIGTERM");
    assert!(status.success(), "{status:?}");
}
