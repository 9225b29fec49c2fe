//! Writing `.rit` for the entries of a Hurl file: the test, each request with its
//! clauses and bodies, the response's status, headers and body. Captures and
//! asserts are `queries`.

use super::parse::{Body, BodyKind, Entry, Pair, Request, Response};
use crate::import::rit::{
    JSON_VARIABLE_SENTINEL, Lines, Names, Note, Translation, block_literal, is_variable,
    json_expression, object_key, quoted, string_literal,
};
use crate::units::literal_duration_from_millis;

pub(super) struct Importer {
    pub(super) names: Names,
    pub(super) notes: Vec<Note>,
    /// How deep the current entry's statements are (1 in the test, 2 in a `retry`).
    pub(super) depth: usize,
    /// The `.rit` names of captures, to spot those that nothing reads.
    pub(super) captures: Vec<String>,
    /// The Hurl line being translated, for notes about its values.
    pub(super) line: usize,
    /// The current entry's `skip: {{name}}` is its `if` (so the option is
    /// not reported as untranslated).
    pub(super) skip_by_variable: bool,
}

/// Why a piece has no translation (the note's message).
pub(super) type Untranslatable = String;

impl Importer {
    pub(super) fn untranslated(
        &mut self,
        out: &mut Lines,
        line: usize,
        what: &str,
        original: &str,
    ) {
        // A ```` ``` ```` value spans lines: each stays behind a `#`.
        let mut lines = original.lines();
        out.line(format!(
            "# not translated ({what}): {}",
            lines.next().unwrap_or_default()
        ));
        for more in lines {
            out.line(format!("#   {more}"));
        }
        self.notes.push(Note {
            location: format!("line {line}"),
            message: what.to_string(),
        });
    }

    /// A part translated to the nearest `.rit` form, whose meaning differs from
    /// Hurl's: kept, with a comment and a note that say how.
    pub(super) fn inexact(&mut self, out: &mut Lines, line: usize, how: &str, original: &str) {
        out.line(format!("# not translated exactly ({how}): {original}"));
        self.notes.push(Note {
            location: format!("line {line}"),
            message: how.to_string(),
        });
    }

    pub(super) fn string(&mut self, text: &str) -> String {
        let text = self.writable(text);
        let literal = string_literal(&text, &mut self.names);
        self.report_unreadable_templates();
        literal
    }

    /// Each `{{ }}` the last string held that is neither a variable nor a
    /// function `.rit` has (Hurl fails on it: an undefined variable), reported
    /// at the current line: it went into the string as literal text.
    fn report_unreadable_templates(&mut self) {
        for template in self.names.take_unreadable() {
            self.notes.push(Note {
                location: format!("line {}", self.line),
                message: format!(
                    "the template `{template}` (neither a variable nor a function `.rit` has): \
                     written as literal text"
                ),
            });
        }
    }

