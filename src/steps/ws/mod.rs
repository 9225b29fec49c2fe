//! The `ws` step kind: its declaration (`kind`), its typed config (`config`), the
//! WebSocket connection (`exec`), the step driven through the interpreter's
//! context (`drive`) and the statements of its block with the connections they
//! talk to (`session`).

pub mod config;
mod drive;
pub mod exec;
mod kind;
pub mod session;

pub use config::WsConfig;
pub use exec::{Frame, Outgoing, WsConnection};
pub use kind::WebSocket;
