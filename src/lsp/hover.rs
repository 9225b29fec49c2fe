//! Hover: the type of a name, field, path or call (core functions with their
//! summary), a `fn`'s signature, a step keyword's clauses and result fields, and
//! one line on each keyword.

use super::analysis::{self, Analysis};
use super::cursor::{self, Place};
use super::{describe, keywords, walk};
use crate::builtins;
use crate::check::index::{NameKind, Target};
use crate::source::span::Span;
use crate::syntax::ast::{Clause, Item, StatementKind, StepKind};
use crate::types::Type;

/// Markdown for the thing at `offset` of the analysed document, and its span.
pub fn hover(analysis: &Analysis, offset: usize) -> Option<(Span, String)> {
    let file = analysis.entry_file();
    let text = analysis.source(file);
    // An import's path is a string, and hovers with what the module offers.
    if let Some(found) = item_name_at(analysis, offset) {
        return Some(found);
    }
    let surroundings = cursor::surroundings(text, offset);
    if surroundings.place != Place::Code {
        return None;
    }
    let at = u32::try_from(offset).ok()?;
    let index = &analysis.index;
    if let Some(reference) = index.reference_at(file, at) {
        return Some((reference.span, reference_text(analysis, reference)));
    }
    if let Some(definition) = index.definition_at(file, at) {
        let ty = describe::type_for_hover(&definition.ty);
        let text = format!(
            "```rit\n({}) {}: {ty}\n```",
            definition.kind.describe(),
            definition.name
        );
        return Some((definition.span, text));
    }
    let mut step_found = None;
    walk::each_step(analysis.entry_ast(), &mut |step| {
        if step_found.is_none()
            && walk::contains(step.keyword_span, offset)
            && offset < step.keyword_span.end as usize
        {
            step_found = describe::step_hover(step).map(|text| (step.keyword_span, text));
        }
        if step_found.is_none()
            && let Some(operation) = &step.operation
            && walk::contains(operation.span, offset)
            && offset < operation.span.end as usize
        {
            step_found = describe::operation_hover(step).map(|text| (operation.span, text));
        }
    });
    if step_found.is_some() {
        return step_found;
    }
    // A clause the kind's schema describes in a line of its own (`user`,
    // `proxy`), in a step or in `defaults { … }` (an `http` step's).
    walk::each_step(analysis.entry_ast(), &mut |step| {
        if step_found.is_none()
            && let Some(schema) = describe::schema_of(&step.kind)
        {
            step_found = clause_hover(&step.clauses, &schema, offset);
        }
    });
    if step_found.is_some() {
        return step_found;
    }
    for item in &analysis.entry_ast().items {
        if let Item::Defaults(defaults) = item
            && let Some(schema) = crate::steps::schema_for("http")
            && let Some(found) = clause_hover(&defaults.options, schema, offset)
        {
            return Some(found);
        }
    }
    if let Some((start, word)) = cursor::word_at(text, offset)
        && let Some(keyword) = keywords::lookup(word)
    {
        let span = Span::new(file, start, start + word.len());
        return Some((span, format!("**{}** — {}", keyword.word, keyword.summary)));
    }
    let (span, ty) = index.expression_at(file, at)?;
    if matches!(ty, Type::Unknown) {
        return None;
    }
    Some((
        span,
        format!("```rit\n{}\n```", describe::type_for_hover(ty)),
    ))
}

/// The line on the clause whose name is at `offset`, as `schema` describes it.
fn clause_hover(
    clauses: &[Clause],
    schema: &crate::steps::schema::StepSchema,
    offset: usize,
) -> Option<(Span, String)> {
    clauses.iter().find_map(|clause| {
        let spec = schema
            .clauses
            .iter()
            .find(|spec| spec.name == clause.name.name && !spec.summary.is_empty())?;
        walk::contains(clause.name.span, offset).then(|| {
            (
                clause.name.span,
                format!("**{}** — {}", spec.name, spec.summary),
            )
        })
    })
}

