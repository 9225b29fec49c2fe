//! Running a checked program: the interpreter, runtime values, services and the
//! process helpers. Must not import `syntax::ast` or `check`: it runs the `plan`.

pub mod evaluate;
pub mod functions;
pub mod interpreter;
pub mod leftovers;
pub(crate) mod listeners;
pub mod open_steps;
pub mod operators;
pub mod outcome;
pub(crate) mod proc_table;
pub mod process;
pub mod runner;
pub mod sampling;
pub mod schema;
pub mod selection;
pub mod services;
pub mod tally;
pub mod url_text;
pub mod value;
