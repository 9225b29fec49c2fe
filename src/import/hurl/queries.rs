//! Hurl's queries, filters and predicates (`[Captures]`, `[Asserts]`) as `.rit`
//! expressions and conditions.

use super::dates::time_format;
use super::parse::{Token, split_key, tokens};
use super::translate::{Importer, Untranslatable};
use crate::import::rit::{Lines, path_suffix, quoted, whole_variable};
use crate::units::literal_duration_from_millis;

impl Importer {
    pub(super) fn capture(&mut self, out: &mut Lines, line: usize, text: &str) {
        let Some((name, query)) = split_key(text) else {
            self.untranslated(out, line, "a capture that is not `name: query`", text);
            return;
        };
        let mut guards = Vec::new();
        // `redact` keeps the value out of Hurl's logs: a secret from then on.
        let mut redacted = false;
        let translated = tokens(&query)
            .ok_or_else(|| "an unterminated string".to_string())
            .and_then(|mut tokens| {
                if tokens.last() == Some(&Token::Word("redact".to_string())) {
                    tokens.pop();
                    redacted = true;
                }
                let mut position = 0;
                let (expression, kind) = self.query(&tokens, &mut position, &mut guards)?;
                match tokens.get(position) {
                    None if kind == Kind::Version => Ok(HURL_VERSION.to_string()),
                    None => Ok(expression),
                    Some(_) => Err("a capture with more than a query and filters".to_string()),
                }
            });
        match translated {
            Ok(expression) => {
                for guard in guards {
                    out.line(format!("expect {guard}"));
                }
                let expression = if redacted {
                    format!("as_secret({expression})")
                } else {
                    expression
                };
                let variable = self.names.define(&name);
                self.captures.push(variable.clone());
                out.line(format!("let {variable} = {expression}"));
            }
            Err(why) => {
                self.untranslated(out, line, &why, text);
                // Later entries that read it read null, so they fail where the value
                // is used instead of asking for a param with no value.
                let variable = self.names.define(&name);
                self.captures.push(variable.clone());
                out.line(format!("let {variable} = json(\"null\")"));
            }
        }
    }

