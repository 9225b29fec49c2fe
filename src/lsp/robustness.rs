//! The server's answers never panic: hover, definition and completion at every
//! point of every example and stdlib module, and of those files cut short at many
//! points (what an editor sends while a file is being typed).

use super::analysis::{self, canonical_path};
use super::{completion, definition, hover};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn rit_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for folder in ["examples", "stdlib", "tests/ui"] {
        if let Ok(entries) = std::fs::read_dir(root.join(folder)) {
            files.extend(
                entries
                    .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                    .filter(|path| path.extension().is_some_and(|extension| extension == "rit")),
            );
        }
    }
    files.sort();
    files
}

fn boundaries(text: &str, step: usize) -> impl Iterator<Item = usize> + '_ {
    (0..=text.len())
        .step_by(step)
        .filter(|offset| text.is_char_boundary(*offset))
}

fn exercise(path: &Path, text: &str, step: usize, completion_step: usize) {
    let path = canonical_path(path);
    let buffers = HashMap::from([(path.clone(), text.to_string())]);
    let Some(analysis) = analysis::analyze(&path, &buffers, None) else {
        panic!("no analysis of {}", path.display());
    };
    super::publish::diagnostics(&analysis);
    for offset in boundaries(text, step) {
        hover::hover(&analysis, offset);
        definition::definition(&analysis, offset);
    }
    for offset in boundaries(text, completion_step) {
        completion::completion(&completion::Request {
            path: &path,
            text,
            offset,
            buffers: &buffers,
            current: Some(&analysis),
            snippets: true,
        });
    }
}

#[test]
fn answers_everywhere_in_every_example() {
    let files = rit_files();
    assert!(files.len() > 10, "found only {files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        exercise(file, &text, 1, 7);
    }
}

#[test]
fn answers_in_files_cut_short() {
    for file in rit_files().iter() {
        let text = std::fs::read_to_string(file).unwrap();
        for cut in boundaries(&text, 41).skip(1) {
            let prefix = &text[..cut];
            exercise(file, prefix, 13, prefix.len().max(1));
        }
    }
}
