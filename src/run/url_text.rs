//! A value written into a URL template (`GET "{{base}}/users/{{id}}?q={{q}}"`),
//! percent-encoded for where it stands, so that it is one piece of that part
//! and nothing more: in a path it can never add a segment or start the query,
//! in the query never add a parameter, in the fragment never end it. A value
//! before the `://` (a base URL, the scheme) is written as it is: that is where
//! a whole URL goes. Pure.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use std::borrow::Cow;

/// What no part of a URL takes as it is: controls (always encoded), space and
/// the characters RFC 3986 never allows, and `%` so that a value is never read
/// as an escape.
const UNSAFE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Host and port: no path, query, fragment or userinfo may start in a value.
const AUTHORITY: &AsciiSet = &UNSAFE.add(b'/').add(b'?').add(b'#').add(b'@');

/// One path segment: no `/` (another segment), `?` or `#`; `[` `]` are not
/// allowed there either.
const PATH_SEGMENT: &AsciiSet = &UNSAFE.add(b'/').add(b'?').add(b'#').add(b'[').add(b']');

/// A query's name or value: no `&` or `=` (another parameter), no `+` (read as a
/// space by forms), no `#`.
const QUERY_PART: &AsciiSet = &UNSAFE
    .add(b'&')
    .add(b'=')
    .add(b'+')
    .add(b'#')
    .add(b'[')
    .add(b']');

const FRAGMENT: &AsciiSet = &UNSAFE.add(b'#');

/// `value` as it is written after `before`, the URL built so far.
pub fn url_piece<'a>(before: &str, value: &'a str) -> Cow<'a, str> {
    let Some(scheme_end) = before.find("://") else {
        return Cow::Borrowed(value);
    };
    let after_scheme = &before[scheme_end + 3..];
    let set = if after_scheme.contains('#') {
        FRAGMENT
    } else if after_scheme.contains('?') {
        QUERY_PART
    } else if after_scheme.contains('/') {
        PATH_SEGMENT
    } else {
        AUTHORITY
    };
    utf8_percent_encode(value, set).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_of_a_url_gets_its_encoding() {
        assert_eq!(url_piece("", "http://h:1/api"), "http://h:1/api");
        assert_eq!(
            url_piece("http://h:1/users/", "1/../admin?x#y"),
            "1%2F..%2Fadmin%3Fx%23y"
        );
        assert_eq!(
            url_piece("http://h/s?q=", "a&admin=true+1 é"),
            "a%26admin%3Dtrue%2B1%20%C3%A9"
        );
        assert_eq!(url_piece("http://h/s?", "k=v"), "k%3Dv");
        assert_eq!(url_piece("http://h/#", "a#b c"), "a%23b%20c");
        assert_eq!(url_piece("http://", "evil.com/x?y"), "evil.com%2Fx%3Fy");
        assert_eq!(url_piece("http://h/", "%2F"), "%252F");
        assert_eq!(url_piece("http://h/", "plain-id_1.2~"), "plain-id_1.2~");
    }
}
