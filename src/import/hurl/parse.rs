//! Reading a Hurl file into entries (request, response, sections, bodies) and the
//! tokens of its captures and asserts. Knows nothing of `.rit`.

/// One line of a section (`name: value`), with its line number.
#[derive(Clone, Debug)]
pub(super) struct Pair {
    pub(super) line: usize,
    pub(super) key: String,
    pub(super) value: String,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum BodyKind {
    Json,
    /// ```` ``` ```` text, `` ` `` text, XML.
    Text,
    /// `file,path;`
    File,
    /// `base64,…;`, `hex,…;`: no `.rit` form.
    Bytes,
}

#[derive(Clone, Debug)]
pub(super) struct Body {
    pub(super) line: usize,
    pub(super) kind: BodyKind,
    pub(super) text: String,
    /// The language after an opening ```` ``` ```` (`json`, `xml`, `graphql`, …).
    pub(super) hint: Option<String>,
}

#[derive(Clone, Debug)]
pub(super) struct Section {
    pub(super) line: usize,
    pub(super) name: String,
    pub(super) pairs: Vec<Pair>,
    /// `[Asserts]` lines are not pairs.
    pub(super) lines: Vec<(usize, String)>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Request {
    pub(super) line: usize,
    pub(super) method: String,
    pub(super) url: String,
    pub(super) headers: Vec<Pair>,
    pub(super) sections: Vec<Section>,
    pub(super) body: Option<Body>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Response {
    pub(super) line: usize,
    /// `None` for `HTTP *`.
    pub(super) status: Option<String>,
    /// The version the status line asks for (`HTTP/2 200`: `HTTP/2`); `None`
    /// for plain `HTTP`, which takes any.
    pub(super) version: Option<String>,
    pub(super) headers: Vec<Pair>,
    pub(super) sections: Vec<Section>,
    pub(super) body: Option<Body>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Entry {
    /// Comments before the entry (and any inside it), in order.
    pub(super) comments: Vec<(usize, String)>,
    pub(super) request: Option<Request>,
    pub(super) response: Option<Response>,
    /// Lines that fit nowhere.
    pub(super) unparsed: Vec<(usize, String)>,
    /// The last line that was not a comment or blank.
    pub(super) last_content_line: usize,
}

pub(super) const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
];

pub(super) fn request_line(line: &str) -> Option<(String, String)> {
    let (method, rest) = line.split_once(char::is_whitespace)?;
    let is_method = METHODS.contains(&method)
        || (method.len() > 2 && method.chars().all(|c| c.is_ascii_uppercase()));
    (is_method && method != "HTTP" && !rest.trim().is_empty())
        .then(|| (method.to_string(), rest.trim().to_string()))
}

/// A status line, `HTTP[/VERSION] STATUS`: the version it asks for (`None` for
/// plain `HTTP`) and the status (`None` for `*`).
pub(super) struct StatusLine {
    pub(super) version: Option<String>,
    pub(super) status: Option<String>,
}

pub(super) fn response_line(line: &str) -> Option<StatusLine> {
    let rest = line.strip_prefix("HTTP")?;
    let (version, rest) = match ["/1.0", "/1.1", "/2", "/3"]
        .into_iter()
        .find_map(|version| Some((version, rest.strip_prefix(version)?)))
    {
        Some((version, rest)) => (Some(format!("HTTP{version}")), rest),
        None => (None, rest),
    };
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let status = rest.trim();
    if status.is_empty() {
        return None;
    }
    Some(StatusLine {
        version,
        status: (status != "*").then(|| status.to_string()),
    })
}

pub(super) fn section_name(line: &str) -> Option<String> {
    let name = line.strip_prefix('[')?.strip_suffix(']')?;
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric())).then(|| name.to_string())
}

/// `Name: value` (the name may hold `{{ }}`).
pub(super) fn pair(line: &str, number: usize) -> Option<Pair> {
    let (key, value) = split_key(line)?;
    Some(Pair {
        line: number,
        key: unescape(&key),
        value: unescape(&value),
    })
}

/// Hurl's escapes in a key or a value (`\n`, `\t`, `\"`, `\\`, `\#`, `\:`,
/// `\u{2708}`, …) resolved to the characters they stand for; an unknown one is
/// kept as written.
pub(super) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') if chars.peek() == Some(&'{') => {
                chars.next();
                let digits: String = chars.by_ref().take_while(|c| *c != '}').collect();
                match u32::from_str_radix(&digits, 16)
                    .ok()
                    .and_then(char::from_u32)
                {
                    Some(decoded) => out.push(decoded),
                    None => {
                        out.push_str("\\u{");
                        out.push_str(&digits);
                        out.push('}');
                    }
                }
            }
            Some(other @ ('"' | '\\' | '#' | ':' | '\'' | '{' | '}')) => out.push(other),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A bare JSON scalar on a line of its own (`"Hello"`, `100`, `true`, `null`):
/// a body, in Hurl.
fn is_json_scalar(line: &str) -> bool {
    matches!(
        serde_json::from_str::<serde_json::Value>(line),
        Ok(serde_json::Value::String(_)
            | serde_json::Value::Number(_)
            | serde_json::Value::Bool(_)
            | serde_json::Value::Null)
    )
}

/// Whether a line of a section opens a ```` ``` ```` string it does not close
/// (`body == ``` ` then lines, then ```` ``` ````).
fn opens_multiline(line: &str) -> bool {
    line.matches("```").count() % 2 == 1
}

pub(super) fn split_key(line: &str) -> Option<(String, String)> {
    let (key, value) = if let Some(rest) = line.strip_prefix('"') {
        let end = rest.find('"')?;
        let after = rest[end + 1..].trim_start().strip_prefix(':')?;
        (rest[..end].to_string(), after)
    } else {
        // `\:` is a colon inside the key.
        let colon = line
            .char_indices()
            .find(|(index, c)| *c == ':' && !line[..*index].ends_with('\\'))
            .map(|(index, _)| index)?;
        let (key, value) = (&line[..colon], &line[colon + 1..]);
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return None;
        }
        (key.to_string(), value)
    };
    Some((key, value.trim().to_string()))
}

