//! Golden tests of diagnostics: each `tests/ui/**/*.rit` is checked and its
//! rendered diagnostics compared with the sibling `.stderr` file. Run with
//! `RITC_BLESS=1` to rewrite the expected files, then review them by eye.

use ritc::check::{self, program::DiskLoader};
use ritc::diagnostics::render;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rit")
            && !path.to_string_lossy().contains("/modules/")
        {
            found.push(path);
        }
    }
}

#[test]
fn diagnostics_match_their_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ui = root.join("tests/ui");
    let mut files = Vec::new();
    collect(&ui, &mut files);
    files.sort();
    assert!(!files.is_empty());
    let bless = std::env::var_os("RITC_BLESS").is_some();
    let mut failures = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(root).unwrap_or(file).to_path_buf();
        // Check with a path relative to the repository so the output is stable.
        let previous = std::env::current_dir().ok();
        std::env::set_current_dir(root).ok();
        let checked =
            check::check_files(std::slice::from_ref(&relative), &mut DiskLoader::default());
        if let Some(previous) = previous {
            std::env::set_current_dir(previous).ok();
        }
        let (program, diagnostics) =
            checked.unwrap_or_else(|error| panic!("{}: {}", error.path.display(), error.reason));
        let actual = render::human(&program.sources, &diagnostics);
        let expected_path = file.with_extension("stderr");
        if bless {
            std::fs::write(&expected_path, &actual).ok();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual != expected {
            failures.push(format!("--- {}\n{actual}", relative.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "diagnostics differ (RITC_BLESS=1 to rewrite, then review):\n{}",
        failures.join("\n")
    );
}
