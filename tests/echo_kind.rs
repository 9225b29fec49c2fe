//! The proof of docs/ARCHITECTURE.md, "Adding a step kind": `echo` (src/steps/echo/,
//! compiled with the `test-kinds` feature that the dev-dependency on this package
//! turns on for the tests) was added as that section says, its folder and its two
//! lines, and nothing else in src/ knows it (tests/tidy.rs checks that). The real
//! `ritc` binary checks its steps (clauses and target against its schema, an
//! unknown word refused), runs them, reports them in the JSON report, points a
//! failure at the right line and formats them; tests/lsp.rs has the language
//! server offer and describe them.

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

fn ritc(folder: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ritc"))
        .args(args)
        .current_dir(folder)
        .env("NO_COLOR", "1")
        .output()
        .expect("run ritc")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn folder_with(name: &str, source: &str) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join(name), source).unwrap();
    folder
}

/// Echo steps one after the other (a clause never eats the next one), a kept
/// result, its fields in scope after the step, and clauses on the next line.
const GREEN: &str = r#"test "echo" {
  echo "hello" timeout 1s
  expect text == "hello"
  expect length == 5
  let kept = echo "héllo wörld"
    delay 10ms
  echo "{{kept.text}}!"
  expect text == "héllo wörld!"
  expect kept.length == 11
}
"#;