    /// `QUERY [FILTER…]` from `tokens[position..]`, advancing `position`: the
    /// expression and the kind of value it gives. `guards` gets the conditions
    /// Hurl holds its filters to that `.rit`'s would not: `count`, `nth`, `first`
    /// and `last` read a list only (Hurl fails on a string or an object, where
    /// `len` and `[i]` would count characters or keys), so a json value they
    /// read must be an array.
    pub(super) fn query(
        &mut self,
        tokens: &[Token],
        position: &mut usize,
        guards: &mut Vec<String>,
    ) -> Result<(String, Kind), Untranslatable> {
        let word = |token: Option<&Token>| match token {
            Some(Token::Word(word)) => Some(word.clone()),
            _ => None,
        };
        let argument = |token: Option<&Token>| match token {
            Some(Token::Quoted(text)) => Ok(text.clone()),
            _ => Err("a query without its quoted argument".to_string()),
        };
        let name = word(tokens.get(*position))
            .ok_or_else(|| "a query that does not start with its name".to_string())?;
        *position += 1;
        let (mut expression, mut kind) = match name.as_str() {
            "status" => ("status".to_string(), Kind::Int),
            "url" => ("url".to_string(), Kind::Text),
            "body" => ("body".to_string(), Kind::Text),
            "duration" => ("duration".to_string(), Kind::Duration),
            "version" => ("version".to_string(), Kind::Version),
            "header" => {
                let header = argument(tokens.get(*position))?;
                *position += 1;
                let name = quoted(&header.to_ascii_lowercase());
                // Hurl's query gives every value of a repeated header: a filter
                // that counts or picks reads them as a list, not joined by `, `.
                match word(tokens.get(*position)).as_deref() {
                    Some("count" | "nth" | "first" | "last") => {
                        (format!("header_values[{name}]"), Kind::List)
                    }
                    _ => (format!("headers[{name}]"), Kind::Text),
                }
            }
            "cookie" => {
                let cookie = argument(tokens.get(*position))?;
                *position += 1;
                // Hurl reads the cookie this response set, not the jar.
                match cookie.split_once('[') {
                    Some((name, attribute)) => cookie_attribute(name, attribute)?,
                    None => cookie_attribute(&cookie, "Value]")?,
                }
            }
            "jsonpath" => {
                let path = argument(tokens.get(*position))?;
                *position += 1;
                self.jsonpath("json", &path)?
            }
            "xpath" => {
                let expression = argument(tokens.get(*position))?;
                *position += 1;
                (
                    format!("xpath(body, {})", self.string(&expression)),
                    Kind::XPath,
                )
            }
            "regex" => {
                let pattern = pattern(tokens.get(*position))?;
                *position += 1;
                (format!("capture(body, {})", quoted(&pattern)), Kind::Text)
            }
            // Hurl's `bytes`, `sha256` and `md5` read the body once its content
            // coding is undone: `body_bytes`, not the wire's `raw`.
            "bytes" => ("body_bytes".to_string(), Kind::Bytes),
            "sha256" => ("sha256(body_bytes)".to_string(), Kind::Bytes),
            "md5" => ("md5(body_bytes)".to_string(), Kind::Bytes),
            "variable" => {
                let variable = argument(tokens.get(*position))?;
                *position += 1;
                let name = self.names.reference(&variable);
                let kind = if self.names.undefined.values().any(|param| *param == name) {
                    Kind::Text
                } else {
                    Kind::Json
                };
                (name, kind)
            }
            other => return Err(format!("the `{other}` query")),
        };
        while let Some(filter) = word(tokens.get(*position)) {
            if kind == Kind::Version
                && (is_filter(&filter) || TRANSLATED_FILTERS.contains(&filter.as_str()))
            {
                (expression, kind) = (HURL_VERSION.to_string(), Kind::Text);
            }
            let next = tokens.get(*position + 1);
            if kind == Kind::Json && matches!(filter.as_str(), "count" | "nth" | "first" | "last") {
                guards.push(format!("{expression} is array"));
            }
            let (filtered, filtered_kind) = match filter.as_str() {
                "count" => (format!("len({expression})"), Kind::Int),
                "toInt" => (format!("int({expression})"), Kind::Int),
                "toFloat" => (format!("float({expression})"), Kind::Float),
                "toString" => (format!("string({expression})"), Kind::Text),
                "first" => (format!("{expression}[0]"), Kind::Json),
                "last" => (format!("{expression}[-1]"), Kind::Json),
                "base64Encode" => (format!("base64({expression})"), Kind::Text),
                "nth" => match next {
                    Some(Token::Word(index)) if index.parse::<i64>().is_ok() => {
                        *position += 1;
                        (format!("{expression}[{index}]"), Kind::Json)
                    }
                    _ => return Err("an `nth` filter without its index".to_string()),
                },
                "jsonpath" => {
                    let path = argument(next)?;
                    *position += 1;
                    self.jsonpath(&format!("json({expression})"), &path)?
                }
                "xpath" => {
                    let xpath = argument(next)?;
                    *position += 1;
                    (
                        format!("xpath({expression}, {})", self.string(&xpath)),
                        Kind::XPath,
                    )
                }
                "regex" => {
                    let pattern = pattern(next)?;
                    *position += 1;
                    (
                        format!("capture({expression}, {})", quoted(&pattern)),
                        Kind::Text,
                    )
                }
                "split" => {
                    let separator = argument(next)?;
                    *position += 1;
                    (
                        format!("split({expression}, {})", self.string(&separator)),
                        Kind::List,
                    )
                }
                "toDate" => {
                    let format = time_format(&argument(next)?)?;
                    *position += 1;
                    (
                        format!("date({expression}, {})", quoted(&format)),
                        Kind::Date,
                    )
                }
                "format" | "dateFormat" => {
                    let format = time_format(&argument(next)?)?;
                    *position += 1;
                    let date = as_date(&expression, kind);
                    (
                        format!("format_date({date}, {})", quoted(&format)),
                        Kind::Text,
                    )
                }
                "daysAfterNow" | "daysBeforeNow" => {
                    let function = if filter == "daysAfterNow" {
                        "days_after_now"
                    } else {
                        "days_before_now"
                    };
                    (
                        format!("{function}({})", as_date(&expression, kind)),
                        Kind::Int,
                    )
                }
                "decode" => {
                    let encoding = argument(next)?;
                    *position += 1;
                    (
                        format!("decode({expression}, {})", quoted(&encoding)),
                        Kind::Text,
                    )
                }
                "utf8Decode" => (format!("decode({expression}, \"utf-8\")"), Kind::Text),
                "utf8Encode" => (format!("bytes({expression})"), Kind::Bytes),
                "urlDecode" => (format!("url_decode({expression})"), Kind::Text),
                "htmlUnescape" => (format!("html_unescape({expression})"), Kind::Text),
                "base64Decode" => (format!("base64_decode({expression})"), Kind::Bytes),
                "toHex" => (format!("hex({expression})"), Kind::Text),
                "replace" => match (next, tokens.get(*position + 2)) {
                    (Some(Token::Quoted(old)), Some(Token::Quoted(new))) => {
                        *position += 2;
                        let replaced =
                            format!("replace({expression}, {}, {})", quoted(old), quoted(new));
                        (replaced, Kind::Text)
                    }
                    _ => return Err("a `replace` filter without two strings".to_string()),
                },
                other if is_filter(other) => return Err(format!("the `{other}` filter")),
                _ => break,
            };
            expression = filtered;
            kind = filtered_kind;
            *position += 1;
        }
        Ok((expression, kind))
    }

