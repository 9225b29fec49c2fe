//! Watching what a run leans on (docs/reports.md, "Resource warnings"): while the
//! tests run, one sampler per dependency the suite's steps connected to (Redis,
//! PostgreSQL, MySQL/MariaDB through `redis(url)` and `database(url)`) reads its
//! limits on a connection of its own, and what came near a limit (80% by default)
//! becomes a `ResourceWarning` with its figures and the time it was reached.
//! Watching never fails a run: a sampler that cannot connect or read says
//! nothing. Imports only the foundations (`units`, `types`, `value`); the runner
//! starts it (`Watcher`) and the reports render its warnings.

mod database;
mod peak;
mod redis;
mod warning;
mod watcher;

pub use peak::when;
pub use warning::{LoadWindow, ResourceKind, ResourceWarning, WARNING_PERCENT, load_at};
pub use watcher::Watcher;
