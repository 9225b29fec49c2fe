//! `ritc publish linear` end to end: the real binary posts to a local HTTP
//! server that records every request exactly (method, path, headers, body) and
//! answers as Linear would (or as Linear does when it refuses). The tests read
//! the recorded GraphQL request back: the `commentCreate` mutation, the issue,
//! and a Markdown body with the title, each checkpoint with its stage and
//! failure action, each test with its timeout, retries and source, and with
//! `--report-file` the last results.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::any;
use serde_json::{Value as Json, json};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const KEY: &str = "lin_api_TestKey0123456789";
const SECRET: &str = "pub-Secret-Value-991";
const QUERY: &str = "mutation CommentCreate($input: CommentCreateInput!) { commentCreate(input: $input) { success comment { id url } } }";

// ---------------------------------------------------------------- the server

#[derive(Clone, Debug)]
struct Recorded {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Json {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("{error}: {}", self.body))
    }
}

#[derive(Clone)]
struct Server {
    requests: Arc<Mutex<Vec<Recorded>>>,
    answer: Arc<(u16, String)>,
}

async fn record(
    State(server): State<Server>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    server.requests.lock().unwrap().push(Recorded {
        method: method.to_string(),
        path: uri.path().to_string(),
        headers: headers
            .iter()
            .map(|(name, value)| {
                (
                    name.to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let (status, body) = server.answer.as_ref().clone();
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        body,
    )
}

/// A server that answers every request with `status` and `body`; its port and
/// what it received.
fn serve(status: u16, body: &str) -> (u16, Arc<Mutex<Vec<Recorded>>>) {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let server = Server {
        requests: requests.clone(),
        answer: Arc::new((status, body.to_string())),
    };
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap().port()).unwrap();
            let app = Router::new().fallback(any(record)).with_state(server);
            axum::serve(listener, app).await.unwrap();
        });
    });
    (receiver.recv().unwrap(), requests)
}

fn created() -> String {
    json!({
        "data": { "commentCreate": { "success": true, "comment": {
            "id": "c0ffee00-0000-4000-8000-000000000001",
            "url": "https://linear.app/acme/issue/ENG-42#comment-c0ffee00"
        } } }
    })
    .to_string()
}

// ---------------------------------------------------------------- the files

const CHECKPOINTS: &str = r#"suite "Pipeline checkpoints"

param base = "http://127.0.0.1:9"
secret token = "pub-Secret-Value-991"

service api = "sleep 60" {
  ready tcp "127.0.0.1:9" within 20s
}

checkpoint "API Ready" stage "post-backend" on failure stop {
  test "Server responds to health check" timeout 5s retry 3 every 1s {
    GET "{{base}}/health" headers { Authorization: "Bearer {{token}}" }
    expect status == 200
    expect json.status == "healthy"
  }

  test "Auth endpoints available" timeout 30s {
    POST "{{base}}/api/auth/login" json {}
    expect status == 400
  }
}

checkpoint "Frontend Ready" stage "post-frontend" on failure warn {
  test "The index page is served" tags ["ui"] {
    eventually within 10s every 500ms {
      GET "{{base}}/"
      expect status == 200
    }
  }
}
"#;

/// The source of each test as the comment must quote it (dedented).
const SOURCES: [&str; 3] = [
    "test \"Server responds to health check\" timeout 5s retry 3 every 1s {\n  GET \"{{base}}/health\" headers { Authorization: \"Bearer {{token}}\" }\n  expect status == 200\n  expect json.status == \"healthy\"\n}",
    "test \"Auth endpoints available\" timeout 30s {\n  POST \"{{base}}/api/auth/login\" json {}\n  expect status == 400\n}",
    "test \"The index page is served\" tags [\"ui\"] {\n  eventually within 10s every 500ms {\n    GET \"{{base}}/\"\n    expect status == 200\n  }\n}",
];

/// Tests that need no service: one passes, two fail (one of them with a
/// suggestion: nothing listens on `PORT`), one is skipped.
const RUNNABLE: &str = r#"suite "Local"

checkpoint "Tools" stage "pre-build" on failure continue {
  test "true succeeds" timeout 10s retry 1 {
    run "true"
    expect exit == 0
  }

  test "false fails" timeout 10s {
    run "sh -c 'exit 3'"
    expect exit == 0
  }

  test "nothing listens" {
    GET "http://127.0.0.1:PORT/health"
    expect status == 200
  }
}

test "later" skip "not yet" {
  run "true"
  expect exit == 0
}
"#;

fn ritc(dir: &Path, args: &[&str], key: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ritc"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("LINEAR_API_KEY");
    for proxy in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env_remove(proxy);
    }
    if let Some(key) = key {
        command.env("LINEAR_API_KEY", key);
    }
    command.output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn suite(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    dir
}

