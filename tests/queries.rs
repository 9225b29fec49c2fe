//! The queries a Hurl file makes, as `.rit` says them (issue 19: 3), through
//! `ritc run` against a local axum server that answers in JSON, XML, HTML,
//! latin1 and plain text and sets cookies: JSONPath with wildcards and filters,
//! XPath on XML and HTML, regex captures, `split`, dates, digests, decodings,
//! and the predicates `is iso_date`, `is empty`, `is collection`, `is float`,
//! `starts with`, `ends with`. Each has a passing file and a failing one whose
//! message names the file's line and the value the server gave.

mod common;

use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use common::suite::{Suite, text};

const ITEMS: &str = r#"{"items":[{"id":"a","name":"Apple","price":3},{"id":"b","name":"Pear","price":5.5}],"owner":{"name":"Ann","tags":[]},"created":"2024-05-01T10:00:00Z"}"#;

const CATALOG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<catalog xmlns:p="urn:price"><book id="1"><title>Dune</title><p:price>9</p:price></book><book id="2"><title>Emma</title><p:price>7</p:price></book></catalog>"#;

const PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Home &amp; Garden</title></head>\
<body><ul id=\"list\"><li class=\"x\">one<li>two<li class=\"x\">three</ul><p>caf&eacute;</p></body></html>";

fn app() -> Router {
    Router::new()
        .route("/items", get(|| async { ([(header::CONTENT_TYPE, "application/json")], ITEMS) }))
        .route("/catalog", get(|| async { ([(header::CONTENT_TYPE, "application/xml")], CATALOG) }))
        .route("/page", get(|| async { ([(header::CONTENT_TYPE, "text/html")], PAGE) }))
        .route(
            "/latin1",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/octet-stream")],
                    b"caf\xe9 cr\xe8me".to_vec(),
                )
                    .into_response()
            }),
        )
        .route(
            "/text",
            get(|| async {
                "order id=42; tags=red,green,blue; when=Wed, 01 May 2024 10:00:00 GMT; \
                 q=a%20b%26c; html=&lt;b&gt; &quot;hi&quot;; b64=aGVsbG8="
            }),
        )
        .route(
            "/gzip",
            get(|| async {
                (
                    [
                        (header::CONTENT_ENCODING, "gzip"),
                        (header::CONTENT_TYPE, "text/plain; charset=latin1"),
                    ],
                    gzip(b"caf\xe9"),
                )
            }),
        )
        .route(
            "/cookie",
            get(|| async {
                (
                    [(
                        header::SET_COOKIE,
                        "sid=abc; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Strict",
                    )],
                    "ok",
                )
            }),
        )
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| common::http_server::serve_in_background(app()))
}

/// Runs `body` (the inside of one test) against the server: exit code and output.
fn run(body: &str) -> (i32, String) {
    let suite = Suite::new();
    let source = format!("param base = \"http://127.0.0.1:1\"\n\ntest \"q\" {{\n{body}}}\n");
    suite.file("t.rit", &source);
    let base_param = format!("base={}", base());
    let output = suite.run(&["t.rit", "--param", &base_param]);
    (output.status.code().unwrap_or(-1), text(&output))
}

/// `body` passes.
fn passes(body: &str) {
    let (code, output) = run(body);
    assert_eq!(code, 0, "{body}\n{output}");
}

/// `body` fails at line `line` of t.rit (the test's first line is 4), and the
/// output shows each of `shown`.
fn fails_at(body: &str, line: usize, shown: &[&str]) {
    let (code, output) = run(body);
    assert_eq!(code, 1, "{body}\n{output}");
    assert!(
        output.contains(&format!("t.rit:{line}:")),
        "line {line}:\n{output}"
    );
    for expected in shown {
        assert!(output.contains(expected), "{expected:?} not in:\n{output}");
    }
}

// ---------------------------------------------------------------- JSONPath

#[test]
fn jsonpath_wildcards_descendants_and_filters() {
    passes(
        r#"  GET "{{base}}/items"
  expect jsonpath(json, "$.items[*].id") == ["a", "b"]
  expect jsonpath(json, "$..name") == ["Apple", "Pear", "Ann"]
  expect jsonpath(json, "$.items[?@.id == 'b'].name") == ["Pear"]
  expect jsonpath(json, "$.items[?(@.price > 4)].id")[0] == "b"
  expect len(jsonpath(body, "$.items[*]")) == 2
  expect jsonpath(json, "$.missing") is empty
  let names = jsonpath(json, "$.items[*].name")
  expect names contains "Apple"
"#,
    );
}