    /// `QUERY [FILTER…] [not] PREDICATE [VALUE]` → a `.rit` condition.
    pub(super) fn assertion(&mut self, text: &str) -> Result<String, Untranslatable> {
        let tokens = tokens(text).ok_or_else(|| "an unterminated string".to_string())?;
        let mut position = 0;
        let mut guards = Vec::new();
        let (subject, kind) = self.query(&tokens, &mut position, &mut guards)?;
        let mut negated = false;
        if tokens.get(position) == Some(&Token::Word("not".to_string())) {
            negated = true;
            position += 1;
        }
        let Some(Token::Word(predicate)) = tokens.get(position) else {
            return Err("an assert without a predicate".to_string());
        };
        position += 1;
        // Hurl's `version` is `2` where the field says `HTTP/2`: `==` and `!=`
        // compare with the field's spelling, any other predicate reads Hurl's.
        let (subject, kind) = match (kind, predicate.as_str()) {
            (Kind::Version, "==" | "!=") => (subject, Kind::Version),
            (Kind::Version, _) => (HURL_VERSION.to_string(), Kind::Text),
            _ => (subject, kind),
        };
        let value = tokens.get(position);
        if value.is_some() && tokens.len() > position + 1 {
            return Err("an assert with more than one value".to_string());
        }
        let operand = |importer: &mut Importer| -> Result<String, Untranslatable> {
            let value = value.ok_or_else(|| format!("a `{predicate}` without its value"))?;
            importer.value(value, kind)
        };
        let bytes_operator = match predicate.as_str() {
            "==" | "!=" => Some(predicate.as_str()),
            "startsWith" => Some("starts with"),
            "endsWith" => Some("ends with"),
            _ => None,
        };
        let bytes_condition =
            bytes_operator
                .zip(value.and_then(bytes_literal))
                .map(|(operator, literal)| match literal {
                    BytesLiteral::Hex(hex) => format!("hex({subject}) {operator} {}", quoted(&hex)),
                    BytesLiteral::Base64(text) => {
                        format!("{subject} {operator} base64_decode({})", quoted(&text))
                    }
                });
        let condition = if let Some(condition) = bytes_condition {
            condition
        } else {
            match predicate.as_str() {
                "==" | "!=" | ">" | ">=" | "<" | "<=" => {
                    format!("{subject} {predicate} {}", operand(self)?)
                }
                "contains" => format!("{subject} contains {}", operand(self)?),
                // `includes` asks whether a list holds a value: the values of a
                // header, not a substring of them joined.
                "includes" => {
                    let list = header_list(&subject).unwrap_or(subject);
                    format!("{list} contains {}", operand(self)?)
                }
                "matches" => match value {
                    Some(Token::Quoted(pattern) | Token::Regex(pattern)) => {
                        format!("{subject} matches {}", quoted(pattern))
                    }
                    _ => return Err("a `matches` whose pattern is not a literal".to_string()),
                },
                "startsWith" | "endsWith" => {
                    let operator = if predicate == "startsWith" {
                        "starts with"
                    } else {
                        "ends with"
                    };
                    format!("{subject} {operator} {}", operand(self)?)
                }
                "exists" => match kind {
                    // `Secure` and `HttpOnly` are there or not: `.rit` gives them as bools.
                    Kind::Flag => subject,
                    // A node set exists when it holds a node (Hurl counts it).
                    Kind::XPath => format!("not ({subject} is empty)"),
                    _ => format!("{subject} exists"),
                },
                "isString" => format!("{subject} is string"),
                "isInteger" => format!("{subject} is int"),
                "isFloat" => format!("{subject} is float"),
                "isNumber" => format!("{subject} is number"),
                "isBoolean" => format!("{subject} is bool"),
                "isList" => format!("{subject} is array"),
                "isObject" => format!("{subject} is object"),
                "isCollection" => format!("{subject} is collection"),
                "isEmpty" => format!("{subject} is empty"),
                "isIsoDate" => format!("{subject} is iso_date"),
                other => return Err(format!("the `{other}` predicate")),
            }
        };
        let condition = if negated {
            format!("not ({condition})")
        } else {
            condition
        };
        // A guard holds outside `not`: Hurl fails a filter on the wrong input
        // whatever the predicate says.
        Ok(guards
            .into_iter()
            .chain(std::iter::once(condition))
            .collect::<Vec<_>>()
            .join(" and "))
    }