fn endpoint(port: u16) -> String {
    format!("http://127.0.0.1:{port}/graphql")
}

// ---------------------------------------------------------------- the tests

#[test]
fn the_definitions_are_posted_as_a_comment_create_mutation() {
    let dir = suite("checkpoints.rit", CHECKPOINTS);
    let (port, requests) = serve(200, &created());
    let output = ritc(
        dir.path(),
        &[
            "publish",
            "linear",
            "--issue",
            "ENG-42",
            "checkpoints.rit",
            "--endpoint",
            &endpoint(port),
        ],
        Some(KEY),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "https://linear.app/acme/issue/ENG-42#comment-c0ffee00\n"
    );
    assert!(
        stderr(&output).contains("to Linear issue ENG-42"),
        "{}",
        stderr(&output)
    );

    let requests = requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/graphql");
    // A personal API key goes as it is, without "Bearer".
    assert_eq!(request.header("authorization"), Some(KEY));
    assert_eq!(request.header("content-type"), Some("application/json"));
    let sent = request.json();
    assert_eq!(sent["query"], QUERY);
    let input = &sent["variables"]["input"];
    assert_eq!(input["issueId"], "ENG-42");
    assert_eq!(
        input.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["issueId", "body"]
    );
    let body = input["body"].as_str().unwrap();

    assert!(
        body.starts_with("# 🚦 Runtime Integration Checkpoints\n"),
        "{body}"
    );
    // Each checkpoint with its stage and failure action.
    for (name, stage, action) in [
        ("API Ready", "post-backend", "stop"),
        ("Frontend Ready", "post-frontend", "warn"),
    ] {
        let at = body
            .find(&format!("### Checkpoint \"{name}\""))
            .unwrap_or_else(|| panic!("no checkpoint {name}:\n{body}"));
        let section = &body[at..];
        assert!(
            section.contains(&format!("| Stage | `{stage}` |")),
            "{section}"
        );
        assert!(
            section.contains(&format!("| On failure | `{action}` — ")),
            "{section}"
        );
        assert!(
            section.contains(&format!("--checkpoint '{name}'")),
            "{section}"
        );
    }
    // Each test with its timeout and retries, expected behaviour and source.
    assert!(
        body.contains("| Server responds to health check | `5s` | `3` every `1s` | – |"),
        "{body}"
    );
    assert!(
        body.contains("| Auth endpoints available | `30s` | – | – |"),
        "{body}"
    );
    assert!(
        body.contains("| The index page is served | – | – | `ui` |"),
        "{body}"
    );
    assert!(body.contains("- **Timeout:** `5s` for the whole test (each attempt)"));
    assert!(
        body.contains(
            "- **Retry:** up to `3` more attempts after a failure (4 in all), `1s` apart"
        )
    );
    assert!(body.contains("- **Retry:** not retried: the first failure is the result"));
    assert!(body.contains(
        "- **Timeout:** none for the whole test; each step `30s` unless it says otherwise"
    ));
    assert!(
        body.contains("`eventually within 10s every 500ms` (line 25): its block runs again"),
        "{body}"
    );
    assert!(
        body.contains("`POST \"{{base}}/api/auth/login\" json {}` → `status == 400` (line 18)"),
        "{body}"
    );
    for source in SOURCES {
        assert!(
            body.contains(&format!("```rit\n{source}\n```")),
            "missing:\n{source}\n\nin:\n{body}"
        );
    }
    // Services and params, secrets never.
    assert!(
        body.contains("| `api` | `sleep 60` | `ready tcp \"127.0.0.1:9\" within 20s` |"),
        "{body}"
    );
    assert!(body.contains("| `token` | secret | `***` |"), "{body}");
    assert!(!body.contains(SECRET));
    assert!(!body.contains(KEY));
    assert!(!body.contains("Last results"));
}

