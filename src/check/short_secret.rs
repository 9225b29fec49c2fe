//! W0005: a `secret` whose value, as written, is too short to mask. The masker
//! leaves such a secret alone (masking "20" would turn every status 200 into
//! `***0`), so it would be shown wherever it appears: say so before the run.
//! Only what the file says is known here: a string literal, or the default of
//! `env("NAME", "…")`. Must not import `run`.

use crate::diagnostics::{Diagnostic, codes};
use crate::mask::SHORTEST_MASKED_SECRET;
use crate::syntax::ast::{Binding, BindingKind, BindingValue, Expr, ExprKind};

/// The warning for a secret written too short to mask, if it is.
pub fn short_secret_warning(binding: &Binding) -> Option<Diagnostic> {
    if binding.kind != BindingKind::Secret {
        return None;
    }
    let Some(BindingValue::Expr(expr)) = &binding.value else {
        return None;
    };
    let (literal, text) = written_value(expr)?;
    let length = text.chars().count();
    if length == 0 || length >= SHORTEST_MASKED_SECRET {
        return None;
    }
    Some(
        Diagnostic::warning(
            codes::SHORT_SECRET,
            format!(
                "secret `{}` is too short to mask safely",
                binding.name.name
            ),
            literal.span,
            format!(
                "{length} character{}: it would be shown wherever it appears",
                if length == 1 { "" } else { "s" }
            ),
        )
        .with_help(format!(
            "secrets of fewer than {SHORTEST_MASKED_SECRET} characters are not masked (\"20\" would hide every status 200); use a longer secret"
        )),
    )
}

/// The string literal a secret is computed from, with its text: the value itself,
/// or the default of `env(…)`.
fn written_value(expr: &Expr) -> Option<(&Expr, String)> {
    match &expr.kind {
        ExprKind::String(literal) => Some((expr, literal.as_plain_text()?)),
        ExprKind::Call { callee, arguments } => {
            let ExprKind::Name(name) = &callee.kind else {
                return None;
            };
            if name.name != "env" {
                return None;
            }
            let default = arguments
                .iter()
                .find(|argument| {
                    argument
                        .name
                        .as_ref()
                        .is_some_and(|name| name.name == "default")
                })
                .or_else(|| {
                    arguments
                        .iter()
                        .filter(|argument| argument.name.is_none())
                        .nth(1)
                })?;
            match &default.value.kind {
                ExprKind::String(literal) => Some((&default.value, literal.as_plain_text()?)),
                _ => None,
            }
        }
        _ => None,
    }
}
