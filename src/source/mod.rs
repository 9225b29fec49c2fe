//! Where text came from: the files of one compilation (`source_map`) and the
//! byte-offset spans into them (`span`). A foundation below both the syntax (which
//! makes spans) and the diagnostics (which point with them); it imports nothing of
//! the crate.

pub mod source_map;
pub mod span;