#[test]
fn with_a_report_file_the_last_results_are_posted_too() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = suite("local.rit", &RUNNABLE.replace("PORT", &closed.to_string()));
    let run = ritc(
        dir.path(),
        &["run", "local.rit", "--report", "json=report.json"],
        None,
    );
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));

    let (port, requests) = serve(200, &created());
    let output = ritc(
        dir.path(),
        &[
            "publish",
            "linear",
            "--issue",
            "9f3c1a52-1111-4222-8333-444455556666",
            "local.rit",
            "--report-file",
            "report.json",
            "--endpoint",
            &endpoint(port),
        ],
        Some(KEY),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let sent = requests.lock().unwrap()[0].json();
    assert_eq!(
        sent["variables"]["input"]["issueId"],
        "9f3c1a52-1111-4222-8333-444455556666"
    );
    let body = sent["variables"]["input"]["body"].as_str().unwrap();
    assert!(body.contains("## Last results: ❌ FAILED"), "{body}");
    assert!(
        body.contains(
            "(from `report.json`): **1 passed, 2 failed, 1 skipped, 0 warnings** of 4 tests."
        ),
        "{body}"
    );
    assert!(
        body.contains("| Local / true succeeds | Tools (`pre-build`) | ✅ passed |"),
        "{body}"
    );
    assert!(
        body.contains("| Local / false fails | Tools (`pre-build`) | ❌ failed |"),
        "{body}"
    );
    assert!(
        body.contains("| Local / later | – | ⏭️ skipped: not yet |"),
        "{body}"
    );
    assert!(body.contains("### Failures"));
    assert!(
        body.contains("- ❌ **Local / false fails** at `local.rit:11`: `exit == 0: exit was 3`"),
        "{body}"
    );
    assert!(body.contains("  - Expected: `exit == 0`"));
    assert!(body.contains("  - Actual `exit`: `3`"), "{body}");
    assert!(
        body.contains("- ❌ **Local / nothing listens** at `local.rit:15`: `connection refused"),
        "{body}"
    );
    assert!(body.contains("  - Suggestion: nothing listens at that address: the service is not up or listens on another port — look at its `ready` probe"), "{body}");
    assert!(body.contains("### Recommendations"));
    // Each test's last result next to its definition.
    assert!(
        body.contains("| false fails | `10s` | – | – | ❌ failed ("),
        "{body}"
    );
    assert!(body.contains("- **Last result:** ✅ passed ("), "{body}");
}

