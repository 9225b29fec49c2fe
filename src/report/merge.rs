//! `ritc merge`: the JSON reports of `--shard` runs combined into the report of
//! the whole. Tests are concatenated; a test found in several reports (the same
//! load run from several machines) becomes one, its `load` records merged with
//! their histograms added, so percentiles are those of all requests. Counts are
//! summed, and what is derived (failed tests, warnings, recommendations,
//! status) is derived again. Pure: the CLI reads and writes the files.

use super::model::{self, RunReport, RunStatus, TestRecord, TestResult, TestRun};
use crate::steps::load::histogram;
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::time::{Duration, UNIX_EPOCH};

/// `reports`: each report with the name it is known by (its path).
pub fn merge(reports: &[(String, RunReport)]) -> RunReport {
    let mut tests: Vec<Vec<&TestRecord>> = Vec::new();
    for (_, report) in reports {
        for test in &report.tests {
            let key = |other: &TestRecord| {
                other.file == test.file && other.suite == test.suite && other.name == test.name
            };
            match tests
                .iter_mut()
                .find(|group| group.first().is_some_and(|first| key(first)))
            {
                Some(group) => group.push(test),
                None => tests.push(vec![test]),
            }
        }
    }
    let merged_tests: Vec<TestRecord> = tests.iter().map(|group| merge_tests(group)).collect();

    // Counts that no test record stands for (in reports of older versions,
    // tests that never ran because a service did not start) are carried over
    // as they are.
    let mut summary = model::count_tests(&merged_tests);
    for (_, report) in reports {
        let recorded = model::count_tests(&report.tests);
        summary.total_tests += report
            .summary
            .total_tests
            .saturating_sub(recorded.total_tests);
        summary.passed += report.summary.passed.saturating_sub(recorded.passed);
        summary.failed += report.summary.failed.saturating_sub(recorded.failed);
        summary.skipped += report.summary.skipped.saturating_sub(recorded.skipped);
        summary.warned += report.summary.warned.saturating_sub(recorded.warned);
        summary.interrupted += report
            .summary
            .interrupted
            .saturating_sub(recorded.interrupted);
    }

    let start = reports
        .iter()
        .map(|(_, report)| report.test_run.started_unix_ms)
        .min()
        .unwrap_or(0);
    let end = reports
        .iter()
        .map(|(_, report)| report.test_run.started_unix_ms as f64 + report.test_run.duration_ms)
        .fold(start as f64, f64::max);
    let duration = Duration::from_secs_f64(((end - start as f64) / 1000.0).max(0.0));
    let mut files: Vec<String> = Vec::new();
    for (_, report) in reports {
        for file in &report.test_run.files {
            if !files.contains(file) {
                files.push(file.clone());
            }
        }
    }
    let mut merged = RunReport {
        format: model::REPORT_FORMAT.to_string(),
        test_run: TestRun {
            timestamp: model::rfc3339(UNIX_EPOCH + Duration::from_millis(start)),
            duration: crate::units::summary_duration(duration),
            status: RunStatus::Passed,
            files,
            started_unix_ms: start,
            duration_ms: model::millis(duration),
            shard: None,
            stopped_early: reports
                .iter()
                .any(|(_, report)| report.test_run.stopped_early),
            stop_reason: reports
                .iter()
                .find_map(|(_, report)| report.test_run.stop_reason.clone()),
            interrupted: reports
                .iter()
                .any(|(_, report)| report.test_run.interrupted),
            merged_from: reports
                .iter()
                .map(|(name, report)| match &report.test_run.shard {
                    Some(shard) => format!("{name} (shard {shard})"),
                    None => name.clone(),
                })
                .collect(),
        },
        summary,
        failed_tests: Vec::new(),
        warnings: Vec::new(),
        recommendations: Vec::new(),
        tests: merged_tests,
        problems: reports
            .iter()
            .flat_map(|(_, report)| report.problems.clone())
            .collect(),
        services: merge_services(reports),
        resources: merge_resources(reports),
        checkpoints: Vec::new(),
    };
    let shard_warnings = shard_gaps(reports);
    model::finish(&mut merged, &shard_warnings);
    merged
}

/// Each shard's resource warnings, a warning repeated word for word once (the
/// shards of one run share their servers).
fn merge_resources(reports: &[(String, RunReport)]) -> Vec<crate::watch::ResourceWarning> {
    let mut merged: Vec<crate::watch::ResourceWarning> = Vec::new();
    for (_, report) in reports {
        for resource in &report.resources {
            if !merged.iter().any(|known| known.message == resource.message) {
                merged.push(resource.clone());
            }
        }
    }
    merged
}

