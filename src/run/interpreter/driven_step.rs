//! The interpreter's side of `steps::context::StepContext`: one step of a kind
//! that drives its steps itself (`ws`, `load`), with this test's locals, fields,
//! open steps and events. A failure of what it runs for the step (an expression,
//! a statement of the block) is held here and reported as it is.

use super::{KeptRecord, KeptWindow, TestContext, TextContext};
use crate::plan::{Expr, StepPlan};
use crate::run::outcome::{Event, Failure, FailureKind, StepStatus};
use crate::steps::StepKind;
use crate::steps::context::{
    Clauses, Failed, FieldsCheck, Halt, PartialRecord, ProgressLine, Sessions, StepContext,
    StepPart, StepSettings, Threshold,
};
use crate::steps::exec::{CommandPart, FieldValue, StepError};
use crate::steps::schema::TargetText;
use crate::value::{self, Value};
use futures_util::future::BoxFuture;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

pub(super) struct DrivenStep<'a> {
    pub(super) test: &'a mut TestContext,
    pub(super) kind: &'static dyn StepKind,
    pub(super) step: &'a StepPlan,
    /// The step's description and when it started (`step_started`), for the
    /// window of a result it keeps and the evidence of its fields.
    pub(super) started: Option<(String, Instant, SystemTime)>,
}

impl DrivenStep<'_> {
    fn hold(&mut self, failure: Box<Failure>) -> Halt {
        let message = failure.message.clone();
        self.test.held_failure = Some(failure);
        Halt::Failed(Failed { message })
    }

    fn part_expr(&self, part: StepPart) -> Option<&Expr> {
        match part {
            StepPart::Option(name) => self
                .step
                .options
                .iter()
                .find(|option| option.name == name)
                .and_then(|option| option.value.as_ref()),
            StepPart::BlockOption(name, index) => self.step.block_option(name)?.get(index),
        }
    }
}

