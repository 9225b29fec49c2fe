//! Runs a `load` step's requests (or messages) and gives its result record.

use super::spec::{CheckFn, LoadSpec};

use super::engine::{self, Sends};
use super::model;
use crate::steps::exec::{FieldValue, StepError, StepErrorKind};
use crate::steps::http::client::HttpRequest;
use crate::steps::message_load::LoadTarget;

/// Runs the load and gives the result record of docs/load.md.
pub async fn run_load(
    spec: LoadSpec,
    sends: Sends,
    check: Option<CheckFn>,
) -> Result<Vec<(String, FieldValue)>, StepError> {
    let plan = model::Plan::from_spec(&spec)
        .map_err(|message| StepError::new(StepErrorKind::Usage, message))?;
    // Each request, or message, is bounded by the step's timeout.
    let sends = match sends {
        Sends::Http(request) => Sends::Http(Box::new(HttpRequest {
            timeout: spec.timeout,
            ..*request
        })),
        Sends::Messages { load, target } => Sends::Messages {
            load,
            target: LoadTarget {
                timeout: spec.timeout,
                ..target
            },
        },
    };
    let hooks = engine::Hooks {
        progress: spec.progress,
        thresholds: spec.thresholds,
        partial: spec.partial,
    };
    engine::run_isolated(plan, sends, check, hooks).await
}
