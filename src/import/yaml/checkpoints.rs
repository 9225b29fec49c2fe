//! `performance` tests as `load` steps with their thresholds, and checkpoints with
//! the tests they run.

use super::*;

impl Importer {
    pub(super) fn performance(&mut self, out: &mut Lines, location: &str, mapping: &Mapping) {
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
    pub(super) fn checkpoint(&mut self, out: &mut Lines, location: &str, checkpoint: &Value) {
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

    pub(super) fn checkpoint_test(
        &mut self,
        out: &mut Lines,
        location: &str,
        test: &Value,
        index: usize,
    ) {
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
