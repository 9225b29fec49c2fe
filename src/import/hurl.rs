//! Importing a Hurl file: its entries become one test (captures flow from one
//! entry to the next as in Hurl), with method, URL, headers, query, form,
//! multipart and JSON or text bodies, `[Captures]` and `[Asserts]` (queries:
//! jsonpath with wildcards and filters, xpath, regex, header, cookie and its
//! attributes, digests, bytes…; filters; predicates: `queries`; strftime date
//! formats: `dates`), and `{{variables}}` (`newUuid`, `newDate`, `getEnv`). A Hurl
//! variable nothing captures becomes a `param`. What has no translation, or only
//! one whose meaning differs, is kept as a `#` comment with its line and noted.
//! Pure: no IO.

mod dates;
mod parse;
mod queries;
mod translate;

use super::rit::{Names, Translation};

/// Translates the text of a Hurl file; `stem` names the suite and its test.
pub fn translate(stem: &str, text: &str) -> Result<Translation, String> {
    let entries = parse::parse(text);
    if entries.iter().all(|entry| entry.request.is_none())
        && entries.iter().all(|entry| entry.unparsed.is_empty())
    {
        return Err(
            "no Hurl entry found: an entry starts with a line like `GET https://…`".to_string(),
        );
    }
    let mut importer = translate::Importer {
        // Hurl's functions: `newDate` is an RFC 3339 date of now in UTC (Hurl's
        // has microseconds, `now()` whole seconds), `getEnv "NAME"` an
        // environment variable.
        names: Names::default()
            .with_builtin("newUuid", "uuid()")
            .with_builtin(
                "newDate",
                "format_date(now(), \"[year]-[month]-[day]T[hour]:[minute]:[second]Z\")",
            )
            .with_call("getEnv", "env"),
        notes: Vec::new(),
        depth: 1,
        captures: Vec::new(),
        line: 0,
        skip_by_variable: false,
    };
    Ok(importer.file(stem, &entries))
}
