//! The `redis` step kind: its declaration (`kind`, `check`), its typed config
//! (`config`) and its execution (`exec`).

mod check;
pub mod config;
pub mod exec;
mod kind;

pub use config::RedisConfig;
pub use exec::RedisExecutor;
pub use kind::{REDIS, Redis};
