//! What the `http` step kind declares: its words and its schema.

use crate::backends::schema::StepSchema;
use crate::steps::StepKind;

pub struct Http;

impl StepKind for Http {
    fn name(&self) -> &'static str {
        "http"
    }

    fn keywords(&self) -> &'static [&'static str] {
        &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    }

    fn schema(&self) -> StepSchema {
        crate::backends::http::schema()
    }
}
