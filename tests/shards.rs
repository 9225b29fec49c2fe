//! `--shard K/N` and `ritc merge` for loads (issue 7, item 7; docs/scaling.md):
//! the merged reports of the shards say what one run says. The real `ritc` binary
//! runs `.rit` files against a local server whose answers take fixed times.
//!
//! - Several load tests run whole, and as shards 0/2 and 1/2 merged: the same tests
//!   and counts; each test's latency percentiles are the ones its shard recorded
//!   (two runs' timings are not compared: they depend on how busy the machine is).
//! - One load's recorded latencies split over two shard reports (as two pods
//!   sending the same load would record them) and merged: the merged histogram is
//!   the recorded one, count for count, and every percentile is the one-run
//!   percentile within the histogram's precision.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use hdrhistogram::Histogram;
use ritc::steps::load::histogram;
use serde_json::Value as Json;

fn ritc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ritc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn read_json(path: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A server whose `/delay/N` answers after N milliseconds.
fn start_server() -> String {
    let delayed = |millis: u64| {
        get(move || async move {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            "ok"
        })
    };
    let app = Router::new()
        .route("/delay/2", delayed(2))
        .route("/delay/5", delayed(5))
        .route("/delay/10", delayed(10))
        .route("/delay/20", delayed(20));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{address}")
}

/// Four load tests, one per delay, each a fixed number of requests.
fn write_suite(dir: &Path, base: &str) -> String {
    let mut text = format!("suite \"Shards\"\nparam base = \"{base}\"\n");
    for delay in [2, 5, 10, 20] {
        text.push_str(&format!(
            r#"
test "delay {delay}ms" {{
  load GET "{{{{base}}}}/delay/{delay}" {{
    concurrency 4
    requests 60
  }}
  expect succeeded == 60
}}
"#
        ));
    }
    let path = dir.join("shards.rit");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().to_string()
}

/// Each test's name and its load records, by name.
fn loads_by_test(report: &Json) -> Vec<(String, Vec<Json>)> {
    let mut tests: Vec<(String, Vec<Json>)> = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|test| {
            (
                test["name"].as_str().unwrap().to_string(),
                test["loads"].as_array().cloned().unwrap_or_default(),
            )
        })
        .collect();
    tests.sort_by(|a, b| a.0.cmp(&b.0));
    tests
}

fn millis(record: &Json, name: &str) -> f64 {
    histogram::duration_of(record["latency"].get(name))
        .unwrap_or_else(|| panic!("no latency.{name} in {record}"))
        .as_secs_f64()
        * 1000.0
}

const QUANTILES: [f64; 5] = [0.5, 0.9, 0.95, 0.99, 0.999];

