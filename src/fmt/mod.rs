//! `ritc fmt`'s core: one canonical layout for `.rit` source, comments kept. Pure:
//! text in, text out, no IO (the CLI reads and writes the files). Reads the syntax
//! tree and its comments; must not import `check`, `plan` or `run`.

mod layout;
mod printer;

pub use layout::MAX_WIDTH;

use crate::diagnostics::Diagnostic;
use crate::source::span::FileId;
use crate::syntax;

/// The canonical layout of `source`, or the syntax errors that prevent formatting
/// it (a file that does not parse is never rewritten).
pub fn format_source(file: FileId, source: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = syntax::parse(file, source);
    if parsed.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(parsed.diagnostics);
    }
    Ok(layout::format_file(&parsed.file, source))
}
