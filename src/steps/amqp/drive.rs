//! Running an `amqp` step: connect, then publish (confirmed), request (RPC over
//! direct reply-to), or consume a temporary queue around the block and wait for
//! the message (`subscribe`) or for none (`silent`), or a named queue the
//! broker has (`consume`). The queue is declared, bound and consumed (the broker
//! has answered each) before the block runs, so a fast service cannot publish
//! before anyone listens; a temporary one is deleted and the connection closed
//! before the step ends, whatever the outcome.

use super::client::{Broker, short};
use super::config::{AmqpConfig, Property, UNTIL};
use super::kind::{CONSUME, NAME, PUBLISH, REQUEST, SILENT};
use super::message::{self, exchange_name};
use super::table::table_of;
use crate::steps::context::{Halt, StepContext};
use crate::steps::exec::{Cause, StepError, StepErrorKind};
use crate::steps::message_exchange;
use crate::steps::messages::{
    Fields, Listening, Opened, block_halted, failed, finished, listened, open, verdict, wait,
};
use crate::units::literal_duration;
use crate::value::Value;
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Confirmation, Consumer};
use std::time::Instant;

/// RabbitMQ's direct reply-to: replies come straight to the requesting
/// channel's consumer, with no queue to declare or delete.
const DIRECT_REPLY_TO: &str = "amq.rabbitmq.reply-to";

pub async fn drive(context: &mut dyn StepContext) -> Result<Value, Halt> {
    let Opened {
        operation,
        target,
        address: key,
        config,
        title,
        started,
    } = open(context, NAME, AmqpConfig::from_clauses).await?;
    let timeout = config.timeout.unwrap_or(context.settings().default_timeout);
    let broker = match Broker::connect(&target, timeout).await {
        Ok(broker) => broker,
        Err(error) => return Err(failed(context, error)),
    };
    let outcome = match operation {
        PUBLISH => publish(&broker, &key, &config, started).await,
        REQUEST => request(&broker, &key, &config, started).await,
        _ => return listen(context, broker, &key, &config, operation, (&title, started)).await,
    };
    broker.close().await;
    message_exchange::show(context, &title, Some(&message::sent(&config)), &outcome);
    finished(context, outcome)
}

/// The message's properties: the step's `properties`, `json`'s content type,
/// `persistent`'s delivery mode, and the headers.
pub(super) fn properties_of(config: &AmqpConfig) -> Result<BasicProperties, StepError> {
    let usage = |message: String| StepError::new(StepErrorKind::Usage, message);
    let mut properties = BasicProperties::default();
    if config.is_json && config.property("content_type").is_none() {
        properties = properties.with_content_type("application/json".into());
    }
    if config.persistent {
        properties = properties.with_delivery_mode(2);
    }
    if !config.headers.is_empty() {
        properties = properties.with_headers(table_of(&config.headers).map_err(usage)?);
    }
    for (name, value) in &config.properties {
        let text = match value {
            Property::Priority(level) => {
                properties = properties.with_priority(*level);
                continue;
            }
            Property::Text(text) => short(&format!("`{name}` property"), text)?,
        };
        properties = match name.as_str() {
            "content_type" => properties.with_content_type(text),
            "content_encoding" => properties.with_content_encoding(text),
            "correlation_id" => properties.with_correlation_id(text),
            "reply_to" => properties.with_reply_to(text),
            "expiration" => properties.with_expiration(text),
            "message_id" => properties.with_message_id(text),
            "type" => properties.with_type(text),
            "user_id" => properties.with_user_id(text),
            "app_id" => properties.with_app_id(text),
            // config.rs refuses any other name; a property added there and not
            // here must not be sent as another one.
            other => return Err(usage(format!("`{other}` is not an AMQP property"))),
        };
    }
    Ok(properties)
}

