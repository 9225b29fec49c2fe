//! An HTTP step's options against real servers, through `ritc run`: `user`
//! (basic auth, never shown), `delay`, `max redirects`, `version` (h2c with
//! prior knowledge) and the `version` field, `proxy`, `resolve`, TLS with
//! `cacert`, `cert` and `key` against a server whose certificate authority the
//! test makes, `connect to` (another host and port, the name kept for `Host`
//! and TLS), `path as is`, byte bodies and GraphQL bodies, a file's `defaults { … }` and
//! `ritc run`'s `--header`, `--user`, `--location`. Each server records what
//! arrived, and each option has its red case: the run fails, saying why.

mod common;

use std::sync::OnceLock;

use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use base64::Engine as _;
use common::suite::{Suite, text};

// ---------------------------------------------------------------- the test servers

const USER: &str = "ann:s3cret-pass";

fn app() -> Router {
    Router::new()
        .route(
            "/auth",
            get(|headers: HeaderMap| async move {
                let authorization = headers
                    .get(header::AUTHORIZATION)
                    .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                    .unwrap_or_default();
                let expected = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(USER)
                );
                let status = if authorization == expected {
                    StatusCode::OK
                } else {
                    StatusCode::UNAUTHORIZED
                };
                (status, authorization).into_response()
            }),
        )
        .route(
            "/stamp",
            get(|| async {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis()
                    .to_string()
            }),
        )
        .route(
            "/redirect/{count}",
            get(|Path(count): Path<u32>| async move {
                if count == 0 {
                    "arrived".into_response()
                } else {
                    Redirect::to(&format!("/redirect/{}", count - 1)).into_response()
                }
            }),
        )
        .route(
            "/version",
            get(|request: Request| async move { format!("{:?}", request.version()) }),
        )
        .route(
            "/echo-bytes",
            axum::routing::post(|headers: HeaderMap, body: axum::body::Bytes| async move {
                let content_type = headers
                    .get(header::CONTENT_TYPE)
                    .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                    .unwrap_or_else(|| "none".to_string());
                format!("{content_type} {}", hex::encode(&body))
            }),
        )
        .route(
            "/header/{name}",
            get(|Path(name): Path<String>, headers: HeaderMap| async move {
                headers
                    .get_all(name.as_str())
                    .iter()
                    .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                    .collect::<Vec<_>>()
                    .join(",")
            }),
        )
        .route(
            "/host",
            get(|headers: HeaderMap| async move {
                headers
                    .get(header::HOST)
                    .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                    .unwrap_or_default()
            }),
        )
}

/// A forward proxy that answers every request itself, naming the URL it was
/// asked for (absolute, as a client writes it to a proxy).
fn proxy_app() -> Router {
    Router::new().fallback(|request: Request| async move {
        let response: Response = format!("proxied {}", request.uri()).into_response();
        response
    })
}

/// The server's base URL; one server for the whole test binary, on its own thread.
fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| common::http_server::serve_in_background(app()))
}

fn proxy() -> &'static str {
    static PROXY: OnceLock<String> = OnceLock::new();
    PROXY.get_or_init(|| common::http_server::serve_in_background(proxy_app()))
}

/// Runs `source` in `suite`, with the server's address when it declares `param base`.
fn run_in(suite: &Suite, source: &str, extra: &[&str]) -> (i32, String) {
    suite.file("t.rit", source);
    let base_param = format!("base={}", base());
    let mut args = vec!["t.rit"];
    if source.contains("param base") {
        args.extend(["--param", &base_param]);
    }
    args.extend_from_slice(extra);
    let output = suite.run(&args);
    (output.status.code().unwrap_or(-1), text(&output))
}

fn run(source: &str, extra: &[&str]) -> (i32, String) {
    run_in(&Suite::new(), source, extra)
}

// ---------------------------------------------------------------- user

