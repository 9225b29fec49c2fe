//! The interpreter: runs the statements of one test (or `setup`, `teardown`, a
//! `fn`) against the outside world. Scopes, the last step's fields, expectation
//! groups, control forms, user-function calls and steps through their kinds' executors.

mod driven_statement;
mod driven_step;
mod expectation_cause;

use super::boundary::{Boundary, cross, within_limit};
use super::evaluate::{Evaluator, Names, TextContext, Verdict, explain, expr_key};
use super::functions::FunctionContext;
use super::open_steps::OpenSteps;
use super::outcome::{Event, Evidence, Failure, FailureKind, StepStatus};
use super::services::Services;
use crate::mask::Masker;
use crate::plan::{
    BinaryOperator, Block, Callee, Expr, ExprKind, KindStatement, Place, Plan, Slot, Statement,
    StatementKind, StepPlan, Template, TemplatePart,
};
use crate::source::source_map::SourceMap;
use crate::source::span::Span;
use crate::steps::StepKind;
use crate::steps::context::{FieldsCheck, Halt, Sessions, ThresholdFn};
use crate::steps::exec::{
    CommandPart, Executors, FieldError, FieldValue, JsonKey, Record, StepError, StepErrorKind,
    StepInput, TestResources,
};
use crate::steps::schema::TargetText;
use crate::units::literal_duration;
use crate::value::Value;
use crate::value::{self, describe};
use driven_statement::DrivenStatement;
use driven_step::DrivenStep;
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// User functions may call each other; this bounds the depth.
const MAX_CALL_DEPTH: usize = 64;

/// What does not change during a run.
pub struct RunShared {
    pub plan: Arc<Plan>,
    pub sources: Arc<SourceMap>,
    pub executors: Executors,
    pub services: Services,
    pub settings: Settings,
    /// The run's secrets and what was made from them, masked in everything
    /// reported; the reporters hold clones of it.
    pub secrets: Masker,
    pub events: UnboundedSender<Event>,
    /// When each step that kept its whole result (a `load`) ran: the resource
    /// watcher says a peak was reached "during load test" only inside one.
    pub kept_windows: Mutex<Vec<KeptWindow>>,
    /// The result so far of the step each test is running, by suite and test
    /// name, for steps that keep one (`StepContext::partial_record`): an
    /// interrupted test reports it (`runner::interrupted_outcome`).
    pub partial_records: Mutex<HashMap<(String, String), serde_json::Value>>,
}

/// When a step that kept its whole result ran, and which step it was.
#[derive(Clone, Debug)]
pub struct KeptWindow {
    /// As its `StepStarted` says it: `load GET http://…` (not masked).
    pub description: String,
    pub span: Span,
    pub started: Instant,
    pub ended: Instant,
}

pub struct Settings {
    pub default_timeout: Duration,
    /// `--max-body`: the most of a response body an HTTP or `load` step reads.
    pub max_body: usize,
    pub allow_read: bool,
    /// Reads outside this folder need `--allow-read`.
    pub suite_root: PathBuf,
    pub temp_dir: PathBuf,
    /// The run's environment: the process environment and `--env-file`. Commands
    /// and services see it (ritc's own environment is never changed).
    pub env: Arc<HashMap<String, String>>,
    pub verbose: bool,
    /// Clauses the command line gives every step of a kind, read after the
    /// step's own and its file's `defaults` (its config takes the first value
    /// of a clause; `headers` add up).
    pub step_defaults: Arc<Vec<StepDefault>>,
}

/// A clause the command line gives every step of one kind (`ritc run --header`,
/// `--insecure`, …: the kind's name, the clause as a step writes it, its value).
#[derive(Clone, Debug)]
pub struct StepDefault {
    pub kind: String,
    pub clause: String,
    /// `None` for a flag.
    pub value: Option<Value>,
}

impl RunShared {
    pub fn env_var(&self, name: &str) -> Option<String> {
        self.settings.env.get(name).cloned()
    }
}

pub enum Flow {
    Next,
    Return(Value),
    /// `skip "why"` was reached: the test ends, skipped with this reason.
    /// Every enclosing block passes it on, as a `return`; the checker keeps it
    /// out of `fn`s, `setup`, `teardown` and the blocks of steps.
    Skip(String),
}

pub type Outcome<T> = Result<T, Box<Failure>>;

/// The running body (a test, `setup`, `teardown` or a `fn` call): its module,
/// its locals by slot (numbered by the planner; `None` before its `let` ran) and
/// the fields of its last step.
struct CallFrame {
    module: usize,
    slots: Vec<Option<Value>>,
    /// The last step's result (`Record`: an HTTP response's makes each field
    /// when first read).
    fields: Box<dyn Record>,
    /// What the step that made `fields` saw, for the suggestion of an
    /// expectation that reads them.
    evidence: Evidence,
}

impl CallFrame {
    fn new(module: usize) -> CallFrame {
        CallFrame {
            module,
            slots: Vec::new(),
            fields: Box::new(Vec::new()),
            evidence: Evidence::default(),
        }
    }
}

