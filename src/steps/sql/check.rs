//! The `sql` step's own check rule: a `{{ }}` becomes a bound parameter, which SQL
//! does not read inside quotes (E0411).

use crate::diagnostics::{Diagnostic, codes};
use crate::steps::StepChecker;
use crate::syntax::ast::{Step, StringPart};

pub fn check(step: &Step, checker: &mut dyn StepChecker) {
    let Some(command) = &step.command else {
        return;
    };
    let mut in_quotes = false;
    for part in &command.parts {
        match part {
            StringPart::Text(text) => {
                in_quotes ^= text.matches('\'').count() % 2 == 1;
            }
            StringPart::Interpolation(expr) => {
                if in_quotes {
                    checker.report(
                        Diagnostic::error(
                            codes::SQL_INTERPOLATION_IN_QUOTES,
                            "`{{ }}` inside SQL quotes",
                            expr.span,
                            "this becomes a bound parameter, which SQL does not read inside quotes",
                        )
                        .with_help(
                            "take the quotes away and build the text in SQL: `'%' || {{x}} || '%'`",
                        ),
                    );
                }
                // A bound parameter may be bytes (a bytea or blob value).
                checker.bound_value(expr);
            }
        }
    }
}
