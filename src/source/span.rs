//! Source positions: byte-offset spans tied to a file. Line and column are computed
//! only when a diagnostic is rendered (see `diagnostics::render`).

/// Which source file a span belongs to; an index into the `SourceMap` of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one file. `synthetic` marks nodes that the compiler invented
/// (they have no text of their own and point at the nearest real node).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
    pub synthetic: bool,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
            synthetic: false,
        }
    }

    /// The smallest span covering both (they must be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
            synthetic: self.synthetic && other.synthetic,
        }
    }

    pub fn synthetic_at(self) -> Span {
        Span {
            synthetic: true,
            ..self
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}
