//! The `amqp` step kind (issue 22): a RabbitMQ (AMQP 0-9-1) broker reached
//! through a connection value, `amqp(url)`, and four operations, each naming a
//! routing key after the target and its exchange with `exchange "…"`:
//!
//! - `amqp publish MQ "key" [exchange "x"] [body …|json …] [headers …]
//!   [properties …] [persistent] [mandatory]`: one message, confirmed by the
//!   broker (publisher confirms): a nack, an exchange that does not exist or,
//!   with `mandatory`, a message no queue takes fails the step.
//! - `amqp request MQ "key" … [within D]`: RPC: one message with `reply_to`
//!   RabbitMQ's direct reply-to and a `correlation_id`, and the first reply that
//!   carries it within D.
//! - `amqp subscribe MQ "key" exchange "x" [until COND] [within D] [{ … }]`: an
//!   exclusive, auto-deleted queue of the broker's naming, bound to the
//!   exchange with the key, is consumed before the block runs; then the step
//!   waits for the first message that satisfies `until` until D after the block.
//! - `amqp silent MQ "key" exchange "x" [until COND] within D [{ … }]`: the same
//!   queue, and the step fails when such a message arrives within D.
//! - `load amqp publish MQ "key" … { rate … }` (`load.rs`): the load kind
//!   sends, through `steps::message_load`.
//!
//! Each step has a connection of its own: its queue is deleted and the
//! connection closed before the step ends (passed, failed or timed out); when
//! the step's future is dropped (a test timeout, Ctrl-C) the connection closes
//! and the broker deletes the exclusive queue with it.

mod check;
mod client;
mod config;
mod drive;
mod kind;
mod load;
mod message;
mod table;

pub use kind::Amqp;
