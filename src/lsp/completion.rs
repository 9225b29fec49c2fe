//! Completion: item keywords (and snippets) between items; in a block, statement
//! keywords, the clauses of the step just written, the fields of the last step,
//! names in scope and core functions; after `.`, a record's fields or a module's
//! names; inside `load { }` and `service { }`, their options.
//!
//! The text being typed rarely parses, and the parser drops a whole item that
//! does not. So the document is checked again with the word being typed blanked
//! out and the rest recovered (`recovery`), then with its whole line blanked out,
//! until the item around the cursor parses; offsets stay the same in each copy.
//! What is offered is what the checker accepts there: statement keywords by
//! context (`scope`), the fields the checker had in scope (its index), after
//! `{{` or an operator what begins an expression, after an operand (also the
//! one ending an `expect` on its line) the operators, after `is` the tests it
//! knows, and after `json.` (or a name bound to a path of it) the keys of a
//! schema the body was held to and those the test read it with (`json_shape`).

use super::analysis::{self, Analysis};
use super::cursor::{self, Place};
use super::scope::{self, OptionBlock, Scope};
use super::{describe, json_shape, keywords, recovery, walk};
use crate::check::index::NameKind;
use crate::steps;
use crate::syntax::ast::{BindingValue, Item, StatementKind, StepKind};
use crate::types::{IsTest, Type};
use lsp_types::{
    CompletionItem, CompletionItemKind, Documentation, InsertTextFormat, MarkupContent, MarkupKind,
};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub struct Request<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub offset: usize,
    pub buffers: &'a HashMap<PathBuf, String>,
    /// The analysis of `text` as it is, when there is one.
    pub current: Option<&'a Analysis>,
    pub snippets: bool,
}

/// Words after which an expression follows.
const EXPRESSION_WORDS: &[&str] = &[
    "expect", "and", "or", "not", "in", "contains", "matches", "conforms", "return", "skip", "if",
    "send", "until", "within", "every", "timeout", "retry", "stage", "ready", "http", "tcp", "log",
    "per", "from", "to", "over",
];

/// Expression keywords that follow an operand (`x in list`, `x is int`), never
/// begin an expression.
const OPERATOR_WORDS: &[&str] = &[
    "in", "is", "exists", "contains", "matches", "conforms", "and", "or",
];

const ITEM_SNIPPETS: &[(&str, &str, &str)] = &[
    ("test", "test \"${1:name}\" {\n\t$0\n}", "a test"),
    (
        "checkpoint",
        "checkpoint \"${1:name}\" stage \"${2:stage}\" on failure ${3|stop,warn,continue|} {\n\ttest \"${4:name}\" {\n\t\t$0\n\t}\n}",
        "a checkpoint with one test",
    ),
    (
        "service",
        "service ${1:api} = \"${2:command}\" {\n\tready http \"${3:http://127.0.0.1:3000/health}\" within ${4:60s}\n}",
        "a service with a readiness probe",
    ),
    (
        "fn",
        "fn ${1:name}(${2:param}: ${3:string}) -> ${4:string} {\n\t$0\n}",
        "a function",
    ),
];

