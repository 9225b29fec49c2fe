//! The one list of step kinds. Adding a kind is its folder and one line here.

use super::StepKind;
use super::schema::StepSchema;

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

/// The schema of every step kind, by the name the AST uses (`StepKind::backend_name`).
pub fn schema_for(kind: &str) -> Option<StepSchema> {
    by_name(kind).map(|kind| kind.schema())
}

/// Every field any step kind yields, for "the last step does not yield `x`".
pub fn all_result_fields() -> Vec<(&'static str, &'static str)> {
    KINDS
        .iter()
        .flat_map(|kind| {
            let schema = kind.schema();
            schema
                .result
                .iter()
                .map(|(field, _)| (*field, schema.name))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kind's name is its key everywhere: `by_name` here, the run's executors
    /// (`exec::Executors`) and the AST's `backend_name`. One name per kind.
    #[test]
    fn each_kind_is_found_by_the_name_its_schema_gives() {
        let mut names = Vec::new();
        for kind in registry() {
            assert_eq!(kind.schema().name, kind.name());
            assert!(by_name(kind.name()).is_some_and(|found| found.name() == kind.name()));
            assert!(
                !kind.keywords().is_empty(),
                "`{}` has no keyword",
                kind.name()
            );
            names.push(kind.name());
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), registry().len(), "two kinds share a name");
    }
}
