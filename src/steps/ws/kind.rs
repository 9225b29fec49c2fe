//! What the `ws` step kind declares: its words and its schema.

use crate::backends::schema::StepSchema;
use crate::steps::StepKind;

pub struct WebSocket;

impl StepKind for WebSocket {
    fn name(&self) -> &'static str {
        "ws"
    }

    fn keywords(&self) -> &'static [&'static str] {
        &["ws"]
    }

    fn schema(&self) -> StepSchema {
        crate::backends::ws::schema()
    }

    fn result_label(&self) -> &'static str {
        "each `receive` yields"
    }
}
