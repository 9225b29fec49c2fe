//! What a step kind whose steps run statements or checks (`ws`, `load`) asks of
//! the interpreter, which implements `StepContext` for one step at a time and
//! `StatementContext` for one of the statements only a kind's block holds (`send`,
//! `receive`, `close` in `ws`). The kind drives its step (`StepKind::drive`) and
//! runs its statements (`StepKind::run_statement`) through them and never imports
//! the interpreter or the plan: it names the parts of the step or statement
//! (`StepPart`, a part's name) and gets values back; what fails there stays with
//! the interpreter (`Halt::Failed`). Nothing here names a kind: what a kind keeps
//! for a test (`ws`: its open connections) is its own, in `Sessions`.

use super::exec::{CommandPart, FieldValue, Record, StepError};
use crate::mask::Masker;
use crate::value::Value;
use futures_util::future::BoxFuture;
use std::any::Any;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Why a driven step (or a kind's statement) stopped.
pub enum Halt {
    /// The step's own error: the interpreter reports it at the step (or statement).
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

/// The step's `check { }` conditions as a function of a set of fields (a
/// response's, for `load`), evaluated with the names visible at the step: `Err`
/// carries the source text of the first condition that does not hold.
pub type FieldsCheck = Arc<dyn Fn(&dyn Record) -> Result<(), String> + Send + Sync>;

/// An `abort when` condition as a function of the step's result so far: `Some`
/// with what the condition read, each operand's source text and value
/// (`[("latency.p99", "812ms")]`), when it holds; `None` when it does not (or
/// cannot be read yet).
pub type ThresholdFn = Arc<dyn Fn(&dyn Record) -> Option<Vec<(String, String)>> + Send + Sync>;

/// A step's `abort when CONDITION [after D]`, for the kind to read while the
/// step runs.
#[derive(Clone)]
pub struct Threshold {
    /// Its source text (`latency.p99 > 500ms`).
    pub condition: String,
    /// How long after the measured part began it is first read (`after D`).
    pub after: Duration,
    pub holds: ThresholdFn,
}

impl std::fmt::Debug for Threshold {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Threshold")
            .field("condition", &self.condition)
            .field("after", &self.after)
            .finish_non_exhaustive()
    }
}

/// Keeps a running step's result so far (`Some`), or forgets it (`None`): what
/// the test's report shows of the step if the run is interrupted before the
/// step ends (a `load` cut short by Ctrl-C still reports what it measured).
pub type PartialRecord = Arc<dyn Fn(Option<&Value>) + Send + Sync>;

/// Shows a running step's progress: one line, as the kind words it (`load  3.2s /
/// 10s  1204 requests …`). Called from any thread: it returns at once.
pub type ProgressLine = Arc<dyn Fn(String) + Send + Sync>;

/// What the run gives every step, as `StepInput` holds it.
pub struct StepSettings {
    pub method: Option<&'static str>,
    pub default_timeout: Duration,
    pub base_dir: PathBuf,
    pub max_body: usize,
    /// The run shows exchanges (`-v`): only then does a kind describe what its
    /// step sent and received (`StepContext::exchange`).
    pub verbose: bool,
    pub secrets: Masker,
    pub environment: Arc<HashMap<String, String>>,
}

/// What each kind keeps for the length of one test attempt, under its own name
/// (`ws`: the WebSockets open around the statement that runs). The interpreter
/// holds it and never looks inside.
#[derive(Default)]
pub struct Sessions {
    by_kind: HashMap<&'static str, Box<dyn Any + Send>>,
}

impl Sessions {
    /// The session the kind called `kind` keeps in this test, made on first use.
    pub fn of<T: Any + Send + Default>(&mut self, kind: &'static str) -> &mut T {
        let slot = self
            .by_kind
            .entry(kind)
            .or_insert_with(|| Box::new(T::default()));
        if !slot.is::<T>() {
            // One kind keeps one type; a different one starts afresh.
            *slot = Box::new(T::default());
        }
        match slot.downcast_mut::<T>() {
            Some(session) => session,
            None => unreachable!("the slot was just given a `T`"),
        }
    }
}

pub trait StepContext: Send {
    fn settings(&self) -> StepSettings;
    /// The step's target, inserted as its kind's schema says (`TargetText`).
    fn target(&mut self) -> BoxFuture<'_, Result<Value, Halt>>;
    /// The step's operation word (`StepSchema::operations`), or its HTTP method.
    fn operation(&self) -> Option<&'static str>;
    /// The string after the step's target (`Shape::string`), its `{{ }}`
    /// evaluated; `None` when the step has none.
    fn string(&mut self) -> BoxFuture<'_, Result<Option<Vec<CommandPart>>, Halt>>;
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
    /// What the kinds keep for this test.
    fn sessions(&mut self) -> &mut Sessions;
    /// The step's `check { }` conditions as a function of a set of fields; `None`
    /// when it has none.
    fn check_function(&self) -> Option<FieldsCheck>;
    /// The condition of the clause called `name` (`ValueSpec::Condition`: `until
    /// json.id == 3`) as a function of a candidate's fields; `None` when the step
    /// has no such clause. Its names are evaluated with the candidate's fields and
    /// the names visible at the step; `Err` carries the condition's source text.
    fn condition(&self, name: &'static str) -> Option<FieldsCheck>;
    /// The step's `abort when` conditions (`ValueSpec::Threshold`), in order, their
    /// `after` evaluated; empty when it has none.
    fn thresholds(&mut self) -> BoxFuture<'_, Result<Vec<Threshold>, Halt>>;
    /// Shows what the step sent and received (`-v`, as an HTTP step's request and
    /// response): the interpreter masks every secret again and sends it only when
    /// the run is verbose.
    fn exchange(&mut self, text: String);
    /// Shows the step's progress while it runs (the terminal's live line).
    fn progress(&self) -> ProgressLine;
    /// Keeps the step's whole result for the test's report (`loads`) and for the
    /// detail of a failed expectation that reads it (`StepKind::result_detail`).
    fn keep_record(&mut self, record: &Value);
    /// Where the step keeps its result so far while it runs ([`PartialRecord`]).
    fn partial_record(&self) -> PartialRecord;
}

/// One statement of a kind's own (`receive until json.id == 3 timeout 2s`), run
/// by the kind inside one of its steps' blocks. Its parts are named as the kind
/// names them (`until`, `timeout`) and evaluated only when the kind asks, each
/// time it asks (`until` again after each frame).
pub trait StatementContext: Send {
    /// The run's step timeout (`--timeout`).
    fn default_timeout(&self) -> Duration;
    /// Whether the statement has the part called `name`.
    fn has(&self, name: &'static str) -> bool;
    /// The part called `name`, evaluated; `None` when the statement has none.
    fn part(&mut self, name: &'static str) -> BoxFuture<'_, Result<Option<Value>, Halt>>;
    /// Whether the part called `name` holds with the fields now in scope: false
    /// when it is absent, does not evaluate, or is not true.
    fn holds(&mut self, name: &'static str) -> BoxFuture<'_, bool>;
    /// A failure at the part called `part` (the whole statement for `None`),
    /// which the interpreter keeps.
    fn fail_at(&mut self, part: Option<&'static str>, message: String) -> Halt;
    /// Puts the fields the statement yields in scope (`receive`: the frame's).
    fn set_fields(&mut self, fields: Vec<(String, FieldValue)>);
    /// What the kinds keep for this test.
    fn sessions(&mut self) -> &mut Sessions;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_finds_again_the_session_it_made() {
        let mut sessions = Sessions::default();
        sessions.of::<Vec<u8>>("a").push(1);
        sessions.of::<Vec<u8>>("a").push(2);
        sessions.of::<Vec<u8>>("b").push(3);
        assert_eq!(sessions.of::<Vec<u8>>("a"), &vec![1, 2]);
        assert_eq!(sessions.of::<Vec<u8>>("b"), &vec![3]);
    }
}
