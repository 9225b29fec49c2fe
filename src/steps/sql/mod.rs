//! The `sql` step kind: its declaration (`kind`, `check`), its typed config
//! (`config`) and its execution: `exec` (the executor and its pools),
//! `connection` (databases, pools and the connection each test holds),
//! `statement` (placeholders, binding, one runner for every driver), `encode`
//! (parameters on PostgreSQL), `decode` (rows as values) and `errors` (failures in
//! words, the `-v` exchange); `count`, how many statements a text holds (one a
//! step).

mod check;
pub mod config;
mod connection;
mod count;
mod decode;
mod encode;
mod errors;
pub mod exec;
mod kind;
mod statement;
#[cfg(test)]
mod tests;
mod url;

pub use config::SqlConfig;
pub use exec::SqlExecutor;
pub use kind::{DATABASE, Sql};
