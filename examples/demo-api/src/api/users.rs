//! Users made directly through the API (no password): creating and reading one.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;
use crate::db::InsertUserError;
use crate::http_error::HttpError;
use crate::json_body::JsonObject;

/// `POST /api/users {name, email}` → `201 {id, name, email}`.
pub async fn create(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), HttpError> {
    let fields = JsonObject::parse(&body)?;
    let name = fields.required_string("name")?;
    let email = fields.required_email("email")?;
    let id = match state.database.insert_user(Some(name), email, None).await {
        Ok(id) => id,
        Err(InsertUserError::EmailTaken) => {
            return Err(HttpError::conflict("a user with this email exists"));
        }
        Err(InsertUserError::Database(error)) => return Err(error.into()),
    };
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "name": name, "email": email })),
    ))
}

/// `GET /api/users/{id}` → `200 {id, name, email}`; an id that is not a number names
/// no user, so it is a 404 like any other unknown id.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, HttpError> {
    let not_found = || HttpError::not_found(format!("no user with id {id}"));
    let numeric_id: i64 = id.parse().map_err(|_| not_found())?;
    let user = state
        .database
        .user_by_id(numeric_id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(
        json!({ "id": user.id, "name": user.name, "email": user.email }),
    ))
}
