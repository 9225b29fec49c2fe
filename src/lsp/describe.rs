//! The words hover and completion show: signatures of core functions and `fn`s,
//! a step kind's clauses and result fields.

use crate::builtins::{Builtin, Returns};
use crate::steps::{self, schema::StepSchema};
use crate::syntax::ast::{FnDef, LoadOf, Step, StepKind, TypeExpr};
use crate::types::Type;

/// `env(name, default?) -> string`
pub fn builtin_signature(builtin: &Builtin) -> String {
    let parameters: Vec<String> = builtin
        .parameters
        .iter()
        .map(|parameter| {
            if parameter.required {
                parameter.name.to_string()
            } else {
                format!("{}?", parameter.name)
            }
        })
        .collect();
    let returns = match builtin.returns {
        Returns::Fixed(ty) => ty().to_string(),
        Returns::FirstArgument => "the same list".to_string(),
        Returns::Connection(kind) => kind.type_name().to_string(),
    };
    format!("{}({}) -> {returns}", builtin.name, parameters.join(", "))
}

/// What each parameter of a core function accepts, one line each.
pub fn builtin_parameters(builtin: &Builtin) -> String {
    builtin
        .parameters
        .iter()
        .map(|parameter| format!("- `{}`: {}", parameter.name, parameter.accepts.describe()))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn type_text(ty: &TypeExpr) -> String {
    if ty.arguments.is_empty() {
        ty.name.name.clone()
    } else {
        let arguments: Vec<String> = ty.arguments.iter().map(type_text).collect();
        format!("{}<{}>", ty.name.name, arguments.join(", "))
    }
}

/// `fn login(email: string, password: string) -> string`
pub fn fn_signature(function: &FnDef) -> String {
    let parameters: Vec<String> = function
        .params
        .iter()
        .map(|param| format!("{}: {}", param.name.name, type_text(&param.declared_type)))
        .collect();
    let returns = function
        .return_type
        .as_ref()
        .map(|ty| format!(" -> {}", type_text(ty)))
        .unwrap_or_default();
    format!(
        "fn {}({}){returns}",
        function.name.name,
        parameters.join(", ")
    )
}

pub fn schema_of(kind: &StepKind) -> Option<StepSchema> {
    steps::of_step(kind).map(|kind| kind.schema())
}

/// A type for a hover line; a record's fields one per line when long.
pub fn type_for_hover(ty: &Type) -> String {
    match ty {
        Type::Record(fields) if fields.len() > 3 => {
            let lines: Vec<String> = fields
                .iter()
                .map(|(name, ty)| format!("  {name}: {ty},"))
                .collect();
            format!("{{\n{}\n}}", lines.join("\n"))
        }
        other => other.to_string(),
    }
}

pub fn step_keyword(kind: &StepKind) -> String {
    match kind {
        StepKind::Http(method) => method.as_str().to_string(),
        StepKind::Load(LoadOf::Http(method)) => format!("load {}", method.as_str()),
        StepKind::Load(LoadOf::Messages { kind, .. }) => format!("load {kind}"),
        StepKind::Run => "run".to_string(),
        StepKind::Sql => "sql".to_string(),
        StepKind::Redis => "redis".to_string(),
        StepKind::WebSocket => "ws".to_string(),
        StepKind::Named(word) => word.clone(),
    }
}

/// The hover of a step's keyword: what it takes and what it yields; for a kind's
/// own statement the grammar read as a step (`WORD OPERAND`), whose it is.
pub fn step_hover(step: &Step) -> Option<String> {
    if let Some((owner, spec)) = steps::own_statement(step) {
        return Some(format!(
            "**{}** — a statement of `{}` steps' blocks",
            spec.word,
            owner.name()
        ));
    }
    let kind = &step.kind;
    let schema = schema_of(kind)?;
    let clauses: Vec<&str> = schema.clauses.iter().map(|clause| clause.name).collect();
    let mut text = format!("**{}** step (`{}`)\n\n", step_keyword(kind), schema.name);
    if !schema.operations.is_empty() {
        let words: Vec<&str> = schema
            .operations
            .iter()
            .map(|operation| operation.word)
            .collect();
        text.push_str(&format!("operations: {}\n\n", quote_each(&words)));
    }
    if !clauses.is_empty() {
        text.push_str(&format!("clauses: {}\n\n", quote_each(&clauses)));
    }
    if !schema.block_options.is_empty() {
        let options: Vec<&str> = schema
            .block_options
            .iter()
            .map(|option| option.name)
            .collect();
        text.push_str(&format!(
            "options in its block: {}\n\n",
            quote_each(&options)
        ));
    }
    let yields = crate::steps::of_step(kind).map_or("yields", |step_kind| step_kind.result_label());
    text.push_str(&format!(
        "{yields}:\n```rit\n{}\n```",
        fields_lines(&schema)
    ));
    Some(text)
}

/// The hover of a step's operation word (`publish`): what it does and how its
/// steps read, from its kind's schema.
pub fn operation_hover(step: &Step) -> Option<String> {
    let schema = schema_of(&step.kind)?;
    let operation = schema.operation(&step.operation.as_ref()?.name)?;
    let form = operation.shape.form(schema.name, Some(operation.word));
    Some(format!(
        "**{} {}** — {}\n\n```rit\n{form}\n```",
        schema.name, operation.word, operation.summary
    ))
}

fn fields_lines(schema: &StepSchema) -> String {
    schema
        .result
        .iter()
        .map(|(name, ty)| format!("{name}: {ty}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn quote_each(words: &[&str]) -> String {
    words
        .iter()
        .map(|word| format!("`{word}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
