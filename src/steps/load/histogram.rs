//! Latency histograms of `load` results as reports use them: reading the
//! serialized HDR histogram of a load record, merging the records of several
//! shards exactly (histograms added, percentiles recomputed from the sum), and
//! the bins and series the HTML report draws.
//!
//! The load record's histogram is its `histogram` field: the base64 text of an
//! HDR histogram in the V2 serialization (deflated or not), values in
//! microseconds unless the record says otherwise in `histogram_unit` (`ns`,
//! `us`, `ms`). Also accepted: an object `{ "data": BASE64, "unit": … }`.

use crate::units::{NumberLiteral, parse_number};
use crate::units::{literal_duration, literal_percent, literal_size};
use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde_json::{Map, Value as Json, json};
use std::time::Duration;

/// A decoded histogram and how many nanoseconds one of its units is.
pub struct Latencies {
    pub histogram: Histogram<u64>,
    pub unit_nanos: u64,
}

impl Latencies {
    pub fn duration(&self, value: u64) -> Duration {
        Duration::from_nanos(value.saturating_mul(self.unit_nanos))
    }

    pub fn millis(&self, value: u64) -> f64 {
        value as f64 * self.unit_nanos as f64 / 1_000_000.0
    }
}

/// The histogram of a load record, when it has one that decodes.
pub fn latencies(record: &Json) -> Option<Latencies> {
    let field = record.get("histogram")?;
    let (data, unit) = match field {
        Json::String(data) => (
            data.as_str(),
            record.get("histogram_unit").and_then(Json::as_str),
        ),
        Json::Object(object) => (
            object
                .get("data")
                .or_else(|| object.get("base64"))
                .and_then(Json::as_str)?,
            object.get("unit").and_then(Json::as_str),
        ),
        _ => return None,
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()?;
    let histogram: Histogram<u64> = Deserializer::new()
        .deserialize(&mut std::io::Cursor::new(bytes))
        .ok()?;
    let unit_nanos = match unit.unwrap_or("us") {
        "ns" => 1,
        "ms" => 1_000_000,
        _ => 1_000,
    };
    Some(Latencies {
        histogram,
        unit_nanos,
    })
}

/// The base64 text of a histogram in the V2 deflate serialization.
pub fn encode(histogram: &Histogram<u64>) -> Option<String> {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(histogram, &mut bytes)
        .ok()?;
    Some(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Up to `count` bins between the smallest and largest latency, spaced
/// logarithmically when the range is wide: (from ms, to ms, requests).
pub fn bins(latencies: &Latencies, count: usize) -> Vec<(f64, f64, u64)> {
    let histogram = &latencies.histogram;
    if histogram.is_empty() || count == 0 {
        return Vec::new();
    }
    let low = histogram.min().max(1);
    let high = histogram.max().max(low + 1);
    let logarithmic = high / low >= 20;
    let edge = |index: usize| -> u64 {
        let fraction = index as f64 / count as f64;
        let value = if logarithmic {
            (low as f64) * ((high as f64) / (low as f64)).powf(fraction)
        } else {
            low as f64 + (high - low) as f64 * fraction
        };
        value.round() as u64
    };
    let mut bins: Vec<(f64, f64, u64)> = Vec::new();
    let mut from = histogram.min();
    for index in 1..=count {
        let to = if index == count {
            high
        } else {
            edge(index).max(from)
        };
        if to <= from && index != count {
            continue;
        }
        // count_between is inclusive at both ends; each bin takes (from, to].
        let requests = if bins.is_empty() {
            histogram.count_between(from, to)
        } else {
            histogram
                .count_between(from, to)
                .saturating_sub(histogram.count_between(from, from))
        };
        bins.push((latencies.millis(from), latencies.millis(to), requests));
        from = to;
    }
    bins
}

/// The latency summary of a histogram, as the load record spells it.
pub fn latency_record(latencies: &Latencies) -> Json {
    let histogram = &latencies.histogram;
    let at = |quantile: f64| {
        Json::String(literal_duration(
            latencies.duration(histogram.value_at_quantile(quantile)),
        ))
    };
    json!({
        "min": literal_duration(latencies.duration(histogram.min())),
        "avg": literal_duration(Duration::from_nanos((histogram.mean() * latencies.unit_nanos as f64).round() as u64)),
        "p50": at(0.50),
        "p90": at(0.90),
        "p95": at(0.95),
        "p99": at(0.99),
        "p999": at(0.999),
        "max": literal_duration(latencies.duration(histogram.max())),
    })
}

/// A duration, percent, size or number as the load record spells it.
pub fn duration_of(value: Option<&Json>) -> Option<Duration> {
    match parse_number(value?.as_str()?) {
        Ok(NumberLiteral::Duration(duration)) => Some(duration),
        _ => None,
    }
}

fn size_of(value: Option<&Json>) -> Option<u64> {
    match value? {
        Json::Number(number) => number.as_u64(),
        Json::String(text) => match parse_number(text) {
            Ok(NumberLiteral::Size(size)) => Some(size),
            Ok(NumberLiteral::Int(int)) => u64::try_from(int).ok(),
            _ => None,
        },
        _ => None,
    }
}

/// The records of the same `load` step run on several machines, as one:
/// counts, statuses and errors summed, throughput summed (the shards ran at
/// the same time), the measured window the longest, and latency recomputed from
/// the sum of the histograms — exact, because HDR histograms add. Without a
/// histogram on every record the percentiles cannot be merged; then each is
/// the largest of the shards' (an upper bound) and `latency_exact` is false.
pub fn merge_loads(records: &[&Json]) -> Json {
    let Some(first) = records.first() else {
        return Json::Null;
    };
    if records.len() == 1 {
        return (*first).clone();
    }
    let mut merged: Map<String, Json> = first.as_object().cloned().unwrap_or_default();
    let sum = |name: &str| -> u64 {
        records
            .iter()
            .filter_map(|record| record.get(name).and_then(Json::as_u64))
            .sum()
    };
    for name in ["requests", "succeeded", "failed", "dropped"] {
        if merged.contains_key(name) {
            merged.insert(name.to_string(), json!(sum(name)));
        }
    }
    let requests = sum("requests");
    let succeeded = sum("succeeded");
    if merged.contains_key("success_rate") {
        let rate = if requests == 0 {
            1.0
        } else {
            succeeded as f64 / requests as f64
        };
        merged.insert("success_rate".to_string(), json!(literal_percent(rate)));
    }
    if merged.contains_key("throughput") {
        let throughput: f64 = records
            .iter()
            .filter_map(|record| record.get("throughput").and_then(Json::as_f64))
            .sum();
        merged.insert(
            "throughput".to_string(),
            json!((throughput * 1000.0).round() / 1000.0),
        );
    }
    if merged.contains_key("bytes") {
        let bytes: u64 = records
            .iter()
            .filter_map(|record| size_of(record.get("bytes")))
            .sum();
        merged.insert("bytes".to_string(), json!(literal_size(bytes)));
    }
    if merged.contains_key("duration") {
        let longest = records
            .iter()
            .filter_map(|record| duration_of(record.get("duration")))
            .max()
            .unwrap_or_default();
        merged.insert("duration".to_string(), json!(literal_duration(longest)));
    }
    for name in ["statuses", "errors"] {
        let mut counts: Map<String, Json> = Map::new();
        for record in records {
            if let Some(map) = record.get(name).and_then(Json::as_object) {
                for (key, count) in map {
                    let before = counts.get(key).and_then(Json::as_u64).unwrap_or(0);
                    counts.insert(key.clone(), json!(before + count.as_u64().unwrap_or(0)));
                }
            }
        }
        if merged.contains_key(name) || !counts.is_empty() {
            merged.insert(name.to_string(), Json::Object(counts));
        }
    }
    let decoded: Vec<Option<Latencies>> = records.iter().map(|record| latencies(record)).collect();
    if decoded.iter().all(Option::is_some) {
        let decoded: Vec<Latencies> = decoded.into_iter().flatten().collect();
        let mut parts = decoded.iter();
        if let Some(first) = parts.next() {
            let mut total = Latencies {
                histogram: first.histogram.clone(),
                unit_nanos: first.unit_nanos,
            };
            total.histogram.auto(true);
            let mut exact = true;
            for other in parts {
                exact &= other.unit_nanos == total.unit_nanos
                    && total.histogram.add(&other.histogram).is_ok();
            }
            let mut latency = latency_record(&total);
            exact_extremes(&mut latency, records, &decoded);
            merged.insert("latency".to_string(), latency);
            if let Some(encoded) = encode(&total.histogram) {
                merged.insert("histogram".to_string(), json!(encoded));
            }
            merged.insert("latency_exact".to_string(), json!(exact));
        }
    } else {
        merged.remove("histogram");
        merged.insert("latency".to_string(), bounded_latency(records, requests));
        merged.insert("latency_exact".to_string(), json!(false));
    }
    if let Some(timeline) = merge_timelines(records) {
        merged.insert("timeline".to_string(), timeline);
    }
    Json::Object(merged)
}

/// The load engine measures min, max and the mean exactly (the histogram only
/// to 0.1%): the merged min and max are the shards' extremes, the mean is
/// weighted by each histogram's count, and no percentile goes above the max.
fn exact_extremes(latency: &mut Json, records: &[&Json], decoded: &[Latencies]) {
    let field = |record: &Json, name: &str| {
        duration_of(record.get("latency").and_then(|latency| latency.get(name)))
    };
    let Some(object) = latency.as_object_mut() else {
        return;
    };
    let mins: Vec<Duration> = records
        .iter()
        .filter_map(|record| field(record, "min"))
        .collect();
    let maxes: Vec<Duration> = records
        .iter()
        .filter_map(|record| field(record, "max"))
        .collect();
    if mins.len() == records.len()
        && let Some(min) = mins.into_iter().min()
    {
        object.insert("min".into(), json!(literal_duration(min)));
    }
    let counts: Vec<u64> = decoded
        .iter()
        .map(|latencies| latencies.histogram.len())
        .collect();
    let averages: Vec<Duration> = records
        .iter()
        .filter_map(|record| field(record, "avg"))
        .collect();
    let count: u64 = counts.iter().sum();
    if averages.len() == records.len() && count > 0 {
        let sum: f64 = averages
            .iter()
            .zip(&counts)
            .map(|(average, count)| average.as_secs_f64() * *count as f64)
            .sum();
        let micros = (sum / count as f64 * 1_000_000.0).round() as u64;
        object.insert(
            "avg".into(),
            json!(literal_duration(Duration::from_micros(micros))),
        );
    }
    if maxes.len() == records.len()
        && let Some(max) = maxes.into_iter().max()
    {
        object.insert("max".into(), json!(literal_duration(max)));
        for name in ["p50", "p90", "p95", "p99", "p999"] {
            if let Some(value) = duration_of(object.get(name))
                && value > max
            {
                object.insert(name.into(), json!(literal_duration(max)));
            }
        }
    }
}

/// The time windows of several shards' records, window by window (by `start`):
/// requests and failures summed, each latency the largest of the shards' (an
/// upper bound: windows keep no histogram).
fn merge_timelines(records: &[&Json]) -> Option<Json> {
    let timelines: Vec<&Vec<Json>> = records
        .iter()
        .filter_map(|record| record.get("timeline")?.as_array())
        .collect();
    if timelines.is_empty() {
        return None;
    }
    let mut windows: Vec<Map<String, Json>> = Vec::new();
    for timeline in timelines {
        for window in timeline {
            let Some(window) = window.as_object() else {
                continue;
            };
            let start = window.get("start").cloned().unwrap_or(Json::Null);
            match windows
                .iter_mut()
                .find(|known| known.get("start") == Some(&start))
            {
                None => windows.push(window.clone()),
                Some(known) => {
                    for (key, value) in window {
                        let merged = match (known.get(key), value) {
                            (Some(Json::Number(a)), Json::Number(b)) => {
                                json!(a.as_u64().unwrap_or(0) + b.as_u64().unwrap_or(0))
                            }
                            (Some(a), b) if key != "start" && key != "length" => {
                                match (duration_of(Some(a)), duration_of(Some(b))) {
                                    (Some(a), Some(b)) => json!(literal_duration(a.max(b))),
                                    _ => a.clone(),
                                }
                            }
                            (Some(a), _) => a.clone(),
                            (None, b) => b.clone(),
                        };
                        known.insert(key.clone(), merged);
                    }
                }
            }
        }
    }
    windows.sort_by_key(|window| duration_of(window.get("start")).unwrap_or_default());
    Some(Json::Array(windows.into_iter().map(Json::Object).collect()))
}

/// Without histograms: min of the minimums, max of the maximums, the mean
/// weighted by requests, and each percentile the largest of the shards'.
fn bounded_latency(records: &[&Json], requests: u64) -> Json {
    let field = |record: &Json, name: &str| {
        duration_of(record.get("latency").and_then(|latency| latency.get(name)))
    };
    let mut latency = Map::new();
    let all = |name: &str| {
        records
            .iter()
            .filter_map(|record| field(record, name))
            .collect::<Vec<_>>()
    };
    if let Some(min) = all("min").into_iter().min() {
        latency.insert("min".into(), json!(literal_duration(min)));
    }
    let weighted: f64 = records
        .iter()
        .filter_map(|record| {
            Some(field(record, "avg")?.as_secs_f64() * record.get("requests")?.as_u64()? as f64)
        })
        .sum();
    if requests > 0 {
        latency.insert(
            "avg".into(),
            json!(literal_duration(Duration::from_secs_f64(
                weighted / requests as f64
            ))),
        );
    }
    for name in ["p50", "p90", "p95", "p99", "p999", "max"] {
        if let Some(largest) = all(name).into_iter().max() {
            latency.insert(name.into(), json!(literal_duration(largest)));
        }
    }
    Json::Object(latency)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(values: &[u64]) -> Json {
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)
            .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()));
        for value in values {
            let _ = histogram.record(*value);
        }
        let latencies = Latencies {
            histogram,
            unit_nanos: 1_000,
        };
        json!({
            "requests": values.len(),
            "succeeded": values.len(),
            "failed": 0,
            "success_rate": "100%",
            "throughput": 10.0,
            "statuses": {"200": values.len()},
            "latency": latency_record(&latencies),
            "histogram": encode(&latencies.histogram),
            "duration": "1s",
        })
    }

    #[test]
    fn merged_percentiles_equal_those_of_one_run() {
        let first: Vec<u64> = (1..=900).map(|i| i * 100).collect();
        let second: Vec<u64> = (1..=100).map(|i| 200_000 + i * 1000).collect();
        let mut all = first.clone();
        all.extend(&second);
        let merged = merge_loads(&[&record(&first), &record(&second)]);
        let whole = record(&all);
        assert_eq!(merged["latency"], whole["latency"]);
        assert_eq!(merged["requests"], json!(1000));
        assert_eq!(merged["statuses"]["200"], json!(1000));
        assert_eq!(merged["latency_exact"], json!(true));
        let decoded = latencies(&merged).map(|latencies| latencies.histogram.len());
        assert_eq!(decoded, Some(1000));
    }

    #[test]
    fn without_histograms_percentiles_are_upper_bounds() {
        let mut one = record(&[1000, 2000]);
        let mut two = record(&[5000, 9000]);
        one.as_object_mut().map(|object| object.remove("histogram"));
        two.as_object_mut().map(|object| object.remove("histogram"));
        let merged = merge_loads(&[&one, &two]);
        assert_eq!(merged["latency_exact"], json!(false));
        assert_eq!(merged["latency"]["max"], two["latency"]["max"]);
        assert_eq!(merged["latency"]["p50"], two["latency"]["p50"]);
        assert_eq!(merged["latency"]["min"], one["latency"]["min"]);
    }

    #[test]
    fn bins_cover_every_request() {
        let values: Vec<u64> = (1..=1000).map(|i| i * 37).collect();
        let Some(latencies) = latencies(&record(&values)) else {
            panic!("no histogram")
        };
        let bins = bins(&latencies, 24);
        assert_eq!(bins.iter().map(|(_, _, count)| count).sum::<u64>(), 1000);
        assert!(bins.windows(2).all(|pair| pair[0].1 <= pair[1].0 + 1e-9));
    }
}
