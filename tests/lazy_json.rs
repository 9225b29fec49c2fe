//! A response's `json` is parsed only when read, and a path such as `json[0].sku`
//! is read from the body's text without building the tree (src/steps/json_body.rs).
//! What a test sees must not change: through `ritc run` against a local axum
//! server, a path gives the tree's value (a key given twice counts its last value,
//! a key found by its ASCII case), and a body that is JSON only as far as the path
//! (broken after it, a number out of range, text after the value) still fails as
//! not JSON, wherever the path stands.

mod common;

use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use common::suite::{Suite, text};

fn json_route(router: Router, path: &str, body: &'static str) -> Router {
    router.route(
        path,
        get(move || async move { ([(header::CONTENT_TYPE, "application/json")], body) }),
    )
}

fn app() -> Router {
    let router = Router::new();
    let router = json_route(
        router,
        "/items",
        r#"[{"sku": "A-1", "n": 1, "n": {"deep": [10, 20]}, "Name": "first"}, {"sku": "B-2"}]"#,
    );
    let router = json_route(router, "/broken-after", r#"[{"sku": "A-1"}, oops]"#);
    let router = json_route(router, "/out-of-range", r#"[{"sku": "A-1"}, 1e400]"#);
    let router = json_route(router, "/text-after", r#"[{"sku": "A-1"}] and more"#);
    json_route(
        router,
        "/escaped-after",
        r#"[{"sku": "A-1"}, "\ud800 is a lone surrogate"]"#,
    )
}

fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| common::http_server::serve_in_background(app()))
}

/// Runs `body` (the inside of one test) against the server: exit code and output.
fn run(body: &str) -> (i32, String) {
    let suite = Suite::new();
    let source = format!("param base = \"http://127.0.0.1:1\"\n\ntest \"j\" {{\n{body}}}\n");
    suite.file("t.rit", &source);
    let base_param = format!("base={}", base());
    let output = suite.run(&["t.rit", "--param", &base_param]);
    (output.status.code().unwrap_or(-1), text(&output))
}

#[test]
fn paths_read_the_values_the_whole_tree_gives() {
    // The first two paths of a body are read from its text, the others from
    // its tree (`WALKS_BEFORE_THE_TREE`).
    let (code, output) = run(r#"  GET "{{base}}/items"
  expect json[0].n.deep[1] == 20
  expect json[0].name == "first"
  expect json[0].sku == "A-1"
  GET "{{base}}/items"
  expect json[1].sku == "B-2"
  expect json[0]["sku"] == "A-1"
  expect not (json[2] exists)
  expect (json[0].missing ?? "none") == "none"
  expect len(json) == 2
  expect json[0].n.deep == [10, 20]
  let kept = GET "{{base}}/items"
  expect kept.json[1].sku == "B-2"
  expect kept.status == 200
"#);
    assert_eq!(code, 0, "{output}");
}

#[test]
fn a_path_that_reads_another_value_fails_with_it() {
    let (code, output) = run(r#"  GET "{{base}}/items"
  expect json[0].sku == "B-2"
"#);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("t.rit:5:"), "{output}");
    assert!(output.contains("\"A-1\""), "the actual value: {output}");
}

#[test]
fn a_body_that_is_json_only_as_far_as_the_path_is_not_json() {
    for (route, error) in [
        ("broken-after", "expected value"),
        ("out-of-range", "number out of range"),
        ("text-after", "trailing characters"),
        ("escaped-after", "surrogate"),
    ] {
        let (code, output) = run(&format!(
            "  GET \"{{{{base}}}}/{route}\"\n  expect status == 200\n  expect json[0].sku == \"A-1\"\n"
        ));
        assert_eq!(
            code, 1,
            "{route}: a green run on a body that is not JSON\n{output}"
        );
        assert!(output.contains("t.rit:6:"), "{route}: {output}");
        assert!(
            output.contains("`json` cannot be read: the response body is not JSON"),
            "{route}: {output}"
        );
        assert!(output.contains(error), "{route}: {error:?} not in {output}");
    }
}

#[test]
fn exists_and_coalesce_read_such_a_body_as_absent() {
    let (code, output) = run(r#"  GET "{{base}}/broken-after"
  expect not (json[0].sku exists)
  expect (json[0].sku ?? "none") == "none"
"#);
    assert_eq!(code, 0, "{output}");
}
