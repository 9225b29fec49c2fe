//! The one list of step kinds. Adding a kind is its folder and one line here.

use super::StepKind;
use super::schema::{ConnectionSpec, StatementSpec, StepSchema};
use crate::syntax::ast;
use crate::types::{ConnectionKind, Type};
use std::sync::LazyLock;

static KINDS: &[&dyn StepKind] = &[
    &super::http::Http,
    &super::run::Run,
    &super::sql::Sql,
    &super::redis::Redis,
    &super::ws::WebSocket,
    &super::load::Load,
    &super::nats::Nats,
    &super::mqtt::Mqtt,
    &super::amqp::Amqp,
    #[cfg(feature = "test-kinds")]
    &super::echo::Echo,
];

/// Every step kind, in the order the language documents them (and, in a build
/// with the `test-kinds` feature, the kinds that exist for tests, last).
pub fn registry() -> &'static [&'static dyn StepKind] {
    KINDS
}

/// The step kind called `name` (`StepKind::name`).
pub fn by_name(name: &str) -> Option<&'static dyn StepKind> {
    KINDS.iter().copied().find(|kind| kind.name() == name)
}

/// The kind whose blocks hold the statement that begins with `word` (`send`:
/// `ws`), and how it declares it.
pub fn statement_owner(word: &str) -> Option<(&'static dyn StepKind, StatementSpec)> {
    KINDS.iter().copied().find_map(|kind| {
        kind.statements()
            .iter()
            .find(|spec| spec.word == word)
            .map(|spec| (kind, *spec))
    })
}

/// The kind of a step of the syntax tree: by its name, or, for a step of a kind
/// with no grammar rule of its own (`StepKind::Named`), by the word it begins with.
pub fn of_step(step: &ast::StepKind) -> Option<&'static dyn StepKind> {
    match step {
        ast::StepKind::Named(word) => KINDS
            .iter()
            .copied()
            .find(|kind| kind.keywords().contains(&word.as_str())),
        other => by_name(other.backend_name()),
    }
}

/// The kind and declaration of a step of the syntax tree that is one of a kind's
/// own statements (`StatementSpec::operand`): the grammar reads `WORD OPERAND`
/// as a step of no rule of its own, and no kind's steps begin with that word.
pub fn own_statement(step: &ast::Step) -> Option<(&'static dyn StepKind, StatementSpec)> {
    let ast::StepKind::Named(word) = &step.kind else {
        return None;
    };
    if of_step(&step.kind).is_some() {
        return None;
    }
    statement_owner(word).filter(|(_, spec)| spec.operand.is_some())
}

/// The schema of every step kind, by the name the AST uses (`StepKind::backend_name`).
pub fn schema_for(kind: &str) -> Option<&'static StepSchema> {
    by_name(kind).map(super::schema::of)
}

/// The connection values the kinds declare (`StepSchema::connection`), each
/// with the kind that declares it: read once, as every lookup of a core
/// function by name asks here.
static CONNECTIONS: LazyLock<Vec<(&'static ConnectionSpec, &'static dyn StepKind)>> =
    LazyLock::new(|| {
        KINDS
            .iter()
            .filter_map(|kind| kind.schema().connection.map(|spec| (spec, *kind)))
            .collect()
    });

/// Every connection value a kind declares, with its kind, in the registry's
/// order.
pub fn connections() -> &'static [(&'static ConnectionSpec, &'static dyn StepKind)] {
    &CONNECTIONS
}

/// The connection whose type and function are called `name` (`nats`).
pub fn connection_named(name: &str) -> Option<&'static ConnectionSpec> {
    CONNECTIONS
        .iter()
        .map(|(spec, _)| *spec)
        .find(|spec| spec.function() == name)
}

/// The declaration of a connection kind that a value or a type holds: every
/// `ConnectionKind` comes from one (a kind's schema is where it is made).
pub fn connection_of(kind: ConnectionKind) -> Option<&'static ConnectionSpec> {
    CONNECTIONS
        .iter()
        .map(|(spec, _)| *spec)
        .find(|spec| spec.kind == kind)
}

/// A type named in a signature or `let x: T`: a connection's type by its
/// kind's name (`database`, `nats`), or a type of the language
/// (`Type::from_name`).
pub fn type_named(name: &str, arguments: &[Type]) -> Option<Type> {
    match connection_named(name) {
        Some(spec) if arguments.is_empty() => Some(Type::Connection(spec.kind)),
        _ => Type::from_name(name, arguments),
    }
}

/// Every field any step kind yields, for "the last step does not yield `x`".
pub fn all_result_fields() -> Vec<(&'static str, &'static str)> {
    KINDS
        .iter()
        .flat_map(|kind| {
            let schema = super::schema::of(*kind);
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

    /// The fields an operation says its steps yield are fields of its kind's
    /// record (a name misspelt there would otherwise leave every field in scope).
    #[test]
    fn every_operation_yields_fields_of_its_record() {
        for kind in registry() {
            let schema = kind.schema();
            for operation in schema.operations {
                for field in operation.yields.unwrap_or_default() {
                    assert!(
                        schema.result.iter().any(|(name, _)| name == field),
                        "`{} {}` yields `{field}`, which is no field of its record",
                        kind.name(),
                        operation.word
                    );
                }
            }
        }
    }

    /// A kind's statement is found by its word, and no word is two kinds'.
    #[test]
    fn each_statement_word_belongs_to_one_kind() {
        for kind in registry() {
            for spec in kind.statements() {
                let owner = statement_owner(spec.word).map(|(owner, _)| owner.name());
                assert_eq!(owner, Some(kind.name()), "`{}`", spec.word);
            }
        }
        assert!(statement_owner("expect").is_none());
    }

    /// A connection is found by its name and its kind, a kind whose target is a
    /// connection declares it, and no two kinds declare one name.
    #[test]
    fn each_connection_is_found_by_its_name_and_is_its_kinds_target() {
        let mut names = Vec::new();
        for (spec, _) in connections() {
            let name = spec.function();
            assert!(connection_named(name).is_some_and(|found| std::ptr::eq(found, *spec)));
            assert!(connection_of(spec.kind).is_some_and(|found| std::ptr::eq(found, *spec)));
            assert_eq!(type_named(name, &[]), Some(Type::Connection(spec.kind)));
            assert!(
                !spec.schemes.is_empty() && !spec.examples.is_empty(),
                "{name}"
            );
            for example in spec.examples {
                assert!(
                    spec.open(example, std::path::Path::new("/suite")).is_ok(),
                    "{name}: its example {example} is refused"
                );
            }
            names.push(name);
        }
        for kind in registry() {
            if let Type::Connection(target) = kind.schema().target {
                let declared = kind.schema().connection.map(|spec| spec.kind);
                assert_eq!(declared, Some(target), "`{}`", kind.name());
            }
        }
        for name in ["database", "redis", "nats", "mqtt"] {
            assert!(names.contains(&name), "no `{name}` connection");
        }
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "two kinds declare one connection name");
        assert_eq!(type_named("string", &[]), Some(Type::String));
        assert_eq!(type_named("database", &[Type::Int]), None);
    }
}
