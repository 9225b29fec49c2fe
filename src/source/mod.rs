//! Where text came from: the files of one compilation (`source_map`), the
//! byte-offset spans into them (`span`) and the characters a file must not hold
//! (`characters`). A foundation below both the syntax (which
//! makes spans) and the diagnostics (which point with them); it imports nothing of
//! the crate.

pub mod characters;
pub mod source_map;
pub mod span;
