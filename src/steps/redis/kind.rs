//! What the `redis` step kind declares: its words and its schema.

use crate::backends::schema::StepSchema;
use crate::steps::{StepChecker, StepKind};
use crate::syntax::ast::Step;

pub struct Redis;

impl StepKind for Redis {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn keywords(&self) -> &'static [&'static str] {
        &["redis"]
    }

    fn schema(&self) -> StepSchema {
        crate::backends::redis::schema()
    }

    fn check(&self, step: &Step, checker: &mut dyn StepChecker) {
        super::check::check(step, checker);
    }
}