#[test]
fn two_shards_merged_report_what_one_run_reports() {
    let base = start_server();
    let dir = tempfile::tempdir().unwrap();
    let suite = write_suite(dir.path(), &base);
    let all = dir.path().join("all.json");
    let run = |extra: &[&str], report: &Path| {
        let target = format!("json={}", report.display());
        let mut args = vec!["run", suite.as_str(), "--report", target.as_str()];
        args.extend_from_slice(extra);
        let output = ritc(dir.path(), &args);
        assert!(output.status.success(), "{}", describe(&output));
    };
    run(&[], &all);
    let shard_0 = dir.path().join("shard-0.json");
    let shard_1 = dir.path().join("shard-1.json");
    run(&["--shard", "0/2"], &shard_0);
    run(&["--shard", "1/2"], &shard_1);
    let merged_path = dir.path().join("merged.json");
    let merged_target = format!("json={}", merged_path.display());
    let output = ritc(
        dir.path(),
        &[
            "merge",
            &shard_0.to_string_lossy(),
            &shard_1.to_string_lossy(),
            "--report",
            &merged_target,
        ],
    );
    assert!(output.status.success(), "{}", describe(&output));

    let (all, merged) = (read_json(&all), read_json(&merged_path));
    let (first, second) = (read_json(&shard_0), read_json(&shard_1));
    // The shards split the tests: two each, none twice.
    assert_eq!(first["summary"]["total_tests"], 2);
    assert_eq!(second["summary"]["total_tests"], 2);
    // Warnings depend on the timing of each run (a duration close to its
    // limit): the counts of tests do not.
    for count in ["total_tests", "passed", "failed", "skipped"] {
        assert_eq!(all["summary"][count], merged["summary"][count], "{count}");
    }
    assert_eq!(merged["summary"]["total_tests"], 4);
    assert_eq!(merged["summary"]["passed"], 4);
    assert_eq!(merged["test_run"]["status"], "PASSED");
    let (all_tests, merged_tests) = (loads_by_test(&all), loads_by_test(&merged));
    assert_eq!(
        all_tests.iter().map(|(name, _)| name).collect::<Vec<_>>(),
        merged_tests
            .iter()
            .map(|(name, _)| name)
            .collect::<Vec<_>>()
    );
    for ((name, whole), (_, sharded)) in all_tests.iter().zip(&merged_tests) {
        assert_eq!(whole.len(), 1, "{name}");
        assert_eq!(sharded.len(), 1, "{name}");
        let (whole, sharded) = (&whole[0], &sharded[0]);
        for count in [
            "requests",
            "succeeded",
            "failed",
            "dropped",
            "statuses",
            "errors",
        ] {
            assert_eq!(whole[count], sharded[count], "{name}: {count}");
        }
        assert_eq!(sharded["requests"], 60, "{name}");
        // Each histogram holds every request, and agrees with its own record.
        for record in [whole, sharded] {
            let latencies = histogram::latencies(record).unwrap();
            assert_eq!(latencies.histogram.len(), 60, "{name}");
            for (quantile, field) in QUANTILES.iter().zip(["p50", "p90", "p95", "p99", "p999"]) {
                let from_histogram =
                    latencies.millis(latencies.histogram.value_at_quantile(*quantile));
                let recorded = millis(record, field);
                assert!(
                    (from_histogram - recorded).abs() <= from_histogram * 0.002 + 0.002,
                    "{name}: {field} {recorded}ms, histogram {from_histogram}ms"
                );
            }
        }
        // A server that sleeps a fixed time: no request of either run is faster.
        // How much slower depends on how busy the machine was during each run, so
        // two runs are not compared with each other; the merge is checked exactly
        // below, against the shard that ran the test.
        let delay: f64 = name
            .trim_start_matches("delay ")
            .trim_end_matches("ms")
            .parse()
            .unwrap();
        for field in ["min", "p50", "p90"] {
            let (a, b) = (millis(whole, field), millis(sharded, field));
            assert!(a >= delay && b >= delay, "{name}: {field} {a}ms vs {b}ms");
        }
    }
    // Each test ran in one shard: the merged report carries its load record (every
    // count, latency figure and the histogram) as that shard recorded it.
    let by_shard: Vec<(String, Vec<Json>)> = loads_by_test(&first)
        .into_iter()
        .chain(loads_by_test(&second))
        .collect();
    for (name, sharded) in &merged_tests {
        let (_, recorded) = by_shard
            .iter()
            .find(|(shard_name, _)| shard_name == name)
            .unwrap_or_else(|| panic!("{name} is in no shard"));
        assert_eq!(recorded, sharded, "{name}");
    }
    // Every shard merged: nothing to add. One of two: merge them all.
    let every_shard = "Merge the reports of every shard to see the whole run";
    assert!(
        !merged["recommendations"].to_string().contains(every_shard),
        "{merged}"
    );
    let half_path = dir.path().join("half.json");
    let half_target = format!("json={}", half_path.display());
    let output = ritc(
        dir.path(),
        &[
            "merge",
            &shard_0.to_string_lossy(),
            "--report",
            &half_target,
        ],
    );
    let half = read_json(&half_path);
    assert!(
        half["recommendations"]
            .as_array()
            .is_some_and(|all| all.iter().any(|text| text == every_shard)),
        "{}\n{half}",
        describe(&output)
    );
}

