//! Parsing: pest (grammar/rit.pest) produces a concrete tree, and one lowering
//! function per rule turns it into the typed AST of `ast`. Parsing never panics and
//! never stops at the first problem: it returns the tree it could build and every
//! diagnostic, sorted by position. A tree of an unexpected shape is an error value.

use super::ast::*;
use super::literal::{self, NumberError, NumberLiteral};
use super::span::{FileId, Span};
use crate::diagnostics::codes;
use crate::diagnostics::{Diagnostic, did_you_mean, sort_by_position};
use pest::Parser as _;
use pest::error::InputLocation;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::cell::RefCell;
use std::sync::LazyLock;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/rit.pest"]
struct RitGrammar;

/// How deeply brackets may nest before we refuse the file (E0107).
const MAX_NESTING: usize = 128;

/// How many operators one expression may hold (E0107): deeper trees would only
/// come from generated input, and every pass over them recurses.
const MAX_OPERATORS: usize = 256;

pub struct ParseOutput {
    pub file: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one file. `file` tags every span.
pub fn parse(file: FileId, source: &str) -> ParseOutput {
    let lowerer = Lowerer {
        file,
        base: 0,
        diagnostics: RefCell::new(Vec::new()),
    };
    let comments = literal::scan_comments(source)
        .into_iter()
        .map(|range| Comment {
            text: source[range.start..range.end].to_string(),
            span: Span::new(file, range.start, range.end),
        })
        .collect();
    let controls = control_characters(file, source);
    if !controls.is_empty() {
        return ParseOutput {
            file: SourceFile {
                items: Vec::new(),
                comments,
            },
            diagnostics: controls,
        };
    }
    if let Some(offset) = too_deep_at(source) {
        let span = Span::new(file, offset, offset + 1);
        let diagnostic = Diagnostic::error(
            codes::NESTING_TOO_DEEP,
            "brackets nest too deeply",
            span,
            format!("more than {MAX_NESTING} levels deep here"),
        );
        return ParseOutput {
            file: SourceFile {
                items: Vec::new(),
                comments,
            },
            diagnostics: vec![diagnostic],
        };
    }
    let items = match parse_in_halves(file, source) {
        Some((items, diagnostics)) => {
            lowerer.diagnostics.borrow_mut().extend(diagnostics);
            items
        }
        None => match RitGrammar::parse(Rule::file, source) {
            Ok(pairs) => lowerer.file(pairs),
            Err(_) => parse_with_recovery(&lowerer, source),
        },
    };
    let mut diagnostics = lowerer.diagnostics.into_inner();
    sort_by_position(&mut diagnostics);
    diagnostics.dedup();
    ParseOutput {
        file: SourceFile { items, comments },
        diagnostics,
    }
}

/// At most this many control characters are reported in one file.
const MAX_CONTROL_DIAGNOSTICS: usize = 10;

/// E0109 for each run of control characters (not tab or a line ending): such a
/// file is not text, so it is refused before parsing, and the diagnostic names
/// the character escaped, never raw (a terminal would act on an escape
/// sequence; a NUL hides what follows it).
fn control_characters(file: FileId, source: &str) -> Vec<Diagnostic> {
    let is_control = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    let mut diagnostics = Vec::new();
    let mut rest = source.char_indices().peekable();
    while let Some((start, c)) = rest.next() {
        if !is_control(c) {
            continue;
        }
        if diagnostics.len() == MAX_CONTROL_DIAGNOSTICS {
            break;
        }
        let mut end = start + c.len_utf8();
        while let Some((at, next)) = rest.peek().copied()
            && is_control(next)
        {
            end = at + next.len_utf8();
            rest.next();
        }
        let shown: String = source[start..end]
            .chars()
            .flat_map(char::escape_unicode)
            .collect();
        diagnostics.push(
            Diagnostic::error(
                codes::CONTROL_CHARACTER,
                format!("the file holds the control character `{}`", c.escape_unicode()),
                Span::new(file, start, end),
                format!("`{shown}` here"),
            )
            .with_help(
                "a .rit file is text: delete the character, or write an escape in a string (`\\n`, `\\t`)",
            ),
        );
    }
    diagnostics
}

/// Files at least this large are parsed in two halves at once.
const PARALLEL_THRESHOLD: usize = 64 * 1024;

type Parsed = (Vec<Item>, Vec<Diagnostic>);

/// Parses a large file as two halves on two threads, split where a top-level item
/// starts. Both halves parse exactly when the whole file does at that split (a
/// statement never continues into a line that starts with an item keyword); when
/// either fails (say, the split fell inside a block string), `None` sends the
/// caller to the ordinary whole-file parse, which also reports the errors.
fn parse_in_halves(file: FileId, source: &str) -> Option<Parsed> {
    if source.len() < PARALLEL_THRESHOLD {
        return None;
    }
    let split = next_item_line(source, source.len() / 2);
    if split >= source.len() {
        return None;
    }
    let (first, second) = source.split_at(split);
    std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .stack_size(64 * 1024 * 1024)
            .spawn_scoped(scope, || parse_part(file, first, 0))
            .ok()?;
        let second = parse_part(file, second, split);
        let first = other.join().ok()??;
        let (mut items, mut diagnostics) = first;
        let (more_items, more_diagnostics) = second?;
        items.extend(more_items);
        diagnostics.extend(more_diagnostics);
        Some((items, diagnostics))
    })
}

fn parse_part(file: FileId, text: &str, base: usize) -> Option<Parsed> {
    let lowerer = Lowerer {
        file,
        base,
        diagnostics: RefCell::new(Vec::new()),
    };
    let pairs = RitGrammar::parse(Rule::file, text).ok()?;
    let items = lowerer.file(pairs);
    Some((items, lowerer.diagnostics.into_inner()))
}

