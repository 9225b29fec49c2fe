//! Parsing: pest (grammar/rit.pest) produces a concrete tree, and one lowering
//! function per rule turns it into the typed AST of `ast`. Parsing never panics and
//! never stops at the first problem: it returns the tree it could build and every
//! diagnostic, sorted by position. A tree of an unexpected shape is an error value.

use super::ast::*;
use super::literal;
use crate::diagnostics::codes;
use crate::diagnostics::{Diagnostic, sort_by_position};
use crate::source::characters;
use crate::source::span::{FileId, Span};
use pest::Parser as _;
use pest::error::InputLocation;
use pest::iterators::{Pair, Pairs};
use std::cell::RefCell;

mod expressions;
mod parts;
mod syntax_error;

use parts::parse_in_halves;
use syntax_error::{syntax_error, word_at};

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
    if let Some((offset, nesting)) = too_deep_at(source) {
        let span = Span::new(file, offset, offset + 1);
        let (message, label) = match nesting {
            Nesting::Brackets => (
                "brackets nest too deeply",
                format!("more than {MAX_NESTING} levels deep here"),
            ),
            Nesting::ElseIf => (
                "this `if` chain is too long",
                format!("more than {MAX_NESTING} `else if` in one chain"),
            ),
            Nesting::TypeArguments => (
                "this type nests too deeply",
                format!("more than {MAX_NESTING} levels of `<` here"),
            ),
        };
        let diagnostic = Diagnostic::error(codes::NESTING_TOO_DEEP, message, span, label);
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

/// Whether the grammar reads `word` as the start of a statement or an item, so that
/// a step's clause never takes it (`statement_keyword`, `item_keyword`). Asked of
/// the grammar itself, so the formatter cannot disagree with the parser.
pub fn begins_statement(word: &str) -> bool {
    [Rule::statement_keyword, Rule::item_keyword]
        .into_iter()
        .any(|rule| RitGrammar::parse(rule, word).is_ok_and(|pairs| pairs.as_str() == word))
}

/// At most this many hidden characters are reported in one file.
const MAX_CONTROL_DIAGNOSTICS: usize = 10;

/// A character a `.rit` file must not hold, because it does not show as itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hidden {
    /// A control character other than tab and the line endings (E0109).
    Control,
    /// A bidirectional embedding, override or isolate (E0110), which makes an
    /// editor show the source in another order than the one ritc reads.
    Bidi,
}

fn hidden(c: char) -> Option<Hidden> {
    if characters::is_control(c) {
        Some(Hidden::Control)
    } else if characters::is_bidi_control(c) {
        Some(Hidden::Bidi)
    } else {
        None
    }
}

/// E0109 for each run of control characters (not tab or a line ending) and
/// E0110 for each run of bidirectional controls: such a file is refused before
/// parsing, and the diagnostic names the character escaped, never raw (a
/// terminal would act on an escape sequence; a NUL hides what follows it; a
/// bidi override would reorder the diagnostic itself).
fn control_characters(file: FileId, source: &str) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut rest = source.char_indices().peekable();
    while let Some((start, c)) = rest.next() {
        let Some(kind) = hidden(c) else {
            continue;
        };
        if diagnostics.len() == MAX_CONTROL_DIAGNOSTICS {
            break;
        }
        let mut end = start + c.len_utf8();
        while let Some((at, next)) = rest.peek().copied()
            && hidden(next) == Some(kind)
        {
            end = at + next.len_utf8();
            rest.next();
        }
        let shown: String = source[start..end]
            .chars()
            .flat_map(char::escape_unicode)
            .collect();
        let span = Span::new(file, start, end);
        diagnostics.push(match kind {
            Hidden::Control => Diagnostic::error(
                codes::CONTROL_CHARACTER,
                format!("the file holds the control character `{}`", c.escape_unicode()),
                span,
                format!("`{shown}` here"),
            )
            .with_help(
                "a .rit file is text: delete the character, or write an escape in a string (`\\n`, `\\t`)",
            ),
            Hidden::Bidi => Diagnostic::error(
                codes::BIDI_CONTROL,
                format!(
                    "the file holds the bidirectional control character `{}`",
                    c.escape_unicode()
                ),
                span,
                format!("`{shown}` here: editors show the text around it reordered"),
            )
            .with_help(
                "delete the character; a value that needs it can be read from a file with `read()`",
            ),
        });
    }
    diagnostics
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

