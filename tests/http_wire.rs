//! HTTP as real servers speak it, through `ritc run`: a local axum server that
//! compresses its bodies (gzip, deflate, br, zstd), sends a gzip bomb and a
//! corrupt body, repeats headers, sets cookies with attributes and answers in
//! latin1, and a body read through `limit rate`. Each feature has a case where
//! the server is wrong and the run must fail (a 500 behind a gzip body, a bomb
//! past `--max-body`, a corrupted byte behind `limit rate`).

mod common;

use std::io::Write as _;
use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::suite::{Suite, text};

// ---------------------------------------------------------------- the test server

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A JSON body in `coding`, with its `content-encoding`.
fn encoded(status: StatusCode, coding: &'static str, wire: Vec<u8>) -> Response {
    (
        status,
        [
            (header::CONTENT_ENCODING, coding),
            (header::CONTENT_TYPE, "application/json"),
        ],
        wire,
    )
        .into_response()
}

fn json_of(coding: &str) -> Vec<u8> {
    format!(r#"{{"coding":"{coding}","ok":true}}"#).into_bytes()
}

async fn repeated() -> Response {
    let mut headers = HeaderMap::new();
    for value in ["one", "two", "three"] {
        headers.append("x-multi", HeaderValue::from_static(value));
    }
    headers.insert("x-single", HeaderValue::from_static("alone"));
    for cookie in [
        "sid=abc; Path=/; HttpOnly; SameSite=Lax",
        "theme=dark; Max-Age=3600; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/",
        // The jar must not keep this one: it is for another domain.
        "elsewhere=1; Domain=example.com; Path=/",
    ] {
        headers.append(header::SET_COOKIE, HeaderValue::from_static(cookie));
    }
    (headers, "ok").into_response()
}

fn latin1(content_type: &'static str, bytes: &'static [u8]) -> Response {
    ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
}

/// `count` bytes that are not all alike (so a lost or moved chunk shows),
/// with the byte at `wrong` changed when given: a server that corrupts its body.
fn pattern(count: usize, wrong: Option<usize>) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..count).map(|index| (index * 7 % 251) as u8).collect();
    if let Some(byte) = wrong.and_then(|at| bytes.get_mut(at)) {
        *byte ^= 0xff;
    }
    bytes
}

fn app() -> Router {
    Router::new()
        .route("/repeated", get(repeated))
        .route(
            "/pattern/{count}",
            get(
                |axum::extract::Path(count): axum::extract::Path<usize>| async move {
                    pattern(count, None)
                },
            ),
        )
        .route(
            "/pattern-corrupt/{count}",
            get(
                |axum::extract::Path(count): axum::extract::Path<usize>| async move {
                    pattern(count, Some(count / 2))
                },
            ),
        )
        .route(
            "/echo-cookie",
            get(|headers: HeaderMap| async move {
                headers
                    .get(header::COOKIE)
                    .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                    .unwrap_or_default()
            }),
        )
        .route(
            "/latin1",
            get(|| async {
                latin1(
                    "application/json; charset=ISO-8859-1",
                    b"{\"name\":\"Jos\xe9\"}",
                )
            }),
        )
        .route(
            "/latin1-text",
            get(|| async { latin1("text/plain; charset=latin1", b"caf\xe9") }),
        )
        .route(
            "/latin1-unlabelled",
            get(|| async { latin1("text/plain", b"caf\xe9") }),
        )
        .route(
            "/gzip",
            get(|| async { encoded(StatusCode::OK, "gzip", gzip(&json_of("gzip"))) }),
        )
        .route(
            "/deflate",
            get(|| async { encoded(StatusCode::OK, "deflate", deflate(&json_of("deflate"))) }),
        )
        .route(
            "/br",
            get(|| async {
                // Python's `brotli.compress` of `json_of("br")`.
                let wire =
                    hex::decode("0b0c807b22636f64696e67223a226272222c226f6b223a747275657d03")
                        .unwrap();
                encoded(StatusCode::OK, "br", wire)
            }),
        )
        .route(
            "/zstd",
            get(|| async {
                // `zstd -c` of `json_of("zstd")`.
                let wire = hex::decode(
                    "28b52ffd0458d900007b22636f64696e67223a227a737464222c226f6b223a747275657d57748dbe",
                )
                .unwrap();
                encoded(StatusCode::OK, "zstd", wire)
            }),
        )
        .route(
            "/gzip-500",
            get(|| async {
                encoded(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "gzip",
                    gzip(&json_of("gzip")),
                )
            }),
        )
        .route(
            // 8 MiB of zeros in about 8 KiB.
            "/bomb",
            get(|| async { encoded(StatusCode::OK, "gzip", gzip(&vec![0u8; 8 << 20])) }),
        )
        .route(
            "/corrupt",
            get(|| async { encoded(StatusCode::OK, "gzip", b"this is not gzip".to_vec()) }),
        )
        .route(
            "/accept-encoding",
            get(|headers: HeaderMap| async move {
                headers
                    .get(header::ACCEPT_ENCODING)
                    .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                    .unwrap_or_else(|| "(none)".to_string())
            }),
        )
}

