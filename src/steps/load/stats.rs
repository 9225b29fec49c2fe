//! What a load measured and how it becomes the result record. The workers that run
//! on one runtime thread count into that thread's [`ThreadStats`] (its own lock, so
//! no sharing between threads on the hot path), which keeps their latencies in a
//! small batch that it hands, a batch at a time, to the load's one [`Recorder`]: an
//! HDR histogram (microseconds, 1 µs to 1 h, 3 significant digits) and a timeline of
//! windows. So memory does not grow with the number of requests, nor with the number
//! of workers. It must not import the transports or the engine.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer as _, V2DeflateSerializer};

use super::raw_http::Answer;
use super::transport::{Failure, NO_STATUS};
use crate::steps::exec::FieldValue;
use crate::value::Value;

/// The largest latency the histogram tells apart (one hour, in microseconds);
/// longer ones are recorded as this.
pub const HIGHEST_LATENCY_US: u64 = 3_600_000_000;
/// Latencies a worker keeps before handing them to the recorder.
const BATCH: usize = 128;
/// A batch older than this is handed over even if not full, so that progress
/// snapshots stay current at low rates.
const BATCH_AGE: Duration = Duration::from_millis(200);
/// The timeline starts with one-second windows and doubles their length whenever it
/// would need more than this many.
const MAX_WINDOWS: usize = 120;
const FIRST_WINDOW_MS: u64 = 1000;

/// Why a request failed, as a key of the `errors` map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKey {
    /// No answer: `connect`, `timeout`, `reset`, …
    Failure(Failure),
    /// An answer of 400 or more, with no `check` to judge it: `status 500`.
    Status(u16),
    /// A `check` condition that did not hold: `check failed: status == 200`.
    Check(String),
}

impl ErrorKey {
    pub fn label(&self) -> String {
        match self {
            ErrorKey::Failure(failure) => failure.label().to_string(),
            ErrorKey::Status(status) => format!("status {status}"),
            ErrorKey::Check(condition) => format!("check failed: {condition}"),
        }
    }
}

/// One measured request, for the recorder.
#[derive(Clone, Copy, Debug)]
struct Sample {
    /// When it started (was due, in the open model), from the measured part's start.
    offset_ms: u64,
    latency_us: Option<u64>,
    failed: bool,
}

/// The counts of one worker, or of all of them once merged.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    pub requests: u64,
    pub succeeded: u64,
    /// Requests that got an answer, whatever it was.
    pub responses: u64,
    pub bytes: u64,
    pub latency_sum_us: u128,
    pub latency_count: u64,
    pub latency_min_us: u64,
    pub latency_max_us: u64,
    /// By status code, in the order first seen.
    pub statuses: Vec<(u16, u64)>,
    pub errors: Vec<(ErrorKey, u64)>,
    /// When the last measured request finished.
    pub last_done: Option<Instant>,
}

impl Totals {
    pub fn merge(&mut self, other: Totals) {
        self.requests += other.requests;
        self.succeeded += other.succeeded;
        self.responses += other.responses;
        self.bytes += other.bytes;
        if other.latency_count > 0 {
            self.latency_min_us = if self.latency_count == 0 {
                other.latency_min_us
            } else {
                self.latency_min_us.min(other.latency_min_us)
            };
            self.latency_max_us = self.latency_max_us.max(other.latency_max_us);
        }
        self.latency_sum_us += other.latency_sum_us;
        self.latency_count += other.latency_count;
        for (status, count) in other.statuses {
            add_count(&mut self.statuses, status, count);
        }
        for (key, count) in other.errors {
            add_count(&mut self.errors, key, count);
        }
        self.last_done = match (self.last_done, other.last_done) {
            (Some(mine), Some(theirs)) => Some(mine.max(theirs)),
            (mine, theirs) => mine.or(theirs),
        };
    }
}

fn add_count<K: PartialEq>(counts: &mut Vec<(K, u64)>, key: K, count: u64) {
    match counts.iter_mut().find(|(known, _)| *known == key) {
        Some((_, total)) => *total += count,
        None => counts.push((key, count)),
    }
}

