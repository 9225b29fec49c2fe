//! The `amqp` rules the schema cannot say: which clauses each operation takes
//! (a body and its properties are sent by `publish` and `request`, `until` and a
//! deadline belong to the steps that wait, `mandatory` and `persistent` to the
//! steps that send, `consume` takes a queue, not an exchange), the exchange a listening step binds its queue to (the
//! default exchange takes no bindings), `silent`'s deadline (no default: waiting
//! the step's 30 s for nothing is never meant), and the names written in a
//! literal `properties { … }`.

use super::config::{
    BODY, EXCHANGE, HEADERS, JSON, MANDATORY, PERSISTENT, PROPERTIES, PROPERTY_NAMES, UNTIL, WITHIN,
};
use super::kind::{CONSUME, PUBLISH, REQUEST, SILENT, SUBSCRIBE};
use crate::diagnostics::{Diagnostic, codes};
use crate::steps::StepChecker;
use crate::syntax::ast::{ClauseArguments, ExprKind, Step};

const ALL: [&str; 9] = [
    EXCHANGE, BODY, JSON, HEADERS, PROPERTIES, PERSISTENT, MANDATORY, UNTIL, WITHIN,
];

/// The clauses an operation takes besides `timeout`.
fn taken_by(operation: &str) -> &'static [&'static str] {
    match operation {
        PUBLISH => &[
            EXCHANGE, BODY, JSON, HEADERS, PROPERTIES, PERSISTENT, MANDATORY,
        ],
        REQUEST => &[
            EXCHANGE, BODY, JSON, HEADERS, PROPERTIES, PERSISTENT, WITHIN,
        ],
        SUBSCRIBE | SILENT => &[EXCHANGE, UNTIL, WITHIN],
        // The queue is the string: it is bound already, or not this step's to bind.
        CONSUME => &[UNTIL, WITHIN],
        _ => &[],
    }
}

pub fn check(step: &Step, checker: &mut dyn StepChecker) {
    let Some(operation) = &step.operation else {
        return;
    };
    let operation = operation.name.as_str();
    if ![PUBLISH, REQUEST, SUBSCRIBE, SILENT, CONSUME].contains(&operation) {
        // Refused by the shape check (E0418).
        return;
    }
    let taken = taken_by(operation);
    for clause in &step.clauses {
        let name = clause.name.name.as_str();
        if ALL.contains(&name) && !taken.contains(&name) {
            let mut all = taken.to_vec();
            all.push(crate::steps::config::TIMEOUT);
            checker.report(
                Diagnostic::error(
                    codes::UNKNOWN_CLAUSE,
                    format!("`amqp {operation}` steps take no `{name}`"),
                    clause.name.span,
                    "not taken by this operation",
                )
                .with_help(format!("`amqp {operation}` steps take: {}", all.join(", "))),
            );
        }
        if name == PROPERTIES
            && let ClauseArguments::Value(value) = &clause.arguments
            && let ExprKind::Object(entries) = &value.kind
        {
            for entry in entries {
                let key = entry.key.as_str();
                if !PROPERTY_NAMES.contains(&key) {
                    checker.report(
                        Diagnostic::error(
                            codes::UNKNOWN_CLAUSE,
                            format!("`{key}` is no AMQP message property"),
                            entry.key_span,
                            "not a property of an AMQP message",
                        )
                        .with_help(format!(
                            "the properties are {}; other names go in `headers {{ … }}`",
                            PROPERTY_NAMES.join(", ")
                        )),
                    );
                }
            }
        }
    }
    let has = |wanted: &str| step.clauses.iter().any(|clause| clause.name.name == wanted);
    if matches!(operation, SUBSCRIBE | SILENT) && !has(EXCHANGE) {
        checker.report(
            Diagnostic::error(
                codes::STEP_SHAPE,
                format!("`amqp {operation}` needs `exchange \"name\"`: the exchange its queue is bound to"),
                step.keyword_span,
                "no `exchange` on this step",
            )
            .with_help(format!(
                "for example `amqp {operation} mq \"order.*\" exchange \"amq.topic\" within 1s {{ … }}`"
            )),
        );
    }
    if operation == SILENT && !has(WITHIN) {
        checker.report(
            Diagnostic::error(
                codes::STEP_SHAPE,
                "`amqp silent` needs `within D`: how long no message may arrive",
                step.keyword_span,
                "no `within` on this step",
            )
            .with_help("for example `amqp silent mq \"order.cancelled\" exchange \"orders\" within 1s { … }`"),
        );
    }
}
