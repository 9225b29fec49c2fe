//! `ritc run`: check, plan, run, report; exit 0, 1, 2 or 3.

use super::{exit, files};
use crate::check::{self, program::DiskLoader};
use crate::diagnostics::{Severity, render};
use crate::mask::Masker;
use crate::report::Reporter;
use crate::report::events::EventsReporter;
use crate::report::output::{Destination, FileReporter, ReportTarget};
use crate::report::terminal::TerminalReporter;
use crate::run::outcome::Event;
use crate::run::runner::{self, RunOptions};
use crate::run::selection::Selection;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct RunArgs {
    /// Files or folders to run (folders: every *.rit inside, recursively).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Only tests whose name (or `suite/test`) matches this glob.
    #[arg(long = "test", value_name = "GLOB")]
    test_glob: Option<String>,
    /// Only tests with this tag (repeatable: any of them).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Only the tests of this checkpoint.
    #[arg(long)]
    checkpoint: Option<String>,
    /// Only the tests of checkpoints of this stage.
    #[arg(long)]
    stage: Option<String>,
    /// Override a param: `--param base=http://localhost:4000` (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_pair)]
    params: Vec<(String, String)>,
    /// `KEY=VALUE` lines added to the run's environment.
    #[arg(long, value_name = "FILE")]
    env_file: Option<PathBuf>,
    /// Run up to N tests at a time (at least 1).
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = parse_jobs)]
    jobs: usize,
    /// The default step timeout (more than zero).
    #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    timeout: Duration,
    /// The most of a response body an HTTP step (or a `load` check) reads; past
    /// it the step fails, so memory stays bounded (e.g. 64MB, 512KB, 1GB).
    #[arg(long, default_value = "64MB", value_parser = parse_size, value_name = "SIZE")]
    max_body: usize,
    /// Stop starting tests after the first failure.
    #[arg(long)]
    fail_fast: bool,
    /// Assume the services are already running (their readiness is still awaited).
    #[arg(long)]
    no_start: bool,
    /// Do not sample the servers the steps connect to (Redis, PostgreSQL, MySQL)
    /// or the services' CPU and memory: no resource warnings.
    #[arg(long)]
    no_watch: bool,
    /// Only slice K of N deterministic slices of the selected tests (K from 0).
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    shard: Option<(usize, usize)>,
    /// Let imports, file(), read() and schema() reach outside the suite's folder.
    #[arg(long)]
    allow_read: bool,
    /// Show requests and responses (secrets masked).
    #[arg(short, long)]
    verbose: bool,
    /// Write a report when the run ends: FORMAT is yaml, json, junit, tap or html;
    /// PATH `-` is standard output (repeatable).
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = ReportTarget::parse)]
    report_targets: Vec<ReportTarget>,
    /// Stream the run's events on standard output, one JSON object per line
    /// (wire format: docs/reports.md).
    #[arg(long, value_name = "FORMAT")]
    events: Option<EventsFormat>,
    #[command(flatten)]
    history: super::history::HistoryFlags,
    #[command(flatten)]
    http: super::http_flags::HttpFlags,
}

/// The formats of `--events`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum EventsFormat {
    /// JSON Lines: one object per line, tagged with "type".
    Jsonl,
}

/// Report destinations must not share standard output, and their folders must
/// exist: both are checked before anything runs.
fn check_outputs(targets: &[ReportTarget], events: bool) -> Result<(), String> {
    let on_stdout = targets
        .iter()
        .filter(|target| target.destination == Destination::Stdout)
        .count()
        + usize::from(events);
    if on_stdout > 1 {
        return Err(
            "only one of --report FORMAT=- and --events can use standard output".to_string(),
        );
    }
    for target in targets {
        target.check_writable()?;
    }
    Ok(())
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("0 jobs would run nothing: use 1 or more".to_string()),
        Ok(jobs) => Ok(jobs),
        Err(_) => Err(format!(
            "expected a number of tests at a time, got {text:?}"
        )),
    }
}

