//! Items and declarations: each module's globals (imports, `param`/`let`/`secret`,
//! `fn` signatures, services) declared in order, then each item checked; what a
//! module exports to its importers.

use super::*;

/// Checks every module of the program.
pub fn check(program: &Program) -> Vec<Diagnostic> {
    check_indexed(program, None)
}

/// Checks every module, and gives the type of each top-level `param` by the span
/// of its name, for reading `--param` values, and what each name refers to.
pub fn check_with_param_types(
    program: &Program,
) -> (Vec<Diagnostic>, HashMap<Span, Type>, ResolvedNames) {
    let mut param_types = HashMap::new();
    let mut names = ResolvedNames::default();
    let diagnostics = check_modules(program, None, &mut param_types, &mut names);
    (diagnostics, param_types, names)
}

/// Checks every module and, given an `Index`, records in it what each name refers
/// to and the type of each expression (for the language server).
pub fn check_indexed(program: &Program, index: Option<&mut Index>) -> Vec<Diagnostic> {
    check_modules(
        program,
        index,
        &mut HashMap::new(),
        &mut ResolvedNames::default(),
    )
}

fn check_modules(
    program: &Program,
    mut index: Option<&mut Index>,
    param_types: &mut HashMap<Span, Type>,
    names: &mut ResolvedNames,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut exports: HashMap<ModuleId, Exports> = HashMap::new();
    for id in program.dependency_order() {
        let module_exports = ModuleChecker::new(
            program,
            id,
            &exports,
            &mut diagnostics,
            index.as_deref_mut(),
            names,
        )
        .check(param_types);
        exports.insert(id, module_exports);
    }
    diagnostics
}

/// What a module offers its importers.
#[derive(Clone, Default)]
pub(super) struct Exports {
    pub(super) names: HashMap<String, Global>,
}

#[derive(Clone, Debug)]
pub(super) enum GlobalKind {
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
pub(super) struct Global {
    pub(super) kind: GlobalKind,
    pub(super) span: Span,
    /// Defined in this module (not imported): only these are exported.
    pub(super) local: bool,
}

#[derive(Clone, Debug)]
pub(super) struct FnSignature {
    pub(super) name: String,
    pub(super) params: Vec<(String, Type)>,
    pub(super) returns: Option<Type>,
    /// Performs a step, itself or through the functions it calls.
    pub(super) has_step: bool,
    pub(super) has_expectation: bool,
}

pub(super) struct ModuleChecker<'a> {
    pub(super) program: &'a Program,
    pub(super) id: ModuleId,
    pub(super) imported: &'a HashMap<ModuleId, Exports>,
    pub(super) globals: HashMap<String, Global>,
    pub(super) diagnostics: &'a mut Vec<Diagnostic>,
    pub(super) index: Option<&'a mut Index>,
    /// What each name used refers to (`check::resolved`).
    pub(super) names: &'a mut ResolvedNames,
}

impl<'a> ModuleChecker<'a> {
    pub(super) fn new(
        program: &'a Program,
        id: ModuleId,
        imported: &'a HashMap<ModuleId, Exports>,
        diagnostics: &'a mut Vec<Diagnostic>,
        index: Option<&'a mut Index>,
        names: &'a mut ResolvedNames,
    ) -> Self {
        ModuleChecker {
            program,
            id,
            imported,
            globals: HashMap::new(),
            diagnostics,
            index,
            names,
        }
    }

    /// Writes to the index, when there is one.
    pub(super) fn record(&mut self, entry: impl FnOnce(&mut Index)) {
        if let Some(index) = self.index.as_deref_mut() {
            entry(index);
        }
    }

