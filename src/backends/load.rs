//! The `load` backend: many HTTP requests, measured (docs/load.md). `spec` is what
//! the checker and the interpreter see; `model` plans the load in time; `engine`
//! runs it over a `transport` (a lean HTTP/1.1 client in `raw_http`, or reqwest) and
//! `stats` turns what it measured into the result record.

mod engine;
mod model;
mod raw_http;
mod spec;
mod stats;
mod timer;
mod transport;

pub use model::DEFAULT_OPEN_IN_FLIGHT;
pub use spec::{CheckFn, LoadProgress, LoadSpec, ProgressHook, schema};

use super::http_client::HttpRequest;
use super::step::{FieldValue, StepError, StepErrorKind};

/// Runs the load and gives the result record of LANGUAGE.md §3.
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
