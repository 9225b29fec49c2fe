//! Importing a Hurl file: its entries become one test (captures flow from one
//! entry to the next as in Hurl), with method, URL, headers, query, form,
//! multipart and JSON or text bodies, `[Captures]` (jsonpath, header, cookie,
//! status, body, duration, with the common filters) and `[Asserts]` (the common
//! predicates), and `{{variables}}`. A Hurl variable nothing captures becomes a
//! `param`. What has no translation is kept as a `#` comment with its line and
//! noted. Pure: no IO.

use super::rit::{
    JSON_VARIABLE_SENTINEL, Lines, Names, Note, Translation, block_literal, is_variable,
    json_expression, object_key, path_suffix, quoted, string_literal, whole_variable,
};
use crate::units::literal_duration_from_millis;

/// Translates the text of a Hurl file; `stem` names the suite and its test.
pub fn translate(stem: &str, text: &str) -> Result<Translation, String> {
    let entries = parse(text);
    if entries.iter().all(|entry| entry.request.is_none())
        && entries.iter().all(|entry| entry.unparsed.is_empty())
    {
        return Err(
            "no Hurl entry found: an entry starts with a line like `GET https://…`".to_string(),
        );
    }
    let mut importer = Importer {
        names: Names::default().with_builtin("newUuid", "uuid()"),
        notes: Vec::new(),
        depth: 1,
        captures: Vec::new(),
    };
    Ok(importer.file(stem, &entries))
}

// ---------------------------------------------------------------- parsing

/// One line of a section (`name: value`), with its line number.
#[derive(Clone, Debug)]
struct Pair {
    line: usize,
    key: String,
    value: String,
}

#[derive(Clone, Debug, PartialEq)]
enum BodyKind {
    Json,
    /// ```` ``` ```` text, `` ` `` text, XML.
    Text,
    /// `file,path;`
    File,
    /// `base64,…;`, `hex,…;`: no `.rit` form.
    Bytes,
}

#[derive(Clone, Debug)]
struct Body {
    line: usize,
    kind: BodyKind,
    text: String,
}

#[derive(Clone, Debug)]
struct Section {
    line: usize,
    name: String,
    pairs: Vec<Pair>,
    /// `[Asserts]` lines are not pairs.
    lines: Vec<(usize, String)>,
}

#[derive(Clone, Debug, Default)]
struct Request {
    line: usize,
    method: String,
    url: String,
    headers: Vec<Pair>,
    sections: Vec<Section>,
    body: Option<Body>,
}

#[derive(Clone, Debug, Default)]
struct Response {
    line: usize,
    /// `None` for `HTTP *`.
    status: Option<String>,
    headers: Vec<Pair>,
    sections: Vec<Section>,
    body: Option<Body>,
}

#[derive(Clone, Debug, Default)]
struct Entry {
    /// Comments before the entry (and any inside it), in order.
    comments: Vec<(usize, String)>,
    request: Option<Request>,
    response: Option<Response>,
    /// Lines that fit nowhere.
    unparsed: Vec<(usize, String)>,
    /// The last line that was not a comment or blank.
    last_content_line: usize,
}

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
];

fn request_line(line: &str) -> Option<(String, String)> {
    let (method, rest) = line.split_once(char::is_whitespace)?;
    let is_method = METHODS.contains(&method)
        || (method.len() > 2 && method.chars().all(|c| c.is_ascii_uppercase()));
    (is_method && method != "HTTP" && !rest.trim().is_empty())
        .then(|| (method.to_string(), rest.trim().to_string()))
}

fn response_line(line: &str) -> Option<Option<String>> {
    let rest = line.strip_prefix("HTTP")?;
    let rest = rest
        .strip_prefix("/1.0")
        .or_else(|| rest.strip_prefix("/1.1"))
        .or_else(|| rest.strip_prefix("/2"))
        .or_else(|| rest.strip_prefix("/3"))
        .unwrap_or(rest);
    let status = rest.trim();
    if status.is_empty() {
        return None;
    }
    Some((status != "*").then(|| status.to_string()))
}

fn section_name(line: &str) -> Option<String> {
    let name = line.strip_prefix('[')?.strip_suffix(']')?;
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric())).then(|| name.to_string())
}

/// `Name: value` (the name may hold `{{ }}`).
fn pair(line: &str, number: usize) -> Option<Pair> {
    let (key, value) = split_key(line)?;
    Some(Pair {
        line: number,
        key,
        value,
    })
}

fn split_key(line: &str) -> Option<(String, String)> {
    let (key, value) = if let Some(rest) = line.strip_prefix('"') {
        let end = rest.find('"')?;
        let after = rest[end + 1..].trim_start().strip_prefix(':')?;
        (rest[..end].to_string(), after)
    } else {
        let (key, value) = line.split_once(':')?;
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return None;
        }
        (key.to_string(), value)
    };
    Some((key, value.trim().to_string()))
}

