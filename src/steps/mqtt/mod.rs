//! The `mqtt` step kind (issue 22): an MQTT 3.1.1 broker reached through a
//! connection value, `mqtt(url)`, and three operations:
//!
//! - `mqtt publish BUS "topic" [body …|json …] [qos N] [retain]`: one message,
//!   and the broker's part of its QoS done (QoS 1: PUBACK, QoS 2: PUBCOMP).
//! - `mqtt subscribe BUS "topic/#" [qos N] [session "ID"] [until COND] [within D]
//!   [{ … }]`: the subscription is acknowledged by the broker (SUBACK) before the
//!   block runs, then the step waits for the first message that satisfies
//!   `until` until D after the block, and yields it (`dup`: the broker delivered
//!   it before and saw no acknowledgement).
//! - `mqtt silent BUS "topic" [qos N] [session "ID"] [until COND] within D [{ … }]`:
//!   the same subscription, and the step fails when such a message arrives
//!   within D.
//! - `load mqtt publish BUS "topic" … { rate … }` (`load.rs`): the load kind
//!   sends, through `steps::message_load`.
//!
//! Each step has a connection of its own with a clean session, closed when the
//! step ends (or when its future is dropped: a test timeout, Ctrl-C), so the
//! broker forgets its subscription with it; with `session "ID"` it resumes the
//! persistent session of that client instead, which the broker keeps (that is
//! what the author asked for: the messages kept for it, redelivered ones too).

mod check;
mod client;
mod config;
mod drive;
mod kind;
mod load;
mod message;

pub use kind::Mqtt;
