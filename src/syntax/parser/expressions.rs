//! Lowering of expressions: operators folded by precedence with pest's
//! `PrattParser`, postfix members, indexes and calls, and literals (numbers with
//! their units, strings with interpolations and escapes). Part of the parser.

use super::{Lowerer, MAX_OPERATORS, Rule};
use crate::diagnostics::{Diagnostic, codes, did_you_mean};
use crate::source::span::Span;
use crate::syntax::ast::*;
use crate::syntax::literal::{self, NumberError, NumberLiteral};
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::LazyLock;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::op_or, Assoc::Left))
        .op(Op::infix(Rule::op_and, Assoc::Left))
        .op(Op::prefix(Rule::op_not))
        .op(Op::infix(Rule::op_eq, Assoc::Left)
            | Op::infix(Rule::op_ne, Assoc::Left)
            | Op::infix(Rule::op_lt, Assoc::Left)
            | Op::infix(Rule::op_le, Assoc::Left)
            | Op::infix(Rule::op_gt, Assoc::Left)
            | Op::infix(Rule::op_ge, Assoc::Left)
            | Op::infix(Rule::op_contains, Assoc::Left)
            | Op::infix(Rule::op_matches, Assoc::Left)
            | Op::infix(Rule::op_starts_with, Assoc::Left)
            | Op::infix(Rule::op_ends_with, Assoc::Left)
            | Op::infix(Rule::op_in, Assoc::Left)
            | Op::infix(Rule::op_conforms, Assoc::Left)
            | Op::postfix(Rule::op_exists)
            | Op::postfix(Rule::op_is))
        // `??` binds tighter than comparisons (as in Swift): `x ?? "d" == "d"` is
        // `(x ?? "d") == "d"`. The checker warns where the older reading, below
        // `or`, differed (W0006).
        .op(Op::infix(Rule::op_coalesce, Assoc::Right))
        .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
        .op(Op::infix(Rule::op_mul, Assoc::Left) | Op::infix(Rule::op_div, Assoc::Left))
        .op(Op::prefix(Rule::op_neg))
});

impl Lowerer {
    pub(super) fn expr(&self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        if pair.as_rule() != Rule::expr {
            self.unexpected(&pair);
            return self.missing(span, "an expression");
        }
        let operators = pair
            .clone()
            .into_inner()
            .filter(|part| !matches!(part.as_rule(), Rule::postfix_expr))
            .count();
        if operators > MAX_OPERATORS {
            self.report(
                Diagnostic::error(
                    codes::NESTING_TOO_DEEP,
                    "this expression is too long",
                    span,
                    format!("{operators} operators; at most {MAX_OPERATORS} are accepted"),
                )
                .with_help("split it with `let` into smaller expressions"),
            );
            return Expr {
                kind: ExprKind::Invalid,
                span,
            };
        }
        PRATT
            .map_primary(|primary| self.postfix_expr(primary))
            .map_prefix(|operator, operand| {
                let span = self.span(&operator).to(operand.span);
                let operator = if operator.as_rule() == Rule::op_not {
                    UnaryOperator::Not
                } else {
                    UnaryOperator::Negate
                };
                Expr {
                    kind: ExprKind::Unary {
                        operator,
                        operand: Box::new(operand),
                    },
                    span,
                }
            })
            .map_postfix(|operand, operator| {
                self.reject_chain(&operand, &operator);
                let span = operand.span.to(self.span(&operator));
                let kind = if operator.as_rule() == Rule::op_exists {
                    ExprKind::Exists(Box::new(operand))
                } else {
                    let type_name = operator
                        .clone()
                        .into_inner()
                        .nth(1)
                        .map(|word| self.ident(&word))
                        .unwrap_or_else(|| {
                            self.unexpected_shape(span, Rule::op_is);
                            Ident {
                                name: String::new(),
                                span,
                            }
                        });
                    ExprKind::Is {
                        operand: Box::new(operand),
                        type_name,
                    }
                };
                Expr { kind, span }
            })
            .map_infix(|left, operator, right| {
                let operator_span = self.span(&operator);
                let binary = match operator.as_rule() {
                    Rule::op_coalesce => BinaryOperator::Coalesce,
                    Rule::op_or => BinaryOperator::Or,
                    Rule::op_and => BinaryOperator::And,
                    Rule::op_eq => BinaryOperator::Equal,
                    Rule::op_ne => BinaryOperator::NotEqual,
                    Rule::op_lt => BinaryOperator::Less,
                    Rule::op_le => BinaryOperator::LessOrEqual,
                    Rule::op_gt => BinaryOperator::Greater,
                    Rule::op_ge => BinaryOperator::GreaterOrEqual,
                    Rule::op_contains => BinaryOperator::Contains,
                    Rule::op_matches => BinaryOperator::Matches,
                    Rule::op_starts_with => BinaryOperator::StartsWith,
                    Rule::op_ends_with => BinaryOperator::EndsWith,
                    Rule::op_in => BinaryOperator::In,
                    Rule::op_conforms => BinaryOperator::Conforms,
                    Rule::op_add => BinaryOperator::Add,
                    Rule::op_sub => BinaryOperator::Subtract,
                    Rule::op_mul => BinaryOperator::Multiply,
                    _ => BinaryOperator::Divide,
                };
                if binary.is_comparison() {
                    self.reject_chain(&left, &operator);
                }
                Expr {
                    span: left.span.to(right.span),
                    kind: ExprKind::Binary {
                        operator: binary,
                        operator_span,
                        left: Box::new(left),
                        right: Box::new(right),
                    },
                }
            })
            .parse(pair.into_inner())
    }

