//! One line of the history file: a run, and what each of its tests did.

use serde::{Deserialize, Serialize};

/// The `format` of every line; a line of another format is skipped on reading.
pub const HISTORY_FORMAT: &str = "ritc-history/1";

/// One run (or one merged run of shards).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunEntry {
    pub format: String,
    /// When the run started, milliseconds since the Unix epoch.
    pub started_unix_ms: u64,
    pub files: Vec<String>,
    pub tests: Vec<TestEntry>,
}

/// What one test did in one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestEntry {
    pub suite: String,
    pub name: String,
    pub file: String,
    /// `passed`, `failed`, `skipped`, `warned` or `interrupted`.
    pub status: String,
    /// 1, or more when `retry` ran it again.
    pub attempts: u32,
    pub duration_ms: f64,
    /// Each `load` step of the test, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loads: Vec<LoadEntry>,
}

/// The figures of one `load` step that history compares across runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoadEntry {
    pub p99_ms: f64,
    /// Requests per second.
    pub throughput: f64,
}

impl TestEntry {
    /// `Suite / Test`, as the reports name a test.
    pub fn full_name(&self) -> String {
        format!("{} / {}", self.suite, self.name)
    }

    fn same_test(&self, other: &TestEntry) -> bool {
        self.suite == other.suite && self.name == other.name && self.file == other.file
    }

    pub fn passed(&self) -> bool {
        self.status == "passed"
    }

    pub fn failed(&self) -> bool {
        self.status == "failed"
    }
}

impl RunEntry {
    pub fn new(started_unix_ms: u64, files: Vec<String>) -> RunEntry {
        RunEntry {
            format: HISTORY_FORMAT.to_string(),
            started_unix_ms,
            files,
            tests: Vec::new(),
        }
    }

    /// This run's record of `test`, if it ran it.
    pub fn find(&self, test: &TestEntry) -> Option<&TestEntry> {
        self.tests.iter().find(|known| known.same_test(test))
    }
}

impl LoadEntry {
    /// From a load's record as the reports hold it (`latency.p99` as `"91.2ms"`,
    /// `throughput` in requests per second); None when either is missing.
    pub fn from_report(load: &serde_json::Value) -> Option<LoadEntry> {
        Some(LoadEntry {
            p99_ms: millis_of(load.get("latency")?.get("p99")?.as_str()?)?,
            throughput: load.get("throughput")?.as_f64()?,
        })
    }
}

/// `"806µs"`, `"91.199ms"`, `"1.027s"` in milliseconds: a load record's
/// latencies (also read by `report::suggest`).
pub fn millis_of(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(number) = text.strip_suffix("µs") {
        (number, 0.001)
    } else if let Some(number) = text.strip_suffix("ms") {
        (number, 1.0)
    } else if let Some(number) = text.strip_suffix('s') {
        (number, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|value| value * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_record_gives_its_p99_and_throughput() {
        let load = serde_json::json!({
            "latency": { "p50": "1ms", "p99": "91.5ms" },
            "throughput": 973.25,
        });
        assert_eq!(
            LoadEntry::from_report(&load),
            Some(LoadEntry {
                p99_ms: 91.5,
                throughput: 973.25
            })
        );
        assert_eq!(millis_of("806µs"), Some(0.806));
        assert_eq!(millis_of("1.5s"), Some(1500.0));
        assert_eq!(millis_of("fast"), None);
        assert_eq!(LoadEntry::from_report(&serde_json::json!({})), None);
    }
}
