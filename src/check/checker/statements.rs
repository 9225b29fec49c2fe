//! Statements: `let`, assignment, `if`, loops and retries, `return`, expectations
//! and conditions, and the scopes they open.

use super::*;

impl<'c, 'a> BodyChecker<'c, 'a> {
    pub(super) fn statement(&mut self, statement: &Statement) {
        match &statement.kind {
            StatementKind::Expect { condition, .. } => self.expectation(condition),
            StatementKind::Let {
                name,
                declared_type,
                value,
            } => {
                let declared = declared_type
                    .as_ref()
                    .map(|ty| self.checker.resolve_type(ty));
                let value_type = match value {
                    BindingValue::Expr(expr) => {
                        let ty = self.expr(expr);
                        self.after_calls(expr);
                        ty
                    }
                    BindingValue::Step(step) => {
                        if let Some((_, spec)) = steps::own_statement(step) {
                            self.report(
                                Diagnostic::error(
                                    codes::STATEMENT_NOT_ALLOWED,
                                    format!("`{}` gives no value to keep", spec.word),
                                    step.span,
                                    "a statement, not a step",
                                )
                                .with_help(format!("write `{}` on its own", spec.word)),
                            );
                        }
                        self.step(step)
                    }
                };
                let ty = match declared {
                    Some(declared) => {
                        if !value_type.fits(&declared) {
                            self.report(mismatch(
                                codes::ASSIGNMENT_TYPE,
                                value.span(),
                                &declared,
                                &value_type,
                                &format!(
                                    "`{}` is declared as {}",
                                    name.name,
                                    declared.with_article()
                                ),
                            ));
                        }
                        declared
                    }
                    None => value_type,
                };
                self.declare(&name.name, ty, LocalKind::Let, name.span);
            }
            StatementKind::Assign { name, value } => self.assignment(name, value),
            StatementKind::Step(step) => {
                self.step(step);
            }
            StatementKind::For {
                variable,
                iterable,
                body,
            } => {
                let iterable_type = self.expr(iterable);
                let item = match &iterable_type {
                    Type::List(item) => (**item).clone(),
                    ty if ty.is_dynamic() => Type::Json,
                    other => {
                        self.report(
                            Diagnostic::error(
                                codes::NOT_ITERABLE,
                                format!("`for` needs a list, not {}", other.with_article()),
                                iterable.span,
                                format!("this is {}", other.with_article()),
                            )
                            .with_help("write a list: `for x in [a, b] { … }`"),
                        );
                        Type::Unknown
                    }
                };
                let body_has_step = self.has_step(body);
                if body_has_step {
                    self.clear_fields(NoFieldsReason::NoStep);
                }
                self.push_scope();
                self.declare(&variable.name, item, LocalKind::LoopVariable, variable.span);
                self.block_statements(body);
                self.pop_scope();
                if body_has_step {
                    self.clear_fields(NoFieldsReason::InsideLoop);
                }
            }
            StatementKind::If {
                condition,
                then_block,
                else_branch,
            } => self.if_statement(condition, then_block, else_branch.as_ref()),
            StatementKind::Eventually {
                within,
                every,
                body,
            } => {
                self.expect_type(within, &Type::Duration, "`within`");
                self.expect_type(every, &Type::Duration, "`every`");
                self.constant_limit("within", within);
                self.repeated_block(body);
            }
            StatementKind::Retry {
                attempts,
                every,
                body,
            } => {
                self.expect_type(attempts, &Type::Int, "`retry`");
                self.constant_limit("retry", attempts);
                if let Some(every) = every {
                    self.expect_type(every, &Type::Duration, "`every`");
                }
                self.repeated_block(body);
            }
            StatementKind::Return(value) => self.return_statement(statement.span, value.as_ref()),
            StatementKind::Skip(reason) => self.skip_statement(statement.span, reason),
            StatementKind::Send(value) => {
                self.require_block(statement.span, "send");
                self.expr(value);
                self.raw_text_body(value, None);
            }
            StatementKind::Receive { until, timeout } => {
                self.require_block(statement.span, "receive");
                if let Some(timeout) = timeout {
                    self.expect_type(timeout, &Type::Duration, "`timeout`");
                    self.constant_limit("timeout", timeout);
                }
                if let Some(schema) = steps::schema_for("ws") {
                    self.set_fields(schema, None, statement.span);
                }
                if let Some(until) = until {
                    self.condition(until, "`until`");
                }
            }
            StatementKind::Close(code) => {
                self.require_block(statement.span, "close");
                if let Some(code) = code {
                    self.expect_type(code, &Type::Int, "a close code");
                    self.constant_limit("close", code);
                }
            }
            StatementKind::Call(expr) => {
                if !matches!(expr.kind, ExprKind::Call { .. }) {
                    self.report(
                        Diagnostic::error(
                            codes::STATEMENT_NOT_ALLOWED,
                            "this value is not used",
                            expr.span,
                            "a value on its own",
                        )
                        .with_help("only calls stand alone; to check a value write `expect …`"),
                    );
                }
                self.expr(expr);
                self.after_calls(expr);
            }
        }
    }

