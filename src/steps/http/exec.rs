//! Running `http` steps: `GET url …` and the other methods.

use super::HttpConfig;
use super::client::{HttpError, HttpErrorKind, HttpRequest};
use crate::evidence::{Evidence, ResponseEvidence, Timing};
use crate::steps::config::ConfigError;
use crate::steps::exec::{
    StepError, StepErrorKind, StepExecutor, StepInput, StepOutput, TestResources,
};
use crate::value::{Value, to_text};
use futures_util::future::BoxFuture;
use std::time::Duration;

pub use super::response::response_fields;

pub struct HttpExecutor;

impl StepExecutor for HttpExecutor {
    fn execute<'a>(
        &'a self,
        input: StepInput,
        test: &'a TestResources,
    ) -> BoxFuture<'a, Result<StepOutput, StepError>> {
        Box::pin(async move {
            let config =
                HttpConfig::from_clauses(&input.options).map_err(ConfigError::into_step_error)?;
            let request = build_request(
                input.method,
                &input.target,
                config,
                input.default_timeout,
                input.max_body,
            )?;
            let described = input.verbose.then(|| request.clone());
            let response = test.http.send(request).await.map_err(step_error)?;
            let exchange = described.map(|described| {
                super::client::describe_exchange(&described, Some(&response), &input.secrets)
            });
            let evidence = Evidence {
                response: Some(ResponseEvidence::new(
                    input.method.unwrap_or("GET"),
                    &response.url,
                    response.status,
                    response.header("content-type"),
                    &response.body,
                )),
                timing: Some(
                    Timing::new(response.duration, response.head_after)
                        .connecting(response.connecting),
                ),
                ..Evidence::default()
            };
            Ok(StepOutput {
                fields: response_fields(&response),
                exchange,
                evidence: Some(evidence),
            })
        })
    }
}

/// The HTTP request a step (or a `load`) describes: `method` and `url` (its
/// target as text), its config, and what the run gives every request.
pub fn build_request(
    method: Option<&str>,
    url: &Value,
    config: HttpConfig,
    default_timeout: Duration,
    max_body: usize,
) -> Result<HttpRequest, StepError> {
    Ok(HttpRequest {
        method: method.unwrap_or("GET").to_string(),
        url: to_text(url).map_err(|error| StepError::new(StepErrorKind::Usage, error.0))?,
        headers: config.headers,
        query: config.query,
        body: config.body,
        timeout: config.timeout.unwrap_or(default_timeout),
        max_body,
        follow_redirects: config.follow_redirects,
        insecure: config.insecure,
    })
}

pub fn step_error(error: HttpError) -> StepError {
    let kind = match error.kind {
        HttpErrorKind::Connect => StepErrorKind::Connection,
        HttpErrorKind::Timeout => StepErrorKind::Timeout,
        HttpErrorKind::Tls => StepErrorKind::Tls,
        HttpErrorKind::InvalidRequest => StepErrorKind::Usage,
        HttpErrorKind::Redirect | HttpErrorKind::Body => StepErrorKind::Protocol,
        _ => StepErrorKind::Other,
    };
    StepError::new(kind, error.message).because(error.cause)
}
