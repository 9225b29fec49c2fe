//! Runs a `load` step's requests and gives its result record.

use super::spec::{CheckFn, LoadSpec};

use super::engine;
use super::model;
use crate::steps::exec::{FieldValue, StepError, StepErrorKind};
use crate::steps::http::client::HttpRequest;

/// Runs the load and gives the result record of docs/load.md.
pub async fn run_load(
    spec: LoadSpec,
    request: HttpRequest,
    check: Option<CheckFn>,
) -> Result<Vec<(String, FieldValue)>, StepError> {
    let plan = model::Plan::from_spec(&spec)
        .map_err(|message| StepError::new(StepErrorKind::Usage, message))?;
    let request = HttpRequest {
        timeout: spec.timeout,
        ..request
    };
    engine::run_isolated(plan, request, check, spec.progress).await
}
