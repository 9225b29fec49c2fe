//! Running a `nats` step: connect, then publish, request, or subscribe around
//! the block and wait for the message (`subscribe`) or for none (`silent`).
//! The subscription is in place on the server (confirmed by a round trip:
//! `Bus::confirm`) before the block runs, so a fast service cannot publish
//! before anyone listens; it is removed (and the server has read that) before
//! the step ends, whatever the outcome.

use super::client::Bus;
use super::config::{NatsConfig, UNTIL};
use super::kind::{NAME, PUBLISH, REQUEST, SILENT};
use super::message;
use crate::steps::context::{Halt, StepContext};
use crate::steps::exec::{Cause, FieldValue, StepError, StepErrorKind};
use crate::steps::message_exchange;
use crate::steps::messages::{
    Listening, Opened, block_halted, failed, finished, listened, open, verdict, wait,
};
use crate::units::literal_duration;
use crate::value::Value;
use std::time::Instant;

pub async fn drive(context: &mut dyn StepContext) -> Result<Value, Halt> {
    let Opened {
        operation,
        target,
        address: subject,
        config,
        title,
        started,
    } = open(context, NAME, NatsConfig::from_clauses).await?;
    let timeout = config.timeout.unwrap_or(context.settings().default_timeout);
    let bus = match Bus::connect(&target, timeout).await {
        Ok(bus) => bus,
        Err(error) => return Err(failed(context, error)),
    };
    let outcome = match operation {
        PUBLISH => publish(&bus, &subject, &config, started).await,
        REQUEST => request(&bus, &subject, &config, started).await,
        _ => {
            return listen(
                context,
                &bus,
                &subject,
                &config,
                operation == SILENT,
                (&title, started),
            )
            .await;
        }
    };
    message_exchange::show(context, &title, Some(&message::sent(&config)), &outcome);
    finished(context, outcome)
}

pub(super) fn headers(config: &NatsConfig) -> Result<async_nats::HeaderMap, StepError> {
    let mut map = async_nats::HeaderMap::new();
    for (name, value) in &config.headers {
        let value: async_nats::HeaderValue = value.parse().map_err(|_| {
            StepError::new(
                StepErrorKind::Usage,
                format!("the header `{name}` holds a line break; ritc does not send it"),
            )
        })?;
        let name: async_nats::HeaderName = name.parse().map_err(|_| {
            StepError::new(
                StepErrorKind::Usage,
                format!("`{name}` is not a header name NATS takes"),
            )
        })?;
        map.append(name, value);
    }
    Ok(map)
}

async fn publish(
    bus: &Bus,
    subject: &str,
    config: &NatsConfig,
    started: Instant,
) -> Result<Vec<(String, FieldValue)>, StepError> {
    bus.fits(subject, config.payload.len())?;
    let payload = bytes::Bytes::from(config.payload.clone());
    let headers = headers(config)?;
    if config.jetstream {
        let stream = async_nats::jetstream::new(bus.client.clone());
        let sent = match config.headers.is_empty() {
            true => stream.publish(subject.to_string(), payload).await,
            false => {
                stream
                    .publish_with_headers(subject.to_string(), headers, payload)
                    .await
            }
        };
        let ack = match sent {
            Ok(pending) => tokio::time::timeout(bus.timeout, pending.into_future()).await,
            Err(error) => return Err(jetstream_error(bus, subject, &error)),
        };
        let ack = match ack {
            Ok(Ok(ack)) => ack,
            Ok(Err(error)) => return Err(jetstream_error(bus, subject, &error)),
            Err(_) => {
                return Err(StepError::new(
                    StepErrorKind::Timeout,
                    format!(
                        "JetStream at {} did not ack the message to `{subject}` within {}",
                        bus.shown,
                        literal_duration(bus.timeout)
                    ),
                ));
            }
        };
        return Ok(message::without_message(
            subject,
            0,
            started.elapsed(),
            Some((ack.stream, ack.sequence)),
        ));
    }
    let sent = match config.headers.is_empty() {
        true => bus.client.publish(subject.to_string(), payload).await,
        false => {
            bus.client
                .publish_with_headers(subject.to_string(), headers, payload)
                .await
        }
    };
    sent.map_err(|error| publish_error(bus, subject, &error.to_string()))?;
    bus.flush("to send the message").await?;
    Ok(message::without_message(
        subject,
        0,
        started.elapsed(),
        None,
    ))
}

