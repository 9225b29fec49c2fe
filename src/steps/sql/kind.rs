//! What the `sql` step kind declares: its words, its schema and its executor.

use crate::steps::config::TIMEOUT;
use crate::steps::exec::StepExecutor;
use crate::steps::schema::{OptionSpec, Presence, Shape, StepSchema, TargetText};
use crate::steps::{StepChecker, StepKind};
use crate::syntax::ast::Step;
use crate::types::{ConnectionKind, Type};
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
        target: Type::Connection(ConnectionKind::Database),
        clauses: vec![OptionSpec::value(TIMEOUT, vec![Type::Duration])],
        block_options: Vec::new(),
        result: vec![
            ("rows", Type::list(Type::map(Type::Json))),
            ("count", Type::Int),
            ("duration", Type::Duration),
        ],
        operations: &[],
        without_operation: Some(Shape {
            string: Presence::Required,
            block: Presence::Never,
        }),
    }
}

/// The URL schemes `database(url)` accepts.
pub const SCHEMES: &[&str] = &["postgres", "postgresql", "mysql", "mariadb", "sqlite"];
