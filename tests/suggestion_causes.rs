//! The suggestions keyed on a failure's cause or status (src/report/suggest.rs),
//! each against a real failure through `ritc run` (issue 24 bullet 1): a real
//! HTTP server answering every error status with a meaning of its own (axum
//! itself answers 400, 404, 405, 413, 415 and 422 from its extractors and
//! router; the handlers decide 401, 403, 409 and 429 from the request and
//! their state), a host name that does not resolve (`.invalid`, RFC 2606), a
//! port where nothing listens, a server that hangs up unanswered, one that
//! speaks another protocol, a body past `--max-body`, and a TLS server with a
//! self-signed certificate. Each rule's suggestion quotes what was seen; each
//! has a near miss beside it (a failure of another cause, or the same response
//! read by another expectation) that must not say it. The recommendations these
//! failures lead to name exactly the tests they come from.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

mod common;
use common::http_server::serve_in_background;
use common::ports::free_port;
use common::suite::{Suite, text};
use common::tls::self_signed_certificate;

// ------------------------------------------------------------------ harness

/// `ritc run main.rit ARGS` on `source`, which must fail; its JSON report.
fn failed_report(source: &str, args: &[&str]) -> Value {
    let suite = Suite::new();
    suite.file("main.rit", source);
    let mut all_args = vec!["main.rit", "--report", "json=report.json"];
    all_args.extend_from_slice(args);
    let output = suite.run(&all_args);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let written = std::fs::read_to_string(suite.dir.path().join("report.json")).unwrap();
    serde_json::from_str(&written).unwrap()
}

/// The failure of the test called `name`.
fn failure<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["tests"]
        .as_array()
        .and_then(|tests| tests.iter().find(|test| test["name"] == name))
        .map(|test| &test["failure"])
        .unwrap_or_else(|| panic!("no test {name:?} in {report}"))
}

/// The suggestion of the test called `name`, which must have one.
fn suggestion(report: &Value, name: &str) -> String {
    failure(report, name)["suggestion"]
        .as_str()
        .unwrap_or_else(|| panic!("no suggestion for {name:?}: {}", failure(report, name)))
        .to_string()
}

