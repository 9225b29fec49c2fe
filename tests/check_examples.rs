//! Every example shipped with the project, every stdlib module and (when the spec
//! folder is next to the repository) every normative example checks clean: no
//! error and no warning.

use ritc::check::{self, program::DiskLoader};
use ritc::diagnostics::render;
use std::path::{Path, PathBuf};

fn rit_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.extension().is_some_and(|extension| extension == "rit"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn assert_clean(dir: &Path) {
    let files = rit_files(dir);
    assert!(!files.is_empty(), "no .rit files in {}", dir.display());
    for file in files {
        let (program, diagnostics) =
            check::check_files(std::slice::from_ref(&file), &mut DiskLoader::default())
                .unwrap_or_else(|error| {
                    panic!("cannot read {}: {}", error.path.display(), error.reason)
                });
        assert!(
            diagnostics.is_empty(),
            "{} is not clean:\n{}",
            file.display(),
            render::human(&program.sources, &diagnostics)
        );
    }
}

#[test]
fn project_examples_check_clean() {
    assert_clean(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"));
}

#[test]
fn stdlib_checks_clean() {
    assert_clean(&Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib"));
}

#[test]
fn normative_examples_check_clean() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/examples");
    if spec.is_dir() {
        assert_clean(&spec);
    }
}