#[test]
fn a_jsonpath_that_selects_other_values_fails_with_them() {
    fails_at(
        r#"  GET "{{base}}/items"
  expect jsonpath(json, "$.items[*].id") == ["a", "c"]
"#,
        5,
        &[r#"["a","b"]"#],
    );
}

#[test]
fn collapse_reads_the_nodes_as_hurl_does() {
    passes(
        r#"  GET "{{base}}/items"
  expect collapse(jsonpath(json, "$.items[?@.id == 'b'].name")) == "Pear"
  expect collapse(jsonpath(json, "$.items[*].id")) == ["a", "b"]
  expect not (collapse(jsonpath(json, "$.items[?@.id == 'z']")) exists)
  expect collapse(jsonpath(json, "$.items[?@.id == 'z']")) ?? "none" == "none"
  expect collapse(jsonpath(json, "$.owner..name")) == "Ann"
"#,
    );
}

#[test]
fn collapse_of_no_node_is_missing_and_of_one_node_no_list() {
    // No node: the expectation fails as a missing path does, naming the call.
    fails_at(
        r#"  GET "{{base}}/items"
  expect collapse(jsonpath(json, "$.items[?@.id == 'z'].name")) == "Pear"
"#,
        5,
        &["is missing"],
    );
    // One node is its value, not a one-item list.
    fails_at(
        r#"  GET "{{base}}/items"
  expect collapse(jsonpath(json, "$.items[?@.id == 'b'].name")) == ["Pear"]
"#,
        5,
        &[r#""Pear""#],
    );
}

// ---------------------------------------------------------------- XPath

#[test]
fn xpath_on_xml_and_html() {
    passes(
        r#"  GET "{{base}}/catalog"
  expect xpath(body, "//book/title/text()") == ["Dune", "Emma"]
  expect xpath(body, "string(//book[@id='2']/title)") == "Emma"
  expect xpath(body, "count(//book)") == 2
  expect xpath(body, "sum(//p:price)") == 16
  expect xpath(body, "boolean(//book[@id='3'])") == false
  GET "{{base}}/page"
  expect xpath(body, "string(//title)") == "Home & Garden"
  expect xpath(body, "count(//li)") == 3
  expect xpath(body, "//li[@class='x']/text()") == ["one", "three"]
  expect xpath(body, "string(//p)") == "café"
"#,
    );
}

#[test]
fn an_xpath_that_finds_another_value_fails_with_it() {
    fails_at(
        r#"  GET "{{base}}/page"
  expect status == 200
  expect xpath(body, "string(//title)") == "Home"
"#,
        6,
        &["\"Home & Garden\""],
    );
    fails_at(
        r#"  GET "{{base}}/items"
  expect xpath(body, "//a") == []
"#,
        5,
        &["xpath: the document is not XML"],
    );
}

// ---------------------------------------------------------------- text

#[test]
fn captures_splits_and_decodings() {
    passes(
        r#"  GET "{{base}}/text"
  expect capture(body, "id=(\\d+)") == "42"
  expect int(capture(body, "id=(\\d+)")) == 42
  expect split(capture(body, "tags=([a-z,]+)"), ",") == ["red", "green", "blue"]
  expect split(capture(body, "tags=([a-z,]+)"), ",")[-1] == "blue"
  expect url_decode(capture(body, "q=([^;]+)")) == "a b&c"
  expect html_unescape(capture(body, "html=(.*); b64")) == "<b> \"hi\""
  expect base64_decode(capture(body, "b64=(\\S+)")) == bytes("hello")
  expect body starts with "order "
  expect body ends with "aGVsbG8="
  expect not (body starts with "id=")
  GET "{{base}}/latin1"
  expect decode(raw, "latin1") == "café crème"
  expect raw starts with bytes("caf")
  expect hex(sha256(raw)) == "{SHA}"
  expect hex(md5("hello")) == "5d41402abc4b2a76b9719d911017c592"
"#
        .replace("{SHA}", &sha256_hex(b"caf\xe9 cr\xe8me"))
        .as_str(),
    );
}

/// Hurl's `sha256`, `md5` and `bytes` read the body once its content coding is
/// undone and before its charset: `body_bytes`, not the wire's `raw`.
#[test]
fn digests_read_the_decoded_bytes() {
    let body = r#"  GET "{{base}}/gzip"
  expect body == "café"
  expect hex(body_bytes) == "636166e9"
  expect decode(body_bytes, "latin1") == "café"
  expect hex(sha256(body_bytes)) == "{SHA}"
  expect raw != body_bytes
"#
    .replace("{SHA}", &sha256_hex(b"caf\xe9"));
    passes(&body);
    let wrong = r#"  GET "{{base}}/gzip"
  expect hex(sha256(raw)) == "{SHA}"
"#
    .replace("{SHA}", &sha256_hex(b"caf\xe9"));
    fails_at(&wrong, 5, &["hex(sha256(raw)) was"]);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn a_capture_that_does_not_match_fails_with_the_text() {
    fails_at(
        r#"  GET "{{base}}/text"
  expect status == 200
  expect capture(body, "user=(\\w+)") == "bob"
"#,
        6,
        &[r#"does not match "order id=42;"#],
    );
}

#[test]
fn starts_with_and_decode_fail_with_the_actual_values() {
    fails_at(
        r#"  GET "{{base}}/text"
  expect body starts with "invoice"
"#,
        5,
        &[r#"body was "order id=42;"#],
    );
    fails_at(
        r#"  GET "{{base}}/latin1"
  expect decode(raw, "utf-8") == "café crème"
"#,
        5,
        &["is not valid UTF-8", "636166e9"],
    );
}

// ---------------------------------------------------------------- dates

#[test]
fn dates_read_formatted_and_counted() {
    passes(
        r#"  GET "{{base}}/items"
  expect json.created is iso_date
  expect date(json.created) == 1714557600
  expect format_date(date(json.created), "[day]/[month]/[year]") == "01/05/2024"
  expect days_before_now(date(json.created)) > 100
  expect days_after_now(date(json.created)) < -100
  GET "{{base}}/text"
  expect date(capture(body, "when=([^;]+)")) == date("2024-05-01", "[year]-[month]-[day]") + 36000
  GET "{{base}}/cookie"
  expect days_after_now(date(set_cookies["sid"].expires)) > 1000
"#,
    );
}

#[test]
fn a_date_that_is_not_one_fails_with_it() {
    fails_at(
        r#"  GET "{{base}}/items"
  expect json.owner.name is iso_date
"#,
        5,
        &[r#""Ann""#],
    );
    fails_at(
        r#"  GET "{{base}}/items"
  expect date(json.owner.name) > 0
"#,
        5,
        &[r#"date: "Ann" is not an RFC 3339 or HTTP date"#],
    );
}

// ---------------------------------------------------------------- predicates

#[test]
fn emptiness_collections_and_floats() {
    passes(
        r#"  GET "{{base}}/items"
  expect json.owner.tags is empty
  expect not (json.items is empty)
  expect json.items is collection
  expect json.owner is collection
  expect not (json.owner.name is collection)
  expect json.items[1].price is float
  expect not (json.items[0].price is float)
  expect json.items[0].price is number
  GET "{{base}}/cookie"
  expect set_cookies["sid"].secure
  expect set_cookies["sid"].samesite == "Strict"
  expect set_cookies["sid"].max_age == 3600
"#,
    );
}

#[test]
fn an_int_is_not_a_float_and_a_list_is_not_empty() {
    fails_at(
        r#"  GET "{{base}}/items"
  expect json.items[0].price is float
"#,
        5,
        &["json.items[0].price was 3"],
    );
    fails_at(
        r#"  GET "{{base}}/items"
  expect json.items is empty
"#,
        5,
        &["json.items was [{"],
    );
}

// ---------------------------------------------------------------- secrets

#[test]
fn what_a_query_makes_of_a_secret_stays_secret() {
    let suite = Suite::new();
    suite.file(
        "t.rit",
        r#"secret token = "tok-3f9a2b71"
test "q" {
  let part = capture(token, "tok-(\\w+)")
  expect part == "nope"
}
"#,
    );
    let output = suite.run(&["t.rit"]);
    let output = text(&output);
    assert!(!output.contains("3f9a2b71"), "{output}");
    assert!(output.contains("***"), "{output}");
}