/// The recommendation that starts with `start`, if the report has one.
fn recommendation(report: &Value, start: &str) -> Option<String> {
    report["recommendations"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find(|text| text.starts_with(start))
        .map(str::to_string)
}

// ------------------------------------------------------------ error statuses

#[derive(serde::Deserialize)]
struct NewUser {
    name: String,
    #[allow(dead_code)]
    email: String,
}

/// What the app remembers between requests: the users created, whether the
/// quota was spent.
#[derive(Clone, Default)]
struct Remembered {
    users: Arc<Mutex<HashSet<String>>>,
    quota_spent: Arc<Mutex<bool>>,
}

fn json_answer(status: StatusCode, body: Value) -> axum::response::Response {
    (status, Json(body)).into_response()
}

/// `POST /users`: axum's `Json` refuses a body that is not JSON (400), one
/// sent without `application/json` (415) and one without an `email` (422); a
/// name already taken is a 409.
async fn create_user(
    State(remembered): State<Remembered>,
    Json(user): Json<NewUser>,
) -> axum::response::Response {
    let fresh = remembered.users.lock().unwrap().insert(user.name.clone());
    if fresh {
        json_answer(StatusCode::CREATED, json!({"name": user.name}))
    } else {
        json_answer(
            StatusCode::CONFLICT,
            json!({"error": format!("user {} exists", user.name)}),
        )
    }
}

/// `GET /me`: 401 without a token, 403 for the `reader` token.
async fn me(headers: HeaderMap) -> axum::response::Response {
    match headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
    {
        None => json_answer(StatusCode::UNAUTHORIZED, json!({"error": "no token"})),
        Some("Bearer reader") => json_answer(
            StatusCode::FORBIDDEN,
            json!({"error": "role reader cannot see accounts"}),
        ),
        Some(_) => json_answer(StatusCode::OK, json!({"name": "admin"})),
    }
}

/// `GET /quota`: one request, then 429.
async fn quota(State(remembered): State<Remembered>) -> axum::response::Response {
    let mut spent = remembered.quota_spent.lock().unwrap();
    if *spent {
        json_answer(
            StatusCode::TOO_MANY_REQUESTS,
            json!({"error": "1 request per minute"}),
        )
    } else {
        *spent = true;
        json_answer(StatusCode::OK, json!({"left": 0}))
    }
}

fn status_app() -> Router {
    Router::new()
        .route("/users", post(create_user))
        .route("/me", get(me))
        // Past 16 bytes axum answers 413 before the handler runs.
        .route(
            "/upload",
            post(|body: Bytes| async move { body.len().to_string() })
                .layer(DefaultBodyLimit::max(16)),
        )
        .route("/quota", get(quota))
        .route(
            "/report",
            get(|| async { json_answer(StatusCode::REQUEST_TIMEOUT, json!({"error": "slow"})) }),
        )
        .route(
            "/teapot",
            get(|| async { json_answer(StatusCode::IM_A_TEAPOT, json!({"error": "tea"})) }),
        )
        .route(
            "/gateway",
            get(|| async {
                json_answer(
                    StatusCode::BAD_GATEWAY,
                    json!({"error": "upstream refused"}),
                )
            }),
        )
        .with_state(Remembered::default())
}

/// Each error status a test did not expect is quoted (method, URL, status,
/// content type, size, body) with what that status means; a status the test
/// expected and a 2xx that was not the one asked for are told no meaning.
#[test]
fn each_error_status_is_quoted_with_its_meaning() {
    let base = serve_in_background(status_app());
    let source = format!(
        r#"test "malformed" {{
  POST "{base}/users" body "{{\"name\": " headers {{ "Content-Type": "application/json" }}
  expect status == 201
}}

test "anonymous" {{
  GET "{base}/me"
  expect status == 200
}}

test "reader" {{
  GET "{base}/me" headers {{ Authorization: "Bearer reader" }}
  expect status == 200
}}

test "no route" {{
  GET "{base}/nowhere"
  expect status == 200
}}

test "wrong method" {{
  GET "{base}/users"
  expect status == 200
}}

test "slow report" {{
  GET "{base}/report"
  expect status == 200
}}

test "twice" {{
  POST "{base}/users" json {{ name: "bo", email: "bo@example.com" }}
  expect status == 201
  POST "{base}/users" json {{ name: "bo", email: "bo@example.com" }}
  expect status == 201
}}

test "too big" {{
  POST "{base}/upload" body "0123456789abcdef-and-more"
  expect status == 200
}}

test "not json" {{
  POST "{base}/users" body "name=cy" headers {{ "Content-Type": "application/x-www-form-urlencoded" }}
  expect status == 201
}}

test "no email" {{
  POST "{base}/users" json {{ name: "di" }}
  expect status == 201
}}

test "quota" {{
  GET "{base}/quota"
  expect status == 200
  GET "{base}/quota"
  expect status == 200
}}

test "teapot" {{
  GET "{base}/teapot"
  expect status == 200
}}

test "gateway" {{
  GET "{base}/gateway"
  expect status == 200
}}

test "conflict expected" {{
  POST "{base}/users" json {{ name: "ed", email: "ed@example.com" }}
  POST "{base}/users" json {{ name: "ed", email: "ed@example.com" }}
  expect status == 409
  expect json.error == "no conflict"
}}

test "created, not ok" {{
  POST "{base}/users" json {{ name: "flo", email: "flo@example.com" }}
  expect status == 200
}}
"#
    );
    let report = failed_report(&source, &[]);
    // (test, method and path, status, what the body shows, the meaning)
    let cases = [
        (
            "malformed",
            "POST /users",
            400,
            "",
            "the request was rejected as malformed: compare its body and headers with what the endpoint expects (run with -v to see both)",
        ),
        (
            "anonymous",
            "GET /me",
            401,
            r#"{"error":"no token"}"#,
            "not authenticated: the token or credentials are missing, expired or from another environment — check how the test obtains them",
        ),
        (
            "reader",
            "GET /me",
            403,
            r#"{"error":"role reader cannot see accounts"}"#,
            "authenticated but not allowed: check the user's role and permissions, or the request's signature",
        ),
        (
            "no route",
            "GET /nowhere",
            404,
            "with an empty body",
            "not found: check the URL's path and that the resource was created first (by this test, not another)",
        ),
        (
            "wrong method",
            "GET /users",
            405,
            "with an empty body",
            "method not allowed: check the HTTP method of the step for this route",
        ),
        (
            "slow report",
            "GET /report",
            408,
            r#"{"error":"slow"}"#,
            "the service timed out reading the request: check the body and the service's request timeout",
        ),
        (
            "twice",
            "POST /users",
            409,
            r#"{"error":"user bo exists"}"#,
            "a conflict: data from an earlier run is probably still there — make the test idempotent (unique values with uuid(), clean-up in teardown)",
        ),
        (
            "too big",
            "POST /upload",
            413,
            "",
            "the request body is too large for the service: send less, or raise its body limit",
        ),
        (
            "not json",
            "POST /users",
            415,
            "",
            "unsupported media type: send the body the endpoint expects (`json`, `form`, `multipart`) and its content-type",
        ),
        (
            "no email",
            "POST /users",
            422,
            "missing field `email`",
            "the body failed the service's validation: the response body names the field",
        ),
        (
            "quota",
            "GET /quota",
            429,
            r#"{"error":"1 request per minute"}"#,
            "rate limited: slow the test down, or raise the limit for the test environment",
        ),
        (
            "teapot",
            "GET /teapot",
            418,
            r#"{"error":"tea"}"#,
            "the service refused the request (418): compare the request with the API's contract (run with -v)",
        ),
        (
            "gateway",
            "GET /gateway",
            502,
            r#"{"error":"upstream refused"}"#,
            "a gateway answered 502: the service behind it is down or too slow",
        ),
    ];
    for (test, request, status, body, meaning) in cases {
        let failure = failure(&report, test);
        assert_eq!(failure["cause"], "status_mismatch", "{test}: {failure}");
        assert_eq!(failure["actual"]["status"], status, "{test}: {failure}");
        let text = suggestion(&report, test);
        let (method, path) = request.split_once(' ').unwrap();
        let seen = format!("{method} {base}{path} answered {status}");
        assert!(text.starts_with(&seen), "{test}: {text}");
        assert!(text.ends_with(&format!(" — {meaning}")), "{test}: {text}");
        // The body as the server sent it: whole where the handler wrote JSON,
        // by a word of axum's own rejections, nothing where there was none.
        let quoted = if body.starts_with('{') {
            format!(
                "{seen} (application/json, {} bytes): \"{body}\" — ",
                body.len()
            )
        } else if body.is_empty() {
            format!("{seen} (text/plain; charset=utf-8, ")
        } else {
            body.to_string()
        };
        assert!(text.contains(&quoted), "{test}: {text} lacks {quoted}");
    }
    // The same 409, expected, then a body expectation that fails: the response
    // is quoted, the status is no error here, so no meaning is told.
    let body = r#"{"error":"user ed exists"}"#;
    assert_eq!(
        suggestion(&report, "conflict expected"),
        format!(
            "POST {base}/users answered 409 (application/json, {} bytes): \"{body}\"",
            body.len()
        )
    );
    assert_eq!(
        failure(&report, "conflict expected")["cause"],
        "expectation_failed"
    );
    // A 201 where 200 was expected is no error to explain.
    let created = failure(&report, "created, not ok");
    assert_eq!(created["cause"], "status_mismatch", "{created}");
    assert_eq!(created["suggestion"], Value::Null, "{created}");

    // The recommendations these statuses lead to name exactly their tests:
    // the expected 409 is not a test to make idempotent.
    assert_eq!(
        recommendation(&report, "Obtain credentials").as_deref(),
        Some(
            "Obtain credentials in one `fn` shared by the tests, from `secret`s read from the environment (main / anonymous, main / reader)"
        ),
        "{}",
        report["recommendations"]
    );
    assert_eq!(
        recommendation(&report, "Make tests idempotent").as_deref(),
        Some(
            "Make tests idempotent: unique data per run (uuid()) and clean-up in teardown (main / twice)"
        ),
        "{}",
        report["recommendations"]
    );
    assert_eq!(
        recommendation(&report, "Fix the server errors").as_deref(),
        Some(
            "Fix the server errors shown in the service logs and add a test for the input that caused them (main / gateway)"
        ),
        "{}",
        report["recommendations"]
    );
}

