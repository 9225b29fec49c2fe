//! The `run` step kind: its declaration (`kind`), its typed config (`config`) and
//! its execution (`exec`).

pub mod config;
pub mod exec;
mod kind;

pub use config::RunConfig;
pub use kind::Run;
