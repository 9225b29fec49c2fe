//! `ritc list`, run as the real binary on the normative examples: suites, tests with
//! tags and file:line, checkpoints with stage and failure action, services, params
//! with defaults and secrets masked; the JSON shape of docs/cli.md.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn ritc() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ritc"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    command
}

fn list_json(paths: &[&str]) -> Value {
    let output = ritc()
        .arg("list")
        .args(["--format", "json"])
        .args(paths)
        .output()
        .expect("ritc runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("ritc list prints JSON")
}

fn find<'a>(items: &'a Value, name: &str) -> &'a Value {
    items
        .as_array()
        .and_then(|items| items.iter().find(|item| item["name"] == name))
        .unwrap_or_else(|| panic!("no `{name}` in {items}"))
}

#[test]
fn checkpoints_stages_and_tests_with_their_lines() {
    let listing = list_json(&["examples/checkpoints.rit"]);
    let suite = &listing["suites"][0];
    assert_eq!(suite["name"], "Pipeline checkpoints");
    assert_eq!(suite["file"], "examples/checkpoints.rit");
    assert_eq!(
        listing["stages"],
        serde_json::json!(["post-backend", "post-frontend"])
    );

    let checkpoint = find(&suite["checkpoints"], "API Ready");
    assert_eq!(checkpoint["stage"], "post-backend");
    assert_eq!(checkpoint["on_failure"], "stop");
    assert_eq!(checkpoint["line"], 4);
    assert_eq!(checkpoint["tests"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        find(&suite["checkpoints"], "Frontend Ready")["on_failure"],
        "warn"
    );

    let test = find(&suite["tests"], "Server responds to health check");
    assert_eq!(test["file"], "examples/checkpoints.rit");
    assert_eq!(test["line"], 5);
    assert_eq!(test["timeout"], "5s");
    assert_eq!(test["retry"], "3");
    assert_eq!(test["checkpoint"], "API Ready");
    assert_eq!(test["skip"], Value::Null);
}

#[test]
fn services_and_params_of_imported_modules_with_secrets_masked() {
    let listing = list_json(&["examples/auth_flow.rit"]);
    let api = find(&listing["services"], "api");
    assert_eq!(api["file"], "examples/demo.rit");
    assert_eq!(
        api["command"],
        "{{demo}} serve --port {{port}} --inventory-url {{inventory}}"
    );
    assert_eq!(api["ready"]["probe"], "http");
    assert_eq!(api["ready"]["target"], "{{base}}/health");
    assert_eq!(api["ready"]["within"], "60s");

    let port = find(&listing["params"], "port");
    assert_eq!(port["kind"], "param");
    assert_eq!(port["type"], "int");
    assert_eq!(port["default"], "3000");
    assert_eq!(port["required"], false);
    assert_eq!(port["env"], "RIT_PARAM_PORT");

    let password = find(&listing["params"], "password");
    assert_eq!(password["kind"], "secret");
    assert_eq!(password["default"], "***");
    assert_eq!(password["env"], Value::Null);
    let text = listing.to_string();
    assert!(
        !text.contains("secure123"),
        "a secret's value is listed: {text}"
    );
    // Top-level `let`s cannot be overridden: not listed.
    assert!(
        listing["params"]
            .as_array()
            .is_some_and(|params| params.iter().all(|p| p["name"] != "email"))
    );
}

#[test]
fn tags_skip_required_params_and_the_human_format() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file: PathBuf = dir.path().join("tagged.rit");
    std::fs::write(
        &file,
        "param token: string\nsecret key = env(\"KEY\", \"hunter2\")\n\n\
         test \"smoke\" tags [\"smoke\", \"auth\"] retry 2 every 1s {\n  GET \"http://127.0.0.1:1/{{token}}\"\n  expect status == 200\n}\n\n\
         test \"later\" skip \"not yet\" {\n  GET \"http://127.0.0.1:1/\"\n  expect status == 200\n}\n",
    )
    .expect("write");
    let path = file.display().to_string();
    let listing = list_json(&[&path]);
    let suite = &listing["suites"][0];
    assert_eq!(suite["name"], "tagged");
    let smoke = find(&suite["tests"], "smoke");
    assert_eq!(smoke["tags"], serde_json::json!(["smoke", "auth"]));
    assert_eq!(smoke["retry_every"], "1s");
    assert_eq!(smoke["line"], 4);
    assert_eq!(find(&suite["tests"], "later")["skip"], "not yet");
    let token = find(&listing["params"], "token");
    assert_eq!(token["required"], true);
    assert_eq!(token["default"], Value::Null);
    assert_eq!(token["type"], "string");

    let output: Output = ritc().arg("list").arg(&file).output().expect("ritc runs");
    assert_eq!(output.status.code(), Some(0));
    let human = String::from_utf8_lossy(&output.stdout);
    assert!(
        human.contains(&format!(
            "test \"smoke\"  {path}:4  (tags smoke, auth; retry 2 every 1s)"
        )),
        "{human}"
    );
    assert!(
        human.contains("param token: string (required)  RIT_PARAM_TOKEN"),
        "{human}"
    );
    assert!(human.contains("secret key = ***"), "{human}");
    assert!(!human.contains("hunter2"), "{human}");
}

#[test]
fn files_with_errors_are_not_listed() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("broken.rit");
    std::fs::write(&file, "test \"a\" {\n  expect nope == 1\n}\n").expect("write");
    let output = ritc().arg("list").arg(&file).output().expect("ritc runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("E0201"));

    let output = ritc()
        .args(["list", "no/such/file.rit"])
        .output()
        .expect("ritc runs");
    assert_eq!(output.status.code(), Some(2));
}
