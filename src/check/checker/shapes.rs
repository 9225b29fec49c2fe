//! A step's shape against what its kind declares (`StepSchema::operations`,
//! `Shape`): the operation word (E0418), the string after the target and the
//! block (E0419); and a kind's own statement that the grammar read as a step
//! (`WORD OPERAND`), which stands only inside a block of its kind (E0209). Read
//! from the schema alone: nothing here names a kind.

use super::*;
use crate::steps::StepKind as Kind;
use crate::steps::schema::{Presence, Shape, StatementSpec};

impl<'c, 'a> BodyChecker<'c, 'a> {
    /// The operation word, the string and the block of `step`, against its kind's
    /// shapes; the string's `{{ }}` checked as text for a kind with no rule of
    /// its own in the grammar (a kind whose string binds values, as `sql`, checks
    /// it in its own rules).
    pub(super) fn shape(&mut self, step: &Step, kind: &'static dyn Kind, schema: &StepSchema) {
        let Some(shape) = self.operation(step, kind, schema) else {
            // An operation the kind does not have: its shape is unknown, so the
            // string and the block are not judged; their values still are.
            self.string_values(step);
            return;
        };
        let operation = step
            .operation
            .as_ref()
            .map(|operation| operation.name.as_str());
        // The words of a refusal are made only when a step is refused: every
        // step passes here, few are wrong (benches/check.sh, docs/performance.md).
        let named = || match operation {
            Some(operation) => format!("`{} {operation}` steps", schema.name),
            None => format!("`{}` steps", schema.name),
        };
        let written = || format!("they read `{}`", shape.form(schema.name, operation));
        match (&step.command, shape.string) {
            (None, Presence::Required) => self.report(
                Diagnostic::error(
                    codes::STEP_SHAPE,
                    format!("{} take a string after the target", named()),
                    step.target.span,
                    "a string is missing after this",
                )
                .with_help(written()),
            ),
            (Some(string), Presence::Never) => self.report(
                Diagnostic::error(
                    codes::STEP_SHAPE,
                    format!("{} take no string after the target", named()),
                    string.span,
                    "not taken here",
                )
                .with_help(shape_help(schema)),
            ),
            _ => {}
        }
        match (&step.block, shape.block) {
            (None, Presence::Required) => self.report(
                Diagnostic::error(
                    codes::STEP_SHAPE,
                    format!("{} take a block `{{ … }}`", named()),
                    step.keyword_span,
                    "its block is missing",
                )
                .with_help(written()),
            ),
            (Some(block), Presence::Never) => self.report(
                Diagnostic::error(
                    codes::STEP_SHAPE,
                    format!("{} take no block", named()),
                    Span {
                        end: (block.span.start + 1).min(block.span.end),
                        ..block.span
                    },
                    "a block opens here",
                )
                .with_help(shape_help(schema)),
            ),
            _ => {}
        }
        if matches!(step.kind, StepKind::Named(_)) {
            self.string_values(step);
        }
    }

    /// The shape of the step's operation (or of a step without one), reporting
    /// an operation the kind does not have or one it requires (E0418).
    fn operation(
        &mut self,
        step: &Step,
        kind: &'static dyn Kind,
        schema: &StepSchema,
    ) -> Option<Shape> {
        // The operation words, for a refusal's help only.
        let words = || -> Vec<&str> {
            schema
                .operations
                .iter()
                .map(|operation| operation.word)
                .collect()
        };
        let name = kind.name();
        let Some(operation) = &step.operation else {
            if schema.without_operation.is_none() {
                self.report(
                    Diagnostic::error(
                        codes::UNKNOWN_OPERATION,
                        format!("a `{name}` step names what it does"),
                        step.keyword_span,
                        "an operation word is missing after this",
                    )
                    .with_help(format!(
                        "write one of {} after `{name}`",
                        quoted(&words()).join(", ")
                    )),
                );
            }
            return schema.without_operation;
        };
        if let Some(spec) = schema.operation(&operation.name) {
            return Some(spec.shape);
        }
        let diagnostic = Diagnostic::error(
            codes::UNKNOWN_OPERATION,
            format!("`{name}` steps have no operation `{}`", operation.name),
            operation.span,
            "unknown operation",
        );
        let words = words();
        let help = match did_you_mean(&operation.name, words.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None if words.is_empty() => format!("`{name}` steps take no operation word"),
            None => format!("`{name}` steps do one of: {}", quoted(&words).join(", ")),
        };
        self.report(diagnostic.with_help(help));
        None
    }

    /// The `{{ }}` of the string after the target, as text.
    fn string_values(&mut self, step: &Step) {
        if let Some(string) = &step.command {
            for value in string.interpolations() {
                StepChecker::text_value(self, value);
            }
        }
    }

    /// A kind's own statement written as `WORD OPERAND`: inside a block of its
    /// kind, its operand checked; the parts only a step has are refused.
    pub(super) fn own_statement(
        &mut self,
        step: &Step,
        owner: &'static dyn Kind,
        spec: StatementSpec,
    ) {
        self.require_block(step.keyword_span, spec.word);
        self.expr(&step.target);
        let owner_name = format!("`{}`", spec.word);
        self.options(&step.clauses, &[], &owner_name);
        let extra = step
            .operation
            .as_ref()
            .map(|operation| operation.span)
            .or(step.command.as_ref().map(|string| string.span))
            .or(step.block.as_ref().map(|block| block.span));
        if let Some(span) = extra {
            self.report(
                Diagnostic::error(
                    codes::STEP_SHAPE,
                    format!("`{}` takes one value", spec.word),
                    span,
                    "not taken here",
                )
                .with_help(format!(
                    "`{}` is a statement of `{}` blocks: `{} VALUE`",
                    spec.word,
                    owner.name(),
                    spec.word
                )),
            );
        }
    }
}

fn quoted(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| format!("`{word}`")).collect()
}

/// What a kind's steps look like, for the help of a part it does not take.
fn shape_help(schema: &StepSchema) -> String {
    let name = schema.name;
    let mut forms: Vec<String> = schema
        .without_operation
        .iter()
        .map(|shape| format!("`{}`", shape.form(name, None)))
        .collect();
    forms.extend(
        schema
            .operations
            .iter()
            .map(|operation| format!("`{}`", operation.shape.form(name, Some(operation.word)))),
    );
    format!("`{name}` steps read: {}", forms.join(", "))
}
