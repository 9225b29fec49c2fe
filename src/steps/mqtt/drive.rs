//! Running an `mqtt` step: connect, then publish, or subscribe around the block
//! and wait for the message (`subscribe`) or for none (`silent`). The broker has
//! acknowledged the subscription (SUBACK) before the block runs, so a fast
//! service cannot publish before anyone listens; the connection (a clean
//! session) is closed before the step ends, whatever the outcome.

use super::client::Broker;
use super::config::{MqttConfig, UNTIL};
use super::kind::{NAME, PUBLISH, SILENT};
use super::message;
use crate::steps::context::{Halt, StepContext};
use crate::steps::exec::{FieldValue, StepError, StepErrorKind};
use crate::steps::message_exchange;
use crate::steps::messages::{
    Listening, Opened, block_halted, failed, finished, listened, open, verdict, wait,
};
use crate::value::Value;
use futures_util::StreamExt;
use rumqttc::{Event, Outgoing, Packet, QoS, SubscribeReasonCode};
use std::time::Instant;

pub async fn drive(context: &mut dyn StepContext) -> Result<Value, Halt> {
    let Opened {
        operation,
        target,
        address: topic,
        config,
        title,
        started,
    } = open(context, NAME, MqttConfig::from_clauses).await?;
    let timeout = config.timeout.unwrap_or(context.settings().default_timeout);
    let broker = match Broker::connect(&target, config.session.as_deref(), timeout).await {
        Ok(broker) => broker,
        Err(error) => return Err(failed(context, error)),
    };
    if operation != PUBLISH {
        return listen(
            context,
            broker,
            &topic,
            &config,
            operation == SILENT,
            (&title, started),
        )
        .await;
    }
    let outcome = publish(broker, &topic, &config, started).await;
    message_exchange::show(context, &title, Some(&message::sent(&config)), &outcome);
    finished(context, outcome)
}

fn qos(level: u8) -> QoS {
    match level {
        2 => QoS::ExactlyOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::AtMostOnce,
    }
}

async fn publish(
    mut broker: Broker,
    topic: &str,
    config: &MqttConfig,
    started: Instant,
) -> Result<Vec<(String, FieldValue)>, StepError> {
    if topic.is_empty() || topic.contains(['+', '#']) {
        return Err(StepError::new(
            StepErrorKind::Usage,
            format!(
                "`{topic}` is no topic to publish to: a topic is not empty and has no `+` or `#`"
            ),
        ));
    }
    let level = qos(config.qos);
    broker
        .client
        .publish(topic, level, config.retain, config.payload.clone())
        .await
        .map_err(|error| broker.lost("to publish", &error.to_string()))?;
    // The broker's part of the QoS: QoS 0 is done once the message is written.
    let (done, what): (fn(&Event) -> bool, &str) = match level {
        QoS::AtMostOnce => (
            |event| matches!(event, Event::Outgoing(Outgoing::Publish(_))),
            "to send the message",
        ),
        QoS::AtLeastOnce => (
            |event| matches!(event, Event::Incoming(Packet::PubAck(_))),
            "the message with PUBACK (QoS 1)",
        ),
        QoS::ExactlyOnce => (
            |event| matches!(event, Event::Incoming(Packet::PubComp(_))),
            "the message with PUBCOMP (QoS 2)",
        ),
    };
    broker.until(done, what).await?;
    broker.close().await;
    Ok(message::without_message(topic, 0, started.elapsed()))
}

/// `subscribe` and `silent`: the subscription around the block, then the wait.
async fn listen(
    context: &mut dyn StepContext,
    mut broker: Broker,
    topic: &str,
    config: &MqttConfig,
    silent: bool,
    (title, started): (&str, Instant),
) -> Result<Value, Halt> {
    let subscribed = match broker.client.subscribe(topic, qos(config.qos)).await {
        Ok(()) => {
            broker
                .until(
                    |event| matches!(event, Event::Incoming(Packet::SubAck(_))),
                    &format!("the subscription to `{topic}`"),
                )
                .await
        }
        Err(error) => Err(broker.lost("to subscribe", &error.to_string())),
    };
    let refused = match &subscribed {
        Ok(Event::Incoming(Packet::SubAck(ack))) => ack
            .return_codes
            .iter()
            .any(|code| matches!(code, SubscribeReasonCode::Failure)),
        _ => false,
    };
    if refused {
        let error = StepError::new(
            StepErrorKind::Protocol,
            format!(
                "the MQTT broker at {} refused the subscription to `{topic}`",
                broker.shown
            ),
        );
        return Err(failed(context, error));
    }
    if let Err(error) = subscribed {
        return Err(failed(context, error));
    }
    let condition = context.condition(UNTIL);
    context.set_fields(Vec::new());
    if let Err(halt) = context.run_block().await {
        broker.close().await;
        return Err(block_halted(context, halt));
    }
    let within = config.within.unwrap_or(broker.timeout);
    let waited = {
        let early = std::mem::take(&mut broker.early);
        let events = &mut broker.events;
        let later = futures_util::stream::poll_fn(|cx| events.poll_recv(cx))
            .take_while(|event| std::future::ready(event.is_ok()))
            .filter_map(|event| {
                std::future::ready(match event {
                    Ok(Event::Incoming(Packet::Publish(message))) => Some(message),
                    _ => None,
                })
            });
        let mut messages = Box::pin(futures_util::stream::iter(early).chain(later));
        wait(
            &mut messages,
            |message, received| message::fields(message, received, started.elapsed()),
            condition.as_ref(),
            within,
        )
        .await
    };
    let listening = Listening {
        address: topic,
        within,
        server: format!("MQTT broker at {}", broker.shown),
        describe: message::describe,
    };
    broker.close().await;
    let outcome = verdict(
        silent,
        waited,
        &listening,
        |message, received| message::fields(message, received, started.elapsed()),
        |received| message::without_message(topic, received, started.elapsed()),
    );
    message_exchange::show(context, title, None, &outcome);
    listened(context, outcome)
}