    /// A value compared with a query of `kind`, written so that the comparison
    /// type-checks: a number compared with text is quoted, a quoted number compared
    /// with a number is not, milliseconds compared with `duration` get their unit.
    pub(super) fn value(&mut self, token: &Token, kind: Kind) -> Result<String, Untranslatable> {
        let numeric = |text: &str| {
            text.parse::<f64>().is_ok_and(f64::is_finite)
                && !text.contains(['e', 'E', 'i', 'n', 'I', 'N'])
        };
        match token {
            Token::Quoted(text) if matches!(kind, Kind::Int | Kind::Float) && numeric(text) => {
                number(text)
            }
            Token::Quoted(text) if kind == Kind::Version => Ok(quoted(&format!("HTTP/{text}"))),
            Token::Quoted(text) if kind == Kind::Bytes => {
                Ok(format!("bytes({})", self.string(text)))
            }
            Token::Quoted(text) => Ok(self.string(text)),
            Token::Regex(pattern) => Ok(quoted(pattern)),
            Token::Word(word) => {
                if let Some(variable) = whole_variable(word) {
                    let name = self.names.reference(variable);
                    if kind == Kind::Version {
                        return Ok(format!("\"HTTP/{{{{{name}}}}}\""));
                    }
                    let is_param = self.names.undefined.values().any(|param| *param == name);
                    return Ok(match kind {
                        Kind::Int if is_param => format!("int({name})"),
                        Kind::Float if is_param => format!("float({name})"),
                        _ => name,
                    });
                }
                if matches!(word.as_str(), "true" | "false" | "null") {
                    return Ok(word.clone());
                }
                if !numeric(word) {
                    return Err(format!("the value `{word}`"));
                }
                match kind {
                    Kind::Text => Ok(quoted(word)),
                    Kind::Version => Err(format!(
                        "the version compared with the number `{word}` (Hurl's version is text)"
                    )),
                    Kind::Bytes => Err(format!("bytes compared with the number `{word}`")),
                    Kind::Duration => match word.parse::<u64>() {
                        Ok(millis) => Ok(literal_duration_from_millis(millis as f64)),
                        Err(_) => Err(format!("the duration `{word}`")),
                    },
                    _ => number(word),
                }
            }
        }
    }
}