#[test]
fn a_graphql_error_is_exit_one_with_its_message() {
    let dir = suite("checkpoints.rit", CHECKPOINTS);
    // Linear answers errors with a JSON `errors` array; this one quotes the key,
    // which must not reach the terminal.
    let answer = json!({
        "errors": [{
            "message": format!("Entity not found: Issue (key {KEY})"),
            "extensions": { "code": "INPUT_ERROR", "userPresentableMessage": "Could not find referenced Issue." }
        }],
        "data": null
    });
    let (port, requests) = serve(200, &answer.to_string());
    let output = ritc(
        dir.path(),
        &[
            "publish",
            "linear",
            "--issue",
            "ENG-404",
            "checkpoints.rit",
            "--endpoint",
            &endpoint(port),
        ],
        Some(KEY),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    // miette wraps long lines in a frame: read them as one line.
    let message = stderr(&output)
        .replace(['│', '×'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        message.contains("Linear refused the comment: Entity not found: Issue"),
        "{message}"
    );
    assert!(
        message.contains("Could not find referenced Issue."),
        "{message}"
    );
    assert!(message.contains("--issue"), "{message}");
    assert!(!message.contains(KEY), "{message}");
    assert_eq!(stdout(&output), "");
    assert_eq!(requests.lock().unwrap().len(), 1);
}

#[test]
fn refusals_and_unreachable_endpoints_are_exit_one() {
    let dir = suite("checkpoints.rit", CHECKPOINTS);
    let cases = [
        (401, r#"{"message":"unauthorized"}"#.to_string(), "Linear answered HTTP 401"),
        (
            400,
            json!({"errors":[{"message":"Authentication required, not authenticated","extensions":{"code":"AUTHENTICATION_ERROR"}}]}).to_string(),
            "LINEAR_API_KEY was refused",
        ),
        (
            200,
            json!({"data":{"commentCreate":{"success":false,"comment":null}}}).to_string(),
            "success: false",
        ),
        (503, String::new(), "Linear answered HTTP 503"),
    ];
    for (status, answer, expected) in cases {
        let (port, _) = serve(status, &answer);
        let output = ritc(
            dir.path(),
            &[
                "publish",
                "linear",
                "--issue",
                "ENG-1",
                "checkpoints.rit",
                "--endpoint",
                &endpoint(port),
            ],
            Some(KEY),
        );
        assert_eq!(
            output.status.code(),
            Some(1),
            "{status}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(expected),
            "{status}: {}",
            stderr(&output)
        );
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = ritc(
        dir.path(),
        &[
            "publish",
            "linear",
            "--issue",
            "ENG-1",
            "checkpoints.rit",
            "--endpoint",
            &endpoint(closed),
        ],
        Some(KEY),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("cannot reach"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn without_an_api_key_nothing_is_sent_and_the_exit_is_two() {
    let dir = suite("checkpoints.rit", CHECKPOINTS);
    let (port, requests) = serve(200, &created());
    for key in [None, Some("  ")] {
        let output = ritc(
            dir.path(),
            &[
                "publish",
                "linear",
                "--issue",
                "ENG-42",
                "checkpoints.rit",
                "--endpoint",
                &endpoint(port),
            ],
            key,
        );
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let message = stderr(&output);
        assert!(message.contains("LINEAR_API_KEY is not set"), "{message}");
        assert!(message.contains("Personal API keys"), "{message}");
    }
    assert!(requests.lock().unwrap().is_empty());
}

#[test]
fn usage_problems_are_exit_two_before_anything_is_sent() {
    let dir = suite("checkpoints.rit", CHECKPOINTS);
    std::fs::write(
        dir.path().join("broken.rit"),
        "test \"x\" {\n  expect nope ==\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("not-a-report.json"), "{\"hello\": 1}").unwrap();
    let (port, requests) = serve(200, &created());
    let endpoint = endpoint(port);
    for (args, expected) in [
        (vec!["broken.rit"], "nothing published"),
        (vec!["missing.rit"], "missing.rit"),
        (
            vec!["checkpoints.rit", "--report-file", "not-a-report.json"],
            "--report-file",
        ),
        (
            vec!["checkpoints.rit", "--report-file", "absent.json"],
            "cannot read --report-file",
        ),
    ] {
        let mut all = vec![
            "publish",
            "linear",
            "--issue",
            "ENG-42",
            "--endpoint",
            &endpoint,
        ];
        all.extend(args.iter().copied());
        let output = ritc(dir.path(), &all, Some(KEY));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    // --issue is required, and the endpoint must be a URL.
    let output = ritc(
        dir.path(),
        &["publish", "linear", "checkpoints.rit"],
        Some(KEY),
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let output = ritc(
        dir.path(),
        &[
            "publish",
            "linear",
            "--issue",
            "ENG-1",
            "--endpoint",
            "not a url",
            "checkpoints.rit",
        ],
        Some(KEY),
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(requests.lock().unwrap().is_empty());
}

#[test]
fn dry_run_prints_the_comment_without_a_key_or_a_request() {
    let dir = suite("checkpoints.rit", CHECKPOINTS);
    let output = ritc(
        dir.path(),
        &["publish", "linear", "--dry-run", "checkpoints.rit"],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("# 🚦 Runtime Integration Checkpoints\n"),
        "{text}"
    );
    assert!(text.contains(SOURCES[0]));
    assert!(!text.contains(SECRET));
}

#[test]
fn recommendations_derived_from_resource_warnings_are_posted() {
    // A run's JSON report with a resource warning (as `watch` writes it, set
    // here: the sampling is tests/watch.rs's), merged so that its
    // recommendations are derived again, then published.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = suite("local.rit", &RUNNABLE.replace("PORT", &closed.to_string()));
    let run = ritc(
        dir.path(),
        &["run", "local.rit", "--report", "json=report.json"],
        None,
    );
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let path = dir.path().join("report.json");
    let mut report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let warning = "Database connection pool near capacity during the run: 9 of the 10 connections role `app` may open (its CONNECTION LIMIT) were in use (90%) on postgres://app@127.0.0.1:5432/test, at 1.2s into the run (warning from 80%)";
    report["resources"] = json!([{
        "kind": "database_connections",
        "target": "postgres://app@127.0.0.1:5432/test",
        "percent": 90.0,
        "at_ms": 1200.0,
        "message": warning,
    }]);
    std::fs::write(&path, report.to_string()).unwrap();
    let merged = ritc(
        dir.path(),
        &["merge", "report.json", "--report", "json=merged.json"],
        None,
    );
    assert_eq!(merged.status.code(), Some(1), "{}", stderr(&merged));

    let (port, requests) = serve(200, &created());
    let output = ritc(
        dir.path(),
        &[
            "publish",
            "linear",
            "--issue",
            "ENG-42",
            "local.rit",
            "--report-file",
            "merged.json",
            "--endpoint",
            &endpoint(port),
        ],
        Some(KEY),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let sent = requests.lock().unwrap()[0].json();
    let body = sent["variables"]["input"]["body"].as_str().unwrap();
    assert!(body.contains("### Warnings"), "{body}");
    assert!(
        body.contains(
            "Database connection pool near capacity during the run: 9 of the 10 connections"
        ),
        "{body}"
    );
    let recommendations = body
        .split("### Recommendations")
        .nth(1)
        .unwrap_or_else(|| panic!("no recommendations in {body}"));
    assert!(
        recommendations.contains("Add connection pooling for database: bound the pools"),
        "{recommendations}"
    );
    assert!(
        recommendations.contains("postgres://app@127.0.0.1:5432/test at 90%"),
        "{recommendations}"
    );
}
