//! A URL's path as the script wrote it (`path as is`, curl's and Hurl's
//! `--path-as-is`): its `.` and `..` segments kept, which every URL parser
//! (and so reqwest) removes. Only what a request line cannot carry (spaces,
//! controls, non-ASCII, quotes and braces) is percent-encoded, as the URL
//! would have been. It must not import `syntax` or `check`.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use reqwest::Url;
use url::Position;

/// What a request-target cannot hold as it is (`url`'s path set; `%` stays,
/// so what the script encoded is sent encoded once).
const NOT_IN_A_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The path of `url_text` as written: from the end of the authority to the
/// query or fragment.
fn written_path(url_text: &str) -> &str {
    let after_scheme = url_text
        .find("://")
        .map_or(url_text, |at| url_text.get(at + 3..).unwrap_or_default());
    let path_start = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let rest = after_scheme.get(path_start..).unwrap_or_default();
    let path_end = rest.find(['?', '#']).unwrap_or(rest.len());
    rest.get(..path_end).unwrap_or_default()
}

/// Whether the path of `url_text` has a segment a URL parser would remove
/// (`.`, `..`, or one of them percent-encoded).
pub fn has_dot_segments(url_text: &str) -> bool {
    written_path(url_text).split('/').any(|segment| {
        matches!(
            segment.to_ascii_lowercase().as_str(),
            "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."
        )
    })
}

/// The URL to send: `normalized`'s scheme, host, port and query (the query
/// pairs already appended, no user info) with the path of `url_text` as
/// written.
pub fn with_written_path(url_text: &str, normalized: &Url) -> String {
    let path = written_path(url_text);
    let path = if path.is_empty() { "/" } else { path };
    let mut sent = format!(
        "{}://{}{}",
        normalized.scheme(),
        &normalized[Position::BeforeHost..Position::AfterPort],
        utf8_percent_encode(path, NOT_IN_A_PATH)
    );
    if let Some(query) = normalized.query() {
        sent.push('?');
        sent.push_str(query);
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_dot_segments_and_takes_the_rest_from_the_normalized_url() {
        let written = "http://ann:pw@api.test:8080/a/./b/../c d?x=1#top";
        let normalized = Url::parse("http://ann:pw@api.test:8080/a/c%20d?x=1&y=2").unwrap();
        assert_eq!(
            with_written_path(written, &normalized),
            "http://api.test:8080/a/./b/../c%20d?x=1&y=2"
        );
        assert!(has_dot_segments(written));
        assert!(has_dot_segments("http://h/a/%2E%2e/b"));
        assert!(!has_dot_segments("http://h/a/..b/c.d?q=/../"));
        assert_eq!(
            with_written_path("http://h", &Url::parse("http://h/").unwrap()),
            "http://h/"
        );
    }
}
