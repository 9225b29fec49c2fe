//! `load` steps end to end: the real `ritc` binary runs `.rit` files against a
//! real local HTTP server started here (an axum app that counts what it receives),
//! and against the demo service. The scripts' own `expect`s check the result
//! record; the server's counts check what was really sent. Counts, never times:
//! the only durations asserted are lower bounds that the server itself imposes.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

mod common;
use common::ports::free_port;
use common::suite::ritc;

// ---------------------------------------------------------------- the test server

#[derive(Default)]
struct Counters {
    fast: AtomicU64,
    slow: AtomicU64,
    flaky: AtomicU64,
    alternating: AtomicU64,
    echo_matched: AtomicU64,
    echo_other: AtomicU64,
    in_flight: AtomicU64,
    most_in_flight: AtomicU64,
    stall: AtomicU64,
    uploads: AtomicU64,
    paced: AtomicU64,
    paced_answered: AtomicU64,
    /// While set and in the future, `/stall` answers nothing before this moment.
    paused_until: Mutex<Option<Instant>>,
    /// When `/slow-second` was first asked for.
    first_phased: Mutex<Option<Instant>>,
}

type Shared = Arc<Counters>;

async fn fast(State(counters): State<Shared>) -> &'static str {
    counters.fast.fetch_add(1, Ordering::SeqCst);
    "ok"
}

/// Answers after 50 ms and remembers the most requests it held at once.
async fn slow(State(counters): State<Shared>) -> &'static str {
    counters.slow.fetch_add(1, Ordering::SeqCst);
    let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    counters.most_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(50)).await;
    counters.in_flight.fetch_sub(1, Ordering::SeqCst);
    "ok"
}

async fn very_slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "late"
}

/// Every third request (the 3rd, 6th, …) gets a 500.
async fn flaky(State(counters): State<Shared>) -> Response {
    let count = counters.flaky.fetch_add(1, Ordering::SeqCst) + 1;
    if count % 3 == 0 {
        (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response()
    } else {
        "fine".into_response()
    }
}

/// Every second answer is one byte longer: `ok`, `okk`, `ok`, … The heads differ
/// only in their `content-length`, a byte.
async fn alternating(State(counters): State<Shared>) -> &'static str {
    let count = counters.alternating.fetch_add(1, Ordering::SeqCst) + 1;
    if count % 2 == 0 { "okk" } else { "ok" }
}

/// 200 with `{"ok": true}` when the `x-token` header and the JSON body are right.
async fn echo(State(counters): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let token = headers.get("x-token").and_then(|value| value.to_str().ok());
    let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    if token == Some("abc") && json["a"] == 1 && content_type == Some("application/json") {
        counters.echo_matched.fetch_add(1, Ordering::SeqCst);
        axum::Json(serde_json::json!({ "ok": true })).into_response()
    } else {
        counters.echo_other.fetch_add(1, Ordering::SeqCst);
        (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({ "ok": false })),
        )
            .into_response()
    }
}

/// A chunked body of 12 bytes in three chunks.
async fn chunked() -> Response {
    let chunks =
        ["hello", "world", "!!"].map(|chunk| Ok::<_, std::io::Error>(chunk.as_bytes().to_vec()));
    Body::from_stream(futures_util::stream::iter(chunks)).into_response()
}

/// 65 MiB, one MiB at a time: past the 64 MiB a `check` may hold.
async fn huge() -> Response {
    let chunks = (0..65).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 1024 * 1024]));
    Body::from_stream(futures_util::stream::iter(chunks)).into_response()
}

/// Closes the connection after each answer.
async fn closing() -> Response {
    ([(header::CONNECTION, "close")], "bye").into_response()
}

/// The 50th request pauses the endpoint for one second: every request that
/// arrives meanwhile is answered when the pause ends.
async fn stall(State(counters): State<Shared>) -> &'static str {
    let count = counters.stall.fetch_add(1, Ordering::SeqCst) + 1;
    let until = {
        let mut paused = counters.paused_until.lock().unwrap();
        if count == 50 {
            *paused = Some(Instant::now() + Duration::from_secs(1));
        }
        *paused
    };
    if let Some(until) = until
        && until > Instant::now()
    {
        tokio::time::sleep_until(until.into()).await;
    }
    "ok"
}