/// The counts of the workers of one runtime thread (or of all of them, in tests) and
/// their batch of latencies not yet recorded.
pub struct ThreadStats {
    totals: Totals,
    batch: Vec<Sample>,
    /// When the first sample of the batch was recorded.
    batch_started: Option<Instant>,
}

impl Default for ThreadStats {
    fn default() -> ThreadStats {
        ThreadStats::new()
    }
}

impl ThreadStats {
    pub fn new() -> ThreadStats {
        ThreadStats {
            totals: Totals::default(),
            batch: Vec::with_capacity(BATCH),
            batch_started: None,
        }
    }

    /// Counts one measured request. `latency` is `None` when it means nothing (the
    /// connection could not be made or broke: no answer took that long).
    pub fn record(
        &mut self,
        offset: Duration,
        done: Instant,
        latency: Option<Duration>,
        answer: Option<Answer>,
        error: Option<ErrorKey>,
        recorder: &Mutex<Recorder>,
    ) {
        let totals = &mut self.totals;
        totals.requests += 1;
        totals.last_done = Some(totals.last_done.map_or(done, |last| last.max(done)));
        if let Some(answer) = answer {
            totals.responses += 1;
            totals.bytes += answer.body_bytes;
            if answer.status != NO_STATUS {
                add_count(&mut totals.statuses, answer.status, 1);
            }
        }
        let failed = error.is_some();
        match error {
            Some(key) => add_count(&mut totals.errors, key, 1),
            None => totals.succeeded += 1,
        }
        let latency_us =
            latency.map(|latency| u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
        if let Some(micros) = latency_us {
            totals.latency_min_us = if totals.latency_count == 0 {
                micros
            } else {
                totals.latency_min_us.min(micros)
            };
            totals.latency_max_us = totals.latency_max_us.max(micros);
            totals.latency_sum_us += u128::from(micros);
            totals.latency_count += 1;
        }
        self.batch.push(Sample {
            offset_ms: u64::try_from(offset.as_millis()).unwrap_or(u64::MAX),
            latency_us,
            failed,
        });
        let batch_started = *self.batch_started.get_or_insert(done);
        if self.batch.len() >= BATCH || done.saturating_duration_since(batch_started) >= BATCH_AGE {
            self.flush(recorder);
        }
    }

    /// Hands the batch to the recorder.
    pub fn flush(&mut self, recorder: &Mutex<Recorder>) {
        self.batch_started = None;
        if self.batch.is_empty() {
            return;
        }
        let mut recorder = recorder.lock().unwrap_or_else(PoisonError::into_inner);
        for sample in self.batch.drain(..) {
            recorder.record(sample);
        }
    }

    /// The counts so far, the batch handed to the recorder first (for an
    /// `abort when` read while the load runs).
    pub fn so_far(&mut self, recorder: &Mutex<Recorder>) -> Totals {
        self.flush(recorder);
        self.totals.clone()
    }

    /// The counts, once the last batch is flushed.
    pub fn finish(mut self, recorder: &Mutex<Recorder>) -> Totals {
        self.flush(recorder);
        self.totals
    }
}

/// The latencies of a whole load: the histogram, and the same per window of time.
pub struct Recorder {
    histogram: Histogram<u64>,
    timeline: Timeline,
    /// Measured requests handed over so far, and how many of them failed.
    requests: u64,
    failed: u64,
}

/// What the recorder knows so far, for a progress line.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub requests: u64,
    pub failed: u64,
    pub p99: Duration,
}

struct Timeline {
    window_ms: u64,
    windows: Vec<Window>,
    /// A window's histogram before anything is recorded in it: 2 significant digits,
    /// sized as it is used.
    empty: Histogram<u64>,
}

#[derive(Clone)]
struct Window {
    requests: u64,
    failed: u64,
    histogram: Histogram<u64>,
}

impl Recorder {
    pub fn new() -> Result<Recorder, String> {
        let histogram = Histogram::new_with_bounds(1, HIGHEST_LATENCY_US, 3)
            .map_err(|error| format!("cannot make the latency histogram: {error}"))?;
        let empty = Histogram::new(2)
            .map_err(|error| format!("cannot make the latency histogram: {error}"))?;
        Ok(Recorder {
            requests: 0,
            failed: 0,
            histogram,
            timeline: Timeline {
                window_ms: FIRST_WINDOW_MS,
                windows: Vec::new(),
                empty,
            },
        })
    }

