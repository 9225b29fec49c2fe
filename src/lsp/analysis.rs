//! Checking one open document: the checker run on the editor's unsaved text (and
//! that of every other open buffer it imports, the disk for the rest), kept with
//! its index so that hover, definition and completion can answer from it.

use crate::check::index::{self, Index};
use crate::check::program::{ModuleId, Program, SourceLoader, normalize};
use crate::diagnostics::Diagnostic;
use crate::source::span::FileId;
use crate::syntax::ast::{Item, SourceFile};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Serves open buffers by path, and the disk for the rest.
pub struct BufferLoader<'a> {
    pub buffers: &'a HashMap<PathBuf, String>,
    /// Replaces one buffer's text (completion checks a repaired copy).
    pub replaced: Option<(&'a Path, &'a str)>,
}

impl SourceLoader for BufferLoader<'_> {
    fn read(&mut self, path: &Path) -> Result<String, String> {
        let key = canonical_path(path);
        if let Some((replaced, text)) = self.replaced
            && canonical_path(replaced) == key
        {
            return Ok(text.to_string());
        }
        if let Some(text) = self.buffers.get(&key) {
            return Ok(text.clone());
        }
        crate::check::program::read_source(path)
    }

    fn canonical(&mut self, path: &Path) -> PathBuf {
        canonical_path(path)
    }

    fn read_data(&mut self, path: &Path) -> Option<Result<Vec<u8>, String>> {
        if let Some(text) = self.buffers.get(&canonical_path(path)) {
            return Some(Ok(text.clone().into_bytes()));
        }
        Some(crate::check::program::read_data_file(path))
    }

    // Confined like `ritc check` without `--allow-read`, so that the editor shows
    // the same refusal of an import outside the suite's folder.
    fn project_root(&mut self, folder: &Path) -> PathBuf {
        crate::check::program::enclosing_project_root(folder)
    }
}

/// The key of a file: its real path when it exists, else the path made tidy.
pub fn canonical_path(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
}

pub struct Analysis {
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
    pub index: Index,
    pub entry: ModuleId,
    /// The path of each module's file (the stdlib has none).
    pub paths: HashMap<FileId, PathBuf>,
}

impl Analysis {
    pub fn entry_file(&self) -> FileId {
        self.program.module(self.entry).file
    }

    pub fn entry_ast(&self) -> &SourceFile {
        &self.program.module(self.entry).ast
    }

    pub fn source(&self, file: FileId) -> &str {
        self.program.sources.source(file)
    }

    pub fn module_of_file(&self, file: FileId) -> Option<ModuleId> {
        self.program
            .modules
            .iter()
            .find(|module| module.file == file)
            .map(|module| module.id)
    }

    /// Whether this analysis read `path` (to re-check it when that file changes).
    pub fn depends_on(&self, path: &Path) -> bool {
        self.paths.values().any(|known| known == path)
    }
}

#[cfg(test)]
thread_local! {
    /// How many times this thread ran the checker, for the tests that hold the
    /// server to checking a change once.
    pub static CHECKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Checks `path` with the open buffers. `None` only when the checker itself
/// failed (it is guarded: a panic is reported on stderr, never to the editor).
pub fn analyze(
    path: &Path,
    buffers: &HashMap<PathBuf, String>,
    replaced: Option<&str>,
) -> Option<Analysis> {
    #[cfg(test)]
    CHECKS.with(|checks| checks.set(checks.get() + 1));
    let job = || {
        let mut loader = BufferLoader {
            buffers,
            replaced: replaced.map(|text| (path, text)),
        };
        let entries = [path.to_path_buf()];
        let (program, diagnostics, index) =
            index::check_files_with_index(&entries, &mut loader).ok()?;
        let entry = *program.entries.first()?;
        let paths = module_paths(&program, entry, path);
        Some(Analysis {
            program,
            diagnostics,
            index,
            entry,
            paths,
        })
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
        Ok(analysis) => analysis,
        Err(_) => {
            eprintln!("ritc lsp: the checker failed on {}", path.display());
            None
        }
    }
}

/// Where each module's file is: the entry's path, and for each relative import,
/// the importing module's folder joined with the import's path.
fn module_paths(program: &Program, entry: ModuleId, entry_path: &Path) -> HashMap<FileId, PathBuf> {
    let mut paths = HashMap::new();
    paths.insert(program.module(entry).file, canonical_path(entry_path));
    for module in &program.modules {
        let Some(dir) = &module.dir else { continue };
        for import in &module.imports {
            let (Some(target), Some(relative)) =
                (import.module, import.import.path.as_plain_text())
            else {
                continue;
            };
            if relative.starts_with("std/") {
                continue;
            }
            let file = program.module(target).file;
            paths
                .entry(file)
                .or_insert_with(|| canonical_path(&dir.join(&relative)));
        }
    }
    paths
}

/// The module an `import` item of `module` brought in.
pub fn imported_module(
    program: &Program,
    module: ModuleId,
    import_span: crate::source::span::Span,
) -> Option<ModuleId> {
    program
        .module(module)
        .imports
        .iter()
        .find(|import| import.import.span == import_span || import.import.path.span == import_span)
        .and_then(|import| import.module)
}

/// The top-level name `name` declared by `module`: its span and what it is.
pub fn top_level_definition(
    program: &Program,
    module: ModuleId,
    name: &str,
) -> Option<(crate::source::span::Span, index::NameKind)> {
    program
        .module(module)
        .ast
        .items
        .iter()
        .find_map(|item| match item {
            Item::Binding(binding) if binding.name.name == name => {
                Some((binding.name.span, binding.kind.into()))
            }
            Item::Fn(function) if function.name.name == name => {
                Some((function.name.span, index::NameKind::Function))
            }
            Item::Service(service) if service.name.name == name => {
                Some((service.name.span, index::NameKind::Service))
            }
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The editor refuses an import out of the suite's folder like `ritc check`,
    /// and never shows the foreign file (here as a buffer the editor has open).
    #[test]
    fn an_import_outside_the_folder_is_refused_like_ritc_check() {
        let outer = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let suite = outer.path().join("suite");
        std::fs::create_dir(&suite).unwrap_or_else(|error| panic!("{error}"));
        let foreign = outer.path().join("foreign.rit");
        std::fs::write(&foreign, "TOKEN=leaked\n").unwrap_or_else(|error| panic!("{error}"));
        let entry = suite.join("t.rit");
        std::fs::write(&entry, "import \"../foreign.rit\"\n")
            .unwrap_or_else(|error| panic!("{error}"));
        let buffers = HashMap::new();
        let analysis = analyze(&entry, &buffers, None).unwrap_or_else(|| panic!("no analysis"));
        let codes: Vec<&str> = analysis.diagnostics.iter().map(|d| d.code.id).collect();
        assert_eq!(codes, ["E0206"]);
        assert!(analysis.program.modules.len() == 1);
    }
}