    /// `a < b < c`, `x exists exists`: comparisons are non-associative.
    pub(super) fn reject_chain(&self, left: &Expr, operator: &Pair<Rule>) {
        let chained = match &left.kind {
            ExprKind::Binary { operator, .. } => operator.is_comparison(),
            ExprKind::Is { .. } | ExprKind::Exists(_) => true,
            _ => false,
        };
        if chained {
            self.report(
                Diagnostic::error(
                    codes::CHAINED_COMPARISON,
                    "comparisons cannot be chained",
                    self.span(operator),
                    "this compares the result of the comparison before it",
                )
                .with_label(left.span, "this is already a comparison")
                .with_help(
                    "join two comparisons with `and`: `a < b and b < c`, or add parentheses",
                ),
            );
        }
    }

    pub(super) fn postfix_expr(&self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let Some(primary) = parts.next() else {
            return self.missing(span, "an expression");
        };
        let mut expr = self.primary(primary);
        let span = expr.span;
        for (count, postfix) in parts.enumerate() {
            let postfix_span = self.span(&postfix);
            // Each member, index and call nests the tree one level, and every pass
            // after this one recurses over it: a chain of them is bounded as the
            // operators are.
            if count == MAX_OPERATORS {
                self.report(
                    Diagnostic::error(
                        codes::NESTING_TOO_DEEP,
                        "this expression is too long",
                        span.to(postfix_span),
                        format!(
                            "more than {MAX_OPERATORS} members, indexes and calls in one chain"
                        ),
                    )
                    .with_help("split it with `let` into smaller expressions"),
                );
                return Expr {
                    kind: ExprKind::Invalid,
                    span,
                };
            }
            let rule = postfix.as_rule();
            let mut inner = postfix.into_inner();
            let kind = match (rule, inner.next()) {
                (Rule::member, Some(word)) => ExprKind::Member {
                    target: Box::new(expr),
                    name: self.ident(&word),
                },
                (Rule::index, Some(index)) => ExprKind::Index {
                    target: Box::new(expr),
                    index: Box::new(self.expr(index)),
                },
                (Rule::call_args, first) => {
                    let arguments = first
                        .into_iter()
                        .chain(inner)
                        .filter_map(|a| self.argument(a))
                        .collect();
                    ExprKind::Call {
                        callee: Box::new(expr),
                        arguments,
                    }
                }
                _ => return self.missing(postfix_span, "a field name, an index or call arguments"),
            };
            expr = Expr {
                kind,
                span: span.to(postfix_span),
            };
        }
        expr
    }