/// The kind of value a Hurl query gives, as far as the checker cares.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Int,
    Float,
    Text,
    Duration,
    /// JSON: compares with anything; checked when the test runs.
    Json,
    /// A list for certain (a header's values, `split`): Hurl's list filters
    /// need no guard on it.
    List,
    /// Bytes (`raw`, a digest): compared with `hex,…;` or `base64,…;`.
    Bytes,
    /// A date as `.rit` holds one: Unix seconds (`date(…)`).
    Date,
    /// `xpath(…)`: a node set is a list of texts.
    XPath,
    /// A cookie's `secure` or `httponly`: a bool that Hurl asks `exists` of.
    Flag,
    /// The `version` field (`"HTTP/2"`), which Hurl's `version` query gives as `2`.
    Version,
}

/// The `version` field as Hurl's `version` query gives it: `1.0`, `1.1`, `2`.
const HURL_VERSION: &str = "replace(version, \"HTTP/\", \"\")";

/// `expression` as Unix seconds: a date already, or text read as one (an
/// RFC 3339 or HTTP date, as a cookie's `Expires` is).
fn as_date(expression: &str, kind: Kind) -> String {
    if kind == Kind::Date {
        expression.to_string()
    } else {
        format!("date({expression})")
    }
}

/// `cookie "name[Attribute]"`: the attribute of the `Set-Cookie` the response
/// gave, from `set_cookies[name]`.
fn cookie_attribute(name: &str, attribute: &str) -> Result<(String, Kind), Untranslatable> {
    let attribute = attribute
        .strip_suffix(']')
        .ok_or_else(|| format!("the cookie query `{name}[{attribute}`"))?;
    let (field, kind) = match attribute.to_ascii_lowercase().as_str() {
        "value" => ("value", Kind::Text),
        "expires" => ("expires", Kind::Text),
        "max-age" => ("max_age", Kind::Int),
        "domain" => ("domain", Kind::Text),
        "path" => ("path", Kind::Text),
        "secure" => ("secure", Kind::Flag),
        "httponly" => ("httponly", Kind::Flag),
        "samesite" => ("samesite", Kind::Text),
        _ => return Err(format!("the cookie attribute `{attribute}`")),
    };
    Ok((format!("set_cookies[{}].{field}", quoted(name)), kind))
}

/// A regex given as `"…"` or `/…/`.
fn pattern(token: Option<&Token>) -> Result<String, Untranslatable> {
    match token {
        Some(Token::Quoted(text) | Token::Regex(text)) => Ok(text.clone()),
        _ => Err("a `regex` without its pattern".to_string()),
    }
}

/// Hurl's bytes values: `hex,…;` (lower-cased) and `base64,…;`.
enum BytesLiteral {
    Hex(String),
    Base64(String),
}

fn bytes_literal(token: &Token) -> Option<BytesLiteral> {
    let Token::Word(word) = token else {
        return None;
    };
    let inner = word.strip_suffix(';')?;
    if let Some(hex) = inner.strip_prefix("hex,") {
        let hex = hex.trim();
        return (hex.len() % 2 == 0 && hex.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| BytesLiteral::Hex(hex.to_ascii_lowercase()));
    }
    inner
        .strip_prefix("base64,")
        .map(|text| BytesLiteral::Base64(text.trim().to_string()))
}

/// A number as `.rit` writes it (`+1` → `1`, `.5` → `0.5`, `-3` → `-3`).
pub(super) fn number(text: &str) -> Result<String, Untranslatable> {
    let text = text.trim().strip_prefix('+').unwrap_or(text.trim());
    let (sign, digits) = match text.strip_prefix('-') {
        Some(digits) => ("-", digits),
        None => ("", text),
    };
    let digits = if digits.starts_with('.') {
        format!("0{digits}")
    } else {
        digits.to_string()
    };
    let digits = if digits.ends_with('.') {
        format!("{digits}0")
    } else {
        digits
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!("the number `{text}`"));
    }
    if !digits.contains('.') && digits.parse::<i64>().is_err() {
        return Err(format!("the number `{text}` (too large)"));
    }
    Ok(format!("{sign}{digits}"))
}

