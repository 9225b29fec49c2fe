//! Running a checked program: the evaluator, the interpreter, services and the
//! runner. Values and their operators live in `crate::value`, processes in
//! `crate::os`. Must not import `syntax::ast` or `check`: it runs the `plan`.

mod boundary;
pub mod evaluate;
pub mod functions;
pub mod interpreter;
pub mod open_steps;
pub mod outcome;
mod probe_problem;
pub mod runner;
pub mod schema;
pub mod selection;
pub mod services;
pub mod tally;
pub mod url_text;

pub use interpreter::StepDefault;
