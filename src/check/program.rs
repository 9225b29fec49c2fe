//! Loading a program: the entry files and every module they import, relative files
//! and the embedded stdlib, each parsed once. File access goes through the
//! `SourceLoader` trait so that this stays testable without a disk and the only IO
//! lives at the edge (the CLI's loader).

use crate::diagnostics::{Diagnostic, codes};
use crate::source::source_map::SourceMap;
use crate::source::span::{FileId, Span};
use crate::syntax::ast::{
    Binding, BindingKind, BindingValue, Expr, ExprKind, Import, Item, SourceFile,
};
use crate::syntax::{self};
use crate::types::Type;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The stdlib modules, embedded in the binary.
pub const STDLIB: &[(&str, &str)] = &[
    ("std/http", include_str!("../../stdlib/http.rit")),
    ("std/wait", include_str!("../../stdlib/wait.rit")),
    ("std/webhooks", include_str!("../../stdlib/webhooks.rit")),
];

pub trait SourceLoader {
    /// The text of a file, or a plain-words reason it cannot be read.
    fn read(&mut self, path: &Path) -> Result<String, String>;
    /// A key that is equal for two paths of the same file.
    fn canonical(&mut self, path: &Path) -> PathBuf {
        normalize(path)
    }
    /// The project that holds `folder` (the suite's root is widened to it), or
    /// `folder` itself when none does.
    fn project_root(&mut self, folder: &Path) -> PathBuf {
        folder.to_path_buf()
    }
    /// Whether imports may resolve outside the suite's root (`--allow-read`).
    fn imports_anywhere(&self) -> bool {
        false
    }
    /// The bytes of a file a constant `read()`, `file()` or `schema()` names, or
    /// why it cannot be read; `None` when this loader cannot tell (one that
    /// serves sources from memory), and the checker then says nothing of it.
    fn read_data(&mut self, _path: &Path) -> Option<Result<Vec<u8>, String>> {
        None
    }
}

/// Reads from the real file system.
#[derive(Default)]
pub struct DiskLoader {
    /// `--allow-read`: imports may resolve outside the suite's root.
    pub allow_read: bool,
}

impl SourceLoader for DiskLoader {
    fn read(&mut self, path: &Path) -> Result<String, String> {
        read_source(path)
    }

    fn canonical(&mut self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
    }

    fn project_root(&mut self, folder: &Path) -> PathBuf {
        enclosing_project_root(folder)
    }

    fn imports_anywhere(&self) -> bool {
        self.allow_read
    }

    fn read_data(&mut self, path: &Path) -> Option<Result<Vec<u8>, String>> {
        Some(read_data_file(path))
    }
}

/// A `.rit` file's text from the disk, or why it cannot be read in plain words.
pub fn read_source(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a folder".to_string(),
        std::io::ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
        _ => error.to_string(),
    })
}

/// A data file's bytes from the disk, or why not in the words of `read_source`.
pub fn read_data_file(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a folder".to_string(),
        _ => error.to_string(),
    })
}

/// A file that a constant argument of `read()`, `file()` or `schema()` names, as
/// the loader found it when the program was loaded: the checker reads no file.
#[derive(Clone, Debug)]
pub enum DataFile {
    /// It cannot be read: why, in plain words.
    Unreadable(String),
    /// It is outside the suite's root, which the run refuses to read unless
    /// `--allow-read` (it was not looked at).
    OutsideTheSuite,
    /// It can be read (`read()`, `file()`: its content is not kept).
    Readable,
    /// A schema file's content (`schema()`), for the checker to compile.
    Schema(Vec<u8>),
}

/// The core functions whose constant path argument names a file beside the module.
const DATA_FUNCTIONS: [&str; 3] = ["read", "file", "schema"];

/// `read("x")`, `file("x")`, `schema("x")`: the function, the path as written and
/// where it is written.
pub fn constant_data_path(expr: &Expr) -> Option<(&'static str, String, Span)> {
    let (function, argument) = data_call(expr)?;
    let ExprKind::String(path) = &argument.kind else {
        return None;
    };
    Some((function, path.as_plain_text()?, argument.span))
}

