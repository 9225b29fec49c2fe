//! Walks over the untyped AST, for every phase that reads it (the checker, the
//! planner): `visit_expr`, every expression node of an expression. Knows only
//! `ast`; must not import `check`, `plan` or `run`.

use super::ast::{Expr, ExprKind};

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