/// Sends one message and waits for the broker's confirm: a nack, or a message
/// returned as unroutable when `mandatory`, is the step's error.
async fn send(
    broker: &Broker,
    exchange: &str,
    key: &str,
    config: &AmqpConfig,
    properties: BasicProperties,
    mandatory: bool,
) -> Result<(), StepError> {
    let shown = format!(
        "the message to `{}` with key `{key}`",
        exchange_name(exchange)
    );
    let exchange_name_short = short("exchange name", exchange)?;
    let routing_key = short("routing key", key)?;
    let options = BasicPublishOptions {
        mandatory,
        ..BasicPublishOptions::default()
    };
    let pending = broker
        .within(
            &format!("to publish {shown}"),
            broker.channel.basic_publish(
                exchange_name_short,
                routing_key,
                options,
                &config.payload,
                properties,
            ),
        )
        .await?;
    let confirmation = broker.within(&shown, pending).await?;
    match confirmation {
        Confirmation::Ack(None) | Confirmation::NotRequested => Ok(()),
        Confirmation::Ack(Some(returned)) => Err(StepError::new(
            StepErrorKind::Protocol,
            format!(
                "no queue takes {shown} at {}: the broker returned it ({})",
                broker.shown, returned.reply_text
            ),
        )
        .because(Cause::Other)),
        Confirmation::Nack(_) => Err(StepError::new(
            StepErrorKind::Protocol,
            format!(
                "AMQP at {} refused {shown}: it answered with a nack (a queue over its length limit rejects publishes, for one)",
                broker.shown
            ),
        )
        .because(Cause::Other)),
    }
}

async fn publish(
    broker: &Broker,
    key: &str,
    config: &AmqpConfig,
    started: Instant,
) -> Result<Fields, StepError> {
    let exchange = config.exchange.clone().unwrap_or_default();
    let properties = properties_of(config)?;
    send(broker, &exchange, key, config, properties, config.mandatory).await?;
    Ok(message::without_message(
        &exchange,
        key,
        0,
        started.elapsed(),
    ))
}

/// RPC: the reply consumer opens first, then the request goes out with
/// `reply_to` and a `correlation_id` (the step's, or a fresh one); the first
/// reply that carries it is the step's result. Mandatory, so a request no queue
/// takes is said at once instead of waiting for a reply that cannot come.
async fn request(
    broker: &Broker,
    key: &str,
    config: &AmqpConfig,
    started: Instant,
) -> Result<Fields, StepError> {
    let exchange = config.exchange.clone().unwrap_or_default();
    let correlation = config
        .property("correlation_id")
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut replies = broker
        .within(
            "to consume replies (direct reply-to)",
            broker.channel.basic_consume(
                DIRECT_REPLY_TO.into(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            ),
        )
        .await?;
    let properties = properties_of(config)?
        .with_reply_to(DIRECT_REPLY_TO.into())
        .with_correlation_id(short("correlation id", &correlation)?);
    send(broker, &exchange, key, config, properties, true).await?;
    let within = config.within.unwrap_or(broker.timeout);
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let reply = match tokio::time::timeout_at(deadline, replies.next()).await {
            Err(_) => {
                return Err(StepError::new(
                    StepErrorKind::Timeout,
                    format!(
                        "no reply to the request with key `{key}` (correlation id `{correlation}`) within {} (AMQP at {})",
                        literal_duration(within),
                        broker.shown
                    ),
                ));
            }
            Ok(None) => {
                return Err(StepError::new(
                    StepErrorKind::Connection,
                    format!(
                        "AMQP at {} closed the channel while the step waited for a reply",
                        broker.shown
                    ),
                )
                .because(Cause::ConnectionLost));
            }
            Ok(Some(Err(error))) => return Err(broker.refused("a reply", &error)),
            Ok(Some(Ok(reply))) => reply,
        };
        let carries = reply
            .properties
            .correlation_id()
            .as_ref()
            .is_some_and(|id| id.as_str() == correlation);
        if carries {
            return Ok(message::fields(&reply, 1, started.elapsed(), None));
        }
    }
}

/// A queue consumed: a temporary one bound to the exchange with the key
/// (`subscribe`, `silent`), or a named one (`consume`).
struct Listener {
    queue: String,
    consumer: Consumer,
    /// A named queue's messages are acknowledged as the step reads them (a
    /// temporary queue's are taken without: nobody else reads it).
    acknowledged: bool,
}

async fn bind(broker: &Broker, exchange: &str, key: &str) -> Result<Listener, StepError> {
    let declared = broker
        .within(
            "to declare a temporary queue",
            broker.channel.queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            ),
        )
        .await?;
    let queue = declared.name().clone();
    broker
        .within(
            &format!(
                "to bind a queue to `{}` with key `{key}`",
                exchange_name(exchange)
            ),
            broker.channel.queue_bind(
                queue.clone(),
                short("exchange name", exchange)?,
                short("routing key", key)?,
                QueueBindOptions::default(),
                FieldTable::default(),
            ),
        )
        .await?;
    let consumer = broker
        .within(
            "to consume the temporary queue",
            broker.channel.basic_consume(
                queue.clone(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    exclusive: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            ),
        )
        .await?;
    Ok(Listener {
        queue: queue.to_string(),
        consumer,
        acknowledged: false,
    })
}