/// The server refused or could not route a message: the words say why, and no
/// general suggestion (a URL's scheme and port) would help.
fn publish_error(bus: &Bus, subject: &str, why: &str) -> StepError {
    StepError::new(
        StepErrorKind::Protocol,
        format!(
            "cannot publish to `{subject}` on NATS at {}: {}",
            bus.shown,
            bus.hide(why)
        ),
    )
    .because(Cause::Other)
}

fn jetstream_error(
    bus: &Bus,
    subject: &str,
    error: &async_nats::jetstream::context::PublishError,
) -> StepError {
    use async_nats::jetstream::context::PublishErrorKind;
    match error.kind() {
        PublishErrorKind::StreamNotFound => StepError::new(
            StepErrorKind::Protocol,
            format!(
                "no JetStream stream at {} takes `{subject}`: create one whose subjects include it, or publish without `jetstream`",
                bus.shown
            ),
        )
        .because(Cause::Other),
        PublishErrorKind::TimedOut => StepError::new(
            StepErrorKind::Timeout,
            format!(
                "JetStream at {} did not ack the message to `{subject}` in time",
                bus.shown
            ),
        ),
        _ => publish_error(bus, subject, &error.to_string()),
    }
}

async fn request(
    bus: &Bus,
    subject: &str,
    config: &NatsConfig,
    started: Instant,
) -> Result<Vec<(String, FieldValue)>, StepError> {
    use async_nats::RequestErrorKind;
    bus.fits(subject, config.payload.len())?;
    let within = config.within.unwrap_or(bus.timeout);
    let mut request = async_nats::Request::new()
        .payload(bytes::Bytes::from(config.payload.clone()))
        .timeout(Some(within));
    if !config.headers.is_empty() {
        request = request.headers(headers(config)?);
    }
    match bus.client.send_request(subject.to_string(), request).await {
        Ok(reply) => Ok(message::fields(&reply, 1, started.elapsed())),
        Err(error) => Err(match error.kind() {
            RequestErrorKind::NoResponders => StepError::new(
                StepErrorKind::Protocol,
                format!(
                    "no one answers on `{subject}` at {}: the server has no subscriber for it (no responders)",
                    bus.shown
                ),
            )
            .because(Cause::Other),
            RequestErrorKind::TimedOut => StepError::new(
                StepErrorKind::Timeout,
                format!(
                    "no reply on `{subject}` within {} (NATS at {})",
                    literal_duration(within),
                    bus.shown
                ),
            ),
            _ => publish_error(bus, subject, &error.to_string()),
        }),
    }
}

/// `subscribe` and `silent`: the subscription around the block, then the wait.
async fn listen(
    context: &mut dyn StepContext,
    bus: &Bus,
    subject: &str,
    config: &NatsConfig,
    silent: bool,
    (title, started): (&str, Instant),
) -> Result<Value, Halt> {
    let mut subscriber = match bus.client.subscribe(subject.to_string()).await {
        Ok(subscriber) => subscriber,
        Err(error) => {
            let error = bus.lost(&format!("to subscribe to `{subject}`"), &error.to_string());
            return Err(failed(context, error));
        }
    };
    if let Err(error) = bus
        .confirm(&format!("the subscription to `{subject}`"))
        .await
    {
        return Err(failed(context, error));
    }
    let condition = context.condition(UNTIL);
    context.set_fields(Vec::new());
    if let Err(halt) = context.run_block().await {
        close(bus, &mut subscriber).await;
        return Err(block_halted(context, halt));
    }
    let within = config.within.unwrap_or(bus.timeout);
    let waited = wait(
        &mut subscriber,
        |message, received| message::fields(message, received, started.elapsed()),
        condition.as_ref(),
        within,
    )
    .await;
    close(bus, &mut subscriber).await;
    let listening = Listening {
        address: subject,
        within,
        server: format!("NATS at {}", bus.shown),
        describe: message::describe,
    };
    let outcome = verdict(
        silent,
        waited,
        &listening,
        |message, received| message::fields(message, received, started.elapsed()),
        |received| message::without_message(subject, received, started.elapsed(), None),
    );
    message_exchange::show(context, title, None, &outcome);
    listened(context, outcome)
}

/// The subscription removed, and the server told before the step ends (so a
/// step after it sees no subscriber); an error here changes no verdict.
async fn close(bus: &Bus, subscriber: &mut async_nats::Subscriber) {
    let _ = subscriber.unsubscribe().await;
    let _ = bus.confirm("the end of the subscription").await;
}