/// A line without a trailing ` # comment` (a `#` outside quotes after a space).
fn strip_comment(line: &str) -> (&str, Option<&str>) {
    let mut in_quotes = false;
    let mut escaped = false;
    let mut previous = ' ';
    for (index, c) in line.char_indices() {
        match c {
            '\\' if in_quotes && !escaped => {
                escaped = true;
                previous = c;
                continue;
            }
            '"' if !escaped => in_quotes = !in_quotes,
            '#' if !in_quotes && previous.is_whitespace() => {
                return (line[..index].trim_end(), Some(line[index..].trim_end()));
            }
            _ => {}
        }
        escaped = false;
        previous = c;
    }
    (line.trim_end(), None)
}

/// The JSON text starting at `lines[start]`: up to the line where brackets
/// balance again (outside strings).
fn json_extent(lines: &[&str], start: usize) -> usize {
    let mut depth: i64 = 0;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, line) in lines[start..].iter().enumerate() {
        for c in line.chars() {
            if in_string {
                match c {
                    '\\' if !escaped => {
                        escaped = true;
                        continue;
                    }
                    '"' if !escaped => in_string = false,
                    _ => {}
                }
                escaped = false;
                continue;
            }
            match c {
                '"' => in_string = true,
                '{' | '[' => depth += 1,
                '}' | ']' => depth -= 1,
                _ => {}
            }
        }
        if depth <= 0 {
            return start + offset;
        }
    }
    lines.len() - 1
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    Request,
    Response,
}

fn parse(text: &str) -> Vec<Entry> {
    let lines: Vec<&str> = text.lines().collect();
    let mut entries: Vec<Entry> = Vec::new();
    let mut current = Entry::default();
    let mut part = Part::Request;
    let mut index = 0;
    while index < lines.len() {
        let number = index + 1;
        let raw = lines[index];
        let trimmed = raw.trim();
        index += 1;
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('#') {
            current.comments.push((number, trimmed.to_string()));
            continue;
        }
        // A body: JSON, multiline, one line, XML, file or bytes.
        let body_start = trimmed.starts_with('{')
            || trimmed.starts_with('[') && section_name(trimmed).is_none()
            || trimmed.starts_with("```")
            || trimmed.starts_with('`')
            || trimmed.starts_with('<')
            || trimmed.starts_with("file,")
            || trimmed.starts_with("base64,")
            || trimmed.starts_with("hex,");
        let in_entry = current.request.is_some();
        if body_start && in_entry {
            let (body, next) = read_body(&lines, index - 1);
            index = next;
            current.last_content_line = next;
            match part {
                Part::Request => {
                    if let Some(request) = current.request.as_mut() {
                        request.body = Some(body);
                    }
                }
                Part::Response => {
                    if let Some(response) = current.response.as_mut() {
                        response.body = Some(body);
                    }
                }
            }
            continue;
        }
        let (line, comment) = strip_comment(trimmed);
        if let Some(comment) = comment {
            current.comments.push((number, comment.to_string()));
        }
        if let Some((method, url)) = request_line(line) {
            if current.request.is_some() || !current.unparsed.is_empty() {
                // Comments after the last line of an entry introduce the next one.
                let last = current.last_content_line;
                let (own, next): (Vec<_>, Vec<_>) = std::mem::take(&mut current.comments)
                    .into_iter()
                    .partition(|(line, _)| *line <= last);
                current.comments = own;
                entries.push(std::mem::take(&mut current));
                current.comments = next;
            }
            current.last_content_line = number;
            current.request = Some(Request {
                line: number,
                method,
                url,
                ..Request::default()
            });
            part = Part::Request;
            continue;
        }
        if !in_entry {
            current.unparsed.push((number, trimmed.to_string()));
            continue;
        }
        current.last_content_line = number;
        if let Some(status) = response_line(line) {
            current.response = Some(Response {
                line: number,
                status,
                ..Response::default()
            });
            part = Part::Response;
            continue;
        }
        let sections = match part {
            Part::Request => current
                .request
                .as_mut()
                .map(|request| &mut request.sections),
            Part::Response => current
                .response
                .as_mut()
                .map(|response| &mut response.sections),
        };
        if let Some(name) = section_name(line) {
            if let Some(sections) = sections {
                sections.push(Section {
                    line: number,
                    name,
                    pairs: Vec::new(),
                    lines: Vec::new(),
                });
            }
            continue;
        }
        match sections.and_then(|sections| sections.last_mut()) {
            Some(section) => {
                section.lines.push((number, line.to_string()));
                if let Some(pair) = pair(line, number) {
                    section.pairs.push(pair);
                }
            }
            None => {
                let headers = match part {
                    Part::Request => current.request.as_mut().map(|request| &mut request.headers),
                    Part::Response => current
                        .response
                        .as_mut()
                        .map(|response| &mut response.headers),
                };
                match (pair(line, number), headers) {
                    (Some(pair), Some(headers)) => headers.push(pair),
                    _ => current.unparsed.push((number, trimmed.to_string())),
                }
            }
        }
    }
    if current.request.is_some() || !current.unparsed.is_empty() || !current.comments.is_empty() {
        entries.push(current);
    }
    entries
}