    /// The counts and the p99 of what workers have handed over so far.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            requests: self.requests,
            failed: self.failed,
            p99: if self.histogram.is_empty() {
                Duration::ZERO
            } else {
                Duration::from_micros(self.histogram.value_at_quantile(0.99))
            },
        }
    }

    fn record(&mut self, sample: Sample) {
        self.requests += 1;
        self.failed += u64::from(sample.failed);
        if let Some(micros) = sample.latency_us {
            self.histogram
                .saturating_record(micros.min(HIGHEST_LATENCY_US));
        }
        self.timeline.record(sample);
    }
}

impl Timeline {
    fn record(&mut self, sample: Sample) {
        let mut index = sample.offset_ms / self.window_ms;
        while index >= MAX_WINDOWS as u64 {
            self.coarsen();
            index = sample.offset_ms / self.window_ms;
        }
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        while self.windows.len() <= index {
            self.windows.push(Window {
                requests: 0,
                failed: 0,
                histogram: self.empty.clone(),
            });
        }
        if let Some(window) = self.windows.get_mut(index) {
            window.requests += 1;
            window.failed += u64::from(sample.failed);
            if let Some(micros) = sample.latency_us {
                // An auto-resizing histogram only fails to record when it cannot grow.
                let _ = window.histogram.record(micros.clamp(1, HIGHEST_LATENCY_US));
            }
        }
    }

    /// Doubles the window length, merging neighbours.
    fn coarsen(&mut self) {
        self.window_ms *= 2;
        let old = std::mem::take(&mut self.windows);
        let mut pairs = old.into_iter();
        while let Some(mut first) = pairs.next() {
            if let Some(second) = pairs.next() {
                first.requests += second.requests;
                first.failed += second.failed;
                let _ = first.histogram.add(&second.histogram);
            }
            self.windows.push(first);
        }
    }
}

/// The result record of a load (docs/load.md), in the order `schema()` declares it, then
/// two fields for reports that scripts cannot read (the schema does not declare
/// them): `histogram`, the whole HDR histogram in microseconds, V2-serialized with
/// DEFLATE, in base64 (the format of HdrHistogram's log files, which `ritc merge` adds
/// up exactly); and `timeline`, a list of windows
/// `{start, length, requests, failed, p50, p99, max}`.
pub fn fields(
    totals: &Totals,
    recorder: &Recorder,
    dropped: u64,
    measured: Duration,
) -> Vec<(String, FieldValue)> {
    let mut fields = declared_fields(totals, recorder, dropped, measured);
    fields.push((
        "histogram".to_string(),
        Ok(serialized_histogram(&recorder.histogram)),
    ));
    fields.push((
        "timeline".to_string(),
        Ok(timeline_value(&recorder.timeline)),
    ));
    fields
}

/// The field of a load's record, beside `histogram` and `timeline`, that says
/// which `abort when` stopped it: `{condition, at, values}`.
pub const ABORTED: &str = "aborted";