#[test]
fn user_sends_basic_auth_and_is_never_shown() {
    let source = r#"param base = "http://127.0.0.1:1"
test "auth" {
  GET "{{base}}/auth" user "ann:s3cret-pass"
  expect status == 200
  expect body == "wrong on purpose"
}
"#;
    let suite = Suite::new();
    let (code, output) = run_in(&suite, source, &["-v", "--report", "json=report.json"]);
    // The server accepted the credentials (status held), and the failure on
    // `body` shows what it echoed: masked.
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("expect body =="), "{output}");
    let encoded = base64::engine::general_purpose::STANDARD.encode(USER);
    let report = std::fs::read_to_string(suite.dir.path().join("report.json")).unwrap();
    for shown in [&output, &report] {
        assert!(!shown.contains("s3cret-pass"), "{shown}");
        assert!(!shown.contains(&encoded), "{shown}");
    }
    assert!(output.contains("> authorization: Basic ***"), "{output}");
}

#[test]
fn a_wrong_user_is_refused_by_the_server_and_the_run_fails() {
    let source = r#"param base = "http://127.0.0.1:1"
test "auth" {
  GET "{{base}}/auth" user "ann:not-the-password"
  expect status == 200
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("401"), "{output}");
    assert!(output.contains("t.rit:4"), "{output}");
}

#[test]
fn netrc_sends_the_hosts_entry_as_basic_auth_and_never_shows_it() {
    let suite = Suite::new();
    suite.file(
        "creds.netrc",
        "machine other.test login eve password not-this-one\n\
         machine 127.0.0.1\n  login ann\n  password s3cret-pass\n",
    );
    let source = r#"param base = "http://127.0.0.1:1"
test "netrc" {
  GET "{{base}}/auth" netrc "creds.netrc"
  expect status == 200
  expect body == "wrong on purpose"
}
"#;
    let (code, output) = run_in(&suite, source, &["-v"]);
    // The server accepted the entry of its host (status held), and the echo is masked.
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("expect body =="), "{output}");
    assert!(!output.contains("s3cret-pass"), "{output}");
    let encoded = base64::engine::general_purpose::STANDARD.encode(USER);
    assert!(!output.contains(&encoded), "{output}");
    assert!(output.contains("> authorization: Basic ***"), "{output}");
}

#[test]
fn a_netrc_without_the_hosts_entry_or_with_a_wrong_one_is_refused() {
    let suite = Suite::new();
    suite.file(
        "other.netrc",
        "machine other.test login ann password s3cret-pass\n",
    );
    suite.file(
        "wrong.netrc",
        "machine 127.0.0.1 login ann password not-the-password\n",
    );
    for file in ["other.netrc", "wrong.netrc"] {
        let source = format!(
            r#"param base = "http://127.0.0.1:1"
test "netrc" {{
  GET "{{{{base}}}}/auth" netrc "{file}"
  expect status == 200
}}
"#
        );
        let (code, output) = run_in(&suite, &source, &[]);
        assert_eq!(code, 1, "{file}: {output}");
        assert!(output.contains("401"), "{file}: {output}");
        assert!(output.contains("t.rit:4"), "{file}: {output}");
    }
    // A file that cannot be read fails the step at its line, naming it.
    let source = r#"param base = "http://127.0.0.1:1"
test "netrc" {
  GET "{{base}}/auth" netrc "missing.netrc"
  expect status == 200
}
"#;
    let (code, output) = run_in(&suite, source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("`netrc`: cannot read"), "{output}");
    assert!(output.contains("t.rit:3"), "{output}");
}

#[test]
fn an_authorization_header_wins_over_user() {
    let source = r#"param base = "http://127.0.0.1:1"
test "auth" {
  GET "{{base}}/auth" user "ann:s3cret-pass" headers { Authorization: "Bearer t" }
  expect status == 401
  expect body == "Bearer t"
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 0, "{output}");
}

// ---------------------------------------------------------------- delay

