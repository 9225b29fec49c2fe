//! Runtime values and their operators: what expressions evaluate to while a test
//! runs (`runtime`), and the pure semantics of values (docs/language.md): equality
//! and ordering, arithmetic with units, `contains`, `matches`, `is`, paths, truth,
//! and the text, JSON and message forms of a value. No IO, no clock.
//!
//! A foundation: it imports only `mask` (a value knows whether it holds a secret)
//! and `units` (how a duration, size or percent is written), never the language's
//! syntax, the checker, the plan, the interpreter or the reports. The checker has
//! already rejected what it can see statically; what reaches these functions with
//! the wrong shape is a `json` value (or a bug upstream), and it becomes an
//! `EvalError` in plain words, never a panic.

mod access;
mod arithmetic;
mod compare;
mod conform;
mod error;
mod kind;
mod number;
mod runtime;
mod search;
#[cfg(test)]
mod test_values;
mod text;

pub use access::{Read, index, member};
pub use arithmetic::{ArithOp, arithmetic};
pub use compare::{compare, equals};
pub use conform::conform;
pub use error::EvalError;
pub use kind::{is_type, truthy, type_name, type_name_with_article};
pub(crate) use number::{Number, number_of, string_of};
pub use runtime::{Connection, FilePart, Value};
pub use search::{Affix, affix, compile_regex, contains, matches};
pub use text::{DESCRIBE_LIMIT, describe, float_text, hide_password, to_json, to_text};
