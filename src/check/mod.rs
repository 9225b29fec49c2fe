//! Checking: loading a program's modules, resolving names, typing expressions and
//! steps, and every rule of docs/language.md. Pure apart from the `SourceLoader` the
//! caller passes in. Must not import `run`.

pub mod checker;
pub mod index;
pub mod program;
pub mod resolved;
pub mod shell_context;
pub mod short_secret;

use crate::diagnostics::{Diagnostic, sort_by_position};
use program::{Program, SourceLoader, UnreadableFile};
use std::path::PathBuf;

/// Loads the files (and what they import), parses and checks them.
pub fn check_files(
    entries: &[PathBuf],
    loader: &mut dyn SourceLoader,
) -> Result<(Program, Vec<Diagnostic>), UnreadableFile> {
    let (program, mut diagnostics) = program::load(entries, loader)?;
    // Files that do not parse are checked anyway: the checker reports what it can
    // on the items that did parse.
    let (checked, param_types, names) = checker::check_with_param_types(&program);
    diagnostics.extend(checked);
    let mut program = program;
    program.param_types = param_types;
    program.names = names;
    sort_by_position(&mut diagnostics);
    diagnostics.dedup();
    Ok((program, diagnostics))
}
