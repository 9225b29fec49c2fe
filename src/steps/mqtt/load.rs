//! What the `mqtt` kind offers a `load` (`steps::message_load`): `publish`, whose
//! latency runs until the broker's part of the QoS is done, as an `mqtt publish`
//! step's: QoS 0 when the message is written, QoS 1 at its PUBACK, QoS 2 at its
//! PUBCOMP. One connection for the whole load, shared by its workers, opened on
//! the load's runtime.
//!
//! The client hands out packet ids itself, so a sender learns its id from the
//! events: the client writes publishes in the order they were handed to it, so
//! the n-th `Outgoing::Publish` event is the n-th publish. Handing a publish to
//! the client and queueing its waiter happen under one lock, so that order is
//! the waiters' order too.

use super::client::Broker;
use super::config::{BODY, JSON, MqttConfig, QOS, RETAIN};
use super::kind::PUBLISH;
use crate::steps::config::TIMEOUT;
use crate::steps::exec::{StepError, StepErrorKind};
use crate::steps::message_load::{
    LoadOperation, LoadTarget, MessageFailure, MessageLoad, MessageSender,
};
use futures_util::future::BoxFuture;
use rumqttc::{Event, Outgoing, Packet, QoS};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, oneshot};

pub struct MqttLoad;

static OPERATIONS: [LoadOperation; 1] = [LoadOperation {
    word: PUBLISH,
    clauses: &[BODY, JSON, QOS, RETAIN, TIMEOUT],
    measures: "until the broker's part of the QoS is done (QoS 0: written, 1: PUBACK, 2: PUBCOMP)",
}];

impl MessageLoad for MqttLoad {
    fn operations(&self) -> &'static [LoadOperation] {
        &OPERATIONS
    }

    fn open(
        &self,
        target: LoadTarget,
    ) -> BoxFuture<'static, Result<Arc<dyn MessageSender>, StepError>> {
        Box::pin(async move {
            let config = MqttConfig::from_clauses(&target.clauses)
                .map_err(|error| error.into_step_error())?;
            let topic = target.address;
            if topic.is_empty() || topic.contains(['+', '#']) {
                return Err(StepError::new(
                    StepErrorKind::Usage,
                    format!(
                        "`{topic}` is no topic to publish to: a topic is not empty and has no `+` or `#`"
                    ),
                ));
            }
            let mut broker = Broker::connect(&target.connection, None, target.timeout).await?;
            let events = std::mem::replace(&mut broker.events, mpsc::unbounded_channel().1);
            let waiting = Arc::new(Mutex::new(Waiting::default()));
            let dispatcher = tokio::spawn(dispatch(events, Arc::clone(&waiting)));
            let sender: Arc<dyn MessageSender> = Arc::new(MqttSender {
                broker,
                topic,
                qos: match config.qos {
                    2 => QoS::ExactlyOnce,
                    1 => QoS::AtLeastOnce,
                    _ => QoS::AtMostOnce,
                },
                retain: config.retain,
                payload: bytes::Bytes::from(config.payload),
                order: tokio::sync::Mutex::new(()),
                waiting,
                dispatcher,
            });
            Ok(sender)
        })
    }
}

type Waiter = oneshot::Sender<Result<(), MessageFailure>>;

/// The publishes not yet done: handed to the client and not yet written (in
/// order), and written, by packet id, awaiting the broker's acknowledgement.
#[derive(Default)]
struct Waiting {
    unwritten: VecDeque<(QoS, Waiter)>,
    by_packet: HashMap<u16, Waiter>,
    /// The connection is gone: every publish from now on fails at once.
    lost: bool,
}

/// Reads the client's events: each publish written, acknowledged, or lost with
/// the connection.
async fn dispatch(
    mut events: mpsc::UnboundedReceiver<Result<Event, String>>,
    waiting: Arc<Mutex<Waiting>>,
) {
    while let Some(Ok(event)) = events.recv().await {
        let mut waiting = waiting.lock().unwrap_or_else(PoisonError::into_inner);
        match event {
            Event::Outgoing(Outgoing::Publish(packet)) => {
                if let Some((qos, waiter)) = waiting.unwritten.pop_front() {
                    if qos == QoS::AtMostOnce {
                        let _ = waiter.send(Ok(()));
                    } else {
                        waiting.by_packet.insert(packet, waiter);
                    }
                }
            }
            Event::Incoming(Packet::PubAck(ack)) => {
                if let Some(waiter) = waiting.by_packet.remove(&ack.pkid) {
                    let _ = waiter.send(Ok(()));
                }
            }
            Event::Incoming(Packet::PubComp(complete)) => {
                if let Some(waiter) = waiting.by_packet.remove(&complete.pkid) {
                    let _ = waiter.send(Ok(()));
                }
            }
            _ => {}
        }
    }
    // The loop ended: the connection broke or closed.
    let mut waiting = waiting.lock().unwrap_or_else(PoisonError::into_inner);
    waiting.lost = true;
    for (_, waiter) in waiting.unwritten.drain(..) {
        let _ = waiter.send(Err(MessageFailure::Connection));
    }
    for (_, waiter) in waiting.by_packet.drain() {
        let _ = waiter.send(Err(MessageFailure::Connection));
    }
}

struct MqttSender {
    broker: Broker,
    topic: String,
    qos: QoS,
    retain: bool,
    payload: bytes::Bytes,
    /// Held while a publish is handed to the client and its waiter queued.
    order: tokio::sync::Mutex<()>,
    waiting: Arc<Mutex<Waiting>>,
    dispatcher: tokio::task::JoinHandle<()>,
}

impl Drop for MqttSender {
    fn drop(&mut self) {
        self.dispatcher.abort();
    }
}

impl MessageSender for MqttSender {
    fn send(&self) -> BoxFuture<'_, Result<u64, MessageFailure>> {
        Box::pin(async move {
            let (waiter, done) = oneshot::channel();
            {
                let _order = self.order.lock().await;
                {
                    let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
                    if waiting.lost {
                        return Err(MessageFailure::Connection);
                    }
                    waiting.unwritten.push_back((self.qos, waiter));
                }
                let handed = self
                    .broker
                    .client
                    .publish_bytes(
                        self.topic.clone(),
                        self.qos,
                        self.retain,
                        self.payload.clone(),
                    )
                    .await;
                if handed.is_err() {
                    // Not handed over: its waiter is the last one queued.
                    let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
                    waiting.unwritten.pop_back();
                    return Err(MessageFailure::Connection);
                }
            }
            match done.await {
                Ok(result) => result.map(|()| 0),
                Err(_) => Err(MessageFailure::Connection),
            }
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let bound = self.broker.timeout.min(std::time::Duration::from_secs(1));
            let _ = tokio::time::timeout(bound, self.broker.client.disconnect()).await;
        })
    }
}
