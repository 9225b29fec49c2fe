//! The `nats` rules the schema cannot say: which clauses each operation takes
//! (a body is sent by `publish` and `request`, `until` and a deadline belong to
//! the steps that wait, `jetstream` to `publish`), and `silent`'s deadline,
//! which has no default (waiting the step's 30 s for nothing is never meant).

use super::config::{BODY, HEADERS, JETSTREAM, JSON, UNTIL, WITHIN};
use super::kind::{PUBLISH, REQUEST, SILENT, SUBSCRIBE};
use crate::diagnostics::{Diagnostic, codes};
use crate::steps::StepChecker;
use crate::syntax::ast::Step;

/// The clauses an operation takes besides `timeout`.
fn taken_by(operation: &str) -> &'static [&'static str] {
    match operation {
        PUBLISH => &[BODY, JSON, HEADERS, JETSTREAM],
        REQUEST => &[BODY, JSON, HEADERS, WITHIN],
        SUBSCRIBE | SILENT => &[UNTIL, WITHIN],
        _ => &[],
    }
}

pub fn check(step: &Step, checker: &mut dyn StepChecker) {
    let Some(operation) = &step.operation else {
        return;
    };
    let operation = operation.name.as_str();
    if ![PUBLISH, REQUEST, SUBSCRIBE, SILENT].contains(&operation) {
        // Refused by the shape check (E0417).
        return;
    }
    let taken = taken_by(operation);
    for clause in &step.clauses {
        let name = clause.name.name.as_str();
        let known = [BODY, JSON, HEADERS, JETSTREAM, UNTIL, WITHIN].contains(&name);
        if known && !taken.contains(&name) {
            let mut all = taken.to_vec();
            all.push(crate::steps::config::TIMEOUT);
            checker.report(
                Diagnostic::error(
                    codes::UNKNOWN_CLAUSE,
                    format!("`nats {operation}` steps take no `{name}`"),
                    clause.name.span,
                    "not taken by this operation",
                )
                .with_help(format!("`nats {operation}` steps take: {}", all.join(", "))),
            );
        }
    }
    if operation == SILENT && !step.clauses.iter().any(|clause| clause.name.name == WITHIN) {
        checker.report(
            Diagnostic::error(
                codes::STEP_SHAPE,
                "`nats silent` needs `within D`: how long no message may arrive",
                step.keyword_span,
                "no `within` on this step",
            )
            .with_help("for example `nats silent bus \"orders.cancelled\" within 1s { … }`"),
        );
    }
}