/// After a syntax error, parse item by item: report the error, skip to the next
/// line that starts an item at its first column, and go on from there. This is
/// what lets one run report a broken test and still check the ones after it.
fn parse_with_recovery(lowerer: &Lowerer, source: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut offset = skip_trivia(source, source.strip_prefix('\u{FEFF}').map_or(0, |_| 3));
    while offset < source.len() {
        let rest = &source[offset..];
        let sub = Lowerer {
            file: lowerer.file,
            base: offset,
            diagnostics: RefCell::new(Vec::new()),
        };
        match RitGrammar::parse(Rule::item_at_start, rest) {
            Ok(mut pairs) => {
                let consumed = pairs
                    .next()
                    .and_then(|pair| pair.into_inner().next())
                    .map(|item| {
                        let end = item.as_span().end();
                        items.extend(sub.item(item));
                        end
                    })
                    .unwrap_or(rest.len());
                lowerer
                    .diagnostics
                    .borrow_mut()
                    .extend(sub.diagnostics.into_inner());
                offset = skip_trivia(source, ceil_boundary(source, offset + consumed.max(1)));
            }
            Err(error) => {
                let error_offset = offset + error_position(&error);
                lowerer.diagnostics.borrow_mut().push(syntax_error(
                    lowerer.file,
                    source,
                    offset,
                    rest,
                    error,
                ));
                let resume = if error_offset > offset && starts_item_line(source, error_offset) {
                    error_offset
                } else {
                    next_item_line(source, ceil_boundary(source, error_offset.max(offset + 1)))
                };
                offset = skip_trivia(source, resume);
            }
        }
    }
    items
}

fn error_position(error: &pest::error::Error<Rule>) -> usize {
    match error.location {
        InputLocation::Pos(position) => position,
        InputLocation::Span((start, _)) => start,
    }
}

/// The first char boundary at or after `offset`.
fn ceil_boundary(source: &str, offset: usize) -> usize {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

fn skip_trivia(source: &str, mut offset: usize) -> usize {
    let bytes = source.as_bytes();
    while offset < bytes.len() {
        match bytes[offset] {
            b' ' | b'\t' | b'\r' | b'\n' | b';' => offset += 1,
            b'#' => {
                offset = source[offset..]
                    .find('\n')
                    .map_or(source.len(), |end| offset + end)
            }
            _ => break,
        }
    }
    offset.min(source.len())
}

const ITEM_KEYWORDS: [&str; 11] = [
    "suite",
    "import",
    "param",
    "let",
    "secret",
    "fn",
    "service",
    "setup",
    "teardown",
    "test",
    "checkpoint",
];

/// True when `offset` is at column 0 and a top-level item keyword starts there.
fn starts_item_line(source: &str, offset: usize) -> bool {
    let at_line_start = offset == 0 || source.as_bytes().get(offset - 1) == Some(&b'\n');
    at_line_start && word_at(source, offset).is_some_and(|word| ITEM_KEYWORDS.contains(&word))
}

/// The start of the first line after `offset` that begins, at column 0, with a
/// top-level item keyword.
fn next_item_line(source: &str, offset: usize) -> usize {
    let offset = ceil_boundary(source, offset);
    let mut line_start = source[offset..]
        .find('\n')
        .map_or(source.len(), |end| offset + end + 1);
    while line_start < source.len() {
        let line = &source[line_start..];
        if starts_item_line(source, line_start) {
            return line_start;
        }
        line_start = line
            .find('\n')
            .map_or(source.len(), |end| line_start + end + 1);
    }
    source.len()
}

/// `text` without trailing whitespace and trailing `#` comments.
fn trim_trailing_trivia(text: &str) -> &str {
    let mut text = text.trim_end();
    // Most spans end on code: only a last line with `#` can end on a comment.
    let last_line = text.rfind('\n').map_or(text, |index| &text[index + 1..]);
    if !last_line.contains('#') {
        return text;
    }
    // The comments are found from the start of the span, which is code, not from
    // the start of the last line: that line may begin inside a block string, whose
    // `#` is text (`"""` … `a # b """` lost its end, and `fmt` its closing quotes).
    for comment in literal::scan_comments(text).iter().rev() {
        if comment.start == 0 || comment.start >= text.len() || comment.end < text.len() {
            break;
        }
        text = text[..comment.start].trim_end();
    }
    text
}

/// The offset where nesting (brackets, and `{{ }}` inside strings) first exceeds
/// the limit, if it does. Brackets inside string text do not count.
fn too_deep_at(source: &str) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Context {
        Code,
        Line,
        Block,
    }
    let bytes = source.as_bytes();
    // Each open bracket or interpolation, with the context to return to.
    let mut stack: Vec<(u8, Context)> = Vec::new();
    let mut context = Context::Code;
    let mut index = 0;
    while index < bytes.len() {
        let rest = &bytes[index..];
        match context {
            Context::Code => match bytes[index] {
                b'#' => {
                    index = source[index..]
                        .find('\n')
                        .map_or(bytes.len(), |offset| index + offset);
                    continue;
                }
                b'"' if rest.starts_with(b"\"\"\"") => {
                    context = Context::Block;
                    index += 3;
                    continue;
                }
                b'"' => context = Context::Line,
                b'}' if rest.starts_with(b"}}")
                    && stack.last().is_some_and(|(open, _)| *open == b'i') =>
                {
                    if let Some((_, outer)) = stack.pop() {
                        context = outer;
                    }
                    index += 2;
                    continue;
                }
                b'(' | b'[' | b'{' => {
                    stack.push((bytes[index], Context::Code));
                    if stack.len() > MAX_NESTING {
                        return Some(index);
                    }
                }
                b')' | b']' | b'}' if stack.last().is_some_and(|(open, _)| *open != b'i') => {
                    stack.pop();
                }
                _ => {}
            },
            Context::Line | Context::Block => {
                if rest.starts_with(b"\\") {
                    index += 2;
                    continue;
                }
                if rest.starts_with(b"{{") {
                    stack.push((b'i', context));
                    if stack.len() > MAX_NESTING {
                        return Some(index);
                    }
                    context = Context::Code;
                    index += 2;
                    continue;
                }
                if context == Context::Block && rest.starts_with(b"\"\"\"") {
                    context = Context::Code;
                    index += 3;
                    continue;
                }
                if context == Context::Line && (rest.starts_with(b"\"") || rest.starts_with(b"\n"))
                {
                    context = Context::Code;
                }
            }
        }
        index += 1;
    }
    None
}

