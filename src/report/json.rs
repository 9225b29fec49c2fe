//! The JSON report: the shape of the YAML report (docs/reports.md) plus what `ritc merge`
//! needs — `format`, the start and exact duration, the shard, every test with
//! its steps and load records (with their serialized HDR histograms), and the
//! problems outside tests. `ritc merge` reads it back as `RunReport`.

use super::model::RunReport;

pub fn render(report: &RunReport) -> String {
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|error| format!("{{\"error\": {:?}}}", error.to_string()));
    text.push('\n');
    text
}

/// Reads a JSON report written by `render`.
pub fn parse(text: &str) -> Result<RunReport, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
    match value.get("format").and_then(serde_json::Value::as_str) {
        Some(super::model::REPORT_FORMAT) => {}
        Some(other) => {
            return Err(format!(
                "a report in format {other:?}; this ritc reads {:?}",
                super::model::REPORT_FORMAT
            ));
        }
        None => {
            return Err(
                "not a JSON report of `ritc run --report json=PATH` (it has no `format` field)"
                    .to_string(),
            );
        }
    }
    serde_json::from_value(value).map_err(|error| format!("not a ritc JSON report: {error}"))
}