const ITEM_KEYWORDS: [&str; 12] = [
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
    "defaults",
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

/// What nests too deeply (E0107).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Nesting {
    /// Brackets, blocks, and `{{ }}` inside strings.
    Brackets,
    /// `else if` after `else if`: each one is a level of the tree.
    ElseIf,
    /// The `<` of a type's arguments (`list<list<…>>`).
    TypeArguments,
}

/// The offset where nesting first exceeds the limit, if it does, and what nests.
/// Brackets inside string text do not count. Every way the tree can nest is
/// bounded here, before pest and every pass after it recurse over the tree:
/// pest recurses once a level without a guard of its own, so input nested
/// without bound would overflow the stack instead of being refused.
fn too_deep_at(source: &str) -> Option<(usize, Nesting)> {
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
    // `else if` chains: how many `else if` the current chain of each bracket
    // level has had (a plain `if` starts a new chain), and whether the last word
    // was `else`.
    let mut chains: Vec<usize> = Vec::new();
    let mut after_else = false;
    // After a `:` or `->`, where a type may follow: how deep its `<` nest, until
    // a character no type holds (a line break ends it at depth 0).
    let mut type_depth: Option<usize> = None;
    let mut index = 0;
    while index < bytes.len() {
        let rest = &bytes[index..];
        if context == Context::Code
            && let Some(depth) = type_depth.as_mut()
        {
            match bytes[index] {
                b'<' => {
                    *depth += 1;
                    if *depth > MAX_NESTING {
                        return Some((index, Nesting::TypeArguments));
                    }
                    index += 1;
                    continue;
                }
                b'>' => {
                    *depth = depth.saturating_sub(1);
                    index += 1;
                    continue;
                }
                b'\n' if *depth == 0 => type_depth = None,
                byte if is_word_byte(byte)
                    || matches!(byte, b',' | b' ' | b'\t' | b'\r' | b'\n') =>
                {
                    index += 1;
                    continue;
                }
                _ => type_depth = None,
            }
        }
        match context {
            Context::Code => match bytes[index] {
                byte if (byte.is_ascii_alphabetic() || byte == b'_')
                    && (index == 0 || !is_word_byte(bytes[index - 1])) =>
                {
                    let end = rest
                        .iter()
                        .position(|byte| !is_word_byte(*byte))
                        .map_or(bytes.len(), |length| index + length);
                    let word = &bytes[index..end];
                    if word == b"if" {
                        let level = stack.len();
                        if chains.len() <= level {
                            chains.resize(level + 1, 0);
                        }
                        if after_else {
                            chains[level] += 1;
                            if chains[level] > MAX_NESTING {
                                return Some((index, Nesting::ElseIf));
                            }
                        } else {
                            chains[level] = 0;
                        }
                    }
                    after_else = word == b"else";
                    index = end;
                    continue;
                }
                b' ' | b'\t' | b'\r' | b'\n' => {}
                b':' => {
                    after_else = false;
                    type_depth = Some(0);
                }
                b'-' if rest.starts_with(b"->") => {
                    after_else = false;
                    type_depth = Some(0);
                    index += 2;
                    continue;
                }
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
                    after_else = false;
                    stack.push((bytes[index], Context::Code));
                    if stack.len() > MAX_NESTING {
                        return Some((index, Nesting::Brackets));
                    }
                }
                b')' | b']' | b'}' if stack.last().is_some_and(|(open, _)| *open != b'i') => {
                    after_else = false;
                    stack.pop();
                }
                _ => after_else = false,
            },
            Context::Line | Context::Block => {
                if rest.starts_with(b"\\") {
                    index += 2;
                    continue;
                }
                if rest.starts_with(b"{{") {
                    stack.push((b'i', context));
                    if stack.len() > MAX_NESTING {
                        return Some((index, Nesting::Brackets));
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

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

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
        let text = pair.as_str();
        // Trivia at a pair's end ends in whitespace, or in a comment only at the end
        // of the input (skipping goes on through the line break after a comment), so
        // a pair that ends on anything else before the end ends on code: the scan
        // for a trailing comment is spared (it was a tenth of `ritc check`).
        let ends_on_code = text
            .as_bytes()
            .last()
            .is_some_and(|byte| !byte.is_ascii_whitespace())
            && span.end() < span.get_input().len();
        let length = if ends_on_code {
            text.len()
        } else {
            trim_trailing_trivia(text).len()
        };
        Span::new(
            self.file,
            self.base + span.start(),
            self.base + span.start() + length,
        )
    }

    fn report(&self, diagnostic: Diagnostic) {
        self.diagnostics.borrow_mut().push(diagnostic);
    }

    /// A tree shape the grammar should never produce: reported, never a panic.
    fn unexpected(&self, pair: &Pair<Rule>) {
        self.unexpected_shape(self.span(pair), pair.as_rule());
    }

    /// The grammar and this lowering disagree about `rule` at `span` (a rule changed
    /// without its lowering): E0001, so that no node is ever dropped in silence.
    fn unexpected_shape(&self, span: Span, rule: Rule) {
        self.report(
            Diagnostic::error(
                codes::INTERNAL_PARSER_SHAPE,
                "internal: the parser met an unexpected shape",
                span,
                "ritc could not read this part",
            )
            .with_help(format!(
                "this is a bug in ritc, not in the file: please report it with this snippet (a {rule:?} node)"
            )),
        );
    }

    /// A part the grammar always gives a node of `parent`'s kind at this point. When
    /// it is absent the node cannot be built: E0001 is reported and `None` drops the
    /// node with that diagnostic, never silently.
    fn expected<T>(&self, part: Option<T>, parent: Span, rule: Rule) -> Option<T> {
        if part.is_none() {
            self.unexpected_shape(parent, rule);
        }
        part
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
        // `;` alone is an item with nothing in it.
        let inner = pair.into_inner().next()?;
        let span = self.span(&inner);
        let rule = inner.as_rule();
        let mut parts = inner.into_inner();
        Some(match rule {
            Rule::suite_item => {
                Item::Suite(self.string(self.expected(parts.nth(1), span, rule)?))
            }
            Rule::import_item => {
                parts.next();
                let path = self.string(self.expected(parts.next(), span, rule)?);
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
                let name = self.ident(&self.expected(parts.next(), span, rule)?);
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
                let name = self.ident(&self.expected(parts.next(), span, rule)?);
                let mut params = Vec::new();
                let mut return_type = None;
                let mut body = None;
                for part in parts {
                    match part.as_rule() {
                        Rule::fn_param => {
                            let param_span = self.span(&part);
                            let mut inner = part.into_inner();
                            let name = self.ident(&self.expected(
                                inner.next(),
                                param_span,
                                Rule::fn_param,
                            )?);
                            let declared_type = self.type_expr(self.expected(
                                inner.next(),
                                param_span,
                                Rule::fn_param,
                            )?);
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
                    body: self.expected(body, span, rule)?,
                    span,
                })
            }
            Rule::service_item => {
                parts.next();
                let name = self.ident(&self.expected(parts.next(), span, rule)?);
                let command = self.expr(self.expected(parts.next(), span, rule)?);
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
            Rule::defaults_item => Item::Defaults(DefaultsDef {
                options: self.options(self.expected(parts.nth(1), span, rule)?),
                span,
            }),
            Rule::setup_item => Item::Setup(self.block(self.expected(parts.nth(1), span, rule)?)),
            Rule::teardown_item => {
                Item::Teardown(self.block(self.expected(parts.nth(1), span, rule)?))
            }
            Rule::test_item => Item::Test(self.test(span, parts)?),
            Rule::checkpoint_item => {
                parts.next();
                let name = self.string(self.expected(parts.next(), span, rule)?);
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
                self.unexpected_shape(span, rule);
                return None;
            }
        })
    }

    fn test(&self, span: Span, mut parts: Pairs<Rule>) -> Option<TestDef> {
        parts.next();
        let name = self.string(self.expected(parts.next(), span, Rule::test_item)?);
        let mut attributes = Vec::new();
        let mut body = None;
        for part in parts {
            match part.as_rule() {
                Rule::test_attribute => {
                    let attribute_span = self.span(&part);
                    let mut inner = part.into_inner();
                    let name = self.ident(&self.expected(
                        inner.next(),
                        attribute_span,
                        Rule::test_attribute,
                    )?);
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
            body: self.expected(body, span, Rule::test_item)?,
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
        let statement_span = self.span(&pair);
        let inner = self.expected(pair.into_inner().next(), statement_span, Rule::statement)?;
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
                condition: self.expr(self.expected(parts.nth(1), span, rule)?),
                warn_only: false,
            },
            Rule::warn_expect_stmt => StatementKind::Expect {
                condition: self.expr(self.expected(parts.nth(2), span, rule)?),
                warn_only: true,
            },
            Rule::let_stmt => {
                parts.next();
                let name = self.ident(&self.expected(parts.next(), span, rule)?);
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
                    value: self.expected(value, span, rule)?,
                }
            }
            Rule::assign_stmt => StatementKind::Assign {
                name: self.ident(&self.expected(parts.next(), span, rule)?),
                value: self.expr(self.expected(parts.next(), span, rule)?),
            },
            Rule::call_stmt => {
                StatementKind::Call(self.expr(self.expected(parts.next(), span, rule)?))
            }
            Rule::for_stmt => {
                parts.next();
                let variable = self.ident(&self.expected(parts.next(), span, rule)?);
                parts.next();
                StatementKind::For {
                    variable,
                    iterable: self.expr(self.expected(parts.next(), span, rule)?),
                    body: self.block(self.expected(parts.next(), span, rule)?),
                }
            }
            Rule::if_stmt => return self.if_statement(span, parts),
            Rule::eventually_stmt => {
                parts.next();
                parts.next();
                let within = self.expr(self.expected(parts.next(), span, rule)?);
                parts.next();
                StatementKind::Eventually {
                    within,
                    every: self.expr(self.expected(parts.next(), span, rule)?),
                    body: self.block(self.expected(parts.next(), span, rule)?),
                }
            }
            Rule::retry_stmt => {
                parts.next();
                let attempts = self.expr(self.expected(parts.next(), span, rule)?);
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
                    body: self.expected(body, span, rule)?,
                }
            }
            Rule::return_stmt => StatementKind::Return(self.same_line_operand(parts)),
            Rule::close_stmt => StatementKind::Close(self.same_line_operand(parts)),
            Rule::skip_stmt => {
                StatementKind::Skip(self.expr(self.expected(parts.nth(1), span, rule)?))
            }
            Rule::send_stmt => {
                StatementKind::Send(self.expr(self.expected(parts.nth(1), span, rule)?))
            }
            Rule::receive_stmt => {
                parts.next();
                let mut until = None;
                let mut timeout = None;
                for option in parts {
                    let option_span = self.span(&option);
                    let mut inner = option.into_inner();
                    let keyword = self.expected(inner.next(), option_span, Rule::receive_option)?;
                    let value = self.expr(self.expected(
                        inner.next(),
                        option_span,
                        Rule::receive_option,
                    )?);
                    if keyword.as_rule() == Rule::kw_until {
                        until = Some(value);
                    } else {
                        timeout = Some(value);
                    }
                }
                StatementKind::Receive { until, timeout }
            }
            _ => {
                self.unexpected_shape(span, rule);
                return None;
            }
        };
        Some(Statement { kind, span })
    }

    fn same_line_operand(&self, mut parts: Pairs<Rule>) -> Option<Expr> {
        parts.next();
        // `return` and `close` may stand alone.
        let operand = parts.next()?;
        operand.into_inner().next().map(|expr| self.expr(expr))
    }

    fn if_statement(&self, span: Span, mut parts: Pairs<Rule>) -> Option<Statement> {
        parts.next();
        let condition = self.expr(self.expected(parts.next(), span, Rule::if_stmt)?);
        let then_block = self.block(self.expected(parts.next(), span, Rule::if_stmt)?);
        let mut else_branch = None;
        if parts.next().is_some() {
            let branch = self.expected(parts.next(), span, Rule::if_stmt)?;
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
        let step_span = self.span(&pair);
        let inner = self.expected(pair.into_inner().next(), step_span, Rule::step)?;
        let span = self.span(&inner);
        let rule = inner.as_rule();
        let mut parts = inner.into_inner();
        let keyword = self.expected(parts.next(), span, rule)?;
        let keyword_span = self.span(&keyword);
        let mut operation = None;
        let kind = match rule {
            Rule::http_step => {
                StepKind::Http(self.expected(HttpMethod::parse(keyword.as_str()), span, rule)?)
            }
            Rule::run_step => StepKind::Run,
            Rule::sql_step => StepKind::Sql,
            Rule::redis_step => StepKind::Redis,
            Rule::ws_step => StepKind::WebSocket,
            Rule::load_step => {
                let sends = self.expected(parts.next(), span, rule)?;
                if sends.as_rule() == Rule::operation_kind {
                    let word = self.expected(parts.next(), span, rule)?;
                    operation = Some(self.ident(&word));
                    StepKind::Load(LoadOf::Messages {
                        kind: sends.as_str().to_string(),
                        span: self.span(&sends),
                    })
                } else {
                    StepKind::Load(LoadOf::Http(self.expected(
                        HttpMethod::parse(sends.as_str()),
                        span,
                        rule,
                    )?))
                }
            }
            Rule::named_step => {
                // An operation word, then the target, string, clauses and block
                // in the rule's tail, read with the whitespace that the word and
                // its target's line do not allow.
                let mut tail = self.expected(parts.next(), span, rule)?;
                if tail.as_rule() == Rule::step_operation {
                    operation = Some(self.ident(&tail));
                    tail = self.expected(parts.next(), span, rule)?;
                }
                parts = tail.into_inner();
                StepKind::Named(keyword.as_str().to_string())
            }
            _ => {
                self.unexpected_shape(span, rule);
                return None;
            }
        };
        let target = self.expr(self.expected(parts.next(), span, rule)?);
        let mut step = Step {
            kind,
            keyword_span,
            operation,
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
        let span = self.span(&pair);
        let body = self.expected(pair.into_inner().next(), span, Rule::clause)?;
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
            Rule::insecure => (
                self.ident(&self.expected(parts.next(), span, rule)?),
                ClauseArguments::None,
            ),
            Rule::max_redirects | Rule::connect_to | Rule::limit_rate => {
                let first = self.expected(parts.next(), span, rule)?;
                let second = self.expected(parts.next(), span, rule)?;
                let name = Ident {
                    name: format!("{} {}", first.as_str(), second.as_str()),
                    span: self.span(&first).to(self.span(&second)),
                };
                let value = self.expr(self.expected(parts.next(), span, rule)?);
                (name, ClauseArguments::Value(value))
            }
            Rule::path_as_is => (
                Ident {
                    name: "path as is".to_string(),
                    span,
                },
                ClauseArguments::None,
            ),
            Rule::named_clause | Rule::named_option => {
                let name = self.ident(&self.expected(parts.next(), span, rule)?);
                let arguments = parts.next().map_or(ClauseArguments::None, |value| {
                    ClauseArguments::Value(self.expr(value))
                });
                (name, arguments)
            }
            Rule::check_option => {
                let name = self.ident(&self.expected(parts.next(), span, rule)?);
                let conditions = parts
                    .filter_map(|entry| {
                        let entry_span = self.span(&entry);
                        let inner = self.expected(
                            entry.into_inner().next(),
                            entry_span,
                            Rule::check_entry,
                        )?;
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
                let name = self.ident(&self.expected(parts.next(), span, rule)?);
                let count = self.expr(self.expected(parts.next(), span, rule)?);
                parts.next();
                let period = self.expr(self.expected(parts.next(), span, rule)?);
                (name, ClauseArguments::Rate { count, period })
            }
            Rule::ramp_option => {
                let name = self.ident(&self.expected(parts.next(), span, rule)?);
                parts.next();
                let from = self.expr(self.expected(parts.next(), span, rule)?);
                parts.next();
                let to = self.expr(self.expected(parts.next(), span, rule)?);
                parts.next();
                let over = self.expr(self.expected(parts.next(), span, rule)?);
                (name, ClauseArguments::Ramp { from, to, over })
            }
            Rule::stages_option => {
                let name = self.ident(&self.expected(parts.next(), span, rule)?);
                let stages = parts
                    .filter_map(|stage| {
                        let stage_span = self.span(&stage);
                        let mut inner = stage.into_inner();
                        let over =
                            self.expr(self.expected(inner.next(), stage_span, Rule::stage)?);
                        let word = self.expected(inner.next(), stage_span, Rule::stage)?;
                        let level =
                            self.expr(self.expected(inner.next(), stage_span, Rule::stage)?);
                        Some(LoadStage {
                            over,
                            hold: word.as_rule() == Rule::kw_at,
                            level,
                            span: stage_span,
                        })
                    })
                    .collect();
                (name, ClauseArguments::Stages(stages))
            }
            Rule::abort_option => {
                let name = self.ident(&self.expected(parts.next(), span, rule)?);
                parts.next();
                let condition = self.expr(self.expected(parts.next(), span, rule)?);
                let after = parts.nth(1).map(|after| self.expr(after));
                (name, ClauseArguments::Abort { condition, after })
            }
            Rule::ready_option => {
                let name = self.ident(&self.expected(parts.next(), span, rule)?);
                let probe = self.ident(&self.expected(parts.next(), span, rule)?);
                let target = self.expr(self.expected(parts.next(), span, rule)?);
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
                self.unexpected_shape(span, rule);
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
            .filter_map(|option| {
                let option_span = self.span(&option);
                self.expected(option.into_inner().next(), option_span, Rule::option)
            })
            .filter_map(|body| self.clause_body(body))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lowering given trees the grammar never puts there (an expression where an
    /// item, a statement or a step belongs): each node is dropped with E0001, never
    /// in silence.
    #[test]
    fn a_tree_of_an_unexpected_shape_is_an_internal_diagnostic() {
        let lowerer = Lowerer {
            file: FileId(0),
            base: 0,
            diagnostics: RefCell::new(Vec::new()),
        };
        fn tree(rule: Rule, text: &str) -> Pair<'_, Rule> {
            RitGrammar::parse(rule, text)
                .ok()
                .and_then(|mut pairs| pairs.next())
                .expect("the text parses as the rule")
        }
        assert!(lowerer.item(tree(Rule::expr, "a + 1")).is_none());
        assert!(lowerer.step(tree(Rule::block, "{ }")).is_none());
        assert!(lowerer.clause_body(tree(Rule::expr, "1")).is_none());
        let diagnostics = lowerer.diagnostics.into_inner();
        assert_eq!(diagnostics.len(), 3, "{diagnostics:?}");
        for diagnostic in &diagnostics {
            assert_eq!(diagnostic.code, codes::INTERNAL_PARSER_SHAPE);
            assert!(diagnostic.is_error());
            assert!(
                diagnostic
                    .help
                    .as_deref()
                    .is_some_and(|help| help.contains("a bug in ritc")),
                "{diagnostic:?}"
            );
        }
    }

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

    /// A member's name is on the line of its `.`; spaces between, or a line break
    /// before the `.`, are still one member access.
    #[test]
    fn a_member_name_stays_on_the_line_of_its_dot() {
        let errors = |source: &str| {
            parse(FileId(0), source)
                .diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.is_error())
                .map(|diagnostic| diagnostic.primary.span.start)
                .collect::<Vec<_>>()
        };
        let test = |body: &str| format!("test \"t\" {{\n{body}\n}}\n");
        let none: [u32; 0] = [];
        assert_eq!(errors(&test("  expect json. user == 1")), none);
        assert_eq!(errors(&test("  expect json\n    .user == 1")), none);
        assert_eq!(errors(&test("  t.close()")), none);
        // The error is right after the `.`, not at the next line's words.
        let half_typed = test("  expect json.\n  let x = 1");
        let dot = half_typed.find('.').unwrap_or_default() as u32;
        assert_eq!(errors(&half_typed), [dot + 1]);
        let call = test("  t.\n  close()");
        let dot = call.find('.').unwrap_or_default() as u32;
        assert_eq!(errors(&call), [dot + 1]);
    }

    /// The E0107 messages of `source`, or none.
    fn too_deep(source: &str) -> Vec<String> {
        parse(FileId(0), source)
            .diagnostics
            .into_iter()
            .filter(|diagnostic| diagnostic.code == codes::NESTING_TOO_DEEP)
            .map(|diagnostic| diagnostic.message)
            .collect()
    }

    fn if_chain(else_ifs: usize) -> String {
        let branches: String = (1..=else_ifs)
            .map(|n| format!(" else if x == {n} {{ expect true }}"))
            .collect();
        format!("test \"t\" {{\n  let x = 1\n  if x == 0 {{ expect true }}{branches}\n}}\n")
    }

    /// pest recurses once an `else if`, and so does every pass over the tree: a chain
    /// without bound overflowed the stack (300,000 did) instead of being refused.
    #[test]
    fn an_if_chain_longer_than_the_limit_is_refused_before_anything_recurses() {
        assert_eq!(too_deep(&if_chain(MAX_NESTING)), Vec::<String>::new());
        assert_eq!(
            too_deep(&if_chain(MAX_NESTING + 1)),
            ["this `if` chain is too long"]
        );
        assert_eq!(
            too_deep(&if_chain(300_000)),
            ["this `if` chain is too long"]
        );
        // Chains one after the other, and `else` then a block, are no longer chain.
        let many_chains = if_chain(100).repeat(2)
            + &"test \"u\" {\n  if true { expect true } else { expect false }\n}\n".repeat(200);
        assert_eq!(too_deep(&many_chains), Vec::<String>::new());
    }

    #[test]
    fn a_type_nested_beyond_the_limit_is_refused_and_a_comparison_is_no_type() {
        let nested = |depth: usize| {
            format!(
                "let x: {}int{} = 1\n",
                "list<".repeat(depth),
                ">".repeat(depth)
            )
        };
        assert_eq!(too_deep(&nested(MAX_NESTING)), Vec::<String>::new());
        assert_eq!(
            too_deep(&nested(MAX_NESTING + 1)),
            ["this type nests too deeply"]
        );
        assert_eq!(too_deep(&nested(300_000)), ["this type nests too deeply"]);
        let spaced = format!(
            "fn f() -> {}int {{ return 1 }}\n",
            "list <\n".repeat(MAX_NESTING + 1)
        );
        assert_eq!(too_deep(&spaced), ["this type nests too deeply"]);
        // After a `:` (an object key, a named argument) or a typed `let`, a `<` that
        // compares is not a type's: many of them are no nesting.
        let entries: String = (0..300).map(|n| format!("k{n}: x < {n}, ")).collect();
        let comparisons = format!(
            "let x: int = 1\n{}let o = {{ {entries} }}\nlet c = f(a: x < 1, b: x < 2)\n",
            "let y = x < 1\n".repeat(300)
        );
        assert_eq!(too_deep(&comparisons), Vec::<String>::new());
    }

    /// The chain is read by a loop, but the tree it makes is as deep as it is long.
    #[test]
    fn a_chain_of_members_longer_than_the_limit_is_refused() {
        let chain = |length: usize| format!("let a = {{}}\nlet b = a{}\n", ".b".repeat(length));
        assert_eq!(too_deep(&chain(MAX_OPERATORS)), Vec::<String>::new());
        assert_eq!(
            too_deep(&chain(MAX_OPERATORS + 1)),
            ["this expression is too long"]
        );
        assert_eq!(too_deep(&chain(300_000)), ["this expression is too long"]);
    }
}
