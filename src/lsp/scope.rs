//! What is in scope at a point of a file, for completion: the names declared
//! above it (top-level items, imports, `let`s of the enclosing blocks, loop
//! variables, `fn` parameters), the step whose fields are in scope (the checker's
//! own account, from its index), the step whose clauses may be written there, the
//! block of options around it, and which statements may stand there (`return` in a
//! `fn`, `send`/`receive`/`close` in a `ws` block).

use super::analysis::{self, Analysis};
use super::{cursor, walk};
use crate::check::index::NameKind;
use crate::source::span::Span;
use crate::syntax::ast::*;

/// The `{ … }` of options around the point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionBlock {
    Load,
    Service,
}

#[derive(Clone, Debug)]
pub struct ScopeName {
    pub name: String,
    pub span: Span,
    pub kind: NameKind,
}

#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Outermost first; a later name of the same spelling hides an earlier one.
    pub names: Vec<ScopeName>,
    /// The backend whose result fields are in scope (`http`, `run`, …).
    pub fields_from: Option<&'static str>,
    /// The step whose clauses may follow here.
    pub clause_step: Option<StepKind>,
    pub option_block: Option<OptionBlock>,
    /// Inside a top-level item (not between items).
    pub in_item: bool,
    /// Inside a `fn`'s body, where `return` may stand.
    pub in_fn: bool,
    /// Inside a test's body, where `skip "why"` may stand.
    pub in_test: bool,
    /// The kinds of the steps whose blocks hold the point (`ws`), innermost
    /// last: where their own statements (`send`, `receive`, `close`) may stand.
    pub in_blocks_of: Vec<&'static str>,
    /// Inside a `load`'s `check { }`: conditions only, never a statement.
    pub in_load_check: bool,
    /// Inside `defaults { … }`: the clauses of every `http` step, and values.
    pub in_defaults: bool,
    /// Writing the clauses of the step around the point (its fields, not the
    /// checker's account of the point, which is before the step).
    writing_clauses: bool,
}

pub fn scope_at(analysis: &Analysis, offset: usize) -> Scope {
    let mut scope = Scope::default();
    let ast = analysis.entry_ast();
    add_globals(analysis, &mut scope);
    let text = analysis.source(analysis.entry_file());
    for item in &ast.items {
        let Some(span) = item_span(item) else {
            continue;
        };
        if !walk::contains(span, offset) {
            continue;
        }
        scope.in_item = true;
        match item {
            Item::Fn(function) => {
                scope.in_fn = true;
                for param in &function.params {
                    push(&mut scope, &param.name, NameKind::Parameter);
                }
                walk_block(&function.body, offset, text, &mut scope, 0);
            }
            Item::Setup(block) | Item::Teardown(block) => {
                walk_block(block, offset, text, &mut scope, 0)
            }
            Item::Test(test) => {
                scope.in_test = true;
                walk_block(&test.body, offset, text, &mut scope, 0)
            }
            Item::Checkpoint(checkpoint) => {
                if let Some(test) = checkpoint
                    .tests
                    .iter()
                    .find(|test| walk::contains(test.span, offset))
                {
                    scope.in_test = true;
                    walk_block(&test.body, offset, text, &mut scope, 0);
                }
            }
            Item::Defaults(_) => scope.in_defaults = true,
            Item::Service(service)
                if opened_brace_between(text, service.command.span.end as usize, offset) =>
            {
                scope.option_block = Some(OptionBlock::Service);
            }
            _ => {}
        }
        break;
    }
    if !scope.writing_clauses
        && let Ok(at) = u32::try_from(offset)
        && let Some(kind) = analysis.index.fields_at(analysis.entry_file(), at)
    {
        scope.fields_from = kind;
    }
    scope
}

pub fn item_span(item: &Item) -> Option<Span> {
    Some(match item {
        Item::Suite(name) => name.span,
        Item::Import(import) => import.span,
        Item::Binding(binding) => binding.span,
        Item::Fn(function) => function.span,
        Item::Service(service) => service.span,
        Item::Setup(block) | Item::Teardown(block) => block.span,
        Item::Test(test) => test.span,
        Item::Checkpoint(checkpoint) => checkpoint.span,
        Item::Defaults(defaults) => defaults.span,
    })
}

/// Whether the cursor is inside an item that parsed (or between items).
pub fn parsed_around(analysis: &Analysis, offset: usize) -> bool {
    analysis
        .entry_ast()
        .items
        .iter()
        .filter_map(item_span)
        .any(|span| walk::contains(span, offset))
}

