//! The plan: what the interpreter runs. Lowered from a checked program by `lower`;
//! calls resolved to their function, step clauses sorted into options, each `run`
//! step told whether an expectation reads its `exit`. The interpreter reads only
//! this, never the AST or the checker.

mod lower;

pub use lower::lower;

use crate::source::span::Span;
use crate::steps::StepKind;
use crate::steps::schema::TargetText;
use crate::types::{IsTest, ProbeKind, Type};
use std::path::PathBuf;
use std::time::Duration;

pub type ModuleIndex = usize;

pub struct Plan {
    pub modules: Vec<ModulePlan>,
    /// One per file the user named, in order.
    pub suites: Vec<Suite>,
}

pub struct ModulePlan {
    pub name: String,
    /// Relative paths resolve here; `None` for the stdlib.
    pub dir: Option<PathBuf>,
    /// Top-level `param`, `let` and `secret`, in file order.
    pub bindings: Vec<GlobalBinding>,
    pub functions: Vec<Function>,
    pub services: Vec<ServicePlan>,
    /// Modules imported without `as`: their names are visible here.
    pub open_imports: Vec<ModuleIndex>,
    /// Modules imported with `as`, by alias.
    pub aliased_imports: Vec<(String, ModuleIndex)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingKind {
    Param,
    Let,
    Secret,
}

pub struct GlobalBinding {
    pub kind: BindingKind,
    pub name: String,
    /// `param` with a declared type and no default must be given.
    pub value: Option<Expr>,
    /// Its type: for a `param`, the one the checker gave it (declared or inferred),
    /// which `--param` text is read as; for a `let` or `secret`, the declared one
    /// (`json` when none). The value computed is checked against it.
    pub ty: Type,
    pub span: Span,
}

pub struct Function {
    pub name: String,
    /// Their names, for named arguments; parameter `i` is slot `i` of the body.
    pub parameters: Vec<String>,
    /// Each parameter's declared type: a dynamic argument is checked against it
    /// when the call is made.
    pub parameter_types: Vec<Type>,
    pub body: Block,
    pub span: Span,
}

pub struct ServicePlan {
    pub name: String,
    pub command: Template,
    pub env: Option<Expr>,
    pub cwd: Option<Expr>,
    pub ready: Option<ReadyPlan>,
    pub span: Span,
}

pub struct ReadyPlan {
    pub probe: ProbeKind,
    pub target: Expr,
    pub within: Option<Expr>,
}

pub struct Suite {
    pub module: ModuleIndex,
    pub name: String,
    pub setup: Option<Block>,
    pub teardown: Option<Block>,
    pub tests: Vec<TestPlan>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureAction {
    Stop,
    Warn,
    Continue,
}

#[derive(Clone, Debug)]
pub struct CheckpointInfo {
    pub name: String,
    pub stage: Option<String>,
    pub on_failure: FailureAction,
}

pub struct TestPlan {
    pub name: String,
    pub span: Span,
    pub checkpoint: Option<CheckpointInfo>,
    pub timeout: Option<Expr>,
    pub retry: Option<Expr>,
    pub retry_every: Option<Expr>,
    pub tags: Vec<String>,
    pub skip: Option<String>,
    pub body: Block,
}

pub struct Block {
    pub statements: Vec<Statement>,
}

pub struct Statement {
    pub kind: StatementKind,
    pub span: Span,
}

pub enum StatementKind {
    Expect {
        condition: Expr,
        warn_only: bool,
    },
    Let {
        name: String,
        /// The slot of the running body that holds it.
        slot: Slot,
        /// `let x: T`: a dynamic value is checked against `T` when it is bound.
        declared: Option<Type>,
        value: Expr,
    },
    /// `let r = <step>` (the slot of `r`) or a bare step.
    Step {
        step: Box<StepPlan>,
        bind: Option<Slot>,
    },
    Assign {
        name: String,
        target: Place,
        value: Expr,
    },
    For {
        variable: String,
        /// The slot of the loop variable.
        slot: Slot,
        iterable: Expr,
        body: Block,
    },
    If {
        condition: Expr,
        then_block: Block,
        else_block: Option<Block>,
    },
    Eventually {
        within: Expr,
        every: Expr,
        body: Block,
    },
    Retry {
        attempts: Expr,
        every: Option<Expr>,
        body: Block,
    },
    Return {
        value: Option<Expr>,
        /// The function's name and declared return type, against which a dynamic
        /// value is checked when it is returned.
        declared: Option<(String, Type)>,
    },
    /// `skip "why"`: the test ends here, skipped with the reason.
    Skip {
        reason: Expr,
    },
    /// A statement only a kind's blocks hold (`send` in `ws`), run by that kind.
    Kind(KindStatement),
    /// A call made for its effect.
    Evaluate(Expr),
}

/// A statement of a kind's own (`receive until json.id == 3 timeout 2s`): the
/// interpreter hands it to its kind (`StepKind::run_statement`), which asks for
/// its parts by name, evaluated when it needs them.
pub struct KindStatement {
    /// The kind whose blocks hold it (`ws`), from the registry; `None` when no
    /// kind of this build holds its word (the interpreter says it cannot run it).
    pub kind: Option<&'static dyn StepKind>,
    /// The word that begins it (`receive`).
    pub word: &'static str,
    /// Its parts as written, by the names its kind gives them (`until`,
    /// `timeout`), in source order; those left out are absent.
    pub parts: Vec<(&'static str, Expr)>,
    /// Whether a description of the test lists it (`StatementSpec::listed`).
    pub listed: bool,
}

impl KindStatement {
    /// The part called `name`, when the statement has it.
    pub fn part(&self, name: &str) -> Option<&Expr> {
        self.parts
            .iter()
            .find(|(part, _)| *part == name)
            .map(|(_, expr)| expr)
    }
}

/// A local of the body being run (a test, `setup`, `teardown` or a `fn`): a `let`,
/// a parameter (the first slots, in order) or a loop variable, numbered by the
/// planner from what the checker resolved each name to (`check::resolved`), so
/// the interpreter reads an index where it searched scopes by name.
pub type Slot = usize;

/// What an assignment writes.
#[derive(Clone, Debug)]
pub enum Place {
    Local(Slot),
    /// A top-level `let` of `module`.
    Global {
        module: ModuleIndex,
        name: String,
    },
}

pub struct StepPlan {
    /// The step's kind, from the registry (`steps::of_step`); `None` only for a
    /// step the checker refused (E0416), which a checked plan never holds.
    pub kind: Option<&'static dyn StepKind>,
    /// The HTTP method of `http` and `load`, or the operation word of a kind
    /// that declares them (`StepSchema::operations`).
    pub method: Option<&'static str>,
    pub target: Expr,
    /// How its target is read: its kind's schema's, or the step's own
    /// (`StepKind::schema_of_step`: `load nats publish BUS …` takes a connection).
    pub target_text: TargetText,
    /// The string after the target (`sql`'s and `redis`'s command; a kind's
    /// `Shape::string`).
    pub command: Option<Template>,
    /// The statements of its block (`ws`; a kind's `Shape::block`).
    pub block: Option<Block>,
    pub options: Vec<StepOption>,
    /// The options of its `{ … }` of options that are not clauses of its kind
    /// (`load`'s `concurrency`, `rate`, …), in order, each with its values (one;
    /// `rate`'s two, `ramp`'s three).
    pub block_options: Vec<BlockOption>,
    /// The conditions of the `check { }` among its block options.
    pub checks: Vec<Expr>,
    /// Its `abort when CONDITION [after D]` block options (a `load`'s live
    /// thresholds), in order.
    pub thresholds: Vec<ThresholdPlan>,
    /// An expectation right after the step reads the field whose reading lifts
    /// the rule that a failing status fails the step (`StepKind::status_field`:
    /// `run`'s `exit`).
    pub status_checked: bool,
    pub span: Span,
}

/// `abort when CONDITION [after D]`: the condition, read on the step's result so
/// far, and the time before it is first read.
#[derive(Clone)]
pub struct ThresholdPlan {
    pub condition: Expr,
    pub after: Option<Expr>,
}

impl StepPlan {
    /// The kind's name, for messages (`""` for a step of no kind).
    pub fn kind_name(&self) -> &'static str {
        self.kind.map_or("", |kind| kind.name())
    }

