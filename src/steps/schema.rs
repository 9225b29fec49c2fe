//! What a step kind declares about its steps, for the checker: the clauses it takes,
//! the options of its block, and the fields of its result record. Pure data.

use super::StepKind;
pub use super::connection::ConnectionSpec;
use crate::types::Type;
use std::sync::OnceLock;

/// A kind's schema, made once per process. A kind builds its `StepSchema` anew at
/// each `StepKind::schema` call (vectors of clauses and fields), and the checker,
/// the planner and the interpreter each read it for every step: building and
/// dropping them was 9% of the instructions of a 1,000-step run
/// (docs/performance.md). Everything but a kind's own tests reads it here.
pub fn of(kind: &dyn StepKind) -> &'static StepSchema {
    static SCHEMAS: OnceLock<Vec<StepSchema>> = OnceLock::new();
    let kinds = super::registry();
    let schemas = SCHEMAS.get_or_init(|| kinds.iter().map(|kind| kind.schema()).collect());
    match kinds
        .iter()
        .position(|known| known.name() == kind.name())
        .and_then(|at| schemas.get(at))
    {
        Some(schema) => schema,
        // Every kind is in the registry, so this is not reached; a kind outside
        // it would get a schema of its own, kept for the process.
        None => Box::leak(Box::new(kind.schema())),
    }
}

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
    /// `until CONDITION`: a condition on each candidate result of the kind
    /// called so (a message a `nats subscribe` receives), checked with that
    /// kind's result fields in scope and evaluated by the kind, once per
    /// candidate, through `StepContext::condition`; never read into its config.
    Condition(&'static str),
    /// `stages { D to N  D at N … }`
    Stages,
    /// `abort when CONDITION [after D]`: a condition on the step's own result
    /// so far (a `load`'s fields), checked with those fields in scope and
    /// evaluated by the kind while the step runs (`StepContext::thresholds`).
    Threshold,
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

/// Whether a step takes one part of its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Never written: the checker refuses it.
    Never,
    /// Written or not.
    Optional,
    /// Always written: the checker refuses a step without it.
    Required,
}

impl Presence {
    pub fn allowed(self) -> bool {
        self != Presence::Never
    }
}

/// The parts a step has besides its word, target and clauses, which every step
/// has: a string right after the target (a subject, a routing key, a command)
/// and a `{ … }` block of statements after the clauses, which the kind runs
/// through `StepContext::run_block` (its steps and the kind's own `statements()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub string: Presence,
    pub block: Presence,
}

impl Shape {
    /// `WORD TARGET [clause …]`.
    pub const PLAIN: Shape = Shape {
        string: Presence::Never,
        block: Presence::Never,
    };

    /// How a step of this shape reads, for messages and hovers:
    /// `echo join TARGET "…" { … }`.
    pub fn form(self, kind: &str, operation: Option<&str>) -> String {
        let mut text = kind.to_string();
        if let Some(operation) = operation {
            text.push(' ');
            text.push_str(operation);
        }
        text.push_str(" TARGET");
        text.push_str(match self.string {
            Presence::Never => "",
            Presence::Optional => " [\"…\"]",
            Presence::Required => " \"…\"",
        });
        text.push_str(match self.block {
            Presence::Never => "",
            Presence::Optional => " [{ … }]",
            Presence::Required => " { … }",
        });
        text
    }
}

/// A word that follows the kind's word and says what the step does (`echo upper
/// "text"`; a broker's `publish`, `subscribe`), with the shape of its steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationSpec {
    pub word: &'static str,
    pub shape: Shape,
    /// One line for the hover of the word.
    pub summary: &'static str,
    /// The fields of the kind's `result` its steps yield, when not all of them
    /// (a broker's `publish` receives no message, so it yields no `body`);
    /// `None`: every one.
    pub yields: Option<&'static [&'static str]>,
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
    /// The operation words one of which may follow the kind's word, each with its
    /// shape; empty for a kind that takes none. A kind with a rule of its own in
    /// the grammar (`http`, `load`) reads its own words there instead.
    pub operations: &'static [OperationSpec],
    /// The shape of a step written without an operation word; `None` when every
    /// step of the kind names one.
    pub without_operation: Option<Shape>,
    /// The connection value its steps take as their target, and the core
    /// function that makes one (`nats(url)`), when the kind has one.
    pub connection: Option<&'static ConnectionSpec>,
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

    /// The clauses a file's `defaults { … }` may give every step of the kind:
    /// all but the body and what goes with one (`variables`). The checker holds
    /// `defaults` to them and the language server offers them.
    pub fn default_clauses(&self) -> impl Iterator<Item = &OptionSpec> {
        self.clauses
            .iter()
            .filter(|spec| !spec.sets_body && spec.name != "variables")
    }

    pub fn field_names(&self) -> Vec<&'static str> {
        self.result.iter().map(|(name, _)| *name).collect()
    }

    /// The fields a step with the operation `word` yields (none: written
    /// without one): those its operation names, else every field of `result`.
    /// An operation's list describes its own kind's record: a `load` of a
    /// broker's steps takes the broker's operations with the load's record,
    /// which the list does not name, and keeps all of it (each kind's lists are
    /// held to its record by `every_operation_yields_fields_of_its_record`).
    pub fn result_of(&self, word: Option<&str>) -> Vec<(&'static str, Type)> {
        let describes_this_record = |yielded: &&[&str]| {
            yielded
                .iter()
                .all(|name| self.result.iter().any(|(field, _)| field == name))
        };
        match word
            .and_then(|word| self.operation(word))
            .and_then(|operation| operation.yields)
            .filter(describes_this_record)
        {
            Some(yielded) => self
                .result
                .iter()
                .filter(|(name, _)| yielded.contains(name))
                .cloned()
                .collect(),
            None => self.result.clone(),
        }
    }

    /// The record a step with the operation `word` yields (`let m = …`).
    pub fn result_type_of(&self, word: Option<&str>) -> Type {
        Type::Record(
            self.result_of(word)
                .into_iter()
                .map(|(name, ty)| (name.to_string(), ty))
                .collect(),
        )
    }

    /// The operations whose steps yield `field`, for a message that says which do
    /// (none when no step of the kind does).
    pub fn operations_yielding(&self, field: &str) -> Vec<&'static str> {
        if !self.result.iter().any(|(name, _)| *name == field) {
            return Vec::new();
        }
        self.operations
            .iter()
            .filter(|operation| {
                operation
                    .yields
                    .is_none_or(|yielded| yielded.contains(&field))
            })
            .map(|operation| operation.word)
            .collect()
    }

    /// The operation called `word`.
    pub fn operation(&self, word: &str) -> Option<&'static OperationSpec> {
        self.operations
            .iter()
            .find(|operation| operation.word == word)
    }

    /// The shape of a step with the operation `word` (none: written without one);
    /// `None` when that is no shape of the kind (an unknown word, or a missing one
    /// the kind requires).
    pub fn shape(&self, word: Option<&str>) -> Option<Shape> {
        match word {
            Some(word) => self.operation(word).map(|operation| operation.shape),
            None => self.without_operation,
        }
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
    /// The names of its parts, in the order the grammar reads them (`receive`:
    /// `until`, `timeout`), by which the kind asks for them
    /// (`StatementContext::part`).
    pub parts: &'static [&'static str],
    /// The name of the part its operand is, for a statement the grammar reads
    /// generically (`WORD OPERAND`, as a step of no kind); `None` for a statement
    /// with a rule of its own in the grammar (`send`, `receive`, `close`).
    pub operand: Option<&'static str>,
}