/// Fast, except during the second second after its first request: then every
/// answer takes 50 ms.
async fn slow_second(State(counters): State<Shared>) -> &'static str {
    let since = {
        let mut first = counters.first_phased.lock().unwrap();
        first.get_or_insert_with(Instant::now).elapsed()
    };
    if since >= Duration::from_secs(1) && since < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    "ok"
}

/// The first two requests take 250 ms each, every later one 10 s: with a 400 ms
/// timeout, the first request's deadline passes while the second is answered in
/// time, and the third is given up at its own deadline, long before its answer.
async fn paced(State(counters): State<Shared>) -> &'static str {
    let count = counters.paced.fetch_add(1, Ordering::SeqCst) + 1;
    let pause = if count <= 2 { 250 } else { 10_000 };
    tokio::time::sleep(Duration::from_millis(pause)).await;
    counters.paced_answered.fetch_add(1, Ordering::SeqCst);
    "ok"
}

/// Counts multipart uploads whose `file` part holds `hi`.
async fn upload(
    State(counters): State<Shared>,
    mut multipart: axum::extract::Multipart,
) -> StatusCode {
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file")
            && field.bytes().await.is_ok_and(|bytes| &bytes[..] == b"hi")
        {
            counters.uploads.fetch_add(1, Ordering::SeqCst);
            return StatusCode::CREATED;
        }
    }
    StatusCode::BAD_REQUEST
}

struct Server {
    address: SocketAddr,
    counters: Shared,
}

impl Server {
    fn start() -> Server {
        let counters: Shared = Arc::new(Counters::default());
        let app = Router::new()
            .route("/fast", any(fast))
            .route("/slow", get(slow))
            .route("/very-slow", get(very_slow))
            .route("/paced", get(paced))
            .route("/flaky", get(flaky))
            .route("/alternating", get(alternating))
            .route("/echo", post(echo))
            .route("/chunked", get(chunked))
            .route("/closing", get(closing))
            .route("/huge", get(huge))
            .route(
                "/redirect-huge",
                get(|| async { axum::response::Redirect::to("/huge") }),
            )
            .route("/stall", get(stall))
            .route("/slow-second", get(slow_second))
            .route(
                "/redirect",
                get(|| async { axum::response::Redirect::to("/fast") }),
            )
            .route("/upload", post(upload))
            .with_state(Arc::clone(&counters));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        Server { address, counters }
    }

    fn base(&self) -> String {
        format!("http://{}", self.address)
    }

    fn count(&self, counter: impl Fn(&Counters) -> &AtomicU64) -> u64 {
        counter(&self.counters).load(Ordering::SeqCst)
    }
}

// ---------------------------------------------------------------- running ritc

/// Writes `body` (tests that may use `{{base}}`) to a suite file and runs it.
fn run_suite(base: &str, body: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("load_check.rit");
    let text = format!("suite \"Load\"\nparam base = \"{base}\"\n\n{body}");
    std::fs::write(&path, text).unwrap();
    run_ritc(dir.path(), &[&path.to_string_lossy()])
}

fn run_ritc(dir: &Path, args: &[&str]) -> Output {
    Command::new(ritc())
        .arg("run")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_green(output: &Output) {
    assert!(
        output.status.success(),
        "the suite failed:\n{}",
        describe(output)
    );
}

// ---------------------------------------------------------------- closed model

#[test]
fn the_closed_model_sends_exactly_the_requests_asked_for() {
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "closed" {
  let timeline = "the script's own"
  load GET "{{base}}/fast" {
    concurrency 8
    requests 500
  }
  expect requests == 500
  expect succeeded == 500
  expect failed == 0
  expect dropped == 0
  expect success_rate == 100%
  expect statuses["200"] == 500
  expect keys(statuses) == ["200"]
  expect keys(errors) == []
  expect bytes == 1000B
  expect throughput > 0
  expect latency.min <= latency.p50
  expect latency.p50 <= latency.p99
  expect latency.p99 <= latency.max
  expect duration > 0s
  expect timeline == "the script's own"
}
"#,
    );
    assert_green(&output);
    assert_eq!(server.count(|c| &c.fast), 500);
}