pub fn completion(request: &Request<'_>) -> Vec<CompletionItem> {
    let Request { text, offset, .. } = *request;
    let offset = offset.min(text.len());
    let surroundings = cursor::surroundings(text, offset);
    if surroundings.place != Place::Code {
        return Vec::new();
    }
    let prefix_start = cursor::word_start(text, offset);
    let dot = text[..prefix_start]
        .ends_with('.')
        .then(|| prefix_start - 1);
    let Some(analysis) = choose_analysis(request, prefix_start, dot, surroundings.brace_depth)
    else {
        return Vec::new();
    };
    let analysis = analysis.as_ref();
    let scope = scope::scope_at(analysis, prefix_start);
    if let Some(dot) = dot {
        return member_items(request, analysis, &scope, dot);
    }
    if surroundings.brace_depth == 0 && !surroundings.in_interpolation {
        return item_items(request.snippets);
    }
    let mut out = Completions::default();
    if let Some(block) = scope.option_block {
        option_items(&mut out, block);
        return out.items;
    }
    // `defaults { … }` holds the clauses of `http` steps, each with its value.
    if scope.in_defaults && !in_expression(text, prefix_start, &scope) {
        defaults_items(&mut out);
        return out.items;
    }
    // `is` takes the name of a test, never an expression.
    if cursor::previous_word(text, prefix_start) == Some("is") {
        is_test_items(&mut out);
        return out.items;
    }
    let expression = surroundings.in_interpolation
        || scope.in_load_check
        || in_expression(text, prefix_start, &scope)
        || after_a_statements_expression(analysis, text, prefix_start);
    if !expression {
        for keyword in keywords::KEYWORDS.iter().filter(|keyword| {
            keyword.role == keywords::Role::Statement && statement_allowed(keyword.word, &scope)
        }) {
            out.keyword(keyword, "0");
        }
        kind_items(&mut out, &scope);
        if let Some(kind) = &scope.clause_step {
            clause_items(&mut out, kind);
        }
    } else if !expression_starts(text, prefix_start, scope.in_load_check) {
        // After an operand only an operator may follow.
        for keyword in keywords::KEYWORDS
            .iter()
            .filter(|keyword| OPERATOR_WORDS.contains(&keyword.word))
        {
            out.keyword(keyword, "0");
        }
        for (label, word) in keywords::TWO_WORD_OPERATORS {
            if let Some(keyword) = keywords::lookup(word) {
                out.add(CompletionItem {
                    label: label.to_string(),
                    kind: Some(CompletionItemKind::KEYWORD),
                    documentation: Some(markdown(keyword.summary)),
                    sort_text: Some(format!("0{label}")),
                    ..CompletionItem::default()
                });
            }
        }
        return out.items;
    } else {
        for keyword in keywords::KEYWORDS.iter().filter(|keyword| {
            keyword.role == keywords::Role::Expression && !OPERATOR_WORDS.contains(&keyword.word)
        }) {
            out.keyword(keyword, "5");
        }
    }
    field_items(&mut out, &scope);
    name_items(&mut out, analysis, &scope);
    builtin_items(&mut out, request.snippets);
    out.items
}

/// An analysis in which the item around the cursor parsed.
enum Chosen<'a> {
    Current(&'a Analysis),
    Repaired(Box<Analysis>),
}

impl Chosen<'_> {
    fn as_ref(&self) -> &Analysis {
        match self {
            Chosen::Current(analysis) => analysis,
            Chosen::Repaired(analysis) => analysis,
        }
    }
}

fn choose_analysis<'a>(
    request: &Request<'a>,
    prefix_start: usize,
    dot: Option<usize>,
    depth: usize,
) -> Option<Chosen<'a>> {
    let offset = request.offset.min(request.text.len());
    if let Some(current) = request.current
        && (depth == 0 || scope::parsed_around(current, prefix_start))
        && dot.is_none()
    {
        return Some(Chosen::Current(current));
    }
    // The word being typed (with its `.`) blanked, the rest recovered around its
    // line; then its whole line blanked, and recovered.
    let line = cursor::line_around(request.text, offset);
    let word = cursor::blank_out(request.text, dot.unwrap_or(prefix_start), offset);
    let without_line = cursor::blank_out(request.text, line.0, line.1);
    let repairs = [
        recovery::recovered_text(&word, Some(line)).unwrap_or(word),
        recovery::recovered_text(&without_line, None).unwrap_or(without_line),
    ];
    let mut last = None;
    for repaired in repairs {
        let Some(analysis) = analysis::analyze(request.path, request.buffers, Some(&repaired))
        else {
            continue;
        };
        if depth == 0 || scope::parsed_around(&analysis, prefix_start) {
            return Some(Chosen::Repaired(Box::new(analysis)));
        }
        last = Some(analysis);
    }
    match (last, request.current) {
        (Some(analysis), _) => Some(Chosen::Repaired(Box::new(analysis))),
        (None, Some(current)) => Some(Chosen::Current(current)),
        (None, None) => None,
    }
}

