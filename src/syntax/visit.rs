//! Walks over the untyped AST, for every phase that reads it (the checker, the
//! planner): `visit_expr`, every expression node of an expression;
//! `visit_file`, every expression node of a file. Knows only `ast`; must not
//! import `check`, `plan` or `run`.

use super::ast::*;

/// Calls `f` on every expression node, interpolations included.
pub fn visit_expr(expr: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(expr);
    match &expr.kind {
        ExprKind::String(string) => string
            .interpolations()
            .for_each(|inner| visit_expr(inner, f)),
        ExprKind::List(items) => items.iter().for_each(|item| visit_expr(item, f)),
        ExprKind::Object(entries) => entries.iter().for_each(|entry| visit_expr(&entry.value, f)),
        ExprKind::Member { target, .. } => visit_expr(target, f),
        ExprKind::Index { target, index } => {
            visit_expr(target, f);
            visit_expr(index, f);
        }
        ExprKind::Call { callee, arguments } => {
            visit_expr(callee, f);
            arguments
                .iter()
                .for_each(|argument| visit_expr(&argument.value, f));
        }
        ExprKind::Unary { operand, .. } | ExprKind::Is { operand, .. } => visit_expr(operand, f),
        ExprKind::Exists(inner) | ExprKind::Paren(inner) => visit_expr(inner, f),
        ExprKind::Binary { left, right, .. } => {
            visit_expr(left, f);
            visit_expr(right, f);
        }
        _ => {}
    }
}

/// Calls `f` on every expression node of a file: values, steps (targets,
/// commands, clauses, options, blocks), statements, attributes, services.
pub fn visit_file(file: &SourceFile, f: &mut dyn FnMut(&Expr)) {
    for item in &file.items {
        match item {
            Item::Suite(_) | Item::Import(_) => {}
            Item::Binding(binding) => {
                if let Some(value) = &binding.value {
                    visit_binding_value(value, f);
                }
            }
            Item::Fn(function) => visit_block(&function.body, f),
            Item::Service(service) => {
                visit_expr(&service.command, f);
                visit_clauses(&service.options, f);
            }
            Item::Setup(block) | Item::Teardown(block) => visit_block(block, f),
            Item::Defaults(defaults) => visit_clauses(&defaults.options, f),
            Item::Test(test) => visit_test(test, f),
            Item::Checkpoint(checkpoint) => {
                if let Some(stage) = &checkpoint.stage {
                    visit_expr(stage, f);
                }
                checkpoint.tests.iter().for_each(|test| visit_test(test, f));
            }
        }
    }
}

fn visit_test(test: &TestDef, f: &mut dyn FnMut(&Expr)) {
    for attribute in &test.attributes {
        attribute
            .value
            .iter()
            .for_each(|value| visit_expr(value, f));
        attribute
            .every
            .iter()
            .for_each(|every| visit_expr(every, f));
    }
    visit_block(&test.body, f);
}

fn visit_binding_value(value: &BindingValue, f: &mut dyn FnMut(&Expr)) {
    match value {
        BindingValue::Expr(expr) => visit_expr(expr, f),
        BindingValue::Step(step) => visit_step(step, f),
    }
}

fn visit_step(step: &Step, f: &mut dyn FnMut(&Expr)) {
    visit_expr(&step.target, f);
    if let Some(command) = &step.command {
        command
            .interpolations()
            .for_each(|inner| visit_expr(inner, f));
    }
    visit_clauses(&step.clauses, f);
    visit_clauses(&step.options, f);
    if let Some(block) = &step.block {
        visit_block(block, f);
    }
}

fn visit_clauses(clauses: &[Clause], f: &mut dyn FnMut(&Expr)) {
    for clause in clauses {
        match &clause.arguments {
            ClauseArguments::None => {}
            ClauseArguments::Value(value) => visit_expr(value, f),
            ClauseArguments::Rate { count, period } => {
                visit_expr(count, f);
                visit_expr(period, f);
            }
            ClauseArguments::Ramp { from, to, over } => {
                visit_expr(from, f);
                visit_expr(to, f);
                visit_expr(over, f);
            }
            ClauseArguments::Check(conditions) => {
                conditions
                    .iter()
                    .for_each(|condition| visit_expr(condition, f));
            }
            ClauseArguments::Stages(stages) => {
                for stage in stages {
                    visit_expr(&stage.over, f);
                    visit_expr(&stage.level, f);
                }
            }
            ClauseArguments::Abort { condition, after } => {
                visit_expr(condition, f);
                after.iter().for_each(|after| visit_expr(after, f));
            }
            ClauseArguments::Ready { target, within, .. } => {
                visit_expr(target, f);
                within.iter().for_each(|within| visit_expr(within, f));
            }
        }
    }
}

fn visit_block(block: &Block, f: &mut dyn FnMut(&Expr)) {
    block
        .statements
        .iter()
        .for_each(|statement| visit_statement(statement, f));
}

fn visit_statement(statement: &Statement, f: &mut dyn FnMut(&Expr)) {
    match &statement.kind {
        StatementKind::Expect { condition, .. } => visit_expr(condition, f),
        StatementKind::Let { value, .. } => visit_binding_value(value, f),
        StatementKind::Assign { value, .. }
        | StatementKind::Send(value)
        | StatementKind::Call(value) => visit_expr(value, f),
        StatementKind::Step(step) => visit_step(step, f),
        StatementKind::For { iterable, body, .. } => {
            visit_expr(iterable, f);
            visit_block(body, f);
        }
        StatementKind::If {
            condition,
            then_block,
            else_branch,
        } => {
            visit_expr(condition, f);
            visit_block(then_block, f);
            match else_branch {
                Some(ElseBranch::If(statement)) => visit_statement(statement, f),
                Some(ElseBranch::Block(block)) => visit_block(block, f),
                None => {}
            }
        }
        StatementKind::Eventually {
            within,
            every,
            body,
        } => {
            visit_expr(within, f);
            visit_expr(every, f);
            visit_block(body, f);
        }
        StatementKind::Retry {
            attempts,
            every,
            body,
        } => {
            visit_expr(attempts, f);
            every.iter().for_each(|every| visit_expr(every, f));
            visit_block(body, f);
        }
        StatementKind::Return(value) | StatementKind::Close(value) => {
            value.iter().for_each(|value| visit_expr(value, f));
        }
        StatementKind::Skip(reason) => visit_expr(reason, f),
        StatementKind::Receive { until, timeout } => {
            until.iter().for_each(|until| visit_expr(until, f));
            timeout.iter().for_each(|timeout| visit_expr(timeout, f));
        }
    }
}
