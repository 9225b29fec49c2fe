//! Twilio's call status callbacks: checking their signature, recording the status,
//! and reading it back.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

use super::AppState;
use crate::http_error::HttpError;
use crate::twilio;

/// `POST /webhooks/twilio/status`, form-encoded as Twilio sends it, or JSON.
pub async fn twilio_status(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, HttpError> {
    let params = parameters(&headers, &body)?;
    if let Some(auth_token) = &state.twilio_auth_token {
        // Twilio signs the URL it posted to; behind no proxy that is our Host header
        // and the path and query exactly as they arrived.
        let host = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let path_and_query = uri
            .path_and_query()
            .map(|path_and_query| path_and_query.as_str())
            .unwrap_or("/");
        let full_url = format!("http://{host}{path_and_query}");
        let signature = headers
            .get("x-twilio-signature")
            .and_then(|value| value.to_str().ok());
        let signed = signature
            .is_some_and(|signature| twilio::is_valid(auth_token, &full_url, &params, signature));
        if !signed {
            return Err(HttpError::new(
                StatusCode::FORBIDDEN,
                "missing or wrong X-Twilio-Signature",
            ));
        }
    }
    let field = |name: &str| {
        params
            .iter()
            .find(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| HttpError::bad_request(format!("{name} is required")))
    };
    let sid = field("CallSid")?;
    let status = field("CallStatus")?;
    let updated_at = now_rfc3339()?;
    state.database.upsert_call(sid, status, &updated_at).await?;
    Ok(Json(
        json!({ "sid": sid, "status": status, "updated_at": updated_at }),
    ))
}

/// `GET /api/calls/{sid}` → `200 {sid, status, updated_at}`.
pub async fn show(
    State(state): State<AppState>,
    Path(sid): Path<String>,
) -> Result<Json<Value>, HttpError> {
    let call = state
        .database
        .call_by_sid(&sid)
        .await?
        .ok_or_else(|| HttpError::not_found(format!("no call {sid}")))?;
    Ok(Json(
        json!({ "sid": call.sid, "status": call.status, "updated_at": call.updated_at }),
    ))
}

/// The callback's parameters as key-value pairs, in the form they are signed in: a
/// JSON body gives its top-level keys, strings as they are and other values as JSON.
fn parameters(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, HttpError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let is_json = content_type.starts_with("application/json")
        || content_type.contains("+json")
        || (content_type.is_empty() && body.trim_ascii_start().starts_with(b"{"));
    if !is_json {
        return Ok(form_urlencoded::parse(body)
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields
            .into_iter()
            .map(|(key, value)| {
                let text = match value {
                    Value::String(text) => text,
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                (key, text)
            })
            .collect()),
        _ => Err(HttpError::bad_request("the body must be a JSON object")),
    }
}

fn now_rfc3339() -> Result<String, HttpError> {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(HttpError::internal)
}
