//! A step's `expect` and `capture`: responses, bodies, SQL rows and command
//! results as `expect` lines, captures as `let`s.

use super::*;

impl Importer {
    /// `expect: { status, body, headers, duration }` after an HTTP request.
    pub(super) fn response_expectations(
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
    pub(super) fn body_expectations(
        &mut self,
        out: &mut Lines,
        location: &str,
        subject: &str,
        value: &Value,
    ) {
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
    pub(super) fn expectation(
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

    pub(super) fn type_expectation(
        &mut self,
        out: &mut Lines,
        location: &str,
        subject: &str,
        word: &Value,
    ) {
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

    pub(super) fn operand(&mut self, value: &Value, unit: Unit) -> Option<String> {
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
    pub(super) fn sql_expectations(
        &mut self,
        out: &mut Lines,
        location: &str,
        expect: Option<&Value>,
    ) {
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
    pub(super) fn command_expectations(
        &mut self,
        out: &mut Lines,
        location: &str,
        mapping: &Mapping,
    ) {
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
    pub(super) fn text_expectation(
        &mut self,
        out: &mut Lines,
        location: &str,
        subject: &str,
        value: &Value,
    ) {
        match value {
            Value::String(text) => {
                let text = self.string(text);
                out.line(format!("expect {subject} contains {text}"));
            }
            _ => self.expectation(out, location, subject, value, Unit::Plain),
        }
    }

    /// `capture: { token: "body.token" }` → `let token = json.token`.
    pub(super) fn captures(&mut self, out: &mut Lines, location: &str, capture: &Value) {
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
}

/// True for `{ gte: 1 }`, `{ lt: 200, gt: 0 }`: every key a comparison.
pub(super) fn is_operator_mapping(mapping: &Mapping) -> bool {
    !mapping.is_empty()
        && mapping.keys().all(|key| {
            yaml_key(key)
                .is_some_and(|key| comparison(&key).is_some() || key == "exists" || key == "type")
        })
}

/// `body.token` → `json.token`, `headers.Location` → `headers["location"]`,
/// `status` → `status`, `$.a[0].b` → `json.a[0].b`, `rows[0].id` → `rows[0].id`.
pub(super) fn capture_path(path: &str) -> Option<String> {
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
}