    /// After a statement that calls a `fn` that performs a step, no fields remain.
    pub(super) fn after_calls(&mut self, expr: &Expr) {
        if Effects::new(self.checker).expr_calls(expr, Effect::Step) {
            self.clear_fields(NoFieldsReason::AfterCall);
        }
    }

    /// A kind's own statement (`send`, a statement `StepKind::statements()`
    /// declares) stands only inside the block of a step of its kind.
    pub(super) fn require_block(&mut self, span: Span, word: &str) {
        let Some((owner, _)) = steps::statement_owner(word) else {
            return;
        };
        let kind = owner.name();
        if self.block_kinds.contains(&kind) {
            return;
        }
        self.report(
            Diagnostic::error(
                codes::STATEMENT_OUTSIDE_ITS_BLOCK,
                format!("`{word}` is used outside a `{kind}` block"),
                span,
                format!("not inside the block of a `{kind}` step"),
            )
            .with_help(format!(
                "`{word}` belongs to `{kind}` steps: write it inside the `{{ … }}` of one"
            )),
        );
    }

    /// `skip "why"`: a text reason, in a test's body outside the blocks of
    /// steps (a kind runs its block and would have to tell a skip from a
    /// failure; a `fn`, `setup` or `teardown` has no test to skip).
    pub(super) fn skip_statement(&mut self, span: Span, reason: &Expr) {
        self.expect_type(reason, &Type::String, "`skip`'s reason");
        let (label, help) = if !self.in_test {
            (
                "not in a test's body".to_string(),
                "`skip` ends a test; in a `fn`, return a value the test can check with `if`",
            )
        } else if let Some(kind) = self.block_kinds.last() {
            (
                format!("inside the block of a `{kind}` step"),
                "write the `skip` before the step, in the test's own statements",
            )
        } else {
            return;
        };
        self.report(
            Diagnostic::error(
                codes::SKIP_OUTSIDE_TEST,
                "`skip` outside a test's body",
                span,
                label,
            )
            .with_help(help),
        );
    }

    pub(super) fn return_statement(&mut self, span: Span, value: Option<&Expr>) {
        let Some(returns) = self.function_returns.clone() else {
            self.report(
                Diagnostic::error(
                    codes::RETURN_OUTSIDE_FN,
                    "`return` outside a function",
                    span,
                    "not in a `fn`",
                )
                .with_help("a test ends after its last statement; remove the `return`"),
            );
            if let Some(value) = value {
                self.expr(value);
            }
            return;
        };
        match (value, returns) {
            (Some(value), Some(expected)) => {
                let ty = self.expr(value);
                if !ty.fits(&expected) {
                    self.report(mismatch(
                        codes::RETURN_TYPE,
                        value.span,
                        &expected,
                        &ty,
                        &format!("the function returns {}", expected.with_article()),
                    ));
                }
            }
            (Some(value), None) => {
                self.expr(value);
                self.report(
                    Diagnostic::error(
                        codes::RETURN_TYPE,
                        "this function does not declare a return type",
                        value.span,
                        "a value is returned here",
                    )
                    .with_help("declare it after the parameters: `fn name(…) -> string { … }`"),
                );
            }
            (None, Some(expected)) => self.report(Diagnostic::error(
                codes::RETURN_TYPE,
                format!("this function must return {}", expected.with_article()),
                span,
                "returns nothing",
            )),
            (None, None) => {}
        }
    }

    pub(super) fn if_statement(
        &mut self,
        condition: &Expr,
        then_block: &Block,
        else_branch: Option<&ElseBranch>,
    ) {
        self.condition(condition, "`if`");
        let before = self.snapshot_fields();
        let mut any_step = self.has_step(then_block);
        self.block_in_new_scope(then_block);
        self.restore_fields(&before);
        match else_branch {
            Some(ElseBranch::Block(block)) => {
                any_step |= self.has_step(block);
                self.block_in_new_scope(block);
            }
            Some(ElseBranch::If(statement)) => {
                any_step |= Effects::new(self.checker).statement_has(statement, Effect::Step);
                self.push_scope();
                self.statement(statement);
                self.pop_scope();
            }
            None => {}
        }
        if any_step {
            self.clear_fields(NoFieldsReason::InsideIf);
        } else {
            self.restore_fields(&before);
        }
    }

    /// `eventually` and `retry`: fields at the start are those before the block if
    /// it has no step; after it, those at the end of its body.
    pub(super) fn repeated_block(&mut self, body: &Block) {
        if self.has_step(body) {
            self.clear_fields(NoFieldsReason::NoStep);
        }
        self.push_scope();
        self.block_statements(body);
        let scope = self.pop_scope();
        let fields: Vec<Local> = scope
            .into_iter()
            .filter(|local| local.kind == LocalKind::Field)
            .collect();
        if let Some(outer) = self.scopes.last_mut() {
            outer.extend(fields);
        }
    }

