//! Determinism (issue 11, docs/reliability.md): the examples run twice against a
//! fresh demo service give the same verdicts, and `--jobs 4` gives the same
//! verdicts as `--jobs 1`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

mod common;
use common::demo::fresh_demo_params;
use common::suite::ritc;

const EXAMPLES: &[&str] = &[
    "health.rit",
    "auth_flow.rit",
    "microservices.rit",
    "upload.rit",
    "webhooks.rit",
    "checkpoints.rit",
    "database.rit",
    "websocket.rit",
];

/// One run of the examples with `--jobs N`, each run starting its own demo
/// service on fresh ports with a fresh database: the verdict of every test by
/// its full name, and the exit code.
fn verdicts(jobs: &str) -> (BTreeMap<String, char>, Option<i32>, String) {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let output = Command::new(ritc())
        .arg("run")
        .args(EXAMPLES)
        .args(["--jobs", jobs])
        .args(fresh_demo_params())
        .current_dir(&examples)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut verdicts = BTreeMap::new();
    for line in all.lines() {
        let mut chars = line.chars();
        let Some(mark) = chars.next() else { continue };
        if !matches!(mark, '✓' | '✗') || chars.next() != Some(' ') {
            continue;
        }
        // "✓ Suite / Test (12ms)": the name without the duration.
        let rest = chars.as_str();
        let name = rest.rsplit_once(" (").map_or(rest, |(name, _)| name);
        let previous = verdicts.insert(name.to_string(), mark);
        assert!(previous.is_none(), "{name} reported twice: {all}");
    }
    (verdicts, output.status.code(), all)
}

#[test]
fn the_examples_give_the_same_verdicts_twice_and_with_four_jobs() {
    let (first, first_code, first_text) = verdicts("1");
    assert_eq!(first_code, Some(0), "{first_text}");
    // Every example contributed a verdict.
    for suite in [
        "Service Health /",
        "Authentication Flow /",
        "Orders reach the inventory /",
        "File upload /",
        "Twilio status webhook /",
        "Pipeline checkpoints /",
        "Data persistence /",
        "WebSocket /",
    ] {
        assert!(
            first.keys().any(|name| name.starts_with(suite)),
            "no verdict from {suite}: {first_text}"
        );
    }
    let (second, second_code, second_text) = verdicts("1");
    assert_eq!(second_code, first_code, "{second_text}");
    assert_eq!(second, first, "a second run differs: {second_text}");
    let (parallel, parallel_code, parallel_text) = verdicts("4");
    assert_eq!(parallel_code, first_code, "{parallel_text}");
    assert_eq!(parallel, first, "--jobs 4 differs: {parallel_text}");
}
