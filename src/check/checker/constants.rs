//! Constants checked before anything runs (issue 17, 3): an option, clause,
//! attribute or statement part given a literal is held to the limit the runtime
//! applies (`steps::limits`, one table for both, E0413); duplicate keys in an object
//! literal (E0321); a conversion of a constant string that cannot succeed and a
//! division by a constant zero (E0322).

use super::*;
use crate::steps::limits::{self, Constant};

impl BodyChecker<'_, '_> {
    /// Holds a constant given to `name` to its limit, if `name` has one.
    pub(super) fn constant_limit(&mut self, name: &str, value: &Expr) {
        let Some(constant) = constant_of(value) else {
            return;
        };
        if let Err(message) = limits::check(name, constant) {
            self.report(
                Diagnostic::error(
                    codes::VALUE_OUT_OF_RANGE,
                    message,
                    value.span,
                    "this value is refused when the test runs",
                )
                .with_help(match limits::limit_of(name) {
                    Some(limits::Limit::CloseCode) => {
                        "close normally with `close 1000`, or an application code from 4000"
                            .to_string()
                    }
                    Some(limits::Limit::PositiveDuration) => {
                        format!("give `{name}` a duration such as `5s`")
                    }
                    _ => format!("give `{name}` a value in range"),
                }),
            );
        }
    }

    /// The same key twice in `{ … }`: the second would silently win.
    pub(super) fn duplicate_keys(&mut self, entries: &[ObjectEntry]) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for entry in entries {
            if let Some(first) = seen.insert(entry.key.as_str(), entry.key_span) {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE_KEY,
                        format!("the key `{}` is given twice", entry.key),
                        entry.key_span,
                        "given again here",
                    )
                    .with_label(first, "first given here")
                    .with_help("keep one of them"),
                );
            }
        }
    }

    /// `int("abc")`, `float("x")` and `x / 0` on constants: errors the run would
    /// meet every time.
    pub(super) fn constant_operation(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Binary {
                operator: BinaryOperator::Divide,
                right,
                ..
            } if is_zero(right) => self.report(
                Diagnostic::error(
                    codes::CONSTANT_FAILS,
                    "division by zero",
                    right.span,
                    "this is zero",
                )
                .with_help("divide by a value that cannot be zero"),
            ),
            ExprKind::Call { callee, arguments } => {
                let ExprKind::Name(function) = &callee.kind else {
                    return;
                };
                let [argument] = arguments.as_slice() else {
                    return;
                };
                let ExprKind::String(text) = &argument.value.kind else {
                    return;
                };
                let Some(text) = text.as_plain_text() else {
                    return;
                };
                if !matches!(function.name.as_str(), "int" | "float") {
                    return;
                }
                let converted = builtins::number_of_text(&function.name, &text);
                if let Err(message) = converted {
                    self.report(
                        Diagnostic::error(
                            codes::CONSTANT_FAILS,
                            format!("`{}` cannot succeed", self.source_text(expr)),
                            argument.value.span,
                            message,
                        )
                        .with_help("write the number itself"),
                    );
                }
            }
            _ => {}
        }
    }
}

/// The constant an expression is, when it is a literal int or duration (or one
/// negated, or in parentheses).
fn constant_of(expr: &Expr) -> Option<Constant> {
    match &expr.kind {
        ExprKind::Int(int) => Some(Constant::Int(*int)),
        ExprKind::Duration(length) => Some(Constant::Duration {
            length: *length,
            negative: false,
        }),
        ExprKind::Paren(inner) => constant_of(inner),
        ExprKind::Unary {
            operator: UnaryOperator::Negate,
            operand,
        } => match constant_of(operand)? {
            Constant::Int(int) => Some(Constant::Int(int.checked_neg()?)),
            Constant::Duration { length, negative } => Some(Constant::Duration {
                length,
                negative: !negative && !length.is_zero(),
            }),
        },
        _ => None,
    }
}

fn is_zero(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Int(int) => *int == 0,
        ExprKind::Float(float) => *float == 0.0,
        ExprKind::Paren(inner) => is_zero(inner),
        ExprKind::Unary {
            operator: UnaryOperator::Negate,
            operand,
        } => is_zero(operand),
        _ => false,
    }
}
