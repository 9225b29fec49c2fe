//! Secrets are a property of values (issue 16, docs/reliability.md): a secret with
//! spaces, both quotes, `&`, `+` and a non-ASCII letter goes out in a URL path, a
//! query, a JSON body, a Basic `Authorization` header (the base64 of
//! `user:secret`), a URL's userinfo and a failing `run` command, against the real
//! `rit-demo` started by ritc; and no form it takes on the wire (raw,
//! percent-encoded in every style, JSON-escaped once and twice, `\u`-escaped,
//! base64, shell-quoted, upper-cased) is in anything ritc prints or writes: the
//! terminal with `-v`, `--events`, the five reports, the service-log excerpts and
//! the comment `publish linear` would post.

use base64::Engine as _;
use std::process::{Command, Output};

mod common;
use common::demo::demo_binary;
use common::ports::free_port;
use common::suite::{EVERY_REPORT, Suite, ritc, text};

const SECRET: &str = "it's a \"p@ss\" & +wörd";
/// A URL password that is no `secret`: hidden like a database URL's.
const URL_PASSWORD: &str = "letmein-literal-77";

fn suite_text(port: u16) -> String {
    let demo = demo_binary();
    format!(
        r#"suite "Secrets"

param base = "http://127.0.0.1:{port}"
secret pw = env("RIT_SECRET_PW")

service api = "{demo} serve --port {port}" {{
  env {{ DATABASE_URL: "sqlite://{{{{temp_dir()}}}}/demo.db?mode=rwc" }}
  ready http "{{{{base}}}}/health" within 60s
}}

test "in a path" {{
  GET "{{{{base}}}}/api/users/{{{{pw}}}}"
  expect status == 200
}}

test "in a query" {{
  GET "{{{{base}}}}/api/products?q={{{{pw}}}}"
  expect status == 418
}}

test "in a json body" {{
  POST "{{{{base}}}}/api/users" json {{ name: pw, email: "secret-body@example.com" }}
  expect json.name == "somebody else"
}}

test "in a basic header" {{
  GET "{{{{base}}}}/api/users/me" headers {{ Authorization: "Basic {{{{base64("admin:" + pw)}}}}" }}
  expect status == 200
}}

test "upper-cased" {{
  let shouted = upper(pw)
  expect shouted == "nothing"
}}

test "in the userinfo of a url" {{
  GET "http://admin:{{{{pw}}}}@127.0.0.1:{port}/api/users/me"
  expect status == 200
}}

test "a literal url password" {{
  GET "http://admin:{URL_PASSWORD}@127.0.0.1:{port}/api/users/me"
  expect status == 200
}}

test "in a failing command" {{
  run "echo {{{{pw}}}}; exit 3"
}}

test "cut short in a description" {{
  let padded = "{filler}{{{{pw}}}}"
  expect padded == "nothing"
}}

test "echoed with unicode escapes" {{
  run "python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' {{{{pw}}}}; exit 4"
}}
"#,
        demo = demo.display(),
        // A failure shows about 200 characters of a value: this cut falls inside
        // the secret.
        filler = "x".repeat(180)
    )
}

