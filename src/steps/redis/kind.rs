//! What the `redis` step kind declares: its words and its schema.

use crate::backends::schema::StepSchema;
use crate::steps::StepKind;

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
}
