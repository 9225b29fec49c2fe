//! The checker: names, scopes, types, the fields of the last step, step clauses and
//! every check of LANGUAGE.md §10. Reads the AST and the step kinds' schemas, and runs each
//! step kind's own rules (`crate::steps`, through `StepChecker`); writes only
//! diagnostics. Pure.

use super::builtins::{self, Returns};
use super::index::{Index, NameKind, Target};
use super::program::{ModuleId, Program};
use crate::diagnostics::{Diagnostic, codes, did_you_mean};
use crate::steps::schema::{OptionSpec, StepSchema, TargetText, ValueSpec};
use crate::steps::{self, StepChecker};
use crate::syntax::ast::*;
use crate::syntax::span::Span;
use crate::types::{IS_TYPE_NAMES, Type};
use std::collections::HashMap;

/// Checks every module of the program.
pub fn check(program: &Program) -> Vec<Diagnostic> {
    check_indexed(program, None)
}

/// Checks every module and, given an `Index`, records in it what each name refers
/// to and the type of each expression (for the language server).
pub fn check_indexed(program: &Program, mut index: Option<&mut Index>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut exports: HashMap<ModuleId, Exports> = HashMap::new();
    for id in program.dependency_order() {
        let module_exports = ModuleChecker::new(
            program,
            id,
            &exports,
            &mut diagnostics,
            index.as_deref_mut(),
        )
        .check();
        exports.insert(id, module_exports);
    }
    diagnostics
}

/// What a module offers its importers.
#[derive(Clone, Default)]
struct Exports {
    names: HashMap<String, Global>,
}

#[derive(Clone, Debug)]
enum GlobalKind {
    Binding {
        kind: BindingKind,
        ty: Type,
        order: usize,
    },
    Fn(FnSignature),
    Service,
    Module(ModuleId),
}

#[derive(Clone, Debug)]
struct Global {
    kind: GlobalKind,
    span: Span,
    /// Defined in this module (not imported): only these are exported.
    local: bool,
}

#[derive(Clone, Debug)]
struct FnSignature {
    name: String,
    params: Vec<(String, Type)>,
    returns: Option<Type>,
    /// Performs a step, itself or through the functions it calls.
    has_step: bool,
    has_expectation: bool,
}

struct ModuleChecker<'a> {
    program: &'a Program,
    id: ModuleId,
    imported: &'a HashMap<ModuleId, Exports>,
    globals: HashMap<String, Global>,
    diagnostics: &'a mut Vec<Diagnostic>,
    index: Option<&'a mut Index>,
}

impl<'a> ModuleChecker<'a> {
    fn new(
        program: &'a Program,
        id: ModuleId,
        imported: &'a HashMap<ModuleId, Exports>,
        diagnostics: &'a mut Vec<Diagnostic>,
        index: Option<&'a mut Index>,
    ) -> Self {
        ModuleChecker {
            program,
            id,
            imported,
            globals: HashMap::new(),
            diagnostics,
            index,
        }
    }

    /// Writes to the index, when there is one.
    fn record(&mut self, entry: impl FnOnce(&mut Index)) {
        if let Some(index) = self.index.as_deref_mut() {
            entry(index);
        }
    }