    pub(super) fn assignment(&mut self, name: &Ident, value: &Expr) {
        let value_type = self.expr(value);
        self.after_calls(value);
        let target = self
            .scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|local| local.name == name.name && local.kind != LocalKind::Field)
            .map(|local| (local.kind, local.ty.clone(), local.span));
        match target {
            Some((_, _, definition)) => {
                let resolved = Resolved::Local { definition };
                self.checker.names.insert(name.span, resolved);
            }
            None => self.checker.names.insert(name.span, Resolved::Global),
        }
        let (kind_words, ty) = match target {
            Some((LocalKind::Let, ty, _)) => (None, ty),
            Some((LocalKind::Parameter, _, _)) => (Some("a function parameter"), Type::Unknown),
            Some((LocalKind::LoopVariable, _, _)) => (Some("a loop variable"), Type::Unknown),
            Some((LocalKind::Field, _, _)) => (Some("a step's field"), Type::Unknown),
            None => match self.checker.globals.get(&name.name) {
                Some(Global {
                    kind: GlobalKind::Binding { kind, ty, .. },
                    ..
                }) => match kind {
                    BindingKind::Let => (None, ty.clone()),
                    BindingKind::Param => (Some("a `param`"), Type::Unknown),
                    BindingKind::Secret => (Some("a `secret`"), Type::Unknown),
                },
                Some(Global {
                    kind: GlobalKind::Fn(_),
                    ..
                }) => (Some("a function"), Type::Unknown),
                Some(_) => (Some("not a variable"), Type::Unknown),
                None => {
                    let is_field = steps::all_result_fields()
                        .iter()
                        .any(|(field, _)| *field == name.name);
                    let words = if is_field {
                        Some("a step's field")
                    } else {
                        None
                    };
                    if words.is_none() {
                        self.report(
                            Diagnostic::error(
                                codes::INVALID_ASSIGNMENT,
                                format!("`{}` is not declared", name.name),
                                name.span,
                                "assigned before any `let`",
                            )
                            .with_help(format!("declare it first: `let {} = …`", name.name)),
                        );
                        return;
                    }
                    (words, Type::Unknown)
                }
            },
        };
        if let Some(words) = kind_words {
            self.report(
                Diagnostic::error(
                    codes::INVALID_ASSIGNMENT,
                    format!("cannot assign to `{}`", name.name),
                    name.span,
                    format!("`{}` is {words}", name.name),
                )
                .with_help(format!(
                    "declare a new name instead: `let {} = …`",
                    name.name
                )),
            );
            return;
        }
        if !value_type.fits(&ty) {
            self.report(mismatch(
                codes::ASSIGNMENT_TYPE,
                value.span,
                &ty,
                &value_type,
                &format!("`{}` holds {}", name.name, ty.with_article()),
            ));
        }
    }

    pub(super) fn expectation(&mut self, condition: &Expr) {
        self.condition(condition, "`expect`");
        self.after_calls(condition);
        if operands_are_literals(condition) {
            self.report(
                Diagnostic::warning(
                    codes::LITERAL_EXPECTATION,
                    "this expectation compares literals only",
                    condition.span,
                    "its outcome is known before anything runs",
                )
                .with_help("compare a field, a captured value or a call with the literal"),
            );
        }
    }

    pub(super) fn condition(&mut self, condition: &Expr, what: &str) {
        let ty = self.expr(condition);
        if !matches!(ty, Type::Bool | Type::Json | Type::Unknown) {
            self.report(
                Diagnostic::error(
                    codes::NOT_A_CONDITION,
                    format!("{what} needs a condition, not {}", ty.with_article()),
                    condition.span,
                    format!("this is {}", ty.with_article()),
                )
                .with_help("compare it: `x == …`, `x exists`, `x is string`"),
            );
        }
    }

    // ------------------------------------------------------------ steps
}

/// Whether every way through `block` ends in a `return` (or in a failure): the
/// rule for a function with a declared return type (E0319). An `if` returns when
/// both branches do; a loop may run zero times; `retry` and `eventually` run their
/// body until it completes, so they return when it does.
pub(super) fn always_returns(block: &Block) -> bool {
    block.statements.iter().any(statement_returns)
}

fn statement_returns(statement: &Statement) -> bool {
    match &statement.kind {
        // A `skip` in a `fn` is refused (E0213); it is not also a missing return.
        StatementKind::Return(_) | StatementKind::Skip(_) => true,
        StatementKind::If {
            then_block,
            else_branch,
            ..
        } => {
            always_returns(then_block)
                && match else_branch {
                    Some(ElseBranch::Block(block)) => always_returns(block),
                    Some(ElseBranch::If(statement)) => statement_returns(statement),
                    None => false,
                }
        }
        StatementKind::Eventually { body, .. } | StatementKind::Retry { body, .. } => {
            always_returns(body)
        }
        StatementKind::Expect { .. }
        | StatementKind::Let { .. }
        | StatementKind::Assign { .. }
        | StatementKind::Step(_)
        | StatementKind::For { .. }
        | StatementKind::Send(_)
        | StatementKind::Receive { .. }
        | StatementKind::Close(_)
        | StatementKind::Call(_) => false,
    }
}
