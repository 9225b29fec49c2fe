//! Load results as text: the live progress line of a running `load` step, the
//! table printed under its test when it is done, and the summary attached to a
//! failed expectation on its result (the measured latencies, the histogram's
//! shape in a few buckets, and the time windows where latency was worst).
//! Pure functions of a `LoadProgress` or of the load record (`loads` of a test's
//! outcome: the result record plus `histogram` and `timeline`, docs/load.md).

use super::histogram::{self, Latencies};
use super::{Level, LoadProgress};
use crate::units::short_duration;
use serde_json::Value as Json;
use std::time::Duration;

/// The fields of a load record that a failed expectation can read, so that the
/// failure gets the load's summary.
pub const LOAD_FIELDS: [&str; 9] = [
    "latency",
    "success_rate",
    "throughput",
    "failed",
    "succeeded",
    "requests",
    "dropped",
    "errors",
    "statuses",
];

fn rate(throughput: f64) -> String {
    if throughput >= 100.0 {
        format!("{throughput:.0} req/s")
    } else {
        format!("{throughput:.1} req/s")
    }
}

/// One line for a running load: `3.2s / 10s  1204 requests  376 req/s  p99 12.3ms  0 errors`.
pub fn progress_line(progress: &LoadProgress) -> String {
    let mut parts = Vec::new();
    let elapsed = short_duration(Duration::from_millis(
        progress.elapsed.as_millis() as u64 / 100 * 100,
    ));
    parts.push(match progress.total {
        Some(total) => format!("{elapsed} / {}", short_duration(total)),
        None => elapsed,
    });
    match progress.level {
        Some(Level::Workers(workers)) => parts.push(format!(
            "{workers} worker{}",
            if workers == 1 { "" } else { "s" }
        )),
        Some(Level::Rate(per_second)) => parts.push(format!("{} due", rate(per_second))),
        None => {}
    }
    if progress.warming_up {
        parts.push("warming up".to_string());
    } else {
        parts.push(match progress.requests_total {
            Some(total) => format!("{} / {total} requests", progress.requests),
            None => format!("{} requests", progress.requests),
        });
        parts.push(rate(progress.throughput));
        parts.push(format!("p99 {}", short_duration(progress.p99)));
        parts.push(format!(
            "{} error{}",
            progress.failed,
            if progress.failed == 1 { "" } else { "s" }
        ));
    }
    parts.join("  ")
}

fn count(record: &Json, field: &str) -> u64 {
    record.get(field).and_then(Json::as_u64).unwrap_or(0)
}

fn duration(record: &Json, path: &[&str]) -> Option<Duration> {
    let mut value = record;
    for key in path {
        value = value.get(key)?;
    }
    histogram::duration_of(Some(value))
}

fn text_of(record: &Json, field: &str) -> String {
    match record.get(field) {
        Some(Json::String(text)) => text.clone(),
        Some(Json::Number(number)) => number.to_string(),
        _ => "-".to_string(),
    }
}

