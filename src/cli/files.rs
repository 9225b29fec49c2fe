//! Turning the paths on the command line into the `.rit` files to load.

use std::path::{Path, PathBuf};

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
