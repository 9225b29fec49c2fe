//! What a step kind declares about its steps, for the checker: the clauses it takes,
//! the options of its block, and the fields of its result record. Pure data.

use crate::types::Type;

#[derive(Clone, Debug)]
pub enum ValueSpec {
    /// Takes no value (`insecure`).
    Flag,
    /// One value that fits one of these types.
    OneOf(Vec<Type>),
    /// `rate N per D`
    Rate,
    /// `ramp from A to B over D`
    Ramp,
    /// `check { condition … }`
    Check,
    /// `ready http|tcp|log TARGET [within D]`
    Ready,
}

#[derive(Clone, Debug)]
pub struct OptionSpec {
    pub name: &'static str,
    pub value: ValueSpec,
    /// Options that set a request body exclude one another.
    pub sets_body: bool,
    /// One line on what it does, for the language server and the reference
    /// (empty: the keyword's own summary says it).
    pub summary: &'static str,
}

impl OptionSpec {
    pub fn value(name: &'static str, types: Vec<Type>) -> OptionSpec {
        OptionSpec {
            name,
            value: ValueSpec::OneOf(types),
            sets_body: false,
            summary: "",
        }
    }

    pub fn flag(name: &'static str) -> OptionSpec {
        OptionSpec {
            name,
            value: ValueSpec::Flag,
            sets_body: false,
            summary: "",
        }
    }

    pub fn body(name: &'static str, types: Vec<Type>) -> OptionSpec {
        OptionSpec {
            sets_body: true,
            ..OptionSpec::value(name, types)
        }
    }

    /// This option with its one-line summary.
    pub fn about(self, summary: &'static str) -> OptionSpec {
        OptionSpec { summary, ..self }
    }

    pub fn special(name: &'static str, value: ValueSpec) -> OptionSpec {
        OptionSpec {
            name,
            value,
            sets_body: false,
            summary: "",
        }
    }
}

/// How `{{ }}` in a step's target is inserted (docs/language.md, "The text of a value" and "Steps").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetText {
    /// As plain text (the SQL, Redis and `load` targets are other values).
    Plain,
    /// Percent-encoded for where each value stands in the URL (`run::url_text`).
    Url,
    /// Each value as one shell word, quoted (`run`).
    Shell,
}

#[derive(Clone, Debug)]
pub struct StepSchema {
    /// The kind's name, as the user sees it in messages (`http`, `run`, `sql`).
    pub name: &'static str,
    /// What the step's first operand must be: a URL or command (string), a
    /// database, a Redis connection.
    pub target: Type,
    pub target_text: TargetText,
    /// The clauses after the target.
    pub clauses: Vec<OptionSpec>,
    /// The options of its `{ … }` block (`load`).
    pub block_options: Vec<OptionSpec>,
    /// The fields it yields (in a `ws` block: what each `receive` yields).
    pub result: Vec<(&'static str, Type)>,
}

impl StepSchema {
    pub fn result_type(&self) -> Type {
        Type::Record(
            self.result
                .iter()
                .map(|(name, ty)| (name.to_string(), ty.clone()))
                .collect(),
        )
    }

    pub fn field_names(&self) -> Vec<&'static str> {
        self.result.iter().map(|(name, _)| *name).collect()
    }
}

/// A statement only the blocks of a kind's steps hold (`send`, `receive` and
/// `close` in a `ws` block), which the kind runs (`StepKind::run_statement`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementSpec {
    /// The word that begins it.
    pub word: &'static str,
    /// Whether a description of the test (`ritc publish`) lists it among what the
    /// test does (`send`, `receive`), or leaves it out (`close`).
    pub listed: bool,
}