/// Reads the body that starts at `lines[start]`; returns it and the next line.
fn read_body(lines: &[&str], start: usize) -> (Body, usize) {
    let first = lines[start].trim();
    let line = start + 1;
    if first.starts_with('{') || first.starts_with('[') {
        let end = json_extent(lines, start);
        let text = lines[start..=end].join("\n");
        return (
            Body {
                line,
                kind: BodyKind::Json,
                text,
            },
            end + 1,
        );
    }
    if let Some(rest) = first.strip_prefix("```") {
        if let Some(inline) = rest.strip_suffix("```").filter(|_| rest.len() >= 3) {
            return (
                Body {
                    line,
                    kind: BodyKind::Text,
                    text: inline.to_string(),
                },
                start + 1,
            );
        }
        let mut end = start + 1;
        while end < lines.len() && !lines[end].trim_start().starts_with("```") {
            end += 1;
        }
        let text = lines[start + 1..end.min(lines.len())].join("\n") + "\n";
        return (
            Body {
                line,
                kind: BodyKind::Text,
                text,
            },
            end + 1,
        );
    }
    if let Some(rest) = first.strip_prefix('`') {
        let text = rest.strip_suffix('`').unwrap_or(rest).to_string();
        return (
            Body {
                line,
                kind: BodyKind::Text,
                text,
            },
            start + 1,
        );
    }
    if first.starts_with('<') {
        let mut end = start;
        while end + 1 < lines.len() {
            let next = lines[end + 1].trim();
            if next.is_empty()
                || response_line(next).is_some()
                || request_line(next).is_some()
                || section_name(next).is_some()
            {
                break;
            }
            end += 1;
        }
        return (
            Body {
                line,
                kind: BodyKind::Text,
                text: lines[start..=end].join("\n"),
            },
            end + 1,
        );
    }
    let kind = if first.starts_with("file,") {
        BodyKind::File
    } else {
        BodyKind::Bytes
    };
    (
        Body {
            line,
            kind,
            text: first.to_string(),
        },
        start + 1,
    )
}

// ---------------------------------------------------------------- tokens of captures and asserts

#[derive(Clone, Debug, PartialEq)]
enum Token {
    /// `"text"`, escapes resolved.
    Quoted(String),
    /// `/regex/`
    Regex(String),
    /// Anything else: a word, a number, an operator, `{{name}}`.
    Word(String),
}

fn tokens(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' {
            chars.next();
            let mut value = String::new();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => match chars.next()? {
                        'n' => value.push('\n'),
                        't' => value.push('\t'),
                        'r' => value.push('\r'),
                        other => value.push(other),
                    },
                    other => value.push(other),
                }
            }
            tokens.push(Token::Quoted(value));
        } else if c == '/'
            && tokens
                .last()
                .is_some_and(|last| matches!(last, Token::Word(word) if word == "matches"))
        {
            chars.next();
            let mut value = String::new();
            loop {
                match chars.next()? {
                    '/' => break,
                    '\\' => {
                        let escaped = chars.next()?;
                        if escaped != '/' {
                            value.push('\\');
                        }
                        value.push(escaped);
                    }
                    other => value.push(other),
                }
            }
            tokens.push(Token::Regex(value));
        } else {
            let mut word = String::new();
            while let Some(&next) = chars.peek() {
                if next.is_whitespace() {
                    break;
                }
                word.push(next);
                chars.next();
            }
            tokens.push(Token::Word(word));
        }
    }
    Some(tokens)
}

// ---------------------------------------------------------------- translation

struct Importer {
    names: Names,
    notes: Vec<Note>,
    /// How deep the current entry's statements are (1 in the test, 2 in a `retry`).
    depth: usize,
    /// The `.rit` names of captures, to spot those that nothing reads.
    captures: Vec<String>,
}

/// Why a piece has no translation (the note's message).
type Untranslatable = String;

impl Importer {
    fn untranslated(&mut self, out: &mut Lines, line: usize, what: &str, original: &str) {
        out.line(format!("# not translated ({what}): {original}"));
        self.notes.push(Note {
            location: format!("line {line}"),
            message: what.to_string(),
        });
    }

