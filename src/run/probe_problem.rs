//! What one readiness probe attempt saw, as one plain sentence that names where
//! it knocked — "connection refused (127.0.0.1:8080)" — rather than the whole
//! chain of an HTTP client's errors ("error sending request for url (…): client
//! error (Connect): tcp connect error: Connection refused (os error 111)"). It is
//! the `last_problem` of a readiness history, quoted by the failure's message and
//! its suggestion, so it has to read as one sentence.

use std::error::Error;
use std::io::ErrorKind;
use std::time::Duration;

/// A failed TCP connection to `address`.
pub fn io_problem(error: &std::io::Error, address: &str) -> String {
    format!("{} ({address})", io_words(error))
}

/// A `ready http` attempt that got no response: the innermost reason, in plain
/// words, and the host and port it asked.
pub fn http_problem(error: &reqwest::Error, url: &str, limit: Duration) -> String {
    let address = host_and_port(url).unwrap_or_else(|| url.to_string());
    if error.is_timeout() {
        return format!(
            "no answer within {} ({address})",
            crate::units::limit_duration(limit)
        );
    }
    // The innermost cause says what happened; the layers above only wrap it.
    let mut innermost: &(dyn Error + 'static) = error;
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return io_problem(io, &address);
        }
        innermost = cause;
        source = cause.source();
    }
    let words = innermost.to_string();
    // reqwest's own text repeats the URL; it is named once, after.
    let words = words
        .split(" for url (")
        .next()
        .unwrap_or(&words)
        .to_string();
    format!("{} ({address})", lower_first(&words))
}

fn io_words(error: &std::io::Error) -> String {
    match error.kind() {
        ErrorKind::ConnectionRefused => "connection refused".to_string(),
        ErrorKind::ConnectionReset => "the connection was reset".to_string(),
        ErrorKind::ConnectionAborted => "the connection was aborted".to_string(),
        ErrorKind::TimedOut => "the connection timed out".to_string(),
        ErrorKind::UnexpectedEof => "the connection closed before an answer".to_string(),
        _ => {
            // "Network is unreachable (os error 101)" → "network is unreachable".
            let text = error.to_string();
            let text = match text.rfind(" (os error ") {
                Some(at) => text.get(..at).unwrap_or(&text).to_string(),
                None => text,
            };
            lower_first(&text)
        }
    }
}

/// "127.0.0.1:8080" of "http://127.0.0.1:8080/health" (the scheme's port when
/// none is written).
fn host_and_port(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    let port = parsed.port_or_known_default()?;
    Some(format!("{host}:{port}"))
}

fn lower_first(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        // An acronym ("TLS …", "HTTP …") keeps its capital.
        Some(first) if characters.clone().next().is_some_and(char::is_lowercase) => {
            first.to_lowercase().chain(characters).collect()
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_io_error_is_one_sentence_with_its_address() {
        let refused = std::io::Error::from(ErrorKind::ConnectionRefused);
        assert_eq!(
            io_problem(&refused, "127.0.0.1:8080"),
            "connection refused (127.0.0.1:8080)"
        );
        let unreachable = std::io::Error::from_raw_os_error(101);
        assert_eq!(
            io_problem(&unreachable, "10.0.0.1:80"),
            "network is unreachable (10.0.0.1:80)"
        );
    }

    #[test]
    fn an_address_is_its_host_and_port() {
        assert_eq!(
            host_and_port("http://127.0.0.1:8080/health").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(
            host_and_port("https://example.com/x").as_deref(),
            Some("example.com:443")
        );
        assert_eq!(lower_first("TLS handshake"), "TLS handshake");
        assert_eq!(lower_first("Connection closed"), "connection closed");
    }
}