    pub(super) fn argument(&self, pair: Pair<Rule>) -> Option<Argument> {
        let span = self.span(&pair);
        let inner = self.expected(pair.into_inner().next(), span, Rule::argument)?;
        Some(match inner.as_rule() {
            Rule::named_argument => {
                let mut parts = inner.into_inner();
                let name = self.ident(&self.expected(parts.next(), span, Rule::named_argument)?);
                Argument {
                    name: Some(name),
                    value: self.expr(self.expected(parts.next(), span, Rule::named_argument)?),
                }
            }
            _ => Argument {
                name: None,
                value: self.expr(inner),
            },
        })
    }

    pub(super) fn primary(&self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::number => self.number(&pair, span),
            Rule::string | Rule::block_string => ExprKind::String(self.string(pair)),
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::kw_null => ExprKind::Null,
            Rule::list => ExprKind::List(pair.into_inner().map(|item| self.expr(item)).collect()),
            Rule::object => ExprKind::Object(
                pair.into_inner()
                    .filter_map(|entry| {
                        let entry_span = self.span(&entry);
                        let mut parts = entry.into_inner();
                        let key = self.expected(parts.next(), entry_span, Rule::object_entry)?;
                        let key_span = self.span(&key);
                        let key_text = if key.as_rule() == Rule::key_string {
                            self.plain_string(&key)
                        } else {
                            key.as_str().to_string()
                        };
                        Some(ObjectEntry {
                            key: key_text,
                            key_span,
                            value: self.expr(self.expected(
                                parts.next(),
                                entry_span,
                                Rule::object_entry,
                            )?),
                        })
                    })
                    .collect(),
            ),
            Rule::paren => match pair.into_inner().next() {
                Some(inner) => ExprKind::Paren(Box::new(self.expr(inner))),
                None => return self.missing(span, "an expression"),
            },
            Rule::name => ExprKind::Name(Ident {
                name: pair.as_str().to_string(),
                span,
            }),
            _ => {
                self.unexpected(&pair);
                ExprKind::Invalid
            }
        };
        Expr { kind, span }
    }

    pub(super) fn number(&self, pair: &Pair<Rule>, span: Span) -> ExprKind {
        match literal::parse_number(pair.as_str()) {
            Ok(NumberLiteral::Int(value)) => ExprKind::Int(value),
            Ok(NumberLiteral::Float(value)) => ExprKind::Float(value),
            Ok(NumberLiteral::Duration(value)) => ExprKind::Duration(value),
            Ok(NumberLiteral::Percent(value)) => ExprKind::Percent(value),
            Ok(NumberLiteral::Size(value)) => ExprKind::Size(value),
            Err(NumberError::UnknownUnit { unit, suggestion }) => {
                let number = &pair.as_str()[..pair.as_str().len() - unit.len()];
                let mut diagnostic = Diagnostic::error(
                    codes::UNKNOWN_UNIT,
                    format!("unknown unit `{unit}`"),
                    span,
                    "not a duration, size or percentage",
                );
                diagnostic = match suggestion.or_else(|| {
                    did_you_mean(
                        &unit,
                        literal::DURATION_UNITS
                            .iter()
                            .chain(literal::SIZE_UNITS)
                            .copied(),
                    )
                }) {
                    Some(unit) => diagnostic.with_help(format!("did you mean `{number}{unit}`?")),
                    None => diagnostic
                        .with_help("durations use ms s m h, sizes B KB MB GB, and percentages %"),
                };
                self.report(diagnostic);
                ExprKind::Invalid
            }
            Err(NumberError::OutOfRange) => {
                self.report(Diagnostic::error(
                    codes::NUMBER_OUT_OF_RANGE,
                    "number out of range",
                    span,
                    "does not fit in 64 bits",
                ));
                ExprKind::Invalid
            }
            Err(NumberError::PercentOver100) => {
                self.report(
                    Diagnostic::error(
                        codes::PERCENT_OVER_100,
                        "a percentage cannot exceed 100%",
                        span,
                        "over 100%",
                    )
                    .with_help("a percentage is a fraction from 0% to 100%"),
                );
                ExprKind::Invalid
            }
        }
    }

    /// An object key string: escapes resolved, never interpolated.
    pub(super) fn plain_string(&self, pair: &Pair<Rule>) -> String {
        let text = pair.as_str();
        let inner = text
            .get(1..text.len().saturating_sub(1))
            .unwrap_or_default();
        let mut result = String::new();
        let mut chars = inner.char_indices();
        while let Some((offset, c)) = chars.next() {
            if c == '\\' {
                let escaped = chars.next().map(|(_, e)| e).unwrap_or('\\');
                match literal::unescape(escaped) {
                    Some(resolved) => result.push(resolved),
                    None => self.invalid_escape(self.span(pair), offset + 1, escaped),
                }
            } else {
                result.push(c);
            }
        }
        result
    }

    pub(super) fn invalid_escape(&self, string_span: Span, offset: usize, escaped: char) {
        let start = string_span.start as usize + offset;
        self.report(
            Diagnostic::error(
                codes::INVALID_ESCAPE,
                format!("unknown escape `\\{escaped}`"),
                Span::new(self.file, start, start + 1 + escaped.len_utf8()),
                "not an escape ritc knows",
            )
            .with_help("escapes are \\n \\t \\\" \\\\ and \\{; write `\\\\` for a backslash"),
        );
    }

    pub(super) fn string(&self, pair: Pair<Rule>) -> StringLit {
        let span = self.span(&pair);
        let block = pair.as_rule() == Rule::block_string;
        // Escapes and interpolations are stood in for by one placeholder character
        // each, so that a block string is dedented on its source text alone.
        const PLACEHOLDER: char = '\u{F0000}';
        let mut raw = String::new();
        let mut pieces: Vec<StringPart> = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::string_text | Rule::block_string_text => raw.push_str(part.as_str()),
                Rule::escape => {
                    let escaped = part.as_str().chars().nth(1);
                    match escaped.and_then(literal::unescape) {
                        Some(resolved) => {
                            raw.push(PLACEHOLDER);
                            pieces.push(StringPart::Text(resolved.to_string()));
                        }
                        None => {
                            let part_span = self.span(&part);
                            self.invalid_escape(
                                Span::new(
                                    self.file,
                                    part_span.start as usize,
                                    part_span.end as usize,
                                ),
                                0,
                                escaped.unwrap_or(' '),
                            );
                        }
                    }
                }
                Rule::interpolation => {
                    let interpolation_span = self.span(&part);
                    let expr = match part.into_inner().next() {
                        Some(inner) => self.expr(inner),
                        None => self.missing(interpolation_span, "an expression inside `{{ }}`"),
                    };
                    raw.push(PLACEHOLDER);
                    pieces.push(StringPart::Interpolation(expr));
                }
                _ => self.unexpected(&part),
            }
        }
        let text = if block {
            literal::dedent_block(&raw)
        } else {
            raw
        };
        let mut parts: Vec<StringPart> = Vec::new();
        let mut pieces = pieces.into_iter();
        let mut current = String::new();
        for c in text.chars() {
            if c == PLACEHOLDER {
                match pieces.next() {
                    Some(StringPart::Text(resolved)) => current.push_str(&resolved),
                    Some(interpolation) => {
                        if !current.is_empty() {
                            parts.push(StringPart::Text(std::mem::take(&mut current)));
                        }
                        parts.push(interpolation);
                    }
                    None => {}
                }
            } else {
                current.push(c);
            }
        }
        if !current.is_empty() || parts.is_empty() {
            parts.push(StringPart::Text(current));
        }
        StringLit { parts, block, span }
    }
}