/// The state of one test attempt (or one `setup`/`teardown`).
pub struct TestContext {
    shared: Arc<RunShared>,
    /// This test's own copy of every module's top-level values.
    pub globals: Vec<HashMap<String, Value>>,
    frames: Vec<CallFrame>,
    resources: TestResources,
    /// The folder of the suite's file, for paths named in the stdlib.
    suite_dir: PathBuf,
    pub suite: String,
    pub test: String,
    pub warnings: Vec<String>,
    /// The results steps kept whole (`StepContext::keep_record`), in order.
    records: Vec<KeptRecord>,
    /// What each kind keeps for this test (`ws`: the WebSockets its blocks opened).
    sessions: Sessions,
    /// What failed inside a step its kind drives (`DrivenStep`), until the step
    /// ends with it.
    held_failure: Option<Box<Failure>>,
    /// The steps started and not yet finished: each gets its `StepFinished`.
    open_steps: OpenSteps,
}

impl TestContext {
    pub fn new(
        shared: Arc<RunShared>,
        globals: Vec<HashMap<String, Value>>,
        module: usize,
        suite: String,
        test: String,
    ) -> TestContext {
        let suite_dir = shared
            .plan
            .modules
            .get(module)
            .and_then(|m| m.dir.clone())
            .unwrap_or_default();
        let open_steps = OpenSteps::new(shared.events.clone(), suite.clone(), test.clone());
        TestContext {
            shared,
            globals,
            frames: vec![CallFrame::new(module)],
            resources: TestResources::default(),
            suite_dir,
            suite,
            test,
            warnings: Vec::new(),
            records: Vec::new(),
            sessions: Sessions::default(),
            held_failure: None,
            open_steps,
        }
    }

    /// The results the test's steps kept whole, for its report (`loads`).
    pub fn take_records(&mut self) -> Vec<serde_json::Value> {
        std::mem::take(&mut self.records)
            .into_iter()
            .map(|kept| kept.record)
            .collect()
    }

    /// The failure of this test once its `timeout` passed (the future running it
    /// was dropped): at the step that was running, which ends as `timeout`.
    pub fn timed_out(&mut self, limit: Duration, test_span: Span) -> Failure {
        self.open_steps
            .timed_out(limit, test_span, &self.shared.sources)
    }

    fn frame(&self) -> &CallFrame {
        // There is always at least one frame: `new` makes it and calls pop only
        // what they pushed.
        self.frames
            .last()
            .unwrap_or_else(|| unreachable!("a test context always has a frame"))
    }

    fn frame_mut(&mut self) -> &mut CallFrame {
        self.frames
            .last_mut()
            .unwrap_or_else(|| unreachable!("a test context always has a frame"))
    }

    /// The folder of the running body's module, which relative paths start from
    /// (borrowed: every evaluation asks for it).
    fn module_dir(&self) -> &Path {
        let module = self.frame().module;
        self.shared
            .plan
            .modules
            .get(module)
            .and_then(|m| m.dir.as_deref())
            .unwrap_or(&self.suite_dir)
    }

    // ------------------------------------------------------------ locals

    fn declare(&mut self, slot: Slot, value: Value) {
        let slots = &mut self.frame_mut().slots;
        if slots.len() <= slot {
            slots.resize(slot + 1, None);
        }
        slots[slot] = Some(value);
    }

    /// The fields of the step that just ran replace the last step's: they stay
    /// readable after the block they were made in (what `eventually` and `retry`
    /// need; elsewhere the checker makes sure they are not read).
    fn set_fields(&mut self, fields: Vec<(String, FieldValue)>) {
        self.set_record(Box::new(fields));
    }

    fn set_record(&mut self, record: Box<dyn Record>) {
        let frame = self.frame_mut();
        frame.fields = record;
        frame.evidence = Evidence::default();
    }

    fn assign(&mut self, place: &Place, value: Value) -> bool {
        match place {
            Place::Local(slot) => match self.frame_mut().slots.get_mut(*slot) {
                Some(Some(existing)) => {
                    *existing = value;
                    true
                }
                _ => false,
            },
            Place::Global { module, name } => match self
                .globals
                .get_mut(*module)
                .and_then(|globals| globals.get_mut(name))
            {
                Some(existing) => {
                    *existing = value;
                    true
                }
                None => false,
            },
        }
    }

    // ------------------------------------------------------------ evaluation

    /// Evaluates an expression: user-function calls in it first, then the rest.
    pub fn evaluate<'a>(&'a mut self, expr: &'a Expr) -> BoxFuture<'a, Outcome<Value>> {
        Box::pin(async move {
            let results = self.run_calls(expr).await?;
            self.with_evaluator(&results, |evaluator| evaluator.value(expr))
        })
    }

    async fn verdict(&mut self, condition: &Expr) -> Outcome<Verdict> {
        let results = self.run_calls(condition).await?;
        self.with_evaluator(&results, |evaluator| evaluator.expectation(condition))
    }

    async fn text(&mut self, expr: &Expr, context: TextContext) -> Outcome<String> {
        let results = self.run_calls(expr).await?;
        self.with_evaluator(&results, |evaluator| match &expr.kind {
            ExprKind::String(template) => evaluator.template(template, context),
            _ => {
                let value = evaluator.value(expr)?;
                value::to_text(&value).map_err(|error| {
                    Box::new(Failure::new(FailureKind::Evaluation, expr.span, error.0))
                })
            }
        })
    }

    fn with_evaluator<T>(
        &self,
        results: &HashMap<usize, Value>,
        job: impl FnOnce(&Evaluator) -> T,
    ) -> T {
        let shared = &self.shared;
        let env = |name: &str| shared.env_var(name);
        let logs = |name: &str| shared.services.logs(name);
        let context = FunctionContext {
            base_dir: self.module_dir(),
            suite_root: &shared.settings.suite_root,
            allow_read: shared.settings.allow_read,
            temp_dir: &shared.settings.temp_dir,
            env: &env,
            logs: &logs,
            secrets: &shared.secrets,
        };
        let evaluator = Evaluator {
            names: self,
            sources: &shared.sources,
            functions: &context,
            call_results: results,
        };
        job(&evaluator)
    }