// ------------------------------------------------------ connection failures

/// Reads a request's head, up to its blank line; false at the end of the
/// stream before one.
fn read_head(stream: &mut impl Read) -> bool {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return false,
            Ok(read) => head.extend_from_slice(&buffer[..read]),
        }
    }
    true
}

/// Accepts connections on a thread of its own and hands each to `answer`
/// after reading the request head; returns the port.
fn raw_server(answer: fn(&mut TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            read_head(&mut stream);
            answer(&mut stream);
        }
    });
    port
}

fn sized_app() -> Router {
    Router::new()
        .route("/big", get(|| async { "b".repeat(4096) }))
        .route("/kilobyte", get(|| async { "k".repeat(1024) }))
}

/// A failure before any response has a cause of its own and a suggestion that
/// says what it means, on the plain client and on the full one (`follow
/// redirects` takes it): a name that does not resolve, nothing listening, a
/// server that hangs up unanswered, one that speaks another protocol (an SSH
/// banner), a body past `--max-body`. Each is the near miss of the others; a
/// body exactly at the limit, read by a failing expectation, is told nothing
/// of the limit.
#[test]
fn each_failure_before_a_response_is_told_by_its_cause_on_both_clients() {
    let base = serve_in_background(sized_app());
    // Reserved for this test and listened on by nobody.
    let refused = free_port();
    let hangs_up = raw_server(|stream| {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    });
    let ssh = raw_server(|stream| {
        let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n");
    });
    for (client, options) in [("plain", ""), ("full", "\n    follow redirects")] {
        let source = format!(
            r#"test "nowhere" {{
  GET "http://ritc-nowhere.invalid/"
    timeout 10s{options}
  expect status == 200
}}

test "refused" {{
  GET "http://127.0.0.1:{refused}/"{options}
  expect status == 200
}}

test "hangs up" {{
  GET "http://127.0.0.1:{hangs_up}/"{options}
  expect status == 200
}}

test "ssh" {{
  GET "http://127.0.0.1:{ssh}/"{options}
  expect status == 200
}}

test "huge" {{
  GET "{base}/big"{options}
  expect status == 200
}}

test "at the limit" {{
  GET "{base}/kilobyte"{options}
  expect body == "k"
}}
"#
        );
        let report = failed_report(&source, &["--max-body", "1KB"]);
        // (test, cause, words its suggestion starts with)
        let rules = [
            (
                "nowhere",
                "host_not_found",
                "the host name does not resolve: check the host in the URL",
            ),
            (
                "refused",
                "connection_refused",
                "nothing listens at that address: the service is not up or listens on another port",
            ),
            (
                "hangs up",
                "closed_before_answer",
                "the server closed the connection before answering: a crash, or a kept-alive connection",
            ),
            (
                "ssh",
                "protocol_error",
                "the exchange broke off or was not what the protocol expects: check the URL's scheme and port",
            ),
            (
                "huge",
                "body_too_large",
                "the response body is past what ritc reads (--max-body, 64MB unless raised; docs/reliability.md)",
            ),
        ];
        for (test, cause, words) in rules {
            let failure = failure(&report, test);
            assert_eq!(failure["cause"], cause, "{client} {test}: {failure}");
            let text = suggestion(&report, test);
            assert!(text.starts_with(words), "{client} {test}: {text}");
            // The near misses: no other rule's words.
            for (other, _, other_words) in rules {
                if other != test {
                    assert!(
                        !text.contains(other_words),
                        "{client} {test} says what {other} means: {text}"
                    );
                }
            }
        }
        // A body at the limit is read whole; what failed is the expectation,
        // and the suggestion quotes the response, not the limit.
        let text = suggestion(&report, "at the limit");
        assert!(
            text.starts_with(&format!(
                "GET {base}/kilobyte answered 200 (text/plain; charset=utf-8, 1024 bytes): \"kkk"
            )),
            "{client}: {text}"
        );
        assert!(!text.contains("max-body"), "{client}: {text}");
        // What these tests connect to is named once, the others not.
        assert_eq!(
            recommendation(&report, "Check that what these tests connect to").as_deref(),
            Some(
                "Check that what these tests connect to is up and reachable where they look (host, port, credentials) before reading their other failures (main / nowhere, main / refused)"
            ),
            "{client}: {}",
            report["recommendations"]
        );
        // No status was an error here: nothing of the status rules.
        for start in [
            "Obtain credentials",
            "Make tests idempotent",
            "Fix the server errors",
        ] {
            assert_eq!(recommendation(&report, start), None, "{client}: {start}");
        }
    }
}

