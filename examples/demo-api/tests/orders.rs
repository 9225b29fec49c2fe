//! Orders reach the inventory service: both commands of the binary, running as two
//! processes, as microservices.rit uses them.

mod support;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{client, start_api, start_inventory, unique};

async fn available(http: &reqwest::Client, inventory: &str, product: &str) -> i64 {
    let response = http
        .get(format!("{inventory}/api/inventory/{product}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["product"], product);
    body["available"].as_i64().expect("an integer stock")
}

#[tokio::test]
async fn an_order_lowers_the_stock_eventually() {
    let inventory = start_inventory();
    let api = start_api(None, &inventory.base(), None);
    let http = client();
    let product = unique("widget-");

    assert_eq!(available(&http, &inventory.base(), &product).await, 1000);

    let order = http
        .post(api.base() + "/api/orders")
        .json(&json!({ "product": product, "quantity": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(order.status(), StatusCode::CREATED);
    let order: Value = order.json().await.unwrap();
    assert!(order["orderId"].is_i64(), "{order}");

    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = available(&http, &inventory.base(), &product).await;
        if now == 995 {
            break;
        }
        assert!(Instant::now() < deadline, "stock still {now} after 5 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    for malformed in [
        json!({ "product": "widget" }),
        json!({ "product": "widget", "quantity": 0 }),
        json!({ "quantity": 1 }),
    ] {
        let refused = http
            .post(api.base() + "/api/orders")
            .json(&malformed)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{malformed}");
    }
}

#[tokio::test]
async fn the_inventory_refuses_to_take_more_than_it_has() {
    let inventory = start_inventory();
    let http = client();
    let base = inventory.base();

    let health = http.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(
        health.json::<Value>().await.unwrap(),
        json!({ "status": "healthy" })
    );

    let taken = http
        .post(format!("{base}/api/inventory/gizmo/take"))
        .json(&json!({ "quantity": 600 }))
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), StatusCode::OK);
    assert_eq!(
        taken.json::<Value>().await.unwrap(),
        json!({ "product": "gizmo", "available": 400 })
    );

    let too_many = http
        .post(format!("{base}/api/inventory/gizmo/take"))
        .json(&json!({ "quantity": 401 }))
        .send()
        .await
        .unwrap();
    assert_eq!(too_many.status(), StatusCode::CONFLICT);
    assert_eq!(available(&http, &base, "gizmo").await, 400);

    let malformed = http
        .post(format!("{base}/api/inventory/gizmo/take"))
        .json(&json!({ "quantity": "lots" }))
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);

    // Other products are untouched.
    assert_eq!(available(&http, &base, "widget").await, 1000);
}
