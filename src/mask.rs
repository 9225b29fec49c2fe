//! Secrets never appear in output: every reporter, the `-v` exchanges, the events
//! and `publish` pass their text through one `Masker`.
//!
//! The masker is the run's register of secret values. The runner registers each
//! `secret` once it is computed, and the evaluator registers every string a core
//! function or a shell quote derives from a value that holds a registered secret
//! (`base64("user:" + pw)`, `upper(pw)`, an HMAC keyed with it): being secret is a
//! property of the value, carried by its content. What is registered is masked in
//! every spelling the wire gives it (`mask/spelling.rs`), and so is the password of
//! any URL's userinfo, like a database URL's. A clone shares the register, so a
//! value registered while a test runs is masked in everything reported after it.

mod spelling;

use spelling::Spellings;
use std::collections::HashSet;
use std::ops::Range;
use std::sync::{Arc, PoisonError, RwLock};

/// A secret shorter than this (in characters) is not masked: "20" would turn every
/// status 200 into `***0`. `ritc check` warns about such a secret (W0005).
pub const SHORTEST_MASKED_SECRET: usize = 4;

const MASK: &str = "***";

#[derive(Clone, Default)]
pub struct Masker {
    register: Arc<RwLock<Register>>,
}

#[derive(Default)]
struct Register {
    /// The raw bytes of each secret, to tell whether a value holds one.
    known: HashSet<Vec<u8>>,
    spellings: Vec<Spellings>,
    /// The names of `secret`s too short to mask, for a warning.
    unmasked: Vec<String>,
}

impl Masker {
    pub fn new(secrets: Vec<String>) -> Masker {
        let masker = Masker::default();
        for secret in &secrets {
            masker.register(secret);
        }
        masker
    }

    /// Registers a secret text. A text too short to mask safely is refused (false).
    pub fn register(&self, text: &str) -> bool {
        if text.chars().count() < SHORTEST_MASKED_SECRET {
            return false;
        }
        self.register_bytes(text.as_bytes());
        true
    }

    /// Notes a `secret` whose value was too short to register, so that the run
    /// can warn that it is shown (a problem of the run, in every output).
    pub fn note_unmasked(&self, name: &str) {
        self.register
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .unmasked
            .push(name.to_string());
    }

    /// The names noted by `note_unmasked`.
    pub fn unmasked(&self) -> Vec<String> {
        self.register
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .unmasked
            .clone()
    }

    /// Registers secret bytes (an HMAC made from a secret): masked where they are
    /// shown as text, hex or base64.
    pub fn register_bytes(&self, bytes: &[u8]) {
        if bytes.len() < SHORTEST_MASKED_SECRET || self.is_registered(bytes) {
            return;
        }
        let mut register = self
            .register
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if register.known.insert(bytes.to_vec()) {
            register.spellings.push(Spellings::of_bytes(bytes));
        }
    }

    fn is_registered(&self, bytes: &[u8]) -> bool {
        self.register
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .known
            .contains(bytes)
    }

    /// Nothing registered yet: values cannot hold a secret, so the evaluator
    /// skips looking.
    pub fn is_empty(&self) -> bool {
        self.register
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .known
            .is_empty()
    }

    /// Whether `bytes` hold a registered secret as it is: the taint of a value.
    pub fn holds_secret(&self, bytes: &[u8]) -> bool {
        let register = self.register.read().unwrap_or_else(PoisonError::into_inner);
        let text = std::str::from_utf8(bytes).ok();
        register.known.iter().any(|secret| {
            match (text, std::str::from_utf8(secret)) {
                // The standard library's substring search, much faster than windows.
                (Some(text), Ok(secret)) => text.contains(secret),
                _ => {
                    secret.len() <= bytes.len()
                        && bytes
                            .windows(secret.len())
                            .any(|window| window == secret.as_slice())
                }
            }
        })
    }

