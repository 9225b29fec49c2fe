//! Run history (issue 24 bullet 3) against a real server whose answers the test
//! changes between runs: a steady history gives no warning at all; a retried
//! test's time is not compared; a failure after passes is new, and a second one
//! known; an answer three times slower than usual is a regression;
//! passed/failed/passed is flaky; a load seven times slower than its recent runs
//! is a regression of its p99 and throughput; every finding is a warning of the
//! reports (and recommended once per test) but never changes the status.
//! `--no-history` and shard runs record nothing, `ritc merge` records the merged
//! run, `ritc history` lists and prunes.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;
use common::suite::{ritc, text};

/// What both routes take in a steady run.
const BASE_DELAY_MS: u64 = 100;

/// How `/changing` answers: `statuses` in turn (the last one repeats), each
/// after `delay_ms`.
#[derive(Default)]
struct Behaviour {
    statuses: Mutex<Vec<u16>>,
    delay_ms: AtomicU64,
    answered: AtomicU16,
}

async fn changing(State(behaviour): State<Arc<Behaviour>>) -> StatusCode {
    tokio::time::sleep(Duration::from_millis(
        behaviour.delay_ms.load(Ordering::SeqCst),
    ))
    .await;
    let status = {
        let mut statuses = behaviour.statuses.lock().unwrap();
        if statuses.len() > 1 {
            statuses.remove(0)
        } else {
            statuses.first().copied().unwrap_or(200)
        }
    };
    behaviour.answered.fetch_add(1, Ordering::SeqCst);
    StatusCode::from_u16(status).unwrap()
}

/// The server, on a thread of its own, and its address.
fn serve(behaviour: Arc<Behaviour>) -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let app = Router::new()
                // 100 ms each: a median far above the scheduling noise of a
                // loaded machine, so only a real slowdown is twice it.
                .route(
                    "/steady",
                    get(|| async {
                        tokio::time::sleep(Duration::from_millis(BASE_DELAY_MS)).await;
                        "ok"
                    }),
                )
                .route("/changing", get(changing))
                .with_state(behaviour);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}", receiver.recv().unwrap())
}

struct Project {
    folder: tempfile::TempDir,
    base: String,
    behaviour: Arc<Behaviour>,
}

impl Project {
    fn new() -> Project {
        let folder = tempfile::tempdir().unwrap();
        let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/history/suite.rit");
        std::fs::copy(suite, folder.path().join("suite.rit")).unwrap();
        let behaviour = Arc::new(Behaviour::default());
        let base = serve(Arc::clone(&behaviour));
        Project {
            folder,
            base,
            behaviour,
        }
    }

    /// The next run's answers of `/changing`.
    fn answers(&self, statuses: &[u16], delay_ms: u64) {
        *self.behaviour.statuses.lock().unwrap() = statuses.to_vec();
        self.behaviour.delay_ms.store(delay_ms, Ordering::SeqCst);
    }

