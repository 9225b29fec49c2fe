//! Constants checked before anything runs (issue 17, 3): an option, clause,
//! attribute or statement part given a literal is held to the limit the runtime
//! applies (`steps::limits`, one table for both, E0413); duplicate keys in an object
//! literal (E0321); a conversion of a constant string that cannot succeed, a
//! division by a constant zero and a constant schema file that is not a schema
//! (E0322); a constant path of `read()`, `file()` or `schema()` that names no
//! readable file (W0007, from what the loader found: the checker reads no file).

use super::*;
use crate::check::program::{self, DataFile};
use crate::steps::limits::{self, Constant};

impl<'a> BodyChecker<'_, 'a> {
    /// Holds a constant given to `name` to its limit, if `name` has one.
    pub(super) fn constant_limit(&mut self, name: &str, value: &Expr) {
        let (constant, through) = match constant_of(value) {
            Some(constant) => (constant, None),
            None => match self.constant_binding(value) {
                Some((constant, binding)) => (constant, Some(binding)),
                None => return,
            },
        };
        if let Err(message) = limits::check(name, constant) {
            let mut diagnostic = Diagnostic::error(
                codes::VALUE_OUT_OF_RANGE,
                message,
                value.span,
                "this value is refused when the test runs",
            );
            if let Some(binding) = through {
                let said = match binding.kind {
                    BindingKind::Param => "its default, used unless `--param` gives another",
                    BindingKind::Let | BindingKind::Secret => "its value, given here",
                };
                if let Some(given) = &binding.value {
                    diagnostic = diagnostic.with_label(given.span(), said);
                }
            }
            self.report(diagnostic.with_help(match limits::limit_of(name) {
                Some(limits::Limit::CloseCode) => {
                    "close normally with `close 1000`, or an application code from 4000".to_string()
                }
                Some(limits::Limit::PositiveDuration) => {
                    format!("give `{name}` a duration such as `5s`")
                }
                _ => format!("give `{name}` a value in range"),
            }));
        }
    }

    /// A name of this module's top-level `let` or `param` whose value (default)
    /// is a constant, and that no `setup` assigns: a constant too, for the limits.
    fn constant_binding(&self, value: &Expr) -> Option<(Constant, &'a Binding)> {
        let (given, binding) = self.binding_value(value)?;
        Some((constant_of(given)?, binding))
    }

    /// A name of this module's top-level `let` or `param` that no `setup`
    /// assigns: the expression it is given (its default), and the binding.
    fn binding_value(&self, value: &Expr) -> Option<(&'a Expr, &'a Binding)> {
        let ExprKind::Name(name) = &value.kind else {
            return None;
        };
        let local = self
            .scopes
            .iter()
            .any(|scope| scope.iter().any(|local| local.name == name.name));
        if local {
            return None;
        }
        let items = self.checker.items();
        let binding = items.iter().find_map(|item| match item {
            Item::Binding(binding)
                if binding.name.name == name.name && binding.kind != BindingKind::Secret =>
            {
                Some(binding)
            }
            _ => None,
        })?;
        let Some(BindingValue::Expr(given)) = &binding.value else {
            return None;
        };
        let assigned = items.iter().any(|item| match item {
            Item::Setup(block) | Item::Teardown(block) => assigns(block, &name.name),
            _ => false,
        });
        if assigned {
            return None;
        }
        Some((given, binding))
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

    /// `int("abc")`, `float("x")`, `json("{")` and `x / 0` on constants: errors
    /// the run would meet every time.
    pub(super) fn constant_operation(&mut self, expr: &Expr) {
        if let Some((function, argument)) = program::data_call(expr) {
            let (given, binding) = self.given(argument);
            if let ExprKind::String(path) = &given.kind
                && let Some(path) = path.as_plain_text()
            {
                self.constant_data_file(function, &path, argument.span, binding);
            }
            return;
        }
        match &expr.kind {
            ExprKind::Binary {
                operator: BinaryOperator::Divide,
                right,
                ..
            } => {
                let (given, binding) = self.given(right);
                if is_zero(given) {
                    let diagnostic = Diagnostic::error(
                        codes::CONSTANT_FAILS,
                        "division by zero",
                        right.span,
                        "this is zero",
                    )
                    .with_help("divide by a value that cannot be zero");
                    self.report(with_given_label(diagnostic, binding, "zero"));
                }
            }
            ExprKind::Call { callee, arguments } => {
                let ExprKind::Name(function) = &callee.kind else {
                    return;
                };
                let [argument] = arguments.as_slice() else {
                    return;
                };
                let (given, binding) = self.given(&argument.value);
                let ExprKind::String(text) = &given.kind else {
                    return;
                };
                let Some(text) = text.as_plain_text() else {
                    return;
                };
                let (converted, help) = match function.name.as_str() {
                    "int" | "float" => (
                        builtins::number_of_text(&function.name, &text).map(drop),
                        "write the number itself",
                    ),
                    "json" => (
                        builtins::json_of_text(&text).map(drop),
                        "fix the JSON text, or write the value as a literal (`{ a: 1 }`)",
                    ),
                    _ => return,
                };
                if let Err(message) = converted {
                    let diagnostic = Diagnostic::error(
                        codes::CONSTANT_FAILS,
                        format!("`{}` cannot succeed", self.source_text(expr)),
                        argument.value.span,
                        message,
                    )
                    .with_help(help);
                    self.report(with_given_label(diagnostic, binding, "text"));
                }
            }
            _ => {}
        }
    }

    /// What `expr` is known to hold before running: itself, or, for the name of
    /// a constant top-level `let` or `param` (`binding_value`), the value it is
    /// given, with the binding.
    fn given<'e>(&self, expr: &'e Expr) -> (&'e Expr, Option<&'a Binding>)
    where
        'a: 'e,
    {
        match self.binding_value(expr) {
            Some((given, binding)) => (given, Some(binding)),
            None => (expr, None),
        }
    }
}

