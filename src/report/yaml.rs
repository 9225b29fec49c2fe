//! The YAML report: exactly the shape of the seed's "Output Format" (docs/reports.md):
//! `test_run`, `summary`, `failed_tests`, `warnings`, `recommendations`.
//! Written by hand rather than through serde_yaml so that every string is
//! quoted (a YAML 1.1 reader would otherwise turn the timestamp into a date and
//! `no` into false) and multi-line text stays readable as a block.

use super::model::RunReport;
use serde_json::{Map, Value as Json, json};

pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    write_mapping(&mut out, &view(report), 0);
    out
}

/// The report reduced to the fields of that shape, in its order.
pub fn view(report: &RunReport) -> Map<String, Json> {
    let run = &report.test_run;
    let failed: Vec<Json> = report
        .failed_tests
        .iter()
        .map(|failed| {
            json!({
                "name": failed.name,
                "file": failed.file,
                "line": failed.line,
                "reason": failed.reason,
                "details": { "actual": failed.details.actual, "expected": failed.details.expected },
                "suggestion": failed.suggestion,
                "service_log": failed.service_log,
            })
        })
        .collect();
    let document = json!({
        "test_run": {
            "timestamp": run.timestamp,
            "duration": run.duration,
            "status": run.status.as_str(),
            "files": run.files,
        },
        "summary": report.summary,
        "failed_tests": failed,
        "warnings": report.warnings,
        "recommendations": report.recommendations,
    });
    match document {
        Json::Object(mut map) => {
            // Not in the seed's shape: only when the run started services.
            if !report.services.is_empty() {
                let services: Vec<Json> = report
                    .services
                    .iter()
                    .map(|service| {
                        json!({
                            "name": service.name,
                            "peak_memory": service.peak_rss,
                            "peak_rss_bytes": service.peak_rss_bytes,
                            "peak_cpu": super::model::cpu_figure(service.peak_cpu_percent),
                            "peak_cpu_percent": service.peak_cpu_percent,
                            "cpu_seconds": service.cpu_seconds,
                            "processes": service.processes,
                            "peak_rss_at_ms": service.peak_rss_at_ms,
                            "peak_cpu_at_ms": service.peak_cpu_at_ms,
                            "peak_rss_during": service.peak_rss_during,
                            "peak_cpu_during": service.peak_cpu_during,
                            "high": service.high,
                        })
                    })
                    .collect();
                map.insert("services".to_string(), Json::Array(services));
            }
            // Not in the seed's shape either: only when tests of checkpoints ran.
            if !report.checkpoints.is_empty() {
                let checkpoints: Vec<Json> = report
                    .checkpoints
                    .iter()
                    .map(|checkpoint| {
                        json!({
                            "name": checkpoint.name,
                            "stage": checkpoint.stage,
                            "on_failure": checkpoint.on_failure,
                            "status": checkpoint.status.as_str(),
                            "tests": checkpoint.tests,
                            "duration": checkpoint.duration,
                        })
                    })
                    .collect();
                map.insert("checkpoints".to_string(), Json::Array(checkpoints));
            }
            map
        }
        _ => Map::new(),
    }
}

pub(super) fn write_mapping(out: &mut String, map: &Map<String, Json>, indent: usize) {
    for (key, value) in map {
        out.push_str(&" ".repeat(indent));
        out.push_str(&key_text(key));
        out.push(':');
        write_value_after_key(out, value, indent);
    }
}

/// A value after `key:` or `- `: scalars on the same line, collections below.
fn write_value_after_key(out: &mut String, value: &Json, indent: usize) {
    match value {
        Json::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_mapping(out, map, indent + 2);
        }
        Json::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_sequence(out, items, indent + 2);
        }
        Json::String(text) if is_block_text(text) => {
            out.push(' ');
            write_block(out, text, indent + 2);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn write_sequence(out: &mut String, items: &[Json], indent: usize) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match item {
            Json::Object(map) if !map.is_empty() => {
                // The first key goes on the dash's line, the others under it.
                let mut first = true;
                for (key, value) in map {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    out.push_str(&key_text(key));
                    out.push(':');
                    write_value_after_key(out, value, indent + 2);
                }
            }
            Json::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_sequence(out, inner, indent + 2);
            }
            other => write_value_after_key(out, other, indent),
        }
    }
}

/// Multi-line text as a literal block with an explicit indentation, so lines
/// that start with spaces survive; `+` keeps a final line break, `-` drops none.
fn write_block(out: &mut String, text: &str, indent: usize) {
    out.push_str(&format!(
        "|{}{}\n",
        2,
        if text.ends_with('\n') { "+" } else { "-" }
    ));
    let body = text.strip_suffix('\n').unwrap_or(text);
    for line in body.split('\n') {
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// Text worth a block: several lines, nothing a block cannot hold exactly.
fn is_block_text(text: &str) -> bool {
    text.contains('\n')
        && !text
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{feff}')
        && !text.lines().any(|line| line.ends_with(' '))
        && !text.ends_with("\n\n")
}

fn scalar_text(value: &Json) -> String {
    match value {
        Json::Null => "null".to_string(),
        Json::Bool(flag) => flag.to_string(),
        Json::Number(number) => number.to_string(),
        // JSON's string escapes are a subset of YAML's double-quoted ones.
        Json::String(text) => quoted(text),
        Json::Array(_) => "[]".to_string(),
        Json::Object(_) => "{}".to_string(),
    }
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

/// Plain keys stay plain (`total_tests`); anything else is quoted
/// (`"latency.avg"` stays plain too: letters, digits, `_` and `.` only).
fn key_text(key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !matches!(
            key.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain { key.to_string() } else { quoted(key) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: &Json) -> serde_yaml::Value {
        let mut map = Map::new();
        map.insert("value".to_string(), value.clone());
        let mut out = String::new();
        write_mapping(&mut out, &map, 0);
        let parsed: serde_yaml::Value =
            serde_yaml::from_str(&out).unwrap_or_else(|error| panic!("{error}\n{out}"));
        parsed
            .get("value")
            .cloned()
            .unwrap_or(serde_yaml::Value::Null)
    }

    #[test]
    fn text_survives_a_yaml_reader() {
        for text in [
            "plain",
            "no",
            "2026-01-15T10:30:00Z",
            "a: b",
            "- x",
            "line one\n  indented\nthree",
            "ends\n",
            "\ttab",
            "quote \" and \\",
            "",
            "a\n\nb",
        ] {
            assert_eq!(
                round_trip(&Json::from(text)),
                serde_yaml::Value::from(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn nested_collections_survive_a_yaml_reader() {
        let value = json!([{"name": "a / b", "details": {"actual": {"json.items[0]": 3, "latency.avg": "250ms"}, "expected": null}, "log": ["x", "y\n  z"], "more": "p\nq"}, "r\ns", [], {}, [[1, 2], [3]]]);
        let parsed = round_trip(&value);
        let back: Json = serde_yaml::from_value(parsed).unwrap_or(Json::Null);
        assert_eq!(back, value);
    }
}