/// `headers["name"]` as the list of the header's values, `header_values["name"]`.
fn header_list(subject: &str) -> Option<String> {
    let name = subject.strip_prefix("headers[")?.strip_suffix(']')?;
    (!name.contains('[')).then(|| format!("header_values[{name}]"))
}

/// The filters `query` translates that `is_filter` does not list.
const TRANSLATED_FILTERS: &[&str] = &[
    "count",
    "toInt",
    "toFloat",
    "toString",
    "first",
    "last",
    "base64Encode",
    "nth",
    "jsonpath",
    "replace",
];

pub(super) fn is_filter(word: &str) -> bool {
    matches!(
        word,
        "regex"
            | "split"
            | "urlDecode"
            | "urlEncode"
            | "htmlEscape"
            | "htmlUnescape"
            | "decode"
            | "format"
            | "daysAfterNow"
            | "daysBeforeNow"
            | "base64Decode"
            | "base64UrlSafeDecode"
            | "base64UrlSafeEncode"
            | "toDate"
            | "toHex"
            | "xpath"
            | "location"
            | "utf8Decode"
            | "utf8Encode"
            | "dateFormat"
    )
}

impl Importer {
    /// A JSONPath on `root`: a path of the simple kind (`$.a.b[0]['c']`) as
    /// `.rit`'s own path (one value), any other (wildcards, `..`, filters,
    /// slices) as `collapse(jsonpath(root, "…"))`: Hurl gives such a path's one
    /// node as its value, several as a list and none as a missing value, and
    /// `jsonpath()` alone would always give a list (`$..id == 7` would compare
    /// `[7]` with 7).
    fn jsonpath(&mut self, root: &str, path: &str) -> Result<(String, Kind), Untranslatable> {
        match jsonpath(root, path) {
            Ok(expression) => Ok((expression, Kind::Json)),
            Err(_) if path.trim().starts_with('$') => {
                let root = root
                    .strip_prefix("json(")
                    .and_then(|inner| inner.strip_suffix(')'))
                    .unwrap_or(root);
                Ok((
                    format!("collapse(jsonpath({root}, {}))", self.string(path.trim())),
                    Kind::Json,
                ))
            }
            Err(why) => Err(why),
        }
    }
}

/// A JSONPath of the simple kind (`$.a.b[0]['c']`) on `root`.
pub(super) fn jsonpath(root: &str, path: &str) -> Result<String, Untranslatable> {
    let rest = path
        .trim()
        .strip_prefix('$')
        .ok_or_else(|| format!("the JSONPath `{path}` (it does not start at `$`)"))?;
    // A quoted name (`$['na:me']`) may hold what would otherwise be a slice or a wildcard.
    let unquoted = without_quoted_names(rest);
    if rest.starts_with("..") || unquoted.contains(['*', '?', ':']) {
        return Err(format!(
            "the JSONPath `{path}` (wildcards, filters and slices have no `.rit` form)"
        ));
    }
    let suffix = path_suffix(rest).ok_or_else(|| format!("the JSONPath `{path}`"))?;
    Ok(format!("{root}{suffix}"))
}

/// A JSONPath with the text inside its `'…'` and `"…"` names left out.
fn without_quoted_names(path: &str) -> String {
    let mut kept = String::with_capacity(path.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in path.chars() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(open) if c == open => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None => kept.push(c),
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_jsonpaths_translate() {
        assert_eq!(
            jsonpath("json", "$.a.b[0]['c-d']").as_deref(),
            Ok("json.a.b[0][\"c-d\"]")
        );
        assert_eq!(jsonpath("json", "$").as_deref(), Ok("json"));
        assert!(jsonpath("json", "$..id").is_err());
        assert!(jsonpath("json", "$.items[*].id").is_err());
        assert!(jsonpath("json", "$.items[?(@.id > 1)]").is_err());
        assert!(jsonpath("json", "$.items[1:3]").is_err());
        assert_eq!(
            jsonpath("json", "$.form['na:me']").as_deref(),
            Ok("json.form[\"na:me\"]")
        );
    }
}
