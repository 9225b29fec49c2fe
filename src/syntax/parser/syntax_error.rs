//! A pest error in plain words (E0101, E0102): what was found, said as the user
//! wrote it, and what was expected there, never pest's rule names. Part of the
//! parser; imports nothing outside `syntax` and `diagnostics`.

use super::{RitGrammar, Rule, error_position, starts_item_line};
use crate::diagnostics::{Diagnostic, codes};
use crate::source::span::{FileId, Span};
use pest::Parser as _;

/// Turns pest's error into our words: what was found, what was expected.
pub(super) fn syntax_error(
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
            // An item that fails as a whole (`fn f(a: string, n: int = 3)`) is
            // reported at its first column; the furthest point pest reached is
            // where the tokens it expected belong.
            let furthest = detailed
                .parse_attempts()
                .map_or(0, |attempts| attempts.max_position);
            let position = if position == 0 { furthest } else { position };
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
    // `import "std/http" as http`: the alias is a reserved word, which pest reports
    // as an unexpected `as`; say what is wrong with the name.
    if word_at(source, absolute) == Some("as") {
        let after = skip_spaces(source, absolute + 2);
        if let Some(alias) = word_at(source, after)
            && is_reserved(alias)
        {
            return Diagnostic::error(
                codes::KEYWORD_AS_NAME,
                format!("`{alias}` is a keyword and cannot name a module"),
                Span::new(file, after, after + alias.len()),
                "a keyword here",
            )
            .with_help(format!(
                "choose another name, such as `{alias}_module`; `ritc explain E0211` lists the keywords"
            ));
        }
    }
    let mut diagnostic = Diagnostic::error(
        codes::SYNTAX,
        format!("expected {expected}, found {found}"),
        span,
        format!("expected {expected}"),
    );
    if found == "`=`" && expected.contains("`)`") {
        diagnostic = diagnostic.with_help(
            "a function's parameters have no default values: give every argument at the call",
        );
    }
    // `expect json.` at the end of a line: the name is not read from the next line.
    if found == "the end of the line" && source[..absolute].trim_end().ends_with('.') {
        diagnostic =
            diagnostic.with_help("write the name after `.` on the same line, as in `json.user`");
    }
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

fn skip_spaces(source: &str, offset: usize) -> usize {
    let rest = source.get(offset..).unwrap_or_default();
    offset + (rest.len() - rest.trim_start_matches([' ', '\t']).len())
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

pub(super) fn word_at(source: &str, offset: usize) -> Option<&str> {
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