// ----------------------------------------------------------------------- TLS

/// An HTTPS server with a self-signed certificate for `localhost`, on a thread
/// of its own, that waits `handshake_delay` before each handshake and answers
/// `hello` to every request on a kept-alive connection.
fn self_signed_server(handshake_delay: std::time::Duration) -> u16 {
    use openssl::pkey::PKey;
    use openssl::ssl::{SslAcceptor, SslMethod};
    use openssl::x509::X509;

    let (certificate, key) = self_signed_certificate();
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    acceptor
        .set_certificate(&X509::from_pem(&certificate).unwrap())
        .unwrap();
    acceptor
        .set_private_key(&PKey::private_key_from_pem(&key).unwrap())
        .unwrap();
    let acceptor = acceptor.build();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let acceptor = acceptor.clone();
            std::thread::spawn(move || {
                std::thread::sleep(handshake_delay);
                // A client that refuses the certificate ends the handshake here.
                let Ok(mut stream) = acceptor.accept(stream) else {
                    return;
                };
                while read_head(&mut stream) {
                    let answer = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\nhello";
                    if stream.write_all(answer).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

/// A certificate the machine does not trust fails the handshake, and the
/// suggestion says so (and that `insecure` is the deliberate way round); the
/// same server reached with `insecure` answers, and a failed expectation on
/// that answer is told nothing of TLS. Only the handshake's test is
/// recommended other certificates.
#[test]
fn an_untrusted_certificate_is_told_as_a_tls_failure_and_only_then() {
    let port = self_signed_server(std::time::Duration::ZERO);
    let source = format!(
        r#"test "untrusted" {{
  GET "https://localhost:{port}/"
  expect status == 200
}}

test "insecure" {{
  GET "https://localhost:{port}/" insecure
  expect body == "goodbye"
}}
"#
    );
    let report = failed_report(&source, &[]);
    let untrusted = failure(&report, "untrusted");
    assert_eq!(untrusted["kind"], "tls", "{untrusted}");
    assert_eq!(untrusted["cause"], "tls_handshake", "{untrusted}");
    assert_eq!(
        suggestion(&report, "untrusted"),
        "the TLS handshake failed, most often an untrusted, expired or wrong-host certificate: fix the certificate, or add `insecure` to this step if that is intended for this environment"
    );
    let insecure = failure(&report, "insecure");
    assert_eq!(insecure["cause"], "expectation_failed", "{insecure}");
    assert_eq!(
        suggestion(&report, "insecure"),
        format!("GET https://localhost:{port}/ answered 200 (text/plain, 5 bytes): \"hello\"")
    );
    assert_eq!(
        recommendation(&report, "Use certificates").as_deref(),
        Some(
            "Use certificates the test machine trusts, or mark the steps `insecure` deliberately (main / untrusted)"
        ),
        "{}",
        report["recommendations"]
    );
}

// ---------------------------------------------------------- SQLSTATE classes

/// Whether PostgreSQL answers at 127.0.0.1:5432; in CI it must.
fn postgres_reachable() -> bool {
    let address = "127.0.0.1:5432".parse().unwrap();
    match TcpStream::connect_timeout(&address, std::time::Duration::from_secs(3)) {
        Ok(_) => true,
        Err(error) => {
            let message = format!("PostgreSQL is not reachable at 127.0.0.1:5432 ({error})");
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{message}");
            }
            eprintln!("\n**********\nSKIPPED: {message}\n**********\n");
            false
        }
    }
}

/// A PL/pgSQL block that takes advisory lock `first`, waits until some
/// session holds `second`, then takes it: two such blocks with the keys
/// swapped, run at once, deadlock for real, whatever the machine's speed.
fn lock_in_order(first: u32, second: u32) -> String {
    format!(
        "DO $$ BEGIN PERFORM pg_advisory_xact_lock({first}); WHILE NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = {second} AND granted) LOOP PERFORM pg_sleep(0.01); END LOOP; PERFORM pg_advisory_xact_lock({second}); END $$"
    )
}

/// Each SQLSTATE class the suggestions know, from the real PostgreSQL: a
/// deadlock between two tests run at once (40), a cancelled statement (57), a
/// role whose connection limit is 0 (53), a division by zero (22), a role that
/// does not exist (28), a duplicate key (23), a missing table (42). Class 08 is
/// what the server says of a broken link, which a client sees as a closed
/// socket first; it is raised here with its code by the server itself. Each
/// suggestion names its class, and no other class's words; the
/// recommendations part the tests into database, connection and idempotency.
#[test]
fn each_sqlstate_class_is_told_by_its_class() {
    if !postgres_reachable() {
        return;
    }
    // Keys of this run only, so that no other run's locks meet them.
    let key = 1_000_000 + (std::process::id() % 1_000_000) * 2;
    let table = format!("ritc_suggest_{}", std::process::id());
    let source = format!(
        r#"let db = database("postgres://postgres@127.0.0.1:5432/test")

setup {{
  sql db "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ritc_no_room') THEN CREATE ROLE ritc_no_room LOGIN CONNECTION LIMIT 0; END IF; END $$"
}}

teardown {{
  sql db "DROP ROLE IF EXISTS ritc_no_room"
}}

test "deadlock a" {{
  sql db "{a}"
}}

test "deadlock b" {{
  sql db "{b}"
}}

test "cancelled" {{
  sql db "SELECT pg_cancel_backend(pg_backend_pid())"
}}

test "no room" {{
  sql database("postgres://ritc_no_room@127.0.0.1:5432/test") "SELECT 1 AS one"
}}

test "division" {{
  sql db "SELECT 1 / 0 AS x"
}}

test "stranger" {{
  sql database("postgres://ritc_no_such_role@127.0.0.1:5432/test") "SELECT 1 AS one"
}}

test "duplicate" {{
  sql db "CREATE TEMPORARY TABLE once (x INT PRIMARY KEY)"
  sql db "INSERT INTO once VALUES (1), (1)"
}}

test "missing table" {{
  sql db "SELECT * FROM {table}"
}}

test "link" {{
  sql db "DO $$ BEGIN RAISE EXCEPTION 'connection failure' USING ERRCODE = '08006'; END $$"
}}
"#,
        a = lock_in_order(key, key + 1),
        b = lock_in_order(key + 1, key),
    );
    // Two jobs: the two halves of the deadlock run at once.
    let report = failed_report(&source, &["--jobs", "2"]);
    // PostgreSQL breaks the deadlock by failing one of the two; the other
    // then gets its lock and passes.
    let deadlocked: Vec<&str> = ["deadlock a", "deadlock b"]
        .into_iter()
        .filter(|test| failure(&report, test).is_object())
        .collect();
    assert_eq!(deadlocked.len(), 1, "{report}");
    // (test, kind, cause, words its suggestion starts with)
    let rules = [
        (
            deadlocked[0],
            "database",
            "sql_transaction_rollback",
            "a deadlock or serialization failure (SQLSTATE class 40)",
        ),
        (
            "cancelled",
            "database",
            "sql_operator_intervention",
            "the statement was cancelled or the server is shutting down (SQLSTATE class 57)",
        ),
        (
            "no room",
            "connection",
            "sql_insufficient_resources",
            "the database server is out of resources (SQLSTATE class 53",
        ),
        (
            "division",
            "database",
            "sql_data_exception",
            "a value was refused (SQLSTATE class 22: of the wrong form for its type, too long, out of range, or a division by zero)",
        ),
        (
            "stranger",
            "connection",
            "sql_invalid_authorization",
            "the database refused the credentials (SQLSTATE class 28)",
        ),
        (
            "duplicate",
            "database",
            "sql_integrity_constraint",
            "a constraint was violated (unique, foreign key, not null)",
        ),
        (
            "missing table",
            "database",
            "sql_syntax_or_access",
            "the statement is wrong, names a missing table or column, or the user lacks the privilege (SQLSTATE class 42)",
        ),
        (
            "link",
            "database",
            "sql_connection_exception",
            "the database connection failed (SQLSTATE class 08)",
        ),
    ];
    for (test, kind, cause, words) in rules {
        let failure = failure(&report, test);
        assert_eq!(failure["kind"], kind, "{test}: {failure}");
        assert_eq!(failure["cause"], cause, "{test}: {failure}");
        let text = suggestion(&report, test);
        assert!(text.starts_with(words), "{test}: {text}");
        for (other, _, _, other_words) in rules {
            if other != test {
                assert!(
                    !text.contains(other_words),
                    "{test} says what {other} means: {text}"
                );
            }
        }
    }
    // The server's own words say which: the statement cancelled, the role's
    // limit, the deadlock.
    assert!(
        failure(&report, "no room")["message"].as_str().is_some_and(
            |message| message.contains("too many connections for role \"ritc_no_room\"")
        ),
        "{report}"
    );
    assert!(
        failure(&report, deadlocked[0])["message"]
            .as_str()
            .is_some_and(|message| message.contains("40P01")),
        "{report}"
    );
    let recommendations = &report["recommendations"];
    let database = recommendation(&report, "Check the database's migrations")
        .unwrap_or_else(|| panic!("{recommendations}"));
    for test in [
        deadlocked[0],
        "cancelled",
        "division",
        "missing table",
        "link",
    ] {
        assert!(
            database.contains(&format!("main / {test}")),
            "{test}: {database}"
        );
    }
    // A duplicate is told to make the test idempotent, not to check migrations.
    assert!(!database.contains("main / duplicate"), "{database}");
    assert_eq!(
        recommendation(&report, "Make tests idempotent").as_deref(),
        Some(
            "Make tests idempotent: unique data per run (uuid()) and clean-up in teardown (main / duplicate)"
        ),
        "{recommendations}"
    );
    assert_eq!(
        recommendation(&report, "Check that what these tests connect to").as_deref(),
        Some(
            "Check that what these tests connect to is up and reachable where they look (host, port, credentials) before reading their other failures (main / no room, main / stranger)"
        ),
        "{recommendations}"
    );
    // For the second PostgreSQL takes to see the deadlock, both halves wait
    // for a lock: the watcher sees them, and the run is told to find the locks
    // (a run without a wait, tests/watch.rs, is told nothing of the kind).
    assert_eq!(
        recommendation(&report, "Find the locks").as_deref(),
        Some(
            "Find the locks statements waited on (long transactions, tests touching the same rows at once); a run with --jobs 1 tells tests from the service (postgres://postgres@127.0.0.1:5432/test)"
        ),
        "{recommendations}"
    );
}

// ------------------------------------------------- commands and what held partly

fn body_app() -> Router {
    Router::new().route(
        "/order",
        get(|| async { json_answer(StatusCode::OK, json!({"id": 7})) }),
    )
}

/// A command's rules: a step ended at its timeout is told by its command and
/// last stderr line; a command that writes past what ritc reads is told to
/// write to a file, and the same output sent to a file is not (its exit is
/// what failed). A value missing from a response quotes the response; missing
/// from a command's output, it quotes nothing and names no endpoint. What held
/// only partly (a `warn` checkpoint, a `warn expect`, a duration within 10% of
/// its limit) and what did not run (a skipped test) are each recommended
/// once, naming their tests; a duration far from its limit is not.
#[test]
fn commands_missing_values_and_what_held_partly_are_told_from_what_was_seen() {
    let base = serve_in_background(body_app());
    let source = format!(
        r#"checkpoint "Soft" on failure warn {{
  test "warned" {{
    run "echo y"
    expect stdout == "x"
  }}
}}

test "soft" {{
  let n = 2
  warn expect n == 3
}}

test "close" {{
  let took = 95ms
  expect took < 100ms
}}

test "far" {{
  let took = 50ms
  expect took < 100ms
}}

test "hangs" {{
  run "echo waiting for a lock >&2; sleep 5" timeout 300ms
}}

test "later" skip "waiting for v2" {{
  run "true"
}}

test "hungry" {{
  run "head -c 70000000 /dev/zero"
}}

test "to a file" {{
  run "head -c 70000000 /dev/zero > big.bin; exit 4"
}}

test "missing field" {{
  GET "{base}/order"
  expect json.total == 12
}}

test "missing in stdout" {{
  run "echo '{{\"a\": 1}}'"
  expect json(stdout).b == 1
}}
"#
    );
    let report = failed_report(&source, &[]);
    let missing_field = format!(
        "GET {base}/order answered 200 (application/json, 8 bytes): \"{{\"id\":7}}\": the value read is not in it"
    );
    // (test, cause, suggestion)
    let told = [
        (
            "hangs",
            "step_timeout",
            "`echo waiting for a lock >&2; sleep 5` did not exit and was ended; stderr ended with \"waiting for a lock\"",
        ),
        (
            "hungry",
            "output_too_large",
            "the command writes more than ritc reads: send its output to a file (`> out.log`) and read what is needed from there",
        ),
        (
            "to a file",
            "process_exit",
            "`head -c 70000000 /dev/zero > big.bin; exit 4` exited with status 4; it wrote nothing — if that exit is intended, say so with `expect exit == 4` after it",
        ),
        ("missing field", "missing_value", &missing_field),
    ];
    for (test, cause, said) in told {
        assert_eq!(failure(&report, test)["cause"], cause, "{test}");
        assert_eq!(suggestion(&report, test), said, "{test}");
    }
    let stdout = failure(&report, "missing in stdout");
    assert_eq!(stdout["cause"], "missing_value", "{stdout}");
    assert_eq!(stdout["suggestion"], Value::Null, "{stdout}");

    let recommendations = &report["recommendations"];
    let expected = [
        (
            "Find why these steps hang",
            "Find why these steps hang (service health, locks, slow queries) before raising timeouts (main / hangs)",
        ),
        (
            "Check the content type",
            "Check the content type and error pages of the endpoints whose bodies were not the JSON expected (main / missing field)",
        ),
        (
            "Fix the failures of `on failure warn`",
            "Fix the failures of `on failure warn` checkpoints before they are made blocking (main / warned)",
        ),
        (
            "Review each `warn expect`",
            "Review each `warn expect` that did not hold: improve the service or change the limit deliberately (main / soft)",
        ),
        (
            "Latencies within 10%",
            "Latencies within 10% of their limits will fail on a slower day: find the slow path now, or raise the limit deliberately (main / close)",
        ),
        (
            "1 test is skipped",
            "1 test is skipped: re-enable or delete it",
        ),
    ];
    for (start, whole) in expected {
        assert_eq!(
            recommendation(&report, start).as_deref(),
            Some(whole),
            "{recommendations}"
        );
    }
}