    pub(super) fn items(&self) -> &'a [Item] {
        &self.program.module(self.id).ast.items
    }

    pub(super) fn check(mut self, param_types: &mut HashMap<Span, Type>) -> Exports {
        self.bring_imports();
        self.declare_items();
        self.compute_function_effects();
        self.check_items();
        for item in self.items() {
            if let Item::Binding(binding) = item
                && binding.kind == BindingKind::Param
                && let Some(Global {
                    kind: GlobalKind::Binding { ty, .. },
                    ..
                }) = self.globals.get(&binding.name.name)
            {
                param_types.insert(binding.name.span, ty.clone());
            }
        }
        Exports {
            names: self
                .globals
                .into_iter()
                .filter(|(_, global)| global.local)
                .collect(),
        }
    }

    pub(super) fn bring_imports(&mut self) {
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

    pub(super) fn define(&mut self, name: &str, global: Global) {
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

    pub(super) fn declare_items(&mut self) {
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
        let mut suite_line: Option<Span> = None;
        for (order, item) in self.items().iter().enumerate() {
            match item {
                Item::Suite(name) => match suite_line {
                    Some(first) => self.diagnostics.push(
                        Diagnostic::error(
                            codes::SECOND_SUITE_LINE,
                            "this file already names its suite",
                            name.span,
                            "a second `suite` line",
                        )
                        .with_label(first, "the suite is named here")
                        .with_help("a file is one suite: keep one `suite` line"),
                    ),
                    None => suite_line = Some(name.span),
                },
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

    pub(super) fn resolve_type(&mut self, ty: &TypeExpr) -> Type {
        let arguments: Vec<Type> = ty
            .arguments
            .iter()
            .map(|argument| self.resolve_type(argument))
            .collect();
        match steps::type_named(&ty.name.name, &arguments) {
            Some(resolved) => resolved,
            None => {
                let mut names = vec![
                    "string", "int", "float", "number", "bool", "null", "duration", "percent",
                    "size", "bytes", "json", "list", "object", "map", "record", "file", "schema",
                    "service",
                ];
                names.extend(steps::connections().iter().map(|(spec, _)| spec.function()));
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
    pub(super) fn compute_function_effects(&mut self) {
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

    pub(super) fn lookup_function(&self, callee: &Expr) -> Option<&FnSignature> {
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

    pub(super) fn check_items(&mut self) {
        let mut defaults_seen: Option<Span> = None;
        for (order, item) in self.items().iter().enumerate() {
            match item {
                Item::Binding(binding) => self.check_binding(binding, order),
                Item::Fn(function) => self.check_function(function),
                Item::Service(service) => self.check_service(service),
                Item::Defaults(defaults) => {
                    if let Some(first) = defaults_seen {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::DUPLICATE_CLAUSE,
                                "`defaults` is given twice",
                                defaults.span,
                                "given again here",
                            )
                            .with_label(first, "first given here")
                            .with_help("a file has one `defaults { … }`: put every clause in it"),
                        );
                    }
                    defaults_seen.get_or_insert(defaults.span);
                    self.check_defaults(defaults);
                }
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

    pub(super) fn check_binding(&mut self, binding: &Binding, order: usize) {
        self.diagnostics
            .extend(crate::check::short_secret::short_secret_warning(binding));
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
        if binding.kind == BindingKind::Param {
            self.param_from_text(binding, &ty);
        }
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

    /// A `param` can be given on the command line (`--param`, `RIT_PARAM_…`), so its
    /// type must be one that text can hold (E0320).
    fn param_from_text(&mut self, binding: &Binding, ty: &Type) {
        if ty.comes_from_text() {
            return;
        }
        let name = &binding.name.name;
        let help = match ty {
            Type::Connection(kind) => format!(
                "declare `param {name}_url: string` and write `{}({name}_url)`",
                kind.type_name()
            ),
            Type::File | Type::Schema => {
                format!("declare `param {name}_path: string` and make the value where it is used")
            }
            _ => format!(
                "a param is text, a number, a bool, a duration, a percent, a size, json or a list of those; make `{name}` a `let`"
            ),
        };
        self.diagnostics.push(
            Diagnostic::error(
                codes::PARAM_TYPE,
                format!("{} cannot come from the command line", ty.with_article()),
                binding.name.span,
                format!("`{name}` is {}", ty.with_article()),
            )
            .with_help(help),
        );
    }

    pub(super) fn check_function(&mut self, function: &FnDef) {
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
        if let (Some(returns), Some(return_type)) = (&signature.returns, &function.return_type)
            && !statements::always_returns(&function.body)
        {
            let body_end = function.body.span.end as usize;
            let closing = Span::new(
                function.body.span.file,
                body_end.saturating_sub(1),
                body_end,
            );
            self.diagnostics.push(
                Diagnostic::error(
                    codes::MISSING_RETURN,
                    format!(
                        "`{}` can end without returning {}",
                        function.name.name,
                        returns.with_article()
                    ),
                    closing,
                    "the body can reach its end here",
                )
                .with_label(return_type.span, "the function declares this return type")
                .with_help("return a value on every path, for example after the last `if`"),
            );
        }
    }

    pub(super) fn check_service(&mut self, service: &ServiceDef) {
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

    /// `defaults { … }`: each option is a clause an HTTP step takes, checked as
    /// one (a top-level value may stand in it, never a field of a step); a body
    /// is no default.
    pub(super) fn check_defaults(&mut self, defaults: &DefaultsDef) {
        let Some(http) = crate::steps::by_name("http") else {
            return;
        };
        let specs: Vec<OptionSpec> = http.schema().default_clauses().cloned().collect();
        let mut body = BodyChecker::new(self, None, usize::MAX);
        body.options(&defaults.options, &specs, "`defaults`");
        // The kind's own rules on literal values (`version "HTTP/3"`: E0417).
        http.check_defaults(&defaults.options, &mut body);
        body.finish();
    }

    pub(super) fn check_test(&mut self, test: &TestDef, order: usize) {
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
                    body.expect_type(value, &expected, &format!("`{name}`"));
                    body.constant_limit(name, value);
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
        body.in_test = true;
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

/// Where a global is defined, what it is, and its type, for the index.
pub(super) fn global_summary(global: &Global) -> (Span, NameKind, Type) {
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
