//! The published JSON Schemas (docs/schemas/) hold for real output (issue 21): a
//! run against the demo service with a bit of everything (tests/schemas/variety.rit)
//! writes a JSON report and an `--events jsonl` stream, `ritc merge` merges the
//! report, and every document validates. The schemas can fail: broken copies of
//! the same documents are rejected.

use jsonschema::{Retrieve, Uri, Validator};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::demo::fresh_demo_params;
use common::suite::{ritc, text};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema(name: &str) -> Value {
    let path = root().join("docs/schemas").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()))
}

/// The events schema refers to the report schema's definitions by its `$id`;
/// this serves it from the repository instead of the network.
struct RepositorySchemas;

impl Retrieve for RepositorySchemas {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or_default();
        let path = root().join("docs/schemas").join(name);
        let text = std::fs::read_to_string(&path).map_err(|error| format!("{uri}: {error}"))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn validator(name: &str) -> Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(RepositorySchemas)
        .build(&schema(name))
        .unwrap_or_else(|error| panic!("{name} does not compile: {error}"))
}

fn errors(validator: &Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

/// What one run of the variety suite wrote: the JSON report, the events, the
/// report merged by `ritc merge`.
struct Outputs {
    report: Value,
    events: Vec<Value>,
    merged: Value,
}

fn run_the_variety_suite(folder: &Path) -> Outputs {
    std::fs::copy(root().join("examples/demo.rit"), folder.join("demo.rit")).unwrap();
    std::fs::copy(
        root().join("tests/schemas/variety.rit"),
        folder.join("variety.rit"),
    )
    .unwrap();
    let output = Command::new(ritc())
        .args(["run", "variety.rit", "-v", "--events", "jsonl"])
        .args(["--report", "json=report.json"])
        .args(fresh_demo_params())
        .current_dir(folder)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    // The suite fails on purpose (two failed tests): exit 1, not 2.
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let events = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{line}: {error}")))
        .collect();
    let merge = Command::new(ritc())
        .args(["merge", "report.json", "--report", "json=merged.json"])
        .current_dir(folder)
        .output()
        .unwrap();
    assert_eq!(merge.status.code(), Some(1), "{}", text(&merge));
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(folder.join(name)).unwrap()).unwrap()
    };
    Outputs {
        report: read("report.json"),
        events,
        merged: read("merged.json"),
    }
}

#[test]
fn real_reports_and_events_validate_and_broken_ones_do_not() {
    let folder = tempfile::tempdir().unwrap();
    let outputs = run_the_variety_suite(folder.path());
    let report_schema = validator("report.schema.json");
    let events_schema = validator("events.schema.json");

    // The run had what the schemas describe: every test status but interrupted,
    // a load, both kinds of checkpoint, a skipped test.
    let summary = &outputs.report["summary"];
    for bucket in ["passed", "failed", "skipped", "warned"] {
        assert!(
            summary[bucket].as_u64() > Some(0),
            "no {bucket} test: {summary}"
        );
    }
    for (name, document) in [("report", &outputs.report), ("merged", &outputs.merged)] {
        let found = errors(&report_schema, document);
        assert!(
            found.is_empty(),
            "the {name} does not validate:\n{}",
            found.join("\n")
        );
    }
    let known: Vec<String> = schema("events.schema.json")["$defs"]["known_types"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap().to_string())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for event in &outputs.events {
        let found = errors(&events_schema, event);
        assert!(found.is_empty(), "{event}\n{}", found.join("\n"));
        let kind = event["type"].as_str().unwrap().to_string();
        assert!(known.contains(&kind), "the schema does not know {kind}");
        seen.insert(kind);
    }
    for kind in [
        "run_started",
        "service_starting",
        "service_ready",
        "test_started",
        "step_started",
        "step_finished",
        "expectation_failed",
        "exchange",
        "test_finished",
        "checkpoint_settled",
        "service_usage",
        "run_finished",
    ] {
        assert!(seen.contains(kind), "the run wrote no {kind} event");
    }

    // Broken copies are rejected: a count that is not a number, an unknown test
    // status, a failure without its line, an event whose status is unknown.
    let mut broken = outputs.report.clone();
    broken["summary"]["passed"] = Value::from("two");
    assert!(!errors(&report_schema, &broken).is_empty());
    let mut broken = outputs.report.clone();
    broken["tests"][0]["status"] = Value::from("green");
    assert!(!errors(&report_schema, &broken).is_empty());
    let mut broken = outputs.report.clone();
    let failed = first_failed_test(&mut broken);
    failed["failure"].as_object_mut().unwrap().remove("line");
    assert!(!errors(&report_schema, &broken).is_empty());
    let mut broken = outputs.report.clone();
    let failed = first_failed_test(&mut broken);
    failed["failure"]["cause"] = Value::from("gremlins");
    assert!(!errors(&report_schema, &broken).is_empty());
    let mut event = outputs
        .events
        .iter()
        .find(|event| event["type"] == "run_finished")
        .unwrap()
        .clone();
    event["status"] = Value::from("GREEN");
    assert!(!errors(&events_schema, &event).is_empty());
}

/// The schema's words for a failure's `kind` and `cause` and a problem's `cause`
/// are the code's, every one of them and no other.
#[test]
fn the_failure_words_of_the_schema_are_the_codes() {
    use ritc::failure::{Cause, FailureKind, ProblemCause};
    let report = schema("report.schema.json");
    let words = |pointer: &str| -> Vec<String> {
        report
            .pointer(pointer)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("report.schema.json has no {pointer}"))
            .iter()
            .map(|word| word.as_str().unwrap().to_string())
            .collect()
    };
    let of = |values: Vec<Value>| -> Vec<String> {
        values
            .into_iter()
            .map(|value| value.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        words("/$defs/failure/properties/kind/enum"),
        FailureKind::ALL
            .iter()
            .map(|kind| kind.as_str().to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        words("/$defs/failure/properties/cause/enum"),
        of(Cause::ALL
            .iter()
            .map(|cause| serde_json::to_value(cause).unwrap())
            .collect())
    );
    assert_eq!(
        words("/$defs/problem/properties/cause/enum"),
        of(ProblemCause::ALL
            .iter()
            .map(|cause| serde_json::to_value(cause).unwrap())
            .collect())
    );
}

/// The first test of a report that has a failure record.
fn first_failed_test(report: &mut Value) -> &mut Value {
    report["tests"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|test| test["failure"].is_object())
        .unwrap()
}