fn reference_text(analysis: &Analysis, reference: &crate::check::index::Reference) -> String {
    match &reference.target {
        Target::Builtin(name) => match builtins::lookup(name) {
            Some(builtin) => format!(
                "```rit\n{}\n```\n{}\n\n{}",
                describe::builtin_signature(builtin),
                builtin.summary,
                describe::builtin_parameters(builtin)
            ),
            None => format!("`{name}`"),
        },
        Target::Declared { definition, kind } => match kind {
            NameKind::Function => match fn_at(analysis, *definition, &reference.name) {
                Some(signature) => format!("```rit\n{signature}\n```"),
                None => format!("```rit\nfn {}\n```", reference.name),
            },
            NameKind::Field => {
                let step = step_kind_at(analysis, *definition);
                let owner = step
                    .map(|kind| {
                        format!(
                            "\n\nfield of the `{}` step above",
                            describe::step_keyword(&kind)
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "```rit\n(field) {}: {}\n```{owner}",
                    reference.name,
                    describe::type_for_hover(&reference.ty)
                )
            }
            NameKind::Module => format!("```rit\n(module) {}\n```", reference.name),
            NameKind::Service => format!("```rit\n(service) {}\n```", reference.name),
            _ => {
                // A top-level value is typed when its item is checked; a use
                // checked earlier (in a `fn` above it) saw no type yet.
                let ty = match &reference.ty {
                    Type::Unknown => analysis
                        .index
                        .definition(*definition)
                        .map_or(Type::Unknown, |definition| definition.ty.clone()),
                    ty => ty.clone(),
                };
                format!(
                    "```rit\n({}) {}: {}\n```",
                    kind.describe(),
                    reference.name,
                    describe::type_for_hover(&ty)
                )
            }
        },
    }
}

/// The signature of the `fn` named `name` declared at `span`, in whichever module.
fn fn_at(analysis: &Analysis, span: Span, name: &str) -> Option<String> {
    let module = analysis.module_of_file(span.file)?;
    let find = |module| {
        analysis
            .program
            .module(module)
            .ast
            .items
            .iter()
            .find_map(|item| match item {
                Item::Fn(function) if function.name.name == name => {
                    Some(describe::fn_signature(function))
                }
                _ => None,
            })
    };
    // A name brought in by an `import` without `as`: `span` is that import.
    match analysis::imported_module(&analysis.program, module, span) {
        Some(imported) => find(imported),
        None => find(module),
    }
}

/// The kind of step whose fields are declared at `span` (a step, or a `receive`).
fn step_kind_at(analysis: &Analysis, span: Span) -> Option<StepKind> {
    if span.file != analysis.entry_file() {
        return None;
    }
    let mut found = None;
    walk::each_step(analysis.entry_ast(), &mut |step| {
        if step.span == span {
            found = Some(step.kind.clone());
        }
    });
    walk::each_statement(analysis.entry_ast(), &mut |statement| {
        if statement.span == span && matches!(statement.kind, StatementKind::Receive { .. }) {
            found = Some(StepKind::WebSocket);
        }
    });
    found
}

/// A `fn`, `service` or import under the cursor where it is declared.
fn item_name_at(analysis: &Analysis, offset: usize) -> Option<(Span, String)> {
    let inside = |span: Span| walk::contains(span, offset) && offset < span.end as usize;
    for item in &analysis.entry_ast().items {
        match item {
            Item::Fn(function) if inside(function.name.span) => {
                return Some((
                    function.name.span,
                    format!("```rit\n{}\n```", describe::fn_signature(function)),
                ));
            }
            Item::Service(service) if inside(service.name.span) => {
                return Some((
                    service.name.span,
                    format!("```rit\n(service) {}\n```", service.name.name),
                ));
            }
            Item::Import(import) if inside(import.path.span) => {
                let module =
                    analysis::imported_module(&analysis.program, analysis.entry, import.span)?;
                let names: Vec<String> = analysis
                    .program
                    .module(module)
                    .ast
                    .items
                    .iter()
                    .filter_map(|item| match item {
                        Item::Binding(binding) => {
                            Some(format!("{} {}", binding.kind.keyword(), binding.name.name))
                        }
                        Item::Fn(function) => Some(describe::fn_signature(function)),
                        Item::Service(service) => Some(format!("service {}", service.name.name)),
                        _ => None,
                    })
                    .collect();
                let name = &analysis.program.module(module).name;
                return Some((
                    import.path.span,
                    format!("module `{name}`\n```rit\n{}\n```", names.join("\n")),
                ));
            }
            _ => {}
        }
    }
    None
}