/// The fields of the result record that the schema declares (what a script and
/// an `abort when` read), without the two for reports.
pub fn declared_fields(
    totals: &Totals,
    recorder: &Recorder,
    dropped: u64,
    measured: Duration,
) -> Vec<(String, FieldValue)> {
    let failed = totals.requests - totals.succeeded;
    let success_rate = if totals.requests == 0 {
        0.0
    } else {
        totals.succeeded as f64 / totals.requests as f64
    };
    let throughput = if measured.is_zero() {
        0.0
    } else {
        totals.responses as f64 / measured.as_secs_f64()
    };
    let micros = Duration::from_micros;
    let histogram = &recorder.histogram;
    let percentile = |quantile: f64| {
        if histogram.is_empty() {
            Duration::ZERO
        } else {
            // Never above the true maximum, which the histogram only knows to 0.1%.
            micros(
                histogram
                    .value_at_quantile(quantile)
                    .min(totals.latency_max_us),
            )
        }
    };
    let average = match totals.latency_count {
        0 => Duration::ZERO,
        count => {
            micros(u64::try_from(totals.latency_sum_us / u128::from(count)).unwrap_or(u64::MAX))
        }
    };
    let latency = vec![
        (
            "min".to_string(),
            Value::Duration(micros(totals.latency_min_us)),
        ),
        ("avg".to_string(), Value::Duration(average)),
        ("p50".to_string(), Value::Duration(percentile(0.50))),
        ("p90".to_string(), Value::Duration(percentile(0.90))),
        ("p95".to_string(), Value::Duration(percentile(0.95))),
        ("p99".to_string(), Value::Duration(percentile(0.99))),
        ("p999".to_string(), Value::Duration(percentile(0.999))),
        (
            "max".to_string(),
            Value::Duration(micros(totals.latency_max_us)),
        ),
    ];
    let mut statuses = totals.statuses.clone();
    statuses.sort_unstable();
    let mut errors: Vec<(String, u64)> = totals
        .errors
        .iter()
        .map(|(key, count)| (key.label(), *count))
        .collect();
    errors.sort();
    let count = |value: u64| Value::Int(i64::try_from(value).unwrap_or(i64::MAX));
    vec![
        ("requests".to_string(), Ok(count(totals.requests))),
        ("succeeded".to_string(), Ok(count(totals.succeeded))),
        ("failed".to_string(), Ok(count(failed))),
        ("dropped".to_string(), Ok(count(dropped))),
        ("success_rate".to_string(), Ok(Value::Percent(success_rate))),
        ("throughput".to_string(), Ok(Value::Float(throughput))),
        ("latency".to_string(), Ok(Value::Object(latency))),
        ("bytes".to_string(), Ok(Value::Size(totals.bytes))),
        (
            "statuses".to_string(),
            Ok(Value::Object(
                statuses
                    .into_iter()
                    .map(|(status, total)| (status.to_string(), count(total)))
                    .collect(),
            )),
        ),
        (
            "errors".to_string(),
            Ok(Value::Object(
                errors
                    .into_iter()
                    .map(|(key, total)| (key, count(total)))
                    .collect(),
            )),
        ),
        ("duration".to_string(), Ok(Value::Duration(measured))),
    ]
}

/// The histogram as HdrHistogram's logs write it: V2 + DEFLATE, base64.
pub fn serialized_histogram(histogram: &Histogram<u64>) -> Value {
    let mut bytes = Vec::new();
    match V2DeflateSerializer::new().serialize(histogram, &mut bytes) {
        Ok(_) => Value::String(base64::engine::general_purpose::STANDARD.encode(&bytes)),
        Err(_) => Value::Null,
    }
}