/// Whether an expression is expected at `offset` (rather than a statement).
fn in_expression(text: &str, offset: usize, scope: &Scope) -> bool {
    let Some((position, byte)) = cursor::previous_non_blank(text, offset) else {
        return false;
    };
    if b"=([,+-*/<>!?:".contains(&byte) {
        return true;
    }
    if b"{};\"".contains(&byte) {
        return false;
    }
    let Some(word) = cursor::previous_word(text, position + 1) else {
        return false;
    };
    if EXPRESSION_WORDS.contains(&word) {
        return true;
    }
    // A clause name of the step being written (or of `defaults`) takes a value.
    let takes_value = |schema: &steps::schema::StepSchema| {
        schema.clauses.iter().any(|clause| {
            clause.name == word && !matches!(clause.value, steps::schema::ValueSpec::Flag)
        })
    };
    let in_defaults = scope.in_defaults && steps::schema_for("http").is_some_and(takes_value);
    in_defaults
        || scope
            .clause_step
            .as_ref()
            .and_then(describe::schema_of)
            .is_some_and(|schema| takes_value(&schema))
}

/// Whether `offset` follows, on the same line, the expression that ends a
/// statement taking one (`expect status |`, `let n = x |`): the expression may
/// go on with an operator there, and a statement on the same line would not be
/// read as one.
fn after_a_statements_expression(analysis: &Analysis, text: &str, offset: usize) -> bool {
    let Some((position, _)) = cursor::previous_non_blank(text, offset) else {
        return false;
    };
    if text
        .get(position..offset)
        .is_none_or(|gap| gap.contains('\n'))
    {
        return false;
    }
    let end = position + 1;
    let mut found = false;
    walk::each_statement(analysis.entry_ast(), &mut |statement| {
        if statement.span.end as usize != end {
            return;
        }
        let expression = match &statement.kind {
            StatementKind::Expect { condition, .. } => Some(condition),
            StatementKind::Let {
                value: BindingValue::Expr(value),
                ..
            }
            | StatementKind::Assign { value, .. }
            | StatementKind::Send(value)
            | StatementKind::Skip(value) => Some(value),
            StatementKind::Return(value) | StatementKind::Close(value) => value.as_ref(),
            _ => None,
        };
        found |= expression.is_some_and(|expression| expression.span.end as usize == end);
    });
    found
}

/// Whether the checker accepts a statement beginning with `word` here: `return`
/// only in a `fn`, `skip` only in a test's own statements, a kind's own statement (`send` of `ws`) only in its block.
fn statement_allowed(word: &str, scope: &Scope) -> bool {
    if word == "return" {
        return scope.in_fn;
    }
    if word == "skip" {
        return scope.in_test && scope.in_blocks_of.is_empty();
    }
    match steps::statement_owner(word) {
        Some((owner, _)) => scope.in_blocks_of.contains(&owner.name()),
        None => true,
    }
}

/// Whether an expression begins at `offset`, rather than continuing after an
/// operand: after an operator, an opening bracket, `{{`, a comma, or a word that
/// takes an expression; in a `load`'s `check { }` also at a new line (one
/// condition a line).
fn expression_starts(text: &str, offset: usize, conditions_by_line: bool) -> bool {
    let Some((position, byte)) = cursor::previous_non_blank(text, offset) else {
        return true;
    };
    if b"=([{,+-*/<>!?:".contains(&byte) {
        return true;
    }
    if conditions_by_line && text[position..offset].contains('\n') {
        return true;
    }
    cursor::previous_word(text, position + 1)
        .is_some_and(|word| EXPRESSION_WORDS.contains(&word) || OPERATOR_WORDS.contains(&word))
}

#[derive(Default)]
struct Completions {
    items: Vec<CompletionItem>,
    labels: HashSet<String>,
}

