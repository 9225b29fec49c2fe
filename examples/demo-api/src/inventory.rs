//! The inventory service (`rit-demo inventory`): stock per product, in memory. Every
//! product name is known and starts at 1000, so that tests need no setup. With
//! `EVENTS_URL` it also hears `order.created` (`order_events.rs`) and records
//! each order by product, so a test can see that an order placed with the API
//! reached the inventory through the broker (`GET /api/inventory/{product}/orders`).

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

/// The orders heard of through `order.created`, by product: each one's
/// `{orderId, quantity}`, in the order they arrived.
#[derive(Debug, Clone, Default)]
pub struct HeardOrders {
    by_product: Arc<Mutex<HashMap<String, Vec<Value>>>>,
}

impl HeardOrders {
    /// Records the order an `order.created` payload describes: its product and
    /// id, or why the payload describes no order.
    pub fn record(&self, payload: &[u8]) -> Result<(String, i64), String> {
        let event: Value = serde_json::from_slice(payload)
            .map_err(|error| format!("the event is not JSON: {error}"))?;
        let (Some(product), Some(order_id), Some(quantity)) = (
            event["product"].as_str(),
            event["orderId"].as_i64(),
            event["quantity"].as_i64(),
        ) else {
            return Err(format!("the event is no order: {event}"));
        };
        self.lock()
            .entry(product.to_string())
            .or_default()
            .push(json!({ "orderId": order_id, "quantity": quantity }));
        Ok((product.to_string(), order_id))
    }

    fn of(&self, product: &str) -> Vec<Value> {
        self.lock().get(product).cloned().unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vec<Value>>> {
        // As for the stock: a list of orders stays consistent whatever panicked.
        self.by_product
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What the routes share: the stock, and the orders heard of.
#[derive(Debug, Clone, Default)]
struct Inventory {
    stock: Stock,
    heard: HeardOrders,
}

/// The inventory service's routes; `heard` fills as `order.created` events come.
pub fn router(heard: HeardOrders) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/api/inventory/{product}", get(show))
        .route("/api/inventory/{product}/take", post(take))
        .route("/api/inventory/{product}/orders", get(orders))
        .with_state(Inventory {
            stock: Stock::default(),
            heard,
        })
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "healthy" }))
}

async fn show(State(inventory): State<Inventory>, Path(product): Path<String>) -> Json<Value> {
    let available = inventory.stock.available(&product);
    Json(json!({ "product": product, "available": available }))
}

/// The orders for `product` that `order.created` announced (none without
/// `EVENTS_URL`).
async fn orders(State(inventory): State<Inventory>, Path(product): Path<String>) -> Json<Value> {
    let orders = inventory.heard.of(&product);
    Json(json!({ "product": product, "orders": orders }))
}

async fn take(
    State(inventory): State<Inventory>,
    Path(product): Path<String>,
    body: Bytes,
) -> Result<Response, HttpError> {
    let quantity = JsonObject::parse(&body)?.required_positive_integer("quantity")?;
    let answer = match inventory.stock.take(&product, quantity) {
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
