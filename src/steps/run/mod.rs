//! The `run` step kind: its declaration (`kind`) and its execution (`exec`).

pub mod exec;
mod kind;

pub use kind::Run;
