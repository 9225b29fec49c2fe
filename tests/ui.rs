//! Golden tests of diagnostics: each `tests/ui/**/*.rit` is one test that checks the
//! file and compares its rendered diagnostics with the sibling `.stderr` file. Run
//! with `RITC_BLESS=1` to rewrite the expected files, then review them by eye.
//!
//! A `harness = false` target (libtest-mimic) so that every golden is its own test:
//! a failure names its file, `cargo test --test ui E0301` runs one family, and the
//! files are checked in parallel. Paths are resolved against the repository through
//! the loader, never by changing the process's working directory (which is shared
//! by every thread of the test binary).

use libtest_mimic::{Arguments, Failed, Trial};
use ritc::check::{
    self,
    program::{DiskLoader, SourceLoader},
};
use ritc::diagnostics::render;
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(&root.join("tests/ui"), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no golden files under tests/ui");
    let trials = files
        .into_iter()
        .map(|file| {
            let relative = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
            let name = relative
                .strip_prefix("tests/ui")
                .unwrap_or(&relative)
                .with_extension("")
                .display()
                .to_string();
            Trial::test(name, move || golden(root, &relative))
        })
        .collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

/// The `.rit` files under `dir`, leaving out `modules/` folders (what the goldens
/// import, not goldens themselves).
fn collect(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "modules") {
                collect(&path, found);
            }
        } else if path.extension().is_some_and(|extension| extension == "rit") {
            found.push(path);
        }
    }
}

/// Checks `relative` (a path from the repository root, so that the output names
/// files the same on every machine) and compares with, or blesses, its `.stderr`.
fn golden(root: &Path, relative: &Path) -> Result<(), Failed> {
    let mut loader = FromRoot {
        root: root.to_path_buf(),
        disk: DiskLoader::default(),
    };
    let (program, diagnostics) = check::check_files(&[relative.to_path_buf()], &mut loader)
        .map_err(|error| format!("{}: {}", error.path.display(), error.reason))?;
    let actual = render::human(&program.sources, &diagnostics);
    let expected_path = root.join(relative).with_extension("stderr");
    if std::env::var_os("RITC_BLESS").is_some() {
        std::fs::write(&expected_path, &actual)
            .map_err(|error| format!("{}: {error}", expected_path.display()))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    if actual == expected {
        return Ok(());
    }
    Err(format!(
        "diagnostics differ from {} (RITC_BLESS=1 to rewrite, then review):\n--- expected\n{expected}\n--- actual\n{actual}",
        expected_path.display()
    )
    .into())
}

/// The disk, with relative paths read from `root` instead of the working directory.
struct FromRoot {
    root: PathBuf,
    disk: DiskLoader,
}

impl SourceLoader for FromRoot {
    fn read(&mut self, path: &Path) -> Result<String, String> {
        self.disk.read(&self.root.join(path))
    }

    fn canonical(&mut self, path: &Path) -> PathBuf {
        self.disk.canonical(&self.root.join(path))
    }

    fn project_root(&mut self, folder: &Path) -> PathBuf {
        self.disk.project_root(&self.root.join(folder))
    }

    fn read_data(&mut self, path: &Path) -> Option<Result<Vec<u8>, String>> {
        self.disk.read_data(&self.root.join(path))
    }

    fn imports_anywhere(&self) -> bool {
        self.disk.imports_anywhere()
    }
}