impl Completions {
    fn add(&mut self, item: CompletionItem) {
        if self.labels.insert(item.label.clone()) {
            self.items.push(item);
        }
    }

    fn keyword(&mut self, keyword: &keywords::Keyword, rank: &str) {
        self.add(CompletionItem {
            label: keyword.word.to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            documentation: Some(markdown(keyword.summary)),
            sort_text: Some(format!("{rank}{}", keyword.word)),
            ..CompletionItem::default()
        });
    }

    /// The word of a step kind that is no keyword, offered where a statement begins.
    fn step_word(&mut self, word: &str, kind: &str) {
        self.add(CompletionItem {
            label: word.to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            detail: Some(format!("`{kind}` step")),
            sort_text: Some(format!("0{word}")),
            ..CompletionItem::default()
        });
    }
}

fn markdown(text: &str) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value: text.to_string(),
    })
}

fn item_items(snippets: bool) -> Vec<CompletionItem> {
    let mut out = Completions::default();
    if snippets {
        for (label, body, detail) in ITEM_SNIPPETS {
            out.items.push(CompletionItem {
                label: format!("{label} …"),
                kind: Some(CompletionItemKind::SNIPPET),
                detail: Some(detail.to_string()),
                insert_text: Some(body.to_string()),
                insert_text_format: Some(InsertTextFormat::SNIPPET),
                filter_text: Some(label.to_string()),
                sort_text: Some(format!("1{label}")),
                ..CompletionItem::default()
            });
        }
    }
    for keyword in keywords::KEYWORDS {
        if keyword.role == keywords::Role::Item || keyword.word == "let" {
            out.keyword(keyword, "0");
        }
    }
    out.items
}

/// The tests `is` knows (`x is int`), as the checker lists them.
fn is_test_items(out: &mut Completions) {
    for test in IsTest::ALL {
        out.add(CompletionItem {
            label: test.name().to_string(),
            kind: Some(CompletionItemKind::TYPE_PARAMETER),
            detail: Some("a type `is` tests".to_string()),
            ..CompletionItem::default()
        });
    }
}

/// The words of the step kinds with no grammar rule of their own, and of the
/// statements the grammar reads as such steps (inside their kind's block): they
/// are no keywords (`KEYWORDS` lists the others), so the registry offers them.
fn kind_items(out: &mut Completions, scope: &Scope) {
    for kind in steps::registry() {
        for word in kind.keywords() {
            if keywords::lookup(word).is_none() {
                out.step_word(word, kind.name());
            }
        }
        for statement in kind.statements() {
            if keywords::lookup(statement.word).is_none()
                && statement_allowed(statement.word, scope)
            {
                out.add(CompletionItem {
                    label: statement.word.to_string(),
                    kind: Some(CompletionItemKind::KEYWORD),
                    detail: Some(format!("statement of `{}` blocks", kind.name())),
                    sort_text: Some(format!("0{}", statement.word)),
                    ..CompletionItem::default()
                });
            }
        }
    }
}

fn clause_items(out: &mut Completions, kind: &StepKind) {
    let Some(schema) = describe::schema_of(kind) else {
        return;
    };
    let detail = format!("clause of `{}`", describe::step_keyword(kind));
    clause_items_of(out, schema.clauses.iter(), &detail);
}

/// The clauses `defaults { … }` takes: an `http` step's, but a body.
fn defaults_items(out: &mut Completions) {
    let Some(schema) = steps::schema_for("http") else {
        return;
    };
    clause_items_of(
        out,
        schema.default_clauses(),
        "clause of every `http` step (`defaults`)",
    );
}

