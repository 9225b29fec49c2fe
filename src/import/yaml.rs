//! Importing a YAML suite in the seed document's "Test Definition Format": setup
//! commands (servers become `service`s with a readiness probe), `health`, `flow`,
//! `integration` and `performance` tests, checkpoints, teardown. What has no
//! translation is kept as a `#` comment holding the YAML and noted. Pure: no IO.

use super::rit::{
    Lines, Names, Note, Translation, identifier, is_word, object_key, path_suffix, quoted,
    string_literal, yaml_expression, yaml_key,
};
use crate::units::{literal_duration_from_millis, literal_percent_from_fraction, plain_number};
use serde_yaml::{Mapping, Value};

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

fn get<'a>(mapping: &'a Mapping, key: &str) -> Option<&'a Value> {
    mapping.get(Value::String(key.to_string()))
}

fn get_any<'a>(mapping: &'a Mapping, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|key| get(mapping, key))
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A value as YAML text, for a comment.
fn yaml_text(value: &Value) -> String {
    serde_yaml::to_string(value)
        .unwrap_or_default()
        .trim_end()
        .to_string()
}

/// `scheme://host[:port]` of an absolute URL.
fn origin(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let origin = parsed.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// The kinds of unit a compared number carries in the format.
#[derive(Clone, Copy, PartialEq)]
enum Unit {
    Plain,
    /// Milliseconds (`timeout: 5000`, `avg_response_time: { lt: 200 }`).
    Millis,
    /// A fraction that `.rit` writes as a percentage (`success_rate: 0.99`).
    Fraction,
}

fn comparison(operator: &str) -> Option<&'static str> {
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

const TYPE_WORDS: &[(&str, &str)] = &[
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

struct Importer {
    names: Names,
    notes: Vec<Note>,
    /// The origin every relative endpoint is resolved against, as `{{base}}`.
    base: Option<String>,
    base_used: bool,
    database_used: bool,
    /// Health endpoints by origin, for the readiness probes of services.
    health_endpoints: Vec<String>,
    /// The `.rit` names of captures, to spot those that nothing reads.
    captures: Vec<String>,
}

impl Importer {
    fn new(root: &Mapping) -> Importer {
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

    fn note(&mut self, location: &str, message: impl Into<String>) {
        self.notes.push(Note {
            location: location.to_string(),
            message: message.into(),
        });
    }

    /// Keeps `value` as a comment and notes it.
    fn untranslated(&mut self, out: &mut Lines, location: &str, what: &str, value: &Value) {
        out.line(format!("# not translated ({what}):"));
        let yaml = yaml_text(value);
        for line in yaml.lines() {
            out.line(format!("#   {line}"));
        }
        self.note(location, what);
    }

    fn string(&mut self, text: &str) -> String {
        string_literal(text, &mut self.names)
    }

    /// A URL expression: absolute URLs on the base origin and paths become
    /// `"{{base}}/…"`.
    fn url(&mut self, target: &str) -> String {
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
    fn endpoint(&mut self, text: &str) -> (String, String) {
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

    fn suite(&mut self, stem: &str, root: &Mapping) -> Translation {
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

    fn variables(&mut self, out: &mut Lines, value: &Value) {
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

    fn setup(&mut self, services: &mut Lines, setup: &mut Lines, value: &Value) {
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

    fn commands(&mut self, out: &mut Lines, location: &str, value: &Value) {
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
    fn command(&mut self, out: &mut Lines, location: &str, entry: &Value) {
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
    fn service(&mut self, out: &mut Lines, location: &str, entry: &Value, count: usize) {
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
    fn probe_for(&mut self, command: &str, count: usize) -> Option<String> {
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

    fn test(&mut self, out: &mut Lines, location: &str, test: &Value, index: usize) {
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

    fn test_attributes(
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

    fn health(&mut self, out: &mut Lines, location: &str, mapping: &Mapping) {
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

    fn steps(&mut self, out: &mut Lines, location: &str, steps: Option<&Value>) {
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
    fn step(&mut self, out: &mut Lines, location: &str, step: &Value) {
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

    /// `expect: { status, body, headers, duration }` after an HTTP request.
    fn response_expectations(
        &mut self,
        out: &mut Lines,
        location: &str,
        expect: Option<&Value>,
        health: bool,
    ) {
        let Some(expect) = expect else {
            if health {
                out.line("expect status == 200");
            }
            return;
        };
        let Some(mapping) = expect.as_mapping() else {
            match as_number(expect) {
                Some(status) => out.line(format!("expect status == {}", plain_number(status))),
                None => {
                    self.untranslated(out, location, "an `expect` that is not a mapping", expect)
                }
            }
            return;
        };
        for (key, value) in mapping {
            let key = yaml_key(key).unwrap_or_default();
            let here = format!("{location}.expect.{key}");
            match key.as_str() {
                "status" | "status_code" | "statusCode" => {
                    self.expectation(out, &here, "status", value, Unit::Plain)
                }
                "body" | "json" => self.body_expectations(out, &here, "json", value),
                "headers" => match value.as_mapping() {
                    Some(headers) => {
                        for (name, value) in headers {
                            let name = yaml_key(name).unwrap_or_default().to_ascii_lowercase();
                            let subject = format!("headers[{}]", quoted(&name));
                            self.expectation(out, &here, &subject, value, Unit::Plain);
                        }
                    }
                    None => {
                        self.untranslated(out, &here, "`headers` that are not a mapping", value)
                    }
                },
                "duration" | "response_time" | "max_response_time" | "latency" => match value {
                    Value::Number(_) => {
                        let limit = as_number(value).unwrap_or_default();
                        out.line(format!(
                            "expect duration < {}",
                            literal_duration_from_millis(limit)
                        ));
                    }
                    _ => self.expectation(out, &here, "duration", value, Unit::Millis),
                },
                "text" | "body_contains" | "contains" => match as_text(value) {
                    Some(text) => {
                        let text = self.string(&text);
                        out.line(format!("expect body contains {text}"));
                    }
                    None => {
                        self.untranslated(out, &here, "a body text that is not a string", value)
                    }
                },
                other => {
                    self.untranslated(out, &here, &format!("unknown expectation `{other}`"), value)
                }
            }
        }
    }

    /// `body: { token: "string", user: { email: "a@b" } }`: one expectation per leaf.
    fn body_expectations(&mut self, out: &mut Lines, location: &str, subject: &str, value: &Value) {
        match value {
            Value::Mapping(mapping) if !is_operator_mapping(mapping) => {
                for (key, value) in mapping {
                    let key = yaml_key(key).unwrap_or_default();
                    let path = if is_word(&key) {
                        format!("{subject}.{key}")
                    } else {
                        format!("{subject}[{}]", object_key(&key))
                    };
                    self.body_expectations(out, &format!("{location}.{key}"), &path, value);
                }
            }
            _ => self.expectation(out, location, subject, value, Unit::Plain),
        }
    }

    /// `subject: value`, `subject: { gte: 1 }`, `subject: "string"` (a type).
    fn expectation(
        &mut self,
        out: &mut Lines,
        location: &str,
        subject: &str,
        value: &Value,
        unit: Unit,
    ) {
        match value {
            Value::Mapping(mapping) if is_operator_mapping(mapping) => {
                for (operator, operand) in mapping {
                    let operator = yaml_key(operator).unwrap_or_default();
                    if operator == "exists" {
                        let negation = if operand.as_bool() == Some(false) {
                            "not "
                        } else {
                            ""
                        };
                        out.line(format!("expect {negation}{subject} exists"));
                        continue;
                    }
                    if operator == "type" {
                        self.type_expectation(out, location, subject, operand);
                        continue;
                    }
                    let Some(symbol) = comparison(&operator) else {
                        self.untranslated(
                            out,
                            location,
                            &format!("the comparison `{operator}`"),
                            value,
                        );
                        continue;
                    };
                    match self.operand(operand, unit) {
                        Some(operand) => out.line(format!("expect {subject} {symbol} {operand}")),
                        None => {
                            self.untranslated(out, location, "a value with no `.rit` form", operand)
                        }
                    }
                }
            }
            Value::String(text)
                if TYPE_WORDS.iter().any(|(word, _)| word == text) && unit == Unit::Plain =>
            {
                self.type_expectation(out, location, subject, value);
            }
            Value::Sequence(_) if subject == "status" => match self.operand(value, unit) {
                Some(list) => out.line(format!("expect status in {list}")),
                None => self.untranslated(out, location, "a value with no `.rit` form", value),
            },
            _ => match self.operand(value, unit) {
                Some(operand) => out.line(format!("expect {subject} == {operand}")),
                None => self.untranslated(out, location, "a value with no `.rit` form", value),
            },
        }
    }

    fn type_expectation(&mut self, out: &mut Lines, location: &str, subject: &str, word: &Value) {
        let word = as_text(word).unwrap_or_default();
        match TYPE_WORDS.iter().find(|(name, _)| *name == word) {
            Some((_, rit_type)) => out.line(format!("expect {subject} is {rit_type}")),
            None => self.untranslated(
                out,
                location,
                &format!("the type `{word}`"),
                &Value::String(word.clone()),
            ),
        }
    }

    fn operand(&mut self, value: &Value, unit: Unit) -> Option<String> {
        match (unit, value) {
            (Unit::Millis, Value::Number(_)) => {
                Some(literal_duration_from_millis(as_number(value)?))
            }
            (Unit::Fraction, Value::Number(_)) => {
                Some(literal_percent_from_fraction(as_number(value)?))
            }
            _ => yaml_expression(value, &mut self.names),
        }
    }

    /// `expect: { rows: 1, count: { gte: 1 } }` after `sql`: `rows` is the number
    /// of rows; any other key is a column of the first row.
    fn sql_expectations(&mut self, out: &mut Lines, location: &str, expect: Option<&Value>) {
        let Some(expect) = expect else { return };
        let Some(mapping) = expect.as_mapping() else {
            self.untranslated(out, location, "an `expect` that is not a mapping", expect);
            return;
        };
        for (key, value) in mapping {
            let key = yaml_key(key).unwrap_or_default();
            let here = format!("{location}.expect.{key}");
            match (key.as_str(), value) {
                ("rows" | "row_count" | "rowCount", Value::Number(_) | Value::Mapping(_)) => {
                    self.expectation(out, &here, "count", value, Unit::Plain)
                }
                ("rows", Value::Sequence(rows)) => {
                    out.line(format!("expect count == {}", rows.len()));
                    for (index, row) in rows.iter().enumerate() {
                        self.body_expectations(out, &here, &format!("rows[{index}]"), row);
                    }
                }
                _ => {
                    let subject = if is_word(&key) {
                        format!("rows[0].{key}")
                    } else {
                        format!("rows[0][{}]", object_key(&key))
                    };
                    self.body_expectations(out, &here, &subject, value);
                }
            }
        }
    }

    /// A command step's `expect`, or the checkpoint form's `expectedOutput`.
    fn command_expectations(&mut self, out: &mut Lines, location: &str, mapping: &Mapping) {
        let mut checked_exit = false;
        if let Some(output) =
            get_any(mapping, &["expectedOutput", "expected_output"]).and_then(as_text)
        {
            let output = self.string(&output);
            out.line(format!("expect stdout contains {output}"));
        }
        if let Some(expect) = get(mapping, "expect") {
            match expect.as_mapping() {
                Some(expectations) => {
                    for (key, value) in expectations {
                        let key = yaml_key(key).unwrap_or_default();
                        let here = format!("{location}.expect.{key}");
                        match key.as_str() {
                            "exit" | "exit_code" | "exitCode" | "code" => {
                                checked_exit = true;
                                self.expectation(out, &here, "exit", value, Unit::Plain);
                            }
                            "stdout" | "output" => {
                                self.text_expectation(out, &here, "stdout", value)
                            }
                            "stderr" => self.text_expectation(out, &here, "stderr", value),
                            "json" => self.body_expectations(out, &here, "json(stdout)", value),
                            other => self.untranslated(
                                out,
                                &here,
                                &format!("unknown expectation `{other}`"),
                                value,
                            ),
                        }
                    }
                }
                None => {
                    self.untranslated(out, location, "an `expect` that is not a mapping", expect)
                }
            }
        }
        if !checked_exit {
            out.line("expect exit == 0");
        }
    }

    /// Output text: a string is looked for in it, a mapping compares.
    fn text_expectation(&mut self, out: &mut Lines, location: &str, subject: &str, value: &Value) {
        match value {
            Value::String(text) => {
                let text = self.string(text);
                out.line(format!("expect {subject} contains {text}"));
            }
            _ => self.expectation(out, location, subject, value, Unit::Plain),
        }
    }

    /// `capture: { token: "body.token" }` → `let token = json.token`.
    fn captures(&mut self, out: &mut Lines, location: &str, capture: &Value) {
        let Some(mapping) = capture.as_mapping() else {
            self.untranslated(out, location, "a `capture` that is not a mapping", capture);
            return;
        };
        for (name, path) in mapping {
            let name = yaml_key(name).unwrap_or_default();
            let here = format!("{location}.{name}");
            let Some(expression) = as_text(path).and_then(|path| capture_path(&path)) else {
                self.untranslated(out, &here, "a capture path with no `.rit` form", path);
                continue;
            };
            let variable = self.names.define(&name);
            self.captures.push(variable.clone());
            out.line(format!("let {variable} = {expression}"));
        }
    }

    fn performance(&mut self, out: &mut Lines, location: &str, mapping: &Mapping) {
        let Some(endpoint) = get_any(mapping, &["endpoint", "url"]).and_then(as_text) else {
            self.untranslated(
                out,
                location,
                "a performance test without `endpoint`",
                &Value::Mapping(mapping.clone()),
            );
            return;
        };
        let (method, url) = self.endpoint(&endpoint);
        let mut head = format!("load {method} {url}");
        if let Some(headers) =
            get(mapping, "headers").and_then(|value| yaml_expression(value, &mut self.names))
        {
            head.push_str(&format!(" headers {headers}"));
        }
        if let Some(data) = get_any(mapping, &["data", "body", "json"])
            .and_then(|value| yaml_expression(value, &mut self.names))
        {
            head.push_str(&format!(" json {data}"));
        }
        out.open(format!("{head} {{"));
        let concurrency =
            get_any(mapping, &["concurrent_requests", "concurrency"]).and_then(as_number);
        let requests =
            get_any(mapping, &["requests", "total_requests", "iterations"]).and_then(as_number);
        let duration = get(mapping, "duration").and_then(as_number);
        let rate = get_any(mapping, &["rate", "rps"]).and_then(as_number);
        if let Some(rate) = rate {
            out.line(format!("rate {} per 1s", plain_number(rate)));
            if let Some(concurrency) = concurrency {
                out.line(format!("concurrency {}", plain_number(concurrency)));
            }
            out.line(format!(
                "duration {}",
                literal_duration_from_millis(duration.unwrap_or(10_000.0))
            ));
        } else {
            let concurrency = concurrency.unwrap_or(1.0);
            out.line(format!("concurrency {}", plain_number(concurrency)));
            match (requests, duration) {
                (_, Some(duration)) => out.line(format!(
                    "duration {}",
                    literal_duration_from_millis(duration)
                )),
                (Some(requests), None) => out.line(format!("requests {}", plain_number(requests))),
                // "50 concurrent requests": that many, all at once.
                (None, None) => out.line(format!("requests {}", plain_number(concurrency))),
            }
        }
        if let Some(warmup) = get(mapping, "warmup").and_then(as_number) {
            out.line(format!("warmup {}", literal_duration_from_millis(warmup)));
        }
        out.close();
        let Some(expect) = get(mapping, "expect") else {
            return;
        };
        let Some(expectations) = expect.as_mapping() else {
            self.untranslated(out, location, "an `expect` that is not a mapping", expect);
            return;
        };
        for (key, value) in expectations {
            let key = yaml_key(key).unwrap_or_default();
            let here = format!("{location}.expect.{key}");
            let latency = |field: &str| (format!("latency.{field}"), Unit::Millis);
            let (subject, unit) = match key.as_str() {
                "avg_response_time" | "average_response_time" | "mean_response_time" => {
                    latency("avg")
                }
                "min_response_time" => latency("min"),
                "max_response_time" => latency("max"),
                "median_response_time" | "p50_response_time" | "p50" => latency("p50"),
                "p90_response_time" | "p90" => latency("p90"),
                "p95_response_time" | "p95" => latency("p95"),
                "p99_response_time" | "p99" => latency("p99"),
                "success_rate" => ("success_rate".to_string(), Unit::Fraction),
                "error_rate" => ("100% - success_rate".to_string(), Unit::Fraction),
                "throughput" | "rps" | "requests_per_second" => {
                    ("throughput".to_string(), Unit::Plain)
                }
                "failed" | "errors" | "error_count" | "failures" => {
                    ("failed".to_string(), Unit::Plain)
                }
                "succeeded" | "successes" => ("succeeded".to_string(), Unit::Plain),
                other => {
                    self.untranslated(
                        out,
                        &here,
                        &format!("unknown load expectation `{other}`"),
                        value,
                    );
                    continue;
                }
            };
            self.expectation(out, &here, &subject, value, unit);
        }
    }

    // ------------------------------------------------------------ checkpoints

    /// The seed's checkpoint object, written in YAML: `name`, `stage`,
    /// `failureAction`, and tests with `command`, `expectedOutput`, `timeout`,
    /// `retries`.
    fn checkpoint(&mut self, out: &mut Lines, location: &str, checkpoint: &Value) {
        let Some(mapping) = checkpoint.as_mapping() else {
            self.untranslated(
                out,
                location,
                "a checkpoint that is not a mapping",
                checkpoint,
            );
            return;
        };
        let name = get(mapping, "name")
            .and_then(as_text)
            .unwrap_or_else(|| "checkpoint".to_string());
        let mut head = format!(
            "checkpoint {}",
            string_literal(&name, &mut Names::default())
        );
        if let Some(stage) = get(mapping, "stage").and_then(as_text) {
            head.push_str(&format!(
                " stage {}",
                string_literal(&stage, &mut Names::default())
            ));
        }
        let mut body = Lines::default();
        if let Some(action) =
            get_any(mapping, &["failureAction", "failure_action", "on_failure"]).and_then(as_text)
        {
            match action.as_str() {
                "stop" | "warn" | "continue" => head.push_str(&format!(" on failure {action}")),
                _ => self.untranslated(
                    &mut body,
                    location,
                    &format!("the failure action `{action}`"),
                    &Value::String(action.clone()),
                ),
            }
        }
        for (key, value) in mapping {
            let key = yaml_key(key).unwrap_or_default();
            match key.as_str() {
                "name" | "stage" | "failureAction" | "failure_action" | "on_failure" => {}
                "tests" => match value.as_sequence() {
                    Some(tests) => {
                        for (index, test) in tests.iter().enumerate() {
                            if index > 0 {
                                body.blank();
                            }
                            self.checkpoint_test(
                                &mut body,
                                &format!("{location}.tests[{index}]"),
                                test,
                                index,
                            );
                        }
                    }
                    None => self.untranslated(
                        &mut body,
                        location,
                        "checkpoint `tests` that are not a list",
                        value,
                    ),
                },
                other => self.untranslated(
                    &mut body,
                    &format!("{location}.{other}"),
                    &format!("unknown key `{other}`"),
                    value,
                ),
            }
        }
        out.open(format!("{head} {{"));
        out.append(body);
        out.close();
    }

    fn checkpoint_test(&mut self, out: &mut Lines, location: &str, test: &Value, index: usize) {
        let Some(mapping) = test.as_mapping() else {
            self.untranslated(
                out,
                location,
                "a checkpoint test that is not a mapping",
                test,
            );
            return;
        };
        let name = get(mapping, "name")
            .and_then(as_text)
            .unwrap_or_else(|| format!("test {}", index + 1));
        let mut attributes = String::new();
        if let Some(millis) = get(mapping, "timeout").and_then(as_number) {
            attributes.push_str(&format!(
                " timeout {}",
                literal_duration_from_millis(millis)
            ));
        }
        let retryable = get(mapping, "retryable")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        match get_any(mapping, &["retries", "retry"]).and_then(as_number) {
            Some(count) if retryable || get(mapping, "retryable").is_none() => {
                attributes.push_str(&format!(" retry {}", plain_number(count)))
            }
            None if retryable => attributes.push_str(" retry 1"),
            _ => {}
        }
        let mut body = Lines::default();
        self.names.begin_test();
        for (key, value) in mapping {
            let key = yaml_key(key).unwrap_or_default();
            if ![
                "name",
                "timeout",
                "retryable",
                "retries",
                "retry",
                "command",
                "expectedOutput",
                "expected_output",
                "expect",
                "endpoint",
                "url",
                "method",
                "headers",
                "data",
                "body",
                "json",
                "query",
            ]
            .contains(&key.as_str())
            {
                self.untranslated(
                    &mut body,
                    &format!("{location}.{key}"),
                    &format!("unknown key `{key}`"),
                    value,
                );
            }
        }
        let mut step = mapping.clone();
        step.remove(Value::String("name".to_string()));
        step.remove(Value::String("timeout".to_string()));
        for key in ["retryable", "retries", "retry"] {
            step.remove(Value::String(key.to_string()));
        }
        if get(&step, "command").is_some() || get_any(&step, &["endpoint", "url"]).is_some() {
            self.step(&mut body, location, &Value::Mapping(step));
        }
        self.names.end_test();
        out.open(format!(
            "test {}{attributes} {{",
            string_literal(&name, &mut Names::default())
        ));
        out.append(body);
        out.close();
    }
}

/// The keys a step may have.
const STEP_KEYS: &[&str] = &[
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

/// True for `{ gte: 1 }`, `{ lt: 200, gt: 0 }`: every key a comparison.
fn is_operator_mapping(mapping: &Mapping) -> bool {
    !mapping.is_empty()
        && mapping.keys().all(|key| {
            yaml_key(key)
                .is_some_and(|key| comparison(&key).is_some() || key == "exists" || key == "type")
        })
}

/// `body.token` → `json.token`, `headers.Location` → `headers["location"]`,
/// `status` → `status`, `$.a[0].b` → `json.a[0].b`, `rows[0].id` → `rows[0].id`.
fn capture_path(path: &str) -> Option<String> {
    let path = path.trim();
    if let Some(rest) = path
        .strip_prefix("headers.")
        .or_else(|| path.strip_prefix("header."))
    {
        return Some(format!("headers[{}]", quoted(&rest.to_ascii_lowercase())));
    }
    let (root, rest) = if let Some(rest) = path.strip_prefix('$') {
        ("json", rest)
    } else if let Some(rest) = path
        .strip_prefix("body")
        .or_else(|| path.strip_prefix("json"))
    {
        ("json", rest)
    } else {
        let end = path.find(['.', '[']).unwrap_or(path.len());
        let root = &path[..end];
        if ![
            "status", "rows", "count", "stdout", "stderr", "exit", "duration", "url", "cookies",
        ]
        .contains(&root)
        {
            return None;
        }
        (root, &path[end..])
    };
    Some(format!("{root}{}", path_suffix(rest)?))
}

/// A service's name from its command: `npm run dev` → `dev`.
fn service_name(command: &str, count: usize) -> String {
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

fn collect_urls(value: &Value, urls: &mut Vec<String>) {
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

fn has_relative_endpoint(value: &Value) -> bool {
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
    fn capture_paths() {
        assert_eq!(capture_path("body.token").as_deref(), Some("json.token"));
        assert_eq!(
            capture_path("$.items[0]['odd-key']").as_deref(),
            Some("json.items[0][\"odd-key\"]")
        );
        assert_eq!(
            capture_path("headers.Location").as_deref(),
            Some("headers[\"location\"]")
        );
        assert_eq!(capture_path("rows[0].id").as_deref(), Some("rows[0].id"));
        assert_eq!(capture_path("status").as_deref(), Some("status"));
        assert_eq!(capture_path("$..id"), None);
        assert_eq!(capture_path("cookie.x"), None);
    }

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
