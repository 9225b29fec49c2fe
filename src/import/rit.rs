//! Building `.rit` text for the importers: string literals with `{{ }}` mapped to
//! names, identifiers that are never keywords, object and list literals from YAML
//! and JSON values, durations and percentages, and the notes about what could not
//! be translated. Pure: no IO.

use std::collections::BTreeMap;

/// Something of the input that the output does not do: kept in the output as a `#`
/// comment and listed on standard error by the CLI.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    /// Where in the input: `line 12`, or a YAML path like `tests[1].steps[0]`.
    pub location: String,
    pub message: String,
}

/// The keywords of the language (the `keyword` rule of grammar/rit.pest): never a declared name.
const KEYWORDS: &[&str] = &[
    "suite",
    "import",
    "as",
    "param",
    "let",
    "secret",
    "fn",
    "return",
    "service",
    "setup",
    "teardown",
    "test",
    "checkpoint",
    "defaults",
    "stage",
    "on",
    "failure",
    "stop",
    "warn",
    "continue",
    "expect",
    "run",
    "start",
    "ready",
    "within",
    "every",
    "eventually",
    "retry",
    "timeout",
    "for",
    "in",
    "if",
    "else",
    "sql",
    "ws",
    "send",
    "receive",
    "close",
    "redis",
    "load",
    "concurrency",
    "requests",
    "duration",
    "rate",
    "per",
    "ramp",
    "abort",
    "stages",
    "warmup",
    "check",
    "headers",
    "query",
    "json",
    "form",
    "multipart",
    "body",
    "follow",
    "redirects",
    "insecure",
    "env",
    "cwd",
    "stdin",
    "jetstream",
    "persistent",
    "mandatory",
    "until",
    "qos",
    "retain",
    "tcp",
    "log",
    "http",
    "is",
    "exists",
    "contains",
    "matches",
    "conforms",
    "and",
    "or",
    "not",
    "true",
    "false",
    "null",
    "tags",
    "skip",
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "HEAD",
    "OPTIONS",
];

/// Names a translated file declares or reads that a capture must not take.
const RESERVED_NAMES: &[&str] = &[
    "status",
    "url",
    "cookies",
    "exit",
    "stdout",
    "stderr",
    "rows",
    "count",
    "value",
    "ok",
    "message",
    "binary",
    "closed",
    "close_code",
    "base",
    "db",
    "len",
    "lower",
    "upper",
    "trim",
    "replace",
    "keys",
    "sort",
    "join",
    "int",
    "float",
    "string",
    "uuid",
    "now",
    "temp_dir",
    "base64",
    "hex",
    "hmac_sha256",
    "hmac_sha1",
    "file",
    "read",
    "schema",
    "database",
    "logs",
];

