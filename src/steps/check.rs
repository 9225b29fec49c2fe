//! What a step kind's own check rules may ask of the checker. The checker
//! implements `StepChecker`; a kind's `StepKind::check` reads the step's AST and
//! reports through it, so the checker holds no kind's rules. Pure.

use crate::diagnostics::Diagnostic;
use crate::steps::schema::OptionSpec;
use crate::syntax::ast::{Clause, Expr};
use crate::types::Type;

pub trait StepChecker {
    fn report(&mut self, diagnostic: Diagnostic);
    /// Checks a value that the executor binds as a parameter (a SQL `{{ }}`): any
    /// type, bytes included. Returns its type.
    fn bound_value(&mut self, expr: &Expr) -> Type;
    /// Checks a value inserted into the step's command as text (a Redis argument):
    /// bytes are refused. Returns its type.
    fn text_value(&mut self, expr: &Expr) -> Type;
    /// Checks clauses or block options against what `specs` declares; `owner`
    /// names them in messages ("`load`").
    fn options(&mut self, clauses: &[Clause], specs: &[OptionSpec], owner: &str);
}