fn clause_items_of<'a>(
    out: &mut Completions,
    clauses: impl Iterator<Item = &'a steps::schema::OptionSpec>,
    detail: &str,
) {
    for clause in clauses {
        // `follow redirects` is one clause of two words.
        let label = if clause.name == "follow" {
            "follow redirects".to_string()
        } else {
            clause.name.to_string()
        };
        out.add(CompletionItem {
            label,
            kind: Some(CompletionItemKind::PROPERTY),
            detail: Some(detail.to_string()),
            documentation: if clause.summary.is_empty() {
                keywords::lookup(clause.name).map(|keyword| markdown(keyword.summary))
            } else {
                Some(markdown(clause.summary))
            },
            sort_text: Some(format!("1{}", clause.name)),
            ..CompletionItem::default()
        });
    }
}

fn option_items(out: &mut Completions, block: OptionBlock) {
    let names: Vec<&str> = match block {
        OptionBlock::Load => steps::schema_for("load")
            .map(|schema| {
                schema
                    .block_options
                    .iter()
                    .map(|option| option.name)
                    .collect()
            })
            .unwrap_or_default(),
        OptionBlock::Service => vec!["env", "cwd", "ready"],
    };
    for name in names {
        let label = if name == "follow" {
            "follow redirects"
        } else {
            name
        };
        out.add(CompletionItem {
            label: label.to_string(),
            kind: Some(CompletionItemKind::PROPERTY),
            documentation: keywords::lookup(name).map(|keyword| markdown(keyword.summary)),
            ..CompletionItem::default()
        });
    }
}

fn field_items(out: &mut Completions, scope: &Scope) {
    let Some(schema) = scope.fields_from.and_then(steps::schema_for) else {
        return;
    };
    for (name, ty) in &schema.result {
        out.add(CompletionItem {
            label: name.to_string(),
            kind: Some(CompletionItemKind::FIELD),
            detail: Some(ty.to_string()),
            documentation: Some(markdown(&format!(
                "field of the last step (`{}`)",
                schema.name
            ))),
            sort_text: Some(format!("2{name}")),
            ..CompletionItem::default()
        });
    }
}

fn name_items(out: &mut Completions, analysis: &Analysis, scope: &Scope) {
    // Innermost first, so that a name hides the outer one it shadows.
    for name in scope.names.iter().rev() {
        let ty = analysis
            .index
            .definition(name.span)
            .map(|definition| definition.ty.clone());
        let (kind, rank) = match name.kind {
            NameKind::Function => (CompletionItemKind::FUNCTION, "4"),
            NameKind::Module => (CompletionItemKind::MODULE, "4"),
            NameKind::Service => (CompletionItemKind::VALUE, "4"),
            NameKind::Param | NameKind::Secret => (CompletionItemKind::CONSTANT, "4"),
            NameKind::Let
                if name.span.file == analysis.entry_file() && is_top_level(analysis, name.span) =>
            {
                (CompletionItemKind::CONSTANT, "4")
            }
            _ => (CompletionItemKind::VARIABLE, "3"),
        };
        let detail = match (&ty, name.kind) {
            (_, NameKind::Function) => function_signature(analysis, name),
            (Some(ty), kind) if *ty != Type::Unknown => Some(format!("({}) {ty}", kind.describe())),
            (_, kind) => Some(format!("({})", kind.describe())),
        };
        out.add(CompletionItem {
            label: name.name.clone(),
            kind: Some(kind),
            detail,
            sort_text: Some(format!("{rank}{}", name.name)),
            ..CompletionItem::default()
        });
    }
}

fn is_top_level(analysis: &Analysis, span: crate::source::span::Span) -> bool {
    analysis
        .entry_ast()
        .items
        .iter()
        .any(|item| matches!(item, Item::Binding(binding) if binding.name.span == span))
}

fn function_signature(analysis: &Analysis, name: &scope::ScopeName) -> Option<String> {
    let module = analysis.module_of_file(name.span.file)?;
    analysis
        .program
        .module(module)
        .ast
        .items
        .iter()
        .find_map(|item| match item {
            Item::Fn(function) if function.name.span == name.span => {
                Some(describe::fn_signature(function))
            }
            _ => None,
        })
}

