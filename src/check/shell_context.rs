//! Where each `{{ }}` of a shell command (a `run` step, a service) stands in the
//! shell's grammar. ritc writes a value as one single-quoted word, which is
//! exactly the value only where the shell reads a bare word; inside quotes the
//! author wrote (`'…'`, `"…"`), backticks, `${…}`, `$((…))`, a comment, after a
//! backslash or in a here-document, the same text would end the author's quotes
//! or be read again as code. The checker refuses an interpolation in any of
//! those (E0317). Unsure means refused: the scan never calls a place bare that
//! the shell might not. Pure: must not import `run`.

/// What the shell is reading at a point of the command: words (the command
/// itself, or inside `$( … )`), or a quoted place that is open.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Frame {
    Words,
    In(QuotedPlace),
}

/// The place of one interpolation, when it is not a bare word.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum QuotedPlace {
    SingleQuotes,
    DoubleQuotes,
    Backticks,
    DollarQuotes,
    Parameter,
    Arithmetic,
    Comment,
    AfterBackslash,
    /// `$'…'` in bash reads backslash escapes, so `$` and a quoted value would be
    /// read as such a string, where `\'` does not end it.
    AfterDollar,
    HereDocument,
}

impl QuotedPlace {
    /// Where the interpolation is, in the words of the label.
    pub fn words(self) -> &'static str {
        match self {
            QuotedPlace::SingleQuotes => "inside '…' quotes",
            QuotedPlace::DoubleQuotes => "inside \"…\" quotes",
            QuotedPlace::Backticks => "inside `…` backticks",
            QuotedPlace::DollarQuotes => "inside $'…' quotes",
            QuotedPlace::Parameter => "inside ${…}",
            QuotedPlace::Arithmetic => "inside $((…))",
            QuotedPlace::Comment => "inside a shell comment",
            QuotedPlace::AfterBackslash => "right after a backslash",
            QuotedPlace::AfterDollar => "right after a `$`",
            QuotedPlace::HereDocument => "after a here-document `<<`",
        }
    }
}

/// One piece of a command: text the author wrote, or an interpolation.
pub enum Piece<'a> {
    Text(&'a str),
    Value,
}

/// For each interpolation in `pieces`, in order: `None` where the shell reads a
/// bare word (a quoted value is exactly one word there), else where it is.
pub fn interpolation_places(pieces: &[Piece]) -> Vec<Option<QuotedPlace>> {
    let mut scan = Scan {
        stack: vec![Frame::Words],
        escaped: false,
        comment: false,
        here_document: false,
        word_start: true,
        after_dollar: false,
    };
    let mut places = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => scan.text(text),
            Piece::Value => {
                places.push(scan.place());
                scan.escaped = false;
                scan.word_start = false;
                scan.after_dollar = false;
            }
        }
    }
    places
}

const SINGLE_QUOTES: Frame = Frame::In(QuotedPlace::SingleQuotes);
const DOUBLE_QUOTES: Frame = Frame::In(QuotedPlace::DoubleQuotes);
const BACKTICKS: Frame = Frame::In(QuotedPlace::Backticks);
const DOLLAR_QUOTES: Frame = Frame::In(QuotedPlace::DollarQuotes);
const PARAMETER: Frame = Frame::In(QuotedPlace::Parameter);
const ARITHMETIC: Frame = Frame::In(QuotedPlace::Arithmetic);

struct Scan {
    stack: Vec<Frame>,
    /// The last character was a backslash that escapes the next.
    escaped: bool,
    /// In a `#` comment, up to the end of the line.
    comment: bool,
    /// A `<<` was seen: what follows may be a here-document's body, where
    /// quotes are plain text and `$( )` runs. Every later interpolation is
    /// refused rather than tracking the delimiter.
    here_document: bool,
    /// The next character starts a word (so `#` starts a comment).
    word_start: bool,
    /// The text so far ends with a `$`.
    after_dollar: bool,
}

impl Scan {
    fn top(&self) -> Frame {
        self.stack.last().copied().unwrap_or(Frame::Words)
    }

    fn place(&self) -> Option<QuotedPlace> {
        if self.here_document {
            return Some(QuotedPlace::HereDocument);
        }
        if self.comment {
            return Some(QuotedPlace::Comment);
        }
        if self.escaped {
            return Some(QuotedPlace::AfterBackslash);
        }
        if self.after_dollar {
            return Some(QuotedPlace::AfterDollar);
        }
        // Backticks read their text twice, whatever is nested in them.
        if self.stack.contains(&BACKTICKS) {
            return Some(QuotedPlace::Backticks);
        }
        match self.top() {
            Frame::Words => None,
            Frame::In(place) => Some(place),
        }
    }

