//! Calls: user functions and core functions, their arguments bound by position and
//! name and checked against the signature, and what the index records of a callee.

use super::*;

impl<'c, 'a> BodyChecker<'c, 'a> {
    pub(super) fn call(&mut self, span: Span, callee: &Expr, arguments: &[Argument]) -> Type {
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
    pub(super) fn record_callee(&mut self, callee: &Expr) {
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
                            Returns::Connection(kind) => Type::Connection(kind),
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
    pub(super) fn bind_arguments(
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

    pub(super) fn check_user_call(
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

    pub(super) fn check_builtin_call(
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
            if let builtins::BuiltinId::Connection(kind) = builtin.id
                && let Some(spec) = steps::connection_of(kind)
            {
                self.check_literal_url(spec, &arguments[index].value);
            }
            if let builtins::Accepts::Pattern(syntax) = parameter.accepts {
                self.check_pattern(syntax, &arguments[index].value);
            }
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
            Returns::Connection(kind) => Type::Connection(kind),
        }
    }

    /// `database("ftp://…")`, `nats("nats://h:99999")`: the URL given to a
    /// connection's function, as its kind declares it (`ConnectionSpec`): a
    /// scheme it does not take (E0409) when the literal's text shows the
    /// scheme, and a whole literal URL read now as the run would read it
    /// (E0407), with its password hidden.
    fn check_literal_url(&mut self, spec: &ConnectionSpec, value: &Expr) {
        let function = spec.function();
        let ExprKind::String(string) = &value.kind else {
            return;
        };
        let Some(StringPart::Text(leading)) = string.parts.first() else {
            return;
        };
        let scheme = leading.split_once(':').map(|(scheme, _)| scheme);
        let complete = string.parts.len() > 1 || leading.contains(':');
        if let Some(scheme) = scheme.filter(|_| complete)
            && !spec.takes(&scheme.to_ascii_lowercase())
        {
            self.report(
                Diagnostic::error(
                    codes::UNSUPPORTED_DATABASE,
                    format!("`{function}` does not support `{scheme}:` URLs"),
                    value.span,
                    format!("supported: {}", spec.schemes.join(", ")),
                )
                .with_help(spec.example_help()),
            );
            return;
        }
        if string.parts.len() == 1
            && let Err(problem) = spec.open(leading, std::path::Path::new("."))
        {
            self.report(
                Diagnostic::error(codes::INVALID_URL, problem, value.span, "not a usable URL")
                    .with_help(spec.example_help()),
            );
        }
    }
}
