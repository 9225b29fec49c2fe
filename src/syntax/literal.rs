//! Lexical literals: escapes, block-string dedent, and the comment scanner (numbers
//! with units are read by `crate::units`). Pure functions over text, unit-tested here.

// Where the parser has always found them.
pub use crate::units::{DURATION_UNITS, NumberError, NumberLiteral, SIZE_UNITS, parse_number};

/// The character an escape stands for, `None` for an escape we do not know.
pub fn unescape(escaped: char) -> Option<char> {
    match escaped {
        'n' => Some('\n'),
        't' => Some('\t'),
        '"' => Some('"'),
        '\\' => Some('\\'),
        '{' => Some('{'),
        _ => None,
    }
}

/// The text of a `"""` block string: the line break after the opening quotes and
/// the one before the closing quotes dropped, then the common indentation of the
/// non-blank lines removed (docs/language.md, "Literals").
pub fn dedent_block(raw: &str) -> String {
    let mut text = raw;
    if let Some(rest) = text
        .strip_prefix("\r\n")
        .or_else(|| text.strip_prefix('\n'))
    {
        text = rest;
    }
    if let Some(last_break) = text.rfind('\n')
        && text[last_break + 1..].trim().is_empty()
    {
        text = &text[..last_break];
        text = text.strip_suffix('\r').unwrap_or(text);
    }
    let indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    text.split('\n')
        .map(|line| {
            if line.trim().is_empty() {
                ""
            } else {
                line.get(indent..).unwrap_or(line)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A `#` comment found in source: byte range of the whole comment, `#` included.
#[derive(Clone, Debug, PartialEq)]
pub struct CommentRange {
    pub start: usize,
    pub end: usize,
}

/// Finds every comment, skipping `#` inside strings (and strings inside `{{ }}`).
pub fn scan_comments(source: &str) -> Vec<CommentRange> {
    #[derive(Clone, Copy, PartialEq)]
    enum Context {
        Code,
        Line,
        Block,
        Interpolation,
    }
    let bytes = source.as_bytes();
    let mut stack = vec![Context::Code];
    let mut comments = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let context = *stack.last().unwrap_or(&Context::Code);
        let rest = &bytes[index..];
        match context {
            Context::Code | Context::Interpolation => {
                if rest.starts_with(b"#") {
                    let end = source[index..]
                        .find('\n')
                        .map_or(source.len(), |offset| index + offset);
                    comments.push(CommentRange { start: index, end });
                    index = end;
                    continue;
                } else if rest.starts_with(b"\"\"\"") {
                    stack.push(Context::Block);
                    index += 3;
                    continue;
                } else if rest.starts_with(b"\"") {
                    stack.push(Context::Line);
                } else if context == Context::Interpolation && rest.starts_with(b"}}") {
                    stack.pop();
                    index += 2;
                    continue;
                }
            }
            Context::Line | Context::Block => {
                if rest.starts_with(b"\\") {
                    index += 2;
                    continue;
                } else if rest.starts_with(b"{{") {
                    stack.push(Context::Interpolation);
                    index += 2;
                    continue;
                } else if context == Context::Block && rest.starts_with(b"\"\"\"") {
                    stack.pop();
                    index += 3;
                    continue;
                } else if context == Context::Line
                    && (rest.starts_with(b"\"") || rest.starts_with(b"\n"))
                {
                    stack.pop();
                }
            }
        }
        index += 1;
    }
    comments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_strings_lose_common_indentation() {
        assert_eq!(
            dedent_block("\n    SELECT *\n      FROM t\n    "),
            "SELECT *\n  FROM t"
        );
        assert_eq!(dedent_block("one line"), "one line");
        assert_eq!(dedent_block("\n  a\n\n  b\n"), "a\n\nb");
    }

    #[test]
    fn comments_skip_strings() {
        let source = "let a = \"# not\" # yes\n\"\"\"\n# no {{ \"#\" }}\n\"\"\" # last";
        let found: Vec<&str> = scan_comments(source)
            .iter()
            .map(|range| &source[range.start..range.end])
            .collect();
        assert_eq!(found, vec!["# yes", "# last"]);
    }
}