/// Each service once: every shard started its own, so its peaks are the
/// highest of the shards', its CPU time the sum.
fn merge_services(reports: &[(String, RunReport)]) -> Vec<model::ServiceUsageRecord> {
    let mut merged: Vec<model::ServiceUsageRecord> = Vec::new();
    for (_, report) in reports {
        for service in &report.services {
            match merged.iter_mut().find(|known| known.name == service.name) {
                Some(known) => {
                    // Each peak with its time (in the run of its shard).
                    if service.peak_rss_bytes > known.peak_rss_bytes {
                        known.peak_rss_bytes = service.peak_rss_bytes;
                        known.peak_rss = service.peak_rss.clone();
                        known.peak_rss_at_ms = service.peak_rss_at_ms;
                        known.peak_rss_during = service.peak_rss_during.clone();
                    }
                    if service
                        .peak_cpu_percent
                        .is_some_and(|other| known.peak_cpu_percent.is_none_or(|peak| other > peak))
                    {
                        known.peak_cpu_percent = service.peak_cpu_percent;
                        known.peak_cpu_at_ms = service.peak_cpu_at_ms;
                        known.peak_cpu_during = service.peak_cpu_during.clone();
                    }
                    known.cpu_seconds += service.cpu_seconds;
                    known.processes = known.processes.max(service.processes);
                    known.samples += service.samples;
                    known.sampled_ms = known.sampled_ms.max(service.sampled_ms);
                }
                None => merged.push(service.clone()),
            }
        }
    }
    merged
}

/// Missing, repeated or inconsistent shards, as warnings of the merged report.
fn shard_gaps(reports: &[(String, RunReport)]) -> Vec<String> {
    let shards: Vec<(usize, usize)> = reports
        .iter()
        .filter_map(|(_, report)| {
            let (index, count) = report.test_run.shard.as_deref()?.split_once('/')?;
            Some((index.parse().ok()?, count.parse().ok()?))
        })
        .collect();
    if shards.is_empty() {
        return Vec::new();
    }
    let counts: BTreeSet<usize> = shards.iter().map(|(_, count)| *count).collect();
    if counts.len() > 1 {
        let counts: Vec<String> = counts.iter().map(usize::to_string).collect();
        return vec![format!(
            "the reports come from different shardings (of {} slices): their totals do not describe one run",
            counts.join(" and ")
        )];
    }
    let count = counts.into_iter().next().unwrap_or(0);
    let mut warnings = Vec::new();
    for index in 0..count {
        match shards.iter().filter(|(shard, _)| *shard == index).count() {
            0 => warnings.push(format!(
                "shard {index}/{count} is missing: its tests are not in this report"
            )),
            1 => {}
            times => warnings.push(format!(
                "shard {index}/{count} was given {times} times: its tests are counted once"
            )),
        }
    }
    warnings
}

/// One test run in several places, as one: the worst status, the longest time,
/// the failure of the first that failed, and its load records merged.
fn merge_tests(group: &[&TestRecord]) -> TestRecord {
    let Some(first) = group.first() else {
        return empty_test();
    };
    if group.len() == 1 {
        return (*first).clone();
    }
    let rank = |status: TestResult| match status {
        TestResult::Interrupted => 4,
        TestResult::Failed => 3,
        TestResult::Warned => 2,
        TestResult::Passed => 1,
        TestResult::Skipped => 0,
    };
    let worst = group
        .iter()
        .max_by_key(|test| rank(test.status))
        .copied()
        .unwrap_or(first);
    let mut merged = worst.clone();
    let longest = group
        .iter()
        .map(|test| test.duration_ms)
        .fold(0.0_f64, f64::max);
    merged.duration_ms = longest;
    merged.duration = crate::units::summary_duration(Duration::from_secs_f64(longest / 1000.0));
    merged.attempts = group.iter().map(|test| test.attempts).max().unwrap_or(1);
    let mut warnings: Vec<String> = Vec::new();
    for test in group {
        for warning in &test.warnings {
            if !warnings.contains(warning) {
                warnings.push(warning.clone());
            }
        }
    }
    merged.warnings = warnings;
    let steps = group.iter().map(|test| test.loads.len()).max().unwrap_or(0);
    merged.loads = (0..steps)
        .map(|index| {
            let records: Vec<&Json> = group
                .iter()
                .filter_map(|test| test.loads.get(index))
                .collect();
            histogram::merge_loads(&records)
        })
        .collect();
    merged
}

fn empty_test() -> TestRecord {
    TestRecord {
        suite: String::new(),
        name: String::new(),
        file: String::new(),
        line: 0,
        status: TestResult::Skipped,
        duration: String::new(),
        duration_ms: 0.0,
        attempts: 0,
        tags: Vec::new(),
        checkpoint: None,
        skip_reason: None,
        not_reached: false,
        warnings: Vec::new(),
        close_to_limit: Vec::new(),
        failure: None,
        steps: Vec::new(),
        service_log: Vec::new(),
        loads: Vec::new(),
    }
}