/// `(key, count)` of a map of counts, largest first, at most `limit`.
fn top(record: &Json, field: &str, limit: usize) -> Vec<(String, u64)> {
    let mut entries: Vec<(String, u64)> = record
        .get(field)
        .and_then(Json::as_object)
        .map(|object| {
            object
                .iter()
                .map(|(key, value)| (key.clone(), value.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    entries.truncate(limit);
    entries
}

fn counts_text(entries: &[(String, u64)]) -> String {
    entries
        .iter()
        .map(|(key, count)| format!("{key}: {count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

const PERCENTILES: [&str; 7] = ["min", "avg", "p50", "p90", "p95", "p99", "max"];

/// Rows of cells as columns, each as wide as its widest cell, right-aligned.
fn columns(rows: &[Vec<String>], indent: &str) -> String {
    let width = |column: usize| {
        rows.iter()
            .filter_map(|row| row.get(column))
            .map(|cell| cell.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..rows.iter().map(Vec::len).max().unwrap_or(0))
        .map(width)
        .collect();
    let mut text = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(column, cell)| {
                let pad = widths[column].saturating_sub(cell.chars().count());
                if column == 0 {
                    format!("{cell}{}", " ".repeat(pad))
                } else {
                    format!("{}{cell}", " ".repeat(pad))
                }
            })
            .collect();
        text.push_str(indent);
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

/// The table of a finished load: counts, throughput, latencies, top statuses and
/// errors. Each line starts with `indent`.
pub fn table(record: &Json, indent: &str) -> String {
    let counts = vec![
        vec![
            String::new(),
            "requests".into(),
            "succeeded".into(),
            "failed".into(),
            "dropped".into(),
            "throughput".into(),
            "duration".into(),
        ],
        vec![
            String::new(),
            count(record, "requests").to_string(),
            count(record, "succeeded").to_string(),
            count(record, "failed").to_string(),
            count(record, "dropped").to_string(),
            rate(
                record
                    .get("throughput")
                    .and_then(Json::as_f64)
                    .unwrap_or(0.0),
            ),
            duration(record, &["duration"])
                .map_or_else(|| text_of(record, "duration"), short_duration),
        ],
    ];
    let mut latency_header = vec!["latency".to_string()];
    let mut latency_values = vec![String::new()];
    for name in PERCENTILES {
        latency_header.push(name.to_string());
        latency_values.push(
            duration(record, &["latency", name]).map_or_else(|| "-".to_string(), short_duration),
        );
    }
    let mut text = columns(&counts, indent);
    text.push_str(&columns(&[latency_header, latency_values], indent));
    let statuses = top(record, "statuses", 4);
    if !statuses.is_empty() {
        text.push_str(&format!("{indent}statuses  {}\n", counts_text(&statuses)));
    }
    let errors = top(record, "errors", 4);
    if !errors.is_empty() {
        text.push_str(&format!("{indent}errors    {}\n", counts_text(&errors)));
    }
    text
}

/// Edges in microseconds on a ladder of `steps` (per decade) strictly inside the
/// recorded range, as bucket boundaries.
fn ladder(low: u64, high: u64, steps: &[u64]) -> Vec<u64> {
    let mut edges = Vec::new();
    let mut decade: u64 = 1;
    while decade <= high {
        for step in steps {
            let edge = decade.saturating_mul(*step);
            if edge > low && edge <= high {
                edges.push(edge);
            }
        }
        decade = decade.saturating_mul(10);
    }
    edges
}

/// The histogram's shape in a few buckets on round edges (decades, or 1-2-5 over
/// a narrow range), with `limit` as one more edge: `(from, to, requests)`, `from`
/// `None` for the first bucket and `to` `None` for the last.
pub fn buckets(
    latencies: &Latencies,
    limit: Option<Duration>,
) -> Vec<(Option<Duration>, Option<Duration>, u64)> {
    let histogram = &latencies.histogram;
    if histogram.is_empty() {
        return Vec::new();
    }
    let unit = latencies.unit_nanos.max(1);
    let to_micros = |value: u64| value.saturating_mul(unit) / 1000;
    let (low, high) = (to_micros(histogram.min()), to_micros(histogram.max()));
    let mut edges = ladder(low, high, &[1]);
    if edges.len() < 2 {
        edges = ladder(low, high, &[1, 2, 5]);
    }
    while edges.len() > 6 {
        edges = edges.into_iter().step_by(2).collect();
    }
    if let Some(limit) = limit {
        let limit = limit.as_micros() as u64;
        if limit > low && limit <= high {
            edges.push(limit);
        }
    }
    edges.sort_unstable();
    edges.dedup();
    let mut counts = vec![0u64; edges.len() + 1];
    for value in histogram.iter_recorded() {
        let micros = to_micros(histogram.median_equivalent(value.value_iterated_to()));
        let index = edges.partition_point(|edge| *edge <= micros);
        counts[index] += value.count_at_value();
    }
    let edge = |index: usize| {
        edges
            .get(index)
            .map(|micros| Duration::from_micros(*micros))
    };
    counts
        .into_iter()
        .enumerate()
        .map(|(index, requests)| {
            let from = index.checked_sub(1).and_then(edge);
            (from, edge(index), requests)
        })
        .collect()
}

/// `<1ms 812 | 1ms–10ms 150 | ≥10ms 38`
pub fn shape(latencies: &Latencies, limit: Option<Duration>) -> String {
    let buckets = buckets(latencies, limit);
    if buckets.len() == 1 {
        let histogram = &latencies.histogram;
        return format!(
            "all {} at {}",
            histogram.len(),
            short_duration(latencies.duration(histogram.max()))
        );
    }
    buckets
        .iter()
        .map(|(from, to, requests)| {
            let range = match (from, to) {
                (None, Some(to)) => format!("<{}", short_duration(*to)),
                (Some(from), Some(to)) => {
                    format!("{}–{}", short_duration(*from), short_duration(*to))
                }
                (Some(from), None) => format!("≥{}", short_duration(*from)),
                (None, None) => String::new(),
            };
            format!("{range} {requests}")
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// The `count` windows of the timeline with the highest p99 (those with
/// requests), worst first: `1s–2s: p99 251ms, max 260ms, 400 requests`.
pub fn worst_windows(record: &Json, most: usize) -> Vec<String> {
    let Some(windows) = record.get("timeline").and_then(Json::as_array) else {
        return Vec::new();
    };
    let mut windows: Vec<(Duration, &Json)> = windows
        .iter()
        .filter(|window| window.get("requests").and_then(Json::as_u64).unwrap_or(0) > 0)
        .map(|window| (duration(window, &["p99"]).unwrap_or_default(), window))
        .collect();
    windows.sort_by_key(|(p99, _)| std::cmp::Reverse(*p99));
    windows
        .into_iter()
        .take(most)
        .map(|(p99, window)| {
            let start = duration(window, &["start"]).unwrap_or_default();
            let length = duration(window, &["length"]).unwrap_or_default();
            let failed = count(window, "failed");
            format!(
                "{}–{}: p99 {}, max {}, {} requests{}",
                short_duration(start),
                short_duration(start + length),
                short_duration(p99),
                duration(window, &["max"]).map_or_else(|| "-".to_string(), short_duration),
                count(window, "requests"),
                if failed > 0 {
                    format!(", {failed} failed")
                } else {
                    String::new()
                }
            )
        })
        .collect()
}

/// What a failed expectation on a load's result is explained with: the counts,
/// every measured percentile, how many requests were slower than `limit` (the
/// expectation's duration, when it has one), the histogram's shape and the worst
/// time windows.
pub fn threshold_detail(record: &Json, limit: Option<Duration>) -> String {
    let mut lines = vec![format!(
        "load: {} requests, {} failed, {} dropped, {} over {}, success rate {}",
        count(record, "requests"),
        count(record, "failed"),
        count(record, "dropped"),
        rate(
            record
                .get("throughput")
                .and_then(Json::as_f64)
                .unwrap_or(0.0)
        ),
        duration(record, &["duration"]).map_or_else(|| text_of(record, "duration"), short_duration),
        text_of(record, "success_rate"),
    )];
    let latency: Vec<String> = ["min", "avg", "p50", "p90", "p95", "p99", "p999", "max"]
        .iter()
        .filter_map(|name| {
            Some(format!(
                "{name} {}",
                short_duration(duration(record, &["latency", name])?)
            ))
        })
        .collect();
    if !latency.is_empty() {
        lines.push(format!("latency: {}", latency.join(", ")));
    }
    if let Some(latencies) = histogram::latencies(record) {
        let histogram = &latencies.histogram;
        if let Some(limit) = limit
            && !histogram.is_empty()
        {
            let unit = latencies.unit_nanos.max(1);
            let limit_units =
                u64::try_from(limit.as_nanos() / u128::from(unit)).unwrap_or(u64::MAX);
            let slower: u64 = histogram
                .iter_recorded()
                .filter(|value| {
                    histogram.median_equivalent(value.value_iterated_to()) > limit_units
                })
                .map(|value| value.count_at_value())
                .sum();
            let total = histogram.len().max(1);
            lines.push(format!(
                "{slower} of {} requests ({}) took longer than {}",
                histogram.len(),
                crate::units::literal_percent(
                    (slower as f64 / total as f64 * 1000.0).round() / 1000.0
                ),
                short_duration(limit)
            ));
        }
        if !histogram.is_empty() {
            lines.push(format!("shape: {}", shape(&latencies, limit)));
        }
    }
    // One window alone says nothing about when it was worst.
    let worst = worst_windows(record, 3);
    if worst.len() > 1 {
        lines.push(format!("worst windows: {}", worst.join("; ")));
    }
    let errors = top(record, "errors", 4);
    if !errors.is_empty() {
        lines.push(format!("errors: {}", counts_text(&errors)));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::Histogram;
    use serde_json::json;

    fn record_with(values: &[(u64, u64)]) -> Json {
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).unwrap();
        for (micros, times) in values {
            histogram.record_n(*micros, *times).unwrap();
        }
        json!({
            "requests": 1000, "succeeded": 990, "failed": 10, "dropped": 0,
            "success_rate": "99%", "throughput": 400.25,
            "latency": {
                "min": "0.2ms", "avg": "3.1ms", "p50": "0.6ms", "p90": "4.5ms",
                "p95": "9ms", "p99": "25ms", "p999": "31ms", "max": "32ms"
            },
            "bytes": "2KB",
            "statuses": {"200": 990, "500": 10},
            "errors": {"status 500": 10},
            "duration": "2.5s",
            "histogram": histogram::encode(&histogram).unwrap(),
            "timeline": [
                {"start": "0ms", "length": "1s", "requests": 400, "failed": 0, "p50": "0.5ms", "p99": "2ms", "max": "3ms"},
                {"start": "1s", "length": "1s", "requests": 400, "failed": 10, "p50": "0.7ms", "p99": "30ms", "max": "32ms"},
                {"start": "2s", "length": "1s", "requests": 200, "failed": 0, "p50": "0.5ms", "p99": "5ms", "max": "6ms"},
                {"start": "3s", "length": "1s", "requests": 0, "failed": 0, "p50": "0ms", "p99": "0ms", "max": "0ms"}
            ]
        })
    }

    #[test]
    fn durations_are_short() {}

    #[test]
    fn a_progress_line_reads_time_requests_rate_p99_and_errors() {
        let progress = LoadProgress {
            elapsed: Duration::from_millis(3_240),
            total: Some(Duration::from_secs(10)),
            warming_up: false,
            requests: 1204,
            requests_total: None,
            failed: 2,
            throughput: 376.4,
            p99: Duration::from_micros(12_345),
            level: None,
        };
        assert_eq!(
            progress_line(&progress),
            "3.2s / 10s  1204 requests  376 req/s  p99 12.3ms  2 errors"
        );
        let counted = LoadProgress {
            elapsed: Duration::from_millis(800),
            total: None,
            requests: 512,
            requests_total: Some(1000),
            failed: 1,
            throughput: 64.0,
            p99: Duration::from_micros(800),
            ..LoadProgress::default()
        };
        assert_eq!(
            progress_line(&counted),
            "800ms  512 / 1000 requests  64.0 req/s  p99 800µs  1 error"
        );
        let warming = LoadProgress {
            elapsed: Duration::from_millis(500),
            total: Some(Duration::from_secs(3)),
            warming_up: true,
            ..LoadProgress::default()
        };
        assert_eq!(progress_line(&warming), "500ms / 3s  warming up");
    }

    #[test]
    fn the_final_table_has_counts_latencies_statuses_and_errors() {
        let table = table(&record_with(&[(600, 1000)]), "    ");
        let expected = [
            "      requests  succeeded  failed  dropped  throughput  duration",
            "          1000        990      10        0   400 req/s      2.5s",
            "    latency    min    avg    p50    p90  p95   p99   max",
            "             200µs  3.1ms  600µs  4.5ms  9ms  25ms  32ms",
            "    statuses  200: 990, 500: 10",
            "    errors    status 500: 10",
            "",
        ]
        .join("\n");
        assert_eq!(table, expected, "\n{table}");
    }

    #[test]
    fn buckets_follow_decades_and_the_limit() {
        let record = record_with(&[(300, 812), (3_000, 150), (15_000, 30), (30_000, 8)]);
        let latencies = histogram::latencies(&record).unwrap();
        assert_eq!(
            shape(&latencies, None),
            "<1ms 812 | 1ms–10ms 150 | ≥10ms 38"
        );
        assert_eq!(
            shape(&latencies, Some(Duration::from_millis(20))),
            "<1ms 812 | 1ms–10ms 150 | 10ms–20ms 30 | ≥20ms 8"
        );
        // A narrow range: 1-2-5 edges.
        let narrow = record_with(&[(1_100, 10), (1_900, 10), (4_000, 5), (9_000, 1)]);
        let latencies = histogram::latencies(&narrow).unwrap();
        assert_eq!(shape(&latencies, None), "<2ms 20 | 2ms–5ms 5 | ≥5ms 1");
        let single = record_with(&[(700, 3)]);
        let latencies = histogram::latencies(&single).unwrap();
        assert_eq!(shape(&latencies, None), "all 3 at 700µs");
    }

    #[test]
    fn a_threshold_detail_has_percentiles_shape_and_worst_windows() {
        let record = record_with(&[(300, 812), (3_000, 150), (15_000, 30), (30_000, 8)]);
        let detail = threshold_detail(&record, Some(Duration::from_millis(20)));
        let lines: Vec<&str> = detail.lines().collect();
        assert_eq!(
            lines[0],
            "load: 1000 requests, 10 failed, 0 dropped, 400 req/s over 2.5s, success rate 99%"
        );
        assert_eq!(
            lines[1],
            "latency: min 200µs, avg 3.1ms, p50 600µs, p90 4.5ms, p95 9ms, p99 25ms, p999 31ms, max 32ms"
        );
        assert_eq!(lines[2], "8 of 1000 requests (0.8%) took longer than 20ms");
        assert_eq!(
            lines[3],
            "shape: <1ms 812 | 1ms–10ms 150 | 10ms–20ms 30 | ≥20ms 8"
        );
        assert_eq!(
            lines[4],
            "worst windows: 1s–2s: p99 30ms, max 32ms, 400 requests, 10 failed; 2s–3s: p99 5ms, max 6ms, 200 requests; 0s–1s: p99 2ms, max 3ms, 400 requests"
        );
        assert_eq!(lines[5], "errors: status 500: 10");
    }
}
