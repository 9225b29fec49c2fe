//! W0006: where `??` meets a comparison, `and`, `or`, `not`, `exists` or `is`
//! without parentheses. `??` binds tighter than comparisons (docs/language.md,
//! "Operators"); until it did, `x ?? "d" == "d"` read as `x ?? ("d" == "d")`. A
//! file written for the old reading changes meaning, so each such place is named
//! with both readings and the parentheses that make it explicit.

use super::*;

impl BodyChecker<'_, '_> {
    /// Warns when `expr` holds an unparenthesised `??` as a direct operand of an
    /// operator that used to bind tighter than it.
    pub(super) fn coalesce_precedence(&mut self, expr: &Expr) {
        let text =
            |this: &Self, expr: &Expr| this.checker.program.sources.text(expr.span).to_string();
        let (coalesce, now, before, operator) = match &expr.kind {
            ExprKind::Binary {
                operator,
                left,
                right,
                ..
            } if operator.is_comparison()
                || matches!(operator, BinaryOperator::And | BinaryOperator::Or) =>
            {
                let symbol = operator.symbol();
                if let Some((a, b)) = as_coalesce(left) {
                    (
                        left.as_ref(),
                        format!("({}) {symbol} {}", text(self, left), text(self, right)),
                        format!(
                            "{} ?? ({} {symbol} {})",
                            text(self, a),
                            text(self, b),
                            text(self, right)
                        ),
                        symbol,
                    )
                } else if let Some((a, b)) = as_coalesce(right) {
                    (
                        right.as_ref(),
                        format!("{} {symbol} ({})", text(self, left), text(self, right)),
                        format!(
                            "({} {symbol} {}) ?? {}",
                            text(self, left),
                            text(self, a),
                            text(self, b)
                        ),
                        symbol,
                    )
                } else {
                    return;
                }
            }
            ExprKind::Unary {
                operator: UnaryOperator::Not,
                operand,
            } => {
                let Some((a, b)) = as_coalesce(operand) else {
                    return;
                };
                (
                    operand.as_ref(),
                    format!("not ({})", text(self, operand)),
                    format!("(not {}) ?? {}", text(self, a), text(self, b)),
                    "not",
                )
            }
            ExprKind::Exists(operand) | ExprKind::Is { operand, .. } => {
                let Some((a, b)) = as_coalesce(operand) else {
                    return;
                };
                let suffix = text(self, expr)
                    .get(text(self, operand).len()..)
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                let word = if matches!(expr.kind, ExprKind::Exists(_)) {
                    "exists"
                } else {
                    "is"
                };
                (
                    operand.as_ref(),
                    format!("({}) {suffix}", text(self, operand)),
                    format!("{} ?? ({} {suffix})", text(self, a), text(self, b)),
                    word,
                )
            }
            _ => return,
        };
        self.report(
            Diagnostic::warning(
                codes::COALESCE_PRECEDENCE,
                format!("`??` binds tighter than `{operator}`: this reads as `{now}`"),
                coalesce.span,
                "`??` applies to this first",
            )
            .with_help(format!(
                "older versions of ritc read it as `{before}`; write the parentheses you mean: `{now}`"
            )),
        );
    }
}

/// The operands of an unparenthesised `a ?? b`.
fn as_coalesce(expr: &Expr) -> Option<(&Expr, &Expr)> {
    match &expr.kind {
        ExprKind::Binary {
            operator: BinaryOperator::Coalesce,
            left,
            right,
            ..
        } => Some((left, right)),
        _ => None,
    }
}
