//! What surrounds the cursor in the raw text, read without the parser (the text
//! being typed rarely parses): whether it is in a comment, in string text or in a
//! `{{ }}`, how deeply braces nest there, and the word being typed.

/// Where an offset falls, lexically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Code,
    Comment,
    /// Inside a string, outside any `{{ }}`.
    StringText,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Surroundings {
    pub place: Place,
    /// `{` minus `}` before the offset, in code (objects and blocks alike).
    pub brace_depth: usize,
    /// Inside a `{{ }}` of a string (at any depth).
    pub in_interpolation: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Frame {
    /// Code inside a `{{ }}`; `}}` closes it.
    Interpolation,
    String,
    BlockString,
}

/// Scans `text` up to `offset` (a byte offset, clamped to the text).
pub fn surroundings(text: &str, offset: usize) -> Surroundings {
    let bytes = text.as_bytes();
    let offset = offset.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut depth: usize = 0;
    let mut index = 0;
    let mut in_comment = false;
    while index < offset {
        let byte = bytes[index];
        let rest = &bytes[index..];
        match stack.last() {
            None | Some(Frame::Interpolation) => {
                if byte == b'#' {
                    match bytes[index..].iter().position(|byte| *byte == b'\n') {
                        Some(end) if index + end < offset => index += end,
                        _ => {
                            in_comment = true;
                            break;
                        }
                    }
                } else if rest.starts_with(b"\"\"\"") {
                    stack.push(Frame::BlockString);
                    index += 2;
                } else if byte == b'"' {
                    stack.push(Frame::String);
                } else if rest.starts_with(b"}}") && stack.last() == Some(&Frame::Interpolation) {
                    stack.pop();
                    index += 1;
                } else if byte == b'{' {
                    depth += 1;
                } else if byte == b'}' {
                    depth = depth.saturating_sub(1);
                }
            }
            Some(Frame::String) | Some(Frame::BlockString) => {
                let block = stack.last() == Some(&Frame::BlockString);
                if byte == b'\\' {
                    index += 1;
                } else if rest.starts_with(b"{{") {
                    stack.push(Frame::Interpolation);
                    index += 1;
                } else if block && rest.starts_with(b"\"\"\"") {
                    stack.pop();
                    index += 2;
                } else if !block && (byte == b'"' || byte == b'\n') {
                    stack.pop();
                }
            }
        }
        index += 1;
    }
    let place = if in_comment {
        Place::Comment
    } else {
        match stack.last() {
            Some(Frame::String) | Some(Frame::BlockString) => Place::StringText,
            _ => Place::Code,
        }
    };
    Surroundings {
        place,
        brace_depth: depth,
        in_interpolation: stack.contains(&Frame::Interpolation),
    }
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The start of the word that ends at `offset` (== `offset` when none does).
pub fn word_start(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    let mut start = offset.min(bytes.len());
    while start > 0 && is_word_byte(bytes[start - 1]) {
        start -= 1;
    }
    start
}

/// The word that covers `offset` (touching it on either side), with its start.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    let start = word_start(text, offset);
    let mut end = offset.min(bytes.len());
    while end < bytes.len() && is_word_byte(bytes[end]) {
        end += 1;
    }
    let word = text.get(start..end)?;
    (!word.is_empty()).then_some((start, word))
}

/// The last non-blank byte before `offset`, with its position.
pub fn previous_non_blank(text: &str, offset: usize) -> Option<(usize, u8)> {
    let bytes = text.as_bytes();
    let mut index = offset.min(bytes.len());
    while index > 0 {
        index -= 1;
        if !bytes[index].is_ascii_whitespace() {
            return Some((index, bytes[index]));
        }
    }
    None
}

/// The word just before `offset`, skipping blanks (`expect` in `expect |`).
pub fn previous_word(text: &str, offset: usize) -> Option<&str> {
    let (position, byte) = previous_non_blank(text, offset)?;
    if !is_word_byte(byte) {
        return None;
    }
    let start = word_start(text, position + 1);
    text.get(start..position + 1)
}

/// The byte range of the line that holds `offset`, without its line break.
pub fn line_around(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let start = text.as_bytes()[..offset]
        .iter()
        .rposition(|byte| *byte == b'\n')
        .map_or(0, |index| index + 1);
    let end = text.as_bytes()[offset..]
        .iter()
        .position(|byte| *byte == b'\n')
        .map_or(text.len(), |index| offset + index);
    (start, end)
}

/// `text` with the bytes of `range` replaced by spaces: offsets elsewhere stay
/// the same. The range is widened to character boundaries.
pub fn blank_out(text: &str, start: usize, end: usize) -> String {
    let mut start = start.min(text.len());
    let mut end = end.min(text.len()).max(start);
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    for byte in text[start..end].bytes() {
        // Keep line breaks so that lines stay where they were.
        out.push(if byte == b'\n' { '\n' } else { ' ' });
    }
    // A multi-byte character becomes as many spaces as it had bytes.
    out.push_str(&text[end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Surroundings {
        let offset = text.find('|').unwrap();
        surroundings(&text.replace('|', ""), offset)
    }

    #[test]
    fn finds_strings_comments_interpolations_and_depth() {
        assert_eq!(at("test \"x\" { GET \"a|").place, Place::StringText);
        assert_eq!(at("test \"x\" { GET \"a{{ b|").place, Place::Code);
        assert!(at("test \"x\" { GET \"a{{ b|").in_interpolation);
        assert_eq!(at("test \"x\" { GET \"a{{ h[\"k|").place, Place::StringText);
        assert_eq!(
            at("test \"x\" { GET \"a{{ h[\"k\"] }}\" |").place,
            Place::Code
        );
        assert_eq!(at("test \"x\" { GET \"a{{ h[\"k\"] }}\" |").brace_depth, 1);
        assert_eq!(at("# a comment |").place, Place::Comment);
        assert_eq!(at("# a comment\n|").place, Place::Code);
        assert_eq!(at("let a = \"\"\"\n {{ x }} \" |").place, Place::StringText);
        assert_eq!(at("let a = \"\"\"\n x \"\"\" |").place, Place::Code);
        assert_eq!(at("test \"{\" { }|").brace_depth, 0);
        assert_eq!(at("let a = \"broken\nlet b = |").place, Place::Code);
    }

    #[test]
    fn reads_words_and_lines() {
        let text = "  expect sta";
        assert_eq!(word_start(text, text.len()), 9);
        assert_eq!(word_at(text, 4), Some((2, "expect")));
        assert_eq!(previous_word(text, 9), Some("expect"));
        assert_eq!(line_around("a\nbc\nd", 3), (2, 4));
        assert_eq!(blank_out("aé b", 1, 3), "a   b");
        assert_eq!(blank_out("ab\ncd", 0, 5), "  \n  ");
    }
}
