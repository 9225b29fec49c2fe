//! The `redis` step kind: its declaration (`kind`, `check`) and its execution
//! (`exec`).

mod check;
pub mod exec;
mod kind;

pub use exec::RedisExecutor;
pub use kind::{Redis, SCHEMES};
