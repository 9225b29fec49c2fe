//! The importer's walk over the suite: the document's top level, variables, setup
//! commands and services, tests and their steps; the YAML helpers the other parts share.

use super::*;

/// Translates the text of a YAML suite; `stem` names the suite when the file
/// does not. An error when the text is not YAML or not in the format at all.
pub fn translate(stem: &str, text: &str) -> Result<Translation, String> {
    let document: Value =
        serde_yaml::from_str(text).map_err(|error| format!("not valid YAML: {error}"))?;
    let Some(root) = document.as_mapping() else {
        return Err(
            "not a suite in the Test Definition Format: the top level is not a mapping".to_string(),
        );
    };
    if get(root, "tests").is_none()
        && get(root, "test_suite").is_none()
        && get(root, "checkpoints").is_none()
    {
        return Err(
            "not a suite in the Test Definition Format: there is no `test_suite`, `tests` or `checkpoints`"
                .to_string(),
        );
    }
    let mut importer = Importer::new(root);
    Ok(importer.suite(stem, root))
}

pub(super) fn get<'a>(mapping: &'a Mapping, key: &str) -> Option<&'a Value> {
    mapping.get(Value::String(key.to_string()))
}

pub(super) fn get_any<'a>(mapping: &'a Mapping, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|key| get(mapping, key))
}

pub(super) fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

pub(super) fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A value as YAML text, for a comment.
pub(super) fn yaml_text(value: &Value) -> String {
    serde_yaml::to_string(value)
        .unwrap_or_default()
        .trim_end()
        .to_string()
}

/// `scheme://host[:port]` of an absolute URL.
pub(super) fn origin(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let origin = parsed.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// The kinds of unit a compared number carries in the format.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Unit {
    Plain,
    /// Milliseconds (`timeout: 5000`, `avg_response_time: { lt: 200 }`).
    Millis,
    /// A fraction that `.rit` writes as a percentage (`success_rate: 0.99`).
    Fraction,
}

pub(super) fn comparison(operator: &str) -> Option<&'static str> {
    Some(match operator {
        "eq" | "equals" | "equal" | "is" => "==",
        "ne" | "neq" | "not" | "not_equals" => "!=",
        "gt" | "greater_than" => ">",
        "gte" | "ge" | "min" | "at_least" => ">=",
        "lt" | "less_than" => "<",
        "lte" | "le" | "max" | "at_most" => "<=",
        "contains" | "includes" => "contains",
        "matches" | "regex" | "pattern" => "matches",
        "in" | "one_of" => "in",
        _ => return None,
    })
}

pub(super) const TYPE_WORDS: &[(&str, &str)] = &[
    ("string", "string"),
    ("number", "number"),
    ("integer", "int"),
    ("int", "int"),
    ("float", "float"),
    ("boolean", "bool"),
    ("bool", "bool"),
    ("array", "array"),
    ("list", "array"),
    ("object", "object"),
];

pub(super) struct Importer {
    pub(super) names: Names,
    pub(super) notes: Vec<Note>,
    /// The origin every relative endpoint is resolved against, as `{{base}}`.
    pub(super) base: Option<String>,
    pub(super) base_used: bool,
    pub(super) database_used: bool,
    /// Health endpoints by origin, for the readiness probes of services.
    pub(super) health_endpoints: Vec<String>,
    /// The `.rit` names of captures, to spot those that nothing reads.
    pub(super) captures: Vec<String>,
}

impl Importer {
    pub(super) fn new(root: &Mapping) -> Importer {
        let mut urls = Vec::new();
        collect_urls(&Value::Mapping(root.clone()), &mut urls);
        let declared = get_any(root, &["base_url", "baseUrl", "base"]).and_then(as_text);
        let base = declared
            .or_else(|| urls.iter().find_map(|url| origin(url)))
            .or_else(|| {
                has_relative_endpoint(&Value::Mapping(root.clone()))
                    .then(|| "http://localhost:3000".to_string())
            });
        let health_endpoints = urls
            .iter()
            .filter(|url| url.contains("health"))
            .cloned()
            .collect();
        let mut names = Names::default();
        names.define_as("base", "base");
        names.define_as("base_url", "base");
        names.define_as("baseUrl", "base");
        Importer {
            names,
            notes: Vec::new(),
            base,
            base_used: false,
            database_used: false,
            health_endpoints,
            captures: Vec::new(),
        }
    }

