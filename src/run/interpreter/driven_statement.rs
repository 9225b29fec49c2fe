//! The interpreter's side of `steps::context::StatementContext`: one statement of
//! a kind's own (`send`, `receive`, `close` in a `ws` block), whose parts it
//! evaluates when the kind asks, with this test's locals, fields and the kinds'
//! sessions. A failure of a part is held here and reported as it is.

use super::TestContext;
use crate::plan::{Expr, KindStatement};
use crate::run::outcome::{Failure, FailureKind};
use crate::source::span::Span;
use crate::steps::context::{Failed, Halt, Sessions, StatementContext};
use crate::steps::exec::FieldValue;
use crate::value::{self, Value};
use futures_util::future::BoxFuture;
use std::time::Duration;

pub(super) struct DrivenStatement<'a> {
    pub(super) test: &'a mut TestContext,
    pub(super) own: &'a KindStatement,
    /// The whole statement's.
    pub(super) span: Span,
}

impl DrivenStatement<'_> {
    fn hold(&mut self, failure: Box<Failure>) -> Halt {
        let message = failure.message.clone();
        self.test.held_failure = Some(failure);
        Halt::Failed(Failed { message })
    }

    fn part_expr(&self, name: &str) -> Option<&Expr> {
        self.own.part(name)
    }
}

impl StatementContext for DrivenStatement<'_> {
    fn default_timeout(&self) -> Duration {
        self.test.shared.settings.default_timeout
    }

    fn has(&self, name: &'static str) -> bool {
        self.part_expr(name).is_some()
    }

    fn part(&mut self, name: &'static str) -> BoxFuture<'_, Result<Option<Value>, Halt>> {
        Box::pin(async move {
            let Some(expr) = self.own.part(name) else {
                return Ok(None);
            };
            match self.test.evaluate(expr).await {
                Ok(value) => Ok(Some(value)),
                Err(failure) => Err(self.hold(failure)),
            }
        })
    }

    fn holds(&mut self, name: &'static str) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            let Some(expr) = self.own.part(name) else {
                return false;
            };
            // A condition that cannot be evaluated (a field this frame lacks)
            // does not hold; it fails nothing.
            match self.test.evaluate(expr).await {
                Ok(value) => value::truthy(&value).unwrap_or(false),
                Err(_) => false,
            }
        })
    }

    fn fail_at(&mut self, part: Option<&'static str>, message: String) -> Halt {
        let span = part
            .and_then(|name| self.part_expr(name))
            .map_or(self.span, |expr| expr.span);
        self.hold(Box::new(Failure::new(
            FailureKind::Evaluation,
            span,
            message,
        )))
    }

    fn set_fields(&mut self, fields: Vec<(String, FieldValue)>) {
        self.test.set_fields(fields);
    }

    fn sessions(&mut self) -> &mut Sessions {
        &mut self.test.sessions
    }
}
