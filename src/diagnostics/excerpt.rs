//! What a rendered diagnostic shows of its source: control characters escaped
//! (`\u{0}`), never raw, and each line cut to a bounded excerpt around the labels
//! on it, with `…` where text was left out. A file that needs neither is shown as
//! it is. Line numbers and the `file:line:column` header stay those of the real
//! file; only the label offsets are mapped into the text shown. Must not import
//! `check` or `run`.

use crate::source::characters;
use crate::source::source_map::SourceMap;
use crate::source::span::FileId;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error, Files, SimpleFile, column_index};
use std::collections::HashMap;
use std::ops::Range;

/// The most characters of one source line a diagnostic shows.
pub const MAX_LINE_CHARS: usize = 160;

/// How much of a long line is kept before the first label on it.
const CONTEXT_BEFORE: usize = 60;

/// The most characters of a compile diagnostic's message, label or help (they
/// may quote the source: a name, a path).
pub const MAX_MESSAGE_CHARS: usize = 400;

/// Whether `c` is shown escaped: a control character other than tab and newline
/// (a carriage return only when a newline follows it is a line ending), or a
/// bidirectional control, which would reorder the line it is shown in.
fn shown_escaped(c: char) -> bool {
    characters::is_control(c) || characters::is_bidi_control(c)
}

/// `text` with control characters escaped and, past `MAX_MESSAGE_CHARS`, cut
/// with `…`.
pub fn bounded_text(text: &str) -> String {
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count >= MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        if shown_escaped(c) || c == '\r' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a file can be shown as it is.
fn is_plain(source: &str) -> bool {
    !source.contains(shown_escaped)
        && !has_lone_carriage_return(source)
        && source
            .split('\n')
            .all(|line| line.len() <= MAX_LINE_CHARS || line.chars().count() <= MAX_LINE_CHARS)
}

fn has_lone_carriage_return(source: &str) -> bool {
    source
        .match_indices('\r')
        .any(|(at, _)| source.as_bytes().get(at + 1) != Some(&b'\n'))
}

/// How many characters `c` takes when shown.
fn shown_width(c: char) -> usize {
    if shown_escaped(c) || c == '\r' {
        c.escape_unicode().count()
    } else {
        1
    }
}

fn push_shown(text: &mut String, part: &str) {
    for c in part.chars() {
        if shown_escaped(c) || c == '\r' {
            text.extend(c.escape_unicode());
        } else {
            text.push(c);
        }
    }
}

/// Which files can be shown as they are, learned once per file for a whole
/// batch of diagnostics (a scan of the file each time would make many
/// diagnostics on a large file quadratic).
#[derive(Default)]
pub struct PlainFiles(HashMap<usize, bool>);

impl PlainFiles {
    fn is_plain(&mut self, map: &SourceMap, file_id: usize) -> bool {
        *self
            .0
            .entry(file_id)
            .or_insert_with(|| is_plain(map.source(FileId(file_id as u32))))
    }
}

/// One file as a diagnostic shows it.
struct Shown {
    file: SimpleFile<String, String>,
    /// Offsets in the shown text of the labels' ends → their offsets in the file.
    original_of: HashMap<usize, usize>,
}

/// The files of one diagnostic: each file its labels point into that is not
/// plain, rewritten; the others are read from the source map.
pub struct ShownFiles<'a> {
    map: &'a SourceMap,
    shown: HashMap<usize, Shown>,
}

