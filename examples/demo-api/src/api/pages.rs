//! The index page, the health check and the answer to unknown paths.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::AppState;
use crate::http_error::HttpError;

/// A database that takes longer than this to answer `SELECT 1` counts as down.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

const INDEX_HTML: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>rit-demo</title></head>
<body>
<h1>rit-demo</h1>
<p>The demo service of ritc. Routes:</p>
<ul>
<li><code>GET /health</code></li>
<li><code>POST /api/auth/register</code>, <code>POST /api/auth/login</code>, <code>GET /api/users/me</code></li>
<li><code>POST /api/users</code>, <code>GET /api/users/{id}</code></li>
<li><code>GET /api/products</code></li>
<li><code>POST /webhooks/twilio/status</code>, <code>GET /api/calls/{sid}</code></li>
<li><code>POST /api/orders</code></li>
<li><code>GET /ws</code> (WebSocket)</li>
<li><code>POST /api/upload</code>, <code>GET /api/files/{id}</code></li>
</ul>
</body>
</html>
"#;

/// `Html` sets `text/html; charset=utf-8`.
pub async fn index() -> Html<&'static str> {
    Html(INDEX_HTML)
}

pub async fn health(State(state): State<AppState>) -> Response {
    let failure = match tokio::time::timeout(HEALTH_TIMEOUT, state.database.ping()).await {
        Ok(Ok(())) => return Json(json!({ "status": "healthy" })).into_response(),
        Ok(Err(error)) => format!("database error: {error}"),
        Err(_) => format!("database did not answer within {HEALTH_TIMEOUT:?}"),
    };
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "unhealthy", "reason": failure })),
    )
        .into_response()
}

pub async fn not_found() -> HttpError {
    HttpError::not_found("no such route")
}
