//! ritc: a compiler and async interpreter for `.rit` runtime integration checks.
//! Data flows one way: syntax → check → plan → run → events → report. See
//! docs/ARCHITECTURE.md for the map.

pub mod diagnostics;
pub mod syntax;