    /// The values of the block option called `name`, when the step has it.
    pub fn block_option(&self, name: &str) -> Option<&[Expr]> {
        self.block_options
            .iter()
            .find(|option| option.name == name)
            .map(|option| option.values.as_slice())
    }
}

pub struct StepOption {
    pub name: String,
    /// `None` for a flag (`insecure`, `follow redirects`).
    pub value: Option<Expr>,
}

pub struct BlockOption {
    pub name: String,
    pub values: Vec<Expr>,
}

/// A string with `{{ }}` parts, inserted by context when the plan is run.
#[derive(Clone)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
    pub span: Span,
}

#[derive(Clone)]
pub enum TemplatePart {
    Text(String),
    Value(Expr),
}

#[derive(Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone)]
pub enum Literal {
    Int(i64),
    Float(f64),
    Duration(Duration),
    Percent(f64),
    Size(u64),
    Bool(bool),
    Null,
}

#[derive(Clone)]
pub enum ExprKind {
    Literal(Literal),
    String(Template),
    List(Vec<Expr>),
    Object(Vec<(String, Expr)>),
    /// A local of the running body, by its slot (the name is for messages).
    Local {
        slot: Slot,
        name: String,
    },
    /// A field of the last step.
    Field(String),
    /// A top-level value of `module`: the current one, one it imports without
    /// `as`, or one named with its alias (`m.name`).
    Global {
        module: ModuleIndex,
        name: String,
    },
    /// A service, by name.
    Service(String),
    Member(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Call {
        callee: Callee,
        positional: Vec<Expr>,
        named: Vec<(String, Expr)>,
    },
    Not(Box<Expr>),
    Negate(Box<Expr>),
    Binary {
        operator: BinaryOperator,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `value is NAME`; `None` for a name the checker refused (E0312), which a
    /// plan is never lowered with: it never holds.
    Is(Box<Expr>, Option<IsTest>),
    Exists(Box<Expr>),
}

#[derive(Clone, Debug)]
pub enum Callee {
    Core(String),
    Function { module: ModuleIndex, index: usize },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOperator {
    Coalesce,
    Or,
    And,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Contains,
    Matches,
    StartsWith,
    EndsWith,
    In,
    Conforms,
    Add,
    Subtract,
    Multiply,
    Divide,
}

impl BinaryOperator {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOperator::Coalesce => "??",
            BinaryOperator::Or => "or",
            BinaryOperator::And => "and",
            BinaryOperator::Equal => "==",
            BinaryOperator::NotEqual => "!=",
            BinaryOperator::Less => "<",
            BinaryOperator::LessOrEqual => "<=",
            BinaryOperator::Greater => ">",
            BinaryOperator::GreaterOrEqual => ">=",
            BinaryOperator::Contains => "contains",
            BinaryOperator::Matches => "matches",
            BinaryOperator::StartsWith => "starts with",
            BinaryOperator::EndsWith => "ends with",
            BinaryOperator::In => "in",
            BinaryOperator::Conforms => "conforms",
            BinaryOperator::Add => "+",
            BinaryOperator::Subtract => "-",
            BinaryOperator::Multiply => "*",
            BinaryOperator::Divide => "/",
        }
    }
}