fn builtin_items(out: &mut Completions, snippets: bool) {
    for builtin in crate::builtins::all() {
        let (insert_text, format) = if snippets {
            let body = if builtin.parameters.is_empty() {
                format!("{}()", builtin.name)
            } else {
                format!("{}($1)", builtin.name)
            };
            (Some(body), Some(InsertTextFormat::SNIPPET))
        } else {
            (None, None)
        };
        out.add(CompletionItem {
            label: builtin.name.to_string(),
            kind: Some(CompletionItemKind::FUNCTION),
            detail: Some(describe::builtin_signature(builtin)),
            documentation: Some(markdown(builtin.summary)),
            insert_text,
            insert_text_format: format,
            sort_text: Some(format!("5{}", builtin.name)),
            ..CompletionItem::default()
        });
    }
}

/// After `x.`: the fields of a record, or the names of a module imported `as x`.
fn member_items(
    request: &Request<'_>,
    analysis: &Analysis,
    scope: &Scope,
    dot: usize,
) -> Vec<CompletionItem> {
    let text = request.text;
    let mut out = Completions::default();
    let target = cursor::word_at(text, dot.saturating_sub(1))
        .filter(|(start, word)| start + word.len() == dot);
    let named =
        target.and_then(|(_, word)| scope.names.iter().rev().find(|name| name.name == word));
    if let Some(name) = named
        && name.kind == NameKind::Module
    {
        module_items(&mut out, analysis, name);
        return out.items;
    }
    let file = analysis.entry_file();
    let ty = analysis
        .index
        .expression_ending_at(file, u32::try_from(dot).unwrap_or(u32::MAX))
        .cloned()
        .or_else(|| {
            named
                .and_then(|name| analysis.index.definition(name.span))
                .map(|definition| definition.ty.clone())
        })
        .or_else(|| {
            let (_, word) = target?;
            let schema = scope.fields_from.and_then(steps::schema_for)?;
            schema
                .result
                .iter()
                .find(|(field, _)| *field == word)
                .map(|(_, ty)| ty.clone())
        });
    if matches!(ty, Some(Type::Json)) {
        let keys = json_shape::keys_after(analysis, text, dot, request.path, request.buffers);
        for key in keys {
            let origin = match key.origin {
                json_shape::Origin::Schema => "a property of the schema the body conforms to",
                json_shape::Origin::Text => "a key this body is read with or compared to above",
            };
            out.add(CompletionItem {
                label: key.name,
                kind: Some(CompletionItemKind::FIELD),
                detail: key.ty,
                documentation: Some(markdown(origin)),
                ..CompletionItem::default()
            });
        }
    }
    if let Some(Type::Record(fields)) = ty {
        for (name, ty) in fields {
            out.add(CompletionItem {
                label: name.clone(),
                kind: Some(CompletionItemKind::FIELD),
                detail: Some(ty.to_string()),
                ..CompletionItem::default()
            });
        }
    }
    out.items
}

fn module_items(out: &mut Completions, analysis: &Analysis, alias: &scope::ScopeName) {
    let program = &analysis.program;
    let Some(module) =
        program
            .module(analysis.entry)
            .imports
            .iter()
            .find_map(|import| match &import.import.alias {
                Some(name) if name.span == alias.span => import.module,
                _ => None,
            })
    else {
        return;
    };
    for item in &program.module(module).ast.items {
        let (name, kind, detail) = match item {
            Item::Binding(binding) => (
                &binding.name,
                CompletionItemKind::CONSTANT,
                analysis
                    .index
                    .definition(binding.name.span)
                    .map(|definition| format!("({}) {}", binding.kind.keyword(), definition.ty)),
            ),
            Item::Fn(function) => (
                &function.name,
                CompletionItemKind::FUNCTION,
                Some(describe::fn_signature(function)),
            ),
            Item::Service(service) => (
                &service.name,
                CompletionItemKind::VALUE,
                Some("(service)".to_string()),
            ),
            _ => continue,
        };
        out.add(CompletionItem {
            label: name.name.clone(),
            kind: Some(kind),
            detail,
            ..CompletionItem::default()
        });
    }
}
