//! What the `load` step kind declares: its words and its schema.

use crate::steps::context::{Halt, StepContext};
use crate::steps::schema::StepSchema;
use crate::steps::{StepChecker, StepKind};
use crate::syntax::ast::Step;
use crate::value::Value;
use futures_util::future::BoxFuture;
use std::time::Duration;

pub struct Load;

impl StepKind for Load {
    fn drive<'a>(
        &'a self,
        context: &'a mut dyn StepContext,
    ) -> Option<BoxFuture<'a, Result<Value, Halt>>> {
        Some(Box::pin(super::drive::drive(context)))
    }

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

    /// `load nats publish …`: the broker's target and clauses, a load's record.
    fn schema_of_step(&self, step: &Step) -> Option<StepSchema> {
        super::messages::schema_of_step(step)
    }

    fn explained_fields(&self) -> &'static [&'static str] {
        &super::text::LOAD_FIELDS
    }

    fn result_detail(&self, record: &serde_json::Value, limit: Option<Duration>) -> Option<String> {
        Some(super::text::threshold_detail(record, limit))
    }
}
