//! Running a checked program: the interpreter, runtime values, services and the
//! process helpers. Must not import `syntax::ast` or `check`: it runs the `plan`.

pub mod functions;
pub mod operators;
pub mod schema;
pub mod value;
pub mod process;
pub mod services;
pub mod evaluate;
pub mod interpreter;
pub mod outcome;
pub mod runner;
pub mod sampling;
