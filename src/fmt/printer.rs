//! The output side of the formatter: lines, indentation, blank lines and comments.
//! It knows the source text (to copy literals, find blank lines and place comments)
//! but nothing of the syntax tree; `layout` drives it. Pure: no IO.

use crate::syntax::ast::Comment;

/// One level of indentation.
pub const INDENT: usize = 2;

pub struct Printer<'a> {
    source: &'a str,
    comments: &'a [Comment],
    /// Comments already written (or copied inside a literal), by index.
    emitted: Vec<bool>,
    /// The first comment that may not have been written yet.
    next_comment: usize,
    /// Finished lines, each ending in `\n`.
    out: String,
    /// The line being built, indentation included; empty when at a line start.
    line: String,
    /// The indentation of the next line, in spaces.
    indent: usize,
    /// True right after a `{` or at the start of the file: no blank line here.
    suppress_blank: bool,
}

/// What `snapshot` saved, so that a layout can be tried and taken back.
pub struct Snapshot {
    out_len: usize,
    line: String,
    emitted: Vec<bool>,
    next_comment: usize,
    indent: usize,
    suppress_blank: bool,
}

impl<'a> Printer<'a> {
    pub fn new(source: &'a str, comments: &'a [Comment]) -> Printer<'a> {
        Printer {
            source,
            comments,
            emitted: vec![false; comments.len()],
            next_comment: 0,
            out: String::with_capacity(source.len() + source.len() / 8),
            line: String::new(),
            indent: 0,
            suppress_blank: true,
        }
    }

    pub fn source(&self) -> &'a str {
        self.source
    }

    /// Every comment not yet written goes out, then the text ends with one line break.
    pub fn finish(mut self) -> String {
        self.flush_comments_before(usize::MAX);
        self.end_line();
        self.out
    }

    // ------------------------------------------------------------ writing

    pub fn write(&mut self, text: &str) {
        if self.line.is_empty() {
            self.line.extend(std::iter::repeat_n(' ', self.indent));
        }
        self.line.push_str(text);
    }

    /// Whether the line being written ends with `character` (spaces aside).
    pub fn line_ends_with(&self, character: char) -> bool {
        self.line.trim_end().ends_with(character)
    }

    /// Copies source text as it is (a literal: number, string, block string), and
    /// counts the `#` inside it as written, since they are part of the literal.
    pub fn copy(&mut self, range: std::ops::Range<usize>) {
        let text = self.source.get(range.clone()).unwrap_or_default();
        self.write(text);
        let first = self
            .comments
            .partition_point(|comment| (comment.span.start as usize) < range.start);
        for index in first..self.comments.len() {
            if (self.comments[index].span.start as usize) >= range.end {
                break;
            }
            self.emitted[index] = true;
        }
    }

    pub fn end_line(&mut self) {
        if self.line.trim().is_empty() {
            self.line.clear();
            return;
        }
        self.out.push_str(self.line.trim_end());
        self.out.push('\n');
        self.line.clear();
    }

    pub fn indent(&mut self) {
        self.indent += INDENT;
    }

    pub fn dedent(&mut self) {
        self.indent = self.indent.saturating_sub(INDENT);
    }

    /// After an opening brace: the first line inside never follows a blank line.
    pub fn open_block(&mut self) {
        self.suppress_blank = true;
    }

    /// Starts the line of an element (item, statement, entry, clause) that begins at
    /// `position` in the source: the comments before it first, then a blank line if
    /// the source had one there.
    pub fn start_line_at(&mut self, position: usize) {
        self.flush_comments_before(position);
        self.end_line();
        if !self.suppress_blank && self.blank_line_before(position) {
            self.out.push('\n');
        }
        self.suppress_blank = false;
    }

    /// Ends the element lines of a block before its closing brace at `position`.
    pub fn close_block_at(&mut self, position: usize) {
        self.flush_comments_before(position);
        self.dedent();
        self.end_line();
        self.suppress_blank = false;
    }

    /// True when a comment not yet written starts before `position`.
    pub fn has_comment_before(&self, position: usize) -> bool {
        (self.next_comment..self.comments.len()).any(|index| {
            !self.emitted[index] && (self.comments[index].span.start as usize) < position
        })
    }

    // ------------------------------------------------------------ comments

    /// Writes every pending comment that starts before `position`: one that followed
    /// code on its source line trails the current line (with the source's spacing);
    /// one that stood on its own line gets its own line here.
    pub fn flush_comments_before(&mut self, position: usize) {
        while self.next_comment < self.comments.len() {
            let index = self.next_comment;
            let comment = &self.comments[index];
            if comment.span.start as usize >= position {
                break;
            }
            self.next_comment += 1;
            if self.emitted[index] {
                continue;
            }
            self.emitted[index] = true;
            let start = comment.span.start as usize;
            let text = comment.text.trim_end();
            if self.code_before_on_line(start) && !self.line.trim().is_empty() {
                let gap = self.space_before(start).max(1);
                self.line.extend(std::iter::repeat_n(' ', gap));
                self.line.push_str(text);
                self.end_line();
            } else {
                self.end_line();
                if !self.suppress_blank && self.blank_line_before(start) {
                    self.out.push('\n');
                }
                self.write(text);
                self.end_line();
                self.suppress_blank = false;
            }
        }
    }

    fn code_before_on_line(&self, position: usize) -> bool {
        let before = self.source.get(..position).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        !before[line_start..].trim().is_empty()
    }

    fn space_before(&self, position: usize) -> usize {
        let before = self.source.get(..position).unwrap_or_default();
        before.len() - before.trim_end_matches([' ', '\t']).len()
    }

    /// True when the source has an empty line between `position` and the code or
    /// comment before it (`;` counts as space).
    fn blank_line_before(&self, position: usize) -> bool {
        let before = self.source.get(..position).unwrap_or_default();
        let gap = before.len() - before.trim_end_matches([' ', '\t', '\r', '\n', ';']).len();
        before[before.len() - gap..].matches('\n').count() >= 2
    }

    // ------------------------------------------------------------ trying a layout

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            out_len: self.out.len(),
            line: self.line.clone(),
            emitted: self.emitted.clone(),
            next_comment: self.next_comment,
            indent: self.indent,
            suppress_blank: self.suppress_blank,
        }
    }

    pub fn restore(&mut self, snapshot: Snapshot) {
        self.out.truncate(snapshot.out_len);
        self.line = snapshot.line;
        self.emitted = snapshot.emitted;
        self.next_comment = snapshot.next_comment;
        self.indent = snapshot.indent;
        self.suppress_blank = snapshot.suppress_blank;
    }

    /// The widest line (in characters) written since `snapshot`, counting the line
    /// that was being built when it was taken from its start.
    pub fn widest_line_since(&self, snapshot: &Snapshot) -> usize {
        let written = self.out.get(snapshot.out_len..).unwrap_or_default();
        written
            .split('\n')
            .chain(self.line.split('\n'))
            .map(|line| line.chars().count())
            .max()
            .unwrap_or(0)
    }
}