/// A line without a trailing ` # comment` (a `#` outside quotes after a space).
pub(super) fn strip_comment(line: &str) -> (&str, Option<&str>) {
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
pub(super) fn json_extent(lines: &[&str], start: usize) -> usize {
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
pub(super) enum Part {
    Request,
    Response,
}

pub(super) fn parse(text: &str) -> Vec<Entry> {
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
            || trimmed.starts_with("hex,")
            || (is_json_scalar(trimmed) && response_line(trimmed).is_none());
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
        if let Some(StatusLine { version, status }) = response_line(line) {
            current.response = Some(Response {
                line: number,
                status,
                version,
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
                // A ```` ``` ```` value runs to its closing line: one logical line,
                // so that its closing fence does not open a body.
                let mut line = line.to_string();
                if opens_multiline(&line) {
                    while index < lines.len() {
                        let next = lines[index];
                        index += 1;
                        line.push('\n');
                        line.push_str(next);
                        if next.trim_start().starts_with("```") {
                            break;
                        }
                    }
                    current.last_content_line = index;
                }
                let line = line.as_str();
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
pub(super) fn read_body(lines: &[&str], start: usize) -> (Body, usize) {
    let first = lines[start].trim();
    let line = start + 1;
    if is_json_scalar(first) {
        return (
            Body {
                line,
                kind: BodyKind::Json,
                text: first.to_string(),
                hint: None,
            },
            start + 1,
        );
    }
    if first.starts_with('{') || first.starts_with('[') {
        let end = json_extent(lines, start);
        let text = lines[start..=end].join("\n");
        return (
            Body {
                line,
                kind: BodyKind::Json,
                text,
                hint: None,
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
                    hint: None,
                },
                start + 1,
            );
        }
        let mut end = start + 1;
        while end < lines.len() && !lines[end].trim_start().starts_with("```") {
            end += 1;
        }
        let text = lines[start + 1..end.min(lines.len())].join("\n") + "\n";
        let hint = rest.trim();
        return (
            Body {
                line,
                kind: BodyKind::Text,
                text,
                hint: (!hint.is_empty()).then(|| hint.to_string()),
            },
            end + 1,
        );
    }
    if let Some(rest) = first.strip_prefix('`') {
        let text = unescape(rest.strip_suffix('`').unwrap_or(rest));
        return (
            Body {
                line,
                kind: BodyKind::Text,
                text,
                hint: None,
            },
            start + 1,
        );
    }
    if first.starts_with('<') {
        // XML runs to the entry's next part: a blank line inside it does not end
        // it (cutting there lost the status line after it); blank and comment
        // lines at its end are not part of it.
        let mut end = start;
        let mut last = start;
        while end + 1 < lines.len() {
            let next = lines[end + 1].trim();
            if response_line(next).is_some()
                || request_line(next).is_some()
                || section_name(next).is_some()
            {
                break;
            }
            end += 1;
            if !next.is_empty() && !next.starts_with('#') {
                last = end;
            }
        }
        return (
            Body {
                line,
                kind: BodyKind::Text,
                text: lines[start..=last].join("\n"),
                hint: Some("xml".to_string()),
            },
            last + 1,
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
            hint: None,
        },
        start + 1,
    )
}

// ---------------------------------------------------------------- tokens of captures and asserts

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Token {
    /// `"text"`, escapes resolved.
    Quoted(String),
    /// `/regex/`
    Regex(String),
    /// Anything else: a word, a number, an operator, `{{name}}`.
    Word(String),
}

pub(super) fn tokens(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' {
            chars.next();
            let mut raw = String::new();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => {
                        raw.push('\\');
                        raw.push(chars.next()?);
                    }
                    other => raw.push(other),
                }
            }
            tokens.push(Token::Quoted(unescape(&raw)));
        } else if c == '`' {
            // ```` ```…``` ```` (its text starts after the opening line) or `` `…` ``.
            let rest: String = chars.clone().collect();
            if let Some(after) = rest.strip_prefix("```") {
                let end = after.find("```")?;
                let inner = &after[..end];
                let text = match inner.split_once('\n') {
                    Some((_hint, text)) => text.to_string(),
                    None => inner.to_string(),
                };
                tokens.push(Token::Quoted(text));
                for _ in 0..(3 + inner.chars().count() + 3) {
                    chars.next();
                }
            } else {
                chars.next();
                let mut raw = String::new();
                loop {
                    match chars.next()? {
                        '`' => break,
                        other => raw.push(other),
                    }
                }
                tokens.push(Token::Quoted(unescape(&raw)));
            }
        } else if c == '/'
            && tokens.last().is_some_and(
                |last| matches!(last, Token::Word(word) if word == "matches" || word == "regex"),
            )
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