fn timeline_value(timeline: &Timeline) -> Value {
    let length = Duration::from_millis(timeline.window_ms);
    let windows = timeline.windows.iter().enumerate().map(|(index, window)| {
        let at = |quantile: f64| {
            if window.histogram.is_empty() {
                Duration::ZERO
            } else {
                Duration::from_micros(window.histogram.value_at_quantile(quantile))
            }
        };
        let start = Duration::from_millis(timeline.window_ms * index as u64);
        Value::Object(vec![
            ("start".to_string(), Value::Duration(start)),
            ("length".to_string(), Value::Duration(length)),
            (
                "requests".to_string(),
                Value::Int(i64::try_from(window.requests).unwrap_or(i64::MAX)),
            ),
            (
                "failed".to_string(),
                Value::Int(i64::try_from(window.failed).unwrap_or(i64::MAX)),
            ),
            ("p50".to_string(), Value::Duration(at(0.50))),
            ("p99".to_string(), Value::Duration(at(0.99))),
            (
                "max".to_string(),
                Value::Duration(Duration::from_micros(window.histogram.max())),
            ),
        ])
    });
    Value::List(windows.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::serialization::Deserializer;

    fn answer(status: u16) -> Option<Answer> {
        Some(Answer {
            status,
            body_bytes: 10,
        })
    }

    fn field<'a>(fields: &'a [(String, FieldValue)], name: &str) -> &'a Value {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .and_then(|(_, value)| value.as_ref().ok())
            .unwrap()
    }

    #[test]
    fn counts_statuses_errors_and_latencies() {
        let recorder = Mutex::new(Recorder::new().unwrap());
        let now = Instant::now();
        let mut first = ThreadStats::new();
        let mut second = ThreadStats::new();
        let ms = Duration::from_millis;
        first.record(ms(0), now, Some(ms(10)), answer(200), None, &recorder);
        first.record(
            ms(5),
            now,
            Some(ms(30)),
            answer(500),
            Some(ErrorKey::Status(500)),
            &recorder,
        );
        second.record(
            ms(7),
            now,
            None,
            None,
            Some(ErrorKey::Failure(Failure::Connect)),
            &recorder,
        );
        second.record(
            ms(1500),
            now,
            Some(ms(20)),
            answer(200),
            Some(ErrorKey::Check("status == 201".to_string())),
            &recorder,
        );
        let mut totals = first.finish(&recorder);
        totals.merge(second.finish(&recorder));
        let recorder = recorder.into_inner().unwrap();
        let fields = fields(&totals, &recorder, 3, Duration::from_secs(2));
        let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "requests",
                "succeeded",
                "failed",
                "dropped",
                "success_rate",
                "throughput",
                "latency",
                "bytes",
                "statuses",
                "errors",
                "duration",
                "histogram",
                "timeline"
            ]
        );
        assert!(matches!(field(&fields, "requests"), Value::Int(4)));
        assert!(matches!(field(&fields, "succeeded"), Value::Int(1)));
        assert!(matches!(field(&fields, "failed"), Value::Int(3)));
        assert!(matches!(field(&fields, "dropped"), Value::Int(3)));
        assert!(matches!(field(&fields, "bytes"), Value::Size(30)));
        assert!(
            matches!(field(&fields, "throughput"), Value::Float(rate) if (*rate - 1.5).abs() < 1e-9)
        );
        let statuses = field(&fields, "statuses");
        assert!(matches!(statuses.get("200"), Some(Value::Int(2))));
        assert!(matches!(statuses.get("500"), Some(Value::Int(1))));
        let errors = field(&fields, "errors");
        assert!(matches!(errors.get("connect"), Some(Value::Int(1))));
        assert!(matches!(errors.get("status 500"), Some(Value::Int(1))));
        assert!(matches!(
            errors.get("check failed: status == 201"),
            Some(Value::Int(1))
        ));
        let latency = field(&fields, "latency");
        assert!(matches!(latency.get("min"), Some(Value::Duration(d)) if *d == ms(10)));
        assert!(matches!(latency.get("avg"), Some(Value::Duration(d)) if *d == ms(20)));
        assert!(matches!(latency.get("max"), Some(Value::Duration(d)) if *d == ms(30)));
        let Value::String(encoded) = field(&fields, "histogram") else {
            panic!("no histogram");
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        let decoded: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .unwrap();
        assert_eq!(decoded.len(), 3);
        let Value::List(windows) = field(&fields, "timeline") else {
            panic!("no timeline");
        };
        assert_eq!(windows.len(), 2);
        assert!(matches!(windows[0].get("requests"), Some(Value::Int(3))));
        assert!(matches!(windows[1].get("failed"), Some(Value::Int(1))));
    }

    #[test]
    fn the_timeline_coarsens_instead_of_growing() {
        let recorder = Mutex::new(Recorder::new().unwrap());
        let mut stats = ThreadStats::new();
        let now = Instant::now();
        for second in 0..1000u64 {
            stats.record(
                Duration::from_secs(second),
                now,
                Some(Duration::from_millis(1)),
                answer(200),
                None,
                &recorder,
            );
        }
        let _ = stats.finish(&recorder);
        let recorder = recorder.into_inner().unwrap();
        assert!(recorder.timeline.windows.len() <= MAX_WINDOWS);
        assert_eq!(recorder.timeline.window_ms, 16_000);
        let total: u64 = recorder
            .timeline
            .windows
            .iter()
            .map(|window| window.requests)
            .sum();
        assert_eq!(total, 1000);
    }
}