/// A timeout of zero would fail every step before it starts: a usage error.
fn parse_duration(text: &str) -> Result<Duration, String> {
    match crate::units::parse_number(text) {
        Ok(crate::units::NumberLiteral::Duration(duration)) if duration.is_zero() => Err(format!(
            "{text:?} is no time at all: every step would time out before it starts"
        )),
        Ok(crate::units::NumberLiteral::Duration(duration)) => Ok(duration),
        _ => Err(format!(
            "expected a duration such as 30s or 500ms, got {text:?}"
        )),
    }
}

fn parse_size(text: &str) -> Result<usize, String> {
    match crate::units::parse_number(text) {
        Ok(crate::units::NumberLiteral::Size(bytes)) if bytes > 0 => {
            usize::try_from(bytes).map_err(|_| format!("{text:?} is too large"))
        }
        _ => Err(format!(
            "expected a size such as 64MB, 512KB or 1GB, got {text:?}"
        )),
    }
}

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let invalid = || format!("expected K/N with 0 <= K < N, got {text:?}");
    let (index, count) = text.split_once('/').ok_or_else(invalid)?;
    let index: usize = index.trim().parse().map_err(|_| invalid())?;
    let count: usize = count.trim().parse().map_err(|_| invalid())?;
    if count == 0 || index >= count {
        return Err(invalid());
    }
    Ok((index, count))
}

/// Reads `KEY=VALUE` lines; `#` comments and blank lines are skipped, values may
/// be quoted.
fn read_env_file(path: &PathBuf) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let mut pairs = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!(
                "{}:{}: expected KEY=VALUE",
                path.display(),
                number + 1
            ));
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        pairs.push((key.trim().to_string(), value.to_string()));
    }
    Ok(pairs)
}

