//! The `mqtt` rules the schema cannot say: which clauses each operation takes
//! (a body and `retain` are `publish`'s, `until` and a deadline belong to the
//! steps that wait), a literal `qos` other than 0, 1 or 2, and `silent`'s
//! deadline, which has no default.

use super::config::{BODY, JSON, QOS, RETAIN, SESSION, UNTIL, WITHIN};
use super::kind::{PUBLISH, SILENT, SUBSCRIBE};
use crate::diagnostics::{Diagnostic, codes};
use crate::steps::StepChecker;
use crate::syntax::ast::{ClauseArguments, ExprKind, Step};

/// The clauses an operation takes besides `timeout`.
fn taken_by(operation: &str) -> &'static [&'static str] {
    match operation {
        PUBLISH => &[BODY, JSON, QOS, RETAIN],
        SUBSCRIBE | SILENT => &[QOS, SESSION, UNTIL, WITHIN],
        _ => &[],
    }
}

pub fn check(step: &Step, checker: &mut dyn StepChecker) {
    let Some(operation) = &step.operation else {
        return;
    };
    let operation = operation.name.as_str();
    if ![PUBLISH, SUBSCRIBE, SILENT].contains(&operation) {
        // Refused by the shape check (E0417).
        return;
    }
    let taken = taken_by(operation);
    for clause in &step.clauses {
        let name = clause.name.name.as_str();
        let known = [BODY, JSON, QOS, RETAIN, SESSION, UNTIL, WITHIN].contains(&name);
        if known && !taken.contains(&name) {
            let mut all = taken.to_vec();
            all.push(crate::steps::config::TIMEOUT);
            checker.report(
                Diagnostic::error(
                    codes::UNKNOWN_CLAUSE,
                    format!("`mqtt {operation}` steps take no `{name}`"),
                    clause.name.span,
                    "not taken by this operation",
                )
                .with_help(format!("`mqtt {operation}` steps take: {}", all.join(", "))),
            );
        }
        if name == QOS
            && let ClauseArguments::Value(value) = &clause.arguments
            && let ExprKind::Int(level) = &value.kind
            && !(0..=2).contains(level)
        {
            checker.report(
                Diagnostic::error(
                    codes::CLAUSE_TYPE,
                    format!("MQTT has no QoS {level}"),
                    value.span,
                    "not 0, 1 or 2",
                )
                .with_help(
                    "`qos 0` (at most once), `qos 1` (at least once) or `qos 2` (exactly once)",
                ),
            );
        }
    }
    if operation == SILENT && !step.clauses.iter().any(|clause| clause.name.name == WITHIN) {
        checker.report(
            Diagnostic::error(
                codes::STEP_SHAPE,
                "`mqtt silent` needs `within D`: how long no message may arrive",
                step.keyword_span,
                "no `within` on this step",
            )
            .with_help("for example `mqtt silent broker \"orders/cancelled\" within 1s { … }`"),
        );
    }
}
