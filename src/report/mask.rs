//! Secrets never appear in output: every reporter passes its text through here.

/// Replaces each secret (longest first, so one that contains another is masked
/// whole) by `***`.
#[derive(Clone, Default)]
pub struct Masker {
    secrets: Vec<String>,
}

impl Masker {
    pub fn new(mut secrets: Vec<String>) -> Masker {
        secrets.retain(|secret| !secret.is_empty());
        secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        secrets.dedup();
        Masker { secrets }
    }

    pub fn mask(&self, text: &str) -> String {
        let mut masked = text.to_string();
        for secret in &self.secrets {
            if masked.contains(secret.as_str()) {
                masked = masked.replace(secret.as_str(), "***");
            }
        }
        masked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_occurrence_longest_first() {
        let masker = Masker::new(vec!["abc".into(), "abcdef".into(), String::new()]);
        assert_eq!(masker.mask("x abcdef y abc"), "x *** y ***");
        assert_eq!(masker.mask("nothing here"), "nothing here");
    }
}
