//! Evaluating plan expressions to values, synchronously. Calls of user functions
//! (which may perform steps) are run by the interpreter first and handed in as
//! results, so that this stays plain code usable anywhere, including inside a
//! `load` check on every response. Only the calls that evaluation will reach are
//! made: `and`, `or` and `??` decide on their left side first
//! ([`Evaluator::short_circuit`]).

use super::functions::{self, FunctionContext};
use super::outcome::{Cause, Failure, FailureKind};
use crate::plan::{BinaryOperator, Callee, Expr, ExprKind, Literal, Slot, Template, TemplatePart};
use crate::source::source_map::SourceMap;
use crate::steps::exec::{CommandPart, FieldError, JsonKey};
use crate::value::Value;
use crate::value::{self, Affix, ArithOp, EvalError, Read};
use std::collections::HashMap;

/// Where the names of a plan are read, each already resolved by the planner
/// (`plan::Slot`, a field's name, a module's global): no search by name happens
/// here. Values are lent, so that a path clones only what it ends on.
pub trait Names {
    /// A local of the running body; `None` before its `let` ran.
    fn local(&self, slot: Slot) -> Option<&Value>;
    /// A field of the last step: `None` when it has none of that name, `Some(Err)`
    /// for one that cannot be read (a `json` of a body that is not JSON).
    fn field(&self, name: &str) -> Option<Result<&Value, &FieldError>>;
    /// A top-level value of `module`.
    fn global(&self, module: usize, name: &str) -> Option<&Value>;
    /// The value at `path` inside the field `name` (a body's `json`), when it can
    /// be read without building the field whole and is there (`JsonBody::at`);
    /// `None` sends the reader to [`Names::field`], whose answer it always is.
    fn field_at(&self, _name: &str, _path: &[JsonKey]) -> Option<serde_json::Value> {
        None
    }
}

/// A path read: lent by the names, made (by a call, an operator), or missing.
enum Found<'a> {
    Lent(Read<'a>),
    Made(Value),
    Missing,
}

/// How `{{ }}` is written into a template.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TextContext {
    Plain,
    /// Each value one single-quoted shell word.
    Shell,
    /// Each value percent-encoded for its part of the URL.
    Url,
}

pub struct Evaluator<'a> {
    pub names: &'a dyn Names,
    pub sources: &'a SourceMap,
    pub functions: &'a FunctionContext<'a>,
    /// Results of user-function calls, by the address of their call expression,
    /// and the left operands of `and`/`or`/`??` whose right side holds such a call
    /// (see [`Evaluator::short_circuit`]).
    pub call_results: &'a HashMap<usize, Value>,
}

/// The verdict of an expectation, with the operands it read when it did not hold.
pub struct Verdict {
    pub held: bool,
    pub actual: Vec<(String, String)>,
    pub detail: Option<String>,
}

/// The left operand of `and`, `or` or `??`, and the result when it decides alone
/// (`None`: the right side is evaluated).
pub struct ShortCircuit {
    pub left: Value,
    pub result: Option<Value>,
}

pub fn expr_key(expr: &Expr) -> usize {
    expr as *const Expr as usize
}

impl<'a> Evaluator<'a> {
    fn source(&self, expr: &Expr) -> String {
        self.sources.text(expr.span).to_string()
    }

    fn fail(&self, expr: &Expr, message: impl Into<String>) -> Box<Failure> {
        self.fail_because(expr, Cause::EvaluationError, message)
    }

    fn fail_because(&self, expr: &Expr, cause: Cause, message: impl Into<String>) -> Box<Failure> {
        Box::new(Failure::new(FailureKind::Evaluation, expr.span, message).because(cause))
    }

    fn eval_error(&self, expr: &Expr, error: EvalError) -> Box<Failure> {
        self.fail(expr, format!("`{}`: {}", self.source(expr), error.0))
    }

    /// The value of `expr`; a missing path is a failure.
    pub fn value(&self, expr: &Expr) -> Result<Value, Box<Failure>> {
        match self.path(expr)? {
            Some(value) => Ok(value),
            None => Err(self.fail_because(
                expr,
                Cause::MissingValue,
                format!("`{}` is missing", self.source(expr)),
            )),
        }
    }

