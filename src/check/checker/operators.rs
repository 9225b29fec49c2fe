//! Unary and binary operators: which types compare, order and combine (the table of
//! docs/language.md, "Operators"), and the help when a bare number meets a unit.

use super::*;

impl<'c, 'a> BodyChecker<'c, 'a> {
    pub(super) fn binary(
        &mut self,
        operator: BinaryOperator,
        operator_span: Span,
        left: &Expr,
        right: &Expr,
    ) -> Type {
        let left_type = self.expr(left);
        let right_type = self.expr(right);
        let dynamic = left_type.is_dynamic() || right_type.is_dynamic();
        use BinaryOperator::*;
        match operator {
            Coalesce => {
                if left_type.is_dynamic() {
                    right_type
                } else {
                    left_type.join(&right_type)
                }
            }
            Or | And => {
                for (side, ty) in [(left, &left_type), (right, &right_type)] {
                    if !matches!(ty, Type::Bool | Type::Json | Type::Unknown) {
                        self.report(mismatch_plain(
                            codes::MISMATCHED_TYPES,
                            side.span,
                            &format!("`{}` joins conditions", operator.symbol()),
                            ty,
                        ));
                    }
                }
                Type::Bool
            }
            Equal | NotEqual => {
                if !dynamic && !comparable_for_equality(&left_type, &right_type) {
                    self.report_mismatch(
                        operator,
                        operator_span,
                        left,
                        &left_type,
                        right,
                        &right_type,
                    );
                }
                Type::Bool
            }
            Less | LessOrEqual | Greater | GreaterOrEqual => {
                if !dynamic && !ordered(&left_type, &right_type) {
                    self.report_mismatch(
                        operator,
                        operator_span,
                        left,
                        &left_type,
                        right,
                        &right_type,
                    );
                }
                Type::Bool
            }
            Contains | In => {
                let (container, container_type, item_type) = if operator == Contains {
                    (left, &left_type, &right_type)
                } else {
                    (right, &right_type, &left_type)
                };
                let fits = match container_type {
                    Type::String => item_type.fits(&Type::String),
                    Type::List(item) => {
                        item_type.is_dynamic() || comparable_for_equality(item, item_type)
                    }
                    Type::Map(_) | Type::Record(_) => item_type.fits(&Type::String),
                    ty if ty.is_dynamic() => true,
                    _ => false,
                };
                if !fits {
                    self.report(
                        Diagnostic::error(
                            codes::MISMATCHED_TYPES,
                            format!(
                                "`{}` cannot look for {} in {}",
                                operator.symbol(),
                                item_type.with_article(),
                                container_type.with_article()
                            ),
                            operator_span,
                            "mismatched types",
                        )
                        .with_label(
                            container.span,
                            format!("this is {}", container_type.with_article()),
                        ),
                    );
                }
                Type::Bool
            }
            StartsWith | EndsWith => {
                for (side, ty) in [(left, &left_type), (right, &right_type)] {
                    if !ty.fits(&Type::String) && !ty.fits(&Type::Bytes) {
                        self.report(mismatch_plain(
                            codes::MISMATCHED_TYPES,
                            side.span,
                            &format!("`{}` works on strings and bytes", operator.symbol()),
                            ty,
                        ));
                    }
                }
                Type::Bool
            }
            Matches => {
                for (side, ty) in [(left, &left_type), (right, &right_type)] {
                    if !ty.fits(&Type::String) {
                        self.report(mismatch_plain(
                            codes::MISMATCHED_TYPES,
                            side.span,
                            "`matches` works on strings",
                            ty,
                        ));
                    }
                }
                self.check_pattern(builtins::Syntax::Regex, right);
                Type::Bool
            }
            Conforms => {
                if !matches!(right_type, Type::Schema | Type::Json | Type::Unknown) {
                    self.report(
                        mismatch_plain(
                            codes::MISMATCHED_TYPES,
                            right.span,
                            "`conforms` takes a schema",
                            &right_type,
                        )
                        .with_help("write `x conforms schema(\"schemas/x.json\")`"),
                    );
                }
                Type::Bool
            }
            Add | Subtract | Multiply | Divide => {
                match arithmetic_type(operator, &left_type, &right_type) {
                    Some(ty) => ty,
                    None => {
                        let units = [Type::Duration, Type::Percent, Type::Size];
                        let code = if units.contains(&left_type) || units.contains(&right_type) {
                            codes::MISMATCHED_UNITS
                        } else {
                            codes::MISMATCHED_TYPES
                        };
                        let mut diagnostic = Diagnostic::error(
                            code,
                            format!(
                                "cannot apply `{}` to {} and {}",
                                operator.symbol(),
                                left_type.with_article(),
                                right_type.with_article()
                            ),
                            operator_span,
                            "mismatched operands",
                        )
                        .with_label(left.span, left_type.with_article())
                        .with_label(right.span, right_type.with_article());
                        if let Some(help) = unit_help(&left_type, right, &right_type, self) {
                            diagnostic = diagnostic.with_help(help);
                        }
                        self.report(diagnostic);
                        Type::Unknown
                    }
                }
            }
        }
    }