    /// Makes every user-function call in `expr` (innermost first) and returns
    /// their results by call expression.
    fn run_calls<'a>(
        &'a mut self,
        expr: &'a Expr,
    ) -> BoxFuture<'a, Outcome<HashMap<usize, Value>>> {
        Box::pin(async move {
            let mut results = HashMap::new();
            if contains_user_call(expr) {
                self.collect_calls(expr, &mut results).await?;
            }
            Ok(results)
        })
    }

    fn collect_calls<'a>(
        &'a mut self,
        expr: &'a Expr,
        results: &'a mut HashMap<usize, Value>,
    ) -> BoxFuture<'a, Outcome<()>> {
        Box::pin(async move {
            if let ExprKind::Binary {
                operator:
                    operator @ (BinaryOperator::And | BinaryOperator::Or | BinaryOperator::Coalesce),
                left,
                right,
            } = &expr.kind
                && contains_user_call(right)
            {
                return self
                    .short_circuit_calls(*operator, left, right, results)
                    .await;
            }
            for child in children(expr) {
                if contains_user_call(child) {
                    self.collect_calls(child, results).await?;
                }
            }
            if let ExprKind::Call {
                callee: Callee::Function { module, index },
                positional,
                named,
            } = &expr.kind
            {
                let (positional_values, named_values) =
                    self.with_evaluator(results, |evaluator| -> Outcome<_> {
                        let positional = positional
                            .iter()
                            .map(|a| evaluator.value(a))
                            .collect::<Result<Vec<_>, _>>()?;
                        let named = named
                            .iter()
                            .map(|(name, a)| Ok((name.clone(), evaluator.value(a)?)))
                            .collect::<Result<Vec<_>, Box<Failure>>>()?;
                        Ok((positional, named))
                    })?;
                let value = self
                    .call_function(expr, *module, *index, positional_values, named_values)
                    .await?;
                results.insert(expr_key(expr), value);
            }
            Ok(())
        })
    }

    /// The calls of `left`, then those of `right` only when `left` does not decide:
    /// a function on the right of `and`, `or` or `??` (which may send a request)
    /// runs only when the operator needs its value.
    fn short_circuit_calls<'a>(
        &'a mut self,
        operator: BinaryOperator,
        left: &'a Expr,
        right: &'a Expr,
        results: &'a mut HashMap<usize, Value>,
    ) -> BoxFuture<'a, Outcome<()>> {
        Box::pin(async move {
            if contains_user_call(left) {
                self.collect_calls(left, results).await?;
            }
            // A left side that fails to evaluate fails the whole expression before
            // the right is reached; the evaluation that follows reports it.
            let Ok(decision) =
                self.with_evaluator(results, |evaluator| evaluator.short_circuit(operator, left))
            else {
                return Ok(());
            };
            results.insert(expr_key(left), decision.left);
            if decision.result.is_none() {
                self.collect_calls(right, results).await?;
            }
            Ok(())
        })
    }

    async fn call_function(
        &mut self,
        call: &Expr,
        module: usize,
        index: usize,
        positional: Vec<Value>,
        named: Vec<(String, Value)>,
    ) -> Outcome<Value> {
        if self.frames.len() > MAX_CALL_DEPTH {
            return Err(Box::new(Failure::new(
                FailureKind::Evaluation,
                call.span,
                format!("functions call each other more than {MAX_CALL_DEPTH} deep"),
            )));
        }
        let shared = Arc::clone(&self.shared);
        let Some(function) = shared
            .plan
            .modules
            .get(module)
            .and_then(|m| m.functions.get(index))
        else {
            return Err(Box::new(Failure::new(
                FailureKind::Evaluation,
                call.span,
                "unknown function",
            )));
        };
        let mut frame = CallFrame::new(module);
        let mut positional = positional.into_iter();
        let (positional_exprs, named_exprs) = match &call.kind {
            ExprKind::Call {
                positional, named, ..
            } => (positional.as_slice(), named.as_slice()),
            _ => (&[][..], &[][..]),
        };
        let mut positional_exprs = positional_exprs.iter();
        for (parameter, declared) in function.parameters.iter().zip(&function.parameter_types) {
            let argument = named_exprs
                .iter()
                .find(|(name, _)| name == parameter)
                .map(|(_, expr)| expr)
                .or_else(|| positional_exprs.next());
            let value = named
                .iter()
                .find(|(name, _)| name == parameter)
                .map(|(_, value)| value.clone())
                .or_else(|| positional.next())
                .unwrap_or(Value::Null);
            // An argument the call does not give stays null, as before; the
            // checker has refused such a call (E0305).
            let value = match argument {
                Some(argument) => cross(
                    value,
                    declared,
                    Boundary::Parameter {
                        function: &function.name,
                        name: parameter,
                    },
                    shared.sources.text(argument.span),
                    call.span,
                )?,
                None => value,
            };
            // Parameter `i` is slot `i` of the body.
            frame.slots.push(Some(value));
        }
        self.frames.push(frame);
        let result = self.run_block(&function.body).await;
        self.frames.pop();
        match result? {
            Flow::Return(value) => Ok(value),
            Flow::Next => Ok(Value::Null),
            // The checker refuses `skip` in a `fn` (E0213): a skip cannot reach here.
            Flow::Skip(reason) => Err(Box::new(Failure::new(
                FailureKind::Evaluation,
                call.span,
                format!("`skip \"{reason}\"` ran inside a function (a bug in ritc)"),
            ))),
        }
    }

    // ------------------------------------------------------------ statements

    /// Runs a block (its locals have their own slots: nothing to open or close).
    pub fn run_block<'a>(&'a mut self, block: &'a Block) -> BoxFuture<'a, Outcome<Flow>> {
        Box::pin(self.run_statements(&block.statements))
    }

    async fn run_statements(&mut self, statements: &[Statement]) -> Outcome<Flow> {
        let mut index = 0;
        while index < statements.len() {
            let end = statements[index..]
                .iter()
                .position(|statement| !matches!(statement.kind, StatementKind::Expect { .. }))
                .map_or(statements.len(), |offset| index + offset);
            if end > index {
                self.expectation_group(&statements[index..end]).await?;
                index = end;
                continue;
            }
            match self.run_statement(&statements[index]).await? {
                Flow::Next => index += 1,
                ended => return Ok(ended),
            }
        }
        Ok(Flow::Next)
    }

    /// Consecutive expectations are all evaluated and reported; then the test
    /// stops if one failed.
    async fn expectation_group(&mut self, group: &[Statement]) -> Outcome<()> {
        let mut failures: Vec<Failure> = Vec::new();
        for statement in group {
            let StatementKind::Expect {
                condition,
                warn_only,
            } = &statement.kind
            else {
                continue;
            };
            let verdict = self.verdict(condition).await;
            let source = || self.shared.sources.text(condition.span).to_string();
            let failure = match verdict {
                Ok(verdict) if verdict.held => {
                    self.close_to_limit(condition, statement);
                    None
                }
                Ok(verdict) => Some(Failure {
                    kind: FailureKind::Expectation,
                    cause: expectation_cause::of(condition, &verdict.actual),
                    span: statement.span,
                    message: explain(&source(), &verdict.actual),
                    expected: Some(source()),
                    actual: verdict.actual,
                    detail: match (verdict.detail, self.kept_record_detail(condition)) {
                        (Some(detail), Some(kept)) => Some(format!("{detail}\n{kept}")),
                        (detail, kept) => detail.or(kept),
                    },
                    also: Vec::new(),
                    evidence: self.evidence_read_by(condition),
                }),
                Err(mut failure) => {
                    failure.span = statement.span;
                    failure.expected = Some(source());
                    if failure.evidence.is_empty() {
                        failure.evidence = self.evidence_read_by(condition);
                    }
                    Some(*failure)
                }
            };
            if let Some(failure) = failure {
                let _ = self.shared.events.send(Event::ExpectationFailed {
                    suite: self.suite.clone(),
                    test: self.test.clone(),
                    failure: Box::new(failure.clone()),
                    warn_only: *warn_only,
                });
                if *warn_only {
                    let location = self.shared.sources.file_line(statement.span);
                    self.warnings
                        .push(format!("{location}: {}", failure.message));
                } else {
                    failures.push(failure);
                }
            }
        }
        let mut failures = failures.into_iter();
        match failures.next() {
            None => Ok(()),
            Some(mut first) => {
                first.also = failures.collect();
                Err(Box::new(first))
            }
        }
    }

    fn run_statement<'a>(&'a mut self, statement: &'a Statement) -> BoxFuture<'a, Outcome<Flow>> {
        Box::pin(async move {
            match &statement.kind {
                StatementKind::Expect { .. } => {
                    self.expectation_group(std::slice::from_ref(statement))
                        .await?;
                }
                StatementKind::Let {
                    name,
                    slot,
                    declared,
                    value: expr,
                } => {
                    let mut value = self.evaluate(expr).await?;
                    if let Some(declared) = declared {
                        value = cross(
                            value,
                            declared,
                            Boundary::Let { name },
                            self.shared.sources.text(expr.span),
                            statement.span,
                        )?;
                    }
                    self.declare(*slot, value);
                }
                StatementKind::Assign {
                    name,
                    target,
                    value,
                } => {
                    let value = self.evaluate(value).await?;
                    if !self.assign(target, value) {
                        return Err(Box::new(Failure::new(
                            FailureKind::Evaluation,
                            statement.span,
                            format!("`{name}` is not declared"),
                        )));
                    }
                }
                StatementKind::Step { step, bind } => {
                    let record = self.run_step(step, bind.is_some()).await?;
                    if let (Some(slot), Some(record)) = (bind, record) {
                        self.declare(*slot, record);
                    }
                }
                StatementKind::For {
                    slot,
                    iterable,
                    body,
                    ..
                } => {
                    let items = match self.evaluate(iterable).await? {
                        Value::List(items) => items,
                        Value::Json(serde_json::Value::Array(items)) => {
                            items.into_iter().map(Value::Json).collect()
                        }
                        other => {
                            return Err(Box::new(Failure::new(
                                FailureKind::Evaluation,
                                iterable.span,
                                format!("`for` needs a list, and this is {}", describe(&other)),
                            )));
                        }
                    };
                    for item in items {
                        self.declare(*slot, item);
                        match self.run_statements(&body.statements).await? {
                            Flow::Next => {}
                            ended => return Ok(ended),
                        }
                    }
                }
                StatementKind::If {
                    condition,
                    then_block,
                    else_block,
                } => {
                    let value = self.evaluate(condition).await?;
                    let holds = value::truthy(&value).map_err(|error| {
                        Box::new(Failure::new(
                            FailureKind::Evaluation,
                            condition.span,
                            error.0,
                        ))
                    })?;
                    let branch = if holds {
                        Some(then_block)
                    } else {
                        else_block.as_ref()
                    };
                    if let Some(block) = branch {
                        return self.run_block(block).await;
                    }
                }
                StatementKind::Eventually {
                    within,
                    every,
                    body,
                } => {
                    let within = self.duration(within).await?;
                    let every = self.duration(every).await?;
                    let started = Instant::now();
                    loop {
                        match self.run_block(body).await {
                            Ok(Flow::Next) => break,
                            Ok(ended) => return Ok(ended),
                            Err(mut failure) => {
                                if started.elapsed() + every > within {
                                    failure.message = format!(
                                        "still failing after {} (`eventually within {}`): {}",
                                        literal_duration(started.elapsed()),
                                        literal_duration(within),
                                        failure.message
                                    );
                                    return Err(failure);
                                }
                                tokio::time::sleep(every).await;
                            }
                        }
                    }
                }
                StatementKind::Retry {
                    attempts,
                    every,
                    body,
                } => {
                    let attempts_value = self.evaluate(attempts).await?;
                    within_limit("retry", &attempts_value, attempts.span)?;
                    let retries = match attempts_value {
                        Value::Int(count) => count.max(0) as u64,
                        _ => 0,
                    };
                    let every = match every {
                        Some(every) => self.duration(every).await?,
                        None => Duration::ZERO,
                    };
                    let mut attempt = 0;
                    loop {
                        match self.run_block(body).await {
                            Ok(flow) => return Ok(flow),
                            Err(mut failure) => {
                                if attempt >= retries {
                                    failure.message = format!(
                                        "failed {} times: {}",
                                        attempt + 1,
                                        failure.message
                                    );
                                    return Err(failure);
                                }
                                attempt += 1;
                                tokio::time::sleep(every).await;
                            }
                        }
                    }
                }
                StatementKind::Return { value, declared } => {
                    let value = match (value, declared) {
                        (Some(expr), Some((function, declared))) => {
                            let value = self.evaluate(expr).await?;
                            cross(
                                value,
                                declared,
                                Boundary::Return {
                                    function,
                                    at: self.shared.sources.file_line(statement.span),
                                },
                                self.shared.sources.text(expr.span),
                                statement.span,
                            )?
                        }
                        (Some(expr), None) => self.evaluate(expr).await?,
                        (None, _) => Value::Null,
                    };
                    return Ok(Flow::Return(value));
                }
                StatementKind::Skip { reason } => {
                    let reason = self.evaluate(reason).await?;
                    let reason = value::to_text(&reason).map_err(|error| {
                        Box::new(Failure::new(
                            FailureKind::Evaluation,
                            statement.span,
                            error.0,
                        ))
                    })?;
                    return Ok(Flow::Skip(reason));
                }
                StatementKind::Kind(own) => self.run_kind_statement(own, statement).await?,
                StatementKind::Evaluate(expr) => {
                    self.evaluate(expr).await?;
                }
            }
            Ok(Flow::Next)
        })
    }

    async fn duration(&mut self, expr: &Expr) -> Outcome<Duration> {
        match self.evaluate(expr).await? {
            Value::Duration(duration) => Ok(duration),
            other => Err(Box::new(Failure::new(
                FailureKind::Evaluation,
                expr.span,
                format!("expected a duration, found {}", describe(&other)),
            ))),
        }
    }

    // ------------------------------------------------------------ kinds' own

    /// A statement of a kind's own (`receive` in a `ws` block), run by its kind.
    async fn run_kind_statement(
        &mut self,
        own: &KindStatement,
        statement: &Statement,
    ) -> Outcome<()> {
        let Some(kind) = own.kind else {
            return Err(unsupported_statement(own, statement));
        };
        let mut driven = DrivenStatement {
            test: self,
            own,
            span: statement.span,
        };
        let Some(running) = kind.run_statement(own.word, &mut driven) else {
            return Err(unsupported_statement(own, statement));
        };
        running
            .await
            .map_err(|halt| self.failure_of(halt, statement.span))
    }

    /// The failure a kind's step or statement at `span` stopped with: its own
    /// error, or what failed of what the interpreter ran for it (held meanwhile).
    fn failure_of(&mut self, halt: Halt, span: Span) -> Box<Failure> {
        match halt {
            Halt::Step(error) => Box::new(Failure::of_step(error, span)),
            Halt::Failed(failed) => self.held_failure.take().unwrap_or_else(|| {
                Box::new(Failure::new(FailureKind::Evaluation, span, failed.message))
            }),
        }
    }

    /// What explains a failed expectation that reads a result a step kept whole
    /// — a field of the last step when that step kept its result (`latency.p99`
    /// after a `load`), or of a record such a step returned (`r.latency.p99`) —
    /// as its kind words it (`StepKind::result_detail`), for the failure's detail.
    fn kept_record_detail(&self, condition: &Expr) -> Option<String> {
        let kept = self.record_read_by(condition)?;
        kept.kind
            .result_detail(&kept.record, duration_limit(condition))
    }

    fn record_read_by(&self, expr: &Expr) -> Option<&KeptRecord> {
        let mut root = expr;
        let mut first_member = None;
        while let ExprKind::Member(target, _) | ExprKind::Index(target, _) = &root.kind {
            if let ExprKind::Member(_, name) = &root.kind {
                first_member = Some(name.as_str());
            }
            root = target;
        }
        let named = match &root.kind {
            ExprKind::Local { slot, name } => Some((name, self.local(*slot))),
            ExprKind::Field(name) => Some((name, self.field(name).and_then(Result::ok))),
            ExprKind::Global { module, name } => Some((name, self.global(*module, name))),
            _ => None,
        };
        let explained = |field: &str| {
            self.records
                .iter()
                .any(|kept| kept.kind.explained_fields().contains(&field))
        };
        if let Some((name, Some(value))) = named {
            let name: &str = name;
            if explained(name) {
                // A field of the last step: the kept result's only when it was
                // the last step.
                let value = value::to_json(value);
                if let Some(last) = self.records.last()
                    && last.kind.explained_fields().contains(&name)
                    && last.record.get(name) == Some(&value)
                {
                    return Some(last);
                }
            } else if first_member.is_some_and(explained) && matches!(value, Value::Object(_)) {
                let value = value::to_json(value);
                if let Some(kept) = self.records.iter().rev().find(|kept| kept.record == value) {
                    return Some(kept);
                }
            }
        }
        children(expr)
            .into_iter()
            .find_map(|child| self.record_read_by(child))
    }

    /// The `check { }` of a step as a plain function of a set of fields (each
    /// response's, for `load`): the names visible here are copied once, and the
    /// fields are laid over them.
    fn check_function(&self, checks: &[Expr]) -> FieldsCheck {
        let evaluation = self.fields_evaluation();
        let checks: Vec<Expr> = checks.to_vec();
        Arc::new(move |fields| {
            evaluation.with(fields, |evaluator| {
                for check in &checks {
                    let holds = evaluator
                        .value(check)
                        .ok()
                        .and_then(|value| value::truthy(&value).ok())
                        .unwrap_or(false);
                    if !holds {
                        return Err(evaluation.shared.sources.text(check.span).to_string());
                    }
                }
                Ok(())
            })
        })
    }

    /// An `abort when` condition as a plain function of a step's result so far:
    /// what its operands read when it holds (a condition that cannot be
    /// evaluated yet does not hold).
    fn threshold_function(&self, condition: &Expr) -> ThresholdFn {
        let evaluation = self.fields_evaluation();
        let condition = condition.clone();
        Arc::new(move |fields| {
            evaluation.with(fields, |evaluator| evaluator.held_with_operands(&condition))
        })
    }

    /// The names visible here, copied once, for a function of a set of fields
    /// that runs on another thread while the step runs.
    fn fields_evaluation(&self) -> FieldsEvaluation {
        FieldsEvaluation {
            locals: self.frame().slots.clone(),
            shared: Arc::clone(&self.shared),
            base_dir: self.module_dir().to_path_buf(),
            globals: self.globals.clone(),
        }
    }

    // ------------------------------------------------------------ steps

    /// Runs a step through its backend and puts its fields in scope; returns
    /// the result as a record when `keep` (for `let r = <step>`).
    async fn run_step(&mut self, step: &StepPlan, keep: bool) -> Outcome<Option<Value>> {
        let Some(kind) = step.kind else {
            return Err(unsupported_step(step));
        };
        // A kind whose steps run statements or checks drives its step itself.
        let driven = match kind.drive(&mut DrivenStep {
            test: self,
            kind,
            step,
            started: None,
        }) {
            Some(driving) => Some(driving.await),
            None => None,
        };
        if let Some(result) = driven {
            return result
                .map(Some)
                .map_err(|halt| self.failure_of(halt, step.span));
        }
        let shared = Arc::clone(&self.shared);
        let Some(executor) = shared.executors.get(kind.name()) else {
            return Err(unsupported_step(step));
        };
        let target = match step.target_text {
            TargetText::Shell => Value::String(self.text(&step.target, TextContext::Shell).await?),
            TargetText::Url => Value::String(self.text(&step.target, TextContext::Url).await?),
            TargetText::Plain => self.evaluate(&step.target).await?,
        };
        let command = match &step.command {
            Some(template) => Some(self.command_parts(template).await?),
            None => None,
        };
        let mut options = Vec::new();
        for option in &step.options {
            if is_condition(kind, &option.name) {
                continue;
            }
            let value = match &option.value {
                Some(expr) => {
                    let value = self.evaluate(expr).await?;
                    within_limit(&option.name, &value, expr.span)?;
                    Some(value)
                }
                None => None,
            };
            options.push((option.name.clone(), value));
        }
        for default in shared
            .settings
            .step_defaults
            .iter()
            .filter(|default| kind.takes_defaults() && default.kind == kind.name())
        {
            options.push((default.clause.clone(), default.value.clone()));
        }
        let description = step_description(kind, step.method, &target);
        self.open_steps.start(description, step.span);
        let input = StepInput {
            method: step.method,
            target,
            command,
            options,
            default_timeout: shared.settings.default_timeout,
            base_dir: self.module_dir().to_path_buf(),
            status_checked: step.status_checked,
            max_body: shared.settings.max_body,
            verbose: shared.settings.verbose,
            secrets: shared.secrets.clone(),
            environment: Arc::clone(&shared.settings.env),
        };
        let started_unix_ms = Some(crate::evidence::unix_ms(std::time::SystemTime::now()));
        let output = executor.execute(input, &self.resources).await;
        self.step_finished(output.as_ref().map(drop));
        let mut output = output.map_err(|error| {
            let mut failure = step_failure(step, error);
            failure.evidence.started_unix_ms = started_unix_ms;
            failure
        })?;
        let mut evidence = output.evidence.take().unwrap_or_default();
        evidence.started_unix_ms = started_unix_ms;
        if shared.settings.verbose
            && let Some(text) = output.exchange
        {
            let _ = shared.events.send(Event::Exchange {
                suite: self.suite.clone(),
                test: self.test.clone(),
                text,
            });
        }
        // Only a step whose result is kept pays for a copy of its fields (and
        // for its `json`'s tree).
        let record = keep.then(|| {
            Value::Object(
                output
                    .record
                    .all_fields()
                    .into_iter()
                    .map(|(name, value)| (name, value.unwrap_or(Value::Null)))
                    .collect(),
            )
        });
        self.set_record(output.record);
        self.frame_mut().evidence = evidence;
        Ok(record)
    }

    /// The string after a step's target, its `{{ }}` evaluated (user calls first).
    pub(super) async fn command_parts(&mut self, template: &Template) -> Outcome<Vec<CommandPart>> {
        let mut results = HashMap::new();
        for part in &template.parts {
            if let TemplatePart::Value(expr) = part {
                results.extend(self.run_calls(expr).await?);
            }
        }
        self.with_evaluator(&results, |evaluator| evaluator.command_parts(template))
    }

    /// What the last step saw, when `condition` reads its fields (`status`,
    /// `exit`, `duration`): a value kept in a variable from an earlier step is
    /// not the last step's, so an expectation on it cites nothing.
    fn evidence_read_by(&self, condition: &Expr) -> Evidence {
        if reads_step_fields(condition) {
            self.frame().evidence.clone()
        } else {
            Evidence::default()
        }
    }
}