fn push(scope: &mut Scope, name: &Ident, kind: NameKind) {
    scope.names.push(ScopeName {
        name: name.name.clone(),
        span: name.span,
        kind,
    });
}

fn add_globals(analysis: &Analysis, scope: &mut Scope) {
    let program = &analysis.program;
    for item in &analysis.entry_ast().items {
        match item {
            Item::Binding(binding) => push(scope, &binding.name, binding.kind.into()),
            Item::Fn(function) => push(scope, &function.name, NameKind::Function),
            Item::Service(service) => push(scope, &service.name, NameKind::Service),
            Item::Import(import) => match &import.alias {
                Some(alias) => push(scope, alias, NameKind::Module),
                None => {
                    let Some(module) =
                        analysis::imported_module(program, analysis.entry, import.span)
                    else {
                        continue;
                    };
                    for item in &program.module(module).ast.items {
                        match item {
                            Item::Binding(binding) => {
                                push(scope, &binding.name, binding.kind.into())
                            }
                            Item::Fn(function) => push(scope, &function.name, NameKind::Function),
                            Item::Service(service) => push(scope, &service.name, NameKind::Service),
                            _ => {}
                        }
                    }
                }
            },
            _ => {}
        }
    }
}

fn backend_of(kind: &StepKind) -> Option<&'static str> {
    match kind {
        StepKind::WebSocket => None,
        other => crate::steps::of_step(other).map(|kind| kind.name()),
    }
}

/// Whether a `{` opens between `from` and `to` and is still open at `to`.
fn opened_brace_between(text: &str, from: usize, to: usize) -> bool {
    match text.get(from..to.max(from)) {
        Some(between) => cursor::surroundings(between, between.len()).brace_depth > 0,
        None => false,
    }
}

fn walk_block(block: &Block, offset: usize, text: &str, scope: &mut Scope, depth: usize) {
    if depth > 256 {
        return;
    }
    for statement in &block.statements {
        if (statement.span.end as usize) < offset {
            after(statement, scope);
            continue;
        }
        if statement.span.start as usize > offset {
            break;
        }
        inside(statement, offset, text, scope, depth);
        break;
    }
}

/// The effect of a statement that ends before the point (its fields are the
/// checker's account, read from the index).
fn after(statement: &Statement, scope: &mut Scope) {
    scope.clause_step = None;
    match &statement.kind {
        StatementKind::Let { name, value, .. } => {
            push(scope, name, NameKind::Let);
            if let BindingValue::Step(step) = value {
                scope.clause_step = Some(step.kind.clone());
            }
        }
        StatementKind::Step(step) => scope.clause_step = Some(step.kind.clone()),
        _ => {}
    }
}

/// The point is inside this statement.
fn inside(statement: &Statement, offset: usize, text: &str, scope: &mut Scope, depth: usize) {
    scope.clause_step = None;
    let blocks = walk::statement_blocks(statement);
    let Some(block) = blocks
        .into_iter()
        .find(|block| walk::contains(block.span, offset))
    else {
        if let Some(step) = statement.step() {
            inside_step(step, offset, text, scope);
        }
        return;
    };
    match &statement.kind {
        StatementKind::For { variable, .. } => push(scope, variable, NameKind::LoopVariable),
        _ if let Some(kind) = statement
            .step()
            .and_then(|step| crate::steps::of_step(&step.kind)) =>
        {
            scope.in_blocks_of.push(kind.name());
        }
        _ => {}
    }
    walk_block(block, offset, text, scope, depth + 1);
}

fn inside_step(step: &Step, offset: usize, text: &str, scope: &mut Scope) {
    if offset <= step.target.span.end as usize {
        return;
    }
    if let StepKind::Load(_) = step.kind
        && opened_brace_between(text, step.target.span.end as usize, offset)
    {
        scope.option_block = Some(OptionBlock::Load);
        // Inside `check { }`, the fields of each response.
        if step.options.iter().any(|option| {
            option.name.name == "check"
                && walk::contains(option.span, offset)
                && offset > option.name.span.end as usize
        }) {
            scope.option_block = None;
            scope.in_load_check = true;
        }
        return;
    }
    // Writing the step's clauses, or a statement after it that the parser took
    // for a clause: offer both, with this step's fields.
    scope.clause_step = Some(step.kind.clone());
    scope.fields_from = backend_of(&step.kind);
    scope.writing_clauses = true;
}
