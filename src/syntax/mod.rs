//! The syntax of `.rit`: the untyped AST, literals and the parser (spans and the
//! source map are `crate::source`, unit literals `crate::units`). Pure: no IO, no
//! knowledge of types, backends or running. Must not import `check`, `plan` or
//! `run`.

pub mod ast;
pub mod literal;
pub mod parser;
pub mod visit;

pub use parser::{ParseOutput, parse};