/// Whether `expr` reads a field of the last step.
fn reads_step_fields(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Field(_)) || children(expr).into_iter().any(reads_step_fields)
}

impl TestContext {
    /// A held `measured < limit` (or `limit > measured`) on durations whose
    /// measured value came within 10% of the limit is told to reporters.
    fn close_to_limit(&self, condition: &Expr, statement: &Statement) {
        let ExprKind::Binary {
            operator,
            left,
            right,
        } = &condition.kind
        else {
            return;
        };
        let (measured, limit) = match operator {
            crate::plan::BinaryOperator::Less | crate::plan::BinaryOperator::LessOrEqual => {
                (left, right)
            }
            crate::plan::BinaryOperator::Greater | crate::plan::BinaryOperator::GreaterOrEqual => {
                (right, left)
            }
            _ => return,
        };
        if contains_user_call(condition) {
            return;
        }
        let values = self.with_evaluator(&HashMap::new(), |evaluator| {
            (evaluator.value(measured).ok(), evaluator.value(limit).ok())
        });
        let (Some(Value::Duration(measured_value)), Some(Value::Duration(limit_value))) = values
        else {
            return;
        };
        if limit_value.is_zero() || measured_value.as_secs_f64() < limit_value.as_secs_f64() * 0.9 {
            return;
        }
        let sources = &self.shared.sources;
        let _ = self.shared.events.send(Event::CloseToLimit {
            suite: self.suite.clone(),
            test: self.test.clone(),
            span: statement.span,
            message: format!(
                "{}: {} was {}, within 10% of its limit of {}",
                sources.text(condition.span),
                sources.text(measured.span),
                literal_duration(measured_value),
                literal_duration(limit_value)
            ),
        });
    }

