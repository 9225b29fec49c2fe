//! Compile-time diagnostics: the `Diagnostic` value, the table of stable codes, and
//! the renderers (human, JSON, GitHub annotations). Must not import `check` or `run`.

pub mod codes;
mod diagnostic;
pub mod excerpt;
pub mod render;

pub use diagnostic::{Diagnostic, Label, Severity, did_you_mean, edit_distance, sort_by_position};
