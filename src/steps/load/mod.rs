//! The `load` step kind: many HTTP requests, measured (docs/load.md). `kind` and
//! `check` declare it; `config` reads its block options and clauses; `spec` is
//! what the checker and the engine see; `model` plans the load in time;
//! `engine` runs it over a `transport` (a lean HTTP/1.1 client in `raw_http`, or
//! reqwest) and `stats` turns what it measured into the result record; `exec`
//! ties them together; `drive` runs the step through the interpreter's context
//! (its block options, its `check { }`, its progress).
//! `messages` is a load of another kind's messages (`load nats publish …`), which
//! that kind sends through `steps::message_load`.
//! `histogram` (the HDR histograms of load records: decoded, merged, binned) and
//! `text` (the live line, the table, the summary of a failed expectation) are read
//! by the reports, which this kind never imports; the interpreter gets the live
//! line and the summary through the kind (`drive`, `StepKind::result_detail`).

mod check;
pub mod config;
mod drive;
mod engine;
mod exec;
pub mod histogram;
mod kind;
mod messages;
mod model;
mod raw_http;
mod spec;
mod stats;
pub mod text;
mod timer;
mod transport;

pub use config::LoadConfig;
pub use engine::Sends;
pub use exec::run_load;
pub use kind::Load;
pub use model::DEFAULT_OPEN_IN_FLIGHT;
pub use spec::{CheckFn, Level, LoadProgress, LoadSpec, PartialHook, ProgressHook, schema};