impl<'a> ShownFiles<'a> {
    /// The files for `diagnostic`, and the diagnostic with its labels mapped
    /// into them.
    pub fn for_diagnostic(
        map: &'a SourceMap,
        diagnostic: &cs::Diagnostic<usize>,
        plain: &mut PlainFiles,
    ) -> (Self, cs::Diagnostic<usize>) {
        let mut files = ShownFiles {
            map,
            shown: HashMap::new(),
        };
        let mut points: HashMap<usize, Vec<usize>> = HashMap::new();
        for label in &diagnostic.labels {
            let offsets = points.entry(label.file_id).or_default();
            offsets.push(label.range.start);
            offsets.push(label.range.end);
        }
        let mut mapped = diagnostic.clone();
        for (file_id, offsets) in points {
            if plain.is_plain(map, file_id) {
                continue;
            }
            let source = map.source(FileId(file_id as u32));
            let (text, shown_of) = rewrite(source, &offsets);
            let original_of = shown_of.iter().map(|(from, to)| (*to, *from)).collect();
            for label in mapped
                .labels
                .iter_mut()
                .filter(|label| label.file_id == file_id)
            {
                let start = shown_of.get(&label.range.start).copied().unwrap_or(0);
                let end = shown_of.get(&label.range.end).copied().unwrap_or(start);
                label.range = start..end.max(start);
            }
            files.shown.insert(
                file_id,
                Shown {
                    file: SimpleFile::new(map.name(FileId(file_id as u32)).to_string(), text),
                    original_of,
                },
            );
        }
        (files, mapped)
    }
}

/// The text shown for `source`, and where each of `offsets` lands in it.
fn rewrite(source: &str, offsets: &[usize]) -> (String, HashMap<usize, usize>) {
    let mut text = String::with_capacity(source.len().min(1 << 20));
    let mut shown_of = HashMap::new();
    let mut line_start = 0;
    for line in source.split_inclusive('\n') {
        let line_end = line_start + line.len();
        let content = match line.strip_suffix('\n') {
            Some(content) => content.strip_suffix('\r').unwrap_or(content),
            None => line,
        };
        let ending = &line[content.len()..];
        let content_end = line_start + content.len();
        let on_line: Vec<usize> = offsets
            .iter()
            .copied()
            .filter(|offset| (line_start..=line_end).contains(offset))
            .collect();
        rewrite_line(content, line_start, &on_line, &mut text, &mut shown_of);
        for offset in on_line.iter().filter(|offset| **offset > content_end) {
            shown_of.insert(
                *offset,
                text.len() + (offset - content_end).min(ending.len()),
            );
        }
        text.push_str(ending);
        line_start = line_end;
    }
    for offset in offsets.iter().filter(|offset| **offset >= source.len()) {
        shown_of.entry(*offset).or_insert(text.len());
    }
    (text, shown_of)
}

/// Appends one line (without its ending) as shown, recording where each of
/// `offsets` (byte offsets in the file) lands. A long line keeps a window of at
/// most `MAX_LINE_CHARS` that starts a little before the first label on it.
fn rewrite_line(
    content: &str,
    line_start: usize,
    offsets: &[usize],
    text: &mut String,
    shown_of: &mut HashMap<usize, usize>,
) {
    let mut width = 0;
    let fits = content.chars().all(|c| {
        width += shown_width(c);
        width <= MAX_LINE_CHARS
    });
    let (first, last) = if fits {
        (0, content.len())
    } else {
        let mut focus = offsets
            .iter()
            .map(|offset| offset.saturating_sub(line_start).min(content.len()))
            .min()
            .unwrap_or(0);
        while !content.is_char_boundary(focus) {
            focus -= 1;
        }
        let mut first = focus;
        let mut before = 0;
        for (at, c) in content[..focus].char_indices().rev() {
            before += shown_width(c);
            if before > CONTEXT_BEFORE {
                break;
            }
            first = at;
        }
        let mut last = first;
        let mut width = 0;
        for (at, c) in content[first..].char_indices() {
            width += shown_width(c);
            // The first character is kept even when it alone is wider.
            if width > MAX_LINE_CHARS && at > 0 {
                break;
            }
            last = first + at + c.len_utf8();
        }
        (first, last)
    };
    if first > 0 {
        text.push('…');
    }
    let window_start = text.len();
    push_shown(text, &content[first..last]);
    let window_end = text.len();
    for offset in offsets {
        let relative = offset.saturating_sub(line_start);
        let at = if relative < first {
            window_start
        } else if relative >= last {
            window_end
        } else {
            let mut upto = relative;
            while !content.is_char_boundary(upto) {
                upto -= 1;
            }
            let mut before = String::new();
            push_shown(&mut before, &content[first..upto]);
            window_start + before.len()
        };
        shown_of.insert(*offset, at);
    }
    if last < content.len() {
        text.push('…');
    }
}

