//! The `echo` step kind, for tests only (the `test-kinds` feature): it proves that
//! a kind added the way docs/ARCHITECTURE.md ("Adding a step kind") says (this
//! folder and one registry line) is parsed, checked, run and reported with
//! nothing else in `src/` knowing it (tests/echo_kind.rs, tests/tidy.rs).
//!
//! `echo "text" [delay D] [timeout D]` yields `text` and its `length`, after
//! waiting `delay`; a delay longer than the timeout is a timeout of the step.
//! `echo upper "text"` and `echo lower "text"` are its operation words, and
//! `echo join "text" ", " { … }` its step with a string and a block, whose
//! statements may `say "more"` (its own statement), as issue 22's brokers
//! will `subscribe … { … }`.

mod config;
mod exec;
mod join;
mod kind;

pub use kind::Echo;