// ------------------------------------------------------- the run as a whole

/// A service that stops on its own while the tests run is a problem of the
/// run: its suggestion quotes the error its log shows, and says nothing when
/// the log shows none; either way the first recommendation is to fix it.
#[test]
fn a_service_that_stops_is_told_by_the_error_it_logged_and_only_then() {
    for (last_words, quoted) in [
        ("ERROR: out of memory", Some("ERROR: out of memory")),
        ("bye", None),
    ] {
        // Files order the two: the service exits once the step has started,
        // and the step outlasts it.
        let source = format!(
            r#"service quitter = "while [ ! -e step-started ]; do sleep 0.01; done; echo '{last_words}' >&2; exit 7"

test "outlives it" {{
  run "touch step-started; sleep 1"
  expect exit == 0
}}
"#
        );
        let report = failed_report(&source, &[]);
        let problem = &report["problems"][0];
        assert_eq!(problem["cause"], "service_exited", "{report}");
        match quoted {
            Some(error) => assert_eq!(
                problem["suggestion"],
                format!("the service stopped on its own; it logged \"{error}\""),
                "{report}"
            ),
            None => assert_eq!(problem["suggestion"], Value::Null, "{report}"),
        }
        assert_eq!(
            report["recommendations"],
            json!([
                "Fix the service first: the tests after it could not run or lost it (its suggestion gives what its probe and log showed) (service `quitter` exited on its own (exit status 7) while the tests ran)"
            ]),
            "{report}"
        );
    }
}

