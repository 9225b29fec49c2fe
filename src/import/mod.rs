//! `ritc import`'s core: existing suites turned into `.rit` text. A YAML suite in
//! the seed's "Test Definition Format" (`yaml`) or a Hurl file (`hurl`); `rit`
//! holds what both write with. Pure: text in, text and notes out, no IO. The
//! output is laid out by `crate::fmt`; must not import `check`, `plan` or `run`.

mod hurl;
mod rit;
mod yaml;

pub use rit::{Note, Translation};

use crate::source::span::FileId;

/// Translates the text of `file_name` (its extension says which format). An error
/// when the format is unknown or the text is not in it at all.
pub fn import(file_name: &str, text: &str) -> Result<Translation, String> {
    let path = std::path::Path::new(file_name);
    let stem = path.file_stem().map_or_else(
        || "imported".to_string(),
        |stem| stem.to_string_lossy().into_owned(),
    );
    let extension = path
        .extension()
        .map(|extension| extension.to_string_lossy().to_ascii_lowercase());
    let mut translation = match extension.as_deref() {
        Some("yaml" | "yml") => yaml::translate(&stem, text)?,
        Some("hurl") => hurl::translate(&stem, text)?,
        _ => {
            return Err(format!(
                "cannot tell the format of {file_name}: import reads `.yaml`, `.yml` and `.hurl` files"
            ));
        }
    };
    match crate::fmt::format_source(FileId(0), &translation.rit) {
        Ok(formatted) => translation.rit = formatted,
        Err(_) => translation.notes.push(Note {
            location: "output".to_string(),
            message: "the translation does not parse (a bug in ritc import: please report it)"
                .to_string(),
        }),
    }
    Ok(translation)
}