    /// Tells reporters that the step running ended, with its time (for reports'
    /// step lists): `timeout` when its own timeout ended it.
    fn step_finished(&mut self, result: Result<(), &StepError>) {
        let (error, status) = match result {
            Ok(()) => (None, StepStatus::Ok),
            Err(error) if error.kind == StepErrorKind::Timeout => {
                (Some(error.message.clone()), StepStatus::Timeout)
            }
            Err(error) => (Some(error.message.clone()), StepStatus::Failed),
        };
        self.open_steps.finish(error, status);
    }
}

/// Names inside a step's `check`: the fields it is given (each response's, for
/// `load`), and a copy of the locals and globals at the step.
/// What a function of a set of fields (`check`, `abort when`) evaluates with.
struct FieldsEvaluation {
    locals: Vec<Option<Value>>,
    shared: Arc<RunShared>,
    base_dir: PathBuf,
    globals: Vec<HashMap<String, Value>>,
}

impl FieldsEvaluation {
    /// Runs `job` with an evaluator that sees `fields` over the names copied.
    fn with<T>(&self, fields: &dyn Record, job: impl FnOnce(&Evaluator) -> T) -> T {
        let names = CheckNames {
            locals: &self.locals,
            fields,
            globals: &self.globals,
        };
        let shared = &self.shared;
        let env = |name: &str| shared.env_var(name);
        let logs = |name: &str| shared.services.logs(name);
        // A check's values are never shown (a failed check is named by its
        // source text): nothing made there is registered, which would
        // otherwise grow the register with every response.
        let no_secrets = Masker::default();
        let context = FunctionContext {
            base_dir: &self.base_dir,
            suite_root: &shared.settings.suite_root,
            allow_read: shared.settings.allow_read,
            temp_dir: &shared.settings.temp_dir,
            env: &env,
            logs: &logs,
            secrets: &no_secrets,
        };
        let no_calls = HashMap::new();
        let evaluator = Evaluator {
            names: &names,
            sources: &shared.sources,
            functions: &context,
            call_results: &no_calls,
        };
        job(&evaluator)
    }
}