/// Turns pest's error into our words: what was found, what was expected.
fn syntax_error(
    file: FileId,
    source: &str,
    base: usize,
    input: &str,
    error: pest::error::Error<Rule>,
) -> Diagnostic {
    let position = error_position(&error);
    // Re-parse with details to learn the literal tokens pest tried (`}`, `=`, …).
    pest::set_error_detail(true);
    let detailed = RitGrammar::parse(Rule::item_at_start, input).err();
    pest::set_error_detail(false);
    let (position, expected) = match detailed {
        Some(detailed) => {
            let position = error_position(&detailed).max(position);
            let tokens = detailed
                .parse_attempts()
                .map(|attempts| {
                    attempts
                        .expected_tokens()
                        .into_iter()
                        .map(|token| format!("`{token}`"))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            let rules = match &detailed.variant {
                pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
                pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
            };
            (position, describe_expected(&rules, &tokens))
        }
        None => (position, "something else".to_string()),
    };
    let absolute = base + position;
    let found = describe_found(source, absolute);
    let end = (absolute + found_len(source, absolute)).max(absolute);
    let span = Span::new(file, absolute, end);
    if found == "the end of the line" && string_opened_on_line(source, absolute) {
        return Diagnostic::error(
            codes::UNTERMINATED_STRING,
            "this string is not closed on its line",
            span,
            "the line ends here",
        )
        .with_help(
            "close it with `\"`, or use a `\"\"\"` block string for text over several lines",
        );
    }
    if base < absolute && starts_item_line(source, absolute) {
        return Diagnostic::error(
            codes::SYNTAX,
            format!("expected `}}` before {found}"),
            span,
            "a new item starts here",
        )
        .with_help("a `{` above is not closed: each block and object needs its `}`");
    }
    let mut diagnostic = Diagnostic::error(
        codes::SYNTAX,
        format!("expected {expected}, found {found}"),
        span,
        format!("expected {expected}"),
    );
    if let Some(word) = word_at(source, absolute)
        && is_reserved(word)
        && expected.contains("name")
    {
        diagnostic = Diagnostic::error(
            codes::KEYWORD_AS_NAME,
            format!("`{word}` is a keyword and cannot be used as a name"),
            span,
            "a keyword here",
        )
        .with_help(format!("choose another name, such as `{word}_value`"));
    }
    diagnostic
}

fn string_opened_on_line(source: &str, offset: usize) -> bool {
    let line_start = source[..offset.min(source.len())]
        .rfind('\n')
        .map_or(0, |index| index + 1);
    let line = &source[line_start..offset.min(source.len())];
    let mut quotes = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => quotes += 1,
            '#' if quotes % 2 == 0 => break,
            _ => {}
        }
        escaped = false;
    }
    quotes % 2 == 1
}

fn word_at(source: &str, offset: usize) -> Option<&str> {
    let rest = source.get(offset..)?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

fn is_reserved(word: &str) -> bool {
    RitGrammar::parse(Rule::keyword, word).is_ok_and(|pairs| pairs.as_str() == word)
}

fn found_len(source: &str, offset: usize) -> usize {
    match source.get(offset..).and_then(|rest| rest.chars().next()) {
        None | Some('\n') => 0,
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => {
            word_at(source, offset).map_or(1, str::len)
        }
        Some(c) => c.len_utf8(),
    }
}

fn describe_found(source: &str, offset: usize) -> String {
    match source.get(offset..).and_then(|rest| rest.chars().next()) {
        None => "the end of the file".to_string(),
        Some('\n') | Some('\r') => "the end of the line".to_string(),
        Some('"') => "a string".to_string(),
        Some(c) if c.is_ascii_digit() => "a number".to_string(),
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {
            format!("`{}`", word_at(source, offset).unwrap_or_default())
        }
        Some(c) if c.is_control() => format!("`{}`", c.escape_unicode()),
        Some(c) => format!("`{c}`"),
    }
}

/// Plain words for what the parser wanted. Users never see rule names.
fn describe_expected(rules: &[Rule], tokens: &[String]) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut push = |word: &str| {
        if !words.iter().any(|existing| existing == word) {
            words.push(word.to_string());
        }
    };
    for rule in rules {
        match rule {
            Rule::item | Rule::suite_item | Rule::test_item | Rule::let_item | Rule::fn_item => {
                push("a top-level item (`test`, `let`, `fn`, `import`, …)")
            }
            Rule::statement | Rule::step | Rule::expect_stmt | Rule::kw_expect => {
                push("a statement")
            }
            Rule::expr
            | Rule::postfix_expr
            | Rule::number
            | Rule::name
            | Rule::list
            | Rule::object => push("an expression"),
            Rule::string | Rule::block_string => push("a string"),
            Rule::ident | Rule::word => push("a name"),
            Rule::type_expr => push("a type"),
            Rule::block => push("a block `{ … }`"),
            Rule::clause | Rule::named_clause => push("a clause"),
            Rule::option | Rule::named_option => push("an option"),
            Rule::test_attribute => push("a test attribute or `{`"),
            Rule::interpolation => push("`{{`"),
            Rule::EOI => push("the end of the file"),
            other => {
                let name = format!("{other:?}");
                if let Some(keyword) = name.strip_prefix("kw_").filter(|keyword| *keyword != "is") {
                    push(&format!("`{keyword}`"));
                } else if name == "http_method" {
                    push("an HTTP method");
                }
            }
        }
    }
    for token in tokens {
        if ["`}`", "`)`", "`]`", "`=`", "`:`", "`,`", "`{`", "`->`"].contains(&token.as_str()) {
            push(token);
        }
    }
    match words.len() {
        0 => "something else".to_string(),
        1 => words.remove(0),
        _ => {
            let last = words.pop().unwrap_or_default();
            format!("{} or {last}", words.join(", "))
        }
    }
}

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::op_coalesce, Assoc::Right))
        .op(Op::infix(Rule::op_or, Assoc::Left))
        .op(Op::infix(Rule::op_and, Assoc::Left))
        .op(Op::prefix(Rule::op_not))
        .op(Op::infix(Rule::op_eq, Assoc::Left)
            | Op::infix(Rule::op_ne, Assoc::Left)
            | Op::infix(Rule::op_lt, Assoc::Left)
            | Op::infix(Rule::op_le, Assoc::Left)
            | Op::infix(Rule::op_gt, Assoc::Left)
            | Op::infix(Rule::op_ge, Assoc::Left)
            | Op::infix(Rule::op_contains, Assoc::Left)
            | Op::infix(Rule::op_matches, Assoc::Left)
            | Op::infix(Rule::op_in, Assoc::Left)
            | Op::infix(Rule::op_conforms, Assoc::Left)
            | Op::postfix(Rule::op_exists)
            | Op::postfix(Rule::op_is))
        .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
        .op(Op::infix(Rule::op_mul, Assoc::Left) | Op::infix(Rule::op_div, Assoc::Left))
        .op(Op::prefix(Rule::op_neg))
});