#[test]
fn delay_waits_before_sending() {
    let source = |clause: &str| {
        format!(
            r#"param base = "http://127.0.0.1:1"
test "delay" {{
  GET "{{{{base}}}}/stamp"
  let first = int(body)
  GET "{{{{base}}}}/stamp"{clause}
  expect int(body) - first >= 300
}}
"#
        )
    };
    let (code, output) = run(&source(" delay 300ms"), &[]);
    assert_eq!(code, 0, "{output}");
    // Without the delay the second request follows at once.
    let (code, output) = run(&source(""), &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("t.rit:6"), "{output}");
}

// ---------------------------------------------------------------- max redirects

#[test]
fn max_redirects_follows_that_many_and_no_more() {
    let source = r#"param base = "http://127.0.0.1:1"
test "three" {
  GET "{{base}}/redirect/3" max redirects 3
  expect status == 200
  expect body == "arrived"
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 0, "{output}");
    let source = r#"param base = "http://127.0.0.1:1"
test "two" {
  GET "{{base}}/redirect/3" max redirects 2
  expect status == 200
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("too many redirects: more than 2 (max redirects)"),
        "{output}"
    );
}

// ---------------------------------------------------------------- version

#[test]
fn version_http2_speaks_h2c_and_the_field_says_so() {
    let source = r#"param base = "http://127.0.0.1:1"
test "h2" {
  GET "{{base}}/version" version "HTTP/2"
  expect version == "HTTP/2"
  expect body == "HTTP/2.0"
  GET "{{base}}/version"
  expect version == "HTTP/1.1"
  expect body == "HTTP/1.1"
  GET "{{base}}/version" follow redirects
  expect version == "HTTP/1.1"
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 0, "{output}");
    // Asking HTTP/2 of a step that speaks HTTP/1.1 fails.
    let source = r#"param base = "http://127.0.0.1:1"
test "h1" {
  GET "{{base}}/version"
  expect version == "HTTP/2"
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("\"HTTP/1.1\""), "{output}");
}

#[test]
fn version_http1_0_sends_an_http_1_0_request() {
    // The server echoes the version of the request it received.
    let source = r#"param base = "http://127.0.0.1:1"
test "h10" {
  GET "{{base}}/version" version "HTTP/1.0"
  expect body == "HTTP/1.0"
  expect status == 200
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 0, "{output}");
    // Without the clause the request is HTTP/1.1, and the same expectation fails.
    let source = r#"param base = "http://127.0.0.1:1"
test "h11" {
  GET "{{base}}/version"
  expect body == "HTTP/1.0"
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("\"HTTP/1.1\""), "{output}");
}

// ---------------------------------------------------------------- proxy and resolve

#[test]
fn proxy_carries_the_request_to_the_proxy() {
    let source = format!(
        r#"test "proxy" {{
  GET "http://upstream.invalid/path?q=1" proxy "{}"
  expect body == "proxied http://upstream.invalid/path?q=1"
}}
"#,
        proxy()
    );
    let (code, output) = run(&source, &[]);
    assert_eq!(code, 0, "{output}");
    // Without it, the name does not resolve.
    let source = r#"test "direct" {
  GET "http://upstream.invalid/path"
  expect status == 200
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("could not resolve"), "{output}");
}

#[test]
fn proxy_comes_from_the_command_line() {
    let source = r#"test "proxy" {
  GET "http://upstream.invalid/path?q=1"
  expect body == "proxied http://upstream.invalid/path?q=1"
}
"#;
    let (code, output) = run(source, &["--proxy", proxy()]);
    assert_eq!(code, 0, "{output}");
    // Without the flag, the name does not resolve.
    let (code, output) = run(source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("could not resolve"), "{output}");
}

#[test]
fn resolve_comes_from_the_command_line() {
    let port = base().rsplit(':').next().unwrap();
    let source = format!(
        r#"test "resolve" {{
  GET "http://service.invalid:{port}/host"
  expect body == "service.invalid:{port}"
}}
"#
    );
    let flag = format!("service.invalid:{port}:127.0.0.1");
    let (code, output) = run(&source, &["--resolve", &flag]);
    assert_eq!(code, 0, "{output}");
    let (code, output) = run(&source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("could not resolve"), "{output}");
}

