//! The API service (`rit-demo serve`): one module per area of routes, and the router
//! that puts them together.

mod accounts;
mod calls;
mod files;
mod orders;
mod pages;
mod products;
mod state;
mod users;
mod websocket;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use state::AppState;

/// Every route of the API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::index))
        .route("/health", get(pages::health))
        .route("/api/auth/register", post(accounts::register))
        .route("/api/auth/login", post(accounts::login))
        .route("/api/users/me", get(accounts::me))
        .route("/api/users", post(users::create))
        .route("/api/users/{id}", get(users::show))
        .route("/api/products", get(products::list))
        .route("/webhooks/twilio/status", post(calls::twilio_status))
        .route("/api/calls/{sid}", get(calls::show))
        .route("/api/orders", post(orders::create))
        .route("/ws", get(websocket::upgrade))
        // The upload handler enforces its own limit, after reading the whole body,
        // so that the client hears 413 instead of a reset connection.
        .route(
            "/api/upload",
            post(files::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/files/{id}", get(files::download))
        .fallback(pages::not_found)
        .with_state(state)
}
