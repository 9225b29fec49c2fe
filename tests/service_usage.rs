//! Service usage end to end: the real `ritc` binary starts a service that burns
//! a CPU core and one that holds 200 MB, runs a test that waits, and reports
//! each service's peak CPU and memory, sampled from its process tree, in the
//! JSON, YAML and HTML reports and the event stream. The bounds are loose: these
//! are measurements on a shared machine, not timings. Warnings and
//! recommendations are derived from the numbers (checked through `ritc merge`,
//! which derives them again from a report whose numbers are set).

use serde_json::Value as Json;
use std::path::Path;
use std::process::{Command, Output};

const MIB: u64 = 1024 * 1024;

const SUITE: &str = r#"suite "Usage"

service burner = "while :; do :; done"

service hog = "python3 -c 'x = b\"x\" * (200 * 1024 * 1024); print(\"allocated\", flush=True); import time; time.sleep(120)'" {
  ready log "allocated" within 30s
}

test "waits while the services work" {
  run "sleep 2"
  expect exit == 0
}
"#;

fn ritc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ritc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn service<'a>(report: &'a Json, name: &str) -> &'a Json {
    report["services"]
        .as_array()
        .and_then(|services| services.iter().find(|service| service["name"] == name))
        .unwrap_or_else(|| panic!("no service {name} in {}", report["services"]))
}

#[test]
fn each_services_peak_cpu_and_memory_is_in_every_report() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("python3 is not installed: the memory service cannot run; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.rit"), SUITE).unwrap();
    let output = ritc(
        dir.path(),
        &[
            "run",
            "main.rit",
            "--report",
            "json=report.json",
            "--report",
            "yaml=report.yaml",
            "--report",
            "html=report.html",
            "--events",
            "jsonl",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    let report: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let burner = service(&report, "burner");
    let hog = service(&report, "hog");
    // A busy loop keeps one core busy; on a loaded machine it gets less of it
    // (34.6 % seen on a 2-core machine with a load average of 20, 11 % and
    // 0.2 s of CPU in 2.4 s with a load average of 10), so the bounds only tell
    // a busy service from an idle one (0 %) or a sum over cores gone wrong.
    let cpu = burner["peak_cpu_percent"].as_f64().unwrap();
    assert!((2.0..=130.0).contains(&cpu), "burner: {burner}");
    assert!(
        burner["cpu_seconds"].as_f64().unwrap() > 0.04,
        "burner: {burner}"
    );
    assert!(
        burner["peak_rss_bytes"].as_u64().unwrap() < 64 * MIB,
        "burner: {burner}"
    );
    // 200 MiB of bytes, touched; the interpreter adds its own.
    let rss = hog["peak_rss_bytes"].as_u64().unwrap();
    assert!(rss > 150 * MIB && rss < 400 * MIB, "hog: {hog}");
    assert!(
        hog["peak_rss"].as_str().unwrap().ends_with("MiB"),
        "hog: {hog}"
    );
    assert!(
        hog["peak_cpu_percent"].as_f64().unwrap() < 50.0,
        "hog: {hog}"
    );
    for service in [burner, hog] {
        assert!(service["samples"].as_u64().unwrap() >= 4, "{service}");
        assert!(service["processes"].as_u64().unwrap() >= 1, "{service}");
        assert!(
            service["sampled_ms"].as_f64().unwrap() >= 1500.0,
            "{service}"
        );
    }
    // When each peak was first reached, counted from the start of the run.
    let run_ms = report["test_run"]["duration_ms"].as_f64().unwrap();
    for service in [burner, hog] {
        for field in ["peak_rss_at_ms", "peak_cpu_at_ms"] {
            let at = service[field]
                .as_f64()
                .unwrap_or_else(|| panic!("{field}: {service}"));
            assert!(
                at > 0.0 && at <= run_ms,
                "{field} {at} of {run_ms}: {service}"
            );
        }
    }
    // No load ran: no peak is a load's.
    for service in [burner, hog] {
        assert!(service.get("peak_cpu_during").is_none(), "{service}");
        assert!(service.get("peak_rss_during").is_none(), "{service}");
    }
    // A warning exactly when a limit was reached: the hog's 200 MB is under 512 MiB.
    let warnings = report["warnings"].to_string();
    assert!(!warnings.contains("service `hog`"), "{warnings}");
    assert_eq!(hog["high"], serde_json::json!([]));
    let burner_high = burner["high"]
        .as_array()
        .unwrap()
        .contains(&Json::from("cpu"));
    assert_eq!(burner_high, cpu >= 80.0, "{burner}");
    assert_eq!(
        warnings.contains("service `burner` used"),
        burner_high,
        "{warnings}"
    );

    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.path().join("report.yaml")).unwrap())
            .unwrap();
    let services = yaml["services"].as_sequence().unwrap();
    assert_eq!(services.len(), 2);
    assert_eq!(services[0]["name"].as_str(), Some("burner"));
    assert!(services[1]["peak_rss_bytes"].as_u64().unwrap() > 150 * MIB);
    assert!(
        services[1]["peak_memory"]
            .as_str()
            .unwrap()
            .ends_with("MiB")
    );

    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<section id=\"services\">"), "{html}");
    assert!(html.contains("<th>burner</th>") && html.contains("<th>hog</th>"));

    // One `service_usage` line per service, after the tests and before `run_finished`.
    let events: Vec<Json> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect();
    let usage: Vec<usize> = (0..kinds.len())
        .filter(|index| kinds[*index] == "service_usage")
        .collect();
    assert_eq!(usage.len(), 2, "{kinds:?}");
    let finished_test = kinds
        .iter()
        .position(|kind| *kind == "test_finished")
        .unwrap();
    assert!(
        usage.iter().all(|index| *index > finished_test),
        "{kinds:?}"
    );
    assert_eq!(kinds.last(), Some(&"run_finished"));
    assert_eq!(events[usage[1]]["service"], "hog");
    assert!(events[usage[1]]["peak_rss_bytes"].as_u64().unwrap() > 150 * MIB);
    // The event says when each peak was reached, as the JSON report does.
    for (index, name) in [(usage[0], "burner"), (usage[1], "hog")] {
        let in_report = service(&report, name);
        for field in ["peak_rss_at_ms", "peak_cpu_at_ms"] {
            assert_eq!(
                events[index][field], in_report[field],
                "{field}: {}",
                events[index]
            );
        }
    }
    // So do the YAML report and the HTML table.
    for (index, name) in [(0, "burner"), (1, "hog")] {
        let in_report = service(&report, name);
        assert_eq!(
            services[index]["peak_rss_at_ms"].as_f64(),
            in_report["peak_rss_at_ms"].as_f64(),
            "{name}"
        );
        assert_eq!(
            services[index]["peak_cpu_at_ms"].as_f64(),
            in_report["peak_cpu_at_ms"].as_f64(),
            "{name}"
        );
    }
    let hog_row = html
        .split("<tr><th>hog</th>")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap_or_else(|| panic!("no row of hog in the services table:\n{html}"));
    // Its peak memory and its peak CPU, each with when it was reached.
    assert_eq!(
        hog_row.matches("<span class=\"at\">at ").count(),
        2,
        "{hog_row}"
    );
}

