//! The syntax of `.rit`: the untyped AST, literals and the parser (spans and the
//! source map are `crate::source`, unit literals `crate::units`). Pure: no IO, no
//! knowledge of types, backends or running. Must not import `check`, `plan` or
//! `run`.

pub mod ast;
pub mod literal;
pub mod parser;

pub use parser::{ParseOutput, parse};

// The spans' old home, kept while the other branches of issue 18 that import
// `syntax::span` land; new code imports `crate::source`.
pub use crate::source::{source_map, span};
