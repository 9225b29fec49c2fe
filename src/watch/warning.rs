//! A resource warning as data: what came near which limit, where, when. Stored
//! in the JSON report (so `ritc merge` keeps it) and rendered by every report as
//! one of its `warnings`, in the seed's words ("Redis memory usage at 85% during
//! peak load").

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A `load` step of the run: when it ran, since the run started, and its name
/// as warnings give it ("`load GET http://…/` (db.rit:14)").
#[derive(Clone, Debug, PartialEq)]
pub struct LoadWindow {
    pub from: Duration,
    pub to: Duration,
    pub name: String,
}

/// When a warning says its figure was reached, following the moment `at` (when
/// the reading's query was sent, so a reading answered just after a load ended
/// is not taken for the load's): in the seed's words "during load test" when a
/// `load` was running then, naming it; "during the run" otherwise (a peak
/// before, after or between the loads, or in a run without one, was no load
/// test's).
pub fn during(loads: &[LoadWindow], at: Duration) -> String {
    match load_at(loads, at) {
        Some(load) => format!("during load test {}", load.name),
        None => "during the run".to_string(),
    }
}

/// The load that was running at `at`, if any.
pub fn load_at(loads: &[LoadWindow], at: Duration) -> Option<&LoadWindow> {
    loads.iter().find(|load| load.from <= at && at <= load.to)
}

/// A figure at or above this share of its limit is a warning (percent).
pub const WARNING_PERCENT: f64 = 80.0;

/// What a warning is about; its snake_case name is the `--events` and JSON
/// report's `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// A database's connections against the server's, the role's or the
    /// database's connection limit.
    DatabaseConnections,
    /// Redis `used_memory` against `maxmemory`.
    RedisMemory,
    /// Redis `connected_clients` against `maxclients`.
    RedisClients,
    /// Redis evicted keys while the run went (`evicted_keys` grew).
    RedisEvictions,
    /// Statements waiting for a lock were seen.
    DatabaseLockWaits,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::DatabaseConnections => "database_connections",
            ResourceKind::RedisMemory => "redis_memory",
            ResourceKind::RedisClients => "redis_clients",
            ResourceKind::RedisEvictions => "redis_evictions",
            ResourceKind::DatabaseLockWaits => "database_lock_waits",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceWarning {
    pub kind: ResourceKind,
    /// The server, as its URL with the password hidden.
    pub target: String,
    /// The share of the limit reached at the peak (none for counts such as
    /// evictions or lock waits).
    #[serde(default)]
    pub percent: Option<f64>,
    /// When the peak was first reached, in milliseconds since the run started.
    pub at_ms: f64,
    /// The warning in words, with its figures and time.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peak_is_during_the_load_that_was_running_then() {
        let loads = [
            LoadWindow {
                from: Duration::from_millis(1000),
                to: Duration::from_millis(3000),
                name: "`load GET http://127.0.0.1:8080/` (db.rit:14)".to_string(),
            },
            LoadWindow {
                from: Duration::from_millis(5000),
                to: Duration::from_millis(6000),
                name: "`load GET http://127.0.0.1:8080/b` (db.rit:20)".to_string(),
            },
        ];
        let at = |millis: u64| during(&loads, Duration::from_millis(millis));
        assert_eq!(at(500), "during the run");
        assert_eq!(
            at(1000),
            "during load test `load GET http://127.0.0.1:8080/` (db.rit:14)"
        );
        assert_eq!(
            at(3000),
            "during load test `load GET http://127.0.0.1:8080/` (db.rit:14)"
        );
        // Sent just after the load ended: the figures are no longer the load's.
        assert_eq!(at(3001), "during the run");
        assert_eq!(at(4000), "during the run");
        assert_eq!(
            at(5500),
            "during load test `load GET http://127.0.0.1:8080/b` (db.rit:20)"
        );
        assert_eq!(during(&[], Duration::from_millis(1000)), "during the run");
    }
}
