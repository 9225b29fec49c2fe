//! A run that would test nothing is a usage error (issue 15, bullet 4): a
//! selector that matches nothing, an empty folder, an empty shard, and flag
//! values that cannot work (`--jobs 0`, `--timeout 0s`) exit 2 before any
//! service starts, naming what was asked for and what exists.

mod common;

use common::suite::{Suite, text};

/// A service that would leave `service-started` behind, and tests in two
/// stages.
fn pipeline(suite: &Suite) {
    suite.file(
        "pipeline.rit",
        r#"service marker = "touch service-started; exec sleep 30"
test "alpha" tags ["smoke"] {
  run "true"
  expect exit == 0
}
checkpoint "API Ready" stage "build" on failure stop {
  test "beta" {
    run "true"
    expect exit == 0
  }
}
checkpoint "Frontend" stage "deploy" on failure continue {
  test "gamma" {
    run "true"
    expect exit == 0
  }
}
"#,
    );
}

/// Runs `pipeline.rit` with `args`: exit 2, nothing started; the error text.
fn refused(suite: &Suite, args: &[&str]) -> String {
    let mut all = vec!["pipeline.rit"];
    all.extend_from_slice(args);
    let output = suite.run(&all);
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {shown}");
    assert!(
        !suite.dir.path().join("service-started").exists(),
        "{args:?} started the service: {shown}"
    );
    assert!(!shown.contains("PASSED"), "{args:?}: {shown}");
    shown
}

#[test]
fn a_misspelt_stage_or_checkpoint_is_a_usage_error_with_a_did_you_mean() {
    let suite = Suite::new();
    pipeline(&suite);
    let stage = refused(&suite, &["--stage", "biuld"]);
    assert!(
        stage.contains(r#"no stage "biuld"; did you mean "build"?"#),
        "{stage}"
    );
    assert!(stage.contains(r#"stages: "build", "deploy""#), "{stage}");
    let checkpoint = refused(&suite, &["--checkpoint", "API Raedy"]);
    assert!(
        checkpoint.contains(r#"no checkpoint "API Raedy"; did you mean "API Ready"?"#),
        "{checkpoint}"
    );
    assert!(
        checkpoint.contains(r#"checkpoints: "API Ready", "Frontend""#),
        "{checkpoint}"
    );
}

#[test]
fn a_glob_or_tag_that_matches_nothing_is_a_usage_error_naming_it() {
    let suite = Suite::new();
    pipeline(&suite);
    let glob = refused(&suite, &["--test", "delta*"]);
    assert!(
        glob.contains(r#"no test matches --test "delta*""#),
        "{glob}"
    );
    assert!(glob.contains("the files hold 3 tests"), "{glob}");
    let tag = refused(&suite, &["--tag", "slow"]);
    assert!(tag.contains(r#"no test matches --tag "slow""#), "{tag}");
    // Each selector exists, but together they keep nothing.
    let both = refused(&suite, &["--stage", "build", "--tag", "smoke"]);
    assert!(
        both.contains(r#"no test matches --tag "smoke" and --stage "build""#),
        "{both}"
    );
}

#[test]
fn an_empty_folder_or_a_file_without_tests_is_a_usage_error() {
    let suite = Suite::new();
    std::fs::create_dir(suite.dir.path().join("empty")).unwrap();
    let output = suite.run(&["empty"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("no .rit files in empty"),
        "{}",
        text(&output)
    );
    suite.file(
        "no-tests.rit",
        "service marker = \"touch service-started; exec sleep 30\"\n",
    );
    let output = suite.run(&["no-tests.rit"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("the files hold no tests"),
        "{}",
        text(&output)
    );
    assert!(!suite.dir.path().join("service-started").exists());
}

#[test]
fn a_shard_without_tests_is_a_usage_error() {
    let suite = Suite::new();
    pipeline(&suite);
    let shown = refused(&suite, &["--shard", "3/4"]);
    assert!(
        shown.contains("shard 3/4 has no tests: the selection has 3 tests in 3 units"),
        "{shown}"
    );
}

#[test]
fn impossible_flag_values_are_usage_errors() {
    let suite = Suite::new();
    pipeline(&suite);
    let jobs = refused(&suite, &["--jobs", "0"]);
    assert!(jobs.contains("--jobs"), "{jobs}");
    let timeout = refused(&suite, &["--timeout", "0s"]);
    assert!(timeout.contains("--timeout"), "{timeout}");
    assert!(timeout.contains("no time at all"), "{timeout}");
}

#[test]
fn a_shard_keeps_a_checkpoints_tests_together() {
    let suite = Suite::new();
    suite.file(
        "split.rit",
        r#"test "before" {
  run "true"
  expect exit == 0
}
checkpoint "Gate" on failure stop {
  test "gate one" {
    run "true"
    expect exit == 0
  }
  test "gate two" {
    run "true"
    expect exit == 0
  }
}
test "after" {
  run "true"
  expect exit == 0
}
"#,
    );
    let ran = |shard: &str| {
        let output = suite.run(&["split.rit", "--shard", shard]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        let shown = text(&output);
        ["before", "gate one", "gate two", "after"]
            .into_iter()
            .filter(|name| shown.contains(&format!("/ {name} (")))
            .collect::<Vec<_>>()
    };
    assert_eq!(ran("0/2"), ["before", "after"]);
    assert_eq!(ran("1/2"), ["gate one", "gate two"]);
}