struct CheckNames<'a> {
    locals: &'a [Option<Value>],
    fields: &'a dyn Record,
    globals: &'a [HashMap<String, Value>],
}

impl Names for CheckNames<'_> {
    fn local(&self, slot: Slot) -> Option<&Value> {
        self.locals.get(slot).and_then(Option::as_ref)
    }

    fn field(&self, name: &str) -> Option<Result<&Value, &FieldError>> {
        self.fields.field(name).map(Result::as_ref)
    }

    fn field_at(&self, name: &str, path: &[JsonKey]) -> Option<serde_json::Value> {
        self.fields.field_at(name, path)
    }

    fn global(&self, module: usize, name: &str) -> Option<&Value> {
        self.globals
            .get(module)
            .and_then(|globals| globals.get(name))
    }
}

/// The duration an expectation compares with (`latency.p99 < 200ms`), if any.
fn duration_limit(condition: &Expr) -> Option<Duration> {
    let ExprKind::Binary { left, right, .. } = &condition.kind else {
        return None;
    };
    [left, right].into_iter().find_map(|side| match &side.kind {
        ExprKind::Literal(crate::plan::Literal::Duration(duration)) => Some(*duration),
        _ => None,
    })
}

/// A result a step kept whole, and the kind that explains it.
struct KeptRecord {
    kind: &'static dyn StepKind,
    record: serde_json::Value,
}