/// The server's base URL; one server for the whole test binary, on its own thread.
fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| common::http_server::serve_in_background(app()))
}

/// Runs `source` (a test file that declares `param base`) against the server.
fn run(source: &str, extra: &[&str]) -> (i32, String) {
    let suite = Suite::new();
    suite.file("t.rit", source);
    let base_param = format!("base={}", base());
    let mut args = vec!["t.rit", "--param", &base_param];
    args.extend_from_slice(extra);
    let output = suite.run(&args);
    (output.status.code().unwrap_or(-1), text(&output))
}

// ---------------------------------------------------------------- compressed bodies

#[test]
fn every_coding_is_decoded_on_both_clients_and_headers_keep_it() {
    // `follow redirects` takes the reqwest client; without it, plain `http://`
    // goes through hyper. Both must read the same decoded body.
    for flag in ["", " follow redirects"] {
        let source = format!(
            r#"param base = "http://127.0.0.1:1"
test "codings" {{
  for coding in ["gzip", "deflate", "br", "zstd"] {{
    GET "{{{{base}}}}/{{{{coding}}}}"{flag}
    expect status == 200
    expect json.coding == coding
    expect json.ok == true
    expect headers["content-encoding"] == coding
    expect len(raw) != len(body)
  }}
}}
"#
        );
        let (code, output) = run(&source, &[]);
        assert_eq!(code, 0, "flag {flag:?}:\n{output}");
    }
}

#[test]
fn raw_is_the_bytes_on_the_wire() {
    let expected = hex::encode(gzip(&json_of("gzip")));
    let source = format!(
        r#"param base = "http://127.0.0.1:1"
test "raw" {{
  GET "{{{{base}}}}/gzip"
  expect hex(raw) == "{expected}"
  expect body == "{{\"coding\":\"gzip\",\"ok\":true}}"
}}
"#
    );
    let (code, output) = run(&source, &[]);
    assert_eq!(code, 0, "{output}");
}

#[test]
fn a_step_asks_for_compression_unless_the_script_says_otherwise() {
    let source = r#"param base = "http://127.0.0.1:1"
test "accept" {
  GET "{{base}}/accept-encoding"
  expect body == "gzip, deflate, br, zstd"
  GET "{{base}}/accept-encoding" headers { "Accept-Encoding": "identity" }
  expect body == "identity"
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 0, "{output}");
}

#[test]
fn a_500_behind_a_gzip_body_fails() {
    let source = r#"param base = "http://127.0.0.1:1"
test "broken" {
  GET "{{base}}/gzip-500"
  expect status == 200
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("status was 500"), "{output}");
}

#[test]
fn a_gzip_bomb_stops_at_max_body_on_both_clients() {
    for flag in ["", " follow redirects"] {
        let source = format!(
            r#"param base = "http://127.0.0.1:1"
test "bomb" {{
  GET "{{{{base}}}}/bomb"{flag}
  expect status == 200
}}
"#
        );
        let (code, output) = run(&source, &["--max-body", "1MB"]);
        assert_eq!(code, 1, "{output}");
        assert!(
            output.contains("decoded from gzip, is larger than 1MB (--max-body)"),
            "{output}"
        );
    }
}

#[test]
fn a_corrupt_body_fails_the_step_naming_the_coding() {
    let source = r#"param base = "http://127.0.0.1:1"
test "corrupt" {
  GET "{{base}}/corrupt"
  expect status == 200
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("is not valid gzip"), "{output}");
}

#[test]
fn a_load_check_reads_the_decoded_body_and_a_bomb_is_an_error() {
    let source = r#"param base = "http://127.0.0.1:1"
test "load" {
  load GET "{{base}}/gzip" {
    concurrency 1
    requests 5
    check { json.coding == "gzip" }
  }
  expect succeeded == 5
}
test "load bomb" {
  load GET "{{base}}/bomb" {
    concurrency 1
    requests 2
    check { status == 200 }
  }
  expect errors["body too large"] == 2
  expect succeeded == 2
}
"#;
    let (code, output) = run(source, &["--max-body", "1MB"]);
    // The first test passes; the second fails at `succeeded == 2`: no bomb passes.
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("1 passed, 1 failed"), "{output}");
    assert!(output.contains("succeeded was 0"), "{output}");
}

