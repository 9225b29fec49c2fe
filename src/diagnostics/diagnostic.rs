//! The one shape every compile-time problem takes. Wording lives with the code that
//! finds the problem; rendering (human, JSON, GitHub) lives in `render`.

use super::codes::Code;
use crate::source::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// A short title: "unknown name `emial`".
    pub message: String,
    /// The primary span and what it points at, in plain words.
    pub primary: Label,
    pub secondary: Vec<Label>,
    /// The fix, when there is one: "did you mean `email`?".
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            help: None,
        }
    }

    pub fn warning(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span, label)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by file and position, the order a user reads them in.
pub fn sort_by_position(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|diagnostic| {
        (
            diagnostic.primary.span.file,
            diagnostic.primary.span.start,
            diagnostic.code.id,
        )
    });
}

/// The closest candidate to `wanted` by edit distance, for "did you mean".
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let length = wanted.chars().count();
    let limit = if length <= 3 { 1 } else { (length / 3).max(2) };
    candidates
        .into_iter()
        .filter(|candidate| *candidate != wanted)
        .map(|candidate| {
            (
                edit_distance(&wanted.to_lowercase(), &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        // At the same distance, a name that begins with what was typed (`base` →
        // `base64`, not `date`), then the shorter.
        .min_by_key(|(distance, candidate)| {
            (
                *distance,
                !candidate.to_lowercase().starts_with(&wanted.to_lowercase()),
                candidate.len(),
            )
        })
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b_chars: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b_chars.len()).collect();
    let mut current = vec![0; b_chars.len() + 1];
    for (i, a_char) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, b_char) in b_chars.iter().enumerate() {
            let substitution = previous[j] + usize::from(a_char != *b_char);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b_chars.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_candidate() {
        assert_eq!(did_you_mean("emial", ["email", "status"]), Some("email"));
        assert_eq!(
            did_you_mean("header", ["headers", "query"]),
            Some("headers")
        );
        assert_eq!(did_you_mean("zzzzzz", ["email"]), None);
        // At the same distance, the name that begins with what was typed.
        assert_eq!(did_you_mean("base", ["date", "base64"]), Some("base64"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
