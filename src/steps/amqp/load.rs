//! What the `amqp` kind offers a `load` (`steps::message_load`): `publish`, whose
//! latency runs until the broker confirmed the message (publisher confirms; a
//! nack, or with `mandatory` a message no queue takes, counts as `refused`). One
//! connection and one confirming channel for the whole load, shared by its
//! workers, opened on the load's runtime.

use super::client::{Broker, short};
use super::config::{AmqpConfig, BODY, EXCHANGE, HEADERS, JSON, MANDATORY, PERSISTENT, PROPERTIES};
use super::kind::PUBLISH;
use crate::steps::config::TIMEOUT;
use crate::steps::exec::StepError;
use crate::steps::message_load::{
    LoadOperation, LoadTarget, MessageFailure, MessageLoad, MessageSender,
};
use futures_util::future::BoxFuture;
use lapin::options::BasicPublishOptions;
use lapin::types::ShortString;
use lapin::{BasicProperties, Confirmation};
use std::sync::Arc;

pub struct AmqpLoad;

static OPERATIONS: [LoadOperation; 1] = [LoadOperation {
    word: PUBLISH,
    clauses: &[
        EXCHANGE, BODY, JSON, HEADERS, PROPERTIES, PERSISTENT, MANDATORY, TIMEOUT,
    ],
    measures: "until the broker confirmed the message (publisher confirms)",
}];

impl MessageLoad for AmqpLoad {
    fn operations(&self) -> &'static [LoadOperation] {
        &OPERATIONS
    }

    fn open(
        &self,
        target: LoadTarget,
    ) -> BoxFuture<'static, Result<Arc<dyn MessageSender>, StepError>> {
        Box::pin(async move {
            let config = AmqpConfig::from_clauses(&target.clauses)
                .map_err(|error| error.into_step_error())?;
            let exchange = config.exchange.clone().unwrap_or_default();
            let sender = AmqpSender {
                exchange: short("exchange name", &exchange)?,
                routing_key: short("routing key", &target.address)?,
                properties: super::drive::properties_of(&config)?,
                options: BasicPublishOptions {
                    mandatory: config.mandatory,
                    ..BasicPublishOptions::default()
                },
                broker: Broker::connect(&target.connection, target.timeout).await?,
                payload: config.payload,
            };
            let sender: Arc<dyn MessageSender> = Arc::new(sender);
            Ok(sender)
        })
    }
}

struct AmqpSender {
    broker: Broker,
    exchange: ShortString,
    routing_key: ShortString,
    options: BasicPublishOptions,
    payload: Vec<u8>,
    properties: BasicProperties,
}

/// A client error: the broker's refusal (a channel error: an exchange that does
/// not exist, say), or a connection that broke.
fn failure(error: &lapin::Error) -> MessageFailure {
    match error.kind() {
        lapin::ErrorKind::ProtocolError(_) => MessageFailure::Refused,
        _ => MessageFailure::Connection,
    }
}

impl MessageSender for AmqpSender {
    fn send(&self) -> BoxFuture<'_, Result<u64, MessageFailure>> {
        Box::pin(async move {
            let pending = self
                .broker
                .channel
                .basic_publish(
                    self.exchange.clone(),
                    self.routing_key.clone(),
                    self.options,
                    &self.payload,
                    self.properties.clone(),
                )
                .await
                .map_err(|error| failure(&error))?;
            match pending.await.map_err(|error| failure(&error))? {
                Confirmation::Ack(None) | Confirmation::NotRequested => Ok(0),
                Confirmation::Ack(Some(_)) | Confirmation::Nack(_) => Err(MessageFailure::Refused),
            }
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.broker.close())
    }
}