pub fn is_word(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// A name that `.rit` accepts for a `let` or `param`, made from any text:
/// `base-url` → `base_url`, `json` → `json_value`, `2fa` → `_2fa`.
pub fn identifier(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        name.push_str("value");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if is_keyword(&name) || RESERVED_NAMES.contains(&name.as_str()) {
        name.push_str("_value");
    }
    name
}

/// The names a translated file knows: its `{{ }}` variables, each mapped to a
/// `.rit` name, and the ones nobody defined (declared as `param`s at the top).
#[derive(Default)]
pub struct Names {
    /// Input spelling → `.rit` name, for names defined by a capture or a param.
    known: BTreeMap<String, String>,
    /// Input spelling → `.rit` name, for variables used but never defined.
    pub undefined: BTreeMap<String, String>,
    /// Expressions that a variable name stands for (Hurl's `newUuid` → `uuid()`).
    builtins: BTreeMap<String, String>,
    /// Functions of one quoted argument and the `.rit` function each is
    /// (Hurl's `{{getEnv "HOME"}}` → `env("HOME")`).
    calls: BTreeMap<String, String>,
    /// The `{{ }}` read so far that are neither a variable nor a known call:
    /// written as literal text, for the importer to report (`take_unreadable`).
    unreadable_templates: Vec<String>,
    /// `.rit` names read somewhere (to spot captures that nothing reads).
    used: std::collections::BTreeSet<String>,
    /// While in a test: the spellings it defined, forgotten when it ends.
    test_scope: Option<Vec<String>>,
    /// Spellings captured by a test that has ended.
    captured_in_other_tests: std::collections::BTreeSet<String>,
    /// Spellings read in a test but captured in another one (each once).
    pub shared_between_tests: Vec<String>,
    /// Spellings that stand unquoted for a whole JSON value (`{"id": {{id}}}`):
    /// a param of one is `json`, so `--param id=7` sends the number 7, as
    /// Hurl's `--variable id=7` does, not the text "7".
    pub json_values: std::collections::BTreeSet<String>,
    /// Spellings that say whether an entry is skipped (`skip: {{flag}}`): a
    /// param of one is `bool`.
    pub bool_values: std::collections::BTreeSet<String>,
}

impl Names {
    pub fn with_builtin(mut self, name: &str, expression: &str) -> Names {
        self.builtins
            .insert(name.to_string(), expression.to_string());
        self
    }

    pub fn with_call(mut self, name: &str, function: &str) -> Names {
        self.calls.insert(name.to_string(), function.to_string());
        self
    }

    /// `name "argument"` as the call of the `.rit` function it maps to.
    fn call(&self, template: &str) -> Option<String> {
        let (name, argument) = template.split_once(char::is_whitespace)?;
        let function = self.calls.get(name)?;
        let argument = argument.trim().strip_prefix('"')?.strip_suffix('"')?;
        (!argument.contains(['"', '\\'])).then(|| format!("{function}({})", quoted(argument)))
    }

    /// The `{{ }}` written as literal text since the last call, each as written.
    pub fn take_unreadable(&mut self) -> Vec<String> {
        std::mem::take(&mut self.unreadable_templates)
    }

    /// Declares a name (a capture, a param) and returns its `.rit` spelling.
    pub fn define(&mut self, spelling: &str) -> String {
        let name = self.unique(spelling);
        self.known.insert(spelling.to_string(), name.clone());
        if let Some(scope) = self.test_scope.as_mut() {
            scope.push(spelling.to_string());
        }
        name
    }

    /// Whether a capture or a param defined this spelling (not a builtin,
    /// not a variable only used so far).
    pub fn is_defined(&self, spelling: &str) -> bool {
        self.known.contains_key(spelling)
    }

    /// From here to `end_test`, what is defined is the test's own: `.rit` tests
    /// do not see each other's captures.
    pub fn begin_test(&mut self) {
        self.test_scope = Some(Vec::new());
    }

    pub fn end_test(&mut self) {
        for spelling in self.test_scope.take().unwrap_or_default() {
            self.known.remove(&spelling);
            self.captured_in_other_tests.insert(spelling);
        }
    }

    /// A name of the importer's own (`request_url`), the same at each call and
    /// taken by no variable of the input, now or later: it is kept under a
    /// spelling no input can write.
    pub fn fresh(&mut self, wanted: &str) -> String {
        let spelling = format!(" {wanted}");
        if let Some(name) = self.known.get(&spelling) {
            return name.clone();
        }
        let name = self.unique(wanted);
        self.known.insert(spelling, name.clone());
        name
    }

    /// Declares a name under a spelling chosen by the importer (`base`, `db`).
    pub fn define_as(&mut self, spelling: &str, name: &str) {
        self.known.insert(spelling.to_string(), name.to_string());
    }

    /// The `.rit` expression for a variable as the input spells it; a variable that
    /// nothing defines becomes a param.
    pub fn reference(&mut self, spelling: &str) -> String {
        if let Some(name) = self.known.get(spelling) {
            self.used.insert(name.clone());
            return name.clone();
        }
        if let Some(expression) = self.builtins.get(spelling) {
            return expression.clone();
        }
        if let Some(name) = self.undefined.get(spelling) {
            return name.clone();
        }
        if self.captured_in_other_tests.contains(spelling) {
            self.shared_between_tests.push(spelling.to_string());
        }
        let name = self.unique(spelling);
        self.undefined.insert(spelling.to_string(), name.clone());
        name
    }

    /// `let name = …` lines for captures that nothing reads become `let _name = …`,
    /// as the checker asks of a value kept on purpose.
    pub fn silence_unused_captures(&self, text: &str, captures: &[String]) -> String {
        let unused: Vec<&String> = captures
            .iter()
            .filter(|name| !self.used.contains(*name))
            .collect();
        if unused.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len() + unused.len());
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            match unused
                .iter()
                .find(|name| trimmed.starts_with(&format!("let {name} = ")))
            {
                Some(name) => {
                    out.push_str(indent);
                    out.push_str(&format!("let _{name}"));
                    out.push_str(&trimmed[4 + name.len()..]);
                }
                None => out.push_str(line),
            }
        }
        out
    }

    fn unique(&self, spelling: &str) -> String {
        let base = identifier(spelling);
        let taken = |candidate: &str| {
            self.known
                .iter()
                .chain(self.undefined.iter())
                .any(|(other, name)| name == candidate && other != spelling)
        };
        if !taken(&base) {
            return base;
        }
        (2..)
            .map(|index| format!("{base}_{index}"))
            .find(|candidate| !taken(candidate))
            .unwrap_or(base)
    }
}