    pub(super) fn report_mismatch(
        &mut self,
        operator: BinaryOperator,
        operator_span: Span,
        left: &Expr,
        left_type: &Type,
        right: &Expr,
        right_type: &Type,
    ) {
        let units = [Type::Duration, Type::Percent, Type::Size];
        let code = if units.contains(left_type) || units.contains(right_type) {
            codes::MISMATCHED_UNITS
        } else {
            codes::MISMATCHED_TYPES
        };
        let left_text = self.source_text(left);
        let mut diagnostic = Diagnostic::error(
            code,
            format!(
                "`{}` compares {} with {}",
                operator.symbol(),
                left_type.with_article(),
                right_type.with_article()
            ),
            right.span,
            format!("this is {}", right_type.with_article()),
        )
        .with_label(left.span, format!("this is {}", left_type.with_article()));
        let _ = operator_span;
        if let Some(help) = unit_help(left_type, right, right_type, self) {
            diagnostic = diagnostic.with_help(help);
        } else if let ExprKind::String(string) = &right.kind
            && let Some(text) = string.as_plain_text()
            && left_type.is_numeric()
            && text.parse::<f64>().is_ok()
        {
            diagnostic = diagnostic.with_help(format!(
                "`{left_text}` is {}: write `{text}`",
                left_type.with_article()
            ));
        } else if left_type == &Type::String
            && matches!(right.kind, ExprKind::Int(_) | ExprKind::Float(_))
        {
            let right_text = self.source_text(right);
            diagnostic = diagnostic.with_help(format!(
                "`{left_text}` is a string: write `\"{right_text}\"`"
            ));
        }
        self.report(diagnostic);
    }
}

/// "write `200ms`", "write `99%`, not `0.99`".
pub(super) fn unit_help(
    left_type: &Type,
    right: &Expr,
    right_type: &Type,
    checker: &BodyChecker,
) -> Option<String> {
    let right_text = checker.source_text(right);
    match (left_type, right_type, &right.kind) {
        (Type::Duration, ty, ExprKind::Int(_) | ExprKind::Float(_)) if ty.is_numeric() => Some(
            format!("a duration needs its unit: write `{right_text}ms` or `{right_text}s`"),
        ),
        (Type::Size, ty, ExprKind::Int(_) | ExprKind::Float(_)) if ty.is_numeric() => {
            Some(format!(
                "a size needs its unit: write `{right_text}B`, `{right_text}KB` or `{right_text}MB`"
            ))
        }
        (Type::Percent, _, ExprKind::Float(value)) => Some(format!(
            "a percentage is written with `%`: write `{}`, not `{right_text}`",
            crate::units::literal_percent(*value)
        )),
        (Type::Percent, _, ExprKind::Int(value)) => Some(format!(
            "a percentage is written with `%`: write `{value}%`"
        )),
        _ => None,
    }
}

pub(super) fn comparable_for_equality(left: &Type, right: &Type) -> bool {
    if left.is_dynamic() || right.is_dynamic() {
        return true;
    }
    if left.is_numeric() && right.is_numeric() {
        return true;
    }
    match (left, right) {
        (Type::Null, _) | (_, Type::Null) => false,
        (Type::List(a), Type::List(b)) => comparable_for_equality(a, b),
        (a, b) if a.is_object() && b.is_object() => true,
        (a, b) => a == b,
    }
}

pub(super) fn ordered(left: &Type, right: &Type) -> bool {
    if left.is_numeric() && right.is_numeric() {
        return true;
    }
    matches!(
        (left, right),
        (Type::String, Type::String)
            | (Type::Duration, Type::Duration)
            | (Type::Size, Type::Size)
            | (Type::Percent, Type::Percent)
    )
}

/// The result of `+ - * /` (docs/language.md, "Operators"), `None` when the pair is an error.
pub(super) fn arithmetic_type(operator: BinaryOperator, left: &Type, right: &Type) -> Option<Type> {
    use BinaryOperator::*;
    if left.is_dynamic() || right.is_dynamic() {
        return Some(Type::Json);
    }
    let numeric = |ty: &Type| ty.is_numeric();
    let unit = |ty: &Type| matches!(ty, Type::Duration | Type::Size);
    match operator {
        Add | Subtract => match (left, right) {
            (Type::Int, Type::Int) => Some(Type::Int),
            (a, b) if numeric(a) && numeric(b) => Some(Type::Float),
            (a, b) if unit(a) && a == b => Some(a.clone()),
            (Type::Percent, Type::Percent) => Some(Type::Percent),
            (Type::String, Type::String) if operator == Add => Some(Type::String),
            (Type::List(a), Type::List(b)) if operator == Add => Some(Type::list(a.join(b))),
            _ => None,
        },
        Multiply => match (left, right) {
            (Type::Int, Type::Int) => Some(Type::Int),
            (a, b) if numeric(a) && numeric(b) => Some(Type::Float),
            (a, b) if unit(a) && numeric(b) => Some(a.clone()),
            (a, b) if numeric(a) && unit(b) => Some(b.clone()),
            (Type::Percent, Type::Percent) => Some(Type::Percent),
            (Type::Percent, other) | (other, Type::Percent) if numeric(other) || unit(other) => {
                Some(other.clone())
            }
            _ => None,
        },
        Divide => match (left, right) {
            (a, b) if numeric(a) && numeric(b) => Some(Type::Float),
            (a, b) if unit(a) && a == b => Some(Type::Float),
            (a, b) if unit(a) && numeric(b) => Some(a.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// True when every operand of a condition is a literal (`expect 1 == 1`).
pub(super) fn operands_are_literals(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Binary { left, right, .. } => {
            operands_are_literals(left) && operands_are_literals(right)
        }
        ExprKind::Unary { operand, .. } | ExprKind::Is { operand, .. } => {
            operands_are_literals(operand)
        }
        ExprKind::Exists(inner) | ExprKind::Paren(inner) => operands_are_literals(inner),
        _ => expr.is_literal(),
    }
}
