//! The untyped syntax tree of one `.rit` file, as written. Every node carries its
//! `Span`. Nothing here knows about types, backends or running: the checker reads
//! this tree and the planner lowers it; the interpreter never sees it.

use crate::source::span::Span;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct SourceFile {
    pub items: Vec<Item>,
    /// Every `#` comment, in order, for the formatter and the language server.
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Item {
    Suite(StringLit),
    Import(Import),
    Binding(Binding),
    Fn(FnDef),
    Service(ServiceDef),
    Setup(Block),
    Teardown(Block),
    Test(TestDef),
    Checkpoint(CheckpointDef),
    /// `defaults { … }`: clauses for every HTTP step of the file.
    Defaults(DefaultsDef),
}

#[derive(Clone, Debug)]
pub struct Import {
    pub path: StringLit,
    pub alias: Option<Ident>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingKind {
    Param,
    Let,
    Secret,
}

impl BindingKind {
    pub fn keyword(self) -> &'static str {
        match self {
            BindingKind::Param => "param",
            BindingKind::Let => "let",
            BindingKind::Secret => "secret",
        }
    }
}

/// A top-level `param`, `let` or `secret`.
#[derive(Clone, Debug)]
pub struct Binding {
    pub kind: BindingKind,
    pub name: Ident,
    pub declared_type: Option<TypeExpr>,
    pub value: Option<BindingValue>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum BindingValue {
    Expr(Expr),
    Step(Box<Step>),
}

impl BindingValue {
    pub fn span(&self) -> Span {
        match self {
            BindingValue::Expr(expr) => expr.span,
            BindingValue::Step(step) => step.span,
        }
    }
}

#[derive(Clone, Debug)]
pub struct TypeExpr {
    pub name: Ident,
    pub arguments: Vec<TypeExpr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FnDef {
    pub name: Ident,
    pub params: Vec<FnParam>,
    pub return_type: Option<TypeExpr>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FnParam {
    pub name: Ident,
    pub declared_type: TypeExpr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ServiceDef {
    pub name: Ident,
    pub command: Expr,
    pub options: Vec<Clause>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct DefaultsDef {
    pub options: Vec<Clause>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct TestDef {
    pub name: StringLit,
    pub attributes: Vec<Attribute>,
    pub body: Block,
    pub span: Span,
}

/// `timeout 5s`, `retry 3 every 1s`, `tags [...]`, `skip "why"` after a test's name.
#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: Ident,
    pub value: Option<Expr>,
    pub every: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct CheckpointDef {
    pub name: StringLit,
    pub stage: Option<Expr>,
    pub on_failure: Option<Ident>,
    pub tests: Vec<TestDef>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub statements: Vec<Statement>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Statement {
    pub kind: StatementKind,
    pub span: Span,
}

impl Statement {
    /// The step the statement performs, if it is one (`GET …`, `let r = GET …`).
    pub fn step(&self) -> Option<&Step> {
        match &self.kind {
            StatementKind::Step(step) => Some(step),
            StatementKind::Let {
                value: BindingValue::Step(step),
                ..
            } => Some(step),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub enum StatementKind {
    Expect {
        condition: Expr,
        warn_only: bool,
    },
    Let {
        name: Ident,
        declared_type: Option<TypeExpr>,
        value: BindingValue,
    },
    Assign {
        name: Ident,
        value: Expr,
    },
    Step(Box<Step>),
    For {
        variable: Ident,
        iterable: Expr,
        body: Block,
    },
    If {
        condition: Expr,
        then_block: Block,
        else_branch: Option<ElseBranch>,
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
    Return(Option<Expr>),
    /// `skip "why"`: the test ends here and is reported as skipped with the reason.
    Skip(Expr),
    Send(Expr),
    Receive {
        until: Option<Expr>,
        timeout: Option<Expr>,
    },
    Close(Option<Expr>),
    /// A call made for its effect: `helpers.login(...)`.
    Call(Expr),
}

#[derive(Clone, Debug)]
pub enum ElseBranch {
    If(Box<Statement>),
    Block(Block),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl HttpMethod {
    pub fn parse(text: &str) -> Option<HttpMethod> {
        Some(match text {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "PATCH" => HttpMethod::Patch,
            "DELETE" => HttpMethod::Delete,
            "HEAD" => HttpMethod::Head,
            "OPTIONS" => HttpMethod::Options,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
        }
    }
}

/// What a `load` step sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadOf {
    /// `load GET url { … }`: HTTP requests.
    Http(HttpMethod),
    /// `load nats publish BUS "subject" { … }`: the messages of another kind's
    /// operation (`Step::operation`), its word and where it stands; the kind
    /// offers the operation through `steps::StepKind::message_load`.
    Messages { kind: String, span: Span },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    Http(HttpMethod),
    Run,
    Sql,
    Redis,
    WebSocket,
    Load(LoadOf),
    /// A step of a kind with no grammar rule of its own (`named_step`): the word
    /// that begins it, which the checker looks up in the step registry
    /// (`steps::by_name`) and refuses when no kind is called so (E0416).
    Named(String),
}

impl StepKind {
    /// The name of the step kind that runs this step (`steps::by_name`).
    pub fn backend_name(&self) -> &str {
        match self {
            StepKind::Http(_) => "http",
            StepKind::Run => "run",
            StepKind::Sql => "sql",
            StepKind::Redis => "redis",
            StepKind::WebSocket => "ws",
            StepKind::Load(_) => "load",
            StepKind::Named(word) => word,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Step {
    pub kind: StepKind,
    pub keyword_span: Span,
    /// The operation word after the kind's word (`echo upper "a"`), for a kind
    /// that declares operations (`steps::schema::StepSchema::operations`).
    pub operation: Option<Ident>,
    /// The URL, the command, or the connection (`sql DB`, `redis CONN`).
    pub target: Expr,
    /// The string after the target: the command text of `sql` and `redis`, the
    /// string a kind's shape takes (`steps::schema::Shape::string`).
    pub command: Option<StringLit>,
    pub clauses: Vec<Clause>,
    /// The statements of its block (`ws`; a kind whose shape takes one).
    pub block: Option<Block>,
    /// The options of a `load` block.
    pub options: Vec<Clause>,
    pub span: Span,
}

/// One stage of a `load`'s `stages { … }`: `over to level` moves the level
/// linearly to `level` over `over`; `over at level` (`hold`) sets it at once and
/// holds it for `over`.
#[derive(Clone, Debug)]
pub struct LoadStage {
    pub over: Expr,
    pub hold: bool,
    pub level: Expr,
    pub span: Span,
}

/// A step clause, a `load` or `service` option. The grammar accepts any name; the
/// checker knows which names each step kind takes.
#[derive(Clone, Debug)]
pub struct Clause {
    pub name: Ident,
    pub arguments: ClauseArguments,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ClauseArguments {
    None,
    Value(Expr),
    /// `rate N per D`
    Rate {
        count: Expr,
        period: Expr,
    },
    /// `ramp from A to B over D`
    Ramp {
        from: Expr,
        to: Expr,
        over: Expr,
    },
    /// `check { expr … }`
    Check(Vec<Expr>),
    /// `stages { D to N  D at N … }`: a `load`'s levels in time.
    Stages(Vec<LoadStage>),
    /// `abort when CONDITION [after D]`: a `load`'s live threshold.
    Abort {
        condition: Expr,
        after: Option<Expr>,
    },
    /// `ready http|tcp|log TARGET [within D]`
    Ready {
        probe: Ident,
        target: Expr,
        within: Option<Expr>,
    },
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Duration(Duration),
    /// A fraction: `99%` is 0.99.
    Percent(f64),
    /// Bytes.
    Size(u64),
    Bool(bool),
    Null,
    String(StringLit),
    List(Vec<Expr>),
    Object(Vec<ObjectEntry>),
    Name(Ident),
    Member {
        target: Box<Expr>,
        name: Ident,
    },
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
    Call {
        callee: Box<Expr>,
        arguments: Vec<Argument>,
    },
    Unary {
        operator: UnaryOperator,
        operand: Box<Expr>,
    },
    Binary {
        operator: BinaryOperator,
        operator_span: Span,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Is {
        operand: Box<Expr>,
        type_name: Ident,
    },
    Exists(Box<Expr>),
    Paren(Box<Expr>),
    /// Stands in for an expression that was already reported as an error, so that
    /// one mistake gives one diagnostic.
    Invalid,
}

impl Expr {
    /// True for a literal whose value is known before running (for W0003).
    pub fn is_literal(&self) -> bool {
        match &self.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Duration(_)
            | ExprKind::Percent(_)
            | ExprKind::Size(_)
            | ExprKind::Bool(_)
            | ExprKind::Null => true,
            ExprKind::String(string) => string.as_plain_text().is_some(),
            ExprKind::List(items) => items.iter().all(Expr::is_literal),
            ExprKind::Object(entries) => entries.iter().all(|entry| entry.value.is_literal()),
            ExprKind::Paren(inner) => inner.is_literal(),
            ExprKind::Unary { operand, .. } => operand.is_literal(),
            _ => false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ObjectEntry {
    pub key: String,
    pub key_span: Span,
    pub value: Expr,
}

#[derive(Clone, Debug)]
pub struct Argument {
    pub name: Option<Ident>,
    pub value: Expr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOperator {
    Not,
    Negate,
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

    /// Comparisons do not chain: `a < b < c` is an error.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOperator::Equal
                | BinaryOperator::NotEqual
                | BinaryOperator::Less
                | BinaryOperator::LessOrEqual
                | BinaryOperator::Greater
                | BinaryOperator::GreaterOrEqual
                | BinaryOperator::Contains
                | BinaryOperator::Matches
                | BinaryOperator::StartsWith
                | BinaryOperator::EndsWith
                | BinaryOperator::In
                | BinaryOperator::Conforms
        )
    }
}

/// A string literal: text and `{{ }}` parts, escapes resolved, a `"""` block
/// string already dedented.
#[derive(Clone, Debug)]
pub struct StringLit {
    pub parts: Vec<StringPart>,
    pub block: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StringPart {
    Text(String),
    Interpolation(Expr),
}

impl StringLit {
    /// The text of a string without interpolation.
    pub fn as_plain_text(&self) -> Option<String> {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                StringPart::Text(piece) => text.push_str(piece),
                StringPart::Interpolation(_) => return None,
            }
        }
        Some(text)
    }

    pub fn interpolations(&self) -> impl Iterator<Item = &Expr> {
        self.parts.iter().filter_map(|part| match part {
            StringPart::Interpolation(expr) => Some(expr),
            StringPart::Text(_) => None,
        })
    }
}
