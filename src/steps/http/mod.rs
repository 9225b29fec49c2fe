//! The `http` step kind: its declaration (`kind`), its typed config (`config`),
//! its execution (`exec`), the result record (`response`), the HTTP client every
//! HTTP path shares (`client`, with `plain` for plain-text HTTP/1.1 and its
//! `timed_connector`, which tells connecting apart from waiting,
//! `content_coding` for compressed bodies, `url_credentials`, and `transport`
//! for what a step asks of the connection: proxy, `resolve`, version,
//! certificates, with `connect_to` for `connect to`; `raw_path`, a path sent
//! as written (`path as is`); `sigv4`, AWS Signature Version 4; `netrc`, the credentials a netrc file gives a host); `load` and
//! `ws` use these too.

mod check;
pub mod client;
pub mod config;
pub mod connect_to;
pub mod content_coding;
pub mod exec;
mod kind;
mod netrc;
mod plain;
mod raw_path;
mod response;
mod sigv4;
mod timed_connector;
pub mod transport;
pub mod url_credentials;

pub use config::{HttpConfig, HttpStepConfig};
pub use kind::{Http, request_clauses};
