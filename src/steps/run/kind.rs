//! What the `run` step kind declares: its words and its schema.

use crate::backends::schema::StepSchema;
use crate::steps::StepKind;

pub struct Run;

impl StepKind for Run {
    fn name(&self) -> &'static str {
        "run"
    }

    fn keywords(&self) -> &'static [&'static str] {
        &["run"]
    }

    fn schema(&self) -> StepSchema {
        crate::backends::run::schema()
    }
}
