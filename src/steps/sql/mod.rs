//! The `sql` step kind. Must not import `run`, `plan` or `report`.

mod check;
mod kind;

pub use kind::Sql;