impl StepContext for DrivenStep<'_> {
    fn settings(&self) -> StepSettings {
        let shared = &self.test.shared;
        StepSettings {
            method: self.step.method,
            default_timeout: shared.settings.default_timeout,
            base_dir: self.test.module_dir().to_path_buf(),
            max_body: shared.settings.max_body,
            verbose: shared.settings.verbose,
            secrets: shared.secrets.clone(),
            environment: Arc::clone(&shared.settings.env),
        }
    }

    fn target(&mut self) -> BoxFuture<'_, Result<Value, Halt>> {
        Box::pin(async move {
            let target_text = self.step.target_text;
            let target = &self.step.target;
            let result = match target_text {
                TargetText::Shell => self
                    .test
                    .text(target, TextContext::Shell)
                    .await
                    .map(Value::String),
                TargetText::Url => self
                    .test
                    .text(target, TextContext::Url)
                    .await
                    .map(Value::String),
                TargetText::Plain => self.test.evaluate(target).await,
            };
            result.map_err(|failure| self.hold(failure))
        })
    }

    fn operation(&self) -> Option<&'static str> {
        self.step.method
    }

    fn string(&mut self) -> BoxFuture<'_, Result<Option<Vec<CommandPart>>, Halt>> {
        Box::pin(async move {
            let Some(template) = &self.step.command else {
                return Ok(None);
            };
            match self.test.command_parts(template).await {
                Ok(parts) => Ok(Some(parts)),
                Err(failure) => Err(self.hold(failure)),
            }
        })
    }

    fn options(&mut self) -> BoxFuture<'_, Result<Clauses, Halt>> {
        Box::pin(async move {
            let mut options = Vec::new();
            for option in &self.step.options {
                if super::is_condition(self.kind, &option.name) {
                    continue;
                }
                let value = match &option.value {
                    Some(expr) => match self.test.evaluate(expr).await {
                        Ok(value) => Some(value),
                        Err(failure) => return Err(self.hold(failure)),
                    },
                    None => None,
                };
                options.push((option.name.clone(), value));
            }
            Ok(options)
        })
    }

    fn block_option(
        &mut self,
        name: &'static str,
    ) -> BoxFuture<'_, Result<Option<Vec<Value>>, Halt>> {
        Box::pin(async move {
            let Some(exprs) = self.step.block_option(name) else {
                return Ok(None);
            };
            let mut values = Vec::new();
            for (index, expr) in exprs.iter().enumerate() {
                let limit = crate::steps::limits::part_name(name, index);
                match self.test.evaluate(expr).await.and_then(|value| {
                    super::within_limit(limit, &value, expr.span)?;
                    Ok(value)
                }) {
                    Ok(value) => values.push(value),
                    Err(failure) => return Err(self.hold(failure)),
                }
            }
            Ok(Some(values))
        })
    }

    fn fail_at(&mut self, part: StepPart, message: String) -> Halt {
        let span = self
            .part_expr(part)
            .map_or(self.step.span, |expr| expr.span);
        self.hold(Box::new(Failure::new(
            FailureKind::Evaluation,
            span,
            message,
        )))
    }

    fn step_started(&mut self, description: String) {
        let started = self
            .test
            .open_steps
            .start(description.clone(), self.step.span);
        self.started = Some((description, started, SystemTime::now()));
    }

    fn step_finished(&mut self, result: Result<(), &StepError>) {
        self.test.step_finished(result);
    }

    fn block_finished(&mut self, failure: Option<&Failed>) {
        let status = match failure {
            None => StepStatus::Ok,
            Some(_) => StepStatus::Failed,
        };
        self.test
            .open_steps
            .finish(failure.map(|failed| failed.message.clone()), status);
    }

    fn set_fields(&mut self, fields: Vec<(String, FieldValue)>) {
        self.test.set_fields(fields);
        // What an expectation on these fields saw: when the step started, so a
        // suggestion quotes only what a service logged from then on (an error
        // of an earlier test is not this load's).
        if let Some((_, _, started)) = &self.started {
            self.test.frame_mut().evidence.started_unix_ms =
                Some(crate::evidence::unix_ms(*started));
        }
    }

    fn run_block(&mut self) -> BoxFuture<'_, Result<(), Halt>> {
        Box::pin(async move {
            let Some(block) = &self.step.block else {
                return Ok(());
            };
            match self.test.run_block(block).await {
                Ok(_) => Ok(()),
                Err(failure) => Err(self.hold(failure)),
            }
        })
    }

    fn sessions(&mut self) -> &mut Sessions {
        &mut self.test.sessions
    }

    fn check_function(&self) -> Option<FieldsCheck> {
        let checks = &self.step.checks;
        (!checks.is_empty()).then(|| self.test.check_function(checks))
    }

    fn condition(&self, name: &'static str) -> Option<FieldsCheck> {
        let expr = self.part_expr(StepPart::Option(name))?;
        Some(self.test.check_function(std::slice::from_ref(expr)))
    }

    fn thresholds(&mut self) -> BoxFuture<'_, Result<Vec<Threshold>, Halt>> {
        Box::pin(async move {
            let mut thresholds = Vec::new();
            for planned in &self.step.thresholds {
                let after = match &planned.after {
                    None => std::time::Duration::ZERO,
                    Some(expr) => match self.test.evaluate(expr).await {
                        Ok(Value::Duration(after)) => after,
                        Ok(other) => {
                            let message = format!(
                                "`after` takes a duration, not {}",
                                value::describe(&other)
                            );
                            return Err(self.hold(Box::new(Failure::new(
                                FailureKind::Evaluation,
                                expr.span,
                                message,
                            ))));
                        }
                        Err(failure) => return Err(self.hold(failure)),
                    },
                };
                thresholds.push(Threshold {
                    condition: self
                        .test
                        .shared
                        .sources
                        .text(planned.condition.span)
                        .to_string(),
                    after,
                    holds: self.test.threshold_function(&planned.condition),
                });
            }
            Ok(thresholds)
        })
    }

    fn exchange(&mut self, text: String) {
        let shared = &self.test.shared;
        if shared.settings.verbose {
            let _ = shared.events.send(Event::Exchange {
                suite: self.test.suite.clone(),
                test: self.test.test.clone(),
                text: shared.secrets.mask(&text),
            });
        }
    }

    fn progress(&self) -> ProgressLine {
        let (events, suite, test) = (
            self.test.shared.events.clone(),
            self.test.suite.clone(),
            self.test.test.clone(),
        );
        Arc::new(move |line: String| {
            let _ = events.send(Event::StepProgress {
                suite: suite.clone(),
                test: test.clone(),
                line,
            });
        })
    }

    fn partial_record(&self) -> PartialRecord {
        let shared = Arc::clone(&self.test.shared);
        let key = (self.test.suite.clone(), self.test.test.clone());
        Arc::new(move |record: Option<&Value>| {
            let mut records = shared
                .partial_records
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match record {
                Some(record) => {
                    records.insert(key.clone(), value::to_json(record));
                }
                None => {
                    records.remove(&key);
                }
            }
        })
    }

    fn keep_record(&mut self, record: &Value) {
        self.test.records.push(KeptRecord {
            kind: self.kind,
            record: value::to_json(record),
        });
        if let Some((description, started, _)) = self.started.clone() {
            let window = KeptWindow {
                description,
                span: self.step.span,
                started,
                ended: Instant::now(),
            };
            match self.test.shared.kept_windows.lock() {
                Ok(mut windows) => windows.push(window),
                Err(poisoned) => poisoned.into_inner().push(window),
            }
        }
    }
}