    pub(super) fn note(&mut self, location: &str, message: impl Into<String>) {
        self.notes.push(Note {
            location: location.to_string(),
            message: message.into(),
        });
    }

    /// Keeps `value` as a comment and notes it.
    pub(super) fn untranslated(
        &mut self,
        out: &mut Lines,
        location: &str,
        what: &str,
        value: &Value,
    ) {
        out.line(format!("# not translated ({what}):"));
        let yaml = yaml_text(value);
        for line in yaml.lines() {
            out.line(format!("#   {line}"));
        }
        self.note(location, what);
    }

    pub(super) fn string(&mut self, text: &str) -> String {
        string_literal(text, &mut self.names)
    }

    /// A URL expression: absolute URLs on the base origin and paths become
    /// `"{{base}}/…"`.
    pub(super) fn url(&mut self, target: &str) -> String {
        let target = target.trim();
        if let Some(base) = self.base.clone() {
            if let Some(rest) = target.strip_prefix(base.as_str())
                && (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
            {
                self.base_used = true;
                return self.string(&format!("{{{{base}}}}{rest}"));
            }
            if target.starts_with('/') {
                self.base_used = true;
                return self.string(&format!("{{{{base}}}}{target}"));
            }
        }
        self.string(target)
    }

    /// `"POST /api/x"` → (`POST`, URL expression); a bare URL or path is a GET.
    pub(super) fn endpoint(&mut self, text: &str) -> (String, String) {
        let text = text.trim();
        match text.split_once(char::is_whitespace) {
            Some((method, rest))
                if ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
                    .contains(&method.to_ascii_uppercase().as_str()) =>
            {
                (method.to_ascii_uppercase(), self.url(rest))
            }
            _ => ("GET".to_string(), self.url(text)),
        }
    }

    pub(super) fn suite(&mut self, stem: &str, root: &Mapping) -> Translation {
        let mut body = Lines::default();
        let mut services = Lines::default();
        let mut setup = Lines::default();
        let mut teardown = Lines::default();
        let mut variables = Lines::default();
        let name = get(root, "test_suite")
            .and_then(as_text)
            .unwrap_or_else(|| stem.to_string());
        for (key, value) in root {
            let key = yaml_key(key).unwrap_or_default();
            match key.as_str() {
                "test_suite" | "base_url" | "baseUrl" | "base" => {}
                "variables" | "vars" => self.variables(&mut variables, value),
                "setup" => self.setup(&mut services, &mut setup, value),
                "teardown" => self.commands(&mut teardown, "teardown", value),
                "tests" => match value.as_sequence() {
                    Some(tests) => {
                        for (index, test) in tests.iter().enumerate() {
                            body.blank();
                            self.test(&mut body, &format!("tests[{index}]"), test, index);
                        }
                    }
                    None => self.untranslated(&mut body, "tests", "`tests` is not a list", value),
                },
                "checkpoints" => match value.as_sequence() {
                    Some(checkpoints) => {
                        for (index, checkpoint) in checkpoints.iter().enumerate() {
                            body.blank();
                            self.checkpoint(
                                &mut body,
                                &format!("checkpoints[{index}]"),
                                checkpoint,
                            );
                        }
                    }
                    None => self.untranslated(
                        &mut body,
                        "checkpoints",
                        "`checkpoints` is not a list",
                        value,
                    ),
                },
                other => {
                    body.blank();
                    self.untranslated(&mut body, other, &format!("unknown key `{other}`"), value);
                }
            }
        }

        let mut out = Lines::default();
        out.line("# Imported by `ritc import` from a YAML suite in the Test Definition Format.");
        out.line(format!(
            "suite {}",
            string_literal(&name, &mut Names::default())
        ));
        out.blank();
        if let Some(base) = self.base.clone().filter(|_| self.base_used) {
            let literal = string_literal(&base, &mut Names::default());
            out.line(format!("param base = {literal}"));
        }
        if self.database_used {
            out.line("# The YAML does not say which database its `sql` checks read: give it with");
            out.line("# --param database_url=postgres://… (or RIT_PARAM_DATABASE_URL).");
            out.line("param database_url = \"postgres://postgres@localhost:5432/postgres\"");
        }
        out.append(variables);
        let undefined: Vec<(String, String)> = self
            .names
            .undefined
            .iter()
            .map(|(spelling, name)| (spelling.clone(), name.clone()))
            .collect();
        for (spelling, name) in undefined {
            if self.names.shared_between_tests.contains(&spelling) {
                out.line(format!(
                    "# `{{{{{spelling}}}}}` is captured in one test and read in another: `.rit` tests do not share"
                ));
                out.line("# captures (each can run alone, or in parallel), so it is a param here.");
                self.note(
                    &format!("{{{{{spelling}}}}}"),
                    "a capture read by another test (tests do not share captures): made a param",
                );
            }
            out.line(format!("param {name}: string  # `{{{{{spelling}}}}}` in the YAML; give it with --param {name}=…"));
        }
        if self.database_used {
            out.line("let db = database(database_url)");
        }
        if !services.is_empty() {
            out.blank();
            out.append(services);
        }
        if !setup.is_empty() {
            out.blank();
            out.open("setup {");
            out.append(setup);
            out.close();
        }
        if !body.is_empty() {
            out.blank();
            out.append(body);
        }
        if !teardown.is_empty() {
            out.blank();
            out.open("teardown {");
            out.append(teardown);
            out.close();
        }
        Translation {
            rit: self
                .names
                .silence_unused_captures(&out.text(), &self.captures),
            notes: std::mem::take(&mut self.notes),
        }
    }

    pub(super) fn variables(&mut self, out: &mut Lines, value: &Value) {
        let Some(mapping) = value.as_mapping() else {
            self.untranslated(out, "variables", "`variables` is not a mapping", value);
            return;
        };
        for (key, value) in mapping {
            let Some(key) = yaml_key(key) else { continue };
            let name = self.names.define(&key);
            match yaml_expression(value, &mut self.names) {
                Some(expression) => out.line(format!("param {name} = {expression}")),
                None => self.untranslated(
                    out,
                    &format!("variables.{key}"),
                    "a value with no `.rit` form",
                    value,
                ),
            }
        }
    }

    // ------------------------------------------------------------ setup, teardown

    pub(super) fn setup(&mut self, services: &mut Lines, setup: &mut Lines, value: &Value) {
        let Some(entries) = value.as_sequence() else {
            self.untranslated(setup, "setup", "`setup` is not a list", value);
            return;
        };
        let mut service_count = 0;
        for (index, entry) in entries.iter().enumerate() {
            let location = format!("setup[{index}]");
            let background = entry
                .as_mapping()
                .and_then(|mapping| get(mapping, "background"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if background {
                service_count += 1;
                self.service(services, &location, entry, service_count);
            } else {
                self.command(setup, &location, entry);
            }
        }
    }

    pub(super) fn commands(&mut self, out: &mut Lines, location: &str, value: &Value) {
        match value.as_sequence() {
            Some(entries) => {
                for (index, entry) in entries.iter().enumerate() {
                    self.command(out, &format!("{location}[{index}]"), entry);
                }
            }
            None => self.untranslated(out, location, &format!("`{location}` is not a list"), value),
        }
    }

    /// A setup or teardown command: `run`, and the fixed wait after it.
    pub(super) fn command(&mut self, out: &mut Lines, location: &str, entry: &Value) {
        let (command, mapping) = match entry {
            Value::String(command) => (command.clone(), None),
            Value::Mapping(mapping) => match get(mapping, "command").and_then(as_text) {
                Some(command) => (command, Some(mapping)),
                None => {
                    self.untranslated(
                        out,
                        location,
                        "a setup or teardown entry without `command`",
                        entry,
                    );
                    return;
                }
            },
            _ => {
                self.untranslated(
                    out,
                    location,
                    "a setup or teardown entry that is not a command",
                    entry,
                );
                return;
            }
        };
        let mut line = format!("run {}", self.string(&command));
        let mut wait = None;
        if let Some(mapping) = mapping {
            for (key, value) in mapping {
                let key = yaml_key(key).unwrap_or_default();
                match key.as_str() {
                    "command" | "background" | "name" | "description" => {}
                    "wait" | "delay" => wait = as_number(value),
                    "timeout" => match as_number(value) {
                        Some(millis) => line.push_str(&format!(
                            " timeout {}",
                            literal_duration_from_millis(millis)
                        )),
                        None => self.untranslated(
                            out,
                            location,
                            "a `timeout` that is not a number of milliseconds",
                            value,
                        ),
                    },
                    "cwd" => {
                        let cwd = as_text(value).unwrap_or_default();
                        line.push_str(&format!(" cwd {}", self.string(&cwd)));
                    }
                    "env" => match yaml_expression(value, &mut self.names) {
                        Some(env) if value.is_mapping() => line.push_str(&format!(" env {env}")),
                        _ => self.untranslated(
                            out,
                            location,
                            "an `env` that is not a mapping",
                            value,
                        ),
                    },
                    other => self.untranslated(
                        out,
                        &format!("{location}.{other}"),
                        &format!("unknown key `{other}`"),
                        value,
                    ),
                }
            }
        }
        if let Some(description) = mapping
            .and_then(|mapping| get(mapping, "description"))
            .and_then(as_text)
        {
            out.comment(&description);
        }
        out.line(line);
        if let Some(millis) = wait.filter(|millis| *millis > 0.0) {
            // `.rit` waits for a condition rather than a time; a fixed pause is what
            // the YAML asked for, so it stays, marked as such.
            out.line(format!(
                "run \"sleep {}\"  # the YAML waited {}ms here: an `eventually` on what it waited for is more robust",
                plain_number(millis / 1000.0),
                plain_number(millis)
            ));
        }
    }

    /// A background command: a `service`, ready when its health endpoint answers
    /// (or its port accepts a connection).
    pub(super) fn service(&mut self, out: &mut Lines, location: &str, entry: &Value, count: usize) {
        let Some(mapping) = entry.as_mapping() else {
            return;
        };
        let Some(command) = get(mapping, "command").and_then(as_text) else {
            self.untranslated(out, location, "a background entry without `command`", entry);
            return;
        };
        let name = get(mapping, "name")
            .and_then(as_text)
            .map(|name| identifier(&name))
            .unwrap_or_else(|| service_name(&command, count));
        let name = self.names.define(&name);
        let wait = get_any(mapping, &["wait", "delay"]).and_then(as_number);
        let within =
            literal_duration_from_millis(wait.map_or(60_000.0, |millis| millis.max(60_000.0)));
        let probe = self.probe_for(&command, count);
        let command_literal = self.string(&command);
        out.open(format!("service {name} = {command_literal} {{"));
        for (key, value) in mapping {
            let key = yaml_key(key).unwrap_or_default();
            match key.as_str() {
                "command" | "background" | "name" | "wait" | "delay" => {}
                "cwd" => {
                    let cwd = as_text(value).unwrap_or_default();
                    let cwd = self.string(&cwd);
                    out.line(format!("cwd {cwd}"));
                }
                "env" => match yaml_expression(value, &mut self.names) {
                    Some(env) if value.is_mapping() => out.line(format!("env {env}")),
                    _ => self.untranslated(out, location, "an `env` that is not a mapping", value),
                },
                other => self.untranslated(
                    out,
                    &format!("{location}.{other}"),
                    &format!("unknown key `{other}`"),
                    value,
                ),
            }
        }
        match probe {
            Some(probe) => out.line(format!("{probe} within {within}")),
            None => {
                if let Some(millis) = wait {
                    out.line(format!(
                        "# the YAML waited {}ms for it; add a `ready http|tcp|log` probe",
                        plain_number(millis)
                    ));
                }
            }
        }
        out.close();
    }

    /// The readiness probe of a background command: the health endpoint on a port
    /// the command names, else (for the first server) the base's, else its port.
    pub(super) fn probe_for(&mut self, command: &str, count: usize) -> Option<String> {
        let ports: Vec<String> = command
            .split(|c: char| !c.is_ascii_digit())
            .filter(|digits| digits.len() >= 2 && digits.len() <= 5)
            .map(str::to_string)
            .collect();
        let on_port = self.health_endpoints.iter().find(|url| {
            url::Url::parse(url)
                .ok()
                .and_then(|parsed| parsed.port_or_known_default())
                .is_some_and(|port| ports.contains(&port.to_string()))
        });
        let endpoint = on_port.cloned().or_else(|| {
            let base = self.base.clone()?;
            (count == 1).then(|| {
                self.health_endpoints
                    .iter()
                    .find(|url| url.starts_with(&base))
                    .cloned()
            })?
        });
        if let Some(endpoint) = endpoint {
            let url = self.url(&endpoint);
            return Some(format!("ready http {url}"));
        }
        let base = self.base.clone().filter(|_| count == 1)?;
        let parsed = url::Url::parse(&base).ok()?;
        let host = parsed.host_str()?;
        let port = parsed.port_or_known_default()?;
        Some(format!("ready tcp \"{host}:{port}\""))
    }

    // ------------------------------------------------------------ tests

    pub(super) fn test(&mut self, out: &mut Lines, location: &str, test: &Value, index: usize) {
        let Some(mapping) = test.as_mapping() else {
            self.untranslated(out, location, "a test that is not a mapping", test);
            return;
        };
        let name = get(mapping, "name")
            .and_then(as_text)
            .unwrap_or_else(|| format!("test {}", index + 1));
        let location = format!("{location} (\"{name}\")");
        let kind = get(mapping, "type").and_then(as_text).unwrap_or_else(|| {
            if get(mapping, "steps").is_some() {
                "flow".to_string()
            } else if get(mapping, "verify").is_some() {
                "integration".to_string()
            } else if get(mapping, "endpoints").is_some() {
                "health".to_string()
            } else if get_any(mapping, &["concurrent_requests", "concurrency"]).is_some() {
                "performance".to_string()
            } else {
                "request".to_string()
            }
        });
        let mut body = Lines::default();
        let mut attributes = String::new();
        let mut handled: Vec<&str> = vec!["name", "type", "description"];
        self.names.begin_test();
        if let Some(description) = get(mapping, "description").and_then(as_text) {
            out.comment(&description);
        }
        let attribute_location = location.clone();
        self.test_attributes(
            &mut body,
            &attribute_location,
            mapping,
            &kind,
            &mut attributes,
            &mut handled,
        );
        match kind.as_str() {
            "health" => {
                handled.extend(["endpoints", "expect", "timeout"]);
                self.health(&mut body, &location, mapping);
            }
            "flow" => {
                handled.push("steps");
                self.steps(
                    &mut body,
                    &format!("{location}.steps"),
                    get(mapping, "steps"),
                );
            }
            "integration" => {
                handled.push("verify");
                self.steps(
                    &mut body,
                    &format!("{location}.verify"),
                    get(mapping, "verify"),
                );
                if get(mapping, "steps").is_some() {
                    handled.push("steps");
                    self.steps(
                        &mut body,
                        &format!("{location}.steps"),
                        get(mapping, "steps"),
                    );
                }
            }
            "performance" | "load" => {
                handled.extend([
                    "endpoint",
                    "concurrent_requests",
                    "concurrency",
                    "requests",
                    "total_requests",
                    "iterations",
                    "duration",
                    "rate",
                    "rps",
                    "expect",
                    "data",
                    "body",
                    "json",
                    "headers",
                    "query",
                    "warmup",
                ]);
                self.performance(&mut body, &location, mapping);
            }
            "request" | "http" | "api" | "command" => {
                handled.extend(STEP_KEYS);
                self.step(&mut body, &location, test);
            }
            other => {
                self.untranslated(out, &location, &format!("test type `{other}`"), test);
                self.names.end_test();
                return;
            }
        }
        self.names.end_test();
        for (key, value) in mapping {
            let key = yaml_key(key).unwrap_or_default();
            if !handled.contains(&key.as_str()) {
                self.untranslated(
                    &mut body,
                    &format!("{location}.{key}"),
                    &format!("unknown key `{key}`"),
                    value,
                );
            }
        }
        let name_literal = string_literal(&name, &mut Names::default());
        out.open(format!("test {name_literal}{attributes} {{"));
        out.append(body);
        out.close();
    }

    pub(super) fn test_attributes(
        &mut self,
        out: &mut Lines,
        location: &str,
        mapping: &Mapping,
        kind: &str,
        attributes: &mut String,
        handled: &mut Vec<&'static str>,
    ) {
        // A health test's timeout bounds each request; any other test's, the test.
        if kind != "health"
            && kind != "request"
            && let Some(value) = get(mapping, "timeout")
        {
            handled.push("timeout");
            match as_number(value) {
                Some(millis) => attributes.push_str(&format!(
                    " timeout {}",
                    literal_duration_from_millis(millis)
                )),
                None => self.untranslated(
                    out,
                    location,
                    "a `timeout` that is not a number of milliseconds",
                    value,
                ),
            }
        }
        if let Some(value) = get_any(mapping, &["retries", "retry"]) {
            handled.extend(["retries", "retry"]);
            match as_number(value) {
                Some(count) => attributes.push_str(&format!(" retry {}", plain_number(count))),
                None => self.untranslated(out, location, "a `retries` that is not a number", value),
            }
        }
        if let Some(value) = get(mapping, "tags") {
            handled.push("tags");
            match yaml_expression(value, &mut Names::default()) {
                Some(tags) if value.is_sequence() => attributes.push_str(&format!(" tags {tags}")),
                _ => self.untranslated(
                    out,
                    location,
                    "`tags` that are not a list of strings",
                    value,
                ),
            }
        }
        if let Some(value) = get(mapping, "skip") {
            handled.push("skip");
            match value {
                Value::Bool(false) => {}
                Value::String(reason) => attributes.push_str(&format!(
                    " skip {}",
                    string_literal(reason, &mut Names::default())
                )),
                _ => attributes.push_str(" skip \"skipped in the YAML\""),
            }
        }
    }

    pub(super) fn health(&mut self, out: &mut Lines, location: &str, mapping: &Mapping) {
        let endpoints: Vec<String> = match get(mapping, "endpoints") {
            Some(Value::Sequence(items)) => items.iter().filter_map(as_text).collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        };
        let timeout = get(mapping, "timeout")
            .and_then(as_number)
            .map(|millis| format!(" timeout {}", literal_duration_from_millis(millis)))
            .unwrap_or_default();
        let expect = get(mapping, "expect").cloned();
        let mut requests: Vec<(String, String)> = endpoints
            .iter()
            .map(|endpoint| self.endpoint(endpoint))
            .collect();
        if requests.is_empty() {
            self.note(location, "a health test without `endpoints`");
            out.line("# not translated: a health test without `endpoints`");
            return;
        }
        let all_get = requests.iter().all(|(method, _)| method == "GET");
        if requests.len() > 1 && all_get {
            let urls: Vec<String> = requests.drain(..).map(|(_, url)| url).collect();
            out.open(format!("for url in [{}] {{", urls.join(", ")));
            out.line(format!("GET url{timeout}"));
            self.response_expectations(out, location, expect.as_ref(), true);
            out.close();
            return;
        }
        for (method, url) in requests {
            out.line(format!("{method} {url}{timeout}"));
            self.response_expectations(out, location, expect.as_ref(), true);
        }
    }

    pub(super) fn steps(&mut self, out: &mut Lines, location: &str, steps: Option<&Value>) {
        match steps {
            Some(Value::Sequence(steps)) => {
                for (index, step) in steps.iter().enumerate() {
                    if index > 0 {
                        out.blank();
                    }
                    self.step(out, &format!("{location}[{index}]"), step);
                }
            }
            Some(other) => self.untranslated(out, location, "steps that are not a list", other),
            None => {}
        }
    }

    /// One step of a flow or an integration test: an HTTP request, an SQL query or
    /// a command, with its expectations and captures.
    pub(super) fn step(&mut self, out: &mut Lines, location: &str, step: &Value) {
        let Some(mapping) = step.as_mapping() else {
            self.untranslated(out, location, "a step that is not a mapping", step);
            return;
        };
        if let Some(action) = get_any(mapping, &["action", "name", "description"]).and_then(as_text)
        {
            out.comment(&action);
        }
        let mut line;
        let is_http;
        if let Some(endpoint) = get_any(mapping, &["endpoint", "url"]).and_then(as_text) {
            let (mut method, url) = self.endpoint(&endpoint);
            if let Some(explicit) = get(mapping, "method").and_then(as_text) {
                method = explicit.to_ascii_uppercase();
            }
            line = format!("{method} {url}");
            is_http = true;
            if let Some(headers) = get(mapping, "headers") {
                match yaml_expression(headers, &mut self.names) {
                    Some(headers) if headers.starts_with('{') => {
                        line.push_str(&format!(" headers {headers}"))
                    }
                    _ => self.untranslated(
                        out,
                        location,
                        "`headers` that are not a mapping",
                        headers,
                    ),
                }
            }
            if let Some(query) = get_any(mapping, &["query", "params"]) {
                match yaml_expression(query, &mut self.names) {
                    Some(query) if query.starts_with('{') => {
                        line.push_str(&format!(" query {query}"))
                    }
                    _ => self.untranslated(out, location, "a `query` that is not a mapping", query),
                }
            }
            if let Some(data) = get_any(mapping, &["data", "body", "json"]) {
                match (data, yaml_expression(data, &mut self.names)) {
                    (Value::String(text), _) => {
                        let text = self.string(text);
                        line.push_str(&format!(" body {text}"));
                    }
                    (_, Some(json)) => line.push_str(&format!(" json {json}")),
                    (_, None) => {
                        self.untranslated(out, location, "a body with no `.rit` form", data)
                    }
                }
            }
            if let Some(form) = get(mapping, "form") {
                match yaml_expression(form, &mut self.names) {
                    Some(form) if form.starts_with('{') => line.push_str(&format!(" form {form}")),
                    _ => self.untranslated(out, location, "a `form` that is not a mapping", form),
                }
            }
        } else if let Some(sql) = get(mapping, "sql").and_then(as_text) {
            self.database_used = true;
            // `'{{x}}'` meant the value: a `{{ }}` in `.rit` SQL is a bound parameter.
            let sql = sql.replace("'{{", "{{").replace("}}'", "}}");
            line = format!("sql db {}", self.string(&sql));
            is_http = false;
        } else if let Some(command) = get(mapping, "command").and_then(as_text) {
            line = format!("run {}", self.string(&command));
            is_http = false;
        } else {
            self.untranslated(
                out,
                location,
                "a step with no `endpoint`, `sql` or `command`",
                step,
            );
            return;
        }
        if let Some(timeout) = get(mapping, "timeout") {
            match as_number(timeout) {
                Some(millis) => line.push_str(&format!(
                    " timeout {}",
                    literal_duration_from_millis(millis)
                )),
                None => self.untranslated(
                    out,
                    location,
                    "a `timeout` that is not a number of milliseconds",
                    timeout,
                ),
            }
        }
        out.line(line);
        let expect = get(mapping, "expect");
        if is_http {
            self.response_expectations(out, location, expect, false);
        } else if get(mapping, "sql").is_some() {
            self.sql_expectations(out, location, expect);
        } else {
            self.command_expectations(out, location, mapping);
        }
        if let Some(capture) = get(mapping, "capture") {
            self.captures(out, &format!("{location}.capture"), capture);
        }
        for (key, value) in mapping {
            let key = yaml_key(key).unwrap_or_default();
            if !STEP_KEYS.contains(&key.as_str()) {
                self.untranslated(
                    out,
                    &format!("{location}.{key}"),
                    &format!("unknown key `{key}`"),
                    value,
                );
            }
        }
    }
}

/// The keys a step may have.
pub(super) const STEP_KEYS: &[&str] = &[
    "action",
    "name",
    "description",
    "endpoint",
    "url",
    "method",
    "headers",
    "query",
    "params",
    "data",
    "body",
    "json",
    "form",
    "sql",
    "command",
    "timeout",
    "expect",
    "capture",
    "expectedOutput",
    "expected_output",
    "type",
];

/// A service's name from its command: `npm run dev` → `dev`.
pub(super) fn service_name(command: &str, count: usize) -> String {
    let word = command
        .split_whitespace()
        .rev()
        .find(|word| word.chars().any(|c| c.is_ascii_alphabetic()) && !word.starts_with('-'))
        .map(|word| word.rsplit('/').next().unwrap_or(word))
        .unwrap_or("");
    let word = word.split(':').next_back().unwrap_or(word);
    if word.is_empty() {
        format!("service_{count}")
    } else {
        identifier(word)
    }
}

pub(super) fn collect_urls(value: &Value, urls: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            let candidate = text.split_whitespace().last().unwrap_or_default();
            if candidate.starts_with("http://") || candidate.starts_with("https://") {
                urls.push(candidate.to_string());
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| collect_urls(item, urls)),
        Value::Mapping(mapping) => {
            for (key, value) in mapping {
                let key = yaml_key(key).unwrap_or_default();
                if matches!(
                    key.as_str(),
                    "endpoints"
                        | "endpoint"
                        | "url"
                        | "base_url"
                        | "baseUrl"
                        | "tests"
                        | "steps"
                        | "verify"
                ) || value.is_sequence()
                    || value.is_mapping()
                {
                    collect_urls(value, urls);
                }
            }
        }
        _ => {}
    }
}

pub(super) fn has_relative_endpoint(value: &Value) -> bool {
    match value {
        Value::Sequence(items) => items.iter().any(has_relative_endpoint),
        Value::Mapping(mapping) => mapping.iter().any(|(key, value)| {
            let key = yaml_key(key).unwrap_or_default();
            let relative = |text: &str| {
                text.split_whitespace()
                    .last()
                    .is_some_and(|target| target.starts_with('/'))
            };
            match (key.as_str(), value) {
                ("endpoint" | "url", Value::String(text)) => relative(text),
                ("endpoints", Value::Sequence(items)) => {
                    items.iter().any(|item| item.as_str().is_some_and(relative))
                }
                _ => has_relative_endpoint(value),
            }
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names() {
        assert_eq!(service_name("npm run dev", 1), "dev");
        assert_eq!(
            service_name("./target/debug/rit-demo serve --port 3000", 1),
            "serve"
        );
        assert_eq!(service_name("--", 2), "service_2");
    }
}
