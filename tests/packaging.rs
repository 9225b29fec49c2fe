//! What ships around the binary (issue 21 bullet 4): `ritc init`'s starter suite
//! checks and runs against a real service and fails against a dead one; the CI
//! snippets it writes select a stage the suite has; completions and manual pages
//! are generated for every shell and subcommand.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::demo::DemoProcess;
use common::ports::free_port;
use common::suite::{ritc, text};

fn ritc_in(folder: &Path, args: &[&str]) -> Output {
    Command::new(ritc())
        .args(args)
        .current_dir(folder)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn the_starter_suite_checks_and_gates_a_real_service() {
    let project = tempfile::tempdir().unwrap();
    let init = ritc_in(project.path(), &["init"]);
    assert_eq!(init.status.code(), Some(0), "{}", text(&init));
    for file in [
        "checks/services.rit",
        "checks/smoke.rit",
        ".github/workflows/ritc.yml",
    ] {
        assert!(project.path().join(file).is_file(), "{file} not written");
    }
    let check = ritc_in(project.path(), &["check", "checks", "--deny-warnings"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));

    // The CI snippet's command, against the demo service: green, with a JUnit report.
    let database = tempfile::tempdir().unwrap();
    let demo = DemoProcess::serve(database.path());
    std::fs::create_dir(project.path().join("ritc-reports")).unwrap();
    let base = format!("base=http://127.0.0.1:{}", demo.port);
    let run = ritc_in(
        project.path(),
        &[
            "run",
            "checks",
            "--stage",
            "post-backend",
            "--param",
            &base,
            "--report",
            "junit=ritc-reports/junit.xml",
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let junit = std::fs::read_to_string(project.path().join("ritc-reports/junit.xml")).unwrap();
    assert!(junit.contains("tests=\"1\""), "{junit}");
    assert!(junit.contains("failures=\"0\""), "{junit}");

    // No service behind the address: the gate fails.
    let dead = format!("base=http://127.0.0.1:{}", free_port());
    let run = ritc_in(project.path(), &["run", "checks", "--param", &dead]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
}

#[test]
fn init_never_overwrites_and_ignores_reports_once() {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join(".gitignore"), "target/").unwrap();
    let first = ritc_in(project.path(), &["init", "--ci", "gitlab"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert!(project.path().join(".gitlab-ci.ritc.yml").is_file());
    assert!(!project.path().join(".github").exists());
    assert_eq!(
        std::fs::read_to_string(project.path().join(".gitignore")).unwrap(),
        "target/\nritc-reports/\n.ritc/\n"
    );

    std::fs::write(project.path().join("checks/smoke.rit"), "# mine\n").unwrap();
    let second = ritc_in(project.path(), &["init", "--ci", "gitlab"]);
    assert_eq!(second.status.code(), Some(2), "{}", text(&second));
    assert!(text(&second).contains("smoke.rit"), "{}", text(&second));
    assert_eq!(
        std::fs::read_to_string(project.path().join("checks/smoke.rit")).unwrap(),
        "# mine\n"
    );
    assert_eq!(
        std::fs::read_to_string(project.path().join(".gitignore")).unwrap(),
        "target/\nritc-reports/\n.ritc/\n"
    );
}

/// Each CI snippet is YAML, and every `--stage` its commands select is a stage
/// of the starter suite (a stage that matches nothing would fail the job with
/// exit 2, by design).
#[test]
fn the_ci_snippets_select_a_stage_the_starter_suite_has() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let smoke = std::fs::read_to_string(root.join("src/cli/init/smoke.rit")).unwrap();
    for snippet in ["docs/ci/github-actions.yml", "docs/ci/gitlab-ci.yml"] {
        let text = std::fs::read_to_string(root.join(snippet)).unwrap();
        let yaml: serde_yaml::Value = serde_yaml::from_str(&text)
            .unwrap_or_else(|error| panic!("{snippet} is not YAML: {error}"));
        assert!(yaml.is_mapping(), "{snippet}");
        let stages: Vec<&str> = text
            .split("--stage ")
            .skip(1)
            .filter_map(|rest| rest.split_whitespace().next())
            .collect();
        assert!(!stages.is_empty(), "{snippet} gates on no stage");
        for stage in stages {
            assert!(
                smoke.contains(&format!("stage \"{stage}\"")),
                "{snippet} selects stage {stage}, which smoke.rit lacks"
            );
        }
    }
}

#[test]
fn completions_for_every_shell_and_man_pages_for_every_subcommand() {
    let folder = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = ritc_in(folder.path(), &["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}: {}", text(&output));
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(script.contains("checkpoint"), "{shell}: {script}");
    }
    let unknown = ritc_in(folder.path(), &["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));

    let man = ritc_in(folder.path(), &["man", "--out-dir", "."]);
    assert_eq!(man.status.code(), Some(0), "{}", text(&man));
    for page in ["ritc.1", "ritc-run.1", "ritc-check.1", "ritc-init.1"] {
        let text = std::fs::read_to_string(folder.path().join(page))
            .unwrap_or_else(|error| panic!("{page}: {error}"));
        assert!(text.contains(".TH"), "{page}");
    }
}

/// The Kubernetes manifests of docs/scaling.md validate against the Kubernetes
/// schemas (kubernetes-validate, installed by .ci/run from PyPI), and the
/// validator rejects a broken copy. Skipped, saying so, where it is not
/// installed, except in CI.
#[test]
fn the_kubernetes_manifests_validate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let validate = |path: &Path| Command::new("kubernetes-validate").arg(path).output();
    let manifests = [
        "docs/kubernetes/ritc-load.yaml",
        "docs/kubernetes/ritc-merge.yaml",
    ];
    let first = match validate(&root.join(manifests[0])) {
        Ok(output) => output,
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: kubernetes-validate is not installed (.ci/run installs it)");
            return;
        }
        Err(error) => panic!("kubernetes-validate: {error} (.ci/run installs it)"),
    };
    assert!(first.status.success(), "{}", text(&first));
    let second = validate(&root.join(manifests[1])).unwrap();
    assert!(second.status.success(), "{}", text(&second));

    let folder = tempfile::tempdir().unwrap();
    let load = std::fs::read_to_string(root.join(manifests[0])).unwrap();
    let broken = load.replacen("completions: 4", "completions: four", 1);
    assert_ne!(broken, load);
    let path = folder.path().join("broken.yaml");
    std::fs::write(&path, broken).unwrap();
    let rejected = validate(&path).unwrap();
    assert!(!rejected.status.success(), "{}", text(&rejected));
}

/// The Dockerfile cannot be built here (no Docker daemon in the tests), so its
/// promises are read: two stages, the release binary copied from the first, a
/// non-root user, `ritc` as the entry point, and the build context keeps the
/// large folders out.
#[test]
fn the_dockerfile_builds_ritc_and_runs_it_as_a_non_root_user() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let instructions: Vec<&str> = dockerfile
        .lines()
        .filter(|line| !line.trim_start().starts_with('#') && !line.trim().is_empty())
        .collect();
    let from: Vec<&&str> = instructions
        .iter()
        .filter(|line| line.starts_with("FROM "))
        .collect();
    assert_eq!(from.len(), 2, "{dockerfile}");
    assert!(from[0].ends_with(" AS build"), "{dockerfile}");
    assert!(dockerfile.contains("cargo build --release --locked --bin ritc"));
    assert!(instructions.contains(&"COPY --from=build /usr/local/bin/ritc /usr/local/bin/ritc"));
    let user = instructions
        .iter()
        .rev()
        .find_map(|line| line.strip_prefix("USER "))
        .expect("a USER instruction");
    assert!(user != "root" && user != "0", "runs as {user}");
    assert!(instructions.contains(&"ENTRYPOINT [\"ritc\"]"));
    let ignore = std::fs::read_to_string(root.join(".dockerignore")).unwrap();
    assert!(ignore.lines().any(|line| line == "target/"), "{ignore}");
}