#[test]
fn resolve_connects_a_name_to_an_address_and_keeps_the_name() {
    let port = base().rsplit(':').next().unwrap();
    let source = format!(
        r#"test "resolve" {{
  GET "http://service.invalid:{port}/host" resolve "service.invalid:{port}:127.0.0.1"
  expect body == "service.invalid:{port}"
}}
"#
    );
    let (code, output) = run(&source, &[]);
    assert_eq!(code, 0, "{output}");
    // An entry for another port does not apply: the name is looked up, and fails.
    let source = format!(
        r#"test "other port" {{
  GET "http://service.invalid:{port}/host" resolve "service.invalid:1:127.0.0.1"
  expect status == 200
}}
"#
    );
    let (code, output) = run(&source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("could not resolve"), "{output}");
}

// ---------------------------------------------------------------- connect to

#[test]
fn connect_to_moves_the_connection_to_another_host_and_port_and_keeps_the_name() {
    let port = base().rsplit(':').next().unwrap();
    // Nothing listens on port 1 of `service.invalid`, a name that never resolves.
    let source = format!(
        r#"test "connect to" {{
  GET "http://service.invalid:1/host" connect to "service.invalid:1:127.0.0.1:{port}"
  expect body == "service.invalid:1"
  expect url == "http://service.invalid:1/host"
  GET "http://service.invalid/host" connect to ["other.invalid:1:127.0.0.1:1", "service.invalid:80:localhost:{port}"]
  expect body == "service.invalid"
}}
"#
    );
    let (code, output) = run(&source, &[]);
    assert_eq!(code, 0, "{output}");
    // An entry for another port, or another host, does not apply.
    for entry in [
        format!("service.invalid:2:127.0.0.1:{port}"),
        format!("elsewhere.invalid:1:127.0.0.1:{port}"),
    ] {
        let source = format!(
            r#"test "not this one" {{
  GET "http://service.invalid:1/host" connect to "{entry}"
  expect status == 200
}}
"#
        );
        let (code, output) = run(&source, &[]);
        assert_eq!(code, 1, "{output}");
        assert!(output.contains("could not resolve"), "{output}");
    }
}

#[test]
fn connect_to_comes_from_defaults_and_the_command_line() {
    let port = base().rsplit(':').next().unwrap();
    let step = r#"test "t" {
  GET "http://service.invalid:1/host"
  expect body == "service.invalid:1"
}
"#;
    let with_defaults =
        format!("defaults {{\n  connect to \"service.invalid:1:127.0.0.1:{port}\"\n}}\n{step}");
    let (code, output) = run(&with_defaults, &[]);
    assert_eq!(code, 0, "{output}");
    let flag = format!("service.invalid:1:127.0.0.1:{port}");
    let (code, output) = run(step, &["--connect-to", &flag]);
    assert_eq!(code, 0, "{output}");
    let (code, output) = run(step, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("could not resolve"), "{output}");
}

// ---------------------------------------------------------------- path as is

#[test]
fn path_as_is_sends_dot_segments_as_written() {
    // The proxy's server answers every path with the request-target it received.
    let source = r#"param proxy = "http://127.0.0.1:1"
test "path as is" {
  GET "{{proxy}}/a/./b/../c?x=1" path as is query { y: "2" }
  expect body == "proxied /a/./b/../c?x=1&y=2"
}
"#;
    let proxy_param = format!("proxy={}", proxy());
    let (code, output) = run(source, &["--param", &proxy_param]);
    assert_eq!(code, 0, "{output}");
    // Without the clause, the URL's path is normalised before it is sent.
    let without = source.replace(" path as is", "");
    let (code, output) = run(&without, &["--param", &proxy_param]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("proxied /a/c?x=1&y=2"), "{output}");
    // The HTTPS client cannot keep them: the step says so instead of sending another path.
    let source = r#"test "https" {
  GET "https://localhost:1/a/../b" path as is
  expect status == 200
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("`path as is` keeps `.` and `..` only on a plain http://"),
        "{output}"
    );
}

// ---------------------------------------------------------------- bodies