/// Every spelling of the secret that a request, a response, a log or a report
/// could carry, by name.
fn wire_forms() -> Vec<(&'static str, String)> {
    let mut path_url = url::Url::parse("http://host/api/users/").unwrap();
    path_url.path_segments_mut().unwrap().pop().push(SECRET);
    let path_segment = path_url.path().rsplit('/').next().unwrap().to_string();
    let raw_path = url::Url::parse(&format!("http://host/api/users/{SECRET}")).unwrap();
    let raw_query = url::Url::parse(&format!("http://host/?q={SECRET}")).unwrap();
    let userinfo = url::Url::parse(&format!(
        "http://admin:{}@host/",
        percent_encoding::utf8_percent_encode(SECRET, percent_encoding::NON_ALPHANUMERIC)
    ))
    .unwrap();
    let json = serde_json::to_string(SECRET).unwrap();
    let json_inner = json.trim_matches('"').to_string();
    let twice = serde_json::to_string(&json_inner).unwrap();
    let ascii_json: String = json_inner
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\u{:04x}", c as u32)
            }
        })
        .collect();
    let base64 = base64::engine::general_purpose::STANDARD;
    vec![
        ("raw", SECRET.to_string()),
        (
            "percent-encoded",
            percent_encoding::utf8_percent_encode(SECRET, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        ),
        ("percent-encoded, lower-case hex", {
            percent_encoding::utf8_percent_encode(SECRET, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
                .split('%')
                .enumerate()
                .map(|(index, piece)| {
                    if index == 0 {
                        piece.to_string()
                    } else {
                        let (hex, rest) = piece.split_at(2);
                        format!("%{}{rest}", hex.to_lowercase())
                    }
                })
                .collect()
        }),
        ("path segment", path_segment),
        (
            "path as reqwest sends it",
            raw_path
                .path()
                .trim_start_matches("/api/users/")
                .to_string(),
        ),
        (
            "query as reqwest sends it",
            raw_query
                .query()
                .unwrap()
                .trim_start_matches("q=")
                .to_string(),
        ),
        (
            "form-encoded",
            url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect(),
        ),
        ("userinfo", userinfo.password().unwrap().to_string()),
        ("JSON-escaped", json_inner.clone()),
        ("JSON-escaped twice", twice.trim_matches('"').to_string()),
        ("\\u-escaped", ascii_json.clone()),
        (
            "\\u-escaped twice",
            serde_json::to_string(&ascii_json)
                .unwrap()
                .trim_matches('"')
                .to_string(),
        ),
        ("base64", base64.encode(SECRET)),
        (
            "base64 of user:secret",
            base64.encode(format!("admin:{SECRET}")),
        ),
        (
            "base64 of user:secret, unpadded",
            base64
                .encode(format!("admin:{SECRET}"))
                .trim_end_matches('=')
                .to_string(),
        ),
        ("shell-quoted", SECRET.replace('\'', "'\\''")),
        ("upper-cased", SECRET.to_uppercase()),
        // Pieces: a partly masked secret is a leaked secret.
        ("a piece", "p@ss".to_string()),
        ("an upper-cased piece", "P@SS".to_string()),
        ("a percent-encoded piece", "p%40ss".to_string()),
        ("a non-ASCII piece", "wörd".to_string()),
        ("a percent-encoded non-ASCII piece", "w%C3%B6rd".to_string()),
        ("an escaped non-ASCII piece", "w\\u00f6rd".to_string()),
        ("the literal URL password", URL_PASSWORD.to_string()),
    ]
}

fn ritc_in(suite: &Suite, args: &[&str]) -> Output {
    Command::new(ritc())
        .args(args)
        .current_dir(suite.dir.path())
        .env("NO_COLOR", "1")
        .env("RIT_SECRET_PW", SECRET)
        .output()
        .unwrap()
}

#[test]
fn no_wire_form_of_a_secret_is_in_any_output() {
    let suite = Suite::new();
    suite.file("main.rit", &suite_text(free_port()));
    let run = ritc_in(
        &suite,
        &[
            &["run", "main.rit", "-v", "--events", "jsonl"],
            EVERY_REPORT,
        ]
        .concat(),
    );
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let publish = ritc_in(
        &suite,
        &[
            "publish",
            "linear",
            "--dry-run",
            "--report-file",
            "report.json",
            "main.rit",
        ],
    );
    assert_eq!(publish.status.code(), Some(0), "{}", text(&publish));
    let read = |name: &str| std::fs::read_to_string(suite.dir.path().join(name)).unwrap();
    let outputs = [
        (
            "events (stdout)",
            String::from_utf8_lossy(&run.stdout).into_owned(),
        ),
        (
            "terminal with -v (stderr)",
            String::from_utf8_lossy(&run.stderr).into_owned(),
        ),
        ("yaml", read("report.yaml")),
        ("json", read("report.json")),
        ("junit", read("report.xml")),
        ("tap", read("report.tap")),
        ("html", read("report.html")),
        ("publish linear", text(&publish)),
    ];
    let mut leaks = Vec::new();
    for (output, content) in &outputs {
        for (form, spelling) in wire_forms() {
            if content.contains(&spelling) {
                leaks.push(format!("{form} ({spelling}) in {output}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "leaks:\n{}\n\nterminal:\n{}",
        leaks.join("\n"),
        text(&run)
    );
    // The secret did go out and come back: the tests failed where it was used,
    // and what the server and its log said about it is shown, masked.
    let yaml = read("report.yaml");
    for needle in [
        "no user with id ***",
        "/api/users/***",
        "shouted was \"***\"",
        "Basic ***",
        "json.name was \"***\"",
    ] {
        assert!(
            text(&run).contains(needle) || yaml.contains(needle),
            "{needle} is not shown:\n{}\n{yaml}",
            text(&run)
        );
    }
}

#[test]
fn a_short_secret_is_a_check_warning_and_does_not_mangle_other_output() {
    let suite = Suite::new();
    let port = free_port();
    suite.file(
        "main.rit",
        &format!(
            r#"secret pin = "20"
secret code = env("RIT_SHORT_CODE")

service api = "{demo} serve --port {port}" {{
  env {{ DATABASE_URL: "sqlite://{{{{temp_dir()}}}}/demo.db?mode=rwc" }}
  ready http "http://127.0.0.1:{port}/health" within 60s
}}

test "status" {{
  GET "http://127.0.0.1:{port}/health" headers {{ "X-Pin": pin }}
  expect status == 201
}}
"#,
            demo = demo_binary().display()
        ),
    );
    let check = ritc_in(&suite, &["check", "main.rit"]);
    let check_text = text(&check);
    assert!(
        check_text.contains("warning[W0005]: secret `pin` is too short to mask safely"),
        "{check_text}"
    );
    let run = Command::new(ritc())
        .args(["run", "main.rit", "--events", "jsonl"])
        .args(EVERY_REPORT)
        .current_dir(suite.dir.path())
        .env("NO_COLOR", "1")
        .env("RIT_SHORT_CODE", "7")
        .output()
        .unwrap();
    let all = text(&run);
    assert_eq!(run.status.code(), Some(1), "{all}");
    // Known only at run time, so the run says it: on the terminal, ...
    let warning =
        "secret `code` is shorter than 4 characters: it is not masked in this run's output (W0005)";
    let terminal = String::from_utf8_lossy(&run.stderr);
    assert!(
        terminal.contains(&format!("warning: {warning}")),
        "{terminal}"
    );
    assert!(all.contains("status was 200"), "{all}");
    assert!(!all.contains("***0"), "{all}");
    let read = |name: &str| std::fs::read_to_string(suite.dir.path().join(name)).unwrap();
    let report: serde_json::Value = serde_json::from_str(&read("report.json")).unwrap();
    assert!(report.to_string().contains("status was 200"), "{report}");
    // ... in the reports' warnings, counted like the terminal counts them ...
    let warnings = report["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|line| line == warning), "{report:#}");
    assert_eq!(report["summary"]["warnings"], warnings.len(), "{report:#}");
    let verdict = terminal
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    let count = format!("; {} warning", warnings.len());
    assert!(verdict.contains(&count), "{verdict}: {report:#}");
    for file in ["report.yaml", "report.tap", "report.html"] {
        assert!(read(file).contains("secret `code` is shorter"), "{file}");
    }
    // ... and in the events, as a problem that does not fail the run.
    let events = String::from_utf8_lossy(&run.stdout);
    let problem: serde_json::Value = events
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|event| event["type"] == "run_problem" && event["message"] == warning)
        .unwrap_or_else(|| panic!("no run_problem event: {events}"));
    assert_eq!(problem["fails_run"], false, "{problem}");
}

#[test]
fn a_value_made_from_a_secret_is_masked_in_a_usage_error() {
    let suite = Suite::new();
    suite.file(
        "main.rit",
        "secret pw = env(\"RIT_SECRET_PW\")\nlet shouted = upper(pw)\nlet number = int(shouted)\n\ntest \"never runs\" {\n  expect number == 1\n}\n",
    );
    let run = ritc_in(&suite, &["run", "main.rit"]);
    let all = text(&run);
    assert_eq!(run.status.code(), Some(2), "{all}");
    assert!(all.contains("cannot compute `number`"), "{all}");
    for (form, spelling) in wire_forms() {
        assert!(!all.contains(&spelling), "{form} ({spelling}) in:\n{all}");
    }
}

#[test]
fn each_text_inside_a_secret_object_or_json_is_secret() {
    let suite = Suite::new();
    suite.file(
        "main.rit",
        r#"secret creds = env("RIT_SECRET_CREDS")
secret login = { user: "bob", password: env("RIT_PLAIN_PW") }

test "a text of a secret json" {
  let password = json(creds).password
  expect password == "nothing"
}

test "a field of a secret object" {
  expect login.password == "nothing"
}
"#,
    );
    let run = Command::new(ritc())
        .args(["run", "main.rit", "--report", "json=report.json"])
        .current_dir(suite.dir.path())
        .env("NO_COLOR", "1")
        .env(
            "RIT_SECRET_CREDS",
            r#"{"user":"bob","password":"hunter2-in-json"}"#,
        )
        .env("RIT_PLAIN_PW", "object-field-pw")
        .output()
        .unwrap();
    let report = std::fs::read_to_string(suite.dir.path().join("report.json")).unwrap();
    let all = format!("{}{report}", text(&run));
    assert_eq!(run.status.code(), Some(1), "{all}");
    for leaked in ["hunter2", "object-field"] {
        assert!(!all.contains(leaked), "{leaked} in:\n{all}");
    }
    assert!(all.contains("password was \"***\""), "{all}");
    assert!(all.contains("login.password was \"***\""), "{all}");
}

/// `as_secret` makes a value a step returned a secret (Hurl's `redact`): a
/// failure that shows it shows `***`; the same file without it shows the value.
#[test]
fn a_value_made_secret_by_as_secret_is_masked() {
    let source = r#"test "token" {
  run "echo tok-7f3a9c-from-a-step"
  let token = as_secret(trim(stdout))
  expect token == "nothing"
}
"#;
    let suite = Suite::new();
    suite.file("main.rit", source);
    let run = ritc_in(&suite, &["run", "main.rit", "--report", "json=report.json"]);
    let report = std::fs::read_to_string(suite.dir.path().join("report.json")).unwrap();
    let all = format!("{}{report}", text(&run));
    assert_eq!(run.status.code(), Some(1), "{all}");
    assert!(!all.contains("7f3a9c"), "{all}");
    assert!(all.contains("token was \"***\""), "{all}");
    suite.file(
        "main.rit",
        &source.replace("as_secret(trim(stdout))", "trim(stdout)"),
    );
    let run = ritc_in(&suite, &["run", "main.rit"]);
    assert!(
        text(&run).contains("tok-7f3a9c-from-a-step"),
        "{}",
        text(&run)
    );
}
