//! A `load` of another kind's messages (`load nats publish BUS "orders" json {…}
//! { rate 500 per 1s duration 5s }`, docs/load.md, "Loads of messages"): which
//! kind sends them (the word after `load`, found in the registry, never named
//! here), the step's schema (that kind's target and the clauses its operation
//! takes in a load, the load model's options, the load's record), the checker's
//! rules (a kind or an operation that cannot be loaded: E0420), and the step run
//! through the kind's `MessageLoad`.

use super::config::{ABORT, CONCURRENCY, DURATION, RAMP, RATE, REQUESTS, STAGES, WARMUP};
use crate::diagnostics::{Diagnostic, codes};
use crate::steps::message_load::LoadOperation;
use crate::steps::schema::StepSchema;
use crate::steps::{StepChecker, StepKind};
use crate::syntax::ast::{self, LoadOf, Step};

/// The block options of a load of messages: the load model's (its stages and
/// `abort when` too), none of HTTP's request clauses and no `check` (a
/// confirmation has no fields to check).
pub const MODEL_OPTIONS: [&str; 8] = [
    CONCURRENCY,
    REQUESTS,
    DURATION,
    RATE,
    RAMP,
    STAGES,
    WARMUP,
    ABORT,
];

/// The kind whose messages a `load` step sends, by the word after `load`.
pub fn sender_kind(step: &Step) -> Option<(&'static str, &'static dyn StepKind)> {
    let ast::StepKind::Load(LoadOf::Messages { kind, .. }) = &step.kind else {
        return None;
    };
    let found = crate::steps::of_step(&ast::StepKind::Named(kind.clone()))?;
    Some((found.name(), found))
}

/// The operation of `kind` that `step` names, when the kind offers it to a load.
fn offered(kind: &dyn StepKind, step: &Step) -> Option<LoadOperation> {
    let operation = step.operation.as_ref()?;
    kind.message_load()?
        .operations()
        .iter()
        .find(|offered| offered.word == operation.name)
        .copied()
}

/// The schema of a load of messages: the sending kind's target, operations and
/// the clauses its operation takes in a load; the load model's block options;
/// the load's record. `None` for a load of HTTP requests (the kind's own schema).
pub fn schema_of_step(step: &Step) -> Option<StepSchema> {
    let ast::StepKind::Load(LoadOf::Messages { .. }) = &step.kind else {
        return None;
    };
    let load = super::spec::schema();
    let block_options = load
        .block_options
        .iter()
        .filter(|option| MODEL_OPTIONS.contains(&option.name))
        .cloned()
        .collect();
    let Some((_, kind)) = sender_kind(step) else {
        // No kind sends these: the kind's check says so (E0420); nothing else is
        // judged against a schema that does not exist.
        return Some(StepSchema {
            target: crate::types::Type::Unknown,
            clauses: Vec::new(),
            block_options,
            operations: &[],
            without_operation: None,
            ..load
        });
    };
    let sender = crate::steps::schema::of(kind);
    // An operation the kind does not offer to a load: its clauses are all the
    // kind's, so that only E0420 (or E0418) is said of it.
    let clauses = match offered(kind, step) {
        Some(operation) => sender
            .clauses
            .iter()
            .filter(|clause| operation.clauses.contains(&clause.name))
            .cloned()
            .collect(),
        None => sender.clauses.clone(),
    };
    Some(StepSchema {
        target: sender.target.clone(),
        target_text: sender.target_text,
        clauses,
        block_options,
        operations: sender.operations,
        without_operation: None,
        connection: sender.connection,
        ..load
    })
}

/// The checker's rules for a load of messages that a schema cannot say: the kind
/// must offer a load, and of the operation the step names.
pub fn check(step: &Step, checker: &mut dyn StepChecker) {
    let ast::StepKind::Load(LoadOf::Messages { kind: word, span }) = &step.kind else {
        return;
    };
    let Some((name, kind)) = sender_kind(step) else {
        checker.report(
            Diagnostic::error(
                codes::CANNOT_LOAD,
                format!("no kind of step `{word}` can be loaded"),
                *span,
                "a load sends HTTP requests or the messages of a broker",
            )
            .with_help(help()),
        );
        return;
    };
    let Some(load) = kind.message_load() else {
        checker.report(
            Diagnostic::error(
                codes::CANNOT_LOAD,
                format!("`{name}` steps cannot be loaded"),
                *span,
                "a load cannot repeat this kind's steps",
            )
            .with_help(help()),
        );
        return;
    };
    let Some(operation) = &step.operation else {
        return;
    };
    let known = crate::steps::schema::of(kind)
        .operation(&operation.name)
        .is_some();
    // An operation the kind does not have at all is E0418's (the shape check).
    if known && offered(kind, step).is_none() {
        let words: Vec<String> = load
            .operations()
            .iter()
            .map(|offered| format!("`load {word} {}`", offered.word))
            .collect();
        checker.report(
            Diagnostic::error(
                codes::CANNOT_LOAD,
                format!("a load cannot repeat `{name} {}`", operation.name),
                operation.span,
                "a load sends; it does not wait for messages",
            )
            .with_help(format!("a load of `{name}` sends {}", words.join(" or "))),
        );
    }
}

/// Every kind and operation a load can send, for the help of E0420.
fn help() -> String {
    let mut forms = vec!["`load GET url { … }`".to_string()];
    for kind in crate::steps::registry() {
        if kind.for_tests_only() {
            continue;
        }
        if let Some(load) = kind.message_load() {
            for operation in load.operations() {
                forms.push(format!("`load {} {} …`", kind.name(), operation.word));
            }
        }
    }
    format!("a load reads {}", forms.join(", "))
}