#[test]
fn the_warmup_is_sent_but_not_counted() {
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "warm" {
  load GET "{{base}}/fast" {
    concurrency 2
    requests 100
    warmup 300ms
  }
  expect requests == 100
  expect statuses["200"] == 100
}
"#,
    );
    assert_green(&output);
    let received = server.count(|c| &c.fast);
    assert!(
        received > 100,
        "the warmup sent nothing: the server got {received}"
    );
}

#[test]
fn statuses_and_failed_checks_are_counted_by_key() {
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "checked" {
  load GET "{{base}}/flaky" {
    concurrency 3
    requests 30
    check { status == 200 }
  }
  expect requests == 30
  expect succeeded == 20
  expect failed == 10
  expect succeeded + failed == requests
  expect statuses["200"] == 20
  expect statuses["500"] == 10
  expect errors["check failed: status == 200"] == 10
  expect keys(errors) == ["check failed: status == 200"]
}

test "unchecked" {
  load GET "{{base}}/flaky" {
    concurrency 3
    requests 30
  }
  expect failed == 10
  expect errors["status 500"] == 10
}
"#,
    );
    assert_green(&output);
    assert_eq!(server.count(|c| &c.flaky), 60);
}

#[test]
fn a_closed_port_counts_connect_errors() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = run_suite(
        &format!("http://127.0.0.1:{port}"),
        r#"
test "refused" {
  load GET "{{base}}/nothing" {
    concurrency 2
    requests 10
  }
  expect requests == 10
  expect failed == 10
  expect success_rate == 0%
  expect errors["connect"] == 10
  expect keys(statuses) == []
  expect throughput == 0
}
"#,
    );
    assert_green(&output);
}

#[test]
fn headers_and_bodies_are_sent_and_checks_read_the_response() {
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "posted" {
  load POST "{{base}}/echo" {
    concurrency 4
    requests 40
    headers { "x-token": "abc" }
    json { a: 1 }
    check {
      status == 200
      json.ok == true
      headers["content-type"] contains "json"
    }
  }
  expect succeeded == 40
  expect keys(errors) == []
}
"#,
    );
    assert_green(&output);
    assert_eq!(server.count(|c| &c.echo_matched), 40);
    assert_eq!(server.count(|c| &c.echo_other), 0);
}

#[test]
fn answers_whose_heads_differ_by_one_byte_are_each_framed_by_their_own() {
    // The load's client does not parse a head equal to the last one again: a head
    // one byte away (here its `content-length`) must still be read for itself, or
    // a body would be cut short and the next answer read from its rest.
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "alternating" {
  load GET "{{base}}/alternating" {
    concurrency 1
    requests 30
  }
  expect succeeded == 30
  expect bytes == 75B
  expect keys(errors) == []
}
"#,
    );
    assert_green(&output);
    assert_eq!(server.count(|c| &c.alternating), 30);
}

#[test]
fn chunked_bodies_closed_connections_and_head_requests_are_read_whole() {
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "chunked" {
  load GET "{{base}}/chunked" {
    concurrency 2
    requests 10
    check { body == "helloworld!!" }
  }
  expect succeeded == 10
  expect bytes == 120B
}

test "closing" {
  load GET "{{base}}/closing" {
    concurrency 2
    requests 20
  }
  expect succeeded == 20
  expect bytes == 60B
}

test "head" {
  load HEAD "{{base}}/fast" {
    concurrency 2
    requests 10
  }
  expect succeeded == 10
  expect bytes == 0B
}
"#,
    );
    assert_green(&output);
    assert_eq!(server.count(|c| &c.fast), 10);
}