    /// The value of `expr`, or `None` when it is a path that does not resolve.
    pub fn path(&self, expr: &Expr) -> Result<Option<Value>, Box<Failure>> {
        Ok(Some(match &expr.kind {
            ExprKind::Literal(literal) => match literal {
                Literal::Int(value) => Value::Int(*value),
                Literal::Float(value) => Value::Float(*value),
                Literal::Duration(value) => Value::Duration(*value),
                Literal::Percent(value) => Value::Percent(*value),
                Literal::Size(value) => Value::Size(*value),
                Literal::Bool(value) => Value::Bool(*value),
                Literal::Null => Value::Null,
            },
            ExprKind::String(template) => {
                Value::String(self.template(template, TextContext::Plain)?)
            }
            ExprKind::List(items) => Value::List(
                items
                    .iter()
                    .map(|item| self.value(item))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(key, value)| Ok((key.clone(), self.value(value)?)))
                    .collect::<Result<_, Box<Failure>>>()?,
            ),
            ExprKind::Local { .. }
            | ExprKind::Field(_)
            | ExprKind::Global { .. }
            | ExprKind::Member(..)
            | ExprKind::Index(..) => {
                return Ok(match self.read(expr, false)? {
                    Found::Lent(read) => Some(read.to_value()),
                    Found::Made(value) => Some(value),
                    Found::Missing => None,
                });
            }
            ExprKind::Service(name) => Value::Service(name.as_str().into()),
            ExprKind::Call {
                callee,
                positional,
                named,
            } => match callee {
                Callee::Function { .. } => match self.call_results.get(&expr_key(expr)) {
                    Some(value) => value.clone(),
                    None => return Err(self.fail(expr, "this call was not made (internal error)")),
                },
                Callee::Core(name) => {
                    let positional = positional
                        .iter()
                        .map(|argument| self.value(argument))
                        .collect::<Result<Vec<_>, _>>()?;
                    let named = named
                        .iter()
                        .map(|(name, argument)| Ok((name.clone(), self.value(argument)?)))
                        .collect::<Result<Vec<_>, Box<Failure>>>()?;
                    let result = functions::call(name, positional, named, self.functions).map_err(
                        |error| {
                            let mut failure = self.eval_error(expr, error);
                            // `json(text)` of text that is not JSON.
                            if crate::builtins::lookup(name).map(|builtin| builtin.id)
                                == Some(crate::builtins::BuiltinId::Json)
                            {
                                failure.cause = Cause::NotJson;
                            }
                            failure
                        },
                    )?;
                    // `collapse([])` is missing, as a path that does not resolve.
                    return Ok(result);
                }
            },
            ExprKind::Not(operand) => {
                let value = self.value(operand)?;
                Value::Bool(
                    !value::truthy(&value).map_err(|error| self.eval_error(operand, error))?,
                )
            }
            ExprKind::Negate(operand) => {
                let value = self.value(operand)?;
                value::arithmetic(ArithOp::Multiply, &value, &Value::Int(-1))
                    .map_err(|error| self.eval_error(expr, error))?
            }
            ExprKind::Binary {
                operator,
                left,
                right,
            } => return self.binary(expr, *operator, left, right).map(Some),
            ExprKind::Is(operand, test) => {
                let value = self.value(operand)?;
                Value::Bool(test.is_some_and(|test| value::is_type(&value, test)))
            }
            ExprKind::Exists(operand) => Value::Bool(self.absent_or_path(operand)?.is_some()),
        }))
    }

    /// A path as `exists` and `??` read it: like [`Evaluator::path`], but a field
    /// that cannot be read (the `json` of an empty body or one that is not JSON) is
    /// absent rather than a failure (docs/language.md, "Evaluation").
    fn absent_or_path(&self, expr: &Expr) -> Result<Option<Value>, Box<Failure>> {
        Ok(match self.read(expr, true)? {
            Found::Lent(read) => Some(read.to_value()),
            Found::Made(value) => Some(value),
            Found::Missing => None,
        })
    }

    /// A path (a name, `.name`, `[i]`) read in place: names lend their values and
    /// each step borrows a part, so `json[0].sku` clones one string rather than
    /// the body. `lenient`: a field that cannot be read is missing, not a failure
    /// (see [`Evaluator::absent_or_path`]). Anything else is evaluated.
    fn read(&self, expr: &Expr, lenient: bool) -> Result<Found<'a>, Box<Failure>> {
        if let Some(found) = self.field_path(expr) {
            return Ok(Found::Made(Value::Json(found)));
        }
        self.read_in_place(expr, lenient)
    }

    /// A path into a field of only names and constant indexes (`json[0].sku`),
    /// read where the field can answer it without being made whole
    /// ([`Names::field_at`]); `None` (the path has another form, or the field does
    /// not answer) leaves it to [`Evaluator::read_in_place`].
    fn field_path(&self, expr: &Expr) -> Option<serde_json::Value> {
        if !matches!(expr.kind, ExprKind::Member(..) | ExprKind::Index(..)) {
            return None;
        }
        let mut path = Vec::new();
        let mut at = expr;
        let field = loop {
            at = match &at.kind {
                ExprKind::Member(target, name) => {
                    path.push(JsonKey::Member(name));
                    target
                }
                ExprKind::Index(target, index) => match index.kind {
                    ExprKind::Literal(Literal::Int(position)) => {
                        path.push(JsonKey::Index(usize::try_from(position).ok()?));
                        target
                    }
                    _ => return None,
                },
                ExprKind::Field(name) => break name,
                _ => return None,
            };
        };
        path.reverse();
        self.names.field_at(field, &path)
    }

    /// [`Evaluator::read`], each part of the path borrowed from the one before.
    fn read_in_place(&self, expr: &Expr, lenient: bool) -> Result<Found<'a>, Box<Failure>> {
        let no_value = |name: &str| self.fail(expr, format!("`{name}` has no value here"));
        Ok(match &expr.kind {
            ExprKind::Local { slot, name } => match self.names.local(*slot) {
                Some(value) => Found::Lent(Read::Value(value)),
                None => return Err(no_value(name)),
            },
            ExprKind::Field(name) => match self.names.field(name) {
                Some(Ok(value)) => Found::Lent(Read::Value(value)),
                Some(Err(_)) if lenient => Found::Missing,
                Some(Err(error)) => {
                    return Err(self.fail_because(
                        expr,
                        error.cause,
                        format!("`{name}` cannot be read: {}", error.message),
                    ));
                }
                None => return Err(no_value(name)),
            },
            ExprKind::Global { module, name } => match self.names.global(*module, name) {
                Some(value) => Found::Lent(Read::Value(value)),
                None => return Err(no_value(&self.source(expr))),
            },
            ExprKind::Member(target, name) => match self.read_in_place(target, lenient)? {
                Found::Lent(read) => read.member(name).map_or(Found::Missing, Found::Lent),
                Found::Made(value) => {
                    value::member(&value, name).map_or(Found::Missing, Found::Made)
                }
                Found::Missing => Found::Missing,
            },
            ExprKind::Index(target, index) => {
                let target = self.read_in_place(target, lenient)?;
                if let Found::Missing = target {
                    return Ok(Found::Missing);
                }
                let index_value = self.value(index)?;
                let error = |error| self.eval_error(expr, error);
                match target {
                    Found::Lent(read) => read
                        .index(&index_value)
                        .map_err(error)?
                        .map_or(Found::Missing, Found::Lent),
                    Found::Made(value) => value::index(&value, &index_value)
                        .map_err(error)?
                        .map_or(Found::Missing, Found::Made),
                    Found::Missing => Found::Missing,
                }
            }
            _ => self.path(expr)?.map_or(Found::Missing, Found::Made),
        })
    }

    fn binary(
        &self,
        expr: &Expr,
        operator: BinaryOperator,
        left: &Expr,
        right: &Expr,
    ) -> Result<Value, Box<Failure>> {
        use BinaryOperator::*;
        let error = |error: EvalError| self.eval_error(expr, error);
        match operator {
            Coalesce | Or | And => {
                if let Some(result) = self.short_circuit(operator, left)?.result {
                    return Ok(result);
                }
                if operator == Coalesce {
                    return self.value(right);
                }
                let right_value = self.value(right)?;
                Ok(Value::Bool(
                    value::truthy(&right_value).map_err(|e| self.eval_error(right, e))?,
                ))
            }
            _ => {
                let a = self.value(left)?;
                let b = self.value(right)?;
                let ordering = |a: &Value, b: &Value| value::compare(a, b).map_err(error);
                Ok(match operator {
                    Equal => Value::Bool(value::equals(&a, &b)),
                    NotEqual => Value::Bool(!value::equals(&a, &b)),
                    Less => Value::Bool(ordering(&a, &b)?.is_lt()),
                    LessOrEqual => Value::Bool(ordering(&a, &b)?.is_le()),
                    Greater => Value::Bool(ordering(&a, &b)?.is_gt()),
                    GreaterOrEqual => Value::Bool(ordering(&a, &b)?.is_ge()),
                    Contains => Value::Bool(value::contains(&a, &b).map_err(error)?),
                    In => Value::Bool(value::contains(&b, &a).map_err(error)?),
                    Matches => Value::Bool(value::matches(&a, &b).map_err(error)?),
                    StartsWith => Value::Bool(value::affix(Affix::Start, &a, &b).map_err(error)?),
                    EndsWith => Value::Bool(value::affix(Affix::End, &a, &b).map_err(error)?),
                    Conforms => {
                        Value::Bool(super::schema::conforms(&a, &b).map_err(error)?.is_empty())
                    }
                    Add => value::arithmetic(ArithOp::Add, &a, &b).map_err(error)?,
                    Subtract => value::arithmetic(ArithOp::Subtract, &a, &b).map_err(error)?,
                    Multiply => value::arithmetic(ArithOp::Multiply, &a, &b).map_err(error)?,
                    Divide => value::arithmetic(ArithOp::Divide, &a, &b).map_err(error)?,
                    Coalesce | Or | And => Value::Null,
                })
            }
        }
    }

    /// The left operand of `and`, `or` or `??` and whether it decides the result
    /// alone. The interpreter asks this before making the user-function calls of the
    /// right side, and leaves the value in `call_results` under the left operand's
    /// address: the evaluation that follows then takes the same decision even when
    /// the left side would read differently a moment later (`logs()`, `now()`).
    pub fn short_circuit(
        &self,
        operator: BinaryOperator,
        left: &Expr,
    ) -> Result<ShortCircuit, Box<Failure>> {
        let decided = self.call_results.get(&expr_key(left)).cloned();
        if operator == BinaryOperator::Coalesce {
            let value = match decided {
                Some(value) => Some(value),
                None => self.absent_or_path(left)?,
            };
            return Ok(match value {
                Some(value) if !is_null(&value) => ShortCircuit {
                    result: Some(value.clone()),
                    left: value,
                },
                value => ShortCircuit {
                    left: value.unwrap_or(Value::Null),
                    result: None,
                },
            });
        }
        let value = match decided {
            Some(value) => value,
            None => self.value(left)?,
        };
        let left_true = value::truthy(&value).map_err(|e| self.eval_error(left, e))?;
        Ok(ShortCircuit {
            left: value,
            result: ((operator == BinaryOperator::Or) == left_true)
                .then_some(Value::Bool(left_true)),
        })
    }

    /// A template as text: plain, each value shell-quoted, or each value
    /// percent-encoded for where it stands in a URL.
    pub fn template(
        &self,
        template: &Template,
        context: TextContext,
    ) -> Result<String, Box<Failure>> {
        let mut text = String::new();
        for part in &template.parts {
            match part {
                TemplatePart::Text(piece) => text.push_str(piece),
                TemplatePart::Value(expr) => {
                    let value = self.value(expr)?;
                    let written =
                        value::to_text(&value).map_err(|error| self.eval_error(expr, error))?;
                    match context {
                        TextContext::Plain => text.push_str(&written),
                        TextContext::Shell => {
                            let quoted = crate::os::process::shell_quote(&written);
                            // The quoted form is how a command shows the secret.
                            if value.holds_secret(self.functions.secrets) {
                                self.functions.secrets.register(&quoted);
                            }
                            text.push_str(&quoted);
                        }
                        TextContext::Url => {
                            let piece = super::url_text::url_piece(&text, &written).into_owned();
                            // The encoded form is how the URL shows the secret.
                            if value.holds_secret(self.functions.secrets) {
                                self.functions.secrets.register(&piece);
                            }
                            text.push_str(&piece);
                        }
                    }
                }
            }
        }
        Ok(text)
    }

    /// A template as parts, each `{{ }}` a value, for `sql` and `redis`.
    pub fn command_parts(&self, template: &Template) -> Result<Vec<CommandPart>, Box<Failure>> {
        template
            .parts
            .iter()
            .map(|part| match part {
                TemplatePart::Text(text) => Ok(CommandPart::Text(text.clone())),
                TemplatePart::Value(expr) => Ok(CommandPart::Value(self.value(expr)?)),
            })
            .collect()
    }

    /// Evaluates an expectation and explains it: each operand with its value.
    /// Whether `condition` holds and, when it does, what its operands read
    /// (`[("latency.p99", "812ms")]`): an `abort when` says why it stopped a load.
    /// `None` when it does not hold or cannot be evaluated.
    pub fn held_with_operands(&self, condition: &Expr) -> Option<Vec<(String, String)>> {
        let held = self
            .value(condition)
            .ok()
            .and_then(|value| value::truthy(&value).ok())?;
        held.then(|| {
            let mut actual = Vec::new();
            self.collect_operands(condition, &mut actual);
            actual
        })
    }

    pub fn expectation(&self, condition: &Expr) -> Result<Verdict, Box<Failure>> {
        // The operands are read and described only for an expectation that does
        // not hold: one that holds shows nothing (and is most of a flow's work).
        let operands = || {
            let mut actual = Vec::new();
            self.collect_operands(condition, &mut actual);
            actual
        };
        let mut detail = None;
        let held = match self.value(condition) {
            Ok(value) => value::truthy(&value).map_err(|error| {
                let mut failure = self.eval_error(condition, error);
                failure.actual = operands();
                failure
            })?,
            Err(mut failure) => {
                failure.actual = operands();
                return Err(failure);
            }
        };
        if held {
            return Ok(Verdict {
                held,
                actual: Vec::new(),
                detail,
            });
        }
        let actual = operands();
        if !held
            && let ExprKind::Binary {
                operator: BinaryOperator::Conforms,
                left,
                right,
            } = &condition.kind
            && let (Ok(instance), Ok(schema)) = (self.value(left), self.value(right))
            && let Ok(violations) = super::schema::conforms(&instance, &schema)
        {
            detail = Some(
                violations
                    .iter()
                    .map(|violation| format!("at {}: {}", violation.pointer, violation.message))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        Ok(Verdict {
            held,
            actual,
            detail,
        })
    }

    /// The operands worth showing: names, paths, calls and arithmetic, each once.
    fn collect_operands(&self, expr: &Expr, actual: &mut Vec<(String, String)>) {
        let record = |expr: &Expr, actual: &mut Vec<(String, String)>| {
            let source = self.source(expr);
            if actual.iter().any(|(known, _)| *known == source) {
                return;
            }
            let shown = match self.path(expr) {
                // Masked before `describe` cuts it short (see `Value::masked`).
                Ok(Some(value)) if !self.functions.secrets.is_empty() => {
                    value::describe(&value.masked(self.functions.secrets))
                }
                Ok(Some(value)) => value::describe(&value),
                Ok(None) => "missing".to_string(),
                Err(failure) => format!("not computable ({})", failure.message),
            };
            actual.push((source, shown));
        };
        match &expr.kind {
            ExprKind::Binary {
                operator,
                left,
                right,
            } => {
                if matches!(
                    operator,
                    BinaryOperator::Add
                        | BinaryOperator::Subtract
                        | BinaryOperator::Multiply
                        | BinaryOperator::Divide
                ) {
                    record(expr, actual);
                }
                self.collect_operands(left, actual);
                self.collect_operands(right, actual);
            }
            // `exists` reads a value it cannot compute as absent: say so, and why.
            ExprKind::Exists(inner) => match self.path(inner) {
                Err(failure) => {
                    let source = self.source(inner);
                    if !actual.iter().any(|(known, _)| *known == source) {
                        actual.push((source, format!("absent ({})", failure.message)));
                    }
                }
                Ok(_) => self.collect_operands(inner, actual),
            },
            ExprKind::Not(inner) | ExprKind::Negate(inner) | ExprKind::Is(inner, _) => {
                self.collect_operands(inner, actual)
            }
            // The right side of `and`/`or`/`??` whose left side decided: its user
            // calls were not made, and saying so is the truth the reader needs.
            ExprKind::Call {
                callee: Callee::Function { .. },
                ..
            } if !self.call_results.contains_key(&expr_key(expr)) => {
                let source = self.source(expr);
                if !actual.iter().any(|(known, _)| *known == source) {
                    actual.push((source, "not called".to_string()));
                }
            }
            ExprKind::Local { .. }
            | ExprKind::Field(_)
            | ExprKind::Global { .. }
            | ExprKind::Service(_)
            | ExprKind::Member(..)
            | ExprKind::Index(..)
            | ExprKind::Call { .. } => record(expr, actual),
            ExprKind::String(template)
                if template
                    .parts
                    .iter()
                    .any(|part| matches!(part, TemplatePart::Value(_))) =>
            {
                record(expr, actual)
            }
            _ => {}
        }
    }
}

fn is_null(value: &Value) -> bool {
    matches!(value, Value::Null | Value::Json(serde_json::Value::Null))
}

/// "status == 201: status was 409, …" from a verdict.
pub fn explain(source: &str, actual: &[(String, String)]) -> String {
    let shown: Vec<String> = actual
        .iter()
        .map(|(name, value)| {
            if value == "missing" {
                format!("{name} is missing")
            } else {
                format!("{name} was {value}")
            }
        })
        .collect();
    if shown.is_empty() {
        format!("{source} did not hold")
    } else {
        format!("{source}: {}", shown.join(", "))
    }
}