#[test]
fn a_file_of_echo_steps_checks_clean_and_runs_green() {
    let folder = folder_with("echo.rit", GREEN);
    let checked = ritc(folder.path(), &["check", "echo.rit"]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked));
    assert!(
        text(&checked).contains("0 errors, 0 warnings"),
        "{}",
        text(&checked)
    );
    let run = ritc(folder.path(), &["run", "echo.rit"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert!(text(&run).contains("1 passed, 0 failed"), "{}", text(&run));
    assert!(!text(&run).contains("< hello"), "{}", text(&run));
    // `-v` shows what each step exchanged, as the kind wrote it.
    let verbose = ritc(folder.path(), &["run", "echo.rit", "-v"]);
    assert_eq!(verbose.status.code(), Some(0), "{}", text(&verbose));
    assert!(
        text(&verbose).contains("echo\n    < hello\n"),
        "{}",
        text(&verbose)
    );
    assert!(
        text(&verbose).contains("< héllo wörld!"),
        "{}",
        text(&verbose)
    );
}

#[test]
fn a_wrong_expectation_on_its_fields_fails_at_its_line() {
    let source = "test \"echo\" {\n  echo \"hello\"\n  expect length == 4\n}\n";
    let folder = folder_with("wrong.rit", source);
    let run = ritc(folder.path(), &["run", "wrong.rit"]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let output = text(&run);
    assert!(output.contains("length == 4: length was 5"), "{output}");
    assert!(output.contains("wrong.rit:3:3"), "{output}");
}

#[test]
fn a_step_that_fails_is_named_at_its_own_line() {
    let source = "test \"slow\" {\n  let n = 1\n  echo \"late\" delay 5s timeout 50ms\n  expect text == \"late\"\n}\n";
    let folder = folder_with("slow.rit", source);
    let run = ritc(folder.path(), &["run", "slow.rit"]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let output = text(&run);
    assert!(
        output.contains("echo did not answer within 50ms"),
        "{output}"
    );
    assert!(output.contains("slow.rit:3:3"), "{output}");
}

#[test]
fn the_json_report_holds_its_steps_and_their_failure() {
    let source = "test \"ok\" {\n  echo \"a\"\n  expect length == 1\n}\n\ntest \"slow\" {\n  echo \"b\" delay 5s timeout 20ms\n  expect length == 1\n}\n";
    let folder = folder_with("report.rit", source);
    let run = ritc(folder.path(), &["run", "report.rit", "--report", "json=-"]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let report: Value = serde_json::from_slice(&run.stdout).expect("a JSON report on stdout");
    let tests = report["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2);
    assert_eq!(tests[0]["status"], json!("passed"));
    assert_eq!(tests[0]["steps"][0]["description"], json!("echo a"));
    assert_eq!(tests[0]["steps"][0]["line"], json!(2));
    assert_eq!(tests[0]["steps"][0]["error"], Value::Null);
    assert_eq!(tests[1]["status"], json!("failed"));
    assert_eq!(tests[1]["steps"][0]["description"], json!("echo b"));
    assert_eq!(
        tests[1]["steps"][0]["error"],
        json!("echo did not answer within 20ms")
    );
    assert_eq!(tests[1]["failure"]["kind"], json!("timeout"));
    assert_eq!(tests[1]["failure"]["line"], json!(7));
}

#[test]
fn its_schema_is_checked_before_anything_runs() {
    let source = "test \"bad\" {\n  echo \"a\" speed 3\n  expect length == 1\n  echo 42\n  expect text == 1\n}\n";
    let folder = folder_with("bad.rit", source);
    let checked = ritc(folder.path(), &["check", "bad.rit"]);
    assert_eq!(checked.status.code(), Some(1), "{}", text(&checked));
    let output = text(&checked);
    // An unknown clause, with the clauses the kind takes.
    assert!(
        output.contains("error[E0401]: `echo` steps take no `speed`"),
        "{output}"
    );
    assert!(
        output.contains("`echo` steps take: delay, timeout"),
        "{output}"
    );
    assert!(output.contains("bad.rit:2:12"), "{output}");
    // The target's type and the fields' types come from its schema too.
    assert!(
        output.contains("error[E0314]: the step's target takes a string, not an int"),
        "{output}"
    );
    assert!(output.contains("bad.rit:4:8"), "{output}");
    assert!(
        output.contains("error[E0301]: `==` compares a string with an int"),
        "{output}"
    );
    assert!(output.contains("bad.rit:5:18"), "{output}");
    assert!(output.contains("3 errors"), "{output}");
    // Refused before running: nothing ran.
    let run = ritc(folder.path(), &["run", "bad.rit"]);
    assert_ne!(run.status.code(), Some(0), "{}", text(&run));
    assert!(!text(&run).contains("passed"), "{}", text(&run));
}

#[test]
fn a_word_that_begins_no_kind_is_refused_with_the_nearest_one() {
    let source = "test \"typo\" {\n  ecoh \"a\"\n  expect true\n}\n";
    let folder = folder_with("typo.rit", source);
    let checked = ritc(folder.path(), &["check", "typo.rit"]);
    assert_eq!(checked.status.code(), Some(1), "{}", text(&checked));
    let output = text(&checked);
    assert!(
        output.contains("error[E0416]: unknown step kind `ecoh`"),
        "{output}"
    );
    assert!(output.contains("did you mean `echo`?"), "{output}");
    assert!(output.contains("typo.rit:2:3"), "{output}");
}

#[test]
fn fmt_keeps_its_steps() {
    let messy =
        "test \"echo\" {\n  echo   \"hello\"    timeout   1s\n  expect text == \"hello\"\n}\n";
    let tidy = "test \"echo\" {\n  echo \"hello\" timeout 1s\n  expect text == \"hello\"\n}\n";
    let folder = folder_with("fmt.rit", messy);
    let formatted = ritc(folder.path(), &["fmt", "fmt.rit"]);
    assert_eq!(formatted.status.code(), Some(0), "{}", text(&formatted));
    let after = std::fs::read_to_string(folder.path().join("fmt.rit")).unwrap();
    assert_eq!(after, tidy);
    std::fs::write(folder.path().join("green.rit"), GREEN).unwrap();
    let check = ritc(folder.path(), &["fmt", "--check", "green.rit"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

/// The shapes a kind declares in its schema (`StepSchema::operations`, `Shape`),
/// with nothing outside its folder knowing them: operation words (`upper`,
/// `lower`), and `join`, which takes a string after the target and a block whose
/// statements run through the interpreter, ordinary steps and expectations among
/// the kind's own `say`. A name after the kind's word that does not read as an
/// operation (`echo word + "!"`) is the start of the target.
const SHAPES: &str = r#"test "shapes" {
  echo upper "hello"
  expect text == "HELLO"
  echo lower "HeLLo" timeout 1s
  expect text == "hello"
  let joined = echo join "a" ", " {
    say "b"
    echo "c"
    expect text == "c"
    say "{{text}}!"
  }
  expect text == "a, b, c!"
  expect joined.length == 8
  let word = "hi"
  echo word + "!"
  expect text == "hi!"
}
"#;

#[test]
fn its_operations_string_and_block_check_clean_and_run_green() {
    let folder = folder_with("shapes.rit", SHAPES);
    let checked = ritc(folder.path(), &["check", "shapes.rit"]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked));
    assert!(
        text(&checked).contains("0 errors, 0 warnings"),
        "{}",
        text(&checked)
    );
    let run = ritc(folder.path(), &["run", "shapes.rit", "--report", "json=-"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let report: Value = serde_json::from_slice(&run.stdout).expect("a JSON report on stdout");
    let test = &report["tests"][0];
    assert_eq!(test["status"], json!("passed"));
    let steps: Vec<&str> = test["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|step| step["description"].as_str())
        .collect();
    // A step is listed when it ends: the block's before the `join` around it.
    assert_eq!(
        steps,
        [
            "echo upper hello",
            "echo lower HeLLo",
            "echo c",
            "echo join a",
            "echo hi!",
        ],
        "{test}"
    );
    let listed = ritc(folder.path(), &["list", "shapes.rit"]);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed));
    assert!(text(&listed).contains("shapes"), "{}", text(&listed));
}

#[test]
fn a_failing_expectation_inside_its_block_fails_the_test_at_its_line() {
    let source = "test \"red\" {\n  echo join \"a\" \"-\" {\n    echo \"b\"\n    expect length == 2\n    say \"b\"\n  }\n  expect text == \"a-b\"\n}\n";
    let folder = folder_with("red.rit", source);
    let run = ritc(folder.path(), &["run", "red.rit"]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let output = text(&run);
    assert!(output.contains("length == 2: length was 1"), "{output}");
    assert!(output.contains("red.rit:4:5"), "{output}");
    assert!(output.contains("0 passed, 1 failed"), "{output}");
}

#[test]
fn its_shapes_are_checked_from_its_schema() {
    let source = "test \"bad\" {\n  echo uppr \"a\"\n  echo join \"a\" {\n    say \"x\"\n  }\n  echo upper \"a\" {\n    say \"y\"\n  }\n  echo \"a\" \", \"\n  say \"alone\"\n}\n";
    let folder = folder_with("bad.rit", source);
    let checked = ritc(folder.path(), &["check", "bad.rit"]);
    assert_eq!(checked.status.code(), Some(1), "{}", text(&checked));
    let output = text(&checked);
    // An operation the kind does not declare, with the nearest one.
    assert!(
        output.contains("error[E0418]: `echo` steps have no operation `uppr`"),
        "{output}"
    );
    assert!(output.contains("bad.rit:2:8"), "{output}");
    assert!(output.contains("did you mean `upper`?"), "{output}");
    // `join` needs its string; `upper` takes no block; a step without an
    // operation takes no string.
    assert!(
        output.contains("error[E0419]: `echo join` steps take a string after the target"),
        "{output}"
    );
    assert!(output.contains("bad.rit:3:13"), "{output}");
    assert!(
        output.contains("error[E0419]: `echo upper` steps take no block"),
        "{output}"
    );
    assert!(output.contains("bad.rit:6:18"), "{output}");
    assert!(
        output.contains("error[E0419]: `echo` steps take no string after the target"),
        "{output}"
    );
    assert!(output.contains("bad.rit:9:12"), "{output}");
    // Its own statement outside a block of its kind.
    assert!(
        output.contains("error[E0209]: `say` is used outside a `echo` block"),
        "{output}"
    );
    assert!(output.contains("bad.rit:10:3"), "{output}");
    assert!(output.contains("5 errors"), "{output}");
}

#[test]
fn fmt_keeps_its_shapes() {
    let messy = "test \"t\" {\n  echo   upper   \"a\"\n  echo join   \"a\"   \"-\"   timeout 1s   {\n      say   \"b\"\n  }\n}\n";
    let tidy = "test \"t\" {\n  echo upper \"a\"\n  echo join \"a\" \"-\" timeout 1s {\n    say \"b\"\n  }\n}\n";
    let folder = folder_with("fmt.rit", messy);
    let formatted = ritc(folder.path(), &["fmt", "fmt.rit"]);
    assert_eq!(formatted.status.code(), Some(0), "{}", text(&formatted));
    let after = std::fs::read_to_string(folder.path().join("fmt.rit")).unwrap();
    assert_eq!(after, tidy);
    let checked = ritc(folder.path(), &["check", "fmt.rit"]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked));
    std::fs::write(folder.path().join("shapes.rit"), SHAPES).unwrap();
    let check = ritc(folder.path(), &["fmt", "--check", "shapes.rit"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

/// A kind's connection value (`echo_server(url)`, declared in src/steps/echo/
/// alone, `StepSchema::connection`) is a core function and a type: a literal
/// URL of a scheme it does not take is refused with the code `database(url)`
/// gets for one (E0409), at the URL, with the schemes and an example; a whole
/// literal URL that would not be read at run time is refused (E0407) without
/// its password.
#[test]
fn its_connection_function_is_checked_as_the_kind_declares_it() {
    let source = "let db = database(\"http://127.0.0.1/x\")\nlet wrong = echo_server(\"http://app:sekrit@127.0.0.1:7\")\nlet port = echo_server(\"echo://app:sekrit@127.0.0.1:99999\")\ntest \"t\" {\n  echo \"a\"\n}\n";
    let folder = folder_with("conn.rit", source);
    let checked = ritc(folder.path(), &["check", "conn.rit"]);
    assert_eq!(checked.status.code(), Some(1), "{}", text(&checked));
    let output = text(&checked);
    assert!(
        output.contains("error[E0409]: `database` does not support `http:` URLs"),
        "{output}"
    );
    assert!(
        output.contains("error[E0409]: `echo_server` does not support `http:` URLs"),
        "{output}"
    );
    assert!(output.contains("conn.rit:2:25"), "{output}");
    assert!(output.contains("supported: echo"), "{output}");
    assert!(
        output.contains("help: for example `echo://127.0.0.1:7`"),
        "{output}"
    );
    assert!(
        output.contains(
            "error[E0407]: echo_server: echo://***@127.0.0.1:99999 is not a valid URL: invalid port number"
        ),
        "{output}"
    );
    assert!(output.contains("conn.rit:3:24"), "{output}");
    // The source lines are the author's own; no message shows the password.
    for line in output.lines().filter(|line| line.starts_with("error[")) {
        assert!(!line.contains("sekrit"), "{line}");
    }
    assert!(output.contains("3 errors"), "{output}");
}

/// At run time `echo_server(url)` makes a connection value of its type (`let
/// other: echo_server`), compared and shown as any connection, its password as
/// `***`; a computed URL it cannot read fails at its line.
#[test]
fn its_connection_value_is_made_at_run_time_with_its_password_hidden() {
    let source = r#"param port = "99999"
let srv = echo_server("echo://app:sekrit@127.0.0.1:7")
let other: echo_server = echo_server("echo://127.0.0.1:8")
test "made" {
  expect srv == other
}
test "computed" {
  let broken = echo_server("echo://127.0.0.1:{{port}}")
  echo "never"
}
"#;
    let folder = folder_with("conn.rit", source);
    let checked = ritc(folder.path(), &["check", "conn.rit"]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked));
    let run = ritc(folder.path(), &["run", "conn.rit"]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let output = text(&run);
    assert!(
        output.contains(r#"echo_server "echo://app:***@127.0.0.1:7""#),
        "{output}"
    );
    assert!(
        output.contains(r#"echo_server "echo://127.0.0.1:8""#),
        "{output}"
    );
    assert!(!output.contains("sekrit"), "{output}");
    assert!(output.contains("conn.rit:5:"), "{output}");
    assert!(
        output.contains(
            "echo_server: echo://127.0.0.1:99999 is not a valid URL: invalid port number"
        ),
        "{output}"
    );
    assert!(output.contains("conn.rit:8:"), "{output}");
    assert!(!output.contains("echo never"), "{output}");
}
