//! A resource warning as data: what came near which limit, where, when. Stored
//! in the JSON report (so `ritc merge` keeps it) and rendered by every report as
//! one of its `warnings`, in the seed's words ("Redis memory usage at 85% during
//! peak load").

use serde::{Deserialize, Serialize};

/// When a warning says its figure was reached, in the seed's words: "during
/// load test" in a run that ran a `load` step, "during the run" in one that
/// ran none (a run without a load is no load test).
pub fn during(ran_load: bool) -> &'static str {
    if ran_load {
        "during load test"
    } else {
        "during the run"
    }
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
