//! What the `sql` step kind declares: its words, its schema and its executor.

use crate::steps::config::TIMEOUT;
use crate::steps::exec::StepExecutor;
use crate::steps::schema::{ConnectionSpec, OptionSpec, Presence, Shape, StepSchema, TargetText};
use crate::steps::{StepChecker, StepKind};
use crate::syntax::ast::Step;
use crate::types::{ConnectionKind, ServerWatch, Type};
use std::sync::Arc;

pub struct Sql;

impl StepKind for Sql {
    fn name(&self) -> &'static str {
        "sql"
    }

    fn keywords(&self) -> &'static [&'static str] {
        &["sql"]
    }

    fn schema(&self) -> StepSchema {
        schema()
    }

    fn executor(&self) -> Option<Arc<dyn StepExecutor>> {
        Some(Arc::new(super::exec::SqlExecutor::default()))
    }

    fn check(&self, step: &Step, checker: &mut dyn StepChecker) {
        super::check::check(step, checker);
    }
}

pub fn schema() -> StepSchema {
    StepSchema {
        name: "sql",
        target_text: TargetText::Plain,
        target: Type::Connection(DATABASE),
        clauses: vec![OptionSpec::value(TIMEOUT, vec![Type::Duration])],
        block_options: Vec::new(),
        result: vec![
            ("rows", Type::list(Type::map(Type::Json))),
            ("count", Type::Int),
            ("duration", Type::Duration),
        ],
        operations: &[],
        connection: Some(&CONNECTION),
        without_operation: Some(Shape {
            string: Presence::Required,
            block: Presence::Never,
        }),
    }
}

/// What `database(url)` makes: a PostgreSQL, MySQL/MariaDB or SQLite database.
pub const DATABASE: ConnectionKind =
    ConnectionKind::new("database", "database", ServerWatch::DatabaseConnections);

/// `database(url)`, the target of `sql` steps.
pub static CONNECTION: ConnectionSpec = ConnectionSpec {
    kind: DATABASE,
    server: "a database",
    schemes: &["postgres", "postgresql", "mysql", "mariadb", "sqlite"],
    write: "postgres://…, mysql://…, mariadb://… or sqlite://…",
    examples: &[
        "postgres://user@127.0.0.1:5432/db",
        "sqlite://file.db?mode=rwc",
    ],
    summary: "a database: postgres://, mysql://, mariadb:// or sqlite: URL",
    read: super::url::read,
};
