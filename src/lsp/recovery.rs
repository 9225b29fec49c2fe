//! Recovery from syntax errors, the one place the language server decides how to
//! answer about a file that does not parse. The parser resumes after a syntax
//! error at the next top-level item, so the item that holds the error is dropped:
//! a test with a half-typed `expect id >` would leave the outline, and hover,
//! definition and completion would know nothing inside it. Here the server makes a
//! copy of the text in which the lines the syntax errors blame are blanked out
//! (spaces, line breaks kept: every offset of the copy is the offset of the same
//! character in the text), parsing it again until it parses or nothing more can be
//! blanked. Hover, definition and the outline answer from the copy's analysis;
//! completion from a copy with the word being typed blanked and its line kept.
//! The server checks only the copy; what it publishes is what `ritc check` says
//! of the text as it is (`publish::diagnostics_as_written`).

use super::cursor;
use crate::diagnostics::{Diagnostic, codes};
use crate::source::span::FileId;

/// At most this many rounds of blanking (each round blanks one line per broken
/// item; an item rarely needs more than two).
const MAX_ROUNDS: usize = 16;

/// A line, as the byte range of its text (without the line break).
pub type Line = (usize, usize);

/// The errors after which pest stopped, so that the parser dropped their item.
/// Other syntax diagnostics (an unknown unit, a chained comparison) keep it.
fn drops_its_item(diagnostic: &Diagnostic) -> bool {
    [
        codes::SYNTAX.id,
        codes::UNTERMINATED_STRING.id,
        codes::KEYWORD_AS_NAME.id,
    ]
    .contains(&diagnostic.code.id)
}

/// `text` with the lines of its syntax errors blanked out, never the line `keep`
/// (the line being typed, when completing); `None` when `text` has no syntax error
/// that drops an item. The copy may still hold errors when blanking could not fix
/// them; the items that parse are then all there is.
pub fn recovered_text(text: &str, keep: Option<Line>) -> Option<String> {
    let mut current = text.to_string();
    let mut changed = false;
    for _ in 0..MAX_ROUNDS {
        let parsed = crate::syntax::parse(FileId(0), &current);
        let errors: Vec<&Diagnostic> = parsed
            .diagnostics
            .iter()
            .filter(|diagnostic| drops_its_item(diagnostic))
            .collect();
        if errors.is_empty() {
            break;
        }
        let mut progressed = false;
        for error in errors {
            if let Some((start, end)) =
                line_to_blank(&current, error.primary.span.start as usize, keep)
            {
                current = cursor::blank_out(&current, start, end);
                progressed = true;
            }
        }
        changed |= progressed;
        if !progressed {
            break;
        }
    }
    changed.then_some(current)
}

/// The line an error at `at` blames. An error found at the first token of a line
/// (`expect` after a half-typed `expect id >`, the `}` after it) is blamed on the
/// line before, which is unfinished; otherwise on its own line. A line of closing
/// brackets alone is never blanked, so that blocks still close, nor an empty one
/// (nothing more to gain), nor `keep`.
fn line_to_blank(text: &str, at: usize, keep: Option<Line>) -> Option<Line> {
    let at = at.min(text.len());
    let own = cursor::line_around(text, at);
    let first_on_its_line = text
        .get(own.0..at)
        .is_some_and(|before| before.trim().is_empty());
    let previous = cursor::previous_non_blank(text, own.0)
        .map(|(position, _)| cursor::line_around(text, position));
    let candidates = if first_on_its_line {
        [previous, Some(own)]
    } else {
        [Some(own), previous]
    };
    candidates.into_iter().flatten().find(|line| {
        let content = text.get(line.0..line.1).unwrap_or_default().trim();
        let closing_only = content
            .chars()
            .all(|character| matches!(character, '}' | ')' | ']'));
        !closing_only && Some(*line) != keep
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_the_unfinished_line_and_keeps_offsets() {
        let text = "test \"t\" {\n  let id = 1\n  expect id >\n  expect id == 1\n}\n";
        let recovered = recovered_text(text, None).unwrap_or_default();
        assert_eq!(recovered.len(), text.len());
        assert!(recovered.contains("  let id = 1\n"));
        assert!(!recovered.contains("expect id >"));
        assert!(recovered.contains("  expect id == 1\n"));
        assert!(
            crate::syntax::parse(FileId(0), &recovered)
                .diagnostics
                .is_empty()
        );
    }

    #[test]
    fn keeps_the_line_being_typed_and_leaves_a_clean_text_alone() {
        let text = "test \"t\" {\n  expect (\n}\n";
        let kept = cursor::line_around(text, 14);
        assert_eq!(recovered_text(text, Some(kept)), None);
        assert_eq!(recovered_text("test \"t\" {\n}\n", None), None);
    }
}
