//! Byte offsets (what spans hold) to and from LSP positions: zero-based lines and
//! columns counted in UTF-16 code units, as the protocol's default encoding wants.
//! Positions past the end of a line or of the text are clamped, never trusted.

use crate::source::span::Span;
use lsp_types::{Position, Range};

pub struct LineIndex<'a> {
    text: &'a str,
    /// The byte offset where each line starts.
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(offset, _)| offset + 1));
        LineIndex { text, line_starts }
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = floor_boundary(self.text, offset.min(self.text.len()));
        let line = self
            .line_starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1);
        let line_start = self.line_starts.get(line).copied().unwrap_or(0);
        let column: usize = self
            .text
            .get(line_start..offset)
            .map_or(0, |prefix| prefix.encode_utf16().count());
        Position::new(to_u32(line), to_u32(column))
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(
            self.position(span.start as usize),
            self.position(span.end as usize),
        )
    }

    /// The byte offset of a position; a column past the end of its line gives the
    /// line's end, a line past the end gives the end of the text.
    pub fn offset(&self, position: Position) -> usize {
        let Some(line_start) = self.line_starts.get(position.line as usize).copied() else {
            return self.text.len();
        };
        let line_end = self
            .line_starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |next| next.saturating_sub(1));
        let line = self.text.get(line_start..line_end).unwrap_or("");
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0usize;
        for (byte, character) in line.char_indices() {
            if units >= position.character as usize {
                return line_start + byte;
            }
            units += character.len_utf16();
        }
        line_start + line.len()
    }
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_columns_in_utf16_units() {
        let text = "let a = \"é😀\" x\nnext";
        let index = LineIndex::new(text);
        let x = text.find(" x").unwrap() + 1;
        // `é` is one unit, the emoji two.
        assert_eq!(index.position(x), Position::new(0, 14));
        assert_eq!(index.offset(Position::new(0, 14)), x);
        assert_eq!(index.position(text.len()), Position::new(1, 4));
        assert_eq!(index.offset(Position::new(1, 99)), text.len());
        assert_eq!(index.offset(Position::new(7, 0)), text.len());
    }

    #[test]
    fn clamps_offsets_inside_a_character() {
        let text = "é";
        let index = LineIndex::new(text);
        assert_eq!(index.position(1), Position::new(0, 0));
        assert_eq!(index.position(99), Position::new(0, 1));
    }
}
