//! The cause of an expectation that did not hold, from what it compared: the
//! operator and the names of the values it read (`status`, `latency.p99`,
//! `r.success_rate`), which are the result fields the step kinds declare, never
//! the wording of a message. Must not import the reports.

use crate::failure::Cause;
use crate::plan::{BinaryOperator, Expr, ExprKind};

/// `actual`: each operand as written and its value as shown (`("status", "409")`).
pub(super) fn of(condition: &Expr, actual: &[(String, String)]) -> Cause {
    let status = actual
        .iter()
        .find(|(operand, _)| last_segment(operand) == "status")
        .and_then(|(_, shown)| shown.parse::<u64>().ok());
    // An error status explains the rest of a combined expectation too.
    if status.is_some_and(|status| status >= 400) {
        return Cause::StatusMismatch;
    }
    let reads = |words: &[&str]| {
        actual
            .iter()
            .any(|(operand, _)| segments(operand).any(|segment| words.contains(&segment)))
    };
    if reads(&["latency", "duration"]) {
        Cause::TooSlow
    } else if reads(&["success_rate", "failed", "succeeded", "dropped"]) {
        Cause::RequestsFailed
    } else if reads(&["throughput"]) {
        Cause::ThroughputLow
    } else if has_conforms(condition) {
        Cause::SchemaMismatch
    } else if status.is_some() {
        Cause::StatusMismatch
    } else {
        Cause::ExpectationFailed
    }
}

/// The words of an operand's path: `r.latency.p99` → `r`, `latency`, `p99`.
fn segments(operand: &str) -> impl Iterator<Item = &str> {
    operand
        .split(|character: char| !(character.is_alphanumeric() || character == '_'))
        .filter(|segment| !segment.is_empty())
}

fn last_segment(operand: &str) -> &str {
    segments(operand).last().unwrap_or("")
}

fn has_conforms(condition: &Expr) -> bool {
    match &condition.kind {
        ExprKind::Binary {
            operator: BinaryOperator::Conforms,
            ..
        } => true,
        ExprKind::Binary { left, right, .. } => has_conforms(left) || has_conforms(right),
        ExprKind::Not(inner) => has_conforms(inner),
        _ => false,
    }
}