/// A statement whose kind this build does not have or does not run it.
fn unsupported_statement(own: &KindStatement, statement: &Statement) -> Box<Failure> {
    Box::new(Failure::new(
        FailureKind::Evaluation,
        statement.span,
        format!(
            "`{}` statements are not supported by this build of ritc yet",
            own.word
        ),
    ))
}

/// How a step is named while it runs and in the reports: its HTTP method and URL
/// (`GET http://…`), or its kind, operation word and target's text (`sql …`,
/// `echo upper hello`).
fn step_description(kind: &dyn StepKind, method: Option<&str>, target: &Value) -> String {
    let mut description = match method {
        Some(method) if kind.keywords().contains(&method) => method.to_string(),
        Some(operation) => format!("{} {operation}", kind.name()),
        None => kind.name().to_string(),
    };
    if let Value::String(text) = target {
        description.push(' ');
        description.push_str(text);
    }
    description
}

/// Whether the clause called `name` is a condition the kind evaluates per
/// candidate (`ValueSpec::Condition`), which is never evaluated with the others.
fn is_condition(kind: &dyn crate::steps::StepKind, name: &str) -> bool {
    crate::steps::schema::of(kind).clauses.iter().any(|spec| {
        spec.name == name && matches!(spec.value, crate::steps::schema::ValueSpec::Condition(_))
    })
}

