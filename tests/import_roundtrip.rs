//! The importer's round trip: each Hurl file of `tests/import/roundtrip/` runs
//! against a local axum server twice, as written under `hurl --test` and as
//! `ritc import` + `ritc run`, and the two verdicts (passed, or failed at entry N)
//! must agree with each other and with the verdict the file declares on its first
//! line:
//!
//! - `# roundtrip: pass`
//! - `# roundtrip: fail at entry N` (the first entry that fails, counted from 1)
//! - `# roundtrip: not translated` (the importer must report a part on stderr;
//!   such a file is not run under `ritc`, only under Hurl)
//!
//! Lines `# variable: name=value` give a variable besides `host` to both tools
//! (`--variable`, `--param`).
//!
//! The declared verdict keeps the comparison honest: a server that answers
//! nothing useful would make both tools fail alike, and a file that must fail
//! (a wrong status, JSON value, header, body) shows that the translation keeps
//! the failure. Without `hurl` on PATH the Hurl half is skipped with a message;
//! the `ritc` half still runs against the declared verdicts.
//!
//! The server answers what the corpus asks: JSON, redirects, cookies, gzip,
//! repeated headers, echoes of the query, the form, the headers and the body
//! (so a file can assert what was sent), multipart, status codes, and an
//! endpoint that is ready on its third call (for `retry`), XML, HTML and latin1
//! (for the queries: `xpath`, `decode`, digests), the HTTP version of the
//! request it read (`http1.0`), and a chain of redirects longer than ritc's
//! default limit (`/hops/12`, for Hurl's limit of 50).

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path as UrlPath, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

// ---------------------------------------------------------------- the server

fn product() -> Value {
    json!({
        "name": "widget",
        "price": 12.5,
        "stock": 3,
        "active": true,
        "sku": "WID-42",
        "tags": ["sale", "new", "blue"],
        "nested": { "id": 7, "label": "seven" },
        "empty": [],
        "nothing": null,
        "odd-key": "odd"
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Decoded `name=value&…` pairs, in order (a query string or a form body).
fn pairs(text: &str) -> Value {
    let mut object = serde_json::Map::new();
    for (name, value) in url::form_urlencoded::parse(text.as_bytes()) {
        object.insert(name.into_owned(), Value::String(value.into_owned()));
    }
    Value::Object(object)
}

/// What was sent: the content type and the body's bytes as text and as a length.
async fn echo(headers: HeaderMap, body: Bytes) -> Json<Value> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    Json(json!({
        "content_type": content_type,
        "length": body.len(),
        "body": String::from_utf8_lossy(&body),
        "form": pairs(&String::from_utf8_lossy(&body)),
    }))
}

/// The request's headers, each name once (repeated values joined by `, `).
async fn echo_headers(headers: HeaderMap) -> Json<Value> {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &headers {
        seen.entry(name.as_str().to_string())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    let object: serde_json::Map<String, Value> = seen
        .into_iter()
        .map(|(name, values)| (name, Value::String(values.join(", "))))
        .collect();
    Json(Value::Object(object))
}

async fn echo_query(RawQuery(query): RawQuery) -> Json<Value> {
    let query = query.unwrap_or_default();
    Json(json!({ "raw": query, "decoded": pairs(&query) }))
}

/// The fields and files of a multipart body.
async fn echo_multipart(mut multipart: Multipart) -> Response {
    let mut fields = serde_json::Map::new();
    let mut files = serde_json::Map::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().map(str::to_string);
                let content_type = field.content_type().map(str::to_string);
                let Ok(bytes) = field.bytes().await else {
                    return StatusCode::BAD_REQUEST.into_response();
                };
                let text = String::from_utf8_lossy(&bytes).into_owned();
                match file_name {
                    Some(file_name) => {
                        let file = json!({
                            "filename": file_name,
                            "content_type": content_type,
                            "content": text,
                        });
                        files.insert(name, file);
                    }
                    None => {
                        fields.insert(name, Value::String(text));
                    }
                }
            }
            Ok(None) => break,
            Err(_) => return StatusCode::BAD_REQUEST.into_response(),
        }
    }
    Json(json!({ "fields": fields, "files": files })).into_response()
}

