//! The `sql` backend: one statement on a database.

use super::schema::{TargetText, OptionSpec, StepSchema};
use crate::types::Type;

pub fn schema() -> StepSchema {
    StepSchema {
        name: "sql",
        target_text: TargetText::Plain,
        target: Type::Database,
        clauses: vec![OptionSpec::value("timeout", vec![Type::Duration])],
        block_options: Vec::new(),
        result: vec![
            ("rows", Type::list(Type::map(Type::Json))),
            ("count", Type::Int),
            ("duration", Type::Duration),
        ],
    }
}

/// The URL schemes `database(url)` accepts.
pub const SCHEMES: &[&str] = &["postgres", "postgresql", "mysql", "mariadb", "sqlite"];