    fn string(&mut self, text: &str) -> String {
        string_literal(text, &mut self.names)
    }

    /// A Hurl value in a header, query or form: text with `{{ }}`.
    fn text_value(&mut self, text: &str) -> String {
        let text = text.trim();
        let unquoted = text
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
            .map(|inner| inner.replace("\\\"", "\"").replace("\\\\", "\\"));
        let text = unquoted.unwrap_or_else(|| text.to_string());
        self.string(&text)
    }

    fn file(&mut self, stem: &str, entries: &[Entry]) -> Translation {
        let mut body = Lines::default();
        for (index, entry) in entries.iter().enumerate() {
            if index > 0 {
                body.blank();
            }
            self.entry(&mut body, entry);
        }
        let mut out = Lines::default();
        out.line("# Imported by `ritc import` from a Hurl file.");
        out.line(format!("suite {}", quoted(stem)));
        let undefined: Vec<(String, String)> = self
            .names
            .undefined
            .iter()
            .map(|(spelling, name)| (spelling.clone(), name.clone()))
            .collect();
        if !undefined.is_empty() {
            out.blank();
            out.line(
                "# Hurl variables (`--variable name=value`) are params here: --param name=value.",
            );
            for (spelling, name) in undefined {
                if spelling == *name {
                    out.line(format!("param {name}: string"));
                } else {
                    out.line(format!(
                        "param {name}: string  # `{{{{{spelling}}}}}` in the Hurl file"
                    ));
                }
            }
        }
        out.blank();
        out.open(format!("test {} {{", quoted(stem)));
        out.append(body);
        out.close();
        Translation {
            rit: self
                .names
                .silence_unused_captures(&out.text(), &self.captures),
            notes: std::mem::take(&mut self.notes),
        }
    }