#[test]
fn redirects_and_multipart_bodies_go_through_reqwest() {
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "redirected" {
  load GET "{{base}}/redirect" {
    concurrency 2
    requests 10
    follow redirects
  }
  expect statuses["200"] == 10
  expect bytes == 20B
}

test "not followed" {
  load GET "{{base}}/redirect" {
    concurrency 2
    requests 10
  }
  expect statuses["303"] == 10
  expect succeeded == 10
}

test "uploaded" {
  load POST "{{base}}/upload" {
    concurrency 2
    requests 6
    multipart { file: file(name: "a.txt", content: "hi") }
    check { status == 201 }
  }
  expect succeeded == 6
}
"#,
    );
    assert_green(&output);
    assert_eq!(server.count(|c| &c.fast), 10);
    assert_eq!(server.count(|c| &c.uploads), 6);
}

#[test]
fn a_checked_body_past_the_limit_fails_the_request_on_both_paths() {
    // A `check` keeps the body to read it: past 64 MiB the request fails instead
    // of holding whatever the server sends. Unchecked, the bytes are only counted.
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "checked" {
  load GET "{{base}}/huge" {
    concurrency 1
    requests 2
    check { status == 200 }
  }
  expect failed == 2
  expect keys(errors) == ["body too large"]
}

test "checked through reqwest" {
  load GET "{{base}}/redirect-huge" {
    concurrency 1
    requests 2
    follow redirects
    check { status == 200 }
  }
  expect failed == 2
  expect keys(errors) == ["body too large"]
}

test "unchecked" {
  load GET "{{base}}/huge" {
    concurrency 1
    requests 2
  }
  expect succeeded == 2
  expect bytes == 136314880B
}
"#,
    );
    assert_green(&output);
}

/// A request that outlives the step's timeout is a `timeout` error, given up at its
/// own deadline. A worker's timer is armed once and moved on lazily (engine.rs):
/// in "deadlines" the first request's deadline passes while the second is being
/// answered; the second goes on to its own deadline and is answered in time, and
/// the third is given up at its own.
#[test]
fn a_request_that_outlives_its_timeout_is_a_timeout_error() {
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "timeouts" {
  load GET "{{base}}/very-slow" {
    concurrency 3
    requests 3
    timeout 200ms
  }
  expect failed == 3
  expect errors["timeout"] == 3
  expect latency.min >= 200ms
}

test "deadlines" {
  load GET "{{base}}/paced" {
    concurrency 1
    requests 3
    timeout 400ms
  }
  expect succeeded == 2
  expect errors["timeout"] == 1
  expect latency.max >= 400ms
}
"#,
    );
    assert_green(&output);
    assert_eq!(server.count(|c| &c.paced), 3);
    // The load ended without waiting for the third answer (a timer that was not
    // armed again would have let the worker wait for it, then call it a timeout).
    assert_eq!(server.count(|c| &c.paced_answered), 2);
}

#[test]
fn a_closed_ramp_adds_workers_up_to_the_concurrency() {
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "ramp" {
  load GET "{{base}}/slow" {
    concurrency 4
    ramp from 1 to 4 over 400ms
    duration 800ms
  }
  expect requests > 0
  expect succeeded == requests
}
"#,
    );
    assert_green(&output);
    let most = server.count(|c| &c.most_in_flight);
    assert!((1..=4).contains(&most), "{most} requests at once");
}

// ---------------------------------------------------------------- open model

/// Stages from 0: up to 4 workers, held, down to 0. The server sees 4 requests in
/// flight at once and never more (counts, not times), and the measured part lasts
/// the stages' total.
#[test]
fn closed_stages_reach_their_level_and_no_more() {
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "stages" {
  load GET "{{base}}/slow" {
    stages {
      1s to 4
      1s at 4
      1s to 0
    }
  }
  expect failed == 0
  expect requests > 0
  expect duration >= 3s
}
"#,
    );
    assert_green(&output);
    assert_eq!(server.count(|c| &c.most_in_flight), 4);
    assert_eq!(server.count(|c| &c.in_flight), 0);
}