#[test]
fn verbose_output_shows_the_decoded_body_and_the_coding() {
    let source = r#"param base = "http://127.0.0.1:1"
test "verbose" {
  GET "{{base}}/gzip"
  expect status == 500
}
"#;
    let (code, output) = run(source, &["-v"]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("< content-encoding: gzip"), "{output}");
    assert!(output.contains("bytes on the wire"), "{output}");
    assert!(
        output.contains(r#"{"coding":"gzip","ok":true}"#),
        "{output}"
    );
}

// ---------------------------------------------------------------- headers, cookies, charsets

#[test]
fn repeated_headers_are_lists_and_headers_keeps_one_value() {
    for flag in ["", " follow redirects"] {
        let source = format!(
            r#"param base = "http://127.0.0.1:1"
test "repeated" {{
  GET "{{{{base}}}}/repeated"{flag}
  expect headers["x-multi"] == "one, two, three"
  expect header_values["X-Multi"] == ["one", "two", "three"]
  expect len(header_values["x-multi"]) == 3
  expect header_values["x-single"] == ["alone"]
  expect len(header_values["set-cookie"]) == 3
  expect not ("x-absent" in header_values)
}}
"#
        );
        let (code, output) = run(&source, &[]);
        assert_eq!(code, 0, "flag {flag:?}:\n{output}");
    }
}

#[test]
fn a_wrong_header_count_fails() {
    let source = r#"param base = "http://127.0.0.1:1"
test "count" {
  GET "{{base}}/repeated"
  expect len(header_values["x-multi"]) == 2
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("was 3"), "{output}");
}

#[test]
fn set_cookies_carry_their_attributes_and_cookies_the_jar() {
    let source = r#"param base = "http://127.0.0.1:1"
test "cookies" {
  GET "{{base}}/repeated"
  expect set_cookies["sid"].value == "abc"
  expect set_cookies["sid"].path == "/"
  expect set_cookies["sid"].httponly == true
  expect set_cookies["sid"].secure == false
  expect set_cookies["sid"].samesite == "Lax"
  expect not (set_cookies["sid"].max_age exists)
  expect set_cookies["theme"].max_age == 3600
  expect set_cookies["theme"].expires == "Wed, 21 Oct 2037 07:28:00 GMT"
  expect set_cookies["elsewhere"].domain == "example.com"
  # The jar keeps what it would send back to this URL: not the other domain's.
  expect cookies == { sid: "abc", theme: "dark" }
  GET "{{base}}/echo-cookie"
  expect body contains "sid=abc"
  expect body contains "theme=dark"
  expect not (body contains "elsewhere")
  expect set_cookies == {}
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 0, "{output}");
}

#[test]
fn a_latin1_body_reads_as_its_charset_says() {
    let source = r#"param base = "http://127.0.0.1:1"
test "latin1" {
  GET "{{base}}/latin1"
  expect json.name == "José"
  expect hex(raw) == "7b226e616d65223a224a6f73e9227d"
  GET "{{base}}/latin1-text"
  expect body == "café"
}
test "no charset" {
  GET "{{base}}/latin1-unlabelled"
  expect body == "café"
}
"#;
    let (code, output) = run(source, &[]);
    // Without a charset the bytes are not UTF-8: the second test must fail.
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("1 passed, 1 failed"), "{output}");
}

// ---------------------------------------------------------------- limit rate

/// `limit rate` slows the read down: N bytes at R bytes a second take at least
/// N/R (here with a fifth off, as a margin). A lower bound only: a loaded
/// machine makes the read slower, never faster, so it cannot fail this; a step
/// whose rate were dropped on the way to the client would.
#[test]
fn limit_rate_takes_at_least_the_time_the_rate_allows() {
    const COUNT: usize = 30_000;
    const RATE: usize = 20_000;
    let at_least = COUNT * 1000 / RATE * 8 / 10;
    let source = format!(
        r#"param base = "http://127.0.0.1:1"
test "paced" {{
  GET "{{{{base}}}}/pattern/{COUNT}" limit rate {RATE}
  expect len(raw) == {COUNT}
  expect duration >= {at_least}ms
}}
"#
    );
    let (code, output) = run(&source, &[]);
    assert_eq!(code, 0, "{output}");
}

/// `limit rate` paces the reads of the body; what it must not do is change
/// it. How long the read took is a benchmark's business, not a test's (the
/// pacing itself is `due_after`, tested in the library).
#[test]
fn a_body_read_through_limit_rate_is_byte_exact() {
    const COUNT: usize = 300_000;
    use sha2::Digest as _;
    let digest = hex::encode(sha2::Sha256::digest(pattern(COUNT, None)));
    let source = format!(
        r#"param base = "http://127.0.0.1:1"
test "limited" {{
  GET "{{{{base}}}}/pattern/{COUNT}" limit rate 4MB
  expect len(raw) == {COUNT}
  expect hex(sha256(raw)) == "{digest}"
  GET "{{{{base}}}}/gzip" limit rate 1KB
  expect json.coding == "gzip"
}}
"#
    );
    let (code, output) = run(&source, &[]);
    assert_eq!(code, 0, "{output}");
    // The same expectations against a server that corrupts one byte fail.
    let corrupt = source.replace("/pattern/", "/pattern-corrupt/");
    let (code, output) = run(&corrupt, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("t.rit:5"), "{output}");
    // A rate of nothing is refused before anything runs.
    let (code, output) = run(
        "param base = \"http://127.0.0.1:1\"\ntest \"t\" {\n  GET \"{{base}}/gzip\" limit rate 0\n}\n",
        &[],
    );
    assert_eq!(code, 2, "{output}");
    assert!(
        output.contains("`limit rate` must be at least 1"),
        "{output}"
    );
}
