//! The `redis` step's own check rules: the command is not empty, and each `{{ }}`
//! (one argument) is text, never bytes.

use crate::diagnostics::{Diagnostic, codes};
use crate::steps::StepChecker;
use crate::syntax::ast::{Step, StringPart};

pub fn check(step: &Step, checker: &mut dyn StepChecker) {
    let Some(command) = &step.command else {
        return;
    };
    let text: String = command
        .parts
        .iter()
        .map(|part| match part {
            StringPart::Text(text) => text.as_str(),
            StringPart::Interpolation(_) => "x",
        })
        .collect();
    if text.split_whitespace().next().is_none() {
        checker.report(
            Diagnostic::error(
                codes::REDIS_COMMAND,
                "empty Redis command",
                command.span,
                "no command here",
            )
            .with_help("write the command and its arguments: `\"GET key\"`"),
        );
    }
    for expr in command.interpolations() {
        checker.text_value(expr);
    }
}
