//! Secrets never appear in output: every reporter passes its text through here.

/// Replaces each secret (longest first, so one that contains another is masked
/// whole) by `***`.
#[derive(Clone, Default)]
pub struct Masker {
    secrets: Vec<String>,
}

impl Masker {
    /// Each secret is also masked as it is spelled inside a URL (percent- or
    /// form-encoded) and inside a JSON string, the ways a request carries it.
    pub fn new(secrets: Vec<String>) -> Masker {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .filter(|secret| !secret.is_empty())
            .flat_map(|secret| {
                let percent = percent_encoding::utf8_percent_encode(
                    &secret,
                    percent_encoding::NON_ALPHANUMERIC,
                )
                .to_string();
                let form =
                    url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>();
                let json = serde_json::to_string(&secret)
                    .ok()
                    .and_then(|quoted| {
                        quoted
                            .get(1..quoted.len().saturating_sub(1))
                            .map(str::to_string)
                    })
                    .unwrap_or_default();
                [secret, percent, form, json]
            })
            .filter(|spelling| !spelling.is_empty())
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
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

    #[test]
    fn masks_the_spellings_of_a_request() {
        let masker = Masker::new(vec!["p@ss word\"".into()]);
        assert_eq!(masker.mask("?token=p%40ss%20word%22"), "?token=***");
        assert_eq!(masker.mask("a=p%40ss+word%22&b"), "a=***&b");
        assert_eq!(
            masker.mask(r#"{"password":"p@ss word\""}"#),
            r#"{"password":"***"}"#
        );
        assert_eq!(masker.mask("p@ss word\""), "***");
    }
}
