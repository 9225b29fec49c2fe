//! Parse + check of any UTF-8 input: never a panic, a rejection always has an
//! error diagnostic, and what checks lowers to a plan.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ritc::check::program::SourceLoader;
use std::path::{Path, PathBuf};

/// Serves the one input and refuses imports of anything else.
struct OneFile(String);

impl SourceLoader for OneFile {
    fn read(&mut self, path: &Path) -> Result<String, String> {
        if path == Path::new("case.rit") {
            Ok(self.0.clone())
        } else {
            Err("no such file".to_string())
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let mut loader = OneFile(source.to_string());
    let Ok((program, diagnostics)) =
        ritc::check::check_files(&[PathBuf::from("case.rit")], &mut loader)
    else {
        panic!("the one file could not be read");
    };
    if diagnostics.iter().any(|diagnostic| diagnostic.is_error()) {
        let rendered = ritc::diagnostics::render::human(&program.sources, &diagnostics);
        assert!(
            rendered.contains("error"),
            "a rejection without an error shown"
        );
    } else {
        let _ = ritc::plan::lower(&program);
    }
});
