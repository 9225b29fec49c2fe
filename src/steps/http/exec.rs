//! Running `http` steps: `GET url …` and the other methods.

use super::client::{HttpError, HttpErrorKind, HttpRequest, MultipartField, RequestBody};
use crate::steps::exec::{
    FieldValue, StepError, StepErrorKind, StepExecutor, StepInput, StepOutput, TestResources,
};
use crate::value::Value;
use crate::value::{to_json, to_text};
use futures_util::future::BoxFuture;

pub struct HttpExecutor;

impl StepExecutor for HttpExecutor {
    fn execute<'a>(
        &'a self,
        input: StepInput,
        test: &'a TestResources,
    ) -> BoxFuture<'a, Result<StepOutput, StepError>> {
        Box::pin(async move {
            let request = build_request(&input)?;
            let described = request.clone();
            let response = test.http.send(request).await.map_err(step_error)?;
            let exchange =
                super::client::describe_exchange(&described, Some(&response), &input.secrets);
            Ok(StepOutput {
                fields: response_fields(&response),
                exchange: Some(exchange),
            })
        })
    }
}

/// The HTTP request a step (or a `load`) describes.
pub fn build_request(input: &StepInput) -> Result<HttpRequest, StepError> {
    let usage = |message: String| StepError::new(StepErrorKind::Usage, message);
    let text = |value: &Value| to_text(value).map_err(|error| usage(error.0));
    let pairs = |value: &Value, what: &str| -> Result<Vec<(String, String)>, StepError> {
        match value {
            Value::Object(entries) => entries
                .iter()
                .map(|(key, value)| Ok((key.clone(), text(value)?)))
                .collect(),
            Value::Json(serde_json::Value::Object(map)) => map
                .iter()
                .map(|(key, value)| Ok((key.clone(), text(&Value::Json(value.clone()))?)))
                .collect(),
            other => Err(usage(format!(
                "`{what}` takes an object, not {}",
                crate::value::type_name_with_article(other)
            ))),
        }
    };
    let body = if let Some(value) = input.option("json") {
        RequestBody::Json(to_json(value))
    } else if let Some(value) = input.option("form") {
        RequestBody::Form(pairs(value, "form")?)
    } else if let Some(value) = input.option("multipart") {
        let Value::Object(entries) = value else {
            return Err(usage(
                "`multipart` takes an object of fields and `file(…)` parts".to_string(),
            ));
        };
        RequestBody::Multipart(
            entries
                .iter()
                .map(|(name, value)| match value {
                    Value::File(part) => Ok(MultipartField::File {
                        name: name.clone(),
                        part: (**part).clone(),
                    }),
                    other => Ok(MultipartField::Text {
                        name: name.clone(),
                        value: text(other)?,
                    }),
                })
                .collect::<Result<_, StepError>>()?,
        )
    } else if let Some(value) = input.option("body") {
        match value {
            Value::Bytes(bytes) => RequestBody::Raw(bytes.clone()),
            other => RequestBody::Raw(text(other)?.into_bytes()),
        }
    } else {
        RequestBody::None
    };
    Ok(HttpRequest {
        method: input.method.unwrap_or("GET").to_string(),
        url: text(&input.target)?,
        headers: input
            .option("headers")
            .map(|value| pairs(value, "headers"))
            .transpose()?
            .unwrap_or_default(),
        query: input
            .option("query")
            .map(|value| pairs(value, "query"))
            .transpose()?
            .unwrap_or_default(),
        body,
        timeout: input.timeout,
        max_body: input.max_body,
        follow_redirects: input.flag("follow redirects"),
        insecure: input.flag("insecure"),
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
    StepError::new(kind, error.message)
}

/// The result record of an HTTP step (the fields its schema declares).
pub fn response_fields(response: &super::client::HttpResponse) -> Vec<(String, FieldValue)> {
    let body = String::from_utf8_lossy(&response.body).into_owned();
    let json = if response.body.is_empty() {
        Err("the response has no body, so it has no `json`".to_string())
    } else {
        serde_json::from_slice::<serde_json::Value>(&response.body)
            .map(Value::Json)
            .map_err(|error| {
                let preview: String = body.chars().take(80).collect();
                format!("the response body is not JSON ({error}); it starts with {preview:?}")
            })
    };
    vec![
        (
            "status".to_string(),
            Ok(Value::Int(i64::from(response.status))),
        ),
        (
            "headers".to_string(),
            Ok(Value::Object(
                response
                    .headers
                    .iter()
                    .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                    .collect(),
            )),
        ),
        ("body".to_string(), Ok(Value::String(body))),
        ("json".to_string(), json),
        (
            "duration".to_string(),
            Ok(Value::Duration(response.duration)),
        ),
        ("url".to_string(), Ok(Value::String(response.url.clone()))),
        (
            "cookies".to_string(),
            Ok(Value::Object(
                response
                    .cookies
                    .iter()
                    .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                    .collect(),
            )),
        ),
    ]
}