/// `histogram` of a record replaced by `part`, its counts by `requests`.
fn shard_record(record: &Json, part: &Histogram<u64>, requests: u64) -> Json {
    let mut record = record.clone();
    record["histogram"] = Json::String(histogram::encode(part).unwrap());
    record["requests"] = requests.into();
    record["succeeded"] = requests.into();
    record["statuses"] = serde_json::json!({ "200": requests });
    record
}

#[test]
fn latencies_split_over_shards_merge_to_the_percentiles_of_one_run() {
    // One load, run once: its recorded latencies are split between two shard
    // reports the way two pods sending half each would record them, then merged.
    let base = start_server();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.rit");
    std::fs::write(
        &path,
        format!(
            r#"suite "Shards"
param base = "{base}"

test "mixed delays" {{
  load GET "{{{{base}}}}/delay/2" {{
    concurrency 8
    requests 400
  }}
  expect succeeded == 400
}}
"#
        ),
    )
    .unwrap();
    let all = dir.path().join("all.json");
    let output = ritc(
        dir.path(),
        &[
            "run",
            &path.to_string_lossy(),
            "--report",
            &format!("json={}", all.display()),
        ],
    );
    assert!(output.status.success(), "{}", describe(&output));
    let report = read_json(&all);
    let record = &report["tests"][0]["loads"][0];
    let whole = histogram::latencies(record).unwrap().histogram;
    assert_eq!(whole.len(), 400);

    // Alternate requests between the shards, value by value.
    let mut parts = [whole.clone(), whole.clone()];
    parts[0].reset();
    parts[1].reset();
    let mut turn = 0;
    for value in whole.iter_recorded() {
        for _ in 0..value.count_at_value() {
            parts[turn].record(value.value_iterated_to()).unwrap();
            turn = 1 - turn;
        }
    }
    assert_eq!(parts[0].len() + parts[1].len(), 400);
    let mut shard_paths = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let mut shard = report.clone();
        shard["test_run"]["shard"] = Json::String(format!("{index}/2"));
        shard["tests"][0]["loads"][0] = shard_record(record, part, part.len());
        let shard_path = dir.path().join(format!("shard-{index}.json"));
        std::fs::write(&shard_path, shard.to_string()).unwrap();
        shard_paths.push(shard_path.to_string_lossy().to_string());
    }
    let merged_path = dir.path().join("merged.json");
    let merged_target = format!("json={}", merged_path.display());
    let output = ritc(
        dir.path(),
        &[
            "merge",
            &shard_paths[0],
            &shard_paths[1],
            "--report",
            &merged_target,
        ],
    );
    assert!(output.status.success(), "{}", describe(&output));
    let merged = read_json(&merged_path);
    assert_eq!(merged["summary"]["total_tests"], 1);
    let merged_record = &merged["tests"][0]["loads"][0];
    assert_eq!(merged_record["requests"], 400);
    assert_eq!(merged_record["succeeded"], 400);
    assert_eq!(merged_record["statuses"]["200"], 400);
    assert_eq!(merged_record["latency_exact"], true);

    // The merged histogram is the one recorded, count for count.
    let merged_histogram = histogram::latencies(merged_record).unwrap().histogram;
    assert_eq!(merged_histogram.len(), whole.len());
    let counts = |histogram: &Histogram<u64>| {
        histogram
            .iter_recorded()
            .map(|value| (value.value_iterated_to(), value.count_at_value()))
            .collect::<Vec<_>>()
    };
    assert_eq!(counts(&merged_histogram), counts(&whole));
    // Every percentile is the one-run percentile, within the histogram's precision
    // (3 significant digits: 0.1%, and the record's microsecond rounding).
    for field in ["min", "p50", "p90", "p95", "p99", "p999", "max"] {
        let (one_run, from_shards) = (millis(record, field), millis(merged_record, field));
        assert!(
            (one_run - from_shards).abs() <= one_run * 0.001 + 0.002,
            "{field}: {one_run}ms in one run, {from_shards}ms merged"
        );
    }
    let avg = (millis(record, "avg"), millis(merged_record, "avg"));
    assert!(
        (avg.0 - avg.1).abs() <= avg.0 * 0.001 + 0.002,
        "avg {avg:?}"
    );
}
