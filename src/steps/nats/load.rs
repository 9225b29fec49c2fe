//! What the `nats` kind offers a `load` (`steps::message_load`): `publish`, whose
//! latency runs until the server has read the message (a flush) or, with
//! `jetstream`, until its stream acked it; and `request`, a round trip. One
//! connection for the whole load, shared by its workers (a NATS client
//! multiplexes), opened on the load's runtime.

use super::client::Bus;
use super::config::{BODY, HEADERS, JETSTREAM, JSON, NatsConfig};
use super::kind::{PUBLISH, REQUEST};
use crate::steps::config::TIMEOUT;
use crate::steps::exec::StepError;
use crate::steps::message_load::{
    LoadOperation, LoadTarget, MessageFailure, MessageLoad, MessageSender,
};
use futures_util::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

pub struct NatsLoad;

static OPERATIONS: [LoadOperation; 2] = [
    LoadOperation {
        word: PUBLISH,
        clauses: &[BODY, JSON, HEADERS, JETSTREAM, TIMEOUT],
        measures: "until the server has read the message (with `jetstream`: until its stream acked it)",
    },
    LoadOperation {
        word: REQUEST,
        clauses: &[BODY, JSON, HEADERS, TIMEOUT],
        measures: "the round trip: until the reply came",
    },
];

impl MessageLoad for NatsLoad {
    fn operations(&self) -> &'static [LoadOperation] {
        &OPERATIONS
    }

    fn open(
        &self,
        target: LoadTarget,
    ) -> BoxFuture<'static, Result<Arc<dyn MessageSender>, StepError>> {
        Box::pin(async move {
            let config = NatsConfig::from_clauses(&target.clauses)
                .map_err(|error| error.into_step_error())?;
            let bus = Bus::connect(&target.connection, target.timeout).await?;
            bus.fits(&target.address, config.payload.len())?;
            let headers = super::drive::headers(&config)?;
            let sender: Arc<dyn MessageSender> = Arc::new(NatsSender {
                jetstream: config
                    .jetstream
                    .then(|| async_nats::jetstream::new(bus.client.clone())),
                request: target.operation == REQUEST,
                subject: target.address,
                payload: bytes::Bytes::from(config.payload),
                headers: (!config.headers.is_empty()).then_some(headers),
                timeout: target.timeout,
                bus,
            });
            Ok(sender)
        })
    }
}

struct NatsSender {
    bus: Bus,
    jetstream: Option<async_nats::jetstream::Context>,
    request: bool,
    subject: String,
    payload: bytes::Bytes,
    headers: Option<async_nats::HeaderMap>,
    timeout: Duration,
}

impl NatsSender {
    async fn publish(&self) -> Result<u64, MessageFailure> {
        let client = &self.bus.client;
        let subject = self.subject.clone();
        let payload = self.payload.clone();
        let sent = match &self.headers {
            Some(headers) => {
                client
                    .publish_with_headers(subject, headers.clone(), payload)
                    .await
            }
            None => client.publish(subject, payload).await,
        };
        sent.map_err(|_| MessageFailure::Connection)?;
        client
            .flush()
            .await
            .map_err(|_| MessageFailure::Connection)?;
        Ok(0)
    }

    async fn publish_to_stream(
        &self,
        stream: &async_nats::jetstream::Context,
    ) -> Result<u64, MessageFailure> {
        use async_nats::jetstream::context::PublishErrorKind;
        let subject = self.subject.clone();
        let payload = self.payload.clone();
        let sent = match &self.headers {
            Some(headers) => {
                stream
                    .publish_with_headers(subject, headers.clone(), payload)
                    .await
            }
            None => stream.publish(subject, payload).await,
        };
        let acked = match sent {
            Ok(pending) => pending.await,
            Err(error) => Err(error),
        };
        acked.map(|_| 0).map_err(|error| match error.kind() {
            PublishErrorKind::StreamNotFound | PublishErrorKind::WrongLastMessageId => {
                MessageFailure::Refused
            }
            PublishErrorKind::TimedOut => MessageFailure::Timeout,
            PublishErrorKind::BrokenPipe => MessageFailure::Connection,
            _ => MessageFailure::Other,
        })
    }

    async fn request(&self) -> Result<u64, MessageFailure> {
        use async_nats::RequestErrorKind;
        let mut request = async_nats::Request::new()
            .payload(self.payload.clone())
            .timeout(Some(self.timeout));
        if let Some(headers) = &self.headers {
            request = request.headers(headers.clone());
        }
        match self
            .bus
            .client
            .send_request(self.subject.clone(), request)
            .await
        {
            Ok(reply) => Ok(reply.payload.len() as u64),
            Err(error) => Err(match error.kind() {
                RequestErrorKind::NoResponders
                | RequestErrorKind::InvalidSubject
                | RequestErrorKind::MaxPayloadExceeded => MessageFailure::Refused,
                RequestErrorKind::TimedOut => MessageFailure::Timeout,
                RequestErrorKind::Other => MessageFailure::Connection,
            }),
        }
    }
}

impl MessageSender for NatsSender {
    fn send(&self) -> BoxFuture<'_, Result<u64, MessageFailure>> {
        Box::pin(async move {
            match (&self.jetstream, self.request) {
                (_, true) => self.request().await,
                (Some(stream), false) => self.publish_to_stream(stream).await,
                (None, false) => self.publish().await,
            }
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _ = tokio::time::timeout(self.timeout, self.bus.client.flush()).await;
        })
    }
}
