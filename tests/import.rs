//! `ritc import`, run as the real binary: the seed's YAML example and a dozen Hurl
//! files become `.rit` that `ritc check` accepts, in the canonical layout, and what
//! has no translation is kept as a comment and listed on standard error.
//!
//! Golden files: `tests/import/NAME.hurl` (or `.yaml`) is imported and compared
//! with `NAME.rit` (standard output) and `NAME.stderr`; `RITC_BLESS=1 cargo test
//! --test import` rewrites both (review the diff by eye).

use ritc::source::span::FileId;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ritc() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ritc"));
    command.current_dir(root()).env("NO_COLOR", "1");
    command
}

fn import(relative: &str) -> Output {
    ritc()
        .args(["import", relative])
        .output()
        .expect("ritc runs")
}

fn inputs() -> Vec<String> {
    let mut inputs: Vec<String> = std::fs::read_dir(root().join("tests/import"))
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "hurl" || extension == "yaml")
        })
        .filter_map(|path| Some(format!("tests/import/{}", path.file_name()?.to_str()?)))
        .collect();
    inputs.sort();
    inputs
}

/// Writes `rit` next to nothing else in a fresh folder and runs `ritc check` on it.
fn check(name: &str, rit: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(format!("{name}.rit"));
    std::fs::write(&path, rit).expect("write");
    let output = ritc().arg("check").arg(&path).output().expect("ritc runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn stem(input: &str) -> String {
    Path::new(input)
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_seed_example_is_the_one_in_the_seed_document() {
    let seed = root().join("../shared/seed/runtime-integration-test.md");
    let Ok(document) = std::fs::read_to_string(&seed) else {
        return; // The seed is beside the repository only in the project's workspace.
    };
    let section = document
        .split("## Test Definition Format")
        .nth(1)
        .unwrap_or_default();
    let yaml = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_default();
    let fixture =
        std::fs::read_to_string(root().join("tests/import/seed.yaml")).unwrap_or_default();
    assert_eq!(
        fixture, yaml,
        "tests/import/seed.yaml differs from the seed document's example"
    );
}

#[test]
fn the_seed_yaml_imports_to_a_file_that_checks_clean() {
    let output = import("tests/import/seed.yaml");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rit = String::from_utf8_lossy(&output.stdout).into_owned();
    for expected in [
        "suite \"Auth Service Integration\"",
        "service dev = \"npm run dev\" {",
        "ready http \"{{base}}/health\"",
        "let token = json.token",
        "headers { Authorization: \"Bearer {{token}}\" }",
        "expect rows[0].count >= 1",
        "load GET \"{{base}}/api/products\" {",
        "expect success_rate >= 99%",
        "expect latency.avg < 200ms",
        "teardown {",
    ] {
        assert!(
            rit.contains(expected),
            "the import lacks `{expected}`:\n{rit}"
        );
    }
    let (code, stderr) = check("seed", &rit);
    assert_eq!(code, Some(0), "{stderr}\n{rit}");
    assert!(stderr.contains("0 errors, 0 warnings"), "{stderr}");
}

#[test]
fn every_import_checks_and_is_in_the_canonical_layout() {
    let inputs = inputs();
    assert!(
        inputs
            .iter()
            .filter(|input| input.ends_with(".hurl"))
            .count()
            >= 12,
        "{inputs:?}"
    );
    for input in inputs {
        let output = import(&input);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{input}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let rit = String::from_utf8_lossy(&output.stdout).into_owned();
        let (code, stderr) = check(&stem(&input), &rit);
        assert_eq!(code, Some(0), "{input} does not check:\n{stderr}\n{rit}");
        assert!(stderr.contains("0 errors"), "{input}: {stderr}");
        let formatted = ritc::fmt::format_source(FileId(0), &rit).unwrap_or_default();
        assert_eq!(
            formatted, rit,
            "{input}: the import is not in the canonical layout"
        );
    }
}

#[test]
fn golden_outputs() {
    let bless = std::env::var_os("RITC_BLESS").is_some();
    for input in inputs() {
        let output = import(&input);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let base = root().join("tests/import").join(stem(&input));
        let (rit_path, stderr_path) = (base.with_extension("rit"), base.with_extension("stderr"));
        if bless {
            std::fs::write(&rit_path, &stdout).expect("write");
            std::fs::write(&stderr_path, &stderr).expect("write");
            continue;
        }
        let expected_rit = std::fs::read_to_string(&rit_path).unwrap_or_default();
        let expected_stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        assert_eq!(
            stdout,
            expected_rit,
            "{input}: output differs from {} (RITC_BLESS=1 rewrites it)",
            rit_path.display()
        );
        assert_eq!(
            stderr,
            expected_stderr,
            "{input}: stderr differs from {}",
            stderr_path.display()
        );
    }
}

#[test]
fn untranslatable_parts_are_kept_as_comments_and_reported() {
    let output = import("tests/import/untranslatable.hurl");
    assert_eq!(output.status.code(), Some(0));
    let rit = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        rit.contains(
            "# not translated (the `certificate` query): certificate \"Expire-Date\" daysAfterNow > 15"
        ),
        "{rit}"
    );
    assert!(
        stderr.contains(
            "tests/import/untranslatable.hurl: line 8: not translated: the `certificate` query"
        ),
        "{stderr}"
    );
    // What can be translated still is: a base64 body is decoded when it runs.
    assert!(
        rit.contains("body base64_decode(\"SGVsbG8gd29ybGQ=\")"),
        "{rit}"
    );
    assert!(
        rit.contains("expect headers[\"server\"] == \"nginx\""),
        "{rit}"
    );

    let output = import("tests/import/pipeline.yaml");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("test type `e2e`"), "{stderr}");
    assert!(
        stderr.contains("notify: not translated: unknown key `notify`"),
        "{stderr}"
    );
}

