//! The body checker's state: names and scopes (locals, shadowing, what is visible),
//! the fields of the last step and why there are none, and the hooks the step kinds'
//! own rules call (`StepChecker`).

use super::*;

#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum LocalKind {
    Let,
    Parameter,
    LoopVariable,
    /// A field of the last step.
    Field,
}

impl LocalKind {
    pub(super) fn name_kind(self) -> NameKind {
        match self {
            LocalKind::Let => NameKind::Let,
            LocalKind::Parameter => NameKind::Parameter,
            LocalKind::LoopVariable => NameKind::LoopVariable,
            LocalKind::Field => NameKind::Field,
        }
    }
}

pub(super) struct Local {
    pub(super) name: String,
    pub(super) ty: Type,
    pub(super) kind: LocalKind,
    pub(super) span: Span,
    pub(super) used: bool,
}

/// How `{{ }}` is inserted in the string being checked (docs/language.md, "Steps").
#[derive(Clone, Copy, PartialEq)]
pub(super) enum InterpolationContext {
    Text,
    Shell,
    Sql,
}

/// The step fields in scope at one point (scope depth, name, type, span), whose
/// step they came from (its kind and operation), and why there are none: saved
/// around `if` branches and `check` blocks.
pub(super) type FieldSnapshot = (
    Vec<(usize, String, Type, Span)>,
    Option<&'static str>,
    NoFieldsReason,
    Option<&'static str>,
);

/// Why no step fields are in scope, for the wording of E0303.
#[derive(Clone, Copy)]
pub(super) enum NoFieldsReason {
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

pub(super) struct BodyChecker<'c, 'a> {
    pub(super) checker: &'c mut ModuleChecker<'a>,
    pub(super) scopes: Vec<Vec<Local>>,
    /// `Some(return type)` inside a `fn`.
    pub(super) function_returns: Option<Option<Type>>,
    /// Inside a test's body, where `skip "why"` may stand (not in `setup`,
    /// `teardown` or a `fn`, whose callers could not tell a skip apart).
    pub(super) in_test: bool,
    /// The kinds whose steps' blocks hold the point, innermost last: where a
    /// kind's own statements may stand (`send` in a `ws` block).
    pub(super) block_kinds: Vec<&'static str>,
    /// The backend whose fields are in scope.
    pub(super) fields_from: Option<&'static str>,
    /// The operation of the step whose fields are in scope (`publish`), when
    /// it has one.
    pub(super) fields_operation: Option<&'static str>,
    pub(super) no_fields_reason: NoFieldsReason,
    /// Items after this index are not yet computed (for top-level initializers).
    pub(super) item_order: usize,
    pub(super) top_level_initializer: bool,
    pub(super) context: InterpolationContext,
}

impl<'c, 'a> BodyChecker<'c, 'a> {
    pub(super) fn new(
        checker: &'c mut ModuleChecker<'a>,
        function_returns: Option<Option<Type>>,
        item_order: usize,
    ) -> Self {
        BodyChecker {
            checker,
            scopes: Vec::new(),
            function_returns,
            in_test: false,
            block_kinds: Vec::new(),
            fields_from: None,
            fields_operation: None,
            no_fields_reason: NoFieldsReason::NoStep,
            item_order,
            top_level_initializer: false,
            context: InterpolationContext::Text,
        }
    }

    pub(super) fn report(&mut self, diagnostic: Diagnostic) {
        self.checker.diagnostics.push(diagnostic);
    }

    pub(super) fn finish(self) {}

    // ------------------------------------------------------------ scopes

    pub(super) fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    pub(super) fn pop_scope(&mut self) -> Vec<Local> {
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

    pub(super) fn declare(&mut self, name: &str, ty: Type, kind: LocalKind, span: Span) {
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

    pub(super) fn clear_fields(&mut self, reason: NoFieldsReason) {
        for scope in &mut self.scopes {
            scope.retain(|local| local.kind != LocalKind::Field);
        }
        self.fields_from = None;
        self.fields_operation = None;
        self.no_fields_reason = reason;
    }

    /// The fields of a step of `schema` with the operation `operation` (those
    /// it yields) are in scope.
    pub(super) fn set_fields(&mut self, schema: &StepSchema, operation: Option<&str>, span: Span) {
        self.clear_fields(NoFieldsReason::NoStep);
        for (name, ty) in schema.result_of(operation) {
            self.declare(name, ty, LocalKind::Field, span);
        }
        self.fields_from = Some(schema.name);
        self.fields_operation = operation
            .and_then(|word| schema.operation(word))
            .map(|spec| spec.word);
    }

    pub(super) fn snapshot_fields(&self) -> FieldSnapshot {
        let mut fields = Vec::new();
        for (depth, scope) in self.scopes.iter().enumerate() {
            for local in scope.iter().filter(|local| local.kind == LocalKind::Field) {
                fields.push((depth, local.name.clone(), local.ty.clone(), local.span));
            }
        }
        (
            fields,
            self.fields_from,
            self.no_fields_reason,
            self.fields_operation,
        )
    }

    pub(super) fn restore_fields(&mut self, snapshot: &FieldSnapshot) {
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
        self.fields_operation = snapshot.3;
    }

    pub(super) fn lookup_local(&mut self, name: &str) -> Option<&mut Local> {
        self.scopes
            .iter_mut()
            .rev()
            .flat_map(|scope| scope.iter_mut().rev())
            .find(|local| local.name == name)
    }

    pub(super) fn visible_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .scopes
            .iter()
            .flat_map(|scope| scope.iter().map(|local| local.name.clone()))
            .collect();
        names.extend(self.checker.globals.keys().cloned());
        names
    }

    pub(super) fn has_step(&self, block: &Block) -> bool {
        Effects::new(self.checker).block_has(block, Effect::Step)
    }

    // ------------------------------------------------------------ statements

    pub(super) fn block_in_new_scope(&mut self, block: &Block) {
        self.push_scope();
        self.block_statements(block);
        self.pop_scope();
    }

    pub(super) fn block_statements(&mut self, block: &Block) {
        self.record_fields_from(block.span.file, block.span.start);
        for statement in &block.statements {
            self.statement(statement);
            self.record_fields_from(statement.span.file, statement.span.end);
        }
    }

    /// For the language server's completion: whose fields are in scope from here.
    pub(super) fn record_fields_from(&mut self, file: crate::source::span::FileId, offset: u32) {
        let kind = self.fields_from;
        self.checker
            .record(|index| index.fields_from(file, offset, kind));
    }
}
