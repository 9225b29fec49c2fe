//! Whether a block performs a step or an expectation, through nested blocks and
//! calls to functions that do.

use super::*;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Effect {
    Step,
    Expectation,
}

/// Finds whether a block performs a step or an expectation (docs/language.md,
/// "Names and scopes"): in nested blocks and through calls to functions that do.
pub(super) struct Effects<'c, 'a> {
    pub(super) checker: &'c ModuleChecker<'a>,
}

impl<'c, 'a> Effects<'c, 'a> {
    pub(super) fn new(checker: &'c ModuleChecker<'a>) -> Self {
        Effects { checker }
    }

    pub(super) fn block_has(&self, block: &Block, effect: Effect) -> bool {
        block
            .statements
            .iter()
            .any(|statement| self.statement_has(statement, effect))
    }

    pub(super) fn statement_has(&self, statement: &Statement, effect: Effect) -> bool {
        let calls = |expr: &Expr| self.expr_calls(expr, effect);
        match &statement.kind {
            StatementKind::Expect { condition, .. } => {
                effect == Effect::Expectation || calls(condition)
            }
            StatementKind::Step(step) => self.step_has(step, effect),
            StatementKind::Let { value, .. } => match value {
                BindingValue::Step(step) => self.step_has(step, effect),
                BindingValue::Expr(expr) => calls(expr),
            },
            StatementKind::Assign { value, .. } => calls(value),
            StatementKind::For { iterable, body, .. } => {
                calls(iterable) || self.block_has(body, effect)
            }
            StatementKind::If {
                condition,
                then_block,
                else_branch,
            } => {
                calls(condition)
                    || self.block_has(then_block, effect)
                    || match else_branch {
                        Some(ElseBranch::If(statement)) => self.statement_has(statement, effect),
                        Some(ElseBranch::Block(block)) => self.block_has(block, effect),
                        None => false,
                    }
            }
            StatementKind::Eventually { body, .. } | StatementKind::Retry { body, .. } => {
                self.block_has(body, effect)
            }
            StatementKind::Return(value) | StatementKind::Close(value) => {
                value.as_ref().is_some_and(calls)
            }
            StatementKind::Send(value)
            | StatementKind::Call(value)
            | StatementKind::Skip(value) => calls(value),
            StatementKind::Receive { until, .. } => {
                effect == Effect::Step || until.as_ref().is_some_and(calls)
            }
        }
    }

    pub(super) fn step_has(&self, step: &Step, effect: Effect) -> bool {
        match effect {
            Effect::Step => true,
            Effect::Expectation => {
                step.options
                    .iter()
                    .any(|option| matches!(option.arguments, ClauseArguments::Check(_)))
                    || step
                        .block
                        .as_ref()
                        .is_some_and(|block| self.block_has(block, effect))
            }
        }
    }

    pub(super) fn expr_calls(&self, expr: &Expr, effect: Effect) -> bool {
        let mut found = false;
        visit_expr(expr, &mut |node| {
            if let ExprKind::Call { callee, .. } = &node.kind
                && let Some(signature) = self.checker.lookup_function(callee)
            {
                found |= match effect {
                    Effect::Step => signature.has_step,
                    Effect::Expectation => signature.has_expectation,
                };
            }
        });
        found
    }
}