/// Bytes that are not UTF-8 (a PNG's signature and a zero), sent byte for byte.
const BINARY: &[u8] = b"\x89PNG\r\n\x1a\n\x00\xff";

#[test]
fn byte_bodies_are_sent_byte_for_byte() {
    let suite = Suite::new();
    std::fs::write(suite.dir.path().join("data.bin"), BINARY).unwrap();
    let expected = format!("none {}", hex::encode(BINARY));
    let source = format!(
        r#"param base = "http://127.0.0.1:1"
test "bytes" {{
  POST "{{{{base}}}}/echo-bytes" body file("data.bin")
  expect body == "{expected}"
  POST "{{{{base}}}}/echo-bytes" body base64_decode("{base64}")
  expect body == "{expected}"
  POST "{{{{base}}}}/echo-bytes" body hex_decode("{hex}")
  expect body == "{expected}"
  POST "{{{{base}}}}/echo-bytes" body hex_decode("{hex}") headers {{ "Content-Type": "image/png" }}
  expect body == "image/png {hex}"
}}
"#,
        base64 = base64::engine::general_purpose::STANDARD.encode(BINARY),
        hex = hex::encode(BINARY),
    );
    let (code, output) = run_in(&suite, &source, &[]);
    assert_eq!(code, 0, "{output}");
    // One byte more is seen.
    let source = format!(
        r#"param base = "http://127.0.0.1:1"
test "bytes" {{
  POST "{{{{base}}}}/echo-bytes" body hex_decode("{hex}00")
  expect body == "{expected}"
}}
"#,
        hex = hex::encode(BINARY),
    );
    let (code, output) = run_in(&suite, &source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("t.rit:4"), "{output}");
}

