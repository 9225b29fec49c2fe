//! Report files: the formats of `--report FORMAT=PATH`, rendering a finished
//! `RunReport` in one of them, and the reporter that collects a run's events and
//! writes its report when the run finishes. The file is written here; the
//! formats themselves (yaml.rs, json.rs, junit.rs, tap.rs, html.rs) are pure.

use super::Reporter;
use super::model::{ReportBuilder, RunReport};
use crate::mask::Masker;
use crate::run::outcome::Event;
use crate::source::source_map::SourceMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Junit,
    Tap,
    Html,
}

impl Format {
    pub const NAMES: [&'static str; 5] = ["yaml", "json", "junit", "tap", "html"];

    pub fn parse(name: &str) -> Option<Format> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Format::Yaml,
            "json" => Format::Json,
            "junit" | "xml" => Format::Junit,
            "tap" => Format::Tap,
            "html" => Format::Html,
            _ => return None,
        })
    }
}

/// Where one report goes: a file, or standard output for `-`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

/// One `--report FORMAT=PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportTarget {
    pub format: Format,
    pub destination: Destination,
}

impl ReportTarget {
    /// Reads `FORMAT=PATH` (clap's value parser).
    pub fn parse(text: &str) -> Result<ReportTarget, String> {
        let Some((format, path)) = text.split_once('=') else {
            return Err(format!(
                "expected FORMAT=PATH (FORMAT one of {}; PATH `-` for standard output), got {text:?}",
                Format::NAMES.join(", ")
            ));
        };
        let format = Format::parse(format).ok_or_else(|| {
            let near =
                crate::diagnostics::did_you_mean(format.trim(), Format::NAMES.iter().copied())
                    .map(|near| format!("; did you mean `{near}`?"))
                    .unwrap_or_default();
            format!(
                "unknown report format {format:?}: use one of {}{near}",
                Format::NAMES.join(", ")
            )
        })?;
        let destination = match path.trim() {
            "" => {
                return Err(format!(
                    "--report {text}: the path is empty (use `-` for standard output)"
                ));
            }
            "-" => Destination::Stdout,
            path => Destination::File(PathBuf::from(path)),
        };
        Ok(ReportTarget {
            format,
            destination,
        })
    }

    /// Whether the report can be written there, checked before the run starts:
    /// the folder must exist and a file there must not be a folder.
    pub fn check_writable(&self) -> Result<(), String> {
        let Destination::File(path) = &self.destination else {
            return Ok(());
        };
        if path.is_dir() {
            return Err(format!("--report: {} is a folder", path.display()));
        }
        let parent = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty());
        if let Some(parent) = parent
            && !parent.is_dir()
        {
            return Err(format!(
                "--report: the folder {} does not exist",
                parent.display()
            ));
        }
        Ok(())
    }

    /// Writes the rendered report.
    pub fn write(&self, text: &str) -> Result<(), String> {
        match &self.destination {
            Destination::Stdout => {
                let mut stdout = std::io::stdout().lock();
                stdout
                    .write_all(text.as_bytes())
                    .and_then(|()| stdout.flush())
                    .map_err(|error| format!("cannot write the report to standard output: {error}"))
            }
            Destination::File(path) => std::fs::write(path, text)
                .map_err(|error| format!("cannot write {}: {error}", path.display())),
        }
    }
}

/// The report in one format.
pub fn render(report: &RunReport, format: Format) -> String {
    match format {
        Format::Yaml => super::yaml::render(report),
        Format::Json => super::json::render(report),
        Format::Junit => super::junit::render(report),
        Format::Tap => super::tap::render(report),
        Format::Html => super::html::render(report),
    }
}

/// Collects the events of a run and writes the report in each requested format
/// when `RunFinished` arrives. One builder serves every format, so they all say
/// the same thing.
pub struct FileReporter {
    builder: ReportBuilder,
    masker: Masker,
    targets: Vec<ReportTarget>,
    errors: Vec<String>,
}

impl FileReporter {
    pub fn new(
        sources: Arc<SourceMap>,
        masker: Masker,
        shard: Option<(usize, usize)>,
        targets: Vec<ReportTarget>,
    ) -> FileReporter {
        FileReporter {
            builder: ReportBuilder::new(sources, shard),
            masker,
            targets,
            errors: Vec::new(),
        }
    }

    /// Why a report could not be written, once the run has finished.
    pub fn errors(&self) -> &[String] {
        &self.errors
    }
}

impl Reporter for FileReporter {
    fn event(&mut self, event: &Event) {
        self.builder.event(event);
        if matches!(event, Event::RunFinished { .. }) {
            let report = self.builder.report(&self.masker);
            for target in &self.targets {
                if let Err(error) = target.write(&render(&report, target.format)) {
                    self.errors.push(error);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_format_and_path() {
        assert_eq!(
            ReportTarget::parse("yaml=-"),
            Ok(ReportTarget {
                format: Format::Yaml,
                destination: Destination::Stdout
            })
        );
        assert_eq!(
            ReportTarget::parse("junit=out/report.xml").map(|target| target.destination),
            Ok(Destination::File(PathBuf::from("out/report.xml")))
        );
        let unknown = ReportTarget::parse("jsn=x").err().unwrap_or_default();
        assert!(unknown.contains("did you mean `json`"), "{unknown}");
        assert!(ReportTarget::parse("yaml").is_err());
        assert!(ReportTarget::parse("yaml=").is_err());
    }
}