/// The queue called `queue`, which the broker has already, consumed one
/// message at a time (prefetch 1), each acknowledged as the step reads it: a
/// message the step never read stays on the queue, and one the broker
/// delivered before without an acknowledgement comes flagged `redelivered`.
async fn consume(broker: &Broker, queue: &str) -> Result<Listener, StepError> {
    broker
        .within(
            "to deliver one message at a time",
            broker.channel.basic_qos(1, BasicQosOptions::default()),
        )
        .await?;
    let consumer = broker
        .within(
            &format!("to consume the queue `{queue}`"),
            broker.channel.basic_consume(
                short("queue name", queue)?,
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            ),
        )
        .await?;
    Ok(Listener {
        queue: queue.to_string(),
        consumer,
        acknowledged: true,
    })
}

/// The consumer cancelled, a temporary queue deleted and the connection closed
/// (what a named queue delivered and the step did not read goes back on it);
/// an error here changes no verdict (the broker deletes an exclusive queue
/// with its connection in any case).
async fn unbind(broker: Broker, listener: &Listener) {
    let _ = broker
        .within(
            "",
            broker
                .channel
                .basic_cancel(listener.consumer.tag(), BasicCancelOptions::default()),
        )
        .await;
    if !listener.acknowledged {
        let _ = broker
            .within(
                "",
                broker.channel.queue_delete(
                    listener.queue.as_str().into(),
                    QueueDeleteOptions::default(),
                ),
            )
            .await;
    }
    broker.close().await;
}

/// `subscribe`, `silent` and `consume`: the queue around the block, then the
/// wait.
async fn listen(
    context: &mut dyn StepContext,
    broker: Broker,
    key: &str,
    config: &AmqpConfig,
    operation: &str,
    (title, started): (&str, Instant),
) -> Result<Value, Halt> {
    let exchange = config.exchange.clone().unwrap_or_default();
    let opened = if operation == CONSUME {
        consume(&broker, key).await
    } else if config.exchange.is_none() {
        Err(StepError::new(
            StepErrorKind::Usage,
            "a listening `amqp` step needs `exchange \"name\"`: the default exchange takes no queue bindings".to_string(),
        ))
    } else {
        bind(&broker, &exchange, key).await
    };
    let mut listener = match opened {
        Ok(listener) => listener,
        Err(error) => {
            broker.close().await;
            return Err(failed(context, error));
        }
    };
    let condition = context.condition(UNTIL);
    context.set_fields(Vec::new());
    if let Err(halt) = context.run_block().await {
        unbind(broker, &listener).await;
        return Err(block_halted(context, halt));
    }
    let within = config.within.unwrap_or(broker.timeout);
    let queue = listener.queue.clone();
    let fields = |message: &lapin::message::Delivery, received: usize| {
        message::fields(message, received, started.elapsed(), Some(&queue))
    };
    let acknowledged = listener.acknowledged;
    let waited = {
        let mut deliveries = Box::pin(
            (&mut listener.consumer)
                .take_while(|delivery| std::future::ready(delivery.is_ok()))
                .filter_map(|delivery| std::future::ready(delivery.ok()))
                .then(|delivery| async move {
                    if acknowledged {
                        // Not acknowledged, it would come again to the next
                        // consumer; an error here is the connection's, which
                        // the wait sees next.
                        let _ = delivery.acker.ack(BasicAckOptions::default()).await;
                    }
                    delivery
                }),
        );
        wait(&mut deliveries, fields, condition.as_ref(), within).await
    };
    let listening = Listening {
        address: key,
        within,
        server: format!("AMQP at {}", broker.shown),
        describe: message::describe,
    };
    unbind(broker, &listener).await;
    let silent = operation == SILENT;
    let outcome = verdict(silent, waited, &listening, fields, |received| {
        message::without_message(&exchange, key, received, started.elapsed())
    });
    message_exchange::show(context, title, None, &outcome);
    listened(context, outcome)
}
