//! What the `sql` step kind declares: its words and its schema.

use crate::backends::schema::StepSchema;
use crate::steps::{StepChecker, StepKind};
use crate::syntax::ast::Step;

pub struct Sql;

impl StepKind for Sql {
    fn name(&self) -> &'static str {
        "sql"
    }

    fn keywords(&self) -> &'static [&'static str] {
        &["sql"]
    }

    fn schema(&self) -> StepSchema {
        crate::backends::sql::schema()
    }

    fn check(&self, step: &Step, checker: &mut dyn StepChecker) {
        super::check::check(step, checker);
    }
}