    fn entry(&mut self, out: &mut Lines, entry: &Entry) {
        let request_line = entry
            .request
            .as_ref()
            .map_or(usize::MAX, |request| request.line);
        for (_, comment) in entry
            .comments
            .iter()
            .filter(|(line, _)| *line < request_line)
        {
            out.line(comment);
        }
        for (line, text) in &entry.unparsed {
            self.untranslated(
                out,
                *line,
                "a line that is not Hurl this importer knows",
                text,
            );
        }
        let Some(request) = &entry.request else {
            return;
        };
        if !["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
            .contains(&request.method.as_str())
        {
            // Sending it as another method would change what it tests: the whole
            // entry stays out, and so do its asserts, which would read the step before.
            let what = format!("the method {} (the whole entry)", request.method);
            let original = format!("{} {}", request.method, request.url);
            self.untranslated(out, request.line, &what, &original);
            return;
        }
        self.depth = if retries(request) { 2 } else { 1 };
        let mut step = Lines::default();
        let retry = self.request(&mut step, request);
        for (_, comment) in entry
            .comments
            .iter()
            .filter(|(line, _)| *line == request_line)
        {
            step.trail(comment);
        }
        if let Some(response) = &entry.response {
            self.response(&mut step, response);
        }
        for (_, comment) in entry
            .comments
            .iter()
            .filter(|(line, _)| *line > request_line)
        {
            step.line(comment);
        }
        match retry {
            Some(retry) => {
                out.open(format!("{retry} {{"));
                out.append(step);
                out.close();
            }
            None => out.append(step),
        }
    }

    /// Writes the request to `out` (after the `let`s of `[Options]` and the notes),
    /// and returns the `retry … every …` that wraps the entry when `[Options]` asks
    /// for retries.
    fn request(&mut self, out: &mut Lines, request: &Request) -> Option<String> {
        let mut prefix = Lines::default();
        let mut clauses: Vec<String> = Vec::new();
        let method = request.method.clone();
        let url = self.string(&request.url);
        let mut headers: Vec<(String, String)> = Vec::new();
        for header in &request.headers {
            let value = self.text_value(&header.value);
            headers.push((header.key.clone(), value));
        }
        let mut cookies: Vec<String> = Vec::new();
        let mut retry: Option<String> = None;
        let mut retry_interval = "1s".to_string();
        let mut sent_body = false;
        for section in &request.sections {
            match section.name.as_str() {
                "Query" | "QueryStringParams" => {
                    let object = self.object(&mut prefix, &section.pairs);
                    clauses.push(format!("query {object}"));
                }
                "Form" | "FormParams" => {
                    let object = self.object(&mut prefix, &section.pairs);
                    clauses.push(format!("form {object}"));
                    sent_body = true;
                }
                "Multipart" | "MultipartFormData" => {
                    let parts = self.multipart(&mut prefix, &section.pairs);
                    clauses.push(format!("multipart {parts}"));
                    sent_body = true;
                }
                "Cookies" => {
                    for cookie in &section.pairs {
                        cookies.push(format!("{}={}", cookie.key, cookie.value.trim_matches('"')));
                    }
                }
                "BasicAuth" => match section.pairs.first() {
                    Some(credentials)
                        if !credentials.key.contains("{{") && !credentials.value.contains("{{") =>
                    {
                        let user_password =
                            quoted(&format!("{}:{}", credentials.key, credentials.value));
                        headers.push((
                            "Authorization".to_string(),
                            format!("\"Basic {{{{base64({user_password})}}}}\""),
                        ));
                    }
                    _ => {
                        for (line, text) in &section.lines {
                            self.untranslated(
                                &mut prefix,
                                *line,
                                "[BasicAuth] with variables",
                                text,
                            );
                        }
                    }
                },
                "Options" => {
                    for option in &section.pairs {
                        let value = option.value.trim();
                        match (option.key.as_str(), value) {
                            ("insecure", "true") => clauses.push("insecure".to_string()),
                            ("location" | "follow-location", "true") => {
                                clauses.push("follow redirects".to_string())
                            }
                            ("insecure" | "location" | "follow-location", "false") => {}
                            ("retry", count) if count.parse::<u32>().is_ok() => {
                                retry = Some(count.to_string())
                            }
                            ("retry", "-1") => retry = Some("100".to_string()),
                            ("retry-interval", interval) => match hurl_duration(interval) {
                                Some(duration) => retry_interval = duration,
                                None => self.untranslated(
                                    &mut prefix,
                                    option.line,
                                    "this retry interval",
                                    value,
                                ),
                            },
                            ("max-time" | "timeout", limit) => match hurl_duration(limit) {
                                Some(duration) => clauses.push(format!("timeout {duration}")),
                                None => self.untranslated(
                                    &mut prefix,
                                    option.line,
                                    "this time limit",
                                    value,
                                ),
                            },
                            ("variable", definition) => match definition.split_once('=') {
                                Some((name, value)) if is_variable(name.trim()) => {
                                    let value = self.text_value(value);
                                    let name = self.names.define(name.trim());
                                    prefix.line(format!("let {name} = {value}"));
                                }
                                _ => self.untranslated(
                                    &mut prefix,
                                    option.line,
                                    "this variable option",
                                    definition,
                                ),
                            },
                            (name, _) => self.untranslated(
                                &mut prefix,
                                option.line,
                                &format!("the option `{name}`"),
                                &format!("{name}: {value}"),
                            ),
                        }
                    }
                }
                other => {
                    for (line, text) in
                        std::iter::once(&(section.line, format!("[{other}]"))).chain(&section.lines)
                    {
                        self.untranslated(
                            &mut prefix,
                            *line,
                            &format!("the section [{other}] in a request"),
                            text,
                        );
                    }
                }
            }
        }
        if !cookies.is_empty() {
            let value = self.string(&cookies.join("; "));
            headers.push(("Cookie".to_string(), value));
        }
        if let Some(body) = &request.body {
            if sent_body {
                self.untranslated(
                    &mut prefix,
                    body.line,
                    "a body besides a form",
                    body.text.lines().next().unwrap_or_default(),
                );
            } else {
                match self.request_body(body) {
                    Ok((clause, content_type)) => {
                        clauses.push(clause);
                        let has_type = headers
                            .iter()
                            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
                        if let Some(content_type) = content_type.filter(|_| !has_type) {
                            headers.push(("Content-Type".to_string(), quoted(content_type)));
                        }
                    }
                    Err(why) => {
                        for (offset, text) in body.text.lines().enumerate() {
                            self.untranslated(&mut prefix, body.line + offset, &why, text);
                        }
                    }
                }
            }
        }
        if !headers.is_empty() {
            let entries: Vec<String> = headers
                .iter()
                .map(|(name, value)| format!("{}: {value}", object_key(name)))
                .collect();
            clauses.insert(0, format!("headers {{ {} }}", entries.join(", ")));
        }
        let mut head = format!("{method} {url}");
        for clause in clauses {
            head.push(' ');
            head.push_str(&clause);
        }
        // What `[Options]` defines (`let`) and what could not be translated come
        // before the request, as Hurl applies them before sending it.
        out.append(prefix);
        out.line(&head);
        retry.map(|count| format!("retry {count} every {retry_interval}"))
    }

    fn object(&mut self, out: &mut Lines, pairs: &[Pair]) -> String {
        let mut seen: Vec<&str> = Vec::new();
        let mut entries = Vec::new();
        for pair in pairs {
            if seen.contains(&pair.key.as_str()) {
                self.untranslated(
                    out,
                    pair.line,
                    "a repeated name (a `.rit` object has each key once)",
                    &format!("{}: {}", pair.key, pair.value),
                );
                continue;
            }
            seen.push(&pair.key);
            let value = self.text_value(&pair.value);
            entries.push(format!("{}: {value}", object_key(&pair.key)));
        }
        if entries.is_empty() {
            "{}".to_string()
        } else {
            format!("{{ {} }}", entries.join(", "))
        }
    }

    /// `[Multipart]`: text fields, and `file,path; type` parts.
    fn multipart(&mut self, out: &mut Lines, pairs: &[Pair]) -> String {
        let mut entries = Vec::new();
        for pair in pairs {
            let value = pair.value.trim();
            let expression = match value.strip_prefix("file,") {
                Some(rest) => {
                    let (path, content_type) = rest.split_once(';').unwrap_or((rest, ""));
                    let content_type = content_type.trim();
                    let path = self.string(path.trim());
                    if content_type.is_empty() {
                        format!("file({path})")
                    } else {
                        format!("file({path}, type: {})", quoted(content_type))
                    }
                }
                None => self.text_value(value),
            };
            if entries
                .iter()
                .any(|entry: &String| entry.starts_with(&format!("{}:", object_key(&pair.key))))
            {
                self.untranslated(out, pair.line, "a repeated part name", value);
                continue;
            }
            entries.push(format!("{}: {expression}", object_key(&pair.key)));
        }
        format!("{{ {} }}", entries.join(", "))
    }

    /// The body clause of a request and the content type it implies.
    fn request_body(
        &mut self,
        body: &Body,
    ) -> Result<(String, Option<&'static str>), Untranslatable> {
        match body.kind {
            BodyKind::Json => match parse_json_with_variables(&body.text) {
                Some(value) => {
                    let expression = json_expression(&value, &mut self.names)
                        .ok_or_else(|| "a JSON value with no `.rit` form".to_string())?;
                    Ok((format!("json {expression}"), None))
                }
                None => {
                    let text = self.block_string(&body.text);
                    Ok((format!("body {text}"), Some("application/json")))
                }
            },
            BodyKind::Text => {
                let text = if body.text.contains('\n') {
                    self.block_string(&body.text)
                } else {
                    self.string(&body.text)
                };
                let content_type = body
                    .text
                    .trim_start()
                    .starts_with('<')
                    .then_some("application/xml");
                Ok((format!("body {text}"), content_type))
            }
            BodyKind::File => {
                let path = body
                    .text
                    .trim_start_matches("file,")
                    .trim_end_matches(';')
                    .trim();
                let path = self.string(path);
                Ok((format!("body read({path})"), None))
            }
            BodyKind::Bytes => Err("a base64 or hex body".to_string()),
        }
    }

    fn block_string(&mut self, text: &str) -> String {
        block_literal(text, &mut self.names, self.depth)
    }

    fn response(&mut self, out: &mut Lines, response: &Response) {
        if let Some(status) = &response.status {
            if status.parse::<u16>().is_ok() {
                out.line(format!("expect status == {status}"));
            } else {
                self.untranslated(out, response.line, "this status", status);
            }
        }
        for header in &response.headers {
            let value = self.text_value(&header.value);
            out.line(format!(
                "expect headers[{}] == {value}",
                quoted(&header.key.to_ascii_lowercase())
            ));
        }
        for section in &response.sections {
            match section.name.as_str() {
                "Captures" => {
                    for (line, text) in &section.lines {
                        self.capture(out, *line, text);
                    }
                }
                "Asserts" => {
                    for (line, text) in &section.lines {
                        match self.assertion(text) {
                            Ok(condition) => out.line(format!("expect {condition}")),
                            Err(why) => self.untranslated(out, *line, &why, text),
                        }
                    }
                }
                other => {
                    for (line, text) in
                        std::iter::once(&(section.line, format!("[{other}]"))).chain(&section.lines)
                    {
                        self.untranslated(
                            out,
                            *line,
                            &format!("the section [{other}] in a response"),
                            text,
                        );
                    }
                }
            }
        }
        if let Some(body) = &response.body {
            match body.kind {
                BodyKind::Json => match parse_json_with_variables(&body.text)
                    .and_then(|value| json_expression(&value, &mut self.names))
                {
                    Some(expected) => out.line(format!("expect json == {expected}")),
                    None => {
                        for (offset, text) in body.text.lines().enumerate() {
                            self.untranslated(
                                out,
                                body.line + offset,
                                "a response body that is not plain JSON",
                                text,
                            );
                        }
                    }
                },
                BodyKind::Text => {
                    let expected = if body.text.contains('\n') {
                        self.block_string(&body.text)
                    } else {
                        self.string(&body.text)
                    };
                    out.line(format!("expect body == {expected}"));
                }
                BodyKind::File => {
                    let path = body
                        .text
                        .trim_start_matches("file,")
                        .trim_end_matches(';')
                        .trim();
                    let path = self.string(path);
                    out.line(format!("expect body == read({path})"));
                }
                BodyKind::Bytes => {
                    self.untranslated(out, body.line, "a base64 or hex response body", &body.text)
                }
            }
        }
    }

    fn capture(&mut self, out: &mut Lines, line: usize, text: &str) {
        let Some((name, query)) = split_key(text) else {
            self.untranslated(out, line, "a capture that is not `name: query`", text);
            return;
        };
        let translated = tokens(&query)
            .ok_or_else(|| "an unterminated string".to_string())
            .and_then(|tokens| {
                let mut position = 0;
                let (expression, _) = self.query(&tokens, &mut position)?;
                match tokens.get(position) {
                    None => Ok(expression),
                    Some(_) => Err("a capture with more than a query and filters".to_string()),
                }
            });
        match translated {
            Ok(expression) => {
                let variable = self.names.define(&name);
                self.captures.push(variable.clone());
                out.line(format!("let {variable} = {expression}"));
            }
            Err(why) => self.untranslated(out, line, &why, text),
        }
    }

    /// `QUERY [FILTER…]` from `tokens[position..]`, advancing `position`: the
    /// expression and the kind of value it gives.
    fn query(
        &mut self,
        tokens: &[Token],
        position: &mut usize,
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
            "header" => {
                let header = argument(tokens.get(*position))?;
                *position += 1;
                (
                    format!("headers[{}]", quoted(&header.to_ascii_lowercase())),
                    Kind::Text,
                )
            }
            "cookie" => {
                let cookie = argument(tokens.get(*position))?;
                *position += 1;
                if cookie.contains('[') {
                    return Err("a cookie attribute query".to_string());
                }
                (format!("cookies[{}]", quoted(&cookie)), Kind::Text)
            }
            "jsonpath" => {
                let path = argument(tokens.get(*position))?;
                *position += 1;
                (jsonpath("json", &path)?, Kind::Json)
            }
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
            let next = tokens.get(*position + 1);
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
                    (jsonpath(&format!("json({expression})"), &path)?, Kind::Json)
                }
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
    fn assertion(&mut self, text: &str) -> Result<String, Untranslatable> {
        let tokens = tokens(text).ok_or_else(|| "an unterminated string".to_string())?;
        let mut position = 0;
        let (subject, kind) = self.query(&tokens, &mut position)?;
        let mut negated = false;
        if tokens.get(position) == Some(&Token::Word("not".to_string())) {
            negated = true;
            position += 1;
        }
        let Some(Token::Word(predicate)) = tokens.get(position) else {
            return Err("an assert without a predicate".to_string());
        };
        position += 1;
        let value = tokens.get(position);
        if value.is_some() && tokens.len() > position + 1 {
            return Err("an assert with more than one value".to_string());
        }
        let operand = |importer: &mut Importer| -> Result<String, Untranslatable> {
            let value = value.ok_or_else(|| format!("a `{predicate}` without its value"))?;
            importer.value(value, kind)
        };
        let condition = match predicate.as_str() {
            "==" | "!=" | ">" | ">=" | "<" | "<=" => {
                format!("{subject} {predicate} {}", operand(self)?)
            }
            "contains" | "includes" => format!("{subject} contains {}", operand(self)?),
            "matches" => match value {
                Some(Token::Quoted(pattern) | Token::Regex(pattern)) => {
                    format!("{subject} matches {}", quoted(pattern))
                }
                _ => return Err("a `matches` whose pattern is not a literal".to_string()),
            },
            "startsWith" | "endsWith" => match value {
                Some(Token::Quoted(prefix)) => {
                    let escaped = regex::escape(prefix);
                    let pattern = if predicate == "startsWith" {
                        format!("^{escaped}")
                    } else {
                        format!("{escaped}$")
                    };
                    format!("{subject} matches {}", quoted(&pattern))
                }
                _ => {
                    return Err(format!(
                        "a `{predicate}` whose value is not a literal string"
                    ));
                }
            },
            "exists" => format!("{subject} exists"),
            "isString" => format!("{subject} is string"),
            "isInteger" => format!("{subject} is int"),
            "isFloat" => format!("{subject} is float"),
            "isNumber" => format!("{subject} is number"),
            "isBoolean" => format!("{subject} is bool"),
            "isList" => format!("{subject} is array"),
            "isObject" => format!("{subject} is object"),
            "isCollection" => format!("({subject} is array or {subject} is object)"),
            "isEmpty" => format!("len({subject}) == 0"),
            other => return Err(format!("the `{other}` predicate")),
        };
        Ok(if negated {
            format!("not ({condition})")
        } else {
            condition
        })
    }

    /// A value compared with a query of `kind`, written so that the comparison
    /// type-checks: a number compared with text is quoted, a quoted number compared
    /// with a number is not, milliseconds compared with `duration` get their unit.
    fn value(&mut self, token: &Token, kind: Kind) -> Result<String, Untranslatable> {
        let numeric = |text: &str| {
            text.parse::<f64>().is_ok_and(f64::is_finite)
                && !text.contains(['e', 'E', 'i', 'n', 'I', 'N'])
        };
        match token {
            Token::Quoted(text) if matches!(kind, Kind::Int | Kind::Float) && numeric(text) => {
                number(text)
            }
            Token::Quoted(text) => Ok(self.string(text)),
            Token::Regex(pattern) => Ok(quoted(pattern)),
            Token::Word(word) => {
                if let Some(variable) = whole_variable(word) {
                    let name = self.names.reference(variable);
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
enum Kind {
    Int,
    Float,
    Text,
    Duration,
    /// JSON: compares with anything; checked when the test runs.
    Json,
}

/// A number as `.rit` writes it (`+1` → `1`, `.5` → `0.5`, `-3` → `-3`).
fn number(text: &str) -> Result<String, Untranslatable> {
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

/// True when the request's `[Options]` ask for retries.
fn retries(request: &Request) -> bool {
    request
        .sections
        .iter()
        .filter(|section| section.name == "Options")
        .any(|section| {
            section
                .pairs
                .iter()
                .any(|pair| pair.key == "retry" && pair.value.trim() != "0")
        })
}

fn is_filter(word: &str) -> bool {
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

/// A JSONPath of the simple kind (`$.a.b[0]['c']`) on `root`.
fn jsonpath(root: &str, path: &str) -> Result<String, Untranslatable> {
    let rest = path
        .trim()
        .strip_prefix('$')
        .ok_or_else(|| format!("the JSONPath `{path}` (it does not start at `$`)"))?;
    if rest.starts_with("..") || rest.contains('*') || rest.contains('?') || rest.contains(':') {
        return Err(format!(
            "the JSONPath `{path}` (wildcards, filters and slices have no `.rit` form)"
        ));
    }
    let suffix = path_suffix(rest).ok_or_else(|| format!("the JSONPath `{path}`"))?;
    Ok(format!("{root}{suffix}"))
}

/// `500` (milliseconds), `500ms`, `2s`, `1m` → a `.rit` duration.
fn hurl_duration(text: &str) -> Option<String> {
    let text = text.trim();
    if let Ok(millis) = text.parse::<u64>() {
        return Some(literal_duration_from_millis(millis as f64));
    }
    let digits_end = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(digits_end);
    number.parse::<u64>().ok()?;
    ["ms", "s", "m", "h"]
        .contains(&unit)
        .then(|| text.to_string())
}

/// Parses a Hurl JSON body, where `{{name}}` may stand unquoted for a value.
fn parse_json_with_variables(text: &str) -> Option<serde_json::Value> {
    let mut replaced = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !in_string
            && let Some(after) = rest.strip_prefix("{{")
            && let Some(end) = after.find("}}")
            && is_variable(after[..end].trim())
        {
            let name = after[..end].trim();
            replaced
                .push_str(&serde_json::to_string(&format!("{JSON_VARIABLE_SENTINEL}{name}")).ok()?);
            rest = &after[end + 2..];
            continue;
        }
        if in_string {
            match c {
                '\\' if !escaped => {
                    escaped = true;
                    replaced.push(c);
                    rest = &rest[c.len_utf8()..];
                    continue;
                }
                '"' if !escaped => in_string = false,
                _ => {}
            }
            escaped = false;
        } else if c == '"' {
            in_string = true;
        }
        replaced.push(c);
        rest = &rest[c.len_utf8()..];
    }
    serde_json::from_str(&replaced).ok()
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
    }

    #[test]
    fn unquoted_variables_in_json_bodies() {
        let value = parse_json_with_variables("{\"id\": {{id}}, \"name\": \"{{name}}\"}");
        let mut names = Names::default();
        let expression = value.and_then(|value| json_expression(&value, &mut names));
        assert_eq!(
            expression.as_deref(),
            Some("{ id: id, name: \"{{name}}\" }")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(hurl_duration("500").as_deref(), Some("500ms"));
        assert_eq!(hurl_duration("2s").as_deref(), Some("2s"));
        assert_eq!(hurl_duration("2sec"), None);
    }
}