#[test]
fn hurl_captures_flow_into_later_entries_and_asserts_translate() {
    let output = import("tests/import/captures.hurl");
    let rit = String::from_utf8_lossy(&output.stdout);
    assert!(rit.contains("let token = json.token"), "{rit}");
    assert!(
        rit.contains("headers { Authorization: \"Bearer {{token}}\" }"),
        "{rit}"
    );
    assert!(rit.contains("expect json.id == user_id"), "{rit}");
    // Captures nothing reads are kept under a `_` name, as the checker asks.
    assert!(rit.contains("let _code = status"), "{rit}");

    let output = import("tests/import/asserts.hurl");
    let rit = String::from_utf8_lossy(&output.stdout);
    for expected in [
        // Hurl counts a list only: a json value is held to be one first.
        "expect json.items is array and len(json.items) == 3",
        "expect headers[\"content-type\"] starts with \"application/\"",
        "expect json.items[0].sku matches \"^[A-Z]+-\\\\d+$\"",
        "expect not (json.missing exists)",
        "expect duration < 1s",
    ] {
        assert!(rit.contains(expected), "lacks `{expected}`:\n{rit}");
    }
}

#[test]
fn unusable_input_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let text = dir.path().join("suite.txt");
    std::fs::write(&text, "GET http://x\n").expect("write");
    let output = ritc().arg("import").arg(&text).output().expect("ritc runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`.yaml`, `.yml` and `.hurl`"));

    let output = ritc()
        .arg("import")
        .arg(dir.path().join("missing.hurl"))
        .output()
        .expect("ritc runs");
    assert_eq!(output.status.code(), Some(2));

    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "tests: [\n").expect("write");
    let output = ritc()
        .arg("import")
        .arg(&broken)
        .output()
        .expect("ritc runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not valid YAML"));

    let other = dir.path().join("other.yaml");
    std::fs::write(&other, "name: x\n").expect("write");
    let output = ritc()
        .arg("import")
        .arg(&other)
        .output()
        .expect("ritc runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Test Definition Format"));
}
