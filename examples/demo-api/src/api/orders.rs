//! Orders: stored at once, then announced as `order.created` to the broker
//! `EVENTS_URL` names (if any) and passed on to the inventory service, both in
//! the background, so that a test has to wait for the effect ("eventually" or a
//! broker subscription opened before the order).

use std::io::Write;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;
use crate::events::{ORDER_CREATED, Publisher};
use crate::http_error::HttpError;
use crate::json_body::JsonObject;

/// How long after the order the inventory hears of it: long enough that the effect
/// is visibly asynchronous, short enough for a test's `eventually`.
const INVENTORY_DELAY: Duration = Duration::from_millis(200);

/// `POST /api/orders {product, quantity}` → `201 {orderId}`.
pub async fn create(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), HttpError> {
    let fields = JsonObject::parse(&body)?;
    let product = fields.required_string("product")?.to_string();
    let quantity = fields.required_positive_integer("quantity")?;
    let order_id = state.database.insert_order(&product, quantity).await?;
    if let Some(events) = state.events.clone() {
        let event = json!({ "orderId": order_id, "product": product, "quantity": quantity });
        tokio::spawn(announce(events, order_id, event));
    }
    tokio::spawn(take_from_inventory(state, order_id, product, quantity));
    Ok((StatusCode::CREATED, Json(json!({ "orderId": order_id }))))
}

/// Publishes the order's `order.created` event, and logs how that went (as the
/// inventory call does: no client waits for it).
async fn announce(events: Publisher, order_id: i64, event: Value) {
    let outcome = match events
        .publish(ORDER_CREATED, event.to_string().into_bytes())
        .await
    {
        Ok(()) => format!("published {ORDER_CREATED} to {}", events.shown()),
        Err(why) => format!(
            "could not publish {ORDER_CREATED} to {}: {why}",
            events.shown()
        ),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "order {order_id}: {outcome}");
    let _ = stdout.flush();
}

/// Tells the inventory to take `quantity` off `product`, and logs how that went: the
/// client that placed the order is gone by now, so the log is the only witness.
async fn take_from_inventory(state: AppState, order_id: i64, product: String, quantity: i64) {
    tokio::time::sleep(INVENTORY_DELAY).await;
    let outcome = match take_url(&state.inventory_url, &product) {
        Ok(url) => match state
            .http
            .post(url)
            .json(&json!({ "quantity": quantity }))
            .send()
            .await
        {
            Ok(response) => format!("inventory answered {}", response.status().as_u16()),
            Err(error) => format!("inventory unreachable: {error}"),
        },
        Err(error) => format!("bad inventory URL: {error}"),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "order {order_id}: take {quantity} {product}: {outcome}"
    );
    let _ = stdout.flush();
}

/// `{inventory}/api/inventory/{product}/take`, with the product percent-encoded as
/// one path segment whatever characters it has.
fn take_url(inventory_url: &str, product: &str) -> Result<reqwest::Url, String> {
    let mut url = reqwest::Url::parse(inventory_url).map_err(|error| error.to_string())?;
    url.path_segments_mut()
        .map_err(|()| format!("{inventory_url} cannot have a path"))?
        .pop_if_empty()
        .extend(["api", "inventory", product, "take"]);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::take_url;

    #[test]
    fn the_product_is_one_encoded_segment() {
        let url = take_url("http://127.0.0.1:3001/", "blue widget/xl").unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:3001/api/inventory/blue%20widget%2Fxl/take"
        );
    }
}