async fn login(body: Bytes) -> Response {
    let credentials: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if credentials["user"] != "ada" || credentials["password"] != "lovelace" {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "bad credentials" })),
        )
            .into_response();
    }
    let headers = [
        (header::SET_COOKIE, "sid=abc123; Path=/; HttpOnly"),
        (header::LOCATION, "/me"),
    ];
    let answer = json!({ "token": "tok-42", "user": { "id": 42, "name": "ada" } });
    (StatusCode::OK, headers, Json(answer)).into_response()
}

async fn me(headers: HeaderMap) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if authorization != Some("Bearer tok-42") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "no token" })),
        )
            .into_response();
    }
    Json(json!({ "id": 42, "name": "ada" })).into_response()
}

/// 200 for basic auth as `ada:lovelace` (what fixtures/creds.netrc gives), else 401.
async fn basic(headers: HeaderMap) -> StatusCode {
    let expected = "Basic YWRhOmxvdmVsYWNl";
    match headers.get(header::AUTHORIZATION) {
        Some(value) if value.as_bytes() == expected.as_bytes() => StatusCode::OK,
        _ => StatusCode::UNAUTHORIZED,
    }
}

/// 200 when the jar sent back the cookie `/login` set, else 401.
async fn session(headers: HeaderMap) -> Response {
    let cookie = headers
        .get(header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if cookie.split("; ").any(|pair| pair == "sid=abc123") {
        Json(json!({ "session": "abc123" })).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, Json(json!({ "cookie": cookie }))).into_response()
    }
}

async fn repeated() -> Response {
    let mut headers = HeaderMap::new();
    for value in ["one", "two", "three"] {
        headers.append("x-multi", HeaderValue::from_static(value));
    }
    for cookie in ["a=1; Path=/", "b=2; Path=/"] {
        headers.append(header::SET_COOKIE, HeaderValue::from_static(cookie));
    }
    (headers, "ok").into_response()
}

/// Counts the calls since the last reset: ready (200) from the third.
static FLAKY_CALLS: AtomicU32 = AtomicU32::new(0);

async fn flaky() -> Response {
    let call = FLAKY_CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    if call < 3 {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "call": call })),
        )
            .into_response()
    } else {
        Json(json!({ "ready": true, "call": call })).into_response()
    }
}

/// The status the path names, with no body.
async fn answer_with_status(UrlPath(code): UrlPath<u16>) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST)
}

fn app() -> Router {
    Router::new()
        .route("/json", get(|| async { Json(product()) }))
        .route(
            "/status/{code}",
            get(|UrlPath(code): UrlPath<u16>| async move {
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
                (status, Json(json!({ "status": code }))).into_response()
            })
            .post(answer_with_status)
            .delete(answer_with_status)
            .options(answer_with_status),
        )
        .route("/redirect", get(|| async { Redirect::to("/json") }))
        // A chain of N redirects that ends at `/json`.
        .route(
            "/hops/{count}",
            get(|UrlPath(count): UrlPath<u32>| async move {
                match count {
                    0 => Redirect::to("/json"),
                    more => Redirect::to(&format!("/hops/{}", more - 1)),
                }
            }),
        )
        .route(
            "/pretty",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    "{\n  \"status\": \"healthy\"\n}",
                )
            }),
        )
        .route("/text", get(|| async { "Hello, world!\nsecond line\n" }))
        .route(
            "/version",
            get(|request: axum::extract::Request| async move {
                format!("{:?}", request.version())
            }),
        )
        .route(
            "/gzip",
            get(|| async {
                let wire = gzip(product().to_string().as_bytes());
                (
                    [
                        (header::CONTENT_ENCODING, "gzip"),
                        (header::CONTENT_TYPE, "application/json"),
                    ],
                    wire,
                )
            }),
        )
        .route("/repeated", get(repeated))
        .route("/echo", post(echo).put(echo).patch(echo))
        .route("/echo/headers", get(echo_headers))
        .route("/echo/query", get(echo_query))
        .route("/echo/multipart", post(echo_multipart))
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/basic", get(basic))
        .route("/session", get(session))
        .route(
            "/flaky/reset",
            post(|| async {
                FLAKY_CALLS.store(0, Ordering::SeqCst);
                StatusCode::NO_CONTENT
            }),
        )
        .route("/flaky", get(flaky))
        .route(
            "/catalog",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/xml")],
                    "<?xml version=\"1.0\"?><catalog><book id=\"1\"><title>Dune</title></book><book id=\"2\"><title>Emma</title></book></catalog>",
                )
            }),
        )
        .route(
            "/page",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    "<!DOCTYPE html><html><head><title>Home</title></head><body><ul><li>a<li>b<li>c</ul><p>Tom &amp; Jerry</p></body></html>",
                )
            }),
        )
        .route(
            "/latin1",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/plain; charset=latin1")],
                    b"caf\xe9".to_vec(),
                )
            }),
        )
}

