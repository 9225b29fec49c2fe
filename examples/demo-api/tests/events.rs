//! `order.created` reaches the broker `EVENTS_URL` names, through the machine's
//! real RabbitMQ, NATS and Mosquitto: each test listens first (a queue bound to
//! `amq.topic`, a subscription), places an order, and reads the event back with
//! the same client crate the demo publishes with. Without `EVENTS_URL` nothing is
//! published. The inventory hears the event through each broker (its
//! `EVENTS_URL`) and records the order, so the order placed with the API shows up
//! in the inventory's answer; an inventory without `EVENTS_URL` records none.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};
use serde_json::{Value, json};
use support::{
    Service, client, start_api_publishing, start_inventory, start_inventory_hearing, unique,
};

const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const NATS_URL: &str = "nats://127.0.0.1:4222";
const MQTT_URL: &str = "mqtt://127.0.0.1:1883";

/// Places an order for `product` with the API publishing to `events_url`, and
/// returns the event `next` reads (within 5 s) and the order.
async fn order_and_read(
    events_url: Option<&str>,
    product: &str,
    next: impl std::future::Future<Output = Option<Vec<u8>>>,
) -> (Option<Value>, Value) {
    let inventory = start_inventory();
    let api = start_api_publishing(None, &inventory.base(), None, events_url);
    let placed = client()
        .post(api.base() + "/api/orders")
        .json(&json!({ "product": product, "quantity": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), reqwest::StatusCode::CREATED);
    let placed: Value = placed.json().await.unwrap();
    let event = tokio::time::timeout(Duration::from_secs(5), next)
        .await
        .ok()
        .flatten()
        .map(|bytes| serde_json::from_slice(&bytes).expect("the event is JSON"));
    let order = json!({ "orderId": placed["orderId"], "product": product, "quantity": 2 });
    (event, order)
}

#[tokio::test]
async fn an_order_is_published_to_rabbitmq_on_amq_topic() {
    let connection = Connection::connect(AMQP_URL, ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel
        .queue_bind(
            queue.name().clone(),
            "amq.topic".into(),
            "order.created".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut consumer = channel
        .basic_consume(
            queue.name().clone(),
            "".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    // Other tests' orders may arrive too: the event of this order is the one
    // with its product.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        while let Some(Ok(delivery)) = consumer.next().await {
            let persistent = *delivery.properties.delivery_mode() == Some(2);
            let json = delivery
                .properties
                .content_type()
                .as_ref()
                .map(|t| t.to_string());
            let _ = tx.send((delivery.data, persistent, json));
        }
    });
    let product_of = |bytes: &[u8]| -> Value {
        serde_json::from_slice::<Value>(bytes).unwrap_or_default()["product"].clone()
    };
    let inventory = start_inventory();
    let api = start_api_publishing(None, &inventory.base(), None, Some(AMQP_URL));
    let product = unique("gadget-");
    let placed: Value = client()
        .post(api.base() + "/api/orders")
        .json(&json!({ "product": product, "quantity": 2 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let found = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some((bytes, persistent, content_type)) = rx.recv().await {
            if product_of(&bytes) == json!(product) {
                return Some((bytes, persistent, content_type));
            }
        }
        None
    })
    .await
    .ok()
    .flatten();
    reader.abort();
    let _ = connection.close(200, "done".into()).await;
    let (bytes, persistent, content_type) = found.expect("order.created within 5 s");
    let event: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        event,
        json!({ "orderId": placed["orderId"], "product": product, "quantity": 2 })
    );
    assert!(persistent, "delivery mode 2");
    assert_eq!(content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn an_order_is_published_to_nats_and_without_events_url_to_nowhere() {
    let nats = async_nats::connect(NATS_URL).await.unwrap();
    let mut subscriber = nats.subscribe("order.created").await.unwrap();
    nats.flush().await.unwrap();
    // The event of the order placed here (others' orders may come in between).
    let product = unique("gadget-");
    let (event, order) = order_and_read(Some(NATS_URL), &product, async {
        while let Some(message) = subscriber.next().await {
            let event: Value = serde_json::from_slice(&message.payload).unwrap_or_default();
            if event["product"] == json!(product) {
                return Some(message.payload.to_vec());
            }
        }
        None
    })
    .await;
    assert_eq!(event.expect("order.created within 5 s"), order);

    // The same order without EVENTS_URL: nothing with its product in 1 s.
    let mut quiet = nats.subscribe("order.created").await.unwrap();
    nats.flush().await.unwrap();
    let inventory = start_inventory();
    let api = start_api_publishing(None, &inventory.base(), None, None);
    let product = unique("silent-");
    let placed = client()
        .post(api.base() + "/api/orders")
        .json(&json!({ "product": product, "quantity": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), reqwest::StatusCode::CREATED);
    let heard = tokio::time::timeout(Duration::from_secs(1), async {
        while let Some(message) = quiet.next().await {
            let event: Value = serde_json::from_slice(&message.payload).unwrap_or_default();
            if event["product"] == json!(product) {
                return true;
            }
        }
        false
    })
    .await;
    assert!(
        !heard.unwrap_or(false),
        "an order was published without EVENTS_URL"
    );
}

#[tokio::test]
async fn an_order_is_published_to_mqtt() {
    use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
    let id = format!("events-test-{}", std::process::id());
    let (mqtt, mut events) = AsyncClient::new(MqttOptions::new(id, "127.0.0.1", 1883), 16);
    mqtt.subscribe("order.created", QoS::AtLeastOnce)
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let poller = tokio::spawn(async move {
        while let Ok(event) = events.poll().await {
            match event {
                Event::Incoming(Packet::SubAck(_)) => {
                    let _ = tx.send(None);
                }
                Event::Incoming(Packet::Publish(message)) => {
                    let _ = tx.send(Some(message.payload.to_vec()));
                }
                _ => {}
            }
        }
    });
    // The broker has the subscription before the order is placed.
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .ok()
            .flatten(),
        Some(None)
    );
    let product = unique("gadget-");
    let (event, order) = order_and_read(Some(MQTT_URL), &product, async {
        while let Some(Some(payload)) = rx.recv().await {
            let event: Value = serde_json::from_slice(&payload).unwrap_or_default();
            if event["product"] == json!(product) {
                return Some(payload);
            }
        }
        None
    })
    .await;
    poller.abort();
    assert_eq!(event.expect("order.created within 5 s"), order);
}

/// The orders the inventory recorded for `product`, once there is one (waiting
/// up to 10 s, asking every 50 ms): an empty list when none came.
async fn orders_heard(inventory: &Service, product: &str) -> Value {
    let url = format!("{}/api/inventory/{product}/orders", inventory.base());
    let mut orders = json!([]);
    for _ in 0..200 {
        let answer: Value = client()
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        orders = answer["orders"].clone();
        if orders.as_array().is_some_and(|orders| !orders.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    orders
}

/// The seed's pattern through the broker of `url`: an order placed with the API
/// (publishing there) is recorded by the inventory (hearing there).
async fn an_order_reaches_the_inventory_through(url: &str) {
    let inventory = start_inventory_hearing(Some(url));
    let api = start_api_publishing(None, &inventory.base(), None, Some(url));
    let product = unique("heard-");
    let placed: Value = client()
        .post(api.base() + "/api/orders")
        .json(&json!({ "product": product, "quantity": 3 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let orders = orders_heard(&inventory, &product).await;
    assert_eq!(
        orders,
        json!([{ "orderId": placed["orderId"], "quantity": 3 }]),
        "{:?}",
        inventory.log()
    );
    let heard = format!("heard order {} of {product}", placed["orderId"]);
    assert!(inventory.log().contains(&heard), "{:?}", inventory.log());
}

#[tokio::test]
async fn an_order_reaches_the_inventory_through_rabbitmq() {
    an_order_reaches_the_inventory_through(AMQP_URL).await;
}

#[tokio::test]
async fn an_order_reaches_the_inventory_through_nats() {
    an_order_reaches_the_inventory_through(NATS_URL).await;
}

#[tokio::test]
async fn an_order_reaches_the_inventory_through_mqtt() {
    an_order_reaches_the_inventory_through(MQTT_URL).await;
}

/// Two inventories, one hearing NATS and one without `EVENTS_URL`: once the
/// first has recorded the order, the second has none (it consumes nothing).
#[tokio::test]
async fn an_inventory_without_events_url_records_no_order() {
    let hearing = start_inventory_hearing(Some(NATS_URL));
    let deaf = start_inventory_hearing(None);
    let api = start_api_publishing(None, &deaf.base(), None, Some(NATS_URL));
    let product = unique("unheard-");
    let placed = client()
        .post(api.base() + "/api/orders")
        .json(&json!({ "product": product, "quantity": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), reqwest::StatusCode::CREATED);
    let heard = orders_heard(&hearing, &product).await;
    assert_eq!(heard.as_array().map(Vec::len), Some(1), "{heard}");
    let url = format!("{}/api/inventory/{product}/orders", deaf.base());
    let answer: Value = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["orders"], json!([]));
    assert!(
        !deaf.log().iter().any(|line| line.contains("order.created")),
        "{:?}",
        deaf.log()
    );
}

/// A broker that is down when the inventory starts: it still serves (with no
/// orders) and its log says which broker, the URL's password hidden.
#[tokio::test]
async fn an_inventory_whose_broker_is_down_serves_and_says_so_without_the_password() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("nats://ritc:inventory-pw-5@127.0.0.1:{port}");
    let inventory = start_inventory_hearing(Some(&url));
    let answer: Value = client()
        .get(format!("{}/api/inventory/any/orders", inventory.base()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["orders"], json!([]));
    let said = format!("cannot subscribe to order.created at nats://ritc:***@127.0.0.1:{port}");
    let log = inventory.log();
    assert!(log.iter().any(|line| line.starts_with(&said)), "{log:?}");
    assert!(
        !log.iter().any(|line| line.contains("inventory-pw-5")),
        "{log:?}"
    );
}
