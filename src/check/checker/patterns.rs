//! Literal texts written in a small language of their own, compiled by the
//! checker with the code the runtime uses (`builtins::Syntax::check`): the
//! pattern after `matches` and of `capture` (E0406), a `jsonpath` path
//! (E0323), an `xpath` expression (E0324), a date format (E0325), an encoding
//! label (E0326). Where the parser says where it stopped and the literal is
//! written as it reads (no escapes), the label points there.

use super::*;
use crate::builtins::Syntax;
use crate::diagnostics::codes::Code;

impl BodyChecker<'_, '_> {
    /// `value`, when it is a literal without `{{ }}`, checked as `syntax`.
    pub(super) fn check_pattern(&mut self, syntax: Syntax, value: &Expr) {
        let ExprKind::String(string) = &value.kind else {
            return;
        };
        let Some(text) = string.as_plain_text() else {
            return;
        };
        let Err((problem, position)) = syntax.check(&text) else {
            return;
        };
        let span = match position {
            Some(offset) if !string.block && self.source_text(value) == format!("\"{text}\"") => {
                let start = value.span.start as usize + 1 + offset;
                let width = text
                    .get(offset..)
                    .and_then(|rest| rest.chars().next())
                    .map_or(1, char::len_utf8);
                Span::new(value.span.file, start, start + width)
            }
            _ => value.span,
        };
        let (code, title, help): (Code, &str, &str) = match syntax {
            Syntax::Regex => (
                codes::INVALID_REGEX,
                "invalid regular expression",
                "patterns use Rust regex syntax; double each backslash in a string: `\"\\\\d+\"`",
            ),
            Syntax::JsonPath => (
                codes::INVALID_JSON_PATH,
                "invalid JSONPath",
                "write an RFC 9535 path: `$.items[*].id`, `$..name`, `$.items[?@.id == 'x']`",
            ),
            Syntax::XPath => (
                codes::INVALID_XPATH,
                "invalid XPath expression",
                "write an XPath 1.0 expression: `//title/text()`, `count(//li)`, `string(//h1)`",
            ),
            Syntax::DateFormat => (
                codes::INVALID_DATE_FORMAT,
                "invalid date format",
                "write components in brackets: `[year]-[month]-[day] [hour]:[minute]:[second]` (`%Y-%m-%d %H:%M:%S`)",
            ),
            Syntax::Encoding => (
                codes::UNKNOWN_ENCODING,
                "unknown character encoding",
                "write a WHATWG label: `utf-8`, `latin1`, `iso-8859-15`, `utf-16le`, `shift_jis`",
            ),
        };
        self.report(Diagnostic::error(code, title, span, problem).with_help(help));
    }
}
