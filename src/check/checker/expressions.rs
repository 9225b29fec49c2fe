//! The types of expressions: literals, names (locals, globals, the last step's
//! fields), members and indexing; the shared wording of a type mismatch.

use super::*;

impl<'c, 'a> BodyChecker<'c, 'a> {
    pub(super) fn expr(&mut self, expr: &Expr) -> Type {
        let ty = self.expr_untracked(expr);
        self.checker
            .record(|index| index.expression(expr.span, &ty));
        ty
    }

    pub(super) fn expr_untracked(&mut self, expr: &Expr) -> Type {
        self.coalesce_precedence(expr);
        self.constant_operation(expr);
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
                self.duplicate_keys(entries);
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
                if IsTest::named(&type_name.name).is_none() {
                    let names = IsTest::ALL.map(IsTest::name);
                    let mut diagnostic = Diagnostic::error(
                        codes::UNKNOWN_TYPE,
                        format!("`is` does not know the type `{}`", type_name.name),
                        type_name.span,
                        "not a type `is` can test",
                    );
                    diagnostic = match did_you_mean(&type_name.name, names.iter().copied()) {
                        Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                        None => diagnostic.with_help(format!("`is` tests: {}", names.join(", "))),
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

    pub(super) fn name(&mut self, name: &Ident) -> Type {
        if let Some(local) = self.lookup_local(&name.name) {
            local.used = true;
            let (ty, target) = (
                local.ty.clone(),
                Target::Declared {
                    definition: local.span,
                    kind: local.kind.name_kind(),
                },
            );
            let resolved = match local.kind {
                LocalKind::Field => Resolved::Field,
                LocalKind::Let | LocalKind::Parameter | LocalKind::LoopVariable => {
                    Resolved::Local {
                        definition: local.span,
                    }
                }
            };
            self.checker.names.insert(name.span, resolved);
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
            match &global.kind {
                GlobalKind::Binding { .. } => {
                    self.checker.names.insert(name.span, Resolved::Global);
                }
                GlobalKind::Service => {
                    self.checker.names.insert(name.span, Resolved::Service);
                }
                GlobalKind::Fn(_) | GlobalKind::Module(_) => {}
            }
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
            let mut help = format!(
                "`{}` is a field of `{owner}` steps; keep a result with `let r = …` and read `r.{}`",
                name.name, name.name
            );
            let (message, label) = match self.fields_from {
                Some(last) => {
                    let (step, yielded, by) = self.yielded_by_last(last, &name.name);
                    if let Some(by) = by {
                        help = format!(
                            "`{}` is a field of {by} steps: read it after one of them",
                            name.name
                        );
                    }
                    (
                        format!("the last step (`{step}`) does not yield `{}`", name.name),
                        format!("`{step}` steps yield {yielded}"),
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
                Diagnostic::error(codes::FIELD_NOT_IN_SCOPE, message, name.span, label)
                    .with_help(help),
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

    pub(super) fn member(&mut self, target: &Expr, name: &Ident) -> Type {
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
}

pub(super) fn quote_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    quoted.join(", ")
}

/// A type mismatch where an expected type is known.
pub(super) fn mismatch(
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

pub(super) fn mismatch_plain(
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

impl BodyChecker<'_, '_> {
    /// What E0303 says of the last step, of kind `last`, which does not yield
    /// `field`: the step as written (with its operation when that decides its
    /// fields: `nats publish`), the fields it yields, and, when other operations
    /// of its kind yield `field` (`nats subscribe`), those steps.
    fn yielded_by_last(&self, last: &str, field: &str) -> (String, String, Option<String>) {
        let Some(schema) = steps::schema_for(last) else {
            return (last.to_string(), String::new(), None);
        };
        let yielded: Vec<&str> = schema
            .result_of(self.fields_operation)
            .iter()
            .map(|(name, _)| *name)
            .collect();
        let Some(operation) = self.fields_operation else {
            return (last.to_string(), yielded.join(", "), None);
        };
        let by: Vec<String> = schema
            .operations_yielding(field)
            .iter()
            .map(|other| format!("`{last} {other}`"))
            .collect();
        let by = (!by.is_empty()).then(|| by.join(" and "));
        (format!("{last} {operation}"), yielded.join(", "), by)
    }
}