/// `read(x)`, `file(x)`, `schema(x)`: the function and its path argument.
pub fn data_call(expr: &Expr) -> Option<(&'static str, &Expr)> {
    let ExprKind::Call { callee, arguments } = &expr.kind else {
        return None;
    };
    let ExprKind::Name(function) = &callee.kind else {
        return None;
    };
    let function = DATA_FUNCTIONS
        .into_iter()
        .find(|name| *name == function.name)?;
    // The path is the first argument when it is not named, or the one named
    // `path`: `file(name: "a.txt", content: …)` names no file on disk.
    let argument = arguments
        .iter()
        .enumerate()
        .find(|(position, argument)| match &argument.name {
            None => *position == 0,
            Some(name) => name.name == "path",
        })
        .map(|(_, argument)| &argument.value)?;
    Some((function, argument))
}

/// The nearest folder at or above `folder` that holds `.git` (a repository's
/// root, also a worktree's), or `folder` when there is none: a suite in a
/// repository may import and read the repository's other files, and nothing
/// outside it.
pub fn enclosing_project_root(folder: &Path) -> PathBuf {
    folder
        .ancestors()
        .find(|ancestor| ancestor.join(".git").exists())
        .unwrap_or(folder)
        .to_path_buf()
}

/// Removes `.` and `a/..` without touching the disk.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            // A `..` cancels the folder before it, but not another `..`: `../..`
            // stays two levels up (it was shown as one, naming the wrong file).
            // Above the root is the root, as the file system has it.
            Component::ParentDir => match out.components().next_back() {
                None | Some(Component::ParentDir) => out.push(".."),
                Some(Component::RootDir | Component::Prefix(_)) => {}
                Some(_) => {
                    out.pop();
                }
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(pub usize);

pub struct Module {
    pub id: ModuleId,
    pub file: FileId,
    /// The name shown to users: the path as given, or `std/http`.
    pub name: String,
    /// The folder that relative paths in this module resolve against; `None` for
    /// the stdlib (which resolves against the folder of the file that runs).
    pub dir: Option<PathBuf>,
    pub ast: SourceFile,
    pub imports: Vec<ResolvedImport>,
}

#[derive(Clone, Debug)]
pub struct ResolvedImport {
    pub import: Import,
    /// `None` when the module could not be loaded (already reported).
    pub module: Option<ModuleId>,
}

pub struct Program {
    pub sources: SourceMap,
    pub modules: Vec<Module>,
    /// The files the user named, in order.
    pub entries: Vec<ModuleId>,
    /// The suite's root: the folder that holds every entry file (symlinks
    /// resolved), widened to the project that holds it. Imports resolve inside it
    /// unless the loader allows more, and so do `read()` and `file()` at run time.
    pub root: PathBuf,
    /// The type the checker gave each top-level `param`, by the span of its
    /// name: how `--param` reads its text (docs/language.md, "Command line").
    /// Filled by `check::check_files`.
    pub param_types: HashMap<Span, Type>,
    /// What each name refers to, by the span of its use. Filled by
    /// `check::check_files`; the planner makes slots of it.
    pub names: super::resolved::ResolvedNames,
    /// The files constant `read()`, `file()` and `schema()` arguments name, by
    /// their path (the module's folder joined with the path as written), as the
    /// loader found them; only those inside the root unless the loader allows
    /// more (`--allow-read`).
    pub data_files: HashMap<PathBuf, DataFile>,
}

impl Program {
    pub fn module(&self, id: ModuleId) -> &Module {
        &self.modules[id.0]
    }

    /// What the loader found at the path a constant `read()`, `file()` or
    /// `schema()` argument of `module` names (`written`).
    pub fn data_file(&self, module: ModuleId, written: &str) -> Option<&DataFile> {
        let dir = self.module(module).dir.as_ref()?;
        self.data_files.get(&dir.join(written))
    }

    /// Modules in an order where each comes after what it imports.
    pub fn dependency_order(&self) -> Vec<ModuleId> {
        let mut order = Vec::new();
        let mut state = vec![0u8; self.modules.len()];
        for module in &self.modules {
            self.visit(module.id, &mut state, &mut order);
        }
        order
    }

    fn visit(&self, id: ModuleId, state: &mut [u8], order: &mut Vec<ModuleId>) {
        if state[id.0] != 0 {
            return;
        }
        state[id.0] = 1;
        for import in &self.modules[id.0].imports {
            if let Some(dependency) = import.module {
                self.visit(dependency, state, order);
            }
        }
        state[id.0] = 2;
        order.push(id);
    }
}

/// Why an entry file could not be read at all (a usage error, not a diagnostic).
#[derive(Debug)]
pub struct UnreadableFile {
    pub path: PathBuf,
    pub reason: String,
}

pub fn load(
    entries: &[PathBuf],
    loader: &mut dyn SourceLoader,
) -> Result<(Program, Vec<Diagnostic>), UnreadableFile> {
    let mut builder = Builder {
        loader,
        program: Program {
            sources: SourceMap::default(),
            modules: Vec::new(),
            entries: Vec::new(),
            root: PathBuf::new(),
            param_types: HashMap::new(),
            names: Default::default(),
            data_files: HashMap::new(),
        },
        by_key: HashMap::new(),
        diagnostics: Vec::new(),
        root: None,
    };
    let folders: Vec<PathBuf> = entries
        .iter()
        .map(|entry| builder.folder_of(entry))
        .collect();
    let common = common_ancestor(&folders);
    let root = builder.loader.project_root(&common);
    builder.program.root = root.clone();
    if !builder.loader.imports_anywhere() {
        builder.root = Some(root);
    }
    for entry in entries {
        let source = builder
            .loader
            .read(entry)
            .map_err(|reason| UnreadableFile {
                path: entry.clone(),
                reason,
            })?;
        let key = builder.loader.canonical(entry);
        let id = match builder.by_key.get(&key) {
            Some(id) => *id,
            None => {
                let dir = builder.folder_of(entry);
                builder.add(key, entry.display().to_string(), Some(dir), source)
            }
        };
        if !builder.program.entries.contains(&id) {
            builder.program.entries.push(id);
        }
    }
    builder.detect_cycles();
    let Builder {
        program,
        diagnostics,
        ..
    } = builder;
    Ok((program, diagnostics))
}

/// The deepest folder that holds all of `folders` (`.` when there are none).
fn common_ancestor(folders: &[PathBuf]) -> PathBuf {
    let Some((first, rest)) = folders.split_first() else {
        return PathBuf::from(".");
    };
    let mut common = first.clone();
    for folder in rest {
        while !folder.starts_with(&common) {
            if !common.pop() {
                return PathBuf::new();
            }
        }
    }
    common
}

struct Builder<'a> {
    loader: &'a mut dyn SourceLoader,
    program: Program,
    by_key: HashMap<PathBuf, ModuleId>,
    diagnostics: Vec<Diagnostic>,
    /// Imports must resolve inside this folder; `None` with `--allow-read`.
    root: Option<PathBuf>,
}