/// `diagnostic` with a label at the value a constant binding gives (`what`: the
/// path, the zero, the text), when the value came through one.
fn with_given_label(diagnostic: Diagnostic, binding: Option<&Binding>, what: &str) -> Diagnostic {
    match binding {
        Some(Binding {
            kind,
            value: Some(given),
            ..
        }) => diagnostic.with_label(
            given.span(),
            match kind {
                BindingKind::Param => {
                    "its default, used unless `--param` gives another".to_string()
                }
                BindingKind::Let | BindingKind::Secret => format!("the {what}, given here"),
            },
        ),
        _ => diagnostic,
    }
}

impl BodyChecker<'_, '_> {
    /// `read("x")`, `file("x")`, `schema("x")`, or `read(p)` with a constant
    /// `let p = "x"` (`binding`): the file as the loader found it (nothing when
    /// it could not tell).
    fn constant_data_file(
        &mut self,
        function: &str,
        path: &str,
        span: Span,
        binding: Option<&Binding>,
    ) {
        let found = self
            .checker
            .program
            .data_file(self.checker.id, path)
            .cloned();
        let given_at = |diagnostic| with_given_label(diagnostic, binding, "path");
        match found {
            None | Some(DataFile::Readable) => {}
            Some(DataFile::Unreadable(reason)) => self.report(given_at(
                Diagnostic::warning(
                    codes::DATA_FILE_MISSING,
                    format!("`{function}` names `{path}`, which cannot be read: {reason}"),
                    span,
                    "looked for beside this file",
                )
                .with_help(
                    "fix the path (it is relative to this file), or make sure a step creates the file before this runs",
                ),
            )),
            Some(DataFile::OutsideTheSuite) => self.report(given_at(
                Diagnostic::warning(
                    codes::DATA_FILE_MISSING,
                    format!("`{function}` names `{path}`, which is outside the suite's folder"),
                    span,
                    "refused at run time unless --allow-read",
                )
                .with_help(
                    "keep the file inside the suite's folder (or the repository that holds it), or pass --allow-read",
                ),
            )),
            Some(DataFile::Schema(bytes)) => {
                let problem = match serde_json::from_slice::<serde_json::Value>(&bytes) {
                    Err(error) => Some(format!("`{path}` is not valid JSON: {error}")),
                    Ok(schema) => builtins::json_schema_validator(&schema, false)
                        .err()
                        .map(|problem| format!("`{path}` is {problem}")),
                };
                if let Some(problem) = problem {
                    self.report(
                        Diagnostic::error(
                            codes::CONSTANT_FAILS,
                            format!("`schema(\"{path}\")` cannot succeed"),
                            span,
                            problem,
                        )
                        .with_help("fix the schema file: the response is not what is wrong"),
                    );
                }
            }
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

/// Whether a statement of `block` (nested ones too) assigns `name`.
fn assigns(block: &Block, name: &str) -> bool {
    block
        .statements
        .iter()
        .any(|statement| statement_assigns(statement, name))
}

fn statement_assigns(statement: &Statement, name: &str) -> bool {
    match &statement.kind {
        StatementKind::Assign { name: assigned, .. } => assigned.name == name,
        StatementKind::For { body, .. }
        | StatementKind::Eventually { body, .. }
        | StatementKind::Retry { body, .. } => assigns(body, name),
        StatementKind::If {
            then_block,
            else_branch,
            ..
        } => {
            assigns(then_block, name)
                || match else_branch {
                    Some(ElseBranch::Block(block)) => assigns(block, name),
                    Some(ElseBranch::If(statement)) => statement_assigns(statement, name),
                    None => false,
                }
        }
        StatementKind::Step(step) => step
            .block
            .as_ref()
            .is_some_and(|block| assigns(block, name)),
        _ => false,
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