    fn text(&mut self, text: &str) {
        if !text.is_empty() {
            self.after_dollar = text.ends_with('$');
        }
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if self.comment {
                if c == '\n' {
                    self.comment = false;
                    self.word_start = true;
                }
                continue;
            }
            if self.escaped {
                self.escaped = false;
                self.word_start = false;
                continue;
            }
            let top = self.top();
            match top {
                SINGLE_QUOTES => {
                    if c == '\'' {
                        self.stack.pop();
                    }
                    continue;
                }
                DOLLAR_QUOTES => {
                    match c {
                        '\\' => self.escaped = true,
                        '\'' => {
                            self.stack.pop();
                        }
                        _ => {}
                    }
                    continue;
                }
                DOUBLE_QUOTES | BACKTICKS => match c {
                    '\\' => self.escaped = true,
                    '"' if top == DOUBLE_QUOTES => {
                        self.stack.pop();
                    }
                    '`' if top == BACKTICKS => {
                        self.stack.pop();
                    }
                    '`' => self.stack.push(BACKTICKS),
                    '$' => self.dollar(&mut chars),
                    _ => {}
                },
                // Words, `${ }` and `$(( ))` (comments and the like are never pushed).
                _ => match c {
                    '\\' => self.escaped = true,
                    '\'' => self.stack.push(SINGLE_QUOTES),
                    '"' => self.stack.push(DOUBLE_QUOTES),
                    '`' => self.stack.push(BACKTICKS),
                    '$' => self.dollar(&mut chars),
                    '#' if top == Frame::Words && self.word_start => self.comment = true,
                    '<' if top == Frame::Words && chars.peek() == Some(&'<') => {
                        self.here_document = true;
                    }
                    // A subshell: its `)` then closes it, not an enclosing `$(`.
                    '(' if top == Frame::Words => self.stack.push(Frame::Words),
                    ')' if top == Frame::Words && self.stack.len() > 1 => {
                        self.stack.pop();
                    }
                    ')' if top == ARITHMETIC && chars.peek() == Some(&')') => {
                        chars.next();
                        self.stack.pop();
                    }
                    '}' if top == PARAMETER => {
                        self.stack.pop();
                    }
                    _ => {}
                },
            }
            self.word_start = matches!(
                c,
                ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>'
            );
        }
    }

    /// After a `$`: what it opens, if anything.
    fn dollar(&mut self, chars: &mut std::iter::Peekable<std::str::Chars>) {
        match chars.peek() {
            Some('\'') if self.top() != DOUBLE_QUOTES => {
                chars.next();
                self.stack.push(DOLLAR_QUOTES);
            }
            Some('{') => {
                chars.next();
                self.stack.push(PARAMETER);
            }
            Some('(') => {
                chars.next();
                if chars.peek() == Some(&'(') {
                    chars.next();
                    self.stack.push(ARITHMETIC);
                } else {
                    self.stack.push(Frame::Words);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The place of each `X` in `command`.
    fn places(command: &str) -> Vec<Option<QuotedPlace>> {
        let texts: Vec<&str> = command.split('X').collect();
        let mut pieces = Vec::new();
        for (index, text) in texts.iter().enumerate() {
            if index > 0 {
                pieces.push(Piece::Value);
            }
            pieces.push(Piece::Text(text));
        }
        interpolation_places(&pieces)
    }

    #[test]
    fn bare_words_are_accepted() {
        assert_eq!(places("echo X"), [None]);
        assert_eq!(places("printf '%s\\n' X > X"), [None, None]);
        assert_eq!(places("a=X cmd --flag=X"), [None, None]);
        assert_eq!(places("echo \"$(cat X)\" X"), [None, None]);
        assert_eq!(places("bash -c 'exec 3<>/dev/tcp/$0/$1' X X"), [None, None]);
        assert_eq!(places("echo 'it''s' X; echo \"a\\\"b\" X"), [None, None]);
        assert_eq!(places("echo a#b X"), [None]);
        assert_eq!(places("echo # note\nX"), [None]);
        assert_eq!(places("echo ${HOME} $((1+2)) X"), [None]);
        assert_eq!(places("\"$( (cd /; ls) ; echo X )\" X"), [None, None]);
    }

    #[test]
    fn quotes_the_author_wrote_are_refused() {
        use QuotedPlace::*;
        assert_eq!(places("echo 'X'"), [Some(SingleQuotes)]);
        assert_eq!(places("echo \"X\""), [Some(DoubleQuotes)]);
        assert_eq!(places("echo \"a $(echo 'X')\""), [Some(SingleQuotes)]);
        assert_eq!(places("echo `echo X`"), [Some(Backticks)]);
        assert_eq!(places("echo \"`echo $(echo X)`\""), [Some(Backticks)]);
        assert_eq!(places("echo $'X'"), [Some(DollarQuotes)]);
        assert_eq!(places("echo ${V:-X}"), [Some(Parameter)]);
        assert_eq!(places("echo $((X + 1))"), [Some(Arithmetic)]);
        assert_eq!(places("echo hi # X"), [Some(Comment)]);
        assert_eq!(places("echo \\X"), [Some(AfterBackslash)]);
        assert_eq!(places("echo $X"), [Some(AfterDollar)]);
        assert_eq!(places("cat <<EOF\nX\nEOF"), [Some(HereDocument)]);
        assert_eq!(places("echo \"\\\"X\""), [Some(DoubleQuotes)]);
    }
}
