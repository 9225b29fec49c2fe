//! Turning the paths on the command line into the `.rit` files to load, and saying
//! which one could not be read.

use crate::check::program::UnreadableFile;
use std::path::{Path, PathBuf};

/// A file of the program (given or imported) that could not be read: a usage
/// error, the same words for every subcommand.
pub fn print_unreadable(unreadable: &UnreadableFile) {
    super::print_error(
        format!(
            "cannot read {}: {}",
            unreadable.path.display(),
            unreadable.reason
        ),
        None,
    );
}

/// Files as given, and folders expanded to their `*.rit` files (recursively,
/// sorted, skipping hidden folders and `target`).
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)
                .map_err(|error| format!("cannot read folder {}: {error}", path.display()))?;
            found.sort();
            files.extend(found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(format!("no such file or folder: {}", path.display()));
        }
    }
    Ok(files)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(&path, found)?;
            }
        } else if path.extension().is_some_and(|extension| extension == "rit") {
            found.push(path);
        }
    }
    Ok(())
}