// ---------------------------------------------------------------- verdicts

#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    Pass,
    /// The first entry (Hurl) or HTTP step (`ritc`) that failed, from 1.
    FailAt(usize),
    NotTranslated,
}

fn declared(path: &Path, text: &str) -> Verdict {
    let first = text.lines().next().unwrap_or_default();
    let declaration = first.strip_prefix("# roundtrip: ").unwrap_or_else(|| {
        panic!(
            "{}: the first line must declare the verdict (`# roundtrip: …`)",
            path.display()
        )
    });
    match declaration.trim() {
        "pass" => Verdict::Pass,
        "not translated" => Verdict::NotTranslated,
        other => match other
            .strip_prefix("fail at entry ")
            .and_then(|entry| entry.parse().ok())
        {
            Some(entry) => Verdict::FailAt(entry),
            None => panic!("{}: unknown verdict `{other}`", path.display()),
        },
    }
}

/// The variables a file declares on lines `# variable: name=value`, given to
/// Hurl as `--variable` and to `ritc run` as `--param` (besides `host`).
fn declared_variables(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("# variable: "))
        .map(|pair| pair.trim().to_string())
        .collect()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/import/roundtrip"))
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "hurl")
        })
        .collect();
    files.sort();
    files
}

/// `hurl` on PATH, if it answers `--version`.
fn hurl() -> Option<String> {
    let output = Command::new("hurl").arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `hurl --test --json`: exit 0 is a pass; otherwise the last entry its JSON
/// lists is the one that failed (Hurl stops a file at its first failing entry).
fn hurl_verdict(
    file: &Path,
    base: &str,
    variables: &[String],
) -> Result<(Verdict, String), String> {
    let mut command = Command::new("hurl");
    command
        .args(["--test", "--json", "--no-color", "--variable"])
        .arg(format!("host={base}"));
    for variable in variables {
        command.arg("--variable").arg(variable);
    }
    let output = command
        .arg(file)
        .current_dir(file.parent().unwrap())
        .output()
        .map_err(|error| format!("hurl did not start: {error}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    match output.status.code() {
        Some(0) => return Ok((Verdict::Pass, stderr)),
        // 3: a runtime error (an entry could not run), 4: an assert failed.
        Some(3 | 4) => {}
        other => return Err(format!("hurl exited with {other:?}:\n{stderr}")),
    }
    let report: Value = serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("hurl's --json output: {error}\n{stderr}"))?;
    report["entries"]
        .as_array()
        .and_then(|entries| entries.last())
        .and_then(|entry| entry["index"].as_u64())
        .map(|index| (Verdict::FailAt(index as usize), stderr.clone()))
        .ok_or_else(|| format!("hurl failed with no entry:\n{stderr}"))
}

/// `ritc import`: the `.rit` text, and whether a part was reported as not translated.
fn import(file: &Path) -> Result<(String, bool), String> {
    let output = Command::new(env!("CARGO_BIN_EXE_ritc"))
        .arg("import")
        .arg(file)
        .env("NO_COLOR", "1")
        .output()
        .map_err(|error| format!("ritc did not start: {error}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if output.status.code() != Some(0) {
        return Err(format!("ritc import failed:\n{stderr}"));
    }
    let rit = String::from_utf8_lossy(&output.stdout).into_owned();
    Ok((rit, stderr.contains("not translated")))
}

/// `ritc run` of the imported text, in a folder beside a copy of the corpus's
/// fixtures (a Hurl `file,` path is relative to the Hurl file; `read()` and
/// `file()` to the `.rit` file). A failure is at the step its JSON report
/// reached last: each Hurl entry is one HTTP step.
fn ritc_verdict(
    name: &str,
    rit: &str,
    base: &str,
    variables: &[String],
) -> Result<(Verdict, String), String> {
    let suite = common::suite::Suite::new();
    let fixtures = root().join("tests/import/roundtrip/fixtures");
    let copy = suite.dir.path().join("fixtures");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(&fixtures).unwrap().flatten() {
        std::fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
    }
    suite.file(&format!("{name}.rit"), rit);
    let file = format!("{name}.rit");
    let host = format!("host={base}");
    let mut arguments = vec![file.as_str(), "--param", host.as_str()];
    for variable in variables {
        arguments.extend(["--param", variable.as_str()]);
    }
    arguments.extend(["--report", "json=report.json"]);
    let output = suite.run(&arguments);
    let text = common::suite::text(&output);
    match output.status.code() {
        Some(0) => return Ok((Verdict::Pass, text)),
        Some(1) => {}
        other => return Err(format!("ritc run exited with {other:?}:\n{text}")),
    }
    let report = std::fs::read(suite.dir.path().join("report.json"))
        .map_err(|error| format!("no JSON report ({error}):\n{text}"))?;
    let report: Value = serde_json::from_slice(&report).unwrap();
    report["tests"][0]["steps"]
        .as_array()
        .filter(|steps| !steps.is_empty())
        .map(|steps| (Verdict::FailAt(steps.len()), text.clone()))
        .ok_or_else(|| format!("ritc failed before a step:\n{text}"))
}

/// One file: every way its verdicts disagree, in words.
fn compare(file: &Path, base: &str, with_hurl: bool) -> Vec<String> {
    let name = file.file_stem().unwrap().to_str().unwrap().to_string();
    let text = std::fs::read_to_string(file).unwrap();
    let expected = declared(file, &text);
    let variables = declared_variables(&text);
    let mut problems = Vec::new();
    if with_hurl {
        let expected_under_hurl = match &expected {
            Verdict::NotTranslated => Verdict::Pass,
            other => other.clone(),
        };
        match hurl_verdict(file, base, &variables) {
            Ok((verdict, _)) if verdict == expected_under_hurl => {}
            Ok((verdict, output)) => problems.push(format!(
                "{name}: hurl says {verdict:?}, the file declares {expected_under_hurl:?}:\n{output}"
            )),
            Err(why) => problems.push(format!("{name}: {why}")),
        }
    }
    let (rit, reported) = match import(file) {
        Ok(imported) => imported,
        Err(why) => return [problems, vec![format!("{name}: {why}")]].concat(),
    };
    match (&expected, reported) {
        (Verdict::NotTranslated, true) => return problems,
        (Verdict::NotTranslated, false) => {
            problems.push(format!(
                "{name}: declared not translated, yet the importer reported nothing:\n{rit}"
            ));
            return problems;
        }
        (_, true) => problems.push(format!(
            "{name}: the importer reported a part as not translated:\n{rit}"
        )),
        (_, false) => {}
    }
    match ritc_verdict(&name, &rit, base, &variables) {
        Ok((verdict, _)) if verdict == expected => {}
        Ok((verdict, output)) => problems.push(format!(
            "{name}: ritc says {verdict:?}, the file (and hurl) {expected:?}; the import:\n{rit}\n\
             and its run:\n{output}"
        )),
        Err(why) => problems.push(format!("{name}: {why}\n{rit}")),
    }
    problems
}

#[test]
fn imported_hurl_files_give_the_verdicts_hurl_gives() {
    let files = corpus();
    assert!(files.len() >= 10, "{files:?}");
    let with_hurl = match hurl() {
        Some(version) => {
            eprintln!(
                "comparing with {}",
                version.lines().next().unwrap_or_default()
            );
            true
        }
        None => {
            eprintln!(
                "skipped: no `hurl` on PATH, so only ritc's verdicts are checked against \
                 the declared ones (.ci/run installs Hurl 8.0.1)"
            );
            false
        }
    };
    let base = common::http_server::serve_in_background(app());
    let problems: Vec<String> = files
        .iter()
        .flat_map(|file| compare(file, &base, with_hurl))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn the_corpus_declares_both_verdicts_and_a_reported_part() {
    // A corpus of passing files alone would not show that a failure survives
    // the translation; one of reported parts keeps "reported, not compared" honest.
    let verdicts: Vec<Verdict> = corpus()
        .iter()
        .map(|file| declared(file, &std::fs::read_to_string(file).unwrap()))
        .collect();
    assert!(verdicts.contains(&Verdict::Pass), "{verdicts:?}");
    assert!(
        verdicts
            .iter()
            .filter(|verdict| matches!(verdict, Verdict::FailAt(_)))
            .count()
            >= 3,
        "{verdicts:?}"
    );
    assert!(verdicts.contains(&Verdict::NotTranslated), "{verdicts:?}");
}