/// A `.rit` string literal for `text`, in which each `{{ name }}` of the input
/// becomes an interpolation of the mapped name. Anything else that looks like
/// `{{` is written as literal text.
pub fn string_literal(text: &str, names: &mut Names) -> String {
    format!("\"{}\"", string_content(text, names, false))
}

/// A `"""` block string that reads back as exactly `text`, its lines indented
/// under a statement `depth` levels deep (`.rit` strips the common indentation).
/// Text that a block string cannot hold exactly (indented as a whole, or with
/// lines of spaces) is written as a one-line string with `\n` escapes instead.
pub fn block_literal(text: &str, names: &mut Names, depth: usize) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let common_indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let blank_with_spaces = lines
        .iter()
        .any(|line| !line.is_empty() && line.trim().is_empty());
    if common_indent > 0 || blank_with_spaces || text.contains('\r') || !text.contains('\n') {
        return string_literal(text, names);
    }
    let indent = "  ".repeat(depth + 1);
    let mut out = String::from("\"\"\"\n");
    for line in &lines {
        if !line.is_empty() {
            out.push_str(&indent);
            out.push_str(&string_content(line, names, true));
        }
        out.push('\n');
    }
    out.push_str(&"  ".repeat(depth));
    out.push_str("\"\"\"");
    out
}

fn string_content(text: &str, names: &mut Names, block: bool) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("{{")
            && let Some(end) = after.find("}}")
        {
            let variable = after[..end].trim();
            let expression = if is_variable(variable) {
                Some(names.reference(variable))
            } else {
                names.call(variable)
            };
            if let Some(expression) = expression {
                out.push_str("{{");
                out.push_str(&expression);
                out.push_str("}}");
                rest = &after[end + 2..];
                continue;
            }
            names
                .unreadable_templates
                .push(format!("{{{{{}}}}}", &after[..end]));
        }
        if block && rest.starts_with("\"\"\"") {
            out.push_str("\\\"");
            rest = &rest[1..];
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        match c {
            '"' if !block => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if !block => out.push_str("\\n"),
            '\t' if !block => out.push_str("\\t"),
            '\r' => {}
            '{' if rest.starts_with("{{") => out.push_str("\\{"),
            other => out.push(other),
        }
        rest = chars.as_str();
    }
    out
}