impl Builder<'_> {
    /// The folder a file's relative paths resolve against, made absolute so that
    /// commands and files resolve the same whatever the working directory.
    fn folder_of(&mut self, file: &Path) -> PathBuf {
        let parent = file
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        self.loader.canonical(parent)
    }

    fn add(
        &mut self,
        key: PathBuf,
        name: String,
        dir: Option<PathBuf>,
        source: String,
    ) -> ModuleId {
        let file = self.program.sources.add(name.clone(), source);
        let parsed = syntax::parse(file, self.program.sources.source(file));
        self.diagnostics.extend(parsed.diagnostics);
        if let Some(dir) = &dir {
            self.find_data_files(&parsed.file, dir);
        }
        let id = ModuleId(self.program.modules.len());
        self.by_key.insert(key, id);
        let imports: Vec<Import> = parsed
            .file
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Import(import) => Some(import.clone()),
                _ => None,
            })
            .collect();
        self.program.modules.push(Module {
            id,
            file,
            name: name.clone(),
            dir: dir.clone(),
            ast: parsed.file,
            imports: Vec::new(),
        });
        let resolved = imports
            .into_iter()
            .map(|import| {
                let module = self.resolve(&import, dir.as_deref(), &name);
                ResolvedImport { import, module }
            })
            .collect();
        self.program.modules[id.0].imports = resolved;
        id
    }

    /// Asks the loader for each file a constant `read()`, `file()` or `schema()`
    /// of this module names, so that the checker can warn of one that is not
    /// there and compile a schema, without reading files itself.
    /// A path held by a top-level `let` or `param` default (`read(p)` with `let p
    /// = "x"`) counts as a constant one; an absolute path is read like the run
    /// reads it, and one outside the root is not read but said to be refused.
    fn find_data_files(&mut self, file: &SourceFile, dir: &Path) {
        let constants: HashMap<&str, String> = file
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Binding(Binding {
                    kind: BindingKind::Let | BindingKind::Param,
                    name,
                    value: Some(BindingValue::Expr(value)),
                    ..
                }) => match &value.kind {
                    ExprKind::String(path) => Some((name.name.as_str(), path.as_plain_text()?)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let mut named = Vec::new();
        crate::syntax::visit::visit_file(file, &mut |expr| {
            let Some((function, argument)) = data_call(expr) else {
                return;
            };
            let path = match &argument.kind {
                ExprKind::String(path) => path.as_plain_text(),
                ExprKind::Name(name) => constants.get(name.name.as_str()).cloned(),
                _ => None,
            };
            if let Some(path) = path {
                named.push((function, path));
            }
        });
        for (function, path) in named {
            let full = dir.join(&path);
            if self.program.data_files.contains_key(&full) {
                continue;
            }
            let key = self.loader.canonical(&full);
            if self
                .root
                .as_ref()
                .is_some_and(|root| !key.starts_with(root))
            {
                self.program
                    .data_files
                    .insert(full, DataFile::OutsideTheSuite);
                continue;
            }
            let Some(read) = self.loader.read_data(&full) else {
                continue;
            };
            let found = match read {
                Err(reason) => DataFile::Unreadable(reason),
                Ok(bytes) if function == "schema" => DataFile::Schema(bytes),
                Ok(_) => DataFile::Readable,
            };
            self.program.data_files.insert(full, found);
        }
    }

    /// `importer` is the importing module's display name: an imported module is
    /// shown by its path relative to where the user's paths are, like its importer.
    fn resolve(&mut self, import: &Import, dir: Option<&Path>, importer: &str) -> Option<ModuleId> {
        let shown = normalize(
            &Path::new(importer)
                .parent()
                .unwrap_or(Path::new(""))
                .join(import.path.as_plain_text().unwrap_or_default()),
        );
        let span = import.path.span;
        let Some(path) = import.path.as_plain_text() else {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::IMPORT_NOT_ALLOWED,
                    "an import path cannot be interpolated",
                    span,
                    "a path with `{{ }}`",
                )
                .with_help("write the path literally: `import \"./helpers.rit\"`"),
            );
            return None;
        };
        if let Some(name) = path.strip_prefix("std/").map(|_| path.as_str()) {
            let key = PathBuf::from(format!("<stdlib>/{name}"));
            if let Some(id) = self.by_key.get(&key) {
                return Some(*id);
            }
            let Some((_, source)) = STDLIB.iter().find(|(std_name, _)| *std_name == name) else {
                let candidates: Vec<&str> = STDLIB.iter().map(|(name, _)| *name).collect();
                let mut diagnostic = Diagnostic::error(
                    codes::MODULE_NOT_FOUND,
                    format!("there is no standard module `{name}`"),
                    span,
                    "not in the standard library",
                );
                diagnostic =
                    match crate::diagnostics::did_you_mean(name, candidates.iter().copied()) {
                        Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                        None => diagnostic
                            .with_help(format!("standard modules: {}", candidates.join(", "))),
                    };
                self.diagnostics.push(diagnostic);
                return None;
            };
            return Some(self.add(key, name.to_string(), None, source.to_string()));
        }
        if path.contains("://") || Path::new(&path).is_absolute() {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::IMPORT_NOT_ALLOWED,
                    "imports take a relative path or a `std/` module",
                    span,
                    "a URL or an absolute path",
                )
                .with_help("copy the module next to this file and import it as `./name.rit`"),
            );
            return None;
        }
        let Some(dir) = dir else {
            self.diagnostics.push(Diagnostic::error(
                codes::IMPORT_NOT_ALLOWED,
                "a standard module can import only other standard modules",
                span,
                "a relative import",
            ));
            return None;
        };
        let full = dir.join(&path);
        // Symlinks and `..` are resolved before the checks: what counts is the
        // file that would be read, not the path that names it.
        let key = self.loader.canonical(&full);
        if let Some(root) = &self.root
            && !key.starts_with(root)
        {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::IMPORT_NOT_ALLOWED,
                    format!("`{path}` is outside the suite's folder"),
                    span,
                    "resolves outside the suite's folder",
                )
                .with_help(format!(
                    "imports stay inside {} (the folder of the files given to ritc, or the repository that holds them); copy the module there, or pass --allow-read",
                    root.display()
                )),
            );
            return None;
        }
        if key.extension().is_none_or(|extension| extension != "rit") {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::IMPORT_NOT_ALLOWED,
                    "only `.rit` files can be imported",
                    span,
                    "not a `.rit` file",
                )
                .with_help(
                    "import a module written in the language, `./name.rit`; read data with `read()` or `file()`",
                ),
            );
            return None;
        }
        if let Some(id) = self.by_key.get(&key) {
            return Some(*id);
        }
        match self.loader.read(&full) {
            Ok(source) => {
                let name = shown.display().to_string();
                let module_dir = self.folder_of(&full);
                Some(self.add(key, name, Some(module_dir), source))
            }
            Err(reason) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::MODULE_NOT_FOUND,
                        format!("cannot read module `{path}`"),
                        span,
                        format!("looked for {}: {reason}", shown.display()),
                    )
                    .with_help("paths are relative to the folder of the importing file"),
                );
                None
            }
        }
    }

    /// Reports each import that closes a cycle, at that import.
    fn detect_cycles(&mut self) {
        let count = self.program.modules.len();
        let mut state = vec![0u8; count];
        let mut stack = Vec::new();
        for start in 0..count {
            self.cycle_visit(ModuleId(start), &mut state, &mut stack);
        }
    }

    fn cycle_visit(&mut self, id: ModuleId, state: &mut [u8], stack: &mut Vec<ModuleId>) {
        if state[id.0] != 0 {
            return;
        }
        state[id.0] = 1;
        stack.push(id);
        let imports = self.program.modules[id.0].imports.clone();
        for import in imports {
            let Some(target) = import.module else {
                continue;
            };
            match state[target.0] {
                0 => self.cycle_visit(target, state, stack),
                1 => {
                    let cycle_start = stack.iter().position(|m| *m == target).unwrap_or(0);
                    let mut names: Vec<String> = stack[cycle_start..]
                        .iter()
                        .map(|m| self.program.modules[m.0].name.clone())
                        .collect();
                    names.push(self.program.modules[target.0].name.clone());
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::IMPORT_CYCLE,
                            "import cycle",
                            import.import.path.span,
                            "this import closes the cycle",
                        )
                        .with_help(format!(
                            "{}; move what they share into a module that none of them imports back",
                            names.join(" imports ")
                        )),
                    );
                }
                _ => {}
            }
        }
        stack.pop();
        state[id.0] = 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_every_level_up() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(
            normalize(Path::new("../../x.rit")),
            PathBuf::from("../../x.rit")
        );
        assert_eq!(normalize(Path::new("a/../../x")), PathBuf::from("../x"));
        assert_eq!(normalize(Path::new("/a/../../x")), PathBuf::from("/x"));
    }
}
