//! The API over PostgreSQL: the same routes, with the rows checked in the database.
//!
//! Needs the PostgreSQL of this machine (trust auth); `RIT_DEMO_TEST_POSTGRES_URL`
//! points elsewhere. The tables live in their own schema, so that other tests using
//! the same database cannot disturb them, and every run uses fresh emails and ids.

mod support;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sqlx::Row;
use support::{client, start_api, unique};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Written out in the SQL too, where sqlx wants literal strings.
const SCHEMA: &str = "rit_demo_test";

#[tokio::test]
async fn the_api_works_on_postgres() {
    let server_url =
        std::env::var("RIT_DEMO_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_string());
    let admin = sqlx::PgPool::connect(&server_url)
        .await
        .expect("PostgreSQL at RIT_DEMO_TEST_POSTGRES_URL or 127.0.0.1:5432/test");
    // Two runs at once may both create the schema; one of them then fails harmlessly.
    let _ = sqlx::query("CREATE SCHEMA IF NOT EXISTS rit_demo_test")
        .execute(&admin)
        .await;
    let separator = if server_url.contains('?') { '&' } else { '?' };
    let url = format!("{server_url}{separator}options=-c%20search_path%3D{SCHEMA}");

    let api = start_api(Some(&url), "http://127.0.0.1:9", None);
    let http = client();

    let health = http.get(api.base() + "/health").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    // Accounts.
    let email = format!("{}@example.com", unique("pg-user-"));
    let credentials = json!({ "email": email, "password": "secure123" });
    let registered = http
        .post(api.base() + "/api/auth/register")
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let again = http
        .post(api.base() + "/api/auth/register")
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let token = http
        .post(api.base() + "/api/auth/login")
        .json(&credentials)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let me: Value = http
        .get(api.base() + "/api/users/me")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], email);

    // Users, read back in the database as database.rit does.
    let email = format!("{}@example.com", unique("pg-persist-"));
    let created = http
        .post(api.base() + "/api/users")
        .json(&json!({ "name": "Test User", "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .expect("an integer id");
    let rows = sqlx::query("SELECT id, name, email FROM rit_demo_test.users WHERE email = $1")
        .bind(&email)
        .fetch_all(&admin)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<i64, _>("id"), id);
    assert_eq!(rows[0].get::<String, _>("name"), "Test User");
    let read = http
        .get(format!("{}/api/users/{id}", api.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.json::<Value>().await.unwrap()["email"], email);

    // Calls, upserted.
    let sid = unique("CA");
    for status in ["ringing", "completed"] {
        let recorded = http
            .post(api.base() + "/webhooks/twilio/status")
            .form(&[("CallSid", sid.as_str()), ("CallStatus", status)])
            .send()
            .await
            .unwrap();
        assert_eq!(recorded.status(), StatusCode::OK);
    }
    let call: Value = http
        .get(format!("{}/api/calls/{sid}", api.base()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(call["status"], "completed");

    // Orders are stored even with no inventory to tell.
    let order = http
        .post(api.base() + "/api/orders")
        .json(&json!({ "product": "widget", "quantity": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(order.status(), StatusCode::CREATED);

    // Files, as bytea.
    let bytes: Vec<u8> = (0..=255u8).collect();
    let form = Form::new().part(
        "file",
        Part::bytes(bytes.clone())
            .file_name("all.bin")
            .mime_str("application/x-demo")
            .unwrap(),
    );
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
        .get(format!("{}/api/files/{}", api.base(), uploaded["fileId"]))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.headers()["content-type"], "application/x-demo");
    assert_eq!(read.bytes().await.unwrap().as_ref(), bytes.as_slice());
}