/// A name inside `{{ }}` that the importers translate: letters, digits, `_`, `-`, `.`.
pub fn is_variable(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// When the whole text is one `{{ name }}`, that name.
pub fn whole_variable(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    (is_variable(inner) && !inner.contains("{{")).then_some(inner)
}

/// An object key: bare when it is a word, quoted otherwise.
pub fn object_key(key: &str) -> String {
    if is_word(key) {
        key.to_string()
    } else {
        quoted(key)
    }
}

/// A string literal of exactly `text`: no interpolation (`{{` is escaped).
pub fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for (index, c) in text.char_indices() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => {}
            '{' if text[index..].starts_with("{{") => out.push_str("\\{"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

/// `.a[0].b-c` → `.a[0]["b-c"]`; `None` for wildcards and filters.
pub fn path_suffix(rest: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&next) = chars.peek() {
                    if next == '.' || next == '[' {
                        break;
                    }
                    name.push(next);
                    chars.next();
                }
                if name.is_empty() || name == "*" {
                    return None;
                }
                if is_word(&name) {
                    out.push('.');
                    out.push_str(&name);
                } else if let Ok(index) = name.parse::<i64>() {
                    out.push_str(&format!("[{index}]"));
                } else {
                    out.push_str(&format!("[{}]", quoted(&name)));
                }
            }
            '[' => {
                let mut inner = String::new();
                for next in chars.by_ref() {
                    if next == ']' {
                        break;
                    }
                    inner.push(next);
                }
                let inner = inner.trim();
                if let Ok(index) = inner.parse::<i64>() {
                    out.push_str(&format!("[{index}]"));
                } else if let Some(key) = inner
                    .strip_prefix('\'')
                    .and_then(|key| key.strip_suffix('\''))
                    .or_else(|| {
                        inner
                            .strip_prefix('"')
                            .and_then(|key| key.strip_suffix('"'))
                    })
                {
                    out.push_str(&format!("[{}]", quoted(key)));
                } else {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A number as a `.rit` literal (`-` is an operator, so a negative one is `-3`).
/// `None` for what `.rit` cannot write (NaN, infinities, exponents out of range).
pub fn number_literal(value: f64, integral: bool) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    if integral && value.abs() < 9.0e15 {
        return Some(format!("{}", value as i64));
    }
    let text = format!("{value}");
    if text.contains('e') {
        return None;
    }
    Some(if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    })
}

/// A JSON value as a `.rit` expression. A string that is one `{{ name }}` becomes
/// the name itself, so that a typed value stays typed.
pub fn json_expression(value: &serde_json::Value, names: &mut Names) -> Option<String> {
    Some(match value {
        serde_json::Value::Null => "null".to_string(),
        serde_json::Value::Bool(flag) => flag.to_string(),
        serde_json::Value::Number(number) => {
            let integral = number.is_i64() || number.is_u64();
            number_literal(number.as_f64()?, integral)?
        }
        serde_json::Value::String(text) => match text.strip_prefix(JSON_VARIABLE_SENTINEL) {
            Some(variable) => {
                names.json_values.insert(variable.to_string());
                names.reference(variable)
            }
            None => string_literal(text, names),
        },
        serde_json::Value::Array(items) => {
            let items: Option<Vec<String>> = items
                .iter()
                .map(|item| json_expression(item, names))
                .collect();
            format!("[{}]", items?.join(", "))
        }
        serde_json::Value::Object(entries) => {
            if entries.is_empty() {
                return Some("{}".to_string());
            }
            let entries: Option<Vec<String>> = entries
                .iter()
                .map(|(key, value)| {
                    Some(format!(
                        "{}: {}",
                        object_key(key),
                        json_expression(value, names)?
                    ))
                })
                .collect();
            format!("{{ {} }}", entries?.join(", "))
        }
    })
}

/// Marks a JSON string that stood for an unquoted `{{ name }}` in a Hurl body.
pub const JSON_VARIABLE_SENTINEL: &str = "\u{0}rit-variable:";

/// A YAML value as a `.rit` expression.
pub fn yaml_expression(value: &serde_yaml::Value, names: &mut Names) -> Option<String> {
    match value {
        serde_yaml::Value::Tagged(tagged) => yaml_expression(&tagged.value, names),
        serde_yaml::Value::Mapping(mapping) => {
            if mapping.is_empty() {
                return Some("{}".to_string());
            }
            let entries: Option<Vec<String>> = mapping
                .iter()
                .map(|(key, value)| {
                    Some(format!(
                        "{}: {}",
                        object_key(&yaml_key(key)?),
                        yaml_expression(value, names)?
                    ))
                })
                .collect();
            Some(format!("{{ {} }}", entries?.join(", ")))
        }
        serde_yaml::Value::Sequence(items) => {
            let items: Option<Vec<String>> = items
                .iter()
                .map(|item| yaml_expression(item, names))
                .collect();
            Some(format!("[{}]", items?.join(", ")))
        }
        serde_yaml::Value::String(text) => Some(match whole_variable(text) {
            Some(variable) => names.reference(variable),
            None => string_literal(text, names),
        }),
        serde_yaml::Value::Null => Some("null".to_string()),
        serde_yaml::Value::Bool(flag) => Some(flag.to_string()),
        serde_yaml::Value::Number(number) => {
            let integral = number.is_i64() || number.is_u64();
            number_literal(number.as_f64()?, integral)
        }
    }
}

/// A scalar YAML key as text.
pub fn yaml_key(key: &serde_yaml::Value) -> Option<String> {
    match key {
        serde_yaml::Value::String(text) => Some(text.clone()),
        serde_yaml::Value::Number(number) => Some(number.to_string()),
        serde_yaml::Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Lines of a `#` comment block, each prefixed with `# `.
pub fn comment_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            if line.trim().is_empty() {
                "#".to_string()
            } else {
                format!("# {}", line.trim_end())
            }
        })
        .collect()
}