/// A run stopped by `--fail-fast` recommends running again once the first
/// failure is fixed, and does not call the test it kept from starting one to
/// re-enable; the same suite run whole recommends neither.
#[test]
fn a_run_that_stopped_early_says_so_and_a_whole_run_does_not() {
    let source = r#"test "first" {
  let n = 1
  expect n == 2
}

test "second" {
  let n = 1
  expect n == 1
}
"#;
    let stopped = failed_report(source, &["--fail-fast", "--jobs", "1"]);
    assert_eq!(stopped["test_run"]["stopped_early"], true, "{stopped}");
    let recommendations = stopped["recommendations"].to_string();
    assert!(
        recommendations.contains("The run stopped before every test ran (")
            && recommendations.contains("): fix the first failure and run again"),
        "{recommendations}"
    );
    assert!(!recommendations.contains("re-enable"), "{recommendations}");
    let whole = failed_report(source, &["--jobs", "1"]);
    assert_eq!(whole["recommendations"], json!([]), "{whole}");
}

/// On the full client (HTTPS here) the step's timing tells connecting apart:
/// a server that waits 300 ms before each handshake makes a step over its
/// bound whose suggestion says most of it was connecting, before the service
/// saw the request; the next request of the test, on the kept-alive
/// connection, is told it did not connect at all.
#[test]
fn the_full_clients_timing_tells_connecting_from_waiting() {
    let port = self_signed_server(std::time::Duration::from_millis(300));
    let source = format!(
        r#"test "slow handshake" {{
  GET "https://localhost:{port}/" insecure
  expect duration < 100ms
}}