struct Lowerer {
    file: FileId,
    /// Offset of the parsed text in the file, when recovering item by item.
    base: usize,
    diagnostics: RefCell<Vec<Diagnostic>>,
}

impl Lowerer {
    /// The span of a pair without the whitespace and comments that pest's implicit
    /// trivia leaves at its end.
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let span = pair.as_span();
        let text = trim_trailing_trivia(pair.as_str());
        Span::new(
            self.file,
            self.base + span.start(),
            self.base + span.start() + text.len(),
        )
    }

    fn report(&self, diagnostic: Diagnostic) {
        self.diagnostics.borrow_mut().push(diagnostic);
    }

    /// A tree shape the grammar should never produce: reported, never a panic.
    fn unexpected(&self, pair: &Pair<Rule>) {
        self.report(Diagnostic::error(
            codes::SYNTAX,
            format!("could not understand this {:?}", pair.as_rule()),
            self.span(pair),
            "not understood here",
        ));
    }

    fn missing(&self, span: Span, what: &str) -> Expr {
        self.report(Diagnostic::error(
            codes::SYNTAX,
            format!("expected {what}"),
            span,
            format!("{what} is missing here"),
        ));
        Expr {
            kind: ExprKind::Invalid,
            span: span.synthetic_at(),
        }
    }

    fn file(&self, mut pairs: Pairs<Rule>) -> Vec<Item> {
        let Some(file) = pairs.next() else {
            return Vec::new();
        };
        file.into_inner()
            .filter(|pair| pair.as_rule() == Rule::item)
            .filter_map(|pair| self.item(pair))
            .collect()
    }

    fn item(&self, pair: Pair<Rule>) -> Option<Item> {
        let inner = pair.into_inner().next()?;
        let span = self.span(&inner);
        let rule = inner.as_rule();
        let mut parts = inner.into_inner();
        Some(match rule {
            Rule::suite_item => Item::Suite(self.string(parts.nth(1)?)),
            Rule::import_item => {
                parts.next();
                let path = self.string(parts.next()?);
                let alias = parts
                    .find(|p| p.as_rule() == Rule::ident)
                    .map(|p| self.ident(&p));
                Item::Import(Import { path, alias, span })
            }
            Rule::param_item | Rule::let_item | Rule::secret_item => {
                let kind = match rule {
                    Rule::param_item => BindingKind::Param,
                    Rule::let_item => BindingKind::Let,
                    _ => BindingKind::Secret,
                };
                parts.next();
                let name = self.ident(&parts.next()?);
                let mut declared_type = None;
                let mut value = None;
                for part in parts {
                    match part.as_rule() {
                        Rule::type_expr => declared_type = Some(self.type_expr(part)),
                        Rule::step => value = Some(BindingValue::Step(Box::new(self.step(part)?))),
                        Rule::expr => value = Some(BindingValue::Expr(self.expr(part))),
                        _ => self.unexpected(&part),
                    }
                }
                Item::Binding(Binding {
                    kind,
                    name,
                    declared_type,
                    value,
                    span,
                })
            }
            Rule::fn_item => {
                parts.next();
                let name = self.ident(&parts.next()?);
                let mut params = Vec::new();
                let mut return_type = None;
                let mut body = None;
                for part in parts {
                    match part.as_rule() {
                        Rule::fn_param => {
                            let param_span = self.span(&part);
                            let mut inner = part.into_inner();
                            let name = self.ident(&inner.next()?);
                            let declared_type = self.type_expr(inner.next()?);
                            params.push(FnParam {
                                name,
                                declared_type,
                                span: param_span,
                            });
                        }
                        Rule::type_expr => return_type = Some(self.type_expr(part)),
                        Rule::block => body = Some(self.block(part)),
                        _ => self.unexpected(&part),
                    }
                }
                Item::Fn(FnDef {
                    name,
                    params,
                    return_type,
                    body: body?,
                    span,
                })
            }
            Rule::service_item => {
                parts.next();
                let name = self.ident(&parts.next()?);
                let command = self.expr(parts.next()?);
                let options = parts
                    .next()
                    .map(|block| self.options(block))
                    .unwrap_or_default();
                Item::Service(ServiceDef {
                    name,
                    command,
                    options,
                    span,
                })
            }
            Rule::setup_item => Item::Setup(self.block(parts.nth(1)?)),
            Rule::teardown_item => Item::Teardown(self.block(parts.nth(1)?)),
            Rule::test_item => Item::Test(self.test(span, parts)?),
            Rule::checkpoint_item => {
                parts.next();
                let name = self.string(parts.next()?);
                let mut stage = None;
                let mut on_failure = None;
                let mut tests = Vec::new();
                while let Some(part) = parts.next() {
                    match part.as_rule() {
                        Rule::kw_stage => stage = parts.next().map(|p| self.expr(p)),
                        Rule::kw_on | Rule::kw_failure => {}
                        Rule::word => on_failure = Some(self.ident(&part)),
                        Rule::test_item => {
                            let test_span = self.span(&part);
                            tests.extend(self.test(test_span, part.into_inner()));
                        }
                        _ => self.unexpected(&part),
                    }
                }
                Item::Checkpoint(CheckpointDef {
                    name,
                    stage,
                    on_failure,
                    tests,
                    span,
                })
            }
            _ => {
                let kw = Pair::clone(&parts.peek()?);
                self.unexpected(&kw);
                return None;
            }
        })
    }

    fn test(&self, span: Span, mut parts: Pairs<Rule>) -> Option<TestDef> {
        parts.next();
        let name = self.string(parts.next()?);
        let mut attributes = Vec::new();
        let mut body = None;
        for part in parts {
            match part.as_rule() {
                Rule::test_attribute => {
                    let attribute_span = self.span(&part);
                    let mut inner = part.into_inner();
                    let name = self.ident(&inner.next()?);
                    let mut value = None;
                    let mut every = None;
                    while let Some(piece) = inner.next() {
                        match piece.as_rule() {
                            Rule::expr => value = Some(self.expr(piece)),
                            Rule::kw_every => every = inner.next().map(|p| self.expr(p)),
                            _ => self.unexpected(&piece),
                        }
                    }
                    attributes.push(Attribute {
                        name,
                        value,
                        every,
                        span: attribute_span,
                    });
                }
                Rule::block => body = Some(self.block(part)),
                _ => self.unexpected(&part),
            }
        }
        Some(TestDef {
            name,
            attributes,
            body: body?,
            span,
        })
    }

    fn ident(&self, pair: &Pair<Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    fn type_expr(&self, pair: Pair<Rule>) -> TypeExpr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = inner.next().map(|p| self.ident(&p)).unwrap_or(Ident {
            name: String::new(),
            span,
        });
        TypeExpr {
            name,
            arguments: inner.map(|p| self.type_expr(p)).collect(),
            span,
        }
    }

    fn block(&self, pair: Pair<Rule>) -> Block {
        let span = self.span(&pair);
        Block {
            statements: pair
                .into_inner()
                .filter_map(|p| self.statement(p))
                .collect(),
            span,
        }
    }

    fn statement(&self, pair: Pair<Rule>) -> Option<Statement> {
        let inner = pair.into_inner().next()?;
        let span = self.span(&inner);
        let rule = inner.as_rule();
        if rule == Rule::step {
            return Some(Statement {
                kind: StatementKind::Step(Box::new(self.step(inner)?)),
                span,
            });
        }
        let mut parts = inner.into_inner();
        let kind = match rule {
            Rule::expect_stmt => StatementKind::Expect {
                condition: self.expr(parts.nth(1)?),
                warn_only: false,
            },
            Rule::warn_expect_stmt => StatementKind::Expect {
                condition: self.expr(parts.nth(2)?),
                warn_only: true,
            },
            Rule::let_stmt => {
                parts.next();
                let name = self.ident(&parts.next()?);
                let mut declared_type = None;
                let mut value = None;
                for part in parts {
                    match part.as_rule() {
                        Rule::type_expr => declared_type = Some(self.type_expr(part)),
                        Rule::step => value = Some(BindingValue::Step(Box::new(self.step(part)?))),
                        Rule::expr => value = Some(BindingValue::Expr(self.expr(part))),
                        _ => self.unexpected(&part),
                    }
                }
                StatementKind::Let {
                    name,
                    declared_type,
                    value: value?,
                }
            }
            Rule::assign_stmt => StatementKind::Assign {
                name: self.ident(&parts.next()?),
                value: self.expr(parts.next()?),
            },
            Rule::call_stmt => StatementKind::Call(self.expr(parts.next()?)),
            Rule::for_stmt => {
                parts.next();
                let variable = self.ident(&parts.next()?);
                parts.next();
                StatementKind::For {
                    variable,
                    iterable: self.expr(parts.next()?),
                    body: self.block(parts.next()?),
                }
            }
            Rule::if_stmt => return self.if_statement(span, parts),
            Rule::eventually_stmt => {
                parts.next();
                parts.next();
                let within = self.expr(parts.next()?);
                parts.next();
                StatementKind::Eventually {
                    within,
                    every: self.expr(parts.next()?),
                    body: self.block(parts.next()?),
                }
            }
            Rule::retry_stmt => {
                parts.next();
                let attempts = self.expr(parts.next()?);
                let mut every = None;
                let mut body = None;
                while let Some(part) = parts.next() {
                    match part.as_rule() {
                        Rule::kw_every => every = parts.next().map(|p| self.expr(p)),
                        Rule::block => body = Some(self.block(part)),
                        _ => self.unexpected(&part),
                    }
                }
                StatementKind::Retry {
                    attempts,
                    every,
                    body: body?,
                }
            }
            Rule::return_stmt => StatementKind::Return(self.same_line_operand(parts)),
            Rule::close_stmt => StatementKind::Close(self.same_line_operand(parts)),
            Rule::send_stmt => StatementKind::Send(self.expr(parts.nth(1)?)),
            Rule::receive_stmt => {
                parts.next();
                let mut until = None;
                let mut timeout = None;
                for option in parts {
                    let mut inner = option.into_inner();
                    let keyword = inner.next()?;
                    let value = self.expr(inner.next()?);
                    if keyword.as_rule() == Rule::kw_until {
                        until = Some(value);
                    } else {
                        timeout = Some(value);
                    }
                }
                StatementKind::Receive { until, timeout }
            }
            _ => {
                self.unexpected(&Pair::clone(&parts.peek()?));
                return None;
            }
        };
        Some(Statement { kind, span })
    }

    fn same_line_operand(&self, mut parts: Pairs<Rule>) -> Option<Expr> {
        parts.next();
        let operand = parts.next()?;
        operand.into_inner().next().map(|expr| self.expr(expr))
    }

    fn if_statement(&self, span: Span, mut parts: Pairs<Rule>) -> Option<Statement> {
        parts.next();
        let condition = self.expr(parts.next()?);
        let then_block = self.block(parts.next()?);
        let mut else_branch = None;
        if parts.next().is_some() {
            let branch = parts.next()?;
            let branch_span = self.span(&branch);
            else_branch = Some(match branch.as_rule() {
                Rule::if_stmt => ElseBranch::If(Box::new(
                    self.if_statement(branch_span, branch.into_inner())?,
                )),
                _ => ElseBranch::Block(self.block(branch)),
            });
        }
        Some(Statement {
            kind: StatementKind::If {
                condition,
                then_block,
                else_branch,
            },
            span,
        })
    }

    fn step(&self, pair: Pair<Rule>) -> Option<Step> {
        let inner = pair.into_inner().next()?;
        let span = self.span(&inner);
        let rule = inner.as_rule();
        let mut parts = inner.into_inner();
        let keyword = parts.next()?;
        let keyword_span = self.span(&keyword);
        let kind = match rule {
            Rule::http_step => StepKind::Http(HttpMethod::parse(keyword.as_str())?),
            Rule::run_step => StepKind::Run,
            Rule::sql_step => StepKind::Sql,
            Rule::redis_step => StepKind::Redis,
            Rule::ws_step => StepKind::WebSocket,
            Rule::load_step => StepKind::Load(HttpMethod::parse(parts.next()?.as_str())?),
            _ => {
                self.unexpected(&keyword);
                return None;
            }
        };
        let target = self.expr(parts.next()?);
        let mut step = Step {
            kind,
            keyword_span,
            target,
            command: None,
            clauses: Vec::new(),
            block: None,
            options: Vec::new(),
            span,
        };
        for part in parts {
            match part.as_rule() {
                Rule::string | Rule::block_string => step.command = Some(self.string(part)),
                Rule::clause => step.clauses.extend(self.clause(part)),
                Rule::block => step.block = Some(self.block(part)),
                Rule::option_block => step.options = self.options(part),
                _ => self.unexpected(&part),
            }
        }
        Some(step)
    }

    fn clause(&self, pair: Pair<Rule>) -> Option<Clause> {
        let body = pair.into_inner().next()?;
        self.clause_body(body)
    }

    fn clause_body(&self, body: Pair<Rule>) -> Option<Clause> {
        let span = self.span(&body);
        let rule = body.as_rule();
        let mut parts = body.into_inner();
        let (name, arguments) = match rule {
            Rule::follow_redirects => (
                Ident {
                    name: "follow redirects".to_string(),
                    span,
                },
                ClauseArguments::None,
            ),
            Rule::insecure => (self.ident(&parts.next()?), ClauseArguments::None),
            Rule::named_clause | Rule::named_option => {
                let name = self.ident(&parts.next()?);
                let arguments = parts.next().map_or(ClauseArguments::None, |value| {
                    ClauseArguments::Value(self.expr(value))
                });
                (name, arguments)
            }
            Rule::check_option => {
                let name = self.ident(&parts.next()?);
                let conditions = parts
                    .filter_map(|entry| {
                        let inner = entry.into_inner().next()?;
                        match inner.as_rule() {
                            Rule::expect_stmt => {
                                inner.into_inner().nth(1).map(|expr| self.expr(expr))
                            }
                            _ => Some(self.expr(inner)),
                        }
                    })
                    .collect();
                (name, ClauseArguments::Check(conditions))
            }
            Rule::rate_option => {
                let name = self.ident(&parts.next()?);
                let count = self.expr(parts.next()?);
                parts.next();
                let period = self.expr(parts.next()?);
                (name, ClauseArguments::Rate { count, period })
            }
            Rule::ramp_option => {
                let name = self.ident(&parts.next()?);
                parts.next();
                let from = self.expr(parts.next()?);
                parts.next();
                let to = self.expr(parts.next()?);
                parts.next();
                let over = self.expr(parts.next()?);
                (name, ClauseArguments::Ramp { from, to, over })
            }
            Rule::ready_option => {
                let name = self.ident(&parts.next()?);
                let probe = self.ident(&parts.next()?);
                let target = self.expr(parts.next()?);
                let within = parts.nth(1).map(|p| self.expr(p));
                (
                    name,
                    ClauseArguments::Ready {
                        probe,
                        target,
                        within,
                    },
                )
            }
            _ => {
                self.unexpected(&Pair::clone(&parts.peek()?));
                return None;
            }
        };
        Some(Clause {
            name,
            arguments,
            span,
        })
    }

    fn options(&self, pair: Pair<Rule>) -> Vec<Clause> {
        pair.into_inner()
            .filter_map(|option| option.into_inner().next())
            .filter_map(|body| self.clause_body(body))
            .collect()
    }

    // ------------------------------------------------------------ expressions

    fn expr(&self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        if pair.as_rule() != Rule::expr {
            self.unexpected(&pair);
            return self.missing(span, "an expression");
        }
        let operators = pair
            .clone()
            .into_inner()
            .filter(|part| !matches!(part.as_rule(), Rule::postfix_expr))
            .count();
        if operators > MAX_OPERATORS {
            self.report(
                Diagnostic::error(
                    codes::NESTING_TOO_DEEP,
                    "this expression is too long",
                    span,
                    format!("{operators} operators; at most {MAX_OPERATORS} are accepted"),
                )
                .with_help("split it with `let` into smaller expressions"),
            );
            return Expr {
                kind: ExprKind::Invalid,
                span,
            };
        }
        PRATT
            .map_primary(|primary| self.postfix_expr(primary))
            .map_prefix(|operator, operand| {
                let span = self.span(&operator).to(operand.span);
                let operator = if operator.as_rule() == Rule::op_not {
                    UnaryOperator::Not
                } else {
                    UnaryOperator::Negate
                };
                Expr {
                    kind: ExprKind::Unary {
                        operator,
                        operand: Box::new(operand),
                    },
                    span,
                }
            })
            .map_postfix(|operand, operator| {
                self.reject_chain(&operand, &operator);
                let span = operand.span.to(self.span(&operator));
                let kind = if operator.as_rule() == Rule::op_exists {
                    ExprKind::Exists(Box::new(operand))
                } else {
                    let type_name = operator
                        .clone()
                        .into_inner()
                        .nth(1)
                        .map(|word| self.ident(&word))
                        .unwrap_or(Ident {
                            name: String::new(),
                            span,
                        });
                    ExprKind::Is {
                        operand: Box::new(operand),
                        type_name,
                    }
                };
                Expr { kind, span }
            })
            .map_infix(|left, operator, right| {
                let operator_span = self.span(&operator);
                let binary = match operator.as_rule() {
                    Rule::op_coalesce => BinaryOperator::Coalesce,
                    Rule::op_or => BinaryOperator::Or,
                    Rule::op_and => BinaryOperator::And,
                    Rule::op_eq => BinaryOperator::Equal,
                    Rule::op_ne => BinaryOperator::NotEqual,
                    Rule::op_lt => BinaryOperator::Less,
                    Rule::op_le => BinaryOperator::LessOrEqual,
                    Rule::op_gt => BinaryOperator::Greater,
                    Rule::op_ge => BinaryOperator::GreaterOrEqual,
                    Rule::op_contains => BinaryOperator::Contains,
                    Rule::op_matches => BinaryOperator::Matches,
                    Rule::op_in => BinaryOperator::In,
                    Rule::op_conforms => BinaryOperator::Conforms,
                    Rule::op_add => BinaryOperator::Add,
                    Rule::op_sub => BinaryOperator::Subtract,
                    Rule::op_mul => BinaryOperator::Multiply,
                    _ => BinaryOperator::Divide,
                };
                if binary.is_comparison() {
                    self.reject_chain(&left, &operator);
                }
                Expr {
                    span: left.span.to(right.span),
                    kind: ExprKind::Binary {
                        operator: binary,
                        operator_span,
                        left: Box::new(left),
                        right: Box::new(right),
                    },
                }
            })
            .parse(pair.into_inner())
    }

    /// `a < b < c`, `x exists exists`: comparisons are non-associative.
    fn reject_chain(&self, left: &Expr, operator: &Pair<Rule>) {
        let chained = match &left.kind {
            ExprKind::Binary { operator, .. } => operator.is_comparison(),
            ExprKind::Is { .. } | ExprKind::Exists(_) => true,
            _ => false,
        };
        if chained {
            self.report(
                Diagnostic::error(
                    codes::CHAINED_COMPARISON,
                    "comparisons cannot be chained",
                    self.span(operator),
                    "this compares the result of the comparison before it",
                )
                .with_label(left.span, "this is already a comparison")
                .with_help(
                    "join two comparisons with `and`: `a < b and b < c`, or add parentheses",
                ),
            );
        }
    }

    fn postfix_expr(&self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let Some(primary) = parts.next() else {
            return self.missing(span, "an expression");
        };
        let mut expr = self.primary(primary);
        let span = expr.span;
        for postfix in parts {
            let postfix_span = self.span(&postfix);
            let rule = postfix.as_rule();
            let mut inner = postfix.into_inner();
            let kind = match (rule, inner.next()) {
                (Rule::member, Some(word)) => ExprKind::Member {
                    target: Box::new(expr),
                    name: self.ident(&word),
                },
                (Rule::index, Some(index)) => ExprKind::Index {
                    target: Box::new(expr),
                    index: Box::new(self.expr(index)),
                },
                (Rule::call_args, first) => {
                    let arguments = first
                        .into_iter()
                        .chain(inner)
                        .filter_map(|a| self.argument(a))
                        .collect();
                    ExprKind::Call {
                        callee: Box::new(expr),
                        arguments,
                    }
                }
                _ => return self.missing(postfix_span, "a field name, an index or call arguments"),
            };
            expr = Expr {
                kind,
                span: span.to(postfix_span),
            };
        }
        expr
    }

    fn argument(&self, pair: Pair<Rule>) -> Option<Argument> {
        let inner = pair.into_inner().next()?;
        Some(match inner.as_rule() {
            Rule::named_argument => {
                let mut parts = inner.into_inner();
                let name = self.ident(&parts.next()?);
                Argument {
                    name: Some(name),
                    value: self.expr(parts.next()?),
                }
            }
            _ => Argument {
                name: None,
                value: self.expr(inner),
            },
        })
    }

    fn primary(&self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::number => self.number(&pair, span),
            Rule::string | Rule::block_string => ExprKind::String(self.string(pair)),
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::kw_null => ExprKind::Null,
            Rule::list => ExprKind::List(pair.into_inner().map(|item| self.expr(item)).collect()),
            Rule::object => ExprKind::Object(
                pair.into_inner()
                    .filter_map(|entry| {
                        let mut parts = entry.into_inner();
                        let key = parts.next()?;
                        let key_span = self.span(&key);
                        let key_text = if key.as_rule() == Rule::key_string {
                            self.plain_string(&key)
                        } else {
                            key.as_str().to_string()
                        };
                        Some(ObjectEntry {
                            key: key_text,
                            key_span,
                            value: self.expr(parts.next()?),
                        })
                    })
                    .collect(),
            ),
            Rule::paren => match pair.into_inner().next() {
                Some(inner) => ExprKind::Paren(Box::new(self.expr(inner))),
                None => return self.missing(span, "an expression"),
            },
            Rule::name => ExprKind::Name(Ident {
                name: pair.as_str().to_string(),
                span,
            }),
            _ => {
                self.unexpected(&pair);
                ExprKind::Invalid
            }
        };
        Expr { kind, span }
    }

    fn number(&self, pair: &Pair<Rule>, span: Span) -> ExprKind {
        match literal::parse_number(pair.as_str()) {
            Ok(NumberLiteral::Int(value)) => ExprKind::Int(value),
            Ok(NumberLiteral::Float(value)) => ExprKind::Float(value),
            Ok(NumberLiteral::Duration(value)) => ExprKind::Duration(value),
            Ok(NumberLiteral::Percent(value)) => ExprKind::Percent(value),
            Ok(NumberLiteral::Size(value)) => ExprKind::Size(value),
            Err(NumberError::UnknownUnit { unit, suggestion }) => {
                let number = &pair.as_str()[..pair.as_str().len() - unit.len()];
                let mut diagnostic = Diagnostic::error(
                    codes::UNKNOWN_UNIT,
                    format!("unknown unit `{unit}`"),
                    span,
                    "not a duration, size or percentage",
                );
                diagnostic = match suggestion.or_else(|| {
                    did_you_mean(
                        &unit,
                        literal::DURATION_UNITS
                            .iter()
                            .chain(literal::SIZE_UNITS)
                            .copied(),
                    )
                }) {
                    Some(unit) => diagnostic.with_help(format!("did you mean `{number}{unit}`?")),
                    None => diagnostic
                        .with_help("durations use ms s m h, sizes B KB MB GB, and percentages %"),
                };
                self.report(diagnostic);
                ExprKind::Invalid
            }
            Err(NumberError::OutOfRange) => {
                self.report(Diagnostic::error(
                    codes::NUMBER_OUT_OF_RANGE,
                    "number out of range",
                    span,
                    "does not fit in 64 bits",
                ));
                ExprKind::Invalid
            }
            Err(NumberError::PercentOver100) => {
                self.report(
                    Diagnostic::error(
                        codes::PERCENT_OVER_100,
                        "a percentage cannot exceed 100%",
                        span,
                        "over 100%",
                    )
                    .with_help("a percentage is a fraction from 0% to 100%"),
                );
                ExprKind::Invalid
            }
        }
    }

    /// An object key string: escapes resolved, never interpolated.
    fn plain_string(&self, pair: &Pair<Rule>) -> String {
        let text = pair.as_str();
        let inner = text
            .get(1..text.len().saturating_sub(1))
            .unwrap_or_default();
        let mut result = String::new();
        let mut chars = inner.char_indices();
        while let Some((offset, c)) = chars.next() {
            if c == '\\' {
                let escaped = chars.next().map(|(_, e)| e).unwrap_or('\\');
                match literal::unescape(escaped) {
                    Some(resolved) => result.push(resolved),
                    None => self.invalid_escape(self.span(pair), offset + 1, escaped),
                }
            } else {
                result.push(c);
            }
        }
        result
    }

    fn invalid_escape(&self, string_span: Span, offset: usize, escaped: char) {
        let start = string_span.start as usize + offset;
        self.report(
            Diagnostic::error(
                codes::INVALID_ESCAPE,
                format!("unknown escape `\\{escaped}`"),
                Span::new(self.file, start, start + 1 + escaped.len_utf8()),
                "not an escape ritc knows",
            )
            .with_help("escapes are \\n \\t \\\" \\\\ and \\{; write `\\\\` for a backslash"),
        );
    }

    fn string(&self, pair: Pair<Rule>) -> StringLit {
        let span = self.span(&pair);
        let block = pair.as_rule() == Rule::block_string;
        // Escapes and interpolations are stood in for by one placeholder character
        // each, so that a block string is dedented on its source text alone.
        const PLACEHOLDER: char = '\u{F0000}';
        let mut raw = String::new();
        let mut pieces: Vec<StringPart> = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::string_text | Rule::block_string_text => raw.push_str(part.as_str()),
                Rule::escape => {
                    let escaped = part.as_str().chars().nth(1);
                    match escaped.and_then(literal::unescape) {
                        Some(resolved) => {
                            raw.push(PLACEHOLDER);
                            pieces.push(StringPart::Text(resolved.to_string()));
                        }
                        None => {
                            let part_span = self.span(&part);
                            self.invalid_escape(
                                Span::new(
                                    self.file,
                                    part_span.start as usize,
                                    part_span.end as usize,
                                ),
                                0,
                                escaped.unwrap_or(' '),
                            );
                        }
                    }
                }
                Rule::interpolation => {
                    let interpolation_span = self.span(&part);
                    let expr = match part.into_inner().next() {
                        Some(inner) => self.expr(inner),
                        None => self.missing(interpolation_span, "an expression inside `{{ }}`"),
                    };
                    raw.push(PLACEHOLDER);
                    pieces.push(StringPart::Interpolation(expr));
                }
                _ => self.unexpected(&part),
            }
        }
        let text = if block {
            literal::dedent_block(&raw)
        } else {
            raw
        };
        let mut parts: Vec<StringPart> = Vec::new();
        let mut pieces = pieces.into_iter();
        let mut current = String::new();
        for c in text.chars() {
            if c == PLACEHOLDER {
                match pieces.next() {
                    Some(StringPart::Text(resolved)) => current.push_str(&resolved),
                    Some(interpolation) => {
                        if !current.is_empty() {
                            parts.push(StringPart::Text(std::mem::take(&mut current)));
                        }
                        parts.push(interpolation);
                    }
                    None => {}
                }
            } else {
                current.push(c);
            }
        }
        if !current.is_empty() || parts.is_empty() {
            parts.push(StringPart::Text(current));
        }
        StringLit { parts, block, span }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_comments_are_trimmed_but_not_a_hash_in_a_block_string() {
        assert_eq!(trim_trailing_trivia("a = 1 # c\n  # d\n"), "a = 1");
        assert_eq!(trim_trailing_trivia("a = \"#\"  "), "a = \"#\"");
        assert_eq!(trim_trailing_trivia("# only a comment"), "# only a comment");
        // Found by `fuzz/run.sh` through tests/fuzz_corpus.rs: the last line begins
        // inside the block string, so its `#` is text.
        let block = "\"\"\"\n    a # b \"\"\"";
        assert_eq!(trim_trailing_trivia(block), block);
        assert_eq!(
            trim_trailing_trivia("let q = \"\"\"\n  a # b \"\"\" # c   \n"),
            "let q = \"\"\"\n  a # b \"\"\""
        );
    }

    fn big_source(middle: &str) -> String {
        let mut source = String::from("let base = \"http://127.0.0.1:3000\"\n");
        let mut index = 0;
        while source.len() < PARALLEL_THRESHOLD * 2 {
            if index == 400 {
                source.push_str(middle);
            }
            source.push_str(&format!(
                "test \"t{index}\" timeout 5s {{\n  GET \"{{{{base}}}}/x/{index}\" headers {{ A: \"b\" }}\n  expect status == 200 # c\n}}\n\n"
            ));
            index += 1;
        }
        source
    }

    fn whole(file: FileId, source: &str) -> String {
        let lowerer = Lowerer {
            file,
            base: 0,
            diagnostics: RefCell::new(Vec::new()),
        };
        let items = match RitGrammar::parse(Rule::file, source) {
            Ok(pairs) => lowerer.file(pairs),
            Err(_) => parse_with_recovery(&lowerer, source),
        };
        format!("{items:?}")
    }

    #[test]
    fn a_large_file_parses_the_same_in_halves() {
        let source = big_source("");
        let halves = parse_in_halves(FileId(0), &source).map(|(items, _)| format!("{items:?}"));
        assert_eq!(halves, Some(whole(FileId(0), &source)));
        assert!(parse(FileId(0), &source).diagnostics.is_empty());
    }

    #[test]
    fn a_split_inside_a_block_string_falls_back_to_one_parse() {
        // A line that starts with `test` inside a block string must not be taken
        // for an item: the halves fail, and the whole parse is used.
        let lines: String = (0..1500)
            .map(|index| format!("test \"inside {index}\" {{\n"))
            .collect();
        let holder = format!(
            "test \"holder\" {{\n  let text = \"\"\"\n{lines}\"\"\"\n  expect text contains \"inside\"\n}}\n"
        );
        let mut source = big_source("");
        let at = source[60_000..]
            .find("\ntest ")
            .map_or(60_000, |offset| 60_000 + offset + 1);
        source.insert_str(at, &holder);
        let split = next_item_line(&source, source.len() / 2);
        assert!(
            source[..split]
                .rfind("\"\"\"")
                .is_some_and(|open| open > at),
            "the split must fall inside the block string"
        );
        assert!(parse_in_halves(FileId(0), &source).is_none());
        let parsed = parse(FileId(0), &source);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        assert_eq!(
            format!("{:?}", parsed.file.items),
            whole(FileId(0), &source)
        );
    }
}
