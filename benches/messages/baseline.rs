//! The plain-client side of benches/messages.sh: the same crates ritc's broker
//! kinds use (async-nats, rumqttc, lapin), with the same confirmation per message
//! as a `load … publish` (NATS: flush; MQTT QoS 1: PUBACK; AMQP: publisher
//! confirm), and a consumer that counts what arrives.
//!
//!   baseline publish nats|mqtt|amqp ADDRESS COUNT WORKERS
//!       COUNT messages from WORKERS tasks, each sending its next message once the
//!       last one was confirmed (a `load`'s closed model); prints the seconds.
//!   baseline consume nats|mqtt|amqp ADDRESS COUNT
//!       waits for COUNT messages (an AMQP queue of that name is declared first),
//!       prints "ready" once subscribed, then when the last one came (seconds
//!       since the Unix epoch), for the script to time publish-to-consumed.
//!
//! Built by `cargo build --release --example messages-baseline`; not part of ritc.

use futures_util::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const NATS_URL: &str = "nats://127.0.0.1:4222";
const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const PAYLOAD: &[u8] = b"{\"id\":1}";

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [mode, broker, address, count, rest @ ..] = arguments.as_slice() else {
        eprintln!("usage: baseline publish|consume nats|mqtt|amqp ADDRESS COUNT [WORKERS]");
        std::process::exit(2);
    };
    let count: u64 = count.parse().expect("COUNT is a number");
    let workers: u64 = rest
        .first()
        .map_or(1, |text| text.parse().expect("WORKERS"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let seconds = runtime.block_on(async {
        match (mode.as_str(), broker.as_str()) {
            ("publish", "nats") => publish_nats(address, count, workers).await,
            ("publish", "mqtt") => publish_mqtt(address, count, workers).await,
            ("publish", "amqp") => publish_amqp(address, count, workers).await,
            ("consume", "nats") => consume_nats(address, count).await,
            ("consume", "mqtt") => consume_mqtt(address, count).await,
            ("consume", "amqp") => consume_amqp(address, count).await,
            _ => panic!("unknown mode or broker: {mode} {broker}"),
        }
    });
    println!("{seconds:.6}");
}

/// Runs `send` COUNT times over WORKERS tasks (a shared counter), each waiting for
/// its message's confirmation before the next: the seconds it took.
async fn closed_model<F, Fut>(count: u64, workers: u64, send: F) -> f64
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let remaining = Arc::new(AtomicU64::new(count));
    let send = Arc::new(send);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (remaining, send) = (Arc::clone(&remaining), Arc::clone(&send));
        tasks.push(tokio::spawn(async move {
            while remaining
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                    left.checked_sub(1)
                })
                .is_ok()
            {
                send().await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("a worker");
    }
    started.elapsed().as_secs_f64()
}

async fn publish_nats(subject: &str, count: u64, workers: u64) -> f64 {
    let client = async_nats::connect(NATS_URL).await.expect("NATS");
    let subject = subject.to_string();
    closed_model(count, workers, move || {
        let (client, subject) = (client.clone(), subject.clone());
        async move {
            client
                .publish(subject, PAYLOAD.into())
                .await
                .expect("publish");
            client.flush().await.expect("flush");
        }
    })
    .await
}

async fn consume_nats(subject: &str, count: u64) -> f64 {
    let client = async_nats::connect(NATS_URL).await.expect("NATS");
    let messages = client
        .subscribe(subject.to_string())
        .await
        .expect("subscribe");
    client.flush().await.expect("flush");
    ready();
    counted(count, messages).await
}

/// Prints "ready" (the script starts the publisher then).
fn ready() {
    println!("ready");
}

/// Waits for `count` items of `items`: when the last came, in seconds since the
/// Unix epoch (gives up after 10 s without one).
async fn counted<S: futures_util::Stream + Unpin>(count: u64, mut items: S) -> f64 {
    let mut seen = 0;
    while seen < count {
        match tokio::time::timeout(Duration::from_secs(10), items.next()).await {
            Ok(Some(_)) => seen += 1,
            _ => panic!("only {seen} of {count} messages arrived"),
        }
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

fn mqtt_client(name: &str) -> (rumqttc::AsyncClient, rumqttc::EventLoop) {
    let id = format!("bench-{name}-{}", std::process::id());
    let mut options = rumqttc::MqttOptions::new(id, "127.0.0.1", 1883);
    options.set_clean_session(true);
    rumqttc::AsyncClient::new(options, 64)
}

async fn publish_mqtt(topic: &str, count: u64, workers: u64) -> f64 {
    use rumqttc::{Event, Packet, QoS};
    let (client, mut events) = mqtt_client("publish");
    // PUBACKs counted as they come; a worker waits until the acks reach its own.
    let acked = Arc::new(tokio::sync::watch::channel(0u64).0);
    let acks = Arc::clone(&acked);
    tokio::spawn(async move {
        while let Ok(event) = events.poll().await {
            if let Event::Incoming(Packet::PubAck(_)) = event {
                acks.send_modify(|count| *count += 1);
            }
        }
    });
    let sent = Arc::new(tokio::sync::Mutex::new(0u64));
    let topic = topic.to_string();
    closed_model(count, workers, move || {
        let (client, topic, sent, acked) = (
            client.clone(),
            topic.clone(),
            Arc::clone(&sent),
            Arc::clone(&acked),
        );
        async move {
            let mine = {
                let mut sent = sent.lock().await;
                client
                    .publish(topic, QoS::AtLeastOnce, false, PAYLOAD)
                    .await
                    .expect("publish");
                *sent += 1;
                *sent
            };
            let mut watching = acked.subscribe();
            watching
                .wait_for(|acked| *acked >= mine)
                .await
                .expect("acks");
        }
    })
    .await
}

async fn consume_mqtt(topic: &str, count: u64) -> f64 {
    use rumqttc::{Event, Packet, QoS};
    let (client, mut events) = mqtt_client("consume");
    client
        .subscribe(topic, QoS::AtLeastOnce)
        .await
        .expect("subscribe");
    loop {
        if let Event::Incoming(Packet::SubAck(_)) = events.poll().await.expect("MQTT") {
            break;
        }
    }
    ready();
    // The broker's publishes, as a stream (other events skipped).
    let publishes = futures_util::stream::unfold(events, |mut events| async move {
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::Publish(_))) => return Some(((), events)),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    });
    counted(count, Box::pin(publishes)).await
}

async fn amqp_channel() -> (lapin::Connection, lapin::Channel) {
    let connection = lapin::Connection::connect(AMQP_URL, lapin::ConnectionProperties::default())
        .await
        .expect("AMQP");
    let channel = connection.create_channel().await.expect("a channel");
    (connection, channel)
}

async fn publish_amqp(queue: &str, count: u64, workers: u64) -> f64 {
    let (_connection, channel) = amqp_channel().await;
    channel
        .confirm_select(lapin::options::ConfirmSelectOptions::default())
        .await
        .expect("confirms");
    let queue = queue.to_string();
    closed_model(count, workers, move || {
        let (channel, queue) = (channel.clone(), queue.clone());
        async move {
            channel
                .basic_publish(
                    "".into(),
                    queue.as_str().into(),
                    lapin::options::BasicPublishOptions::default(),
                    PAYLOAD,
                    lapin::BasicProperties::default(),
                )
                .await
                .expect("publish")
                .await
                .expect("confirm");
        }
    })
    .await
}

async fn consume_amqp(queue: &str, count: u64) -> f64 {
    use lapin::options::{BasicConsumeOptions, QueueDeclareOptions};
    let (_connection, channel) = amqp_channel().await;
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            lapin::types::FieldTable::default(),
        )
        .await
        .expect("a queue");
    let consumer = channel
        .basic_consume(
            queue.into(),
            "bench".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            lapin::types::FieldTable::default(),
        )
        .await
        .expect("a consumer");
    ready();
    counted(count, consumer).await
}