test "kept alive" {{
  GET "https://localhost:{port}/" insecure
  expect status == 200
  GET "https://localhost:{port}/" insecure
  expect duration < 0.001ms
}}
"#
    );
    let report = failed_report(&source, &[]);
    let slow = failure(&report, "slow handshake");
    assert_eq!(slow["cause"], "too_slow", "{slow}");
    let timing = &slow["evidence"]["timing"];
    let connect = timing["connect_ms"]
        .as_f64()
        .unwrap_or_else(|| panic!("no connect_ms in {timing}"));
    let head = timing["first_byte_ms"].as_f64().unwrap();
    assert!(connect >= 300.0 && connect <= head, "{timing}");
    assert!(timing.get("reused_connection").is_none(), "{timing}");
    let text = suggestion(&report, "slow handshake");
    assert!(
        text.starts_with(&format!("too slow: GET https://localhost:{port}/ took "))
            && text.contains(": connecting took ")
            && text.ends_with(" — most of it connecting, before the service saw the request"),
        "{text}"
    );

    let kept = failure(&report, "kept alive");
    assert_eq!(kept["cause"], "too_slow", "{kept}");
    assert_eq!(
        kept["evidence"]["timing"]["reused_connection"], true,
        "{kept}"
    );
    let text = suggestion(&report, "kept alive");
    assert!(
        text.contains(" on a kept-alive connection (no connecting): the service took "),
        "{text}"
    );
}
