//! ritc: a compiler and async interpreter for `.rit` runtime integration checks.
//! Data flows one way: syntax → check → plan → run → events → report. See
//! docs/ARCHITECTURE.md for the map.

// A failure is a value with words and a span, never a panic (clippy.toml lets
// tests unwrap).
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod builtins;
pub mod check;
pub mod cli;
pub mod diagnostics;
pub mod evidence;
pub mod failure;
pub mod fmt;
pub mod history;
pub mod import;
pub mod lsp;
pub mod mask;
pub mod os;
pub mod plan;
pub mod publish;
pub mod report;
pub mod run;
pub mod source;
pub mod steps;
pub mod syntax;
pub mod types;
pub mod units;
pub mod value;
pub mod watch;