    /// `text` without the control characters a `.rit` string cannot hold (a
    /// carriage return, `\b`, `\f`, …: only `\n` and `\t` have escapes), each
    /// reported at the current line: the translation sends something else.
    fn writable(&mut self, text: &str) -> String {
        if !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return text.to_string();
        }
        self.notes.push(Note {
            location: format!("line {}", self.line),
            message: "a control character (\\r, \\b, \\f, …) that a `.rit` string cannot \
                      hold: the value is sent without it"
                .to_string(),
        });
        text.chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect()
    }

    /// A Hurl value in a header, query or form: text with `{{ }}`. Quotes are
    /// part of the value in Hurl (`If-Match: "e0023aa4e"` sends the quotes).
    pub(super) fn text_value(&mut self, text: &str) -> String {
        self.string(text.trim())
    }

    /// The condition under which an entry with `skip: {{spelling}}` runs: a
    /// variable nothing defines is a `bool` param (`--param name=true`, as
    /// Hurl's `--variable name=true`); a capture or `[Options]` variable is
    /// JSON, and skips only when it is `true`.
    fn unless(&mut self, spelling: &str) -> String {
        let defined = self.names.is_defined(spelling);
        let name = self.names.reference(spelling);
        if defined {
            format!("{name} != true")
        } else {
            self.names.bool_values.insert(spelling.to_string());
            format!("not {name}")
        }
    }

    /// The value of `variable: name=value` as Hurl types it: `true`, `false`,
    /// `null`, a number, a `"quoted"` string, else the text.
    fn variable_value(&mut self, value: &str) -> String {
        let value = value.trim();
        if matches!(value, "true" | "false" | "null") {
            return value.to_string();
        }
        if value.parse::<i64>().is_ok()
            || (value.parse::<f64>().is_ok_and(f64::is_finite)
                && value
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-')))
        {
            return super::queries::number(value).unwrap_or_else(|_| quoted(value));
        }
        match value
            .strip_prefix('"')
            .and_then(|inner| inner.strip_suffix('"'))
        {
            Some(inner) => self.string(&super::parse::unescape(inner)),
            None => self.string(value),
        }
    }

    pub(super) fn file(&mut self, stem: &str, entries: &[Entry]) -> Translation {
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
                // Hurl reads `--variable id=7` as the number 7: where the value
                // stands unquoted in a JSON body, the param is json (`7` → 7,
                // `true` → true, text that is not JSON → a string).
                let ty = if self.names.json_values.contains(&spelling) {
                    "json"
                } else if self.names.bool_values.contains(&spelling) {
                    // `skip: {{flag}}`.
                    "bool"
                } else {
                    "string"
                };
                if spelling == *name {
                    out.line(format!("param {name}: {ty}"));
                } else {
                    out.line(format!(
                        "param {name}: {ty}  # `{{{{{spelling}}}}}` in the Hurl file"
                    ));
                }
            }
        }
        out.blank();
        out.line("# Hurl sends no `Accept-Encoding` unless an entry says `compressed`; ritc");
        out.line("# would ask for gzip, deflate, br and zstd.");
        out.open("defaults {");
        out.line("headers { \"Accept-Encoding\": \"identity\" }");
        out.close();
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

    pub(super) fn entry(&mut self, out: &mut Lines, entry: &Entry) {
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
        let skip = skip_of(request, entry.response.as_ref());
        let skipped = skip != Skip::Never;
        self.skip_by_variable = matches!(skip, Skip::When(_));
        self.depth = 1 + usize::from(retries(request)) + usize::from(skipped);
        // A skipped entry's captures never get a value under Hurl: a later
        // entry that reads one fails there. They are declared as null before
        // the `if`, so such a read fails at its use here too (and checks).
        let mut response = entry.response.clone();
        if skip == Skip::Always {
            out.line("# Hurl `skip: true`: this entry is not sent and its asserts do not run.");
            if let Some(response) = response.as_mut() {
                for section in response.sections.iter().filter(|s| s.name == "Captures") {
                    for (_, text) in &section.lines {
                        if let Some((name, _)) = super::parse::split_key(text) {
                            let variable = self.names.define(&name);
                            self.captures.push(variable.clone());
                            out.line(format!("let {variable} = json(\"null\")"));
                        }
                    }
                }
                response
                    .sections
                    .retain(|section| section.name != "Captures");
            }
        }
        let mut step = Lines::default();
        let retry = self.request(&mut step, request);
        for (_, comment) in entry
            .comments
            .iter()
            .filter(|(line, _)| *line == request_line)
        {
            step.trail(comment);
        }
        if let Some(response) = &response {
            self.response(&mut step, response);
        }
        for (_, comment) in entry
            .comments
            .iter()
            .filter(|(line, _)| *line > request_line)
        {
            step.line(comment);
        }
        let step = match retry {
            Some(retry) => {
                let mut wrapped = Lines::default();
                wrapped.open(format!("{retry} {{"));
                wrapped.append(step);
                wrapped.close();
                wrapped
            }
            None => step,
        };
        match skip {
            Skip::Never => out.append(step),
            Skip::Always => {
                out.open("if false {");
                out.append(step);
                out.close();
            }
            Skip::When(variable) => {
                let condition = self.unless(&variable);
                out.open(format!("if {condition} {{"));
                out.append(step);
                out.close();
            }
        }
    }

    /// Writes the request to `out` (after the `let`s of `[Options]` and the notes),
    /// and returns the `retry … every …` that wraps the entry when `[Options]` asks
    /// for retries.
    pub(super) fn request(&mut self, out: &mut Lines, request: &Request) -> Option<String> {
        let mut prefix = Lines::default();
        let mut clauses: Vec<String> = Vec::new();
        let method = request.method.clone();
        self.line = request.line;
        // `[Options]` variables hold for the whole entry, its URL included.
        for option in request
            .sections
            .iter()
            .filter(|section| section.name == "Options")
            .flat_map(|section| &section.pairs)
            .filter(|option| option.key == "variable")
        {
            self.line = option.line;
            match option.value.split_once('=') {
                Some((name, value)) if is_variable(name.trim()) => {
                    let value = self.variable_value(value);
                    let name = self.names.define(name.trim());
                    prefix.line(format!("let {name} = {value}"));
                }
                _ => self.untranslated(
                    &mut prefix,
                    option.line,
                    "this variable option",
                    &option.value,
                ),
            }
        }
        self.line = request.line;
        let mut url = self.string(&request.url);
        if writes_values_as_they_are(&request.url) {
            // ritc encodes a value in a URL template for the part it stands in; a
            // value built into a text first goes as it is, as Hurl sends it.
            let name = self.names.fresh("request_url");
            prefix.line(format!("let {name} = {url}"));
            url = name;
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        for header in &request.headers {
            self.line = header.line;
            let value = self.text_value(&header.value);
            headers.push((header.key.clone(), value));
        }
        let mut cookies: Vec<String> = Vec::new();
        let mut retry: Option<String> = None;
        let mut retry_interval = "1s".to_string();
        let mut connection = ConnectionOptions::default();
        let mut sent_body = false;
        for section in &request.sections {
            match section.name.as_str() {
                "Query" | "QueryStringParams" => {
                    let object = self.object(&mut prefix, &section.pairs);
                    clauses.push(format!("query {object}"));
                }
                // Hurl sends an empty [Form] or [Multipart] as no body at all, with
                // no content type: so does the request without a body clause.
                "Form" | "FormParams" | "Multipart" | "MultipartFormData"
                    if section.pairs.is_empty() => {}
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
                        cookies.push(format!("{}={}", cookie.key, cookie.value));
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
                            (name, _) if connection.takes(name) => {
                                self.line = option.line;
                                if let Err(why) = connection.read(name, value, self) {
                                    self.untranslated(
                                        &mut prefix,
                                        option.line,
                                        &why,
                                        &format!("{name}: {value}"),
                                    );
                                }
                            }
                            ("retry", count) if count.parse::<u32>().is_ok() => {
                                retry = Some(count.to_string())
                            }
                            ("retry", "-1") => {
                                retry = Some(UNLIMITED_RETRIES.to_string());
                                self.inexact(
                                    &mut prefix,
                                    option.line,
                                    &format!(
                                        "`retry: -1` as `retry {UNLIMITED_RETRIES}`: Hurl retries \
                                         without end, `.rit` has no unlimited retry and stops \
                                         after that many (or at the test's timeout)"
                                    ),
                                    "retry: -1",
                                );
                            }
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
                            // Defined before the request, above.
                            ("variable", _) => {}
                            // `header: Name: value` adds a header to this request.
                            ("header", header) => match super::parse::split_key(header) {
                                Some((name, value)) => {
                                    self.line = option.line;
                                    let value = self.text_value(&super::parse::unescape(&value));
                                    headers.push((super::parse::unescape(&name), value));
                                }
                                None => self.untranslated(
                                    &mut prefix,
                                    option.line,
                                    "a `header` option that is not `Name: value`",
                                    &format!("header: {value}"),
                                ),
                            },
                            // The whole entry is wrapped by `entry` (`skip_of`).
                            ("skip", "true" | "false") => {}
                            ("skip", _) if self.skip_by_variable => {}
                            ("skip", _) => self.untranslated(
                                &mut prefix,
                                option.line,
                                skip_untranslated(value),
                                &format!("skip: {value}"),
                            ),
                            (name, _) => {
                                let why = match no_form_reason(name) {
                                    Some(reason) => format!("the option `{name}`: {reason}"),
                                    None => format!("the option `{name}`"),
                                };
                                self.untranslated(
                                    &mut prefix,
                                    option.line,
                                    &why,
                                    &format!("{name}: {value}"),
                                );
                            }
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
        let follows = clauses.iter().any(|clause| clause == "follow redirects");
        for (line, how, original) in std::mem::take(&mut connection.inexact) {
            self.inexact(&mut prefix, line, &how, &original);
        }
        if let Some(line) = connection.path_as_is {
            let refused_by = path_as_is_refused_by(&request.url, follows, &connection, &clauses);
            if let Some(what) = refused_by {
                self.inexact(
                    &mut prefix,
                    line,
                    &format!(
                        "`path-as-is` with {what}: ritc keeps `.` and `..` only on a plain \
                         http:// request without `location` or connection options, and \
                         elsewhere fails the step on such a path"
                    ),
                    "path-as-is: true",
                );
            }
        }
        let compressed = connection.compressed;
        clauses.extend(connection.clauses(follows));
        // Hurl asks for compression only with `compressed` (the file's
        // `defaults` ask for none, as Hurl does without it), and then for these.
        if compressed
            && !headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("accept-encoding"))
        {
            headers.push(("Accept-Encoding".to_string(), quoted("gzip, deflate, br")));
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

    pub(super) fn object(&mut self, out: &mut Lines, pairs: &[Pair]) -> String {
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
            self.line = pair.line;
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
    pub(super) fn multipart(&mut self, out: &mut Lines, pairs: &[Pair]) -> String {
        let mut entries = Vec::new();
        for pair in pairs {
            self.line = pair.line;
            let value = pair.value.trim();
            let expression = match value.strip_prefix("file,") {
                Some(rest) => {
                    let (path, content_type) = rest.split_once(';').unwrap_or((rest, ""));
                    let content_type = content_type.trim();
                    let path = path.trim();
                    let literal = self.string(path);
                    let mut arguments = vec![literal.clone()];
                    if !content_type.is_empty() {
                        arguments.push(format!("type: {}", quoted(content_type)));
                    }
                    // Hurl names the part's file by its path as written
                    // (`filename="fixtures/a.txt"`); `file()` by its last part.
                    if path.contains(['/', '\\']) || path.contains("{{") {
                        arguments.push(format!("name: {literal}"));
                    }
                    format!("file({})", arguments.join(", "))
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

    /// The body clause of a request and the content type it implies. A body is
    /// sent as written: JSON goes as its text (with a JSON content type), except
    /// that JSON with `{{ }}` goes as `json { … }` (a raw JSON body cannot take
    /// values: E0318); a ```` ```json ````/```` ```xml ```` hint gives its content
    /// type, ```` ```graphql ```` the JSON GraphQL sends.
    pub(super) fn request_body(
        &mut self,
        body: &Body,
    ) -> Result<(String, Option<&'static str>), Untranslatable> {
        self.line = body.line;
        let has_variables = body.text.contains("{{");
        match (&body.kind, body.hint.as_deref()) {
            (BodyKind::Json, _) | (BodyKind::Text, Some("json")) if has_variables => {
                let value = parse_json_with_variables(&body.text)
                    .ok_or_else(|| "a JSON body with `{{ }}` that is not JSON".to_string())?;
                let expression = json_expression(&value, &mut self.names)
                    .ok_or_else(|| "a JSON value with no `.rit` form".to_string())?;
                self.report_unreadable_templates();
                Ok((format!("json {expression}"), None))
            }
            (BodyKind::Json, _) | (BodyKind::Text, Some("json")) => {
                let text = self.text_body(&body.text);
                Ok((format!("body {text}"), Some("application/json")))
            }
            (BodyKind::Text, Some("graphql")) => {
                // The query, then `variables { … }` (JSON) when it has them.
                let lines: Vec<&str> = body.text.lines().collect();
                let split = lines
                    .iter()
                    .position(|line| line.trim_start().starts_with("variables"))
                    .unwrap_or(lines.len());
                // Hurl sends the query with the blank space around it trimmed.
                let query = self.string(lines[..split].join("\n").trim());
                if split == lines.len() {
                    return Ok((format!("graphql {query}"), None));
                }
                let variables = lines[split..].join("\n");
                let variables = variables.trim_start().trim_start_matches("variables");
                let value = parse_json_with_variables(variables)
                    .filter(serde_json::Value::is_object)
                    .ok_or_else(|| "GraphQL variables that are not a JSON object".to_string())?;
                let expression = json_expression(&value, &mut self.names)
                    .ok_or_else(|| "a JSON value with no `.rit` form".to_string())?;
                self.report_unreadable_templates();
                Ok((format!("graphql {query} variables {expression}"), None))
            }
            (BodyKind::Text, Some("xml")) if has_variables => {
                Err("an XML body with `{{ }}` and an XML content type".to_string())
            }
            (BodyKind::Text, Some("xml")) => {
                let text = self.text_body(&body.text);
                Ok((format!("body {text}"), Some("application/xml")))
            }
            (BodyKind::Text, Some(hint @ ("base64" | "hex"))) => {
                let encoded: String = body.text.split_whitespace().collect();
                self.encoded_body(hint, &encoded)
            }
            (BodyKind::Text, Some(hint)) if hint != "raw" && hint != "text" => {
                Err(format!("a ```{hint} body (an unknown language hint)"))
            }
            (BodyKind::Text, _) => {
                let text = self.text_body(&body.text);
                Ok((format!("body {text}"), None))
            }
            (BodyKind::File, _) => {
                let path = body
                    .text
                    .trim_start_matches("file,")
                    .trim_end_matches(';')
                    .trim();
                // The file's bytes as they are: `read()` would take text only.
                let path = self.string(path);
                Ok((format!("body file({path})"), None))
            }
            (BodyKind::Bytes, _) => {
                let text = body.text.trim().trim_end_matches(';');
                match text.split_once(',') {
                    Some((encoding @ ("base64" | "hex"), encoded)) => {
                        let encoded: String = encoded.split_whitespace().collect();
                        self.encoded_body(encoding, &encoded)
                    }
                    _ => Err("this body".to_string()),
                }
            }
        }
    }

    /// `base64,…;` and `hex,…;` bodies (and their ```` ``` ```` forms): the bytes
    /// they encode, decoded when the step runs, so the file keeps them as written.
    fn encoded_body(
        &mut self,
        encoding: &str,
        encoded: &str,
    ) -> Result<(String, Option<&'static str>), Untranslatable> {
        let text = self.string(encoded);
        Ok((format!("body {encoding}_decode({text})"), None))
    }

    /// A body's text as a string literal: a block for several lines.
    fn text_body(&mut self, text: &str) -> String {
        if text.contains('\n') {
            self.block_string(text)
        } else {
            self.string(text)
        }
    }

    pub(super) fn block_string(&mut self, text: &str) -> String {
        let text = self.writable(text);
        let literal = block_literal(&text, &mut self.names, self.depth);
        self.report_unreadable_templates();
        literal
    }

    pub(super) fn response(&mut self, out: &mut Lines, response: &Response) {
        if let Some(status) = &response.status {
            if status.parse::<u16>().is_ok() {
                out.line(format!("expect status == {status}"));
            } else {
                self.untranslated(out, response.line, "this status", status);
            }
        }
        // `HTTP/2 200` holds only for an answer in HTTP/2 (plain `HTTP` takes any).
        if let Some(version) = &response.version {
            out.line(format!("expect version == {}", quoted(version)));
        }
        // Hurl's `Name: value` under the status holds when any of the answer's
        // `Name` headers has that value: `X-Multi: two` passes beside `one`, `three`.
        for header in &response.headers {
            self.line = header.line;
            let value = self.text_value(&header.value);
            out.line(format!(
                "expect header_values[{}] contains {value}",
                quoted(&header.key.to_ascii_lowercase())
            ));
        }
        for section in &response.sections {
            match section.name.as_str() {
                "Captures" => {
                    for (line, text) in &section.lines {
                        self.line = *line;
                        self.capture(out, *line, text);
                    }
                }
                "Asserts" => {
                    for (line, text) in &section.lines {
                        self.line = *line;
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
                // Hurl compares a JSON body as text, once its `{{ }}` are filled in:
                // `{"a": 1}` fails against `{"a":1}`. So does the translation.
                BodyKind::Text if matches!(body.hint.as_deref(), Some("base64" | "hex")) => {
                    let encoded: String = body.text.split_whitespace().collect();
                    let encoded = self.string(&encoded);
                    let encoding = body.hint.as_deref().unwrap_or_default();
                    out.line(format!("expect body_bytes == {encoding}_decode({encoded})"));
                }
                BodyKind::Json | BodyKind::Text => {
                    let expected = self.text_body(&body.text);
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
                // The bytes of the body once its content coding is undone, as
                // Hurl compares them.
                BodyKind::Bytes => {
                    let text = body.text.trim().trim_end_matches(';');
                    match text.split_once(',') {
                        Some((encoding @ ("base64" | "hex"), encoded)) => {
                            let encoded: String = encoded.split_whitespace().collect();
                            let encoded = self.string(&encoded);
                            out.line(format!("expect body_bytes == {encoding}_decode({encoded})"));
                        }
                        _ => self.untranslated(out, body.line, "this response body", &body.text),
                    }
                }
            }
        }
    }
}

/// Whether a `{{ }}` of a Hurl URL stands where it plainly carries more than one
/// piece of a URL: a path right after the host (`{{host}}{{next}}`) or a whole
/// query string (`?{{query}}`, `&{{more}}`). Hurl writes values into its URLs as
/// they are, where a `.rit` URL template would percent-encode their `/`, `?`,
/// `&` and `=`. A value among the segments of a path or after `=` is the one
/// piece it looks like, and stays in the template.
pub(super) fn writes_values_as_they_are(url: &str) -> bool {
    url.match_indices("{{")
        .filter(|(index, _)| *index > 0)
        .any(|(index, _)| {
            let before = &url[..index];
            let after_scheme = before.split_once("://").map_or(before, |(_, rest)| rest);
            !after_scheme.contains('/') || before.ends_with(['?', '&'])
        })
}

/// True when the request's `[Options]` ask for retries.
pub(super) fn retries(request: &Request) -> bool {
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

/// Why an option Hurl files use has no `.rit` form yet, for its note.
fn no_form_reason(name: &str) -> Option<&'static str> {
    Some(match name {
        "netrc-optional" => "no form yet (`netrc` fails on a file it cannot read)",
        _ => return None,
    })
}

/// Whether an entry is skipped, as its `[Options]` say (the last `skip` given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Skip {
    Never,
    /// `skip: true`: `if false { … }`.
    Always,
    /// `skip: {{name}}`: `if not name { … }` (the Hurl variable's spelling).
    When(String),
}

/// The entry's `skip`. `skip: {{name}}` on an entry with captures stays a
/// `not translated` option (`skip_untranslated`): a capture made inside the
/// `if` would not be seen after it.
pub(super) fn skip_of(request: &Request, response: Option<&Response>) -> Skip {
    let Some(pair) = request
        .sections
        .iter()
        .filter(|section| section.name == "Options")
        .flat_map(|section| &section.pairs)
        .rfind(|pair| pair.key == "skip")
    else {
        return Skip::Never;
    };
    let captures = response.is_some_and(|response| {
        response
            .sections
            .iter()
            .any(|section| section.name == "Captures" && !section.lines.is_empty())
    });
    match (pair.value.trim(), one_variable(&pair.value)) {
        ("true", _) => Skip::Always,
        (_, Some(variable)) if !captures => Skip::When(variable.to_string()),
        _ => Skip::Never,
    }
}

/// The name of a value that is one `{{name}}` and nothing else.
fn one_variable(value: &str) -> Option<&str> {
    let name = value.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    is_variable(name).then_some(name)
}

/// Why a `skip` was not translated.
fn skip_untranslated(value: &str) -> &'static str {
    if one_variable(value).is_some() {
        "`skip` by a variable on an entry with captures (a capture made inside the `if` would not be seen after it)"
    } else {
        "`skip` other than `true`, `false` or one `{{variable}}`"
    }
}

/// The `[Options]` of an entry that become an `http` step's connection
/// clauses (`user`, `delay`, `max redirects`, `version`, `proxy`, `resolve`,
/// `connect to`, `path as is`, `limit rate`, `sigv4`, `cacert`, `cert`, `key`,
/// `netrc`), gathered
/// first because `max-redirs` means something only with `location`, and
/// `resolve` and `connect-to` may be given several times.
#[derive(Default)]
struct ConnectionOptions {
    clauses: Vec<String>,
    /// The line of `path-as-is: true`, checked against the rest of the entry.
    path_as_is: Option<usize>,
    /// Options translated with a difference: the line, how, the option.
    inexact: Vec<(usize, String, String)>,
    /// `compressed: true`: the entry asks for a compressed answer.
    compressed: bool,
    max_redirects: Option<String>,
    resolve: Vec<String>,
    connect_to: Vec<String>,
}

impl ConnectionOptions {
    const NAMES: &[&str] = &[
        "user",
        "delay",
        "max-redirs",
        "http1.0",
        "http1.1",
        "http2",
        "http3",
        "proxy",
        "resolve",
        "connect-to",
        "path-as-is",
        "limit-rate",
        "aws-sigv4",
        "cacert",
        "cert",
        "key",
        "compressed",
        "netrc",
        "netrc-file",
    ];

    fn takes(&self, name: &str) -> bool {
        Self::NAMES.contains(&name)
    }

    /// Reads one option, or says why it has no `.rit` form.
    fn read(
        &mut self,
        name: &str,
        value: &str,
        translator: &mut Importer,
    ) -> Result<(), Untranslatable> {
        match (name, value) {
            ("user", user) => {
                let user = translator.string(user);
                self.clauses.push(format!("user {user}"));
            }
            ("delay", delay) => {
                let delay = hurl_duration(delay).ok_or("this delay")?;
                self.clauses.push(format!("delay {delay}"));
            }
            ("max-redirs", count) if count.parse::<u32>().is_ok() => {
                self.max_redirects = Some(count.to_string());
            }
            ("max-redirs", _) => return Err("this redirect limit (unlimited has no form)".into()),
            ("http1.0" | "http1.1" | "http2", "false") | ("compressed", "false") => {}
            ("compressed", "true") => self.compressed = true,
            ("http1.0", "true") => self.clauses.push("version \"HTTP/1.0\"".to_string()),
            ("http1.1", "true") => self.clauses.push("version \"HTTP/1.1\"".to_string()),
            ("http2", "true") => {
                self.clauses.push("version \"HTTP/2\"".to_string());
                self.inexact.push((
                    translator.line,
                    "`http2: true` as `version \"HTTP/2\"`, which speaks only HTTP/2 (with \
                     prior knowledge on http://), where Hurl asks for it and takes HTTP/1.1 \
                     from a server that does not upgrade"
                        .to_string(),
                    "http2: true".to_string(),
                ));
            }
            ("http3", _) => {
                return Err("`http3` (ritc speaks HTTP/1.0, HTTP/1.1 and HTTP/2: reqwest's HTTP/3 is unstable)".to_string());
            }
            ("proxy", proxy) => {
                // Hurl, like curl, takes a proxy without a scheme as `http://`.
                let proxy = if proxy.contains("://") {
                    proxy.to_string()
                } else {
                    format!("http://{proxy}")
                };
                let proxy = translator.string(&proxy);
                self.clauses.push(format!("proxy {proxy}"));
            }
            ("resolve", entry) => {
                let entry = translator.string(entry);
                self.resolve.push(entry);
            }
            ("connect-to", entry) => {
                let entry = translator.string(entry);
                self.connect_to.push(entry);
            }
            ("path-as-is", "true") => {
                self.clauses.push("path as is".to_string());
                self.path_as_is = Some(translator.line);
            }
            ("path-as-is", "false") => {}
            ("limit-rate", rate) if rate.parse::<u64>().is_ok_and(|rate| rate > 0) => {
                self.clauses.push(format!("limit rate {rate}"));
            }
            ("aws-sigv4", scope) => {
                let scope = translator.string(scope);
                self.clauses.push(format!("sigv4 {scope}"));
            }
            ("netrc", "true") => self.clauses.push("netrc \"~/.netrc\"".to_string()),
            ("netrc", "false") => {}
            ("netrc-file", path) => {
                let path = translator.string(path);
                self.clauses.push(format!("netrc {path}"));
            }
            ("cacert" | "cert" | "key", path) => {
                let path = translator.string(path);
                self.clauses.push(format!("{name} {path}"));
            }
            _ => return Err(format!("this `{name}` value")),
        }
        Ok(())
    }

    /// The clauses, once every option of the entry was read; `follows`: the
    /// entry follows redirects (`location`), at most 50 unless `max-redirs`
    /// says otherwise (Hurl's limit; `follow redirects` alone is 10).
    fn clauses(self, follows: bool) -> Vec<String> {
        let mut clauses = self.clauses;
        if follows {
            let count = self.max_redirects.as_deref().unwrap_or(HURL_MAX_REDIRECTS);
            clauses.push(format!("max redirects {count}"));
        }
        for (clause, entries) in [("resolve", &self.resolve), ("connect to", &self.connect_to)] {
            match entries.as_slice() {
                [] => {}
                [one] => clauses.push(format!("{clause} {one}")),
                several => clauses.push(format!("{clause} [{}]", several.join(", "))),
            }
        }
        clauses
    }
}

/// How many redirects Hurl follows with `location` when `max-redirs` does not say.
const HURL_MAX_REDIRECTS: &str = "50";

/// The count that stands for Hurl's `retry: -1` (no end).
const UNLIMITED_RETRIES: u32 = 1_000_000;

/// What makes ritc refuse an entry's `path-as-is` (a path with `.` or `..`
/// goes out as written only on its plain path): HTTPS, redirects, a rate
/// limit or a connection option. A URL whose scheme a variable gives is not
/// judged here.
fn path_as_is_refused_by(
    url: &str,
    follows: bool,
    connection: &ConnectionOptions,
    clauses: &[String],
) -> Option<&'static str> {
    let connection_clause = |clause: &str| {
        [
            "version ",
            "proxy ",
            "cacert ",
            "cert ",
            "key ",
            "limit rate ",
        ]
        .iter()
        .any(|prefix| clause.starts_with(prefix))
    };
    if url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    {
        Some("HTTPS")
    } else if follows {
        Some("`location`")
    } else if clauses
        .iter()
        .any(|clause| clause.starts_with("multipart "))
    {
        Some("a multipart body")
    } else if !connection.resolve.is_empty()
        || !connection.connect_to.is_empty()
        || connection
            .clauses
            .iter()
            .any(|clause| connection_clause(clause))
    {
        Some("`limit-rate` or a connection option")
    } else {
        None
    }
}

/// `500` (milliseconds), `500ms`, `2s`, `1m` → a `.rit` duration.
pub(super) fn hurl_duration(text: &str) -> Option<String> {
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
pub(super) fn parse_json_with_variables(text: &str) -> Option<serde_json::Value> {
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
        // A `{{ }}` inside a string may hold quotes (`"{{getEnv "USER"}}"`):
        // they are the template's, not the string's end.
        if in_string
            && !escaped
            && let Some(after) = rest.strip_prefix("{{")
            && let Some(end) = after.find("}}")
        {
            replaced.push_str("{{");
            replaced.push_str(&after[..end].replace('"', "\\\""));
            replaced.push_str("}}");
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
    fn values_that_carry_a_path_or_a_query_string_go_as_they_are() {
        assert!(writes_values_as_they_are("{{host}}{{next}}"));
        assert!(writes_values_as_they_are("http://127.0.0.1:3000{{path}}"));
        assert!(writes_values_as_they_are("{{host}}/search?{{query}}"));
        assert!(!writes_values_as_they_are("{{host}}/users/{{id}}"));
        assert!(!writes_values_as_they_are(
            "http://h/users/{{id}}?sort={{order}}"
        ));
        assert!(!writes_values_as_they_are("{{next}}"));
    }

    #[test]
    fn durations() {
        assert_eq!(hurl_duration("500").as_deref(), Some("500ms"));
        assert_eq!(hurl_duration("2s").as_deref(), Some("2s"));
        assert_eq!(hurl_duration("2sec"), None);
    }
}