#[test]
fn graphql_posts_the_query_and_its_variables_as_json() {
    let query = "query Hero($id: ID!) { hero(id: $id) { name } }";
    let with_variables = serde_json::json!({
        "query": query,
        "variables": { "id": 1000, "episode": "JEDI" }
    });
    let source = format!(
        r#"param base = "http://127.0.0.1:1"
test "graphql" {{
  let id = 1000
  POST "{{{{base}}}}/echo-bytes" graphql "{query}" variables {{ id: id, episode: "JEDI" }}
  expect body == "application/json {sent}"
  POST "{{{{base}}}}/echo-bytes" graphql "{{ hero {{ name }} }}"
  expect body == "application/json {plain}"
}}
"#,
        sent = hex::encode(with_variables.to_string()),
        plain = hex::encode(r#"{"query":"{ hero { name } }"}"#),
    );
    let (code, output) = run(&source, &[]);
    assert_eq!(code, 0, "{output}");
    // Variables the server did not expect are seen.
    let source = format!(
        r#"param base = "http://127.0.0.1:1"
test "graphql" {{
  POST "{{{{base}}}}/echo-bytes" graphql "{{ hero {{ name }} }}" variables {{ id: 1 }}
  expect body == "application/json {plain}"
}}
"#,
        plain = hex::encode(r#"{"query":"{ hero { name } }"}"#),
    );
    let (code, output) = run(&source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("t.rit:4"), "{output}");
}

// ---------------------------------------------------------------- defaults and the command line

const DEFAULTS: &str = r#"param base = "http://127.0.0.1:1"
let token = "t-1"

defaults {
  headers { "X-Team": "core", "X-Token": token }
  follow redirects
}

test "defaults" {
  GET "{{base}}/header/x-team"
  expect body == "core"
  GET "{{base}}/header/x-team" headers { "X-Team": "edge" }
  expect body == "edge"
  GET "{{base}}/header/x-token"
  expect body == "t-1"
  GET "{{base}}/redirect/2"
  expect body == "arrived"
}
"#;

#[test]
fn defaults_apply_to_every_http_step_and_a_step_overrides_them() {
    let (code, output) = run(DEFAULTS, &[]);
    assert_eq!(code, 0, "{output}");
    // Without the `defaults`, the header is not sent and the redirect not followed.
    let without = DEFAULTS.replace(
        "defaults {\n  headers { \"X-Team\": \"core\", \"X-Token\": token }\n  follow redirects\n}\n",
        "",
    );
    assert_ne!(without, DEFAULTS);
    let (code, output) = run(&without, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("t.rit:7"), "{output}");
}

#[test]
fn command_line_flags_apply_to_every_http_step_after_the_files_defaults() {
    let source = r#"param base = "http://127.0.0.1:1"
test "flags" {
  GET "{{base}}/header/x-team"
  expect body == "cli"
  GET "{{base}}/header/x-team" headers { "X-Team": "step" }
  expect body == "step"
  GET "{{base}}/auth"
  expect status == 200
  GET "{{base}}/redirect/1"
  expect body == "arrived"
}
"#;
    let flags = [
        "--header",
        "X-Team: cli",
        "--user",
        USER,
        "--location",
        "-v",
    ];
    let (code, output) = run(source, &flags);
    assert_eq!(code, 0, "{output}");
    let encoded = base64::engine::general_purpose::STANDARD.encode(USER);
    assert!(!output.contains("s3cret-pass"), "{output}");
    assert!(!output.contains(&encoded), "{output}");
    // The file's `defaults` win over the command line.
    let (code, output) = run(DEFAULTS, &["--header", "X-Team: cli"]);
    assert_eq!(code, 0, "{output}");
    // Without the flags, nothing of it is sent.
    let (code, output) = run(source, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("t.rit:4"), "{output}");
}

#[test]
fn defaults_are_checked_as_http_clauses() {
    let source = r#"defaults {
  body "x"
  timeout "5s"
  version "HTTP/3"
  proxy "127.0.0.1:3128"
}
defaults {
  insecure
}
test "t" {
  GET "http://127.0.0.1:1/"
  expect status == 200
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 2, "{output}");
    for expected in [
        "`defaults` take no `body`",
        "`timeout` takes a duration",
        "`defaults` is given twice",
        // The step's own value rules hold in `defaults` too (E0417).
        "`version` takes \"HTTP/1.0\", \"HTTP/1.1\" or \"HTTP/2\", not \"HTTP/3\"",
        "`proxy` takes the proxy's URL",
    ] {
        assert!(output.contains(expected), "{expected}:\n{output}");
    }
}

// ---------------------------------------------------------------- checked before running

#[test]
fn wrong_option_values_are_compile_errors() {
    let source = r#"test "wrong" {
  GET "http://127.0.0.1:1/" version "HTTP/3" resolve "nohost" proxy "127.0.0.1:3128" key "k.pem" connect to "a:1:b"
  GET "http://127.0.0.1:1/" delay 5 max redirects "two" user 3
}
"#;
    let (code, output) = run(source, &[]);
    assert_eq!(code, 2, "{output}");
    for expected in [
        "`version` takes \"HTTP/1.0\", \"HTTP/1.1\" or \"HTTP/2\", not \"HTTP/3\"",
        "`resolve` takes \"host:port:address\"",
        "`proxy` takes the proxy's URL",
        "`key` without `cert`",
        "`delay` takes a duration",
        "`max redirects` takes an int",
        "`user` takes a string",
        "`connect to` takes \"host:port:other-host:other-port\"",
    ] {
        assert!(output.contains(expected), "{expected}:\n{output}");
    }
}

// ---------------------------------------------------------------- TLS

mod tls {
    use super::*;
    use crate::common::tls::{certificate, key};
    use openssl::pkey::{PKey, Private};
    use openssl::ssl::{SslAcceptor, SslMethod, SslVerifyMode};
    use openssl::x509::X509;
    use std::io::{Read, Write};

    /// PEM files of a certificate authority, a server certificate for
    /// `localhost` and a client certificate, both signed by it.
    struct Authority {
        ca: X509,
        server: (X509, PKey<Private>),
        client: (X509, PKey<Private>),
    }

