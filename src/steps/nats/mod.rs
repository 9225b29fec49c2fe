//! The `nats` step kind (issue 22): a NATS server reached through a connection
//! value, `nats(url)`, and four operations:
//!
//! - `nats publish BUS "subject" [body …|json …] [headers …] [jetstream]`: one
//!   message, sent and flushed; with `jetstream`, stored by the stream that takes
//!   the subject, whose ack gives `stream` and `sequence`.
//! - `nats request BUS "subject" [body …|json …] [headers …] [within D]`: one
//!   message and the first reply within D.
//! - `nats subscribe BUS "subject" [until COND] [within D] [{ … }]`: the
//!   subscription is opened (and the server has it) before the block runs, then
//!   the step waits for the first message that satisfies `until` (any message
//!   without it) until D after the block; the step yields that message.
//! - `nats silent BUS "subject" [until COND] within D [{ … }]`: the same
//!   subscription, and the step fails when such a message arrives within D.
//!
//! - `load nats publish|request BUS "subject" { rate … }` (`load.rs`): the
//!   load kind sends, through `steps::message_load`.
//!
//! Each step has a connection of its own, closed when the step ends (passed,
//! failed or timed out, or cut short by a test timeout or Ctrl-C, when the
//! step's future is dropped): a subscription never outlives its step.

mod check;
mod client;
mod config;
mod drive;
mod kind;
mod load;
mod message;

pub use kind::Nats;
