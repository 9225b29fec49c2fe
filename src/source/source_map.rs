//! The files of one compilation: names (as the user gave them) and text. Spans
//! index into it; line and column are computed from it only when rendering.

use super::span::{FileId, Span};
use codespan_reporting::files::{Files, SimpleFiles};

#[derive(Default)]
pub struct SourceMap {
    files: SimpleFiles<String, String>,
    count: u32,
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineColumn {
    pub line: usize,
    pub column: usize,
}

impl SourceMap {
    pub fn add(&mut self, name: String, source: String) -> FileId {
        self.files.add(name, source);
        let id = FileId(self.count);
        self.count += 1;
        id
    }

    pub fn name(&self, file: FileId) -> &str {
        self.files
            .get(file.0 as usize)
            .map_or("<unknown>", |f| f.name().as_str())
    }

    pub fn source(&self, file: FileId) -> &str {
        self.files
            .get(file.0 as usize)
            .map_or("", |f| f.source().as_str())
    }

    pub fn location(&self, file: FileId, offset: u32) -> LineColumn {
        match self.files.location(file.0 as usize, offset as usize) {
            Ok(location) => LineColumn {
                line: location.line_number,
                column: location.column_number,
            },
            Err(_) => LineColumn { line: 1, column: 1 },
        }
    }

    pub fn start(&self, span: Span) -> LineColumn {
        self.location(span.file, span.start)
    }

    pub fn end(&self, span: Span) -> LineColumn {
        self.location(span.file, span.end)
    }

    /// `file:line` of a span, as failures name a step.
    pub fn file_line(&self, span: Span) -> String {
        format!("{}:{}", self.name(span.file), self.start(span).line)
    }

    /// The text a span covers.
    pub fn text(&self, span: Span) -> &str {
        self.source(span.file).get(span.range()).unwrap_or("")
    }

    pub fn codespan_files(&self) -> &SimpleFiles<String, String> {
        &self.files
    }
}
