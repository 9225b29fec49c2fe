//! The `load` step's own check rules: its block options (none given twice, also
//! after the URL), and a complete load model.

use super::config::{CONCURRENCY, DURATION, RAMP, RATE, REQUESTS, STAGES, WARMUP};
use crate::diagnostics::{Diagnostic, codes};
use crate::steps::StepChecker;
use crate::syntax::ast::Step;
use std::collections::HashSet;

pub fn check(step: &Step, checker: &mut dyn StepChecker) {
    let clause_names: HashSet<&str> = step
        .clauses
        .iter()
        .map(|clause| clause.name.name.as_str())
        .collect();
    for option in &step.options {
        if clause_names.contains(option.name.name.as_str()) {
            checker.report(Diagnostic::error(
                codes::DUPLICATE_CLAUSE,
                format!("`{}` is given twice", option.name.name),
                option.name.span,
                "also given after the URL",
            ));
        }
    }
    // A load of messages takes the model's options alone (`messages.rs`).
    let schema = super::messages::schema_of_step(step).unwrap_or_else(super::spec::schema);
    checker.options(&step.options, &schema.block_options, "`load`");
    super::messages::check(step, checker);
    let has = |name: &str| step.options.iter().any(|option| option.name.name == name);
    let incomplete = |problem: &'static str| {
        (
            problem,
            "incomplete load model",
            "for example: `load GET url { concurrency 10 requests 100 }`",
        )
    };
    // `stages` with `ramp` or `warmup`: said at that option, the stages named.
    let name_span = |name: &str| {
        step.options
            .iter()
            .find(|option| option.name.name == name)
            .map(|option| option.name.span)
    };
    let conflict = name_span(STAGES).and_then(|stages| {
        let (other, problem, label, help) = match (name_span(RAMP), name_span(WARMUP)) {
            (Some(ramp), _) => (
                ramp,
                "a `load` takes `ramp` or `stages`, not both",
                "a second way to move the level",
                "a ramp is one stage: `stages { D to N }`",
            ),
            (None, Some(warmup)) => (
                warmup,
                "a `load` with `stages` takes no `warmup`",
                "not with stages",
                "make the warmup a first stage (`30s to 10`): the stages start from 0",
            ),
            (None, None) => return None,
        };
        Some(
            Diagnostic::error(codes::MISSING_OPTION, problem, other, label)
                .with_label(stages, "the stages")
                .with_help(help),
        )
    });
    if let Some(conflict) = conflict {
        checker.report(conflict);
        return;
    }
    let problem = if has(RATE) {
        (!has(DURATION) && !has(STAGES)).then(|| {
            incomplete("an open-model `load` (`rate N per D`) needs `duration D` or `stages { … }`")
        })
    } else if has(CONCURRENCY) {
        (!has(REQUESTS) && !has(DURATION) && !has(STAGES))
            .then(|| incomplete("a `load` with `concurrency` needs `requests N` or `duration D`"))
    } else if has(STAGES) {
        None
    } else {
        Some(incomplete(
            "a `load` needs `concurrency N` (with `requests` or `duration`), `stages { … }`, or `rate N per D` (with `duration`)",
        ))
    };
    if let Some((problem, label, help)) = problem {
        checker.report(
            Diagnostic::error(codes::MISSING_OPTION, problem, step.keyword_span, label)
                .with_help(help),
        );
    }
}