/// What an importer produces: `.rit` text and what it could not translate.
#[derive(Debug)]
pub struct Translation {
    pub rit: String,
    pub notes: Vec<Note>,
}

/// Lines of `.rit` being written, with indentation by block.
#[derive(Default)]
pub struct Lines {
    lines: Vec<String>,
    depth: usize,
}

impl Lines {
    pub fn line(&mut self, text: impl AsRef<str>) {
        let text = text.as_ref();
        if text.is_empty() {
            self.lines.push(String::new());
        } else {
            self.lines
                .push(format!("{}{text}", "  ".repeat(self.depth)));
        }
    }

    /// A line that opens a block (`… {`); the lines after it are indented.
    pub fn open(&mut self, text: impl AsRef<str>) {
        self.line(text);
        self.depth += 1;
    }

    pub fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.line("}");
    }

    /// A comment at the end of the last line.
    pub fn trail(&mut self, comment: &str) {
        match self.lines.last_mut() {
            Some(last) if !last.is_empty() => {
                last.push_str("  ");
                last.push_str(comment);
            }
            _ => self.line(comment),
        }
    }

    pub fn blank(&mut self) {
        if self.lines.last().is_some_and(|last| !last.is_empty()) {
            self.lines.push(String::new());
        }
    }

    pub fn comment(&mut self, text: &str) {
        for line in comment_lines(text) {
            self.line(line);
        }
    }

    pub fn append(&mut self, other: Lines) {
        for line in other.lines {
            if line.is_empty() {
                self.lines.push(line);
            } else {
                self.lines
                    .push(format!("{}{line}", "  ".repeat(self.depth)));
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn text(&self) -> String {
        let mut text = self.lines.join("\n");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_map_variables_and_escape_the_rest() {
        let mut names = Names::default();
        names.define("token");
        assert_eq!(
            string_literal("Bearer {{token}}", &mut names),
            "\"Bearer {{token}}\""
        );
        assert_eq!(
            string_literal("a \"q\" \\ {{ user-id }}", &mut names),
            "\"a \\\"q\\\" \\\\ {{user_id}}\""
        );
        assert_eq!(
            names.undefined.get("user-id").map(String::as_str),
            Some("user_id")
        );
        assert_eq!(string_literal("{{ 1 + }}", &mut names), "\"\\{{ 1 + }}\"");
    }

    #[test]
    fn identifiers_are_never_keywords() {
        assert_eq!(identifier("json"), "json_value");
        assert_eq!(identifier("base-url"), "base_url");
        assert_eq!(identifier("2fa"), "_2fa");
        assert_eq!(identifier("status"), "status_value");
    }

    #[test]
    fn units_read_back() {
        assert_eq!(number_literal(2.0, false).as_deref(), Some("2.0"));
        assert_eq!(number_literal(-3.0, true).as_deref(), Some("-3"));
    }
}
