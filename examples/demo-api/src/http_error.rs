//! The error answer both services give: a status and `{"error": "…"}`. Handlers
//! return `Result<_, HttpError>` and `?` their way out.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub struct HttpError {
    status: StatusCode,
    message: String,
}

impl HttpError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> HttpError {
        HttpError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn not_found(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::CONFLICT, message)
    }

    /// A failure of ours: the detail goes to stderr, and the client gets a plain 500
    /// that does not leak it.
    pub fn internal(detail: impl std::fmt::Display) -> HttpError {
        eprintln!("internal error: {detail}");
        HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
}

impl From<sqlx::Error> for HttpError {
    fn from(error: sqlx::Error) -> Self {
        HttpError::internal(format!("database: {error}"))
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}
