//! Accounts: registering, logging in, and reading one's own profile with a bearer
//! token. Hashing runs on the blocking pool: argon2 is slow on purpose.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

use super::AppState;
use crate::auth;
use crate::db::InsertUserError;
use crate::http_error::HttpError;
use crate::json_body::JsonObject;

/// `POST /api/auth/register {email, password}` → `201 {id, email}`.
pub async fn register(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), HttpError> {
    let fields = JsonObject::parse(&body)?;
    let email = fields.required_email("email")?;
    let password = fields.required_string("password")?.to_string();
    let password_hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(HttpError::internal)?
        .map_err(HttpError::internal)?;
    let id = match state
        .database
        .insert_user(None, email, Some(&password_hash))
        .await
    {
        Ok(id) => id,
        Err(InsertUserError::EmailTaken) => {
            return Err(HttpError::conflict("this email is already registered"));
        }
        Err(InsertUserError::Database(error)) => return Err(error.into()),
    };
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "email": email })),
    ))
}

/// `POST /api/auth/login {email, password}` → `200 {token}`.
pub async fn login(State(state): State<AppState>, body: Bytes) -> Result<Json<Value>, HttpError> {
    let fields = JsonObject::parse(&body)?;
    let email = fields.required_string("email")?;
    let password = fields.required_string("password")?.to_string();
    let refused = || HttpError::unauthorized("wrong email or password");
    let user = state
        .database
        .user_by_email(email)
        .await?
        .ok_or_else(refused)?;
    // Users made through POST /api/users have no password and cannot log in.
    let stored_hash = user.password_hash.ok_or_else(refused)?;
    let matches =
        tokio::task::spawn_blocking(move || auth::verify_password(&password, &stored_hash))
            .await
            .map_err(HttpError::internal)?;
    if !matches {
        return Err(refused());
    }
    Ok(Json(json!({ "token": state.tokens.issue(user.id) })))
}

/// `GET /api/users/me` with `Authorization: Bearer <token>` → `200 {id, email, name}`.
pub async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, HttpError> {
    let token = bearer_token(&headers)
        .ok_or_else(|| HttpError::unauthorized("an Authorization: Bearer token is required"))?;
    let user_id = state
        .tokens
        .verify(token)
        .ok_or_else(|| HttpError::unauthorized("the token is invalid or expired"))?;
    // A valid token whose user is gone is as good as no token.
    let user = state
        .database
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| HttpError::unauthorized("the token's user no longer exists"))?;
    Ok(Json(
        json!({ "id": user.id, "email": user.email, "name": user.name }),
    ))
}

/// The token of an `Authorization: Bearer …` header; the scheme is case-insensitive
/// as HTTP says.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