    fn items(&self) -> &'a [Item] {
        &self.program.module(self.id).ast.items
    }

    fn check(mut self) -> Exports {
        self.bring_imports();
        self.declare_items();
        self.compute_function_effects();
        self.check_items();
        Exports {
            names: self
                .globals
                .into_iter()
                .filter(|(_, global)| global.local)
                .collect(),
        }
    }

    fn bring_imports(&mut self) {
        let module = self.program.module(self.id);
        for import in &module.imports {
            let Some(target) = import.module else {
                continue;
            };
            match &import.import.alias {
                Some(alias) => {
                    self.define(
                        &alias.name,
                        Global {
                            kind: GlobalKind::Module(target),
                            span: alias.span,
                            local: false,
                        },
                    );
                }
                None => {
                    if let Some(exports) = self.imported.get(&target) {
                        for (name, global) in &exports.names {
                            let mut global = global.clone();
                            global.local = false;
                            global.span = import.import.span;
                            if let Some(existing) = self.globals.get(name)
                                && existing.span != global.span
                            {
                                self.diagnostics.push(
                                    Diagnostic::error(
                                        codes::DUPLICATE_DEFINITION,
                                        format!("`{name}` is imported twice"),
                                        import.import.span,
                                        format!("this module also defines `{name}`"),
                                    )
                                    .with_label(existing.span, "first brought in here")
                                    .with_help("import one of the modules with `as` to keep their names apart"),
                                );
                                continue;
                            }
                            self.globals.insert(name.clone(), global);
                        }
                    }
                }
            }
        }
    }

    fn define(&mut self, name: &str, global: Global) {
        if let Some(existing) = self.globals.get(name) {
            let (message, label) = if existing.local {
                (format!("`{name}` is defined twice"), "first defined here")
            } else {
                (format!("`{name}` is already imported"), "imported here")
            };
            self.diagnostics.push(
                Diagnostic::error(
                    codes::DUPLICATE_DEFINITION,
                    message,
                    global.span,
                    "defined again here",
                )
                .with_label(existing.span, label)
                .with_help("rename one of them"),
            );
            return;
        }
        self.globals.insert(name.to_string(), global);
    }

    fn declare_items(&mut self) {
        let mut test_names: HashMap<String, Span> = HashMap::new();
        let mut check_test_name = |this: &mut Self, test: &TestDef| {
            let Some(name) = test.name.as_plain_text() else {
                return;
            };
            if let Some(first) = test_names.get(&name) {
                this.diagnostics.push(
                    Diagnostic::error(
                        codes::DUPLICATE_TEST,
                        format!("a test named \"{name}\" already exists in this file"),
                        test.name.span,
                        "second test with this name",
                    )
                    .with_label(*first, "first test with this name")
                    .with_help("give each test of a suite its own name"),
                );
            } else {
                test_names.insert(name, test.name.span);
            }
        };
        for (order, item) in self.items().iter().enumerate() {
            match item {
                Item::Binding(binding) => self.define(
                    &binding.name.name,
                    Global {
                        kind: GlobalKind::Binding {
                            kind: binding.kind,
                            ty: Type::Unknown,
                            order,
                        },
                        span: binding.name.span,
                        local: true,
                    },
                ),
                Item::Fn(function) => {
                    let params = function
                        .params
                        .iter()
                        .map(|param| {
                            (
                                param.name.name.clone(),
                                self.resolve_type(&param.declared_type),
                            )
                        })
                        .collect();
                    let returns = function
                        .return_type
                        .as_ref()
                        .map(|ty| self.resolve_type(ty));
                    self.define(
                        &function.name.name,
                        Global {
                            kind: GlobalKind::Fn(FnSignature {
                                name: function.name.name.clone(),
                                params,
                                returns,
                                has_step: false,
                                has_expectation: false,
                            }),
                            span: function.name.span,
                            local: true,
                        },
                    );
                }
                Item::Service(service) => self.define(
                    &service.name.name,
                    Global {
                        kind: GlobalKind::Service,
                        span: service.name.span,
                        local: true,
                    },
                ),
                Item::Test(test) => check_test_name(self, test),
                Item::Checkpoint(checkpoint) => {
                    for test in &checkpoint.tests {
                        check_test_name(self, test);
                    }
                }
                _ => {}
            }
        }
    }

    fn resolve_type(&mut self, ty: &TypeExpr) -> Type {
        let arguments: Vec<Type> = ty
            .arguments
            .iter()
            .map(|argument| self.resolve_type(argument))
            .collect();
        match Type::from_name(&ty.name.name, &arguments) {
            Some(resolved) => resolved,
            None => {
                let names = [
                    "string", "int", "float", "number", "bool", "null", "duration", "percent",
                    "size", "bytes", "json", "list", "object", "map", "record", "database",
                    "redis", "file", "schema", "service",
                ];
                let mut diagnostic = Diagnostic::error(
                    codes::UNKNOWN_TYPE,
                    format!("unknown type `{}`", ty.name.name),
                    ty.span,
                    "not a type",
                );
                if let Some(near) = did_you_mean(&ty.name.name, names) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{near}`?"));
                }
                self.diagnostics.push(diagnostic);
                Type::Unknown
            }
        }
    }

    /// Which functions perform a step or an expectation, through any call depth.
    fn compute_function_effects(&mut self) {
        let functions: Vec<&FnDef> = self
            .items()
            .iter()
            .filter_map(|item| match item {
                Item::Fn(function) => Some(function),
                _ => None,
            })
            .collect();
        loop {
            let mut changed = false;
            for function in &functions {
                let has_step = Effects::new(self).block_has(&function.body, Effect::Step);
                let has_expectation =
                    Effects::new(self).block_has(&function.body, Effect::Expectation);
                // Only a newly found effect is a change: two functions of one name
                // (E0202) share one signature, and comparing for equality made the
                // one without the effect count as a change on every pass, forever.
                if let Some(Global {
                    kind: GlobalKind::Fn(signature),
                    ..
                }) = self.globals.get_mut(&function.name.name)
                    && ((has_step && !signature.has_step)
                        || (has_expectation && !signature.has_expectation))
                {
                    signature.has_step |= has_step;
                    signature.has_expectation |= has_expectation;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn lookup_function(&self, callee: &Expr) -> Option<&FnSignature> {
        match &callee.kind {
            ExprKind::Name(name) => match self.globals.get(&name.name) {
                Some(Global {
                    kind: GlobalKind::Fn(signature),
                    ..
                }) => Some(signature),
                _ => None,
            },
            ExprKind::Member { target, name } => match &target.kind {
                ExprKind::Name(module) => match self.globals.get(&module.name) {
                    Some(Global {
                        kind: GlobalKind::Module(id),
                        ..
                    }) => match self
                        .imported
                        .get(id)
                        .and_then(|exports| exports.names.get(&name.name))
                    {
                        Some(Global {
                            kind: GlobalKind::Fn(signature),
                            ..
                        }) => Some(signature),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    fn check_items(&mut self) {
        for (order, item) in self.items().iter().enumerate() {
            match item {
                Item::Binding(binding) => self.check_binding(binding, order),
                Item::Fn(function) => self.check_function(function),
                Item::Service(service) => self.check_service(service),
                Item::Setup(block) | Item::Teardown(block) => {
                    let mut body = BodyChecker::new(self, None, order);
                    body.block_in_new_scope(block);
                    body.finish();
                }
                Item::Test(test) => self.check_test(test, order),
                Item::Checkpoint(checkpoint) => {
                    if let Some(stage) = &checkpoint.stage {
                        let mut body = BodyChecker::new(self, None, order);
                        body.expect_type(stage, &Type::String, "a checkpoint's stage");
                    }
                    if let Some(action) = &checkpoint.on_failure
                        && !["stop", "warn", "continue"].contains(&action.name.as_str())
                    {
                        let mut diagnostic = Diagnostic::error(
                            codes::UNKNOWN_OPTION,
                            format!("unknown failure action `{}`", action.name),
                            action.span,
                            "expected `stop`, `warn` or `continue`",
                        );
                        if let Some(near) = did_you_mean(&action.name, ["stop", "warn", "continue"])
                        {
                            diagnostic = diagnostic.with_help(format!("did you mean `{near}`?"));
                        }
                        self.diagnostics.push(diagnostic);
                    }
                    for test in &checkpoint.tests {
                        self.check_test(test, order);
                    }
                }
                Item::Suite(_) | Item::Import(_) => {}
            }
        }
    }

    fn check_binding(&mut self, binding: &Binding, order: usize) {
        self.diagnostics
            .extend(super::short_secret::short_secret_warning(binding));
        let declared = binding
            .declared_type
            .as_ref()
            .map(|ty| self.resolve_type(ty));
        let value_type = match &binding.value {
            Some(BindingValue::Expr(expr)) => {
                let mut body = BodyChecker::new(self, None, order);
                body.top_level_initializer = true;
                body.expr(expr)
            }
            Some(BindingValue::Step(step)) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::STEP_IN_INITIALIZER,
                        format!(
                            "a top-level `{}` cannot perform a step",
                            binding.kind.keyword()
                        ),
                        step.keyword_span,
                        "a step here",
                    )
                    .with_help(
                        "perform the step in `setup` and assign the result to a top-level `let`",
                    ),
                );
                Type::Unknown
            }
            None => {
                if binding.kind != BindingKind::Param || declared.is_none() {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::SYNTAX,
                            format!("`{}` needs a value", binding.name.name),
                            binding.name.span,
                            "no value and no type",
                        )
                        .with_help(format!(
                            "write `param {}: string` for a required parameter",
                            binding.name.name
                        )),
                    );
                }
                Type::Unknown
            }
        };
        let ty = match declared {
            Some(declared) => {
                if !value_type.fits(&declared)
                    && let Some(value) = &binding.value
                {
                    self.diagnostics.push(mismatch(
                        codes::ASSIGNMENT_TYPE,
                        value.span(),
                        &declared,
                        &value_type,
                        &format!(
                            "`{}` is declared as {}",
                            binding.name.name,
                            declared.with_article()
                        ),
                    ));
                }
                declared
            }
            None => value_type,
        };
        self.record(|index| {
            index.define(
                binding.name.span,
                &binding.name.name,
                binding.kind.into(),
                &ty,
            )
        });
        if let Some(Global {
            kind: GlobalKind::Binding { ty: slot, .. },
            local: true,
            ..
        }) = self.globals.get_mut(&binding.name.name)
        {
            *slot = ty;
        }
    }

    fn check_function(&mut self, function: &FnDef) {
        let Some(Global {
            kind: GlobalKind::Fn(signature),
            ..
        }) = self.globals.get(&function.name.name).cloned()
        else {
            return;
        };
        let mut body = BodyChecker::new(self, Some(signature.returns.clone()), usize::MAX);
        body.push_scope();
        for (param, (name, ty)) in function.params.iter().zip(&signature.params) {
            body.declare(name, ty.clone(), LocalKind::Parameter, param.name.span);
        }
        body.block_statements(&function.body);
        body.pop_scope();
        body.finish();
    }

    fn check_service(&mut self, service: &ServiceDef) {
        let mut body = BodyChecker::new(self, None, usize::MAX);
        body.context = InterpolationContext::Shell;
        body.expect_type(&service.command, &Type::String, "a service's command");
        body.context = InterpolationContext::Text;
        body.shell_command(&service.command);
        let specs = vec![
            OptionSpec::value("env", vec![Type::map(Type::Json)]),
            OptionSpec::value("cwd", vec![Type::String]),
            OptionSpec::special("ready", ValueSpec::Ready),
        ];
        body.options(&service.options, &specs, "a service");
        body.finish();
    }

    fn check_test(&mut self, test: &TestDef, order: usize) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for attribute in &test.attributes {
            let name = attribute.name.name.as_str();
            if let Some(first) = seen.insert(name, attribute.name.span) {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::DUPLICATE_CLAUSE,
                        format!("`{name}` is given twice"),
                        attribute.name.span,
                        "given again here",
                    )
                    .with_label(first, "first given here"),
                );
            }
            let mut body = BodyChecker::new(self, None, order);
            let expected = match name {
                "timeout" => Some(Type::Duration),
                "retry" => Some(Type::Int),
                "tags" => Some(Type::list(Type::String)),
                "skip" => None,
                _ => {
                    let mut diagnostic = Diagnostic::error(
                        codes::UNKNOWN_OPTION,
                        format!("unknown test attribute `{name}`"),
                        attribute.name.span,
                        "not a test attribute",
                    );
                    diagnostic = match did_you_mean(name, ["timeout", "retry", "tags", "skip"]) {
                        Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                        None => diagnostic
                            .with_help("test attributes are `timeout`, `retry`, `tags` and `skip`"),
                    };
                    body.checker.diagnostics.push(diagnostic);
                    continue;
                }
            };
            match (&attribute.value, expected) {
                (Some(value), Some(expected)) => {
                    body.expect_type(value, &expected, &format!("`{name}`"))
                }
                (Some(value), None) => body.expect_type(value, &Type::String, "`skip`'s reason"),
                (None, Some(expected)) => body.checker.diagnostics.push(Diagnostic::error(
                    codes::CLAUSE_TYPE,
                    format!("`{name}` needs a value"),
                    attribute.name.span,
                    format!("expected {} after it", expected.with_article()),
                )),
                (None, None) => {}
            }
            if let Some(every) = &attribute.every {
                if name == "retry" {
                    body.expect_type(every, &Type::Duration, "`every`");
                } else {
                    body.checker.diagnostics.push(Diagnostic::error(
                        codes::UNKNOWN_OPTION,
                        "`every` goes only with `retry`",
                        every.span,
                        "not expected here",
                    ));
                }
            }
        }
        let mut body = BodyChecker::new(self, None, order);
        body.block_in_new_scope(&test.body);
        body.finish();
        let skipped = test
            .attributes
            .iter()
            .any(|attribute| attribute.name.name == "skip");
        if !skipped && !Effects::new(self).block_has(&test.body, Effect::Expectation) {
            let name = test.name.as_plain_text().unwrap_or_default();
            self.diagnostics.push(
                Diagnostic::warning(
                    codes::TEST_WITHOUT_EXPECTATION,
                    format!("test \"{name}\" has no expectation"),
                    test.name.span,
                    "nothing here is checked",
                )
                .with_help("add an expectation, such as `expect status == 200`"),
            );
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Effect {
    Step,
    Expectation,
}

/// Finds whether a block performs a step or an expectation (GRAMMAR-NOTES.md §5
/// and §10): in nested blocks and through calls to functions that do.
struct Effects<'c, 'a> {
    checker: &'c ModuleChecker<'a>,
}

impl<'c, 'a> Effects<'c, 'a> {
    fn new(checker: &'c ModuleChecker<'a>) -> Self {
        Effects { checker }
    }

    fn block_has(&self, block: &Block, effect: Effect) -> bool {
        block
            .statements
            .iter()
            .any(|statement| self.statement_has(statement, effect))
    }

    fn statement_has(&self, statement: &Statement, effect: Effect) -> bool {
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
            StatementKind::Send(value) | StatementKind::Call(value) => calls(value),
            StatementKind::Receive { until, .. } => {
                effect == Effect::Step || until.as_ref().is_some_and(calls)
            }
        }
    }

    fn step_has(&self, step: &Step, effect: Effect) -> bool {
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

    fn expr_calls(&self, expr: &Expr, effect: Effect) -> bool {
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

#[derive(Clone, Copy, PartialEq, Debug)]
enum LocalKind {
    Let,
    Parameter,
    LoopVariable,
    /// A field of the last step.
    Field,
}

impl LocalKind {
    fn name_kind(self) -> NameKind {
        match self {
            LocalKind::Let => NameKind::Let,
            LocalKind::Parameter => NameKind::Parameter,
            LocalKind::LoopVariable => NameKind::LoopVariable,
            LocalKind::Field => NameKind::Field,
        }
    }
}

struct Local {
    name: String,
    ty: Type,
    kind: LocalKind,
    span: Span,
    used: bool,
}

/// How `{{ }}` is inserted in the string being checked (GRAMMAR-NOTES.md §6).
#[derive(Clone, Copy, PartialEq)]
enum InterpolationContext {
    Text,
    Shell,
    Sql,
}

/// The step fields in scope at one point (scope depth, name, type, span), whose
/// step they came from, and why there are none: saved around `if` branches and
/// `check` blocks.
type FieldSnapshot = (
    Vec<(usize, String, Type, Span)>,
    Option<&'static str>,
    NoFieldsReason,
);

/// Why no step fields are in scope, for the wording of E0303.
#[derive(Clone, Copy)]
enum NoFieldsReason {
    NoStep,
    InsideIf,
    InsideLoop,
    AfterWs,
    AfterCall,
}

/// What a step kind's own rules (`StepKind::check`) may ask of the checker.
impl StepChecker for BodyChecker<'_, '_> {
    fn report(&mut self, diagnostic: Diagnostic) {
        BodyChecker::report(self, diagnostic);
    }

    fn bound_value(&mut self, expr: &Expr) -> Type {
        self.context = InterpolationContext::Sql;
        let ty = self.expr(expr);
        self.context = InterpolationContext::Text;
        ty
    }

    fn text_value(&mut self, expr: &Expr) -> Type {
        let ty = self.expr(expr);
        self.reject_bytes_in_text(&ty, expr);
        ty
    }

    fn options(&mut self, clauses: &[Clause], specs: &[OptionSpec], owner: &str) {
        BodyChecker::options(self, clauses, specs, owner);
    }
}

struct BodyChecker<'c, 'a> {
    checker: &'c mut ModuleChecker<'a>,
    scopes: Vec<Vec<Local>>,
    /// `Some(return type)` inside a `fn`.
    function_returns: Option<Option<Type>>,
    ws_depth: usize,
    /// The backend whose fields are in scope.
    fields_from: Option<&'static str>,
    no_fields_reason: NoFieldsReason,
    /// Items after this index are not yet computed (for top-level initializers).
    item_order: usize,
    top_level_initializer: bool,
    context: InterpolationContext,
}

impl<'c, 'a> BodyChecker<'c, 'a> {
    fn new(
        checker: &'c mut ModuleChecker<'a>,
        function_returns: Option<Option<Type>>,
        item_order: usize,
    ) -> Self {
        BodyChecker {
            checker,
            scopes: Vec::new(),
            function_returns,
            ws_depth: 0,
            fields_from: None,
            no_fields_reason: NoFieldsReason::NoStep,
            item_order,
            top_level_initializer: false,
            context: InterpolationContext::Text,
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.checker.diagnostics.push(diagnostic);
    }

    fn finish(self) {}

    // ------------------------------------------------------------ scopes

    fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    fn pop_scope(&mut self) -> Vec<Local> {
        let scope = self.scopes.pop().unwrap_or_default();
        for local in &scope {
            if local.kind == LocalKind::Let && !local.used && !local.name.starts_with('_') {
                let diagnostic = Diagnostic::warning(
                    codes::UNUSED_CAPTURE,
                    format!("`{}` is captured but never used", local.name),
                    local.span,
                    "never read after this",
                )
                .with_help(format!(
                    "remove the `let`, use it in an expectation, or name it `_{}`",
                    local.name
                ));
                self.report(diagnostic);
            }
        }
        scope
    }

    fn declare(&mut self, name: &str, ty: Type, kind: LocalKind, span: Span) {
        if kind != LocalKind::Field {
            self.checker
                .record(|index| index.define(span, name, kind.name_kind(), &ty));
        }
        if self.scopes.is_empty() {
            self.push_scope();
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(Local {
                name: name.to_string(),
                ty,
                kind,
                span,
                used: false,
            });
        }
    }

    fn clear_fields(&mut self, reason: NoFieldsReason) {
        for scope in &mut self.scopes {
            scope.retain(|local| local.kind != LocalKind::Field);
        }
        self.fields_from = None;
        self.no_fields_reason = reason;
    }

    fn set_fields(&mut self, schema: &StepSchema, span: Span) {
        self.clear_fields(NoFieldsReason::NoStep);
        for (name, ty) in &schema.result {
            self.declare(name, ty.clone(), LocalKind::Field, span);
        }
        self.fields_from = Some(schema.name);
    }

    fn snapshot_fields(&self) -> FieldSnapshot {
        let mut fields = Vec::new();
        for (depth, scope) in self.scopes.iter().enumerate() {
            for local in scope.iter().filter(|local| local.kind == LocalKind::Field) {
                fields.push((depth, local.name.clone(), local.ty.clone(), local.span));
            }
        }
        (fields, self.fields_from, self.no_fields_reason)
    }

    fn restore_fields(&mut self, snapshot: &FieldSnapshot) {
        self.clear_fields(snapshot.2);
        for (depth, name, ty, span) in &snapshot.0 {
            if let Some(scope) = self.scopes.get_mut(*depth) {
                scope.push(Local {
                    name: name.clone(),
                    ty: ty.clone(),
                    kind: LocalKind::Field,
                    span: *span,
                    used: true,
                });
            }
        }
        self.fields_from = snapshot.1;
    }

    fn lookup_local(&mut self, name: &str) -> Option<&mut Local> {
        self.scopes
            .iter_mut()
            .rev()
            .flat_map(|scope| scope.iter_mut().rev())
            .find(|local| local.name == name)
    }

    fn visible_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .scopes
            .iter()
            .flat_map(|scope| scope.iter().map(|local| local.name.clone()))
            .collect();
        names.extend(self.checker.globals.keys().cloned());
        names
    }

    fn has_step(&self, block: &Block) -> bool {
        Effects::new(self.checker).block_has(block, Effect::Step)
    }

    // ------------------------------------------------------------ statements

    fn block_in_new_scope(&mut self, block: &Block) {
        self.push_scope();
        self.block_statements(block);
        self.pop_scope();
    }

    fn block_statements(&mut self, block: &Block) {
        for statement in &block.statements {
            self.statement(statement);
        }
    }

    fn statement(&mut self, statement: &Statement) {
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
                    BindingValue::Step(step) => self.step(step),
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
                self.repeated_block(body);
            }
            StatementKind::Retry {
                attempts,
                every,
                body,
            } => {
                self.expect_type(attempts, &Type::Int, "`retry`");
                if let Some(every) = every {
                    self.expect_type(every, &Type::Duration, "`every`");
                }
                self.repeated_block(body);
            }
            StatementKind::Return(value) => self.return_statement(statement.span, value.as_ref()),
            StatementKind::Send(value) => {
                self.require_ws(statement.span, "send");
                self.expr(value);
                self.raw_text_body(value, None);
            }
            StatementKind::Receive { until, timeout } => {
                self.require_ws(statement.span, "receive");
                if let Some(timeout) = timeout {
                    self.expect_type(timeout, &Type::Duration, "`timeout`");
                }
                if let Some(schema) = steps::schema_for("ws") {
                    self.set_fields(&schema, statement.span);
                }
                if let Some(until) = until {
                    self.condition(until, "`until`");
                }
            }
            StatementKind::Close(code) => {
                self.require_ws(statement.span, "close");
                if let Some(code) = code {
                    self.expect_type(code, &Type::Int, "a close code");
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
    fn after_calls(&mut self, expr: &Expr) {
        if Effects::new(self.checker).expr_calls(expr, Effect::Step) {
            self.clear_fields(NoFieldsReason::AfterCall);
        }
    }

    fn require_ws(&mut self, span: Span, keyword: &str) {
        if self.ws_depth == 0 {
            self.report(
                Diagnostic::error(
                    codes::WEBSOCKET_STATEMENT_OUTSIDE_WS,
                    format!("`{keyword}` is used outside a `ws` block"),
                    span,
                    "no WebSocket is open here",
                )
                .with_help("open a WebSocket first: `ws \"ws://host/path\" { … }`"),
            );
        }
    }

    fn return_statement(&mut self, span: Span, value: Option<&Expr>) {
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

    fn if_statement(
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
    fn repeated_block(&mut self, body: &Block) {
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

    fn assignment(&mut self, name: &Ident, value: &Expr) {
        let value_type = self.expr(value);
        self.after_calls(value);
        let target = self
            .scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|local| local.name == name.name && local.kind != LocalKind::Field)
            .map(|local| (local.kind, local.ty.clone(), local.span));
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

    fn expectation(&mut self, condition: &Expr) {
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

    fn condition(&mut self, condition: &Expr, what: &str) {
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

    fn step(&mut self, step: &Step) -> Type {
        let Some(schema) = steps::schema_for(step.kind.backend_name()) else {
            return Type::Unknown;
        };
        if self.top_level_initializer {
            return Type::Unknown;
        }
        // The step's own target and clauses still see the previous step's fields.
        self.context = match schema.target_text {
            TargetText::Shell => InterpolationContext::Shell,
            TargetText::Plain | TargetText::Url => InterpolationContext::Text,
        };
        self.expect_type(&step.target, &schema.target, "the step's target");
        self.context = InterpolationContext::Text;
        if schema.target_text == TargetText::Shell {
            self.shell_command(&step.target);
        }
        match step.kind {
            StepKind::Http(_) | StepKind::Load(_) => {
                self.check_url_literal(&step.target, &["http", "https"]);
                self.check_secret_in_query(&step.target);
            }
            StepKind::WebSocket => self.check_url_literal(&step.target, &["ws", "wss"]),
            _ => {}
        }
        self.options(
            &step.clauses,
            &schema.clauses,
            &format!("`{}` steps", schema.name),
        );
        // The kind's own rules (a SQL or Redis command, the load model) live with
        // the kind, in `crate::steps`.
        if let Some(kind) = steps::by_name(step.kind.backend_name()) {
            kind.check(step, self);
        }
        if matches!(step.kind, StepKind::Http(_) | StepKind::Load(_)) {
            self.raw_body(&step.clauses);
        }
        match step.kind {
            StepKind::WebSocket => {
                self.clear_fields(NoFieldsReason::NoStep);
                self.ws_depth += 1;
                if let Some(block) = &step.block {
                    self.block_in_new_scope(block);
                }
                self.ws_depth -= 1;
                self.clear_fields(NoFieldsReason::AfterWs);
                Type::Unknown
            }
            _ => {
                self.set_fields(&schema, step.span);
                schema.result_type()
            }
        }
    }

    /// Clauses and options, checked against what a backend (or form) declares.
    fn options(&mut self, clauses: &[Clause], specs: &[OptionSpec], owner: &str) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut body: Option<&Clause> = None;
        for clause in clauses {
            let name = clause.name.name.as_str();
            let Some(spec) = specs.iter().find(|spec| spec.name == name) else {
                let names: Vec<&str> = specs.iter().map(|spec| spec.name).collect();
                let mut diagnostic = Diagnostic::error(
                    codes::UNKNOWN_CLAUSE,
                    format!("{owner} take no `{name}`"),
                    clause.name.span,
                    "unknown here",
                );
                diagnostic = match did_you_mean(name, names.iter().copied()) {
                    Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                    None => diagnostic.with_help(format!("{owner} take: {}", names.join(", "))),
                };
                self.report(diagnostic);
                self.clause_values(clause);
                continue;
            };
            if let Some(first) = seen.insert(name, clause.name.span) {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE_CLAUSE,
                        format!("`{name}` is given twice"),
                        clause.name.span,
                        "given again here",
                    )
                    .with_label(first, "first given here"),
                );
            }
            if spec.sets_body {
                if let Some(first) = body {
                    self.report(
                        Diagnostic::error(
                            codes::EXCLUSIVE_BODY,
                            format!(
                                "`{name}` and `{}` both set the request body",
                                first.name.name
                            ),
                            clause.name.span,
                            "a second body",
                        )
                        .with_label(first.name.span, "the first body")
                        .with_help("keep one of `json`, `form`, `multipart` and `body`"),
                    );
                } else {
                    body = Some(clause);
                }
            }
            self.clause_value(clause, spec);
        }
    }

    fn clause_value(&mut self, clause: &Clause, spec: &OptionSpec) {
        let name = clause.name.name.as_str();
        match (&spec.value, &clause.arguments) {
            (ValueSpec::Flag, ClauseArguments::None) => {}
            (ValueSpec::Flag, ClauseArguments::Value(value)) => {
                self.report(Diagnostic::error(
                    codes::CLAUSE_TYPE,
                    format!("`{name}` takes no value"),
                    value.span,
                    "unexpected value",
                ));
            }
            (ValueSpec::OneOf(types), ClauseArguments::Value(value)) => {
                let ty = self.expr(value);
                if !types.iter().any(|wanted| ty.fits(wanted)) {
                    let wanted: Vec<String> = types.iter().map(Type::with_article).collect();
                    let mut diagnostic = mismatch_plain(
                        codes::CLAUSE_TYPE,
                        value.span,
                        &format!("`{name}` takes {}", wanted.join(" or ")),
                        &ty,
                    );
                    if matches!(types.first(), Some(Type::Duration)) && ty.is_numeric() {
                        diagnostic = diagnostic.with_help(format!(
                            "write a duration with its unit: `{}s`",
                            self.source_text(value)
                        ));
                    }
                    self.report(diagnostic);
                }
                if name == "headers" {
                    self.check_header_names(value);
                }
                if name == "query" {
                    self.check_secret_values(value);
                }
            }
            (ValueSpec::OneOf(types), _) => {
                let wanted: Vec<String> = types.iter().map(Type::with_article).collect();
                self.report(Diagnostic::error(
                    codes::CLAUSE_TYPE,
                    format!("`{name}` needs a value"),
                    clause.span,
                    format!("expected {} after it", wanted.join(" or ")),
                ));
            }
            (ValueSpec::Rate, ClauseArguments::Rate { count, period }) => {
                self.expect_type(count, &Type::Int, "`rate`");
                self.expect_type(period, &Type::Duration, "`per`");
            }
            (ValueSpec::Ramp, ClauseArguments::Ramp { from, to, over }) => {
                self.expect_type(from, &Type::Int, "`from`");
                self.expect_type(to, &Type::Int, "`to`");
                self.expect_type(over, &Type::Duration, "`over`");
            }
            (ValueSpec::Check, ClauseArguments::Check(conditions)) => {
                // Inside `check`, each response's HTTP fields are in scope and
                // earlier fields are hidden.
                let before = self.snapshot_fields();
                self.clear_fields(NoFieldsReason::NoStep);
                self.push_scope();
                if let Some(http) = steps::schema_for("http") {
                    self.set_fields(&http, clause.span);
                }
                for condition in conditions {
                    self.condition(condition, "`check`");
                }
                self.scopes.pop();
                self.restore_fields(&before);
            }
            (
                ValueSpec::Ready,
                ClauseArguments::Ready {
                    probe,
                    target,
                    within,
                },
            ) => {
                if !["http", "tcp", "log"].contains(&probe.name.as_str()) {
                    self.report(
                        Diagnostic::error(
                            codes::UNKNOWN_OPTION,
                            format!("unknown readiness probe `{}`", probe.name),
                            probe.span,
                            "expected `http`, `tcp` or `log`",
                        )
                        .with_help(
                            "`ready http URL`, `ready tcp \"host:port\"` or `ready log \"text\"`",
                        ),
                    );
                }
                self.expect_type(target, &Type::String, "`ready`");
                if probe.name == "http" {
                    self.check_url_literal(target, &["http", "https"]);
                }
                if let Some(within) = within {
                    self.expect_type(within, &Type::Duration, "`within`");
                }
            }
            (_, arguments) => {
                self.report(Diagnostic::error(
                    codes::CLAUSE_TYPE,
                    format!("`{name}` is not written this way"),
                    clause.span,
                    match spec.value {
                        ValueSpec::Rate => "expected `rate N per D`",
                        ValueSpec::Ramp => "expected `ramp from A to B over D`",
                        ValueSpec::Check => "expected `check { condition }`",
                        ValueSpec::Ready => "expected `ready http|tcp|log TARGET [within D]`",
                        _ => "unexpected form",
                    },
                ));
                let _ = arguments;
                self.clause_values(clause);
            }
        }
    }

    /// Checks the expressions inside a clause that was rejected, so that names in
    /// them are still resolved (and not reported as unused).
    fn clause_values(&mut self, clause: &Clause) {
        match &clause.arguments {
            ClauseArguments::None => {}
            ClauseArguments::Value(value) => {
                self.expr(value);
            }
            ClauseArguments::Rate { count, period } => {
                self.expr(count);
                self.expr(period);
            }
            ClauseArguments::Ramp { from, to, over } => {
                self.expr(from);
                self.expr(to);
                self.expr(over);
            }
            ClauseArguments::Check(conditions) => {
                for condition in conditions {
                    self.expr(condition);
                }
            }
            ClauseArguments::Ready { target, within, .. } => {
                self.expr(target);
                if let Some(within) = within {
                    self.expr(within);
                }
            }
        }
    }

    fn source_text(&self, expr: &Expr) -> String {
        self.checker.program.sources.text(expr.span).to_string()
    }

    fn check_url_literal(&mut self, target: &Expr, schemes: &[&str]) {
        let ExprKind::String(string) = &target.kind else {
            return;
        };
        let leading = match string.parts.first() {
            Some(StringPart::Text(text)) => text.clone(),
            _ => return,
        };
        let whole = string.as_plain_text();
        let problem = if let Some(text) = &whole {
            match url::Url::parse(text) {
                Ok(url) if !schemes.contains(&url.scheme()) => Some(format!(
                    "the scheme `{}` is not supported here",
                    url.scheme()
                )),
                Ok(url) if url.host().is_none() => Some("the URL has no host".to_string()),
                Ok(_) => None,
                Err(error) => Some(format!("{error}")),
            }
        } else {
            match leading.split_once("://") {
                Some((scheme, _)) if !schemes.contains(&scheme) => {
                    Some(format!("the scheme `{scheme}` is not supported here"))
                }
                _ => None,
            }
        };
        if let Some(problem) = problem {
            self.report(
                Diagnostic::error(codes::INVALID_URL, "invalid URL", target.span, problem)
                    .with_help(format!(
                        "write an absolute URL: `{}://host:port/path`",
                        schemes[0]
                    )),
            );
        }
    }

    fn check_header_names(&mut self, value: &Expr) {
        let ExprKind::Object(entries) = &value.kind else {
            return;
        };
        for entry in entries {
            let valid = !entry.key.is_empty()
                && entry
                    .key
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte));
            if !valid {
                self.report(
                    Diagnostic::error(
                        codes::INVALID_HEADER_NAME,
                        format!("`{}` is not a valid header name", entry.key),
                        entry.key_span,
                        "header names cannot contain spaces, colons or other separators",
                    )
                    .with_help("use letters, digits and `-`, such as `X-Request-Id`"),
                );
            }
        }
    }

    fn is_secret(&self, expr: &Expr) -> bool {
        let mut found = false;
        visit_expr(expr, &mut |node| {
            if let ExprKind::Name(name) = &node.kind {
                let shadowed = self
                    .scopes
                    .iter()
                    .any(|scope| scope.iter().any(|local| local.name == name.name));
                if !shadowed
                    && let Some(Global {
                        kind:
                            GlobalKind::Binding {
                                kind: BindingKind::Secret,
                                ..
                            },
                        ..
                    }) = self.checker.globals.get(&name.name)
                {
                    found = true;
                }
            }
        });
        found
    }

    fn secret_warning(&mut self, span: Span) {
        self.report(
            Diagnostic::warning(
                codes::SECRET_IN_QUERY,
                "a secret is sent in the URL's query",
                span,
                "this secret ends up in access logs",
            )
            .with_help("send it in a header (`headers { Authorization: … }`) or in the body"),
        );
    }

    fn check_secret_in_query(&mut self, target: &Expr) {
        let ExprKind::String(string) = &target.kind else {
            return;
        };
        let mut in_query = false;
        for part in &string.parts {
            match part {
                StringPart::Text(text) => in_query |= text.contains('?'),
                StringPart::Interpolation(expr) => {
                    if in_query && self.is_secret(expr) {
                        self.secret_warning(expr.span);
                    }
                }
            }
        }
    }

    fn check_secret_values(&mut self, value: &Expr) {
        if let ExprKind::Object(entries) = &value.kind {
            for entry in entries {
                if self.is_secret(&entry.value) {
                    self.secret_warning(entry.value.span);
                }
            }
        }
    }

    /// E0318 for `{{ }}` in a raw `body` that is JSON or a form (its text, or the
    /// `Content-Type` a literal `headers` object gives).
    fn raw_body(&mut self, clauses: &[Clause]) {
        let value = |name: &str| {
            clauses
                .iter()
                .find(|clause| clause.name.name == name)
                .and_then(|clause| match &clause.arguments {
                    ClauseArguments::Value(expr) => Some(expr),
                    _ => None,
                })
        };
        let Some(body) = value("body") else {
            return;
        };
        let declared = value("headers").and_then(|headers| match &headers.kind {
            ExprKind::Object(entries) => entries
                .iter()
                .find(|entry| entry.key.eq_ignore_ascii_case("content-type"))
                .and_then(|entry| match &entry.value.kind {
                    ExprKind::String(text) => text.as_plain_text(),
                    _ => None,
                })
                .map(|text| text.to_ascii_lowercase()),
            _ => None,
        });
        self.raw_text_body(body, declared.as_deref());
    }

    fn raw_text_body(&mut self, body: &Expr, declared: Option<&str>) {
        let ExprKind::String(string) = &body.kind else {
            return;
        };
        let written: String = string
            .parts
            .iter()
            .map(|part| match part {
                StringPart::Text(text) => text.as_str(),
                StringPart::Interpolation(_) => "",
            })
            .collect();
        let looks_like_json = written.trim_start().starts_with(['{', '[']);
        let is_form = declared.is_some_and(|kind| kind.contains("x-www-form-urlencoded"));
        let is_json = declared.map_or(looks_like_json, |kind| kind.contains("json"));
        let (language, help) = if is_form {
            (
                "form",
                "send `form { key: value }`: ritc encodes each value as one field",
            )
        } else if is_json {
            (
                "JSON",
                "send `json { key: value }` (or `send { … }` in a `ws` block): ritc encodes each value",
            )
        } else {
            return;
        };
        for expr in string.interpolations() {
            self.report(
                Diagnostic::error(
                    codes::INTERPOLATION_IN_RAW_BODY,
                    format!("`{{{{ }}}}` inside a raw {language} body"),
                    expr.span,
                    format!("spliced into the {language} text as it is, where a quote or `&` in the value would change it"),
                )
                .with_help(help),
            );
        }
    }

    /// E0317 for each `{{ }}` of a shell command that is not a bare word.
    fn shell_command(&mut self, command: &Expr) {
        use super::shell_context::{Piece, QuotedPlace, interpolation_places};
        let ExprKind::String(string) = &command.kind else {
            return;
        };
        let pieces: Vec<Piece> = string
            .parts
            .iter()
            .map(|part| match part {
                StringPart::Text(text) => Piece::Text(text),
                StringPart::Interpolation(_) => Piece::Value,
            })
            .collect();
        let places = interpolation_places(&pieces);
        for (expr, place) in string.interpolations().zip(places) {
            let Some(place) = place else {
                continue;
            };
            let help = match place {
                QuotedPlace::SingleQuotes
                | QuotedPlace::DoubleQuotes
                | QuotedPlace::DollarQuotes => {
                    "remove the quotes: ritc quotes the value, which arrives as one word, verbatim (`echo {{x}}`)"
                }
                QuotedPlace::Backticks => "write `$( … )` instead of backticks",
                QuotedPlace::Parameter | QuotedPlace::Arithmetic => {
                    "give the value a name first: `run \"X={{x}}; echo ${X:-none}\"`"
                }
                QuotedPlace::Comment => "move it out of the comment, or remove it",
                QuotedPlace::AfterBackslash => "remove the backslash: ritc quotes the value",
                QuotedPlace::AfterDollar => "remove the `$`: ritc writes the value itself",
                QuotedPlace::HereDocument => {
                    "pass the text with `stdin`, or give it a name before the `<<`: `X={{x}}`"
                }
            };
            self.report(
                Diagnostic::error(
                    codes::SHELL_INTERPOLATION_IN_QUOTES,
                    "`{{ }}` inside shell quotes",
                    expr.span,
                    format!(
                        "{}, where the quoted value would not be one word",
                        place.words()
                    ),
                )
                .with_help(help),
            );
        }
    }

    // ------------------------------------------------------------ expressions

    /// Checks `expr` and reports when its type does not fit `expected`.
    fn expect_type(&mut self, expr: &Expr, expected: &Type, what: &str) {
        let ty = self.expr(expr);
        if !ty.fits(expected) {
            let mut diagnostic = mismatch_plain(
                codes::CLAUSE_TYPE,
                expr.span,
                &format!("{what} takes {}", expected.with_article()),
                &ty,
            );
            if expected == &Type::Duration && ty.is_numeric() {
                diagnostic = diagnostic.with_help(format!(
                    "write a duration with its unit: `{}s`",
                    self.source_text(expr)
                ));
            }
            self.report(diagnostic);
        }
    }

    fn reject_bytes_in_text(&mut self, ty: &Type, expr: &Expr) {
        if ty == &Type::Bytes {
            self.report(
                Diagnostic::error(
                    codes::BYTES_INTERPOLATION,
                    "bytes cannot be written into text",
                    expr.span,
                    "this is bytes",
                )
                .with_help("write `{{ hex(x) }}` or `{{ base64(x) }}`"),
            );
        }
    }

    fn expr(&mut self, expr: &Expr) -> Type {
        let ty = self.expr_untracked(expr);
        self.checker
            .record(|index| index.expression(expr.span, &ty));
        ty
    }

    fn expr_untracked(&mut self, expr: &Expr) -> Type {
        match &expr.kind {
            ExprKind::Int(_) => Type::Int,
            ExprKind::Float(_) => Type::Float,
            ExprKind::Duration(_) => Type::Duration,
            ExprKind::Percent(_) => Type::Percent,
            ExprKind::Size(_) => Type::Size,
            ExprKind::Bool(_) => Type::Bool,
            ExprKind::Null => Type::Null,
            ExprKind::String(string) => {
                let context = self.context;
                for part in &string.parts {
                    if let StringPart::Interpolation(inner) = part {
                        self.context = InterpolationContext::Text;
                        let ty = self.expr(inner);
                        self.reject_bytes_in_text(&ty, inner);
                    }
                }
                self.context = context;
                Type::String
            }
            ExprKind::List(items) => {
                let mut item_type: Option<Type> = None;
                for item in items {
                    let ty = self.expr(item);
                    item_type = Some(match item_type {
                        None => ty,
                        Some(previous) if previous == ty => previous,
                        Some(previous) if previous.is_numeric() && ty.is_numeric() => {
                            previous.join(&ty)
                        }
                        Some(_) => Type::Json,
                    });
                }
                Type::list(item_type.unwrap_or(Type::Json))
            }
            ExprKind::Object(entries) => {
                let mut fields = Vec::new();
                for entry in entries {
                    let ty = self.expr(&entry.value);
                    fields.push((entry.key.clone(), ty));
                }
                Type::Record(fields)
            }
            ExprKind::Name(name) => self.name(name),
            ExprKind::Member { target, name } => self.member(target, name),
            ExprKind::Index { target, index } => {
                let target_type = self.expr(target);
                let index_type = self.expr(index);
                match &target_type {
                    Type::List(item) => {
                        if !index_type.fits(&Type::Int) {
                            self.report(mismatch_plain(
                                codes::MISMATCHED_TYPES,
                                index.span,
                                "a list is indexed by an int",
                                &index_type,
                            ));
                        }
                        (**item).clone()
                    }
                    Type::Map(value) => {
                        if !index_type.fits(&Type::String) {
                            self.report(mismatch_plain(
                                codes::MISMATCHED_TYPES,
                                index.span,
                                "an object is indexed by a string",
                                &index_type,
                            ));
                        }
                        (**value).clone()
                    }
                    Type::Record(fields) => match &index.kind {
                        ExprKind::String(key) => match key.as_plain_text() {
                            Some(key) => fields
                                .iter()
                                .find(|(name, _)| *name == key)
                                .map(|(_, ty)| ty.clone())
                                .unwrap_or(Type::Json),
                            None => Type::Json,
                        },
                        _ => Type::Json,
                    },
                    Type::Json | Type::Unknown => Type::Json,
                    other => {
                        self.report(Diagnostic::error(
                            codes::MISMATCHED_TYPES,
                            format!("{} cannot be indexed", other.with_article()),
                            target.span,
                            format!("this is {}", other.with_article()),
                        ));
                        Type::Unknown
                    }
                }
            }
            ExprKind::Call { callee, arguments } => self.call(expr.span, callee, arguments),
            ExprKind::Unary { operator, operand } => {
                let ty = self.expr(operand);
                match operator {
                    UnaryOperator::Not => {
                        if !matches!(ty, Type::Bool | Type::Json | Type::Unknown) {
                            self.report(mismatch_plain(
                                codes::MISMATCHED_TYPES,
                                operand.span,
                                "`not` takes a bool",
                                &ty,
                            ));
                        }
                        Type::Bool
                    }
                    UnaryOperator::Negate => {
                        if !(ty.is_numeric() || ty.is_dynamic() || ty == Type::Duration) {
                            self.report(mismatch_plain(
                                codes::MISMATCHED_TYPES,
                                operand.span,
                                "`-` takes a number",
                                &ty,
                            ));
                            return Type::Unknown;
                        }
                        ty
                    }
                }
            }
            ExprKind::Binary {
                operator,
                operator_span,
                left,
                right,
            } => self.binary(*operator, *operator_span, left, right),
            ExprKind::Is { operand, type_name } => {
                self.expr(operand);
                if !IS_TYPE_NAMES.contains(&type_name.name.as_str()) {
                    let mut diagnostic = Diagnostic::error(
                        codes::UNKNOWN_TYPE,
                        format!("`is` does not know the type `{}`", type_name.name),
                        type_name.span,
                        "not a type `is` can test",
                    );
                    diagnostic = match did_you_mean(&type_name.name, IS_TYPE_NAMES.iter().copied())
                    {
                        Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                        None => diagnostic
                            .with_help(format!("`is` tests: {}", IS_TYPE_NAMES.join(", "))),
                    };
                    self.report(diagnostic);
                }
                Type::Bool
            }
            ExprKind::Exists(operand) => {
                self.expr(operand);
                Type::Bool
            }
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Invalid => Type::Unknown,
        }
    }

    fn name(&mut self, name: &Ident) -> Type {
        if let Some(local) = self.lookup_local(&name.name) {
            local.used = true;
            let (ty, target) = (
                local.ty.clone(),
                Target::Declared {
                    definition: local.span,
                    kind: local.kind.name_kind(),
                },
            );
            self.checker
                .record(|index| index.reference(name.span, &name.name, target, &ty));
            return ty;
        }
        let item_order = self.item_order;
        let top_level = self.top_level_initializer;
        if let Some((definition, kind, ty)) =
            self.checker.globals.get(&name.name).map(global_summary)
        {
            self.checker.record(|index| {
                index.reference(
                    name.span,
                    &name.name,
                    Target::Declared { definition, kind },
                    &ty,
                )
            });
        }
        if let Some(global) = self.checker.globals.get(&name.name) {
            return match &global.kind {
                GlobalKind::Binding { ty, order, .. } => {
                    if top_level && global.local && *order >= item_order {
                        let span = global.span;
                        self.report(
                            Diagnostic::error(
                                codes::UNKNOWN_NAME,
                                format!("`{}` is used before it is defined", name.name),
                                name.span,
                                "not computed yet",
                            )
                            .with_label(span, "defined later here")
                            .with_help("top-level values are computed in file order: move this one below it"),
                        );
                        return Type::Unknown;
                    }
                    ty.clone()
                }
                GlobalKind::Fn(_) => Type::Function,
                GlobalKind::Service => Type::Service,
                GlobalKind::Module(_) => Type::Module,
            };
        }
        // A field of some step, but not of the last one.
        let fields = steps::all_result_fields();
        if let Some((_, owner)) = fields.iter().find(|(field, _)| *field == name.name) {
            let (message, label) = match self.fields_from {
                Some(last) => {
                    let yielded = steps::schema_for(last)
                        .map(|schema| schema.field_names().join(", "))
                        .unwrap_or_default();
                    (
                        format!("the last step (`{last}`) does not yield `{}`", name.name),
                        format!("`{last}` steps yield {yielded}"),
                    )
                }
                None => {
                    let words = match self.no_fields_reason {
                        NoFieldsReason::NoStep => "there is no step before this",
                        NoFieldsReason::InsideIf => "the last step is inside the `if` above",
                        NoFieldsReason::InsideLoop => "the last step is inside the loop above",
                        NoFieldsReason::AfterWs => "the fields of a `ws` block end with it",
                        NoFieldsReason::AfterCall => "the call above performs a step of its own",
                    };
                    (
                        format!("`{}` is not in scope: {words}", name.name),
                        words.to_string(),
                    )
                }
            };
            self.report(
                Diagnostic::error(codes::FIELD_NOT_IN_SCOPE, message, name.span, label).with_help(format!(
                    "`{}` is a field of `{owner}` steps; keep a result with `let r = …` and read `r.{}`",
                    name.name, name.name
                )),
            );
            return Type::Unknown;
        }
        let candidates = self.visible_names();
        let mut diagnostic = Diagnostic::error(
            codes::UNKNOWN_NAME,
            format!("unknown name `{}`", name.name),
            name.span,
            "not found in this scope",
        );
        // A name of a module imported with `as` needs its qualifier.
        let qualifier =
            self.checker
                .globals
                .iter()
                .find_map(|(alias, global)| match &global.kind {
                    GlobalKind::Module(id) => self
                        .checker
                        .imported
                        .get(id)
                        .filter(|exports| exports.names.contains_key(&name.name))
                        .map(|_| alias.clone()),
                    _ => None,
                });
        if let Some(alias) = qualifier {
            diagnostic = diagnostic.with_help(format!(
                "`{}` is defined in the module imported as `{alias}`: write `{alias}.{}`",
                name.name, name.name
            ));
        } else if let Some(near) = did_you_mean(&name.name, candidates.iter().map(String::as_str)) {
            diagnostic = diagnostic.with_help(format!("did you mean `{near}`?"));
        }
        self.report(diagnostic);
        Type::Unknown
    }

    fn member(&mut self, target: &Expr, name: &Ident) -> Type {
        // `module.name` of an import made with `as`.
        if let ExprKind::Name(module_name) = &target.kind
            && self.lookup_local(&module_name.name).is_none()
            && let Some(Global {
                kind: GlobalKind::Module(id),
                ..
            }) = self.checker.globals.get(&module_name.name)
        {
            let id = *id;
            let exported = self
                .checker
                .imported
                .get(&id)
                .and_then(|exports| exports.names.get(&name.name))
                .cloned();
            let module_reference = self
                .checker
                .globals
                .get(&module_name.name)
                .map(global_summary);
            for (used, summary) in [
                (module_name, module_reference),
                (name, exported.as_ref().map(global_summary)),
            ] {
                if let Some((definition, kind, ty)) = summary {
                    self.checker.record(|index| {
                        index.reference(
                            used.span,
                            &used.name,
                            Target::Declared { definition, kind },
                            &ty,
                        )
                    });
                }
            }
            return match exported {
                Some(Global {
                    kind: GlobalKind::Binding { ty, .. },
                    ..
                }) => ty,
                Some(Global {
                    kind: GlobalKind::Fn(_),
                    ..
                }) => Type::Function,
                Some(Global {
                    kind: GlobalKind::Service,
                    ..
                }) => Type::Service,
                _ => {
                    let names: Vec<String> = self
                        .checker
                        .imported
                        .get(&id)
                        .map(|exports| exports.names.keys().cloned().collect())
                        .unwrap_or_default();
                    let mut diagnostic = Diagnostic::error(
                        codes::UNKNOWN_NAME,
                        format!("module `{}` has no `{}`", module_name.name, name.name),
                        name.span,
                        "not defined in that module",
                    );
                    if let Some(near) = did_you_mean(&name.name, names.iter().map(String::as_str)) {
                        diagnostic = diagnostic.with_help(format!("did you mean `{near}`?"));
                    }
                    self.report(diagnostic);
                    Type::Unknown
                }
            };
        }
        let target_type = self.expr(target);
        match &target_type {
            Type::Json | Type::Unknown => Type::Json,
            Type::Map(value) => (**value).clone(),
            Type::Record(fields) => match fields.iter().find(|(field, _)| *field == name.name) {
                Some((_, ty)) => ty.clone(),
                None => {
                    let names: Vec<&str> = fields.iter().map(|(field, _)| field.as_str()).collect();
                    let mut diagnostic = Diagnostic::error(
                        codes::UNKNOWN_FIELD,
                        format!("no field `{}` here", name.name),
                        name.span,
                        format!("the fields are {}", names.join(", ")),
                    );
                    if let Some(near) = did_you_mean(&name.name, names.iter().copied()) {
                        diagnostic = diagnostic.with_help(format!("did you mean `{near}`?"));
                    }
                    self.report(diagnostic);
                    Type::Unknown
                }
            },
            other => {
                self.report(Diagnostic::error(
                    codes::UNKNOWN_FIELD,
                    format!("{} has no fields", other.with_article()),
                    name.span,
                    format!("`.{}` on {}", name.name, other.with_article()),
                ));
                Type::Unknown
            }
        }
    }

    fn call(&mut self, span: Span, callee: &Expr, arguments: &[Argument]) -> Type {
        let argument_types: Vec<Type> = arguments
            .iter()
            .map(|argument| self.expr(&argument.value))
            .collect();
        self.record_callee(callee);
        if let Some(signature) = self.checker.lookup_function(callee).cloned() {
            self.check_user_call(span, &signature, arguments, &argument_types);
            return signature.returns.unwrap_or(Type::Null);
        }
        let ExprKind::Name(name) = &callee.kind else {
            if let ExprKind::Member { target, name } = &callee.kind
                && let ExprKind::Name(module) = &target.kind
                && matches!(
                    self.checker.globals.get(&module.name),
                    Some(Global {
                        kind: GlobalKind::Module(_),
                        ..
                    })
                )
            {
                self.member(callee, name);
                return Type::Unknown;
            }
            let ty = self.expr(callee);
            if ty != Type::Unknown {
                self.report(
                    Diagnostic::error(
                        codes::NOT_CALLABLE,
                        "this is not a function",
                        callee.span,
                        format!("this is {}", ty.with_article()),
                    )
                    .with_help("call a function by its name: `len(x)`, `helpers.login(…)`"),
                );
            }
            return Type::Unknown;
        };
        let Some(builtin) = builtins::lookup(&name.name) else {
            let mut candidates: Vec<&str> = builtins::BUILTINS
                .iter()
                .map(|builtin| builtin.name)
                .collect();
            let user: Vec<String> = self
                .checker
                .globals
                .iter()
                .filter(|(_, global)| matches!(global.kind, GlobalKind::Fn(_)))
                .map(|(name, _)| name.clone())
                .collect();
            candidates.extend(user.iter().map(String::as_str));
            let mut diagnostic = Diagnostic::error(
                codes::UNKNOWN_FUNCTION,
                format!("unknown function `{}`", name.name),
                name.span,
                "no function of this name",
            );
            if let Some(near) = did_you_mean(&name.name, candidates) {
                diagnostic = diagnostic.with_help(format!("did you mean `{near}`?"));
            }
            self.report(diagnostic);
            return Type::Unknown;
        };
        self.check_builtin_call(span, builtin, arguments, &argument_types)
    }

    /// Records what a called name refers to: a `fn` (here or in a module) or a
    /// core function.
    fn record_callee(&mut self, callee: &Expr) {
        let (used, summary) = match &callee.kind {
            ExprKind::Name(name) => match self.checker.globals.get(&name.name) {
                Some(
                    global @ Global {
                        kind: GlobalKind::Fn(_),
                        ..
                    },
                ) => (name, Some(global_summary(global))),
                Some(_) => return,
                None => {
                    if let Some(builtin) = builtins::lookup(&name.name) {
                        let ty = match builtin.returns {
                            Returns::Fixed(ty) => ty(),
                            Returns::FirstArgument => Type::Unknown,
                        };
                        self.checker.record(|index| {
                            index.reference(
                                name.span,
                                &name.name,
                                Target::Builtin(builtin.name),
                                &ty,
                            )
                        });
                    }
                    return;
                }
            },
            ExprKind::Member { target, name } => {
                let ExprKind::Name(module) = &target.kind else {
                    return;
                };
                let Some(
                    module_global @ Global {
                        kind: GlobalKind::Module(id),
                        ..
                    },
                ) = self.checker.globals.get(&module.name)
                else {
                    return;
                };
                let module_summary = global_summary(module_global);
                let exported = self
                    .checker
                    .imported
                    .get(id)
                    .and_then(|exports| exports.names.get(&name.name))
                    .map(global_summary);
                let (definition, kind, ty) = module_summary;
                self.checker.record(|index| {
                    index.reference(
                        module.span,
                        &module.name,
                        Target::Declared { definition, kind },
                        &ty,
                    )
                });
                (name, exported)
            }
            _ => return,
        };
        if let Some((definition, kind, ty)) = summary {
            self.checker.record(|index| {
                index.reference(
                    used.span,
                    &used.name,
                    Target::Declared { definition, kind },
                    &ty,
                )
            });
        }
    }

    /// Matches the arguments of a call to the function's parameters (positional
    /// first, then by name) and reports unknown names, extra arguments and a
    /// parameter given twice. Returns, per parameter, the index of its argument.
    /// `summary` (core functions) adds a help line to those reports.
    fn bind_arguments(
        &mut self,
        function: &str,
        parameters: &[&str],
        summary: Option<&str>,
        arguments: &[Argument],
    ) -> Vec<Option<usize>> {
        let mut given: Vec<Option<usize>> = vec![None; parameters.len()];
        let mut position = 0;
        for (index, argument) in arguments.iter().enumerate() {
            let slot = match &argument.name {
                None => {
                    position += 1;
                    position - 1
                }
                Some(name) => match parameters.iter().position(|param| *param == name.name) {
                    Some(slot) => slot,
                    None => {
                        let mut diagnostic = Diagnostic::error(
                            codes::UNKNOWN_ARGUMENT,
                            format!("`{function}` has no parameter `{}`", name.name),
                            name.span,
                            "unknown parameter",
                        );
                        match did_you_mean(&name.name, parameters.iter().copied()) {
                            Some(near) => {
                                diagnostic = diagnostic.with_help(format!("did you mean `{near}`?"))
                            }
                            None if summary.is_some() => {
                                diagnostic = diagnostic.with_help(format!(
                                    "`{function}` takes: {}",
                                    parameters.join(", ")
                                ));
                            }
                            None => {}
                        }
                        self.report(diagnostic);
                        continue;
                    }
                },
            };
            let Some(entry) = given.get_mut(slot) else {
                let mut diagnostic = Diagnostic::error(
                    codes::WRONG_ARGUMENT_COUNT,
                    format!(
                        "`{function}` takes {} argument{}, but more were given",
                        parameters.len(),
                        if parameters.len() == 1 { "" } else { "s" }
                    ),
                    argument.value.span,
                    "one too many",
                );
                if let Some(summary) = summary {
                    diagnostic = diagnostic.with_help(format!("`{function}`: {summary}"));
                }
                self.report(diagnostic);
                continue;
            };
            if entry.is_some() {
                self.report(Diagnostic::error(
                    codes::UNKNOWN_ARGUMENT,
                    format!("parameter `{}` is given twice", parameters[slot]),
                    argument.value.span,
                    "given again here",
                ));
                continue;
            }
            *entry = Some(index);
        }
        given
    }

    fn check_user_call(
        &mut self,
        span: Span,
        signature: &FnSignature,
        arguments: &[Argument],
        types: &[Type],
    ) {
        let names: Vec<&str> = signature
            .params
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        let given = self.bind_arguments(&signature.name, &names, None, arguments);
        for ((param_name, param_type), argument) in signature.params.iter().zip(&given) {
            let Some(index) = *argument else { continue };
            if !types[index].fits(param_type) {
                self.report(mismatch_plain(
                    codes::ARGUMENT_TYPE,
                    arguments[index].value.span,
                    &format!(
                        "`{param_name}` of `{}` takes {}",
                        signature.name,
                        param_type.with_article()
                    ),
                    &types[index],
                ));
            }
        }
        let missing: Vec<&str> = names
            .iter()
            .zip(&given)
            .filter(|(_, given)| given.is_none())
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            self.report(Diagnostic::error(
                codes::WRONG_ARGUMENT_COUNT,
                format!("`{}` is missing {}", signature.name, quote_list(&missing)),
                span,
                format!(
                    "`{}` takes {} argument(s)",
                    signature.name,
                    signature.params.len()
                ),
            ));
        }
    }

    fn check_builtin_call(
        &mut self,
        span: Span,
        builtin: &builtins::Builtin,
        arguments: &[Argument],
        types: &[Type],
    ) -> Type {
        let names: Vec<&str> = builtin.parameters.iter().map(|param| param.name).collect();
        let given = self.bind_arguments(builtin.name, &names, Some(builtin.summary), arguments);
        for (parameter, argument) in builtin.parameters.iter().zip(&given) {
            let Some(index) = *argument else { continue };
            if !parameter.accepts.admits(&types[index]) {
                self.report(mismatch_plain(
                    codes::ARGUMENT_TYPE,
                    arguments[index].value.span,
                    &format!(
                        "`{}` of `{}` takes {}",
                        parameter.name,
                        builtin.name,
                        parameter.accepts.describe()
                    ),
                    &types[index],
                ));
            }
            self.check_literal_argument(builtin.name, &arguments[index].value);
        }
        let missing: Vec<&str> = builtin
            .parameters
            .iter()
            .zip(&given)
            .filter(|(param, given)| param.required && given.is_none())
            .map(|(param, _)| param.name)
            .collect();
        if !missing.is_empty() {
            self.report(
                Diagnostic::error(
                    codes::WRONG_ARGUMENT_COUNT,
                    format!("`{}` is missing {}", builtin.name, quote_list(&missing)),
                    span,
                    "missing argument",
                )
                .with_help(format!("`{}`: {}", builtin.name, builtin.summary)),
            );
        }
        if builtin.name == "file" {
            let has = |name: &str| {
                builtin
                    .parameters
                    .iter()
                    .position(|param| param.name == name)
                    .is_some_and(|slot| given[slot].is_some())
            };
            if has("path") == has("content") {
                self.report(
                    Diagnostic::error(
                        codes::WRONG_ARGUMENT_COUNT,
                        "`file` takes a path or `content`, not both",
                        span,
                        "give exactly one of them",
                    )
                    .with_help("`file(\"a.txt\")` or `file(name: \"a.txt\", content: \"…\")`"),
                );
            } else if has("content") && !has("name") {
                self.report(Diagnostic::error(
                    codes::WRONG_ARGUMENT_COUNT,
                    "an inline `file` needs a `name`",
                    span,
                    "add `name: \"file.txt\"`",
                ));
            }
        }
        match builtin.returns {
            Returns::Fixed(ty) => ty(),
            Returns::FirstArgument => types.first().cloned().unwrap_or(Type::Unknown),
        }
    }

    /// `database("ftp://…")`, `redis("http://…")`: schemes checked when literal.
    fn check_literal_argument(&mut self, function: &str, value: &Expr) {
        let schemes: &[&str] = match function {
            "database" => steps::sql::SCHEMES,
            "redis" => steps::redis::SCHEMES,
            _ => return,
        };
        let ExprKind::String(string) = &value.kind else {
            return;
        };
        let Some(StringPart::Text(leading)) = string.parts.first() else {
            return;
        };
        let scheme = leading.split_once(':').map(|(scheme, _)| scheme);
        let complete = string.parts.len() > 1 || leading.contains(':');
        if let Some(scheme) = scheme.filter(|_| complete)
            && !schemes.contains(&scheme)
        {
            self.report(
                Diagnostic::error(
                    codes::UNSUPPORTED_DATABASE,
                    format!("`{function}` does not support `{scheme}:` URLs"),
                    value.span,
                    format!("supported: {}", schemes.join(", ")),
                )
                .with_help(match function {
                    "database" => "for example `postgres://user@127.0.0.1:5432/db` or `sqlite://file.db?mode=rwc`",
                    _ => "for example `redis://127.0.0.1:6379`",
                }),
            );
        }
    }

    fn binary(
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
                if let ExprKind::String(pattern) = &right.kind
                    && let Some(text) = pattern.as_plain_text()
                    && let Err(error) = regex::Regex::new(&text)
                {
                    let detail = error.to_string();
                    let last_line = detail
                        .lines()
                        .last()
                        .unwrap_or("invalid pattern")
                        .trim()
                        .to_string();
                    self.report(
                        Diagnostic::error(codes::INVALID_REGEX, "invalid regular expression", right.span, last_line)
                            .with_help("patterns use Rust regex syntax; double each backslash in a string: `\"\\\\d+\"`"),
                    );
                }
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

    fn report_mismatch(
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
fn unit_help(
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

fn comparable_for_equality(left: &Type, right: &Type) -> bool {
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

fn ordered(left: &Type, right: &Type) -> bool {
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

/// The result of `+ - * /` (GRAMMAR-NOTES.md §4), `None` when the pair is an error.
fn arithmetic_type(operator: BinaryOperator, left: &Type, right: &Type) -> Option<Type> {
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
fn operands_are_literals(expr: &Expr) -> bool {
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

/// Where a global is defined, what it is, and its type, for the index.
fn global_summary(global: &Global) -> (Span, NameKind, Type) {
    let (kind, ty) = match &global.kind {
        GlobalKind::Binding { kind, ty, .. } => ((*kind).into(), ty.clone()),
        GlobalKind::Fn(signature) => (
            NameKind::Function,
            signature.returns.clone().unwrap_or(Type::Null),
        ),
        GlobalKind::Service => (NameKind::Service, Type::Service),
        GlobalKind::Module(_) => (NameKind::Module, Type::Module),
    };
    (global.span, kind, ty)
}

fn quote_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    quoted.join(", ")
}

/// A type mismatch where an expected type is known.
fn mismatch(
    code: crate::diagnostics::codes::Code,
    span: Span,
    expected: &Type,
    found: &Type,
    context: &str,
) -> Diagnostic {
    Diagnostic::error(
        code,
        format!(
            "expected {}, found {}",
            expected.with_article(),
            found.with_article()
        ),
        span,
        format!("this is {}", found.with_article()),
    )
    .with_help(context.to_string())
}

fn mismatch_plain(
    code: crate::diagnostics::codes::Code,
    span: Span,
    what: &str,
    found: &Type,
) -> Diagnostic {
    Diagnostic::error(
        code,
        format!("{what}, not {}", found.with_article()),
        span,
        format!("this is {}", found.with_article()),
    )
}
