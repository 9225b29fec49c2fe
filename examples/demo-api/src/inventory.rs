//! The inventory service (`rit-demo inventory`): stock per product, in memory. Every
//! product name is known and starts at 1000, so that tests need no setup.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::http_error::HttpError;
use crate::json_body::JsonObject;

/// What a product has before anything was taken from it.
const INITIAL_STOCK: i64 = 1000;

/// Stock by product name; absent means untouched, that is [`INITIAL_STOCK`].
#[derive(Debug, Clone, Default)]
struct Stock {
    available: Arc<Mutex<HashMap<String, i64>>>,
}

impl Stock {
    fn available(&self, product: &str) -> i64 {
        *self.lock().get(product).unwrap_or(&INITIAL_STOCK)
    }

    /// Takes `quantity` off `product`, or returns what is left when that is too few.
    fn take(&self, product: &str, quantity: i64) -> Result<i64, i64> {
        let mut available = self.lock();
        let entry = available
            .entry(product.to_string())
            .or_insert(INITIAL_STOCK);
        if *entry < quantity {
            return Err(*entry);
        }
        *entry -= quantity;
        Ok(*entry)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, i64>> {
        // A poisoned lock means a handler panicked mid-update; the map itself is
        // still a consistent set of numbers, so keep serving it.
        self.available
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The inventory service's routes.
pub fn router() -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/api/inventory/{product}", get(show))
        .route("/api/inventory/{product}/take", post(take))
        .with_state(Stock::default())
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "healthy" }))
}

async fn show(State(stock): State<Stock>, Path(product): Path<String>) -> Json<Value> {
    let available = stock.available(&product);
    Json(json!({ "product": product, "available": available }))
}

async fn take(
    State(stock): State<Stock>,
    Path(product): Path<String>,
    body: Bytes,
) -> Result<Response, HttpError> {
    let quantity = JsonObject::parse(&body)?.required_positive_integer("quantity")?;
    let answer = match stock.take(&product, quantity) {
        Ok(available) => {
            Json(json!({ "product": product, "available": available })).into_response()
        }
        // The stock is left as it was, and the answer says how much there is, so the
        // caller can retry with less.
        Err(available) => (
            StatusCode::CONFLICT,
            Json(json!({
                "error": format!("only {available} of {product} left, {quantity} asked"),
                "product": product,
                "available": available,
            })),
        )
            .into_response(),
    };
    Ok(answer)
}
