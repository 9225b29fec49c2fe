//! The `sql` step's own check rule: a `{{ }}` becomes a bound parameter, which SQL
//! does not read inside quotes (E0315); a step runs one statement (E0414).

use crate::diagnostics::{Diagnostic, codes};
use crate::steps::StepChecker;
use crate::syntax::ast::{Step, StringPart};

pub fn check(step: &Step, checker: &mut dyn StepChecker) {
    let Some(command) = &step.command else {
        return;
    };
    // The text as the database will see it, a placeholder for each value.
    let text: String = command
        .parts
        .iter()
        .map(|part| match part {
            StringPart::Text(text) => text.as_str(),
            StringPart::Interpolation(_) => "?",
        })
        .collect();
    let statements = super::count::statement_count(&text);
    if statements > 1 {
        checker.report(
            Diagnostic::error(
                codes::SQL_STATEMENTS,
                format!("a `sql` step runs one statement, and this text holds {statements}"),
                command.span,
                "more than one statement",
            )
            .with_help("write one `sql` step per statement"),
        );
    }
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
