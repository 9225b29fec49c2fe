//! What a step kind whose steps run statements or checks (`ws`, `load`) asks of
//! the interpreter, which implements `StepContext` for one step at a time. The
//! kind drives its step through it (`StepKind::drive`) and never imports the
//! interpreter or the plan: it names the step's parts (`StepPart`) and gets
//! values back; what fails there stays with the interpreter (`Halt::Failed`).

use super::exec::{FieldValue, StepError};
use super::load::{CheckFn, ProgressHook};
use super::ws::WsConnection;
use crate::mask::Masker;
use crate::value::Value;
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Why a driven step stopped.
pub enum Halt {
    /// The step's own error: the interpreter reports it at the step.
    Step(StepError),
    /// Something the interpreter ran for the step failed (an expression, a
    /// statement of its block); the interpreter holds that failure and reports it.
    Failed(Failed),
}

/// A failure the interpreter holds; its message, for the step's end.
pub struct Failed {
    pub message: String,
}

/// A part of the step that a failure points at.
#[derive(Clone, Copy, Debug)]
pub enum StepPart {
    /// The clause called so (`headers`).
    Option(&'static str),
    /// The `index`th value of the block option called so (`ramp`: 0, 1, 2).
    BlockOption(&'static str, usize),
}

/// A step's clauses by name, evaluated (`StepInput::options`); `None` for a flag.
pub type Clauses = Vec<(String, Option<Value>)>;

/// What the run gives every step, as `StepInput` holds it.
pub struct StepSettings {
    pub method: Option<&'static str>,
    pub default_timeout: Duration,
    pub base_dir: PathBuf,
    pub max_body: usize,
    pub secrets: Masker,
    pub environment: Arc<HashMap<String, String>>,
}

pub trait StepContext: Send {
    fn settings(&self) -> StepSettings;
    /// The step's target, inserted as its kind's schema says (`TargetText`).
    fn target(&mut self) -> BoxFuture<'_, Result<Value, Halt>>;
    /// The step's clauses, evaluated in order; `None` for a flag.
    fn options(&mut self) -> BoxFuture<'_, Result<Clauses, Halt>>;
    /// The values of the block option called `name` (one, or `rate`'s two and
    /// `ramp`'s three), evaluated; `None` when the step does not set it.
    fn block_option(
        &mut self,
        name: &'static str,
    ) -> BoxFuture<'_, Result<Option<Vec<Value>>, Halt>>;
    /// A failure at `part` of the step, which the interpreter keeps.
    fn fail_at(&mut self, part: StepPart, message: String) -> Halt;
    /// The step begins (`-v`, the steps still open when a test is cut short).
    fn step_started(&mut self, description: String);
    /// The step ends with its own result.
    fn step_finished(&mut self, result: Result<(), &StepError>);
    /// The step ends after its block, failed when the block did.
    fn block_finished(&mut self, failure: Option<&Failed>);
    /// Puts the fields of the last step in scope.
    fn set_fields(&mut self, fields: Vec<(String, FieldValue)>);
    /// Runs the statements of the step's block in a scope of their own.
    fn run_block(&mut self) -> BoxFuture<'_, Result<(), Halt>>;
    /// The WebSockets open around the statement that runs, innermost last: a
    /// `ws` block's `send`, `receive` and `close` talk to the last.
    fn websockets(&mut self) -> &mut Vec<WsConnection>;
    /// The step's `check { }` conditions as a function of each response; `None`
    /// when it has none.
    fn check_function(&self) -> Option<CheckFn>;
    /// Reports a load's progress as events while it runs.
    fn progress_hook(&self) -> ProgressHook;
    /// Keeps a load's whole result, for the detail of a failed expectation that
    /// reads it.
    fn remember_load(&mut self, record: &Value);
}