/// A service busy only while a `load` runs against it: its peak CPU is that
/// load's, and the record, the event and a warning (when the machine let it
/// reach the limit) say so, naming the load and its line.
#[test]
fn a_peak_that_came_during_a_load_names_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/service_usage/busy_server.py"
    );
    let source = format!(
        "suite \"Busy\"\n\nparam port = {port}\n\nservice busy = \"python3 {server} {{{{port}}}}\" {{\n  ready http \"http://127.0.0.1:{{{{port}}}}/health\" within 20s\n}}\n\ntest \"waits first\" {{\n  run \"sleep 1.5\"\n  expect exit == 0\n}}\n\ntest \"busy under load\" {{\n  load GET \"http://127.0.0.1:{{{{port}}}}/busy\" {{\n    concurrency 4\n    duration 2500ms\n  }}\n  expect requests > 0\n}}\n"
    );
    let load_line = source
        .lines()
        .position(|line| line.trim_start().starts_with("load GET"))
        .unwrap()
        + 1;
    std::fs::write(dir.path().join("main.rit"), &source).unwrap();
    let output = ritc(
        dir.path(),
        &[
            "run",
            "main.rit",
            "--report",
            "json=report.json",
            "--report",
            "html=report.html",
            "--events",
            "jsonl",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let busy = service(&report, "busy");
    let load = format!("`load GET http://127.0.0.1:{port}/busy` (main.rit:{load_line})");
    // Busy at all (a loaded machine gives it little of a core): its peak is
    // the load's, not the idle wait's before it.
    assert!(busy["peak_cpu_percent"].as_f64().unwrap() > 0.0, "{busy}");
    assert_eq!(busy["peak_cpu_during"], load.as_str(), "{busy}");
    let event: Json = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Json>(line).ok())
        .find(|event| event["type"] == "service_usage")
        .unwrap();
    assert_eq!(event["peak_cpu_during"], load.as_str(), "{event}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains(&format!(", during {load}</span>")), "{html}");
    // Whether it reached 80% of a core depends on the machine; when it did,
    // the warning says which load.
    for warning in report["warnings"].as_array().unwrap() {
        let warning = warning.as_str().unwrap();
        if warning.starts_with("service `busy` used ") {
            assert!(
                warning.contains(&format!(" (sustained for 1s) during load test {load}, at ")),
                "{warning}"
            );
        }
    }
}

#[test]
fn high_usage_makes_warnings_and_recommendations() {
    // A report as `ritc run` writes it, with numbers over both limits; `ritc
    // merge` derives warnings and recommendations again from the numbers.
    let dir = tempfile::tempdir().unwrap();
    let report = serde_json::json!({
        "format": "ritc-report/1",
        "test_run": { "timestamp": "2026-01-15T10:30:00Z", "duration": "2.0s", "status": "PASSED",
                      "files": ["main.rit"], "started_unix_ms": 1768473000000u64, "duration_ms": 2000.0 },
        "summary": { "total_tests": 1, "passed": 1, "failed": 0, "skipped": 0, "warnings": 0 },
        "tests": [ { "suite": "Usage", "name": "waits", "file": "main.rit", "line": 9, "status": "passed",
                     "duration": "2.0s", "duration_ms": 2000.0, "attempts": 1 } ],
        "services": [
            { "name": "burner", "peak_rss_bytes": 2 * MIB, "peak_rss": "2.0 MiB", "peak_cpu_percent": 97.5,
              "cpu_seconds": 1.9, "processes": 1, "samples": 9, "sampled_ms": 2000.0, "peak_cpu_at_ms": 1400.0,
              "peak_cpu_during": "`load GET http://127.0.0.1:8080/` (main.rit:12)" },
            { "name": "hog", "peak_rss_bytes": 600 * MIB, "peak_rss": "600.0 MiB", "peak_cpu_percent": 3.0,
              "cpu_seconds": 0.1, "processes": 2, "samples": 9, "sampled_ms": 2000.0 },
            { "name": "calm", "peak_rss_bytes": 20 * MIB, "peak_rss": "20.0 MiB", "peak_cpu_percent": 1.0,
              "cpu_seconds": 0.0, "processes": 1, "samples": 9, "sampled_ms": 2000.0 }
        ]
    });
    std::fs::write(dir.path().join("run.json"), report.to_string()).unwrap();
    let output = ritc(
        dir.path(),
        &[
            "merge",
            "run.json",
            "--report",
            "json=merged.json",
            "--report",
            "html=merged.html",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let merged: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("merged.json")).unwrap())
            .unwrap();
    let warnings: Vec<&str> = merged["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Json::as_str)
        .collect();
    assert_eq!(
        warnings,
        [
            // Its peak came during a load: the warning names it.
            "service `burner` used 97.5% of a CPU core (sustained for 1s) during load test `load GET http://127.0.0.1:8080/` (main.rit:12), at 1.4s into the run (warning from 80.0%)",
            // A report that does not say when (an older ritc's) says nothing of it.
            "service `hog` held 600.0 MiB of memory at its peak while the tests ran (warning from 512.0 MiB)",
        ]
    );
    assert_eq!(merged["summary"]["warnings"], 2);
    // Close calls do not make a run partial.
    assert_eq!(merged["test_run"]["status"], "PASSED");
    assert_eq!(
        service(&merged, "burner")["high"],
        serde_json::json!(["cpu"])
    );
    assert_eq!(
        service(&merged, "hog")["high"],
        serde_json::json!(["memory"])
    );
    assert_eq!(service(&merged, "calm")["high"], serde_json::json!([]));
    let recommendations = merged["recommendations"].to_string();
    assert!(
        recommendations.contains("kept a CPU core busy")
            && recommendations.contains("(service `burner`)"),
        "{recommendations}"
    );
    assert!(
        recommendations.contains("memory peaked high")
            && recommendations.contains("(service `hog`)"),
        "{recommendations}"
    );
    assert!(!recommendations.contains("calm"));
    let html = std::fs::read_to_string(dir.path().join("merged.html")).unwrap();
    assert!(html.contains("<td class=\"high\">600.0 MiB</td>"), "{html}");
    // Each peak with when it was reached, when the report says it.
    assert!(
        html.contains("<td class=\"high\">97.5% <span class=\"at\">at 1.4s, during `load GET http://127.0.0.1:8080/` (main.rit:12)</span></td>"),
        "{html}"
    );
}

#[test]
fn a_run_too_short_to_measure_has_no_cpu_figure_rather_than_zero() {
    // The service burns a core, but the tests take a few milliseconds: any
    // percentage over that span would be noise (it used to read 0.0%).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.rit"),
        "suite \"Short\"\n\nservice burner = \"while :; do :; done\"\n\ntest \"quick\" {\n  run \"true\"\n  expect exit == 0\n}\n",
    )
    .unwrap();
    let output = ritc(
        dir.path(),
        &[
            "run",
            "main.rit",
            "--report",
            "json=report.json",
            "--report",
            "yaml=report.yaml",
            "--report",
            "html=report.html",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let burner = service(&report, "burner");
    assert_eq!(burner["peak_cpu_percent"], Json::Null, "{burner}");
    assert_eq!(burner["high"], serde_json::json!([]), "{burner}");
    let yaml = std::fs::read_to_string(dir.path().join("report.yaml")).unwrap();
    assert!(yaml.contains("peak_cpu: \"not measured\""), "{yaml}");
    assert!(!yaml.contains("0.0%"), "{yaml}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("not measured"), "{html}");
}
