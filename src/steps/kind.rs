//! The `StepKind` trait: what one kind of step declares about itself. Must not
//! import `run`, `plan` or `report`.

use super::StepChecker;
use super::context::{Halt, StatementContext, StepContext};
use super::exec::StepExecutor;
use super::message_load::MessageLoad;
use super::schema::{StatementSpec, StepSchema};
use crate::syntax::ast::{Clause, Step};
use crate::value::Value;
use futures_util::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

/// One kind of step. Its words must agree with grammar/rit.pest, the language
/// server's keywords, the importer's reserved words and the editor grammars;
/// tests/tidy.rs names any word missing where.
pub trait StepKind: Send + Sync {
    /// The kind's name: in messages, in the plan and as the key of its executor
    /// (`http`, `sql`). The grammar's rule for its steps is `<name>_step`.
    fn name(&self) -> &'static str;
    /// The words that begin one of its steps (`sql`; the HTTP methods for `http`).
    /// Each is a keyword of the grammar and begins a statement.
    fn keywords(&self) -> &'static [&'static str];
    /// Its clauses, block options and result record, for the checker, the
    /// language server and the planner.
    fn schema(&self) -> StepSchema;
    /// Its own check rules, run by the checker after the target and clauses
    /// (which the schema describes). A kind whose step has a command checks the
    /// command here: the checker has no fallback for it.
    fn check(&self, _step: &Step, _checker: &mut dyn StepChecker) {}
    /// What runs its steps, made once per run (it may hold pools until
    /// `StepExecutor::shutdown`). `None` for a kind that drives its steps
    /// through the interpreter instead (`drive`).
    fn executor(&self) -> Option<Arc<dyn StepExecutor>> {
        None
    }
    /// For a kind whose steps run statements or checks (`ws`, `load`): runs one
    /// step through the interpreter's `StepContext` and gives the step's value.
    /// `None`: its steps go through its executor.
    fn drive<'a>(
        &'a self,
        _context: &'a mut dyn StepContext,
    ) -> Option<BoxFuture<'a, Result<Value, Halt>>> {
        None
    }
    /// The statements only its steps' blocks hold (`ws`: `send`, `receive`,
    /// `close`); each word belongs to one kind.
    fn statements(&self) -> &'static [StatementSpec] {
        &[]
    }
    /// Runs one of its `statements()` (the one that begins with `word`) through
    /// the interpreter's `StatementContext`. `None`: not one of its statements.
    fn run_statement<'a>(
        &'a self,
        _word: &'a str,
        _context: &'a mut dyn StatementContext,
    ) -> Option<BoxFuture<'a, Result<(), Halt>>> {
        None
    }
    /// The fields of a result it keeps (`StepContext::keep_record`) whose reading
    /// in a failed expectation gets `result_detail` (`load`: its counts and
    /// latencies).
    fn explained_fields(&self) -> &'static [&'static str] {
        &[]
    }
    /// What a failed expectation on one of its `explained_fields` is explained
    /// with, from the whole result it kept; `limit`: the duration the expectation
    /// compares with, if any.
    fn result_detail(
        &self,
        _record: &serde_json::Value,
        _limit: Option<Duration>,
    ) -> Option<String> {
        None
    }
    /// A kind that exists only to test the step-kind machinery (the `test-kinds`
    /// feature): left out of the reference docs and of the word lists that
    /// tests/tidy.rs asks of the editors and the language server.
    fn for_tests_only(&self) -> bool {
        false
    }
    /// The field whose reading in an expectation right after the step lifts the
    /// rule that a failing status fails the step (`run`: `exit`), which the
    /// planner looks for (`StepInput::status_checked`).
    fn status_field(&self) -> Option<&'static str> {
        None
    }
    /// Whether its steps take a file's `defaults { … }` (after their own
    /// clauses, which the planner appends) and the clauses `ritc run`'s HTTP
    /// flags give (`http`).
    fn takes_defaults(&self) -> bool {
        false
    }
    /// Its own check rules on the clauses of a `defaults { … }` block (a kind
    /// that `takes_defaults`): the same rules `check` holds a step's clauses
    /// to, so that a bad literal value is refused there too (E0417).
    fn check_defaults(&self, _clauses: &[Clause], _checker: &mut dyn StepChecker) {}
    /// What a `load` of its steps sends (`load nats publish BUS "subject" { … }`):
    /// `None` for a kind whose steps a load cannot repeat (E0420).
    fn message_load(&self) -> Option<&'static dyn MessageLoad> {
        None
    }
    /// The schema of one of its steps when it is not the kind's own for every
    /// step (`load nats publish …` takes the broker's target and clauses, and
    /// yields a load's record); `None`: `schema()`.
    fn schema_of_step(&self, _step: &Step) -> Option<StepSchema> {
        None
    }
    /// How the hover of its keyword introduces the result record.
    fn result_label(&self) -> &'static str {
        "yields"
    }
}