impl<'a> Files<'a> for ShownFiles<'_> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, Error> {
        Ok(self.map.name(FileId(id as u32)))
    }

    fn source(&'a self, id: usize) -> Result<&'a str, Error> {
        match self.shown.get(&id) {
            Some(shown) => Ok(shown.file.source().as_str()),
            None => Ok(self.map.source(FileId(id as u32))),
        }
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, Error> {
        match self.shown.get(&id) {
            Some(shown) => shown.file.line_index((), byte_index),
            None => self.map.codespan_files().line_index(id, byte_index),
        }
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, Error> {
        match self.shown.get(&id) {
            Some(shown) => shown.file.line_range((), line_index),
            None => self.map.codespan_files().line_range(id, line_index),
        }
    }

    /// The column in the real file, so that `file:line:column` can be followed.
    fn column_number(
        &'a self,
        id: usize,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, Error> {
        if let Some(shown) = self.shown.get(&id) {
            if let Some(original) = shown.original_of.get(&byte_index) {
                return Ok(self
                    .map
                    .location(FileId(id as u32), *original as u32)
                    .column);
            }
            let range = shown.file.line_range((), line_index)?;
            return Ok(column_index(shown.file.source(), range, byte_index) + 1);
        }
        self.map
            .codespan_files()
            .column_number(id, line_index, byte_index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(source: &str, range: Range<usize>) -> String {
        let mut map = SourceMap::default();
        let file = map.add("x.rit".to_string(), source.to_string());
        let diagnostic = cs::Diagnostic::error().with_message("m").with_labels(vec![
            cs::Label::primary(file.0 as usize, range).with_message("here"),
        ]);
        let (files, mapped) =
            ShownFiles::for_diagnostic(&map, &diagnostic, &mut PlainFiles::default());
        let config = codespan_reporting::term::Config {
            chars: codespan_reporting::term::Chars::ascii(),
            ..Default::default()
        };
        codespan_reporting::term::emit_into_string(&config, &files, &mapped).unwrap_or_default()
    }

    #[test]
    fn control_characters_are_shown_escaped_at_their_column() {
        let shown = show("let a = 1\nlet b\0 = 2\n", 15..16);
        assert!(shown.contains("let b\\u{0} = 2"), "{shown}");
        assert!(!shown.contains('\0'), "{shown}");
        assert!(shown.contains("x.rit:2:6"), "{shown}");
        assert!(
            shown.contains("2 | let b\\u{0} = 2\n  |      ^^^^^ here"),
            "{shown}"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_label() {
        let line = format!("{}TARGET{}", "a".repeat(5000), "b".repeat(5000));
        let shown = show(&format!("{line}\n"), 5000..5006);
        assert!(shown.contains("x.rit:1:5001"), "{shown}");
        assert!(shown.contains("…aaaa"), "{shown}");
        assert!(shown.contains("TARGETbbb"), "{shown}");
        assert!(shown.contains("^^^^^^ here"), "{shown}");
        assert!(shown.len() < 3 * MAX_LINE_CHARS + 200, "{}", shown.len());
    }

    #[test]
    fn a_plain_file_is_shown_as_it_is() {
        let shown = show("let a = 1\n", 4..5);
        assert!(shown.contains("1 | let a = 1"), "{shown}");
        assert!(shown.contains("x.rit:1:5"), "{shown}");
    }

    #[test]
    fn compile_messages_are_bounded_and_escaped() {
        let text = bounded_text(&format!("a\u{1b}[31m{}", "x".repeat(1000)));
        assert!(text.starts_with("a\\u{1b}[31m"), "{text}");
        // The escape takes more room than the character it stands for.
        assert!(text.chars().count() <= MAX_MESSAGE_CHARS + 8, "{text}");
        assert!(text.ends_with('…'));
    }
}
