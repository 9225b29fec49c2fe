//! Go to definition: a name to where it is declared (a `let`, `param`, `secret`,
//! `fn`, `service`, loop variable, `fn` parameter, or the step whose field it is),
//! across imported modules, and an `import` path to its file.

use super::analysis::{self, Analysis};
use super::walk;
use crate::check::index::Target;
use crate::source::span::{FileId, Span};
use crate::syntax::ast::Item;
use std::path::PathBuf;

/// Where the definition is: a file and a span in it (`None` for the file's start).
pub struct Destination {
    pub path: PathBuf,
    pub span: Option<Span>,
}

pub fn definition(analysis: &Analysis, offset: usize) -> Option<Destination> {
    let file = analysis.entry_file();
    if let Some(destination) = import_path_at(analysis, offset) {
        return Some(destination);
    }
    let at = u32::try_from(offset).ok()?;
    if let Some(reference) = analysis.index.reference_at(file, at) {
        let Target::Declared { definition, .. } = reference.target else {
            return None;
        };
        let (module_file, span) = follow_import(analysis, definition, &reference.name)
            .unwrap_or((definition.file, definition));
        return destination(analysis, module_file, span);
    }
    // On a declaration itself: stay there (editors then offer references).
    if let Some(definition) = analysis.index.definition_at(file, at) {
        return destination(analysis, file, definition.span);
    }
    None
}

fn destination(analysis: &Analysis, file: FileId, span: Span) -> Option<Destination> {
    let path = analysis.paths.get(&file)?.clone();
    Some(Destination {
        path,
        span: Some(span),
    })
}

/// A name brought in by an `import` without `as` points at that import; this
/// finds the name's own declaration in the imported module.
fn follow_import(analysis: &Analysis, span: Span, name: &str) -> Option<(FileId, Span)> {
    let module = analysis.module_of_file(span.file)?;
    let imported = analysis::imported_module(&analysis.program, module, span)?;
    let (declared, _) = analysis::top_level_definition(&analysis.program, imported, name)?;
    Some((analysis.program.module(imported).file, declared))
}

/// `import "./helpers.rit"` with the cursor on the path: that file.
fn import_path_at(analysis: &Analysis, offset: usize) -> Option<Destination> {
    analysis
        .entry_ast()
        .items
        .iter()
        .find_map(|item| match item {
            Item::Import(import) if walk::contains(import.path.span, offset) => {
                let module =
                    analysis::imported_module(&analysis.program, analysis.entry, import.span)?;
                let file = analysis.program.module(module).file;
                let path = analysis.paths.get(&file)?.clone();
                Some(Destination { path, span: None })
            }
            _ => None,
        })
}
