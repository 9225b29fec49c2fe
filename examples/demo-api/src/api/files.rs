//! Uploads (`multipart/form-data` with a `file` part) and reading them back.
//!
//! The body is read whole before it is parsed, and a body over the limit is still
//! read to its end (up to a cap) before the 413 goes out: a server that answers
//! while the client is still sending makes most clients see a reset connection
//! rather than the answer.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde_json::{Value, json};

use super::AppState;
use crate::http_error::HttpError;

/// The largest file accepted: 10 MB, counted in decimal as the spec writes it, so
/// that a file "over 10 MB" in either reading is refused.
const MAX_FILE_BYTES: usize = 10_000_000;

/// Room for the multipart framing and small extra parts around the file.
const MAX_BODY_BYTES: usize = MAX_FILE_BYTES + 256 * 1024;

/// Past this much, an oversized body is no longer read to its end: the connection is
/// dropped instead, so that a huge upload cannot keep the server busy.
const MAX_DRAINED_BYTES: u64 = 256 * 1024 * 1024;

/// `POST /api/upload` → `200 {fileId, name, size}`.
pub async fn upload(
    State(state): State<AppState>,
    request: Request,
) -> Result<Json<Value>, HttpError> {
    let (parts, body) = request.into_parts();
    let declared_length = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > MAX_DRAINED_BYTES) {
        return Err(too_large());
    }
    let bytes = read_limited(body).await?;
    let request = Request::from_parts(parts, Body::from(bytes));
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|rejection| HttpError::bad_request(rejection.body_text()))?;

    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| HttpError::bad_request(error.body_text()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("file").to_string();
        let content_type = match field.content_type() {
            Some(content_type) => content_type.to_string(),
            None => mime_guess::from_path(&name)
                .first_or_octet_stream()
                .to_string(),
        };
        let content = field
            .bytes()
            .await
            .map_err(|error| HttpError::bad_request(error.body_text()))?;
        if content.len() > MAX_FILE_BYTES {
            return Err(too_large());
        }
        let size = content.len();
        let id = state
            .database
            .insert_file(&name, &content_type, content.to_vec())
            .await?;
        return Ok(Json(json!({ "fileId": id, "name": name, "size": size })));
    }
    Err(HttpError::bad_request(
        "a multipart part named \"file\" is required",
    ))
}

/// `GET /api/files/{id}` → the bytes, with the content type they were uploaded with.
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let not_found = || HttpError::not_found(format!("no file with id {id}"));
    let numeric_id: i64 = id.parse().map_err(|_| not_found())?;
    let file = state
        .database
        .file_by_id(numeric_id)
        .await?
        .ok_or_else(not_found)?;
    // A content type that is not a valid header value (it came from the client) is
    // served as plain bytes rather than failing the download.
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok(([(header::CONTENT_TYPE, content_type)], file.bytes).into_response())
}

/// The whole body if it fits in [`MAX_BODY_BYTES`]; otherwise reads on to the end
/// (or to [`MAX_DRAINED_BYTES`]) and answers 413.
async fn read_limited(mut body: Body) -> Result<Bytes, HttpError> {
    let mut collected: Vec<u8> = Vec::new();
    let mut total: u64 = 0;
    let mut over = false;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| HttpError::bad_request(error.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len() as u64;
        if !over && collected.len() + data.len() > MAX_BODY_BYTES {
            over = true;
            collected = Vec::new();
        }
        if over {
            if total > MAX_DRAINED_BYTES {
                break;
            }
        } else {
            collected.extend_from_slice(&data);
        }
    }
    if over {
        return Err(too_large());
    }
    Ok(Bytes::from(collected))
}

fn too_large() -> HttpError {
    HttpError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the file is over {MAX_FILE_BYTES} bytes"),
    )
}
