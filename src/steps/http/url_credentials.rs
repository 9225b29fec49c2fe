//! A URL's userinfo (`http://user:pass@host/`) and header values, handled the
//! same way on every path a request can take (hyper for plain `http://`,
//! reqwest for the rest and for `follow redirects`, `load`'s raw client, which
//! sends what reqwest built, and `ws`). The userinfo is taken out of the URL
//! and sent as `Authorization: Basic …`, unless the script gave an
//! `Authorization` header itself; before this, hyper dropped it silently while
//! reqwest sent it. A header value with a line break is refused before anything
//! is sent: it would end the header and start another.

use base64::Engine;
use percent_encoding::percent_decode_str;
use reqwest::header::HeaderValue;
use url::Url;

/// `url` without its userinfo, and the `Authorization` value that stands for it:
/// `Basic base64(user:password)`, both percent-decoded as a browser does. A URL
/// without a user name or password comes back as it is, with `None`; so does
/// text that is not a URL (whoever parses it next reports that).
pub fn take_credentials(url: &str) -> (String, Option<String>) {
    let Ok(mut parsed) = Url::parse(url) else {
        return (url.to_string(), None);
    };
    if parsed.username().is_empty() && parsed.password().is_none() {
        return (url.to_string(), None);
    }
    let decode = |text: &str| percent_decode_str(text).decode_utf8_lossy().into_owned();
    let user = decode(parsed.username());
    let password = parsed.password().map(decode).unwrap_or_default();
    // Both only fail for URLs that cannot have a userinfo, and this one has one.
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    (
        parsed.to_string(),
        Some(basic_authorization(&format!("{user}:{password}"))),
    )
}

/// The `Authorization` value of HTTP basic auth for `user:password` (a URL's
/// userinfo, a step's `user` clause).
pub fn basic_authorization(user_password: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(user_password);
    format!("Basic {token}")
}

/// Whether `headers` already holds an `Authorization` header.
pub fn has_authorization(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
}

/// A header's value as it goes on the wire, or why it cannot: a line break (CR
/// or LF) would end the header, so it is refused, never sent.
pub fn header_value(name: &str, value: &str) -> Result<HeaderValue, String> {
    if value.contains(['\r', '\n']) {
        return Err(format!(
            "the value of header \"{name}\" holds a line break (CR or LF), which would end the header and start another; ritc does not send it"
        ));
    }
    HeaderValue::from_str(value).map_err(|_| {
        format!("the value of header \"{name}\" holds a control character; ritc does not send it")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_userinfo_becomes_basic_auth() {
        let (url, authorization) = take_credentials("http://user:p%40ss%20w@h:8/x?q=1");
        assert_eq!(url, "http://h:8/x?q=1");
        let expected = base64::engine::general_purpose::STANDARD.encode("user:p@ss w");
        assert_eq!(authorization, Some(format!("Basic {expected}")));
        assert_eq!(take_credentials("http://h/").1, None);
        assert_eq!(take_credentials("not a url").0, "not a url");
    }

    #[test]
    fn line_breaks_in_header_values_are_refused() {
        assert!(header_value("X", "a\r\nInjected: 1").is_err());
        assert!(header_value("X", "a\nb").is_err());
        assert!(header_value("X", "plain value").is_ok());
    }
}