/// Open-model stages, per the rate's period: 0 → 100/s over 1s (50 due), then
/// 50/s for 1s (50 more). Exactly 100 requests, all answered.
#[test]
fn open_stages_send_the_integral_of_their_rates() {
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "open stages" {
  load GET "{{base}}/fast" {
    rate 100 per 1s
    stages {
      1s to 100
      1s at 50
    }
  }
  expect requests + dropped == 100
  expect dropped == 0
  expect succeeded == 100
}
"#,
    );
    assert_green(&output);
    assert_eq!(server.count(|c| &c.fast), 100);
}

#[test]
fn the_open_model_drops_what_the_in_flight_bound_cannot_start() {
    let server = Server::start();
    // 100 requests are due in 1s; two at a time at 50 ms each can start about 40.
    let output = run_suite(
        &server.base(),
        r#"
test "open" {
  load GET "{{base}}/slow" {
    rate 100 per 1s
    duration 1s
    concurrency 2
  }
  expect dropped > 0
  expect requests + dropped == 100
  expect succeeded == requests
}
"#,
    );
    assert_green(&output);
    let received = server.count(|c| &c.slow);
    assert!(
        received < 100,
        "the server got {received} requests: none was dropped"
    );
    assert!(server.count(|c| &c.most_in_flight) <= 2);
}

#[test]
fn an_open_ramp_sends_the_integral_of_its_rate() {
    let server = Server::start();
    // 0 → 100 per second over the whole second: 50 requests are due.
    let output = run_suite(
        &server.base(),
        r#"
test "open ramp" {
  load GET "{{base}}/fast" {
    rate 100 per 1s
    ramp from 0 to 100 over 1s
    duration 1s
  }
  expect requests + dropped == 50
  expect dropped == 0
  expect succeeded == 50
}
"#,
    );
    assert_green(&output);
    assert_eq!(server.count(|c| &c.fast), 50);
}

#[test]
fn a_stall_shows_in_the_open_models_percentiles() {
    // The 50th request pauses the server for a second. Requests keep coming due
    // during the pause; their latency counts from when they were due, so a fifth
    // of all requests waited between 0 and 1 s and p99 is close to the pause.
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "stall" {
  load GET "{{base}}/stall" {
    rate 200 per 1s
    duration 3s
  }
  expect dropped == 0
  expect succeeded == requests
  expect latency.p99 >= 800ms
  expect latency.p90 >= 300ms
  expect latency.max >= 900ms
}
"#,
    );
    assert_green(&output);
}

// ---------------------------------------------------------------- abort when