    fn authority() -> &'static Authority {
        static AUTHORITY: OnceLock<Authority> = OnceLock::new();
        AUTHORITY.get_or_init(|| {
            let ca_key = key();
            let ca = certificate("ritc test authority", &ca_key, None);
            let server_key = key();
            let server = certificate("localhost", &server_key, Some((&ca, &ca_key)));
            let client_key = key();
            let client = certificate("ritc-client", &client_key, Some((&ca, &ca_key)));
            Authority {
                ca,
                server: (server, server_key),
                client: (client, client_key),
            }
        })
    }

    /// An HTTPS server on a thread of its own; each answer names the client
    /// certificate's common name, or `anonymous`. With `require_client`, a
    /// client without a certificate signed by the authority is refused in the
    /// handshake.
    fn tls_server(require_client: bool) -> u16 {
        let authority = authority();
        let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
        acceptor.set_certificate(&authority.server.0).unwrap();
        acceptor.set_private_key(&authority.server.1).unwrap();
        acceptor
            .cert_store_mut()
            .add_cert(authority.ca.clone())
            .unwrap();
        let mode = if require_client {
            SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT
        } else {
            SslVerifyMode::PEER
        };
        acceptor.set_verify(mode);
        let acceptor = acceptor.build();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let Ok(mut stream) = acceptor.accept(stream) else {
                    continue;
                };
                let client = stream
                    .ssl()
                    .peer_certificate()
                    .and_then(|certificate| {
                        certificate.subject_name().entries().next().map(|entry| {
                            String::from_utf8_lossy(entry.data().as_slice()).into_owned()
                        })
                    })
                    .unwrap_or_else(|| "anonymous".to_string());
                let mut received = Vec::new();
                let mut buffer = [0u8; 1024];
                while !received.windows(4).any(|window| window == b"\r\n\r\n") {
                    match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(read) => received.extend_from_slice(&buffer[..read]),
                    }
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{client}",
                    client.len()
                );
                let _ = stream.write_all(answer.as_bytes());
                let _ = stream.shutdown();
            }
        });
        port
    }

    /// A suite folder holding `ca.pem`, `client.pem` and `client.key`.
    fn suite_with_certificates() -> Suite {
        let authority = authority();
        let suite = Suite::new();
        let write = |name: &str, bytes: Vec<u8>| {
            std::fs::write(suite.dir.path().join(name), bytes).unwrap();
        };
        write("ca.pem", authority.ca.to_pem().unwrap());
        write("client.pem", authority.client.0.to_pem().unwrap());
        write(
            "client.key",
            authority.client.1.private_key_to_pem_pkcs8().unwrap(),
        );
        suite
    }

    #[test]
    fn cacert_trusts_the_authority_and_without_it_the_certificate_is_refused() {
        let port = tls_server(false);
        let suite = suite_with_certificates();
        let source = format!(
            r#"test "trusted" {{
  GET "https://localhost:{port}/" cacert "ca.pem"
  expect status == 200
  expect body == "anonymous"
}}
"#
        );
        let (code, output) = run_in(&suite, &source, &[]);
        assert_eq!(code, 0, "{output}");
        let source = format!(
            r#"test "untrusted" {{
  GET "https://localhost:{port}/"
  expect status == 200
}}
"#
        );
        let (code, output) = run_in(&suite, &source, &[]);
        assert_eq!(code, 1, "{output}");
        assert!(output.contains("TLS handshake failed"), "{output}");
        assert!(output.contains("t.rit:2"), "{output}");
    }

    #[test]
    fn cert_and_key_present_a_client_certificate() {
        let port = tls_server(true);
        let suite = suite_with_certificates();
        let source = format!(
            r#"test "client certificate" {{
  GET "https://localhost:{port}/" cacert "ca.pem" cert "client.pem" key "client.key"
  expect body == "ritc-client"
}}
"#
        );
        let (code, output) = run_in(&suite, &source, &[]);
        assert_eq!(code, 0, "{output}");
        // Without the certificate, the server ends the handshake.
        let source = format!(
            r#"test "no client certificate" {{
  GET "https://localhost:{port}/" cacert "ca.pem"
  expect status == 200
}}
"#
        );
        let (code, output) = run_in(&suite, &source, &[]);
        assert_eq!(code, 1, "{output}");
        assert!(output.contains("t.rit:2"), "{output}");
    }

    #[test]
    fn cert_without_key_reads_the_certificate_and_its_key_from_one_file() {
        let port = tls_server(true);
        let suite = suite_with_certificates();
        let authority = authority();
        let mut both = authority.client.0.to_pem().unwrap();
        both.extend(authority.client.1.private_key_to_pem_pkcs8().unwrap());
        std::fs::write(suite.dir.path().join("client-and-key.pem"), both).unwrap();
        let source = format!(
            r#"test "one file" {{
  GET "https://localhost:{port}/" cacert "ca.pem" cert "client-and-key.pem"
  expect body == "ritc-client"
}}
"#
        );
        let (code, output) = run_in(&suite, &source, &[]);
        assert_eq!(code, 0, "{output}");
        // A file with the certificate alone has no key: the step fails at its
        // line and says what the file lacks, before any request.
        let source = format!(
            r#"test "no key" {{
  GET "https://localhost:{port}/" cacert "ca.pem" cert "client.pem"
  expect status == 200
}}
"#
        );
        let (code, output) = run_in(&suite, &source, &[]);
        assert_eq!(code, 1, "{output}");
        assert!(output.contains("t.rit:2"), "{output}");
        assert!(output.contains("`cert` holds no private key"), "{output}");
    }

    #[test]
    fn a_missing_certificate_file_names_the_clause_and_the_path() {
        let suite = Suite::new();
        let source = r#"test "missing" {
  GET "https://localhost:1/" cacert "nowhere.pem"
  expect status == 200
}
"#;
        let (code, output) = run_in(&suite, source, &[]);
        assert_eq!(code, 1, "{output}");
        assert!(output.contains("`cacert`: cannot read"), "{output}");
        assert!(output.contains("nowhere.pem"), "{output}");
    }

    /// `--insecure`, `--cacert`, `--cert` and `--key` give every step what the
    /// clauses give one; without them the same file fails.
    #[test]
    fn insecure_cacert_cert_and_key_come_from_the_command_line() {
        let suite = suite_with_certificates();
        let port = tls_server(false);
        let source = format!(
            r#"test "tls" {{
  GET "https://localhost:{port}/"
  expect body == "anonymous"
}}
"#
        );
        let (code, output) = run_in(&suite, &source, &["--insecure"]);
        assert_eq!(code, 0, "{output}");
        let (code, output) = run_in(&suite, &source, &["--cacert", "ca.pem"]);
        assert_eq!(code, 0, "{output}");
        let (code, output) = run_in(&suite, &source, &[]);
        assert_eq!(code, 1, "{output}");
        assert!(output.contains("TLS handshake failed"), "{output}");
        let port = tls_server(true);
        let source = format!(
            r#"test "client certificate" {{
  GET "https://localhost:{port}/"
  expect body == "ritc-client"
}}
"#
        );
        let flags = [
            "--cacert",
            "ca.pem",
            "--cert",
            "client.pem",
            "--key",
            "client.key",
        ];
        let (code, output) = run_in(&suite, &source, &flags);
        assert_eq!(code, 0, "{output}");
        // Without `--cert`/`--key`, the server ends the handshake.
        let (code, output) = run_in(&suite, &source, &flags[..2]);
        assert_eq!(code, 1, "{output}");
        assert!(output.contains("t.rit:2"), "{output}");
    }

    #[test]
    fn connect_to_keeps_the_urls_name_for_tls() {
        let port = tls_server(false);
        let suite = suite_with_certificates();
        // The certificate is for `localhost`; nothing listens on its port 1.
        let source = format!(
            r#"test "connect to over TLS" {{
  GET "https://localhost:1/" cacert "ca.pem" connect to "localhost:1:127.0.0.1:{port}"
  expect body == "anonymous"
}}
"#
        );
        let (code, output) = run_in(&suite, &source, &[]);
        assert_eq!(code, 0, "{output}");
    }
}