pub fn run(args: RunArgs) -> u8 {
    if let Err(message) = check_outputs(&args.report_targets, args.events.is_some()) {
        super::print_error(&message, None);
        return exit::USAGE;
    }
    let files = match files::collect(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            super::print_error(&message, None);
            return exit::USAGE;
        }
    };
    if files.is_empty() {
        let paths: Vec<String> = args
            .paths
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        super::print_error(
            format!(
                "no .rit files in {}: nothing would be run, and a run of nothing would pass",
                paths.join(", ")
            ),
            None,
        );
        return exit::USAGE;
    }
    let (program, diagnostics) = match check::check_files(
        &files,
        &mut DiskLoader {
            allow_read: args.allow_read,
        },
    ) {
        Ok(checked) => checked,
        Err(unreadable) => {
            super::files::print_unreadable(&unreadable);
            return exit::USAGE;
        }
    };
    let color = super::use_color_on_stderr();
    if !diagnostics.is_empty() {
        render::human_to_stderr(&program.sources, &diagnostics, color);
    }
    if diagnostics
        .iter()
        .any(|diagnostic| diagnostic.severity == Severity::Error)
    {
        super::print_error("the files do not check; nothing was run", None);
        return exit::USAGE;
    }
    // `vars()` panics on a variable that is not UTF-8; such a one is not a name or
    // value a script can read, and child processes inherit it from ritc anyway.
    let mut env: HashMap<String, String> = std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect();
    if let Some(path) = &args.env_file {
        match read_env_file(path) {
            Ok(pairs) => {
                // The run's environment, not ritc's own: commands and services
                // get it from the run settings.
                env.extend(pairs);
            }
            Err(message) => {
                super::print_error(&message, None);
                return exit::USAGE;
            }
        }
    }
    // One root for imports (checked above) and for read()/file() at run time.
    let suite_root = program.root.clone();
    let plan = Arc::new(crate::plan::lower(&program));
    let sources = Arc::new(program.sources);
    let secrets = Masker::default();
    let cwd = std::env::current_dir().unwrap_or_default();
    let step_defaults = args.http.step_defaults(&cwd, &secrets);
    let options = RunOptions {
        params: args.params,
        step_defaults,
        env,
        jobs: args.jobs,
        default_timeout: args.timeout,
        max_body: args.max_body,
        fail_fast: args.fail_fast,
        no_start: args.no_start,
        watch: !args.no_watch,
        allow_read: args.allow_read,
        verbose: args.verbose,
        selection: Selection {
            test_glob: args.test_glob,
            tags: args.tags,
            checkpoint: args.checkpoint,
            stage: args.stage,
            shard: args.shard,
        },
        suite_root,
        secrets,
        // A shard is a part of a run: `ritc merge` records the whole.
        history: if args.shard.is_some() {
            None
        } else {
            args.history.settings()
        },
    };
    // Before anything is started: a process that leaves its process group
    // (`setsid`, a daemon) is then adopted by ritc, not init, and is ended at the
    // end of the run like the rest (src/os/leftovers.rs).
    crate::os::leftovers::adopt_orphans();
    // `--jobs 1` (the default) runs one test at a time: a runtime on this thread
    // spares starting a worker per core and every wake-up that crosses threads
    // (docs/performance.md, "Sequential flows"). A `load` runs on threads of its
    // own either way; more jobs get the multi-thread runtime.
    let mut builder = if options.jobs == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            super::print_error(format!("cannot start the async runtime: {error}"), None);
            return exit::USAGE;
        }
    };
    let live = {
        use std::io::IsTerminal;
        std::io::stderr().is_terminal()
    };
    let verbose = options.verbose;
    let shard = options.selection.shard;
    let report_targets = args.report_targets;
    let events_format = args.events;
    let code = runtime.block_on(async move {
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<Event>();
        let reporter_sources = Arc::clone(&sources);
        // One task fans each event out to every reporter, in order. The masker is
        // the run's register of secrets, shared: what the runner registers before
        // sending an event is masked in it.
        let masker = options.secrets.clone();
        let reporter = tokio::spawn(async move {
            let mut files = (!report_targets.is_empty()).then(|| {
                FileReporter::new(
                    Arc::clone(&reporter_sources),
                    masker.clone(),
                    shard,
                    report_targets,
                )
            });
            let mut events = events_format.map(|EventsFormat::Jsonl| {
                EventsReporter::new(Arc::clone(&reporter_sources), masker.clone(), shard)
            });
            let mut terminal =
                TerminalReporter::new(reporter_sources, masker, color, live, verbose);
            while let Some(event) = receiver.recv().await {
                terminal.event(&event);
                if let Some(events) = events.as_mut() {
                    events.event(&event);
                }
                if let Some(files) = files.as_mut() {
                    files.event(&event);
                }
            }
            let errors = files
                .map(|files| files.errors().to_vec())
                .unwrap_or_default();
            (errors, terminal.status())
        });
        // A value that cannot be computed is named in the usage error, and it
        // may be made from a secret.
        let usage_masker = options.secrets.clone();
        let result = runner::run(plan, sources, options, sender).await;
        let (report_errors, status) = reporter.await.unwrap_or_default();
        // Not `eprintln!`: after SIGHUP the terminal may be gone, and a failed
        // write must not turn a finished run into a panic.
        for error in &report_errors {
            super::print_error(error, None);
        }
        // The exit code follows the status every report states
        // (`RunStatus::exit_code`); without one the run ended unexpectedly.
        let code = match (result, status) {
            (Err(usage), _) => {
                super::print_error(usage_masker.mask(&usage.0), None);
                exit::USAGE
            }
            (Ok(result), _) if result.interrupted => exit::INTERRUPTED,
            (Ok(_), Some(status)) => status.exit_code(),
            (Ok(_), None) => exit::FAILED,
        };
        // A report that could not be written fails a run that passed: CI would
        // otherwise read a stale or missing file as success.
        if code == exit::PASSED && !report_errors.is_empty() {
            exit::USAGE
        } else {
            code
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
    // A safety net: nothing started by this run outlives it.
    crate::os::process::kill_all_process_groups();
    crate::os::leftovers::end_leftovers();
    code
}
