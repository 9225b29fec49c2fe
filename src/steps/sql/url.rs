//! The URL `database(url)` keeps: any URL of the kind's schemes that parses,
//! and a SQLite URL with a relative path made absolute against the calling
//! file's folder (as every relative path in a `.rit` file is), so the executor
//! opens the same file whatever the working directory.

use crate::steps::connection::{any_url, scheme};
use std::path::Path;

/// `ConnectionSpec::read` of `database`: a SQLite URL is not parsed as a URL
/// (`sqlite::memory:`, `sqlite:demo.db` are sqlx's own forms).
pub(super) fn read(url: &str, base_dir: &Path) -> Result<String, String> {
    if scheme(url).as_deref() == Some("sqlite") {
        return Ok(absolute_sqlite_url(url, base_dir));
    }
    any_url(url, base_dir)
}

/// `sqlite://demo.db?mode=rwc` → `sqlite:///suite/demo.db?mode=rwc`. In-memory
/// databases and absolute paths are left as they are.
fn absolute_sqlite_url(url: &str, base_dir: &Path) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
    // What would end or change the path when sqlx reads it back.
    const PATH: &AsciiSet = &CONTROLS.add(b'%').add(b'?').add(b'#');
    let Some(rest) = url.get("sqlite:".len()..) else {
        return url.to_string();
    };
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (database, parameters) = match rest.split_once('?') {
        Some((database, parameters)) => (database, Some(parameters)),
        None => (rest, None),
    };
    if database.is_empty() || database == ":memory:" || database.starts_with('/') {
        return url.to_string();
    }
    let Ok(decoded) = percent_decode_str(database).decode_utf8() else {
        return url.to_string();
    };
    let base = std::path::absolute(base_dir).unwrap_or_else(|_| base_dir.to_path_buf());
    let joined = base.join(decoded.as_ref());
    let Some(joined) = joined.to_str() else {
        return url.to_string();
    };
    let mut absolute = format!("sqlite://{}", utf8_percent_encode(joined, PATH));
    if let Some(parameters) = parameters {
        absolute.push('?');
        absolute.push_str(parameters);
    }
    absolute
}