    pub fn mask(&self, text: &str) -> String {
        let mut found: Vec<Range<usize>> = Vec::new();
        {
            let register = self.register.read().unwrap_or_else(PoisonError::into_inner);
            // `…` ends a text cut short (a value in a failure, a WebSocket frame):
            // the start of a secret right before it is masked too.
            let cuts: Vec<usize> = text.match_indices('…').map(|(cut, _)| cut).collect();
            for spellings in &register.spellings {
                spellings.find(text, &mut found);
                for &cut in &cuts {
                    spellings.find_cut_piece(text, cut, &mut found);
                }
            }
        }
        find_userinfo_passwords(text, &mut found);
        if found.is_empty() {
            return text.to_string();
        }
        found.sort_by_key(|range| (range.start, std::cmp::Reverse(range.end)));
        let mut masked = String::with_capacity(text.len());
        let mut written = 0;
        for range in found {
            if range.end <= written {
                continue;
            }
            if range.start >= written {
                masked.push_str(text.get(written..range.start).unwrap_or_default());
                masked.push_str(MASK);
            }
            written = range.end;
        }
        masked.push_str(text.get(written..).unwrap_or_default());
        masked
    }
}

/// The password of each `scheme://user:password@host` in `text`, whatever the
/// scheme, unless it is already masked or is a `{{ }}` of a source line.
fn find_userinfo_passwords(text: &str, found: &mut Vec<Range<usize>>) {
    for (separator, _) in text.match_indices("://") {
        let authority_start = separator + 3;
        let rest = text.get(authority_start..).unwrap_or_default();
        let authority_end = rest
            .find(|character: char| {
                character.is_whitespace()
                    || matches!(character, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | '`')
            })
            .unwrap_or(rest.len());
        let authority = rest.get(..authority_end).unwrap_or_default();
        let Some(at) = authority.rfind('@') else {
            continue;
        };
        let userinfo = authority.get(..at).unwrap_or_default();
        let Some(colon) = userinfo.find(':') else {
            continue;
        };
        let password = userinfo.get(colon + 1..).unwrap_or_default();
        if password.is_empty() || password == MASK || password.contains("{{") {
            continue;
        }
        let start = authority_start + colon + 1;
        found.push(start..start + password.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_occurrence_longest_first() {
        let masker = Masker::new(vec!["abcd".into(), "abcdef".into(), String::new()]);
        assert_eq!(masker.mask("x abcdef y abcd"), "x *** y ***");
        assert_eq!(masker.mask("nothing here"), "nothing here");
    }

    #[test]
    fn masks_the_spellings_of_a_request() {
        let masker = Masker::new(vec!["p@ss word\"".into()]);
        assert_eq!(masker.mask("?token=p%40ss%20word%22"), "?token=***");
        assert_eq!(masker.mask("/p@ss%20word%22/x"), "/***/x");
        assert_eq!(masker.mask("a=p%40ss+word%22&b"), "a=***&b");
        assert_eq!(
            masker.mask(r#"{"password":"p@ss word\""}"#),
            r#"{"password":"***"}"#
        );
        assert_eq!(masker.mask("p@ss word\""), "***");
    }

    #[test]
    fn the_start_of_a_secret_before_a_cut_is_masked() {
        let masker = Masker::new(vec!["p@ss wörd-long".into()]);
        assert_eq!(
            masker.mask(r#"json.body was "xxx p@ss w…", next"#),
            r#"json.body was "xxx ***…", next"#
        );
        assert_eq!(masker.mask("a p%40s… b"), "a ***… b");
        // Two characters could start anything.
        assert_eq!(masker.mask("a p@… b"), "a p@… b");
    }

    #[test]
    fn short_secrets_are_not_masked_inside_unrelated_text() {
        let masker = Masker::new(vec!["20".into()]);
        assert!(masker.is_empty());
        assert_eq!(masker.mask("status 200"), "status 200");
    }

    #[test]
    fn values_registered_later_are_masked_by_every_clone() {
        let masker = Masker::default();
        let reporter = masker.clone();
        assert!(masker.register("derived-value"));
        assert_eq!(reporter.mask("a derived-value b"), "a *** b");
        assert!(reporter.holds_secret(b"x derived-value y"));
        assert!(!reporter.holds_secret(b"derived"));
    }

    #[test]
    fn url_passwords_are_masked_whoever_wrote_them() {
        let masker = Masker::default();
        assert_eq!(
            masker.mask("> GET http://admin:hunter22@127.0.0.1:8080/x?a=b"),
            "> GET http://admin:***@127.0.0.1:8080/x?a=b"
        );
        assert_eq!(
            masker.mask("postgres://u:***@db/x and ws://a@b/c and x://u:{{pw}}@h"),
            "postgres://u:***@db/x and ws://a@b/c and x://u:{{pw}}@h"
        );
    }
}
