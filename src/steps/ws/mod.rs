//! The `ws` step kind: its declaration (`kind`), its typed config (`config`), the
//! WebSocket connection (`exec`) and the step driven through the interpreter's
//! context (`drive`).

pub mod config;
mod drive;
pub mod exec;
mod kind;

pub use config::WsConfig;
pub use exec::{Frame, Outgoing, WsConnection};
pub use kind::WebSocket;
