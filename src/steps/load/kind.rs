//! What the `load` step kind declares: its words and its schema.

use crate::steps::schema::StepSchema;
use crate::steps::{StepChecker, StepKind};
use crate::syntax::ast::Step;

pub struct Load;

impl StepKind for Load {
    fn name(&self) -> &'static str {
        "load"
    }

    fn keywords(&self) -> &'static [&'static str] {
        &["load"]
    }

    fn schema(&self) -> StepSchema {
        super::spec::schema()
    }

    fn check(&self, step: &Step, checker: &mut dyn StepChecker) {
        super::check::check(step, checker);
    }
}