/// A step of a kind this build has no executor for.
fn unsupported_step(step: &StepPlan) -> Box<Failure> {
    Box::new(Failure::new(
        FailureKind::Evaluation,
        step.span,
        format!(
            "`{}` steps are not supported by this build of ritc yet",
            step.kind_name()
        ),
    ))
}

fn step_failure(step: &StepPlan, error: StepError) -> Box<Failure> {
    Box::new(Failure::of_step(error, step.span))
}

impl Names for TestContext {
    fn local(&self, slot: Slot) -> Option<&Value> {
        self.frame().slots.get(slot).and_then(Option::as_ref)
    }

    fn field(&self, name: &str) -> Option<Result<&Value, &FieldError>> {
        self.frame().fields.field(name).map(Result::as_ref)
    }

    fn field_at(&self, name: &str, path: &[JsonKey]) -> Option<serde_json::Value> {
        self.frame().fields.field_at(name, path)
    }

    fn global(&self, module: usize, name: &str) -> Option<&Value> {
        self.globals
            .get(module)
            .and_then(|globals| globals.get(name))
    }
}

fn children(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ExprKind::String(template) => template
            .parts
            .iter()
            .filter_map(|part| match part {
                TemplatePart::Value(expr) => Some(expr),
                TemplatePart::Text(_) => None,
            })
            .collect(),
        ExprKind::List(items) => items.iter().collect(),
        ExprKind::Object(entries) => entries.iter().map(|(_, value)| value).collect(),
        ExprKind::Member(target, _) => vec![target],
        ExprKind::Index(target, index) => vec![target, index],
        ExprKind::Call {
            positional, named, ..
        } => positional
            .iter()
            .chain(named.iter().map(|(_, value)| value))
            .collect(),
        ExprKind::Not(inner)
        | ExprKind::Negate(inner)
        | ExprKind::Is(inner, _)
        | ExprKind::Exists(inner) => vec![inner],
        ExprKind::Binary { left, right, .. } => vec![left, right],
        ExprKind::Literal(_)
        | ExprKind::Local { .. }
        | ExprKind::Field(_)
        | ExprKind::Global { .. }
        | ExprKind::Service(_) => Vec::new(),
    }
}

fn contains_user_call(expr: &Expr) -> bool {
    matches!(
        expr.kind,
        ExprKind::Call {
            callee: Callee::Function { .. },
            ..
        }
    ) || children(expr).into_iter().any(contains_user_call)
}
