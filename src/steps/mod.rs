//! Step kinds: one folder per kind (`http`, `run`, `sql`, `redis`, `ws`, `load`),
//! each implementing the `StepKind` trait, and the one registry that lists them.
//! Everything that needs to know which step kinds exist (the checker, the language
//! server, the backends' lookup, tests/tidy.rs) reads `registry()`. Must not import
//! `run`, `plan` or `report`.

mod check;
mod http;
mod kind;
mod load;
mod redis;
mod registry;
mod run;
mod sql;
mod ws;

pub use check::StepChecker;
pub use kind::StepKind;
pub use registry::{by_name, registry};
