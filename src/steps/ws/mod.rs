//! The `ws` step kind: its declaration (`kind`) and the WebSocket connection its
//! block drives (`exec`).

pub mod exec;
mod kind;

pub use exec::{Frame, Outgoing, WsConnection};
pub use kind::WebSocket;
