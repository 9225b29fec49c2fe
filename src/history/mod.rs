//! Run history (docs/reports.md, "Run history"): each run appends what each test
//! did (status, attempts, duration, each load's p99 and throughput) to a bounded
//! local file, and the findings against the runs before it — flaky tests, new
//! failures, regressions — become warnings of the run's reports. Pure data and
//! one file; imports nothing of the crate but `units`, so `run` (which records a
//! run), `report::merge` (which records a merged one) and `cli` (`ritc history`)
//! all stand on it.

mod entry;
mod findings;
mod store;

pub use entry::{HISTORY_FORMAT, LoadEntry, RunEntry, TestEntry, millis_of};
pub use findings::{Finding, FindingKind, findings};
pub use store::{DEFAULT_DIR, DEFAULT_KEEP, HistoryStore};
