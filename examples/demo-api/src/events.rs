//! Order events for the services that listen: `order.created`, published to the
//! broker that `EVENTS_URL` names (the inventory's side, which hears them, is
//! `order_events.rs`) — `amqp://` (RabbitMQ: the `amq.topic` exchange,
//! routing key `order.created`, persistent, confirmed), `nats://` (subject
//! `order.created`, flushed) or `mqtt://` (topic `order.created`, QoS 1, acked).
//! Unset or empty: nothing is published, as before there were events. Each event
//! has a connection of its own: the demo publishes one per order, and a broker
//! restarted between two orders costs nothing.

use std::sync::Arc;
use std::time::Duration;

/// The subject, routing key and topic of the event an order sends.
pub const ORDER_CREATED: &str = "order.created";

/// How long one publish may take, connecting included.
const PUBLISH_WITHIN: Duration = Duration::from_secs(5);

/// The broker events go to.
#[derive(Clone, Debug)]
pub struct Publisher {
    broker: Broker,
    url: Arc<str>,
}

/// The broker an `EVENTS_URL` names, by its scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broker {
    Amqp,
    Nats,
    Mqtt,
}

impl Broker {
    /// The broker of `url`; `Err` for a scheme no broker here has.
    pub fn of(url: &str) -> Result<Broker, String> {
        match url.split_once("://").map(|(scheme, _)| scheme) {
            Some("amqp" | "amqps") => Ok(Broker::Amqp),
            Some("nats" | "tls") => Ok(Broker::Nats),
            Some("mqtt") => Ok(Broker::Mqtt),
            _ => Err(format!(
                "EVENTS_URL {} names no broker: write amqp://, nats:// or mqtt://",
                shown(url)
            )),
        }
    }
}

impl Publisher {
    /// The publisher `EVENTS_URL` names; `Err` for a scheme no broker here has.
    pub fn from_url(url: &str) -> Result<Publisher, String> {
        let broker = Broker::of(url)?;
        Ok(Publisher {
            broker,
            url: Arc::from(url),
        })
    }

    /// The URL as the log shows it: its password as `***`.
    pub fn shown(&self) -> String {
        shown(&self.url)
    }

    /// Publishes `payload` as `subject`; `Err` says why, without the password.
    pub async fn publish(&self, subject: &str, payload: Vec<u8>) -> Result<(), String> {
        let sent = tokio::time::timeout(PUBLISH_WITHIN, async {
            match self.broker {
                Broker::Amqp => amqp(&self.url, subject, payload).await,
                Broker::Nats => nats(&self.url, subject, payload).await,
                Broker::Mqtt => mqtt(&self.url, subject, payload).await,
            }
        })
        .await;
        match sent {
            Ok(outcome) => outcome.map_err(|why| hide_password(&self.url, why)),
            Err(_) => Err(format!("no answer within {}s", PUBLISH_WITHIN.as_secs())),
        }
    }
}

/// `why` (an error a client gave about `url`) with the URL's password as `***`.
pub fn hide_password(url: &str, why: String) -> String {
    match reqwest::Url::parse(url)
        .ok()
        .and_then(|url| url.password().map(str::to_string))
    {
        Some(password) if !password.is_empty() => why.replace(&password, "***"),
        _ => why,
    }
}

/// `url` with the password of its user as `***`.
pub fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_string(),
        Err(_) => "(a URL that does not parse)".to_string(),
    }
}

async fn amqp(url: &str, key: &str, payload: Vec<u8>) -> Result<(), String> {
    use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
    use lapin::{BasicProperties, Confirmation, Connection, ConnectionProperties};
    let connection = Connection::connect(url, ConnectionProperties::default())
        .await
        .map_err(|error| error.to_string())?;
    let channel = connection
        .create_channel()
        .await
        .map_err(|error| error.to_string())?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(|error| error.to_string())?;
    let properties = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_delivery_mode(2);
    let confirmed = channel
        .basic_publish(
            "amq.topic".into(),
            key.into(),
            BasicPublishOptions::default(),
            &payload,
            properties,
        )
        .await
        .map_err(|error| error.to_string())?
        .await
        .map_err(|error| error.to_string())?;
    let _ = connection.close(200, "done".into()).await;
    match confirmed {
        Confirmation::Nack(_) => Err("the broker refused it (nack)".to_string()),
        _ => Ok(()),
    }
}

async fn nats(url: &str, subject: &str, payload: Vec<u8>) -> Result<(), String> {
    let client = async_nats::connect(url)
        .await
        .map_err(|error| error.to_string())?;
    client
        .publish(subject.to_string(), payload.into())
        .await
        .map_err(|error| error.to_string())?;
    client.flush().await.map_err(|error| error.to_string())
}

/// The options of an MQTT connection to `url`, as the client `role` (each
/// connection of a process needs an id of its own).
pub fn mqtt_options(url: &str, role: &str) -> Result<rumqttc::MqttOptions, String> {
    let parsed = reqwest::Url::parse(url).map_err(|error| error.to_string())?;
    let id = format!("rit-demo-{role}-{}", std::process::id());
    let mut options = rumqttc::MqttOptions::new(
        id,
        parsed.host_str().unwrap_or("127.0.0.1"),
        parsed.port().unwrap_or(1883),
    );
    if !parsed.username().is_empty() {
        options.set_credentials(parsed.username(), parsed.password().unwrap_or_default());
    }
    Ok(options)
}

async fn mqtt(url: &str, topic: &str, payload: Vec<u8>) -> Result<(), String> {
    use rumqttc::{AsyncClient, Event, Packet, QoS};
    let (client, mut events) = AsyncClient::new(mqtt_options(url, "publisher")?, 4);
    client
        .publish(topic, QoS::AtLeastOnce, false, payload)
        .await
        .map_err(|error| error.to_string())?;
    loop {
        match events.poll().await.map_err(|error| error.to_string())? {
            Event::Incoming(Packet::PubAck(_)) => break,
            _ => continue,
        }
    }
    let _ = client.disconnect().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scheme_names_its_broker_and_others_are_refused_without_the_password() {
        for (url, broker) in [
            ("amqp://guest:guest@127.0.0.1:5672/%2f", Broker::Amqp),
            ("nats://127.0.0.1:4222", Broker::Nats),
            ("mqtt://127.0.0.1:1883", Broker::Mqtt),
        ] {
            assert_eq!(Publisher::from_url(url).unwrap().broker, broker);
        }
        let refused = Publisher::from_url("kafka://u:hunter2@127.0.0.1:9092").unwrap_err();
        assert_eq!(
            refused,
            "EVENTS_URL kafka://u:***@127.0.0.1:9092 names no broker: write amqp://, nats:// or mqtt://"
        );
    }
}
