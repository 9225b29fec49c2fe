//! Step kinds: one folder per kind (`http`, `run`, `sql`, `redis`, `ws`, `load`, `nats`, `mqtt`, `amqp`),
//! each implementing the `StepKind` trait (its words, schema, check rules and
//! executor) and reading its clauses into its typed config (`config`), and the
//! one registry that lists them. Everything that needs to know which step kinds
//! exist (the checker, the language server, the planner, the runner,
//! tests/tidy.rs) reads `registry()`.
//!
//! A kind's declarations (`kind.rs`, `check.rs`, `schema.rs`) are pure and must not
//! import `run`, `plan` or `report`. Its execution (`exec.rs` and what it uses) may
//! use the runtime's values, operators and processes, and the secret masker; it must
//! never import `run::interpreter`, `check` or the AST.

pub mod amqp;
mod check;
pub mod config;
pub mod connection;
pub mod context;
#[cfg(feature = "test-kinds")]
mod echo;
pub mod exec;
pub mod http;
mod json_body;
mod kind;
pub mod limits;
pub mod load;
pub mod message_exchange;
pub mod message_load;
pub mod messages;
pub mod mqtt;
pub mod nats;
mod record;
pub mod redis;
mod registry;
pub mod run;
pub mod schema;
pub mod shown_body;
pub mod sql;
pub mod ws;

pub use check::StepChecker;
pub use kind::StepKind;
pub use registry::{
    all_result_fields, by_name, connection_named, connection_of, connections, of_step,
    own_statement, registry, schema_for, statement_owner, type_named,
};
