//! `ritc merge REPORT…`: reads the JSON reports of `--shard` runs, writes the
//! report of the whole in any format (`--report FORMAT=PATH`, YAML on standard
//! output by default); the exit code of its status, as for `ritc run` (0
//! passed or partial, 1 failed, 3 a shard was interrupted), 2 when a report
//! cannot be read or written.

use super::exit;
use crate::report::merge;
use crate::report::output::{self, Destination, Format, ReportTarget};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct MergeArgs {
    /// The JSON reports to combine (from `ritc run --shard K/N --report json=PATH`).
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,
    /// Write the merged report: FORMAT is yaml, json, junit, tap or html; PATH `-`
    /// is standard output (repeatable). Default: yaml=-.
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = ReportTarget::parse)]
    report_targets: Vec<ReportTarget>,
    #[command(flatten)]
    history: super::history::HistoryFlags,
}

pub fn run(args: MergeArgs) -> u8 {
    let mut targets = args.report_targets;
    if targets.is_empty() {
        targets.push(ReportTarget {
            format: Format::Yaml,
            destination: Destination::Stdout,
        });
    }
    if targets
        .iter()
        .filter(|target| target.destination == Destination::Stdout)
        .count()
        > 1
    {
        super::print_error("only one --report can go to standard output (`-`)", None);
        return exit::USAGE;
    }
    for target in &targets {
        if let Err(message) = target.check_writable() {
            super::print_error(&message, None);
            return exit::USAGE;
        }
    }
    let mut reports = Vec::new();
    for path in &args.reports {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                super::print_error(format!("cannot read {}: {error}", path.display()), None);
                return exit::USAGE;
            }
        };
        match crate::report::json::parse(&text) {
            Ok(report) => reports.push((path.display().to_string(), report)),
            Err(message) => {
                super::print_error(format!("{}: {message}", path.display()), None);
                return exit::USAGE;
            }
        }
    }
    let mut merged = merge::merge(&reports);
    if let Some(settings) = args.history.settings() {
        let entry = crate::report::model::history_entry(&merged);
        let store = crate::history::HistoryStore::new(&settings.dir);
        match store.record(&entry, settings.keep) {
            Ok(earlier) => {
                let findings = crate::history::findings(&earlier, &entry);
                for finding in &findings {
                    eprintln!("history: {}", finding.message);
                }
                crate::report::model::add_history(&mut merged, &findings);
            }
            Err(error) => eprintln!(
                "warning: cannot record the merged run in its history ({}): {error}",
                settings.dir.display()
            ),
        }
    }
    for warning in merged
        .warnings
        .iter()
        .filter(|warning| warning.starts_with("shard ") || warning.starts_with("the reports come"))
    {
        eprintln!("warning: {warning}");
    }
    let mut code = merged.test_run.status.exit_code();
    for target in &targets {
        if let Err(message) = target.write(&output::render(&merged, target.format)) {
            super::print_error(&message, None);
            code = exit::USAGE;
        }
    }
    let summary = &merged.summary;
    eprintln!(
        "merged {} report{}: {}",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        crate::report::model::verdict_line(
            merged.test_run.status,
            summary,
            &merged.test_run.duration
        )
    );
    code
}
