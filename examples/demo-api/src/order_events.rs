//! The inventory's side of `order.created`: when `EVENTS_URL` names a broker,
//! `rit-demo inventory` subscribes to the event there (`amqp://`: a temporary
//! queue bound to `amq.topic` with the key `order.created`; `nats://`: the subject;
//! `mqtt://`: the topic, QoS 1) and hands each event's JSON to the inventory,
//! which records the order. The first subscription is made before the service
//! listens, so a service that is ready has subscribed and misses no order placed
//! after that; a broker that is down (then or later) is logged, password hidden,
//! and tried again every second. Unset or empty: nothing is consumed.

use std::io::Write;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::events::{Broker, ORDER_CREATED, hide_password, mqtt_options, shown};

/// How long connecting and subscribing may take.
const SUBSCRIBE_WITHIN: Duration = Duration::from_secs(5);

/// How long to wait before subscribing again after the broker was lost.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The events, each one's payload, for as long as the subscription lasts.
type Events = mpsc::UnboundedReceiver<Vec<u8>>;

/// Subscribes to `order.created` at `url` (once, awaited) and then, in the
/// background, passes each event's payload to `heard`, subscribing again
/// whenever the broker is lost. `Err` only for a URL that names no broker.
pub async fn consume(url: String, heard: impl Fn(&[u8]) + Send + 'static) -> Result<(), String> {
    let broker = Broker::of(&url)?;
    let mut subscription = subscribe(broker, &url).await;
    tokio::spawn(async move {
        // A broker that stays down is said once, not every second.
        let mut last_failure = None;
        loop {
            match subscription {
                Ok(mut events) => {
                    last_failure = None;
                    while let Some(payload) = events.recv().await {
                        heard(&payload);
                    }
                    log(&format!("lost {ORDER_CREATED} at {}", shown(&url)));
                }
                Err(why) => {
                    let line = format!(
                        "cannot subscribe to {ORDER_CREATED} at {}: {}",
                        shown(&url),
                        hide_password(&url, why)
                    );
                    if last_failure.as_ref() != Some(&line) {
                        log(&line);
                        last_failure = Some(line);
                    }
                }
            }
            tokio::time::sleep(RETRY_AFTER).await;
            subscription = subscribe(broker, &url).await;
        }
    });
    Ok(())
}

fn log(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

/// The subscription in place on the broker, its events forwarded by a task that
/// owns the connection and ends (closing the channel) when the broker is lost.
async fn subscribe(broker: Broker, url: &str) -> Result<Events, String> {
    let subscribed = tokio::time::timeout(SUBSCRIBE_WITHIN, async {
        match broker {
            Broker::Amqp => amqp(url).await,
            Broker::Nats => nats(url).await,
            Broker::Mqtt => mqtt(url).await,
        }
    })
    .await;
    match subscribed {
        Ok(Ok(events)) => {
            log(&format!("subscribed to {ORDER_CREATED} at {}", shown(url)));
            Ok(events)
        }
        Ok(Err(why)) => Err(why),
        Err(_) => Err(format!("no answer within {}s", SUBSCRIBE_WITHIN.as_secs())),
    }
}

async fn amqp(url: &str) -> Result<Events, String> {
    use lapin::options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
    use lapin::types::FieldTable;
    use lapin::{Connection, ConnectionProperties};
    let text = |error: lapin::Error| error.to_string();
    let connection = Connection::connect(url, ConnectionProperties::default())
        .await
        .map_err(text)?;
    let channel = connection.create_channel().await.map_err(text)?;
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
        .map_err(text)?;
    channel
        .queue_bind(
            queue.name().clone(),
            "amq.topic".into(),
            ORDER_CREATED.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(text)?;
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
        .map_err(text)?;
    let (sender, events) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        // The connection lives as long as the consumer is read.
        let _connection = connection;
        while let Some(Ok(delivery)) = consumer.next().await {
            if sender.send(delivery.data).is_err() {
                break;
            }
        }
    });
    Ok(events)
}

async fn nats(url: &str) -> Result<Events, String> {
    let client = async_nats::connect(url)
        .await
        .map_err(|error| error.to_string())?;
    let mut subscriber = client
        .subscribe(ORDER_CREATED)
        .await
        .map_err(|error| error.to_string())?;
    // The server has the subscription before the service says it is listening.
    client.flush().await.map_err(|error| error.to_string())?;
    let (sender, events) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let _client = client;
        while let Some(message) = subscriber.next().await {
            if sender.send(message.payload.to_vec()).is_err() {
                break;
            }
        }
    });
    Ok(events)
}

async fn mqtt(url: &str) -> Result<Events, String> {
    use rumqttc::{AsyncClient, Event, Packet, QoS};
    let (client, mut connection) = AsyncClient::new(mqtt_options(url, "inventory")?, 16);
    client
        .subscribe(ORDER_CREATED, QoS::AtLeastOnce)
        .await
        .map_err(|error| error.to_string())?;
    // The broker has acknowledged the subscription (SUBACK) before the service
    // says it is listening.
    loop {
        match connection.poll().await.map_err(|error| error.to_string())? {
            Event::Incoming(Packet::SubAck(_)) => break,
            _ => continue,
        }
    }
    let (sender, events) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let _client = client;
        // An error is a lost connection: the channel closes and the caller
        // subscribes again, with a clean session.
        while let Ok(event) = connection.poll().await {
            if let Event::Incoming(Packet::Publish(message)) = event
                && sender.send(message.payload.to_vec()).is_err()
            {
                break;
            }
        }
    });
    Ok(events)
}
