//! `--param` text read as the type the checker gave the param (issue 17, 6):
//! declared or inferred, scalars as a script writes them, json and lists as JSON;
//! a value that is not of that type is a usage error naming the param, and a
//! type text cannot hold is a check error at the `param` line (E0320).

mod common;
use common::suite::{Suite, text};

const TYPED: &str = r#"param count = 1
param ratio: number = 0.5
param wait: duration = 1s
param share = 10%
param ids: list<int> = [1]
param settings: json = {}
param label: string
test "params" {
  expect count + 1 == 4
  expect ratio == 2
  expect wait == 250ms
  expect share == 25%
  expect ids == [3, 4]
  expect settings.mode == "fast"
  expect label == "3"
}
"#;

#[test]
fn each_param_is_read_as_its_checked_type() {
    let suite = Suite::new();
    suite.file("typed.rit", TYPED);
    let output = suite.run(&[
        "typed.rit",
        "--param",
        "count=3",
        "--param",
        "ratio=2",
        "--param",
        "wait=250ms",
        "--param",
        "share=25%",
        "--param",
        "ids=[3, 4]",
        "--param",
        r#"settings={"mode": "fast"}"#,
        "--param",
        "label=3",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[test]
fn a_value_that_is_not_of_the_type_is_a_usage_error() {
    let suite = Suite::new();
    suite.file("typed.rit", TYPED);
    for (given, complaint) in [
        ("count=3.5", "is not an int"),
        ("wait=250", "is not a duration"),
        ("ids=[3, \"x\"]", "is not a list<int>"),
        ("ids=3,4", "is not JSON"),
    ] {
        let output = suite.run(&["typed.rit", "--param", "label=x", "--param", given]);
        assert_eq!(output.status.code(), Some(2), "{given}: {}", text(&output));
        assert!(
            text(&output).contains(complaint),
            "{given}: {}",
            text(&output)
        );
    }
}

/// The param's type comes from the checker, not from the text of an annotation:
/// an inferred list is read as JSON, not kept as a string.
#[test]
fn an_inferred_type_is_read_too() {
    let suite = Suite::new();
    suite.file(
        "inferred.rit",
        "param ids = [1, 2]\ntest \"t\" {\n  expect len(ids) == 3\n  expect ids[2] + 1 == 4\n}\n",
    );
    let output = suite.run(&["inferred.rit", "--param", "ids=[1, 2, 3]"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[test]
fn a_param_of_a_type_text_cannot_hold_is_a_check_error() {
    let suite = Suite::new();
    suite.file(
        "db.rit",
        "param db = database(\"sqlite://x.db\")\ntest \"t\" {\n  sql db \"SELECT 1 AS one\"\n  expect rows[0].one == 1\n}\n",
    );
    let output = suite.run(&["db.rit"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let all = text(&output);
    assert!(all.contains("E0320"), "{all}");
    assert!(all.contains("db.rit:1:7"), "{all}");
    assert!(all.contains("declare `param db_url: string`"), "{all}");
}
