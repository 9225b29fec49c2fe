//! The `ws` step kind: its declaration (`kind`), the WebSocket connection
//! (`exec`) and the step driven through the interpreter's context (`drive`).

mod drive;
pub mod exec;
mod kind;

pub use exec::{Frame, Outgoing, WsConnection};
pub use kind::WebSocket;
