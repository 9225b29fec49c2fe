//! The syntax of `.rit`: spans, the untyped AST, literals and the parser. Pure: no
//! IO, no knowledge of types, backends or running. Must not import `check`, `plan`
//! or `run`.

pub mod ast;
pub mod literal;
pub mod parser;
pub mod source_map;
pub mod span;

pub use parser::{ParseOutput, parse};