/// Runs `body` as `run_suite` does, with a JSON report: the output and the
/// report's tests.
fn run_suite_reported(base: &str, body: &str) -> (Output, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("load_check.rit");
    let report = dir.path().join("report.json");
    let text = format!("suite \"Load\"\nparam base = \"{base}\"\n\n{body}");
    std::fs::write(&path, text).unwrap();
    let output = run_ritc(
        dir.path(),
        &[
            &path.to_string_lossy(),
            "--report",
            &format!("json={}", report.display()),
        ],
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let tests = report["tests"].as_array().cloned().unwrap_or_default();
    (output, tests)
}

/// A load whose `abort when` holds stops long before its `duration` (the server
/// counts what it got), fails its test with the condition and what it read, and
/// keeps the figures until then; in the open model too. Stopping the server's
/// slow answers is the point of the threshold, so the in-flight ones are dropped.
#[test]
fn an_abort_when_that_holds_stops_the_load_and_fails_the_test() {
    let server = Server::start();
    let (output, tests) = run_suite_reported(
        &server.base(),
        r#"
test "closed" {
  let limit = 20ms
  load GET "{{base}}/slow" {
    concurrency 2
    duration 60s
    abort when failed > 0
    abort when latency.p99 > limit
  }
  expect failed == 0
}

test "open" {
  load GET "{{base}}/fast" {
    rate 100 per 1s
    duration 60s
    abort when requests >= 50 after 2s
  }
  expect failed == 0
}
"#,
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`abort when latency.p99 > limit` held (latency.p99 = "),
        "{}",
        describe(&output)
    );
    assert_eq!(tests.len(), 2, "{tests:?}");
    for test in &tests {
        assert_eq!(test["status"], "failed", "{test}");
        assert_eq!(test["failure"]["cause"], "load_aborted", "{test}");
        // The expectation after the load never ran: the step failed first.
        let load_line = if test["name"] == "open" { 17 } else { 7 };
        assert_eq!(test["failure"]["line"], load_line, "{test}");
    }
    let aborted = |index: usize| tests[index]["loads"][0]["aborted"].clone();
    assert_eq!(aborted(0)["condition"], "latency.p99 > limit", "{tests:?}");
    assert!(
        aborted(0)["values"]["latency.p99"]
            .as_str()
            .and_then(millis_of)
            .is_some_and(|millis| millis >= 50.0),
        "{tests:?}"
    );
    assert_eq!(aborted(1)["condition"], "requests >= 50", "{tests:?}");
    // Read every second, and not before its `after`.
    let at = |index: usize| aborted(index)["at"].as_str().and_then(millis_of);
    assert!(at(0).is_some_and(|millis| millis >= 1000.0), "{tests:?}");
    assert!(at(1).is_some_and(|millis| millis >= 2000.0), "{tests:?}");
    // Sixty seconds of either load would have sent 2,400 and 6,000 requests.
    let slow = server.count(|c| &c.slow);
    let fast = server.count(|c| &c.fast);
    assert!(
        slow < 1_200,
        "the closed load was not stopped: {slow} requests"
    );
    assert!(
        fast < 3_000,
        "the open load was not stopped: {fast} requests"
    );
    // The record holds what was measured until the stop.
    let counted = tests[0]["loads"][0]["requests"].as_u64().unwrap_or(0);
    assert!(counted > 0 && counted <= slow, "{counted} of {slow}");
}

/// A load that ends before its first reading (a second in) still has its
/// conditions read, on the whole record: one that holds fails the test rather
/// than go unread.
#[test]
fn an_abort_when_that_holds_on_a_load_too_short_to_be_read_still_fails_it() {
    let server = Server::start();
    let (output, tests) = run_suite_reported(
        &server.base(),
        r#"
test "short" {
  load GET "{{base}}/slow" {
    concurrency 2
    requests 10
    abort when latency.p99 > 20ms
  }
}
"#,
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert_eq!(tests[0]["failure"]["cause"], "load_aborted", "{tests:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`abort when latency.p99 > 20ms` held on the whole load"),
        "{}",
        describe(&output)
    );
    assert_eq!(server.count(|c| &c.slow), 10);
    assert_eq!(
        tests[0]["loads"][0]["aborted"]["stopped"], false,
        "{tests:?}"
    );
}

/// An `abort when` that never holds changes nothing: the load runs whole, its
/// test passes, and its record says nothing of an abort.
#[test]
fn an_abort_when_that_never_holds_lets_the_load_run_whole() {
    let server = Server::start();
    let (output, tests) = run_suite_reported(
        &server.base(),
        r#"
test "healthy" {
  load GET "{{base}}/fast" {
    concurrency 2
    duration 3s
    abort when failed > 0
    abort when success_rate < 100% after 1s
  }
  expect requests > 0
  expect failed == 0
}
"#,
    );
    assert_green(&output);
    // Read three times, held none: every request sent until the end is counted.
    assert_eq!(
        tests[0]["loads"][0]["requests"].as_u64(),
        Some(server.count(|c| &c.fast)),
        "{tests:?}"
    );
    assert_eq!(tests[0]["status"], "passed", "{tests:?}");
    assert!(tests[0]["loads"][0].get("aborted").is_none(), "{tests:?}");
}

/// A load that its test's `timeout` cuts short: the test fails at the load, and
/// its report keeps what the load measured until then, marked `test timeout`.
#[test]
fn a_load_cut_short_by_its_tests_timeout_reports_what_it_measured() {
    let server = Server::start();
    let (output, tests) = run_suite_reported(
        &server.base(),
        r#"
test "short" timeout 2500ms {
  load GET "{{base}}/slow" {
    concurrency 2
    duration 60s
  }
  expect failed == 0
}
"#,
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let test = &tests[0];
    assert_eq!(test["failure"]["cause"], "test_timeout", "{test}");
    let load = &test["loads"][0];
    assert_eq!(load["partial"], "test timeout", "{test}");
    let counted = load["requests"].as_u64().unwrap_or(0);
    assert!(
        counted >= 20 && counted <= server.count(|c| &c.slow),
        "{test}"
    );
}

/// Ctrl-C during a load: the run ends at once (interrupted, exit 3), nothing
/// sends any more, and the report still has what the load measured until then
/// (its record so far, kept every second), marked `interrupted`.
#[test]
fn an_interrupted_load_reports_what_it_measured_and_stops_sending() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("load_check.rit");
    let report = dir.path().join("report.json");
    std::fs::write(
        &path,
        format!(
            "param base = \"{}\"\n\ntest \"long\" {{\n  load GET \"{{{{base}}}}/slow\" {{\n    concurrency 2\n    duration 60s\n  }}\n  expect failed == 0\n}}\n",
            server.base()
        ),
    )
    .unwrap();
    let mut child = Command::new(ritc())
        .args(["run", &path.to_string_lossy(), "--report"])
        .arg(format!("json={}", report.display()))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Two seconds of load at least: two records so far were kept.
    let started = Instant::now();
    while server.count(|c| &c.slow) == 0 || started.elapsed() < Duration::from_millis(2_500) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the load never began"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: `kill` with a child's own pid and a standard signal.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "ritc did not end after Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(3), "{status:?}");
    let sent = server.count(|c| &c.slow);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        server.count(|c| &c.slow),
        sent,
        "requests after the run ended"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let test = &report["tests"][0];
    assert_eq!(test["status"], "interrupted", "{test}");
    let load = &test["loads"][0];
    assert_eq!(load["partial"], "interrupted", "{test}");
    let counted = load["requests"].as_u64().unwrap_or(0);
    // 2 workers at 50 ms a request for at least a second before the last record.
    assert!(
        counted >= 20 && counted <= sent,
        "{counted} of {sent}: {test}"
    );
    assert!(
        load["latency"]["p50"]
            .as_str()
            .and_then(millis_of)
            .is_some_and(|p50| p50 >= 50.0),
        "{test}"
    );
    assert!(load["histogram"].is_string(), "{test}");
}

// ---------------------------------------------------------------- progress and tables

#[test]
fn progress_stays_off_pipes_and_events_and_a_table_follows_the_test() {
    // Not a terminal (the output is a pipe): no live line, on standard error or in
    // the event stream; the table of the finished load is in the terminal output.
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.rit");
    let text = format!(
        r#"suite "Load"
param base = "{}"

test "progress" {{
  load GET "{{{{base}}}}/fast" {{
    concurrency 2
    duration 1500ms
  }}
  expect failed == 0
}}
"#,
        server.base()
    );
    std::fs::write(&path, text).unwrap();
    let path = path.to_string_lossy().to_string();
    for events in [false, true] {
        let mut args = vec![path.as_str()];
        if events {
            args.extend(["--events", "jsonl"]);
        }
        let output = run_ritc(dir.path(), &args);
        assert_green(&output);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains(": load  ")
                && !stderr.contains("req/s  p99")
                && !stderr.contains('\r'),
            "a progress line off a terminal:\n{}",
            describe(&output)
        );
        // The columns widen with their numbers: compare the header's words.
        let lines: Vec<&str> = stderr.lines().collect();
        let table_follows = lines.windows(2).any(|pair| {
            pair[0] == "  load:"
                && pair[1].split_whitespace().collect::<Vec<_>>()
                    == [
                        "requests",
                        "succeeded",
                        "failed",
                        "dropped",
                        "throughput",
                        "duration",
                    ]
        });
        assert!(
            table_follows
                && stderr.contains("    latency  ")
                && stderr.contains("    statuses  200: "),
            "no load table under the test:\n{}",
            describe(&output)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        if events {
            let types: Vec<String> = stdout
                .lines()
                .map(|line| {
                    let event: serde_json::Value = serde_json::from_str(line).unwrap();
                    event["type"].as_str().unwrap().to_string()
                })
                .collect();
            assert!(types.contains(&"test_finished".to_string()), "{types:?}");
            assert!(
                types.iter().all(|kind| !kind.contains("progress")),
                "{types:?}"
            );
            assert!(!stdout.contains("req/s  p99"), "{stdout}");
        } else {
            assert!(stdout.is_empty(), "{}", describe(&output));
        }
    }
}

// ---------------------------------------------------------------- thresholds

#[test]
fn a_failed_threshold_shows_the_percentile_the_shape_and_the_worst_window() {
    // The server is slow (50 ms) only during the second second of the load: p99
    // is far above 1 ms, a third of the requests are in the slow bucket, and the
    // window from 1 s to 2 s is the worst.
    let server = Server::start();
    let output = run_suite(
        &server.base(),
        r#"
test "threshold" {
  load GET "{{base}}/slow-second" {
    rate 100 per 1s
    duration 3s
  }
  expect latency.p99 < 1ms
}
"#,
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let explained = |text: &str| {
        assert!(
            stderr.contains(text),
            "`{text}` is not in the explanation:\n{}",
            describe(&output)
        )
    };
    explained("latency.p99 < 1ms: latency.p99 was ");
    explained("= load: ");
    explained(", p99 ");
    explained("requests (");
    explained(") took longer than 1ms");
    explained("shape: ");
    explained(" | ≥");
    explained("worst windows: 1s–2s: p99 ");
    // The p99 measured is at least the server's delay.
    let measured = stderr
        .split("latency.p99 was ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap();
    let millis: f64 = measured.trim_end_matches("ms").parse().unwrap_or(f64::MAX);
    assert!(
        measured.ends_with("ms") && millis >= 50.0,
        "p99 was {measured}"
    );
    // The buckets from 10 ms up hold at least the requests of the slow second
    // (about 100 of the 300). Not "about a third" exactly: on a loaded machine the
    // fast requests can take over 10 ms too, and the buckets' bounds follow what
    // was measured, so the slow ones may be split over two buckets.
    let shape = stderr
        .lines()
        .find(|line| line.contains("shape: "))
        .unwrap();
    let slow: u64 = shape
        .split("shape: ")
        .nth(1)
        .unwrap_or_default()
        .split(" | ")
        .filter_map(|bucket| {
            let (label, count) = bucket.trim().rsplit_once(' ')?;
            let lower = match label.split_once('–') {
                Some((lower, _)) => lower,
                None if label.starts_with('<') => "0ms",
                None => label.trim_start_matches('≥'),
            };
            (millis_of(lower)? >= 10.0).then(|| count.parse::<u64>().ok())?
        })
        .sum();
    assert!(slow >= 60, "{shape}");
}

/// `250µs`, `10ms` or `1s` in milliseconds.
fn millis_of(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(number) = text.strip_suffix("µs") {
        (number, 0.001)
    } else if let Some(number) = text.strip_suffix("ms") {
        (number, 1.0)
    } else {
        (text.strip_suffix('s')?, 1000.0)
    };
    Some(number.parse::<f64>().ok()? * scale)
}

// ---------------------------------------------------------------- the demo

#[test]
fn the_normative_load_example_runs_green_against_the_demo() {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let demo = demo_binary();
    let port = free_port();
    let inventory_port = free_port();
    let output = run_ritc(
        &examples,
        &[
            "load.rit",
            "--param",
            &format!("demo={}", demo.display()),
            "--param",
            &format!("port={port}"),
            "--param",
            &format!("inventory_port={inventory_port}"),
        ],
    );
    assert_green(&output);
}

fn demo_binary() -> PathBuf {
    // The demo is a workspace member; `cargo test` builds it into the same folder.
    let path = Path::new(ritc()).with_file_name("rit-demo");
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "rit-demo"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success());
    }
    path
}