    fn ritc(&self, args: &[&str]) -> Output {
        Command::new(ritc())
            .args(args)
            .current_dir(self.folder.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    /// `ritc run` with a JSON report: the exit code, the report's warnings and
    /// status, and what was printed.
    fn run(&self, extra: &[&str]) -> (Option<i32>, Vec<String>, String, String) {
        let base = format!("base={}", self.base);
        let mut args = vec!["run", "suite.rit", "--param", &base];
        args.extend(["--report", "json=report.json"]);
        args.extend(extra);
        let output = self.ritc(&args);
        let report: Value = serde_json::from_str(
            &std::fs::read_to_string(self.folder.path().join("report.json")).unwrap(),
        )
        .unwrap();
        let warnings = report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|warning| warning.as_str().unwrap().to_string())
            .collect();
        let status = report["test_run"]["status"].as_str().unwrap().to_string();
        (output.status.code(), warnings, status, text(&output))
    }

    /// The recommendations of the last run's report.
    fn recommendations(&self) -> Vec<String> {
        let report: Value = serde_json::from_str(
            &std::fs::read_to_string(self.folder.path().join("report.json")).unwrap(),
        )
        .unwrap();
        report["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|text| text.as_str().unwrap().to_string())
            .collect()
    }

    fn history_lines(&self) -> usize {
        std::fs::read_to_string(self.folder.path().join(".ritc/history/runs.jsonl"))
            .map_or(0, |text| text.lines().count())
    }
}

#[test]
fn history_finds_flaky_tests_new_failures_and_regressions() {
    let project = Project::new();
    // No history folder and no --history: nothing recorded.
    project.answers(&[200], BASE_DELAY_MS);
    let (code, warnings, _, printed) = project.run(&[]);
    assert_eq!(code, Some(0), "{printed}");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(!project.folder.path().join(".ritc").exists());

    std::fs::create_dir_all(project.folder.path().join(".ritc/history")).unwrap();
    // Three steady green runs: recorded, and not one warning.
    for run in 1..=3 {
        let (code, warnings, status, printed) = project.run(&[]);
        assert_eq!(code, Some(0), "{printed}");
        assert_eq!(status, "PASSED");
        assert!(warnings.is_empty(), "run {run}: {warnings:?}\n{printed}");
        assert_eq!(project.history_lines(), run);
        // Nothing found: nothing recommended.
        assert!(project.recommendations().is_empty(), "run {run}");
    }

    // Seven times slower than its median, and far over the noise floor.
    project.answers(&[200], 7 * BASE_DELAY_MS);
    let (code, warnings, status, printed) = project.run(&[]);
    assert_eq!(code, Some(0), "{printed}");
    assert_eq!(status, "PASSED", "a finding never changes the status");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("regression: `History / changing` took 7"),
        "{warnings:?}"
    );
    assert!(printed.contains("history: regression:"), "{printed}");
    assert_eq!(
        project.recommendations(),
        [
            "Find what made these slower than their recent green runs (the history warnings give the figures) before a limit fails them (History / changing)"
        ]
    );

    // Passes only on its second attempt: the run's own warning says so, and
    // its time (with the failed attempt) is not compared.
    project.answers(&[500, 200], 300);
    let (code, warnings, status, printed) = project.run(&[]);
    assert_eq!(code, Some(0), "{printed}");
    assert_eq!(status, "PASSED");
    assert_eq!(
        warnings,
        ["History / changing passed only after 2 attempts"],
        "{printed}"
    );
    assert_eq!(
        project.recommendations(),
        [
            "These tests are flaky (they passed only after a retry, or alternated between passing and failing in recent runs): find the race, the shared data or the readiness gap instead of relying on `retry` (History / changing)"
        ]
    );

    // Fails after passing: a new failure; then again: a known one.
    project.answers(&[500], BASE_DELAY_MS);
    let (code, warnings, _, printed) = project.run(&[]);
    assert_eq!(code, Some(1), "{printed}");
    assert!(
        warnings.contains(
            &"new failure: `History / changing` failed; it passed in its last 5 runs".to_string()
        ),
        "{warnings:?}"
    );
    let new_failure = "These tests passed the previous time they ran: look at what changed since (the service, the test, the data it reads) (History / changing)";
    assert!(
        project
            .recommendations()
            .iter()
            .any(|text| text == new_failure),
        "{:?}",
        project.recommendations()
    );
    let (_, warnings, _, _) = project.run(&[]);
    assert!(
        warnings.contains(
            &"known failure: `History / changing` failed in its previous run too".to_string()
        ),
        "{warnings:?}"
    );
    // A known failure is no news.
    assert!(
        !project
            .recommendations()
            .iter()
            .any(|text| text == new_failure),
        "{:?}",
        project.recommendations()
    );

    // Passes again after failing twice, having passed before: it alternates.
    project.answers(&[200], BASE_DELAY_MS);
    let (code, warnings, _, printed) = project.run(&[]);
    assert_eq!(code, Some(0), "{printed}");
    assert!(
        warnings.iter().any(|warning| warning
            .starts_with("flaky: `History / changing` changed between passed and failed 2 times")),
        "{warnings:?}"
    );
    assert!(
        !warnings.iter().any(|warning| warning.contains("steady")),
        "{warnings:?}"
    );
    assert!(
        project
            .recommendations()
            .iter()
            .any(|text| text.starts_with("These tests are flaky ")
                && text.ends_with("(History / changing)")),
        "{:?}",
        project.recommendations()
    );

    // --no-history neither records nor compares.
    let before = project.history_lines();
    project.answers(&[500], BASE_DELAY_MS);
    let (_, warnings, _, _) = project.run(&["--no-history"]);
    assert!(
        warnings.iter().all(|warning| !warning.contains("failure:")),
        "{warnings:?}"
    );
    assert_eq!(project.history_lines(), before);

    // `ritc history` lists every run; --prune keeps the newest.
    let listing = project.ritc(&["history"]);
    assert_eq!(listing.status.code(), Some(0), "{}", text(&listing));
    assert_eq!(
        String::from_utf8_lossy(&listing.stdout).lines().count(),
        before
    );
    let pruned = project.ritc(&["history", "--prune", "2"]);
    assert_eq!(pruned.status.code(), Some(0), "{}", text(&pruned));
    assert_eq!(project.history_lines(), 2);
}

#[test]
fn shards_record_nothing_and_their_merge_records_one_run() {
    let project = Project::new();
    project.answers(&[200], BASE_DELAY_MS);
    std::fs::create_dir_all(project.folder.path().join(".ritc/history")).unwrap();
    let base = format!("base={}", project.base);
    for shard in ["0/2", "1/2"] {
        let report = format!("json=shard-{}.json", &shard[..1]);
        let output = project.ritc(&[
            "run",
            "suite.rit",
            "--param",
            &base,
            "--shard",
            shard,
            "--report",
            &report,
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    }
    assert_eq!(project.history_lines(), 0);
    let merged = project.ritc(&[
        "merge",
        "shard-0.json",
        "shard-1.json",
        "--report",
        "json=merged.json",
    ]);
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged));
    assert_eq!(project.history_lines(), 1);
    let entry: Value = serde_json::from_str(
        std::fs::read_to_string(project.folder.path().join(".ritc/history/runs.jsonl"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    assert_eq!(entry["format"], "ritc-history/1");
    assert_eq!(entry["tests"].as_array().unwrap().len(), 2, "{entry}");
}

/// A load's p99 and throughput against the median of its recent green runs:
/// three steady runs find nothing; a run whose every answer takes seven times
/// as long is a regression of the load's p99 and of its throughput, with the
/// figures, and one recommendation names the test once.
#[test]
fn a_loads_p99_and_throughput_against_its_recent_runs() {
    let project = Project::new();
    std::fs::write(
        project.folder.path().join("suite.rit"),
        "suite \"History\"\nparam base = \"http://127.0.0.1:1\"\n\ntest \"pressure\" {\n  load GET \"{{base}}/changing\" {\n    concurrency 2\n    requests 6\n  }\n  expect succeeded == 6\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(project.folder.path().join(".ritc/history")).unwrap();
    project.answers(&[200], BASE_DELAY_MS);
    for run in 1..=3 {
        let (code, warnings, _, printed) = project.run(&[]);
        assert_eq!(code, Some(0), "{printed}");
        assert!(warnings.is_empty(), "run {run}: {warnings:?}\n{printed}");
        assert!(project.recommendations().is_empty(), "run {run}");
    }
    project.answers(&[200], 7 * BASE_DELAY_MS);
    let (code, warnings, status, printed) = project.run(&[]);
    assert_eq!(code, Some(0), "{printed}");
    assert_eq!(status, "PASSED", "a finding never changes the status");
    assert!(
        warnings.iter().any(|warning| warning
            .starts_with("regression: the load of `History / pressure` had a p99 of ")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|warning| warning
                .starts_with("regression: the load of `History / pressure` reached ")),
        "{warnings:?}"
    );
    assert_eq!(
        project.recommendations(),
        [
            "Find what made these slower than their recent green runs (the history warnings give the figures) before a limit fails them (History / pressure)"
        ]
    );
}
