//! The one list of step kinds. Adding a kind is its folder and one line here.

use super::StepKind;

static KINDS: &[&dyn StepKind] = &[
    &super::http::Http,
    &super::run::Run,
    &super::sql::Sql,
    &super::redis::Redis,
    &super::ws::WebSocket,
    &super::load::Load,
];

/// Every step kind, in the order the language documents them.
pub fn registry() -> &'static [&'static dyn StepKind] {
    KINDS
}

/// The step kind called `name` (`StepKind::name`).
pub fn by_name(name: &str) -> Option<&'static dyn StepKind> {
    KINDS.iter().copied().find(|kind| kind.name() == name)
}
