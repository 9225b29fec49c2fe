//! `ritc list`: what a set of files holds, for a person or an orchestrator —
//! suites, tests (tags, file:line), checkpoints (stage, failure action), services
//! and params with their defaults (secrets masked). The JSON shape is documented
//! in docs/cli.md; keep the two in step.

use super::{exit, files};
use crate::check::{self, program::DiskLoader, program::Program};
use crate::diagnostics::render;
use crate::source::span::Span;
use crate::syntax::ast::{self, BindingKind, ClauseArguments, ExprKind, Item};
use serde::Serialize;
use std::path::PathBuf;

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Files or folders to list (folders: every *.rit inside, recursively).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// `json` is for tools: its shape is in docs/cli.md.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

/// What `--format json` prints.
#[derive(Serialize)]
pub struct Listing {
    pub suites: Vec<SuiteEntry>,
    /// Every checkpoint stage, in the order first met.
    pub stages: Vec<String>,
    pub services: Vec<ServiceEntry>,
    pub params: Vec<ParamEntry>,
}

#[derive(Serialize)]
pub struct SuiteEntry {
    pub name: String,
    pub file: String,
    pub setup: bool,
    pub teardown: bool,
    /// Every test, those of checkpoints included, in file order.
    pub tests: Vec<TestEntry>,
    pub checkpoints: Vec<CheckpointEntry>,
}

#[derive(Serialize)]
pub struct TestEntry {
    pub name: String,
    pub file: String,
    pub line: usize,
    pub tags: Vec<String>,
    /// As written (`5s`), or null.
    pub timeout: Option<String>,
    pub retry: Option<String>,
    pub retry_every: Option<String>,
    /// The reason given to `skip`, or null when the test runs.
    pub skip: Option<String>,
    /// The checkpoint the test belongs to, or null.
    pub checkpoint: Option<String>,
}

#[derive(Serialize)]
pub struct CheckpointEntry {
    pub name: String,
    pub stage: Option<String>,
    /// `stop`, `warn` or `continue` (the default).
    pub on_failure: String,
    pub file: String,
    pub line: usize,
    pub tests: Vec<String>,
}

#[derive(Serialize)]
pub struct ServiceEntry {
    pub name: String,
    pub file: String,
    pub line: usize,
    /// The command as written, `{{ }}` included.
    pub command: String,
    pub ready: Option<ReadyEntry>,
}

#[derive(Serialize)]
pub struct ReadyEntry {
    /// `http`, `tcp` or `log`.
    pub probe: String,
    pub target: String,
    pub within: Option<String>,
}

#[derive(Serialize)]
pub struct ParamEntry {
    pub name: String,
    /// `param` or `secret`.
    pub kind: String,
    pub file: String,
    pub line: usize,
    /// Declared, or read from a literal default; null when neither says.
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    /// The default expression as written; `***` for a secret; null when there is none.
    pub default: Option<String>,
    /// True for a param without a default: a run stops unless it is given.
    pub required: bool,
    /// The environment variable that overrides a param (`RIT_PARAM_<NAME>`);
    /// null for a secret.
    pub env: Option<String>,
}

pub fn run(args: ListArgs) -> u8 {
    let files = match files::collect(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            super::print_error(&message, None);
            return exit::USAGE;
        }
    };
    let (program, diagnostics) = match check::check_files(&files, &mut DiskLoader::default()) {
        Ok(checked) => checked,
        Err(unreadable) => {
            super::files::print_unreadable(&unreadable);
            return exit::USAGE;
        }
    };
    let errors: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if !errors.is_empty() {
        render::human_to_stderr(&program.sources, &errors, super::use_color_on_stderr());
        super::print_error(
            format!(
                "nothing listed: the files have {} error(s) (`ritc check` shows them all)",
                errors.len()
            ),
            None,
        );
        return exit::USAGE;
    }
    let listing = listing(&program);
    let text = match args.format {
        Format::Json => match serde_json::to_string_pretty(&listing) {
            Ok(json) => json + "\n",
            Err(error) => {
                super::print_error(&error, None);
                return exit::USAGE;
            }
        },
        Format::Human => human(&listing),
    };
    // A closed pipe (`ritc list | head`) is not an error of ours.
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    exit::PASSED
}

struct Reader<'a> {
    program: &'a Program,
}

impl Reader<'_> {
    fn text(&self, span: Span) -> String {
        self.program.sources.text(span).to_string()
    }

    fn line(&self, span: Span) -> usize {
        self.program.sources.start(span).line
    }

    fn file(&self, span: Span) -> String {
        self.program.sources.name(span.file).to_string()
    }

    /// A string literal's text (with its `{{ }}` as written); any other
    /// expression as written.
    fn plain_or_written(&self, expr: &ast::Expr) -> String {
        match &expr.kind {
            ExprKind::String(string) => string.as_plain_text().unwrap_or_else(|| {
                let written = self.text(expr.span);
                let delimiter = if string.block { "\"\"\"" } else { "\"" };
                written
                    .strip_prefix(delimiter)
                    .and_then(|inner| inner.strip_suffix(delimiter))
                    .map_or(written.clone(), str::to_string)
            }),
            _ => self.text(expr.span),
        }
    }

    fn test(&self, test: &ast::TestDef, checkpoint: Option<&str>) -> TestEntry {
        let attribute = |name: &str| {
            test.attributes
                .iter()
                .find(|attribute| attribute.name.name == name)
        };
        let value = |name: &str| {
            attribute(name)
                .and_then(|a| a.value.as_ref())
                .map(|value| self.text(value.span))
        };
        let tags = match attribute("tags")
            .and_then(|a| a.value.as_ref())
            .map(|value| &value.kind)
        {
            Some(ExprKind::List(items)) => items
                .iter()
                .map(|item| self.plain_or_written(item))
                .collect(),
            _ => Vec::new(),
        };
        let skip = attribute("skip").map(|a| {
            a.value
                .as_ref()
                .map(|value| self.plain_or_written(value))
                .unwrap_or_default()
        });
        TestEntry {
            name: test
                .name
                .as_plain_text()
                .unwrap_or_else(|| self.text(test.name.span)),
            file: self.file(test.span),
            line: self.line(test.span),
            tags,
            timeout: value("timeout"),
            retry: value("retry"),
            retry_every: attribute("retry")
                .and_then(|a| a.every.as_ref())
                .map(|every| self.text(every.span)),
            skip,
            checkpoint: checkpoint.map(str::to_string),
        }
    }
}

/// The listing of the files the user named (and the services and params of the
/// modules they import, which a run starts and reads too).
pub fn listing(program: &Program) -> Listing {
    let reader = Reader { program };
    let mut listing = Listing {
        suites: Vec::new(),
        stages: Vec::new(),
        services: Vec::new(),
        params: Vec::new(),
    };
    for id in &program.entries {
        let module = program.module(*id);
        let mut suite = SuiteEntry {
            name: std::path::Path::new(&module.name).file_stem().map_or_else(
                || module.name.clone(),
                |stem| stem.to_string_lossy().into_owned(),
            ),
            file: module.name.clone(),
            setup: false,
            teardown: false,
            tests: Vec::new(),
            checkpoints: Vec::new(),
        };
        for item in &module.ast.items {
            match item {
                Item::Suite(name) => {
                    suite.name = name
                        .as_plain_text()
                        .unwrap_or_else(|| reader.text(name.span))
                }
                Item::Setup(_) => suite.setup = true,
                Item::Teardown(_) => suite.teardown = true,
                Item::Test(test) => suite.tests.push(reader.test(test, None)),
                Item::Checkpoint(checkpoint) => {
                    let name = checkpoint
                        .name
                        .as_plain_text()
                        .unwrap_or_else(|| reader.text(checkpoint.name.span));
                    let stage = checkpoint
                        .stage
                        .as_ref()
                        .map(|stage| reader.plain_or_written(stage));
                    if let Some(stage) = &stage
                        && !listing.stages.contains(stage)
                    {
                        listing.stages.push(stage.clone());
                    }
                    for test in &checkpoint.tests {
                        suite.tests.push(reader.test(test, Some(&name)));
                    }
                    suite.checkpoints.push(CheckpointEntry {
                        name,
                        stage,
                        on_failure: checkpoint
                            .on_failure
                            .as_ref()
                            .map_or_else(|| "continue".to_string(), |action| action.name.clone()),
                        file: reader.file(checkpoint.span),
                        line: reader.line(checkpoint.span),
                        tests: checkpoint
                            .tests
                            .iter()
                            .map(|test| {
                                test.name
                                    .as_plain_text()
                                    .unwrap_or_else(|| reader.text(test.name.span))
                            })
                            .collect(),
                    });
                }
                _ => {}
            }
        }
        listing.suites.push(suite);
    }
    // Services and params of every module a run loads, in dependency order; the
    // stdlib declares none.
    for id in program.dependency_order() {
        let module = program.module(id);
        if module.dir.is_none() {
            continue;
        }
        for item in &module.ast.items {
            match item {
                Item::Service(service) => listing.services.push(service_entry(&reader, service)),
                Item::Binding(binding) if binding.kind != BindingKind::Let => {
                    listing.params.push(param_entry(&reader, binding));
                }
                _ => {}
            }
        }
    }
    listing
}

fn service_entry(reader: &Reader, service: &ast::ServiceDef) -> ServiceEntry {
    let ready = service
        .options
        .iter()
        .find_map(|option| match &option.arguments {
            ClauseArguments::Ready {
                probe,
                target,
                within,
            } => Some(ReadyEntry {
                probe: probe.name.clone(),
                target: reader.plain_or_written(target),
                within: within.as_ref().map(|within| reader.text(within.span)),
            }),
            _ => None,
        });
    ServiceEntry {
        name: service.name.name.clone(),
        file: reader.file(service.span),
        line: reader.line(service.span),
        command: reader.plain_or_written(&service.command),
        ready,
    }
}

fn param_entry(reader: &Reader, binding: &ast::Binding) -> ParamEntry {
    let secret = binding.kind == BindingKind::Secret;
    let value = match &binding.value {
        Some(ast::BindingValue::Expr(expr)) => Some(expr),
        _ => None,
    };
    let inferred = value.and_then(|expr| match &expr.kind {
        ExprKind::Int(_) => Some("int"),
        ExprKind::Float(_) => Some("float"),
        ExprKind::String(_) => Some("string"),
        ExprKind::Bool(_) => Some("bool"),
        ExprKind::Duration(_) => Some("duration"),
        ExprKind::Percent(_) => Some("percent"),
        ExprKind::Size(_) => Some("size"),
        _ => None,
    });
    ParamEntry {
        name: binding.name.name.clone(),
        kind: binding.kind.keyword().to_string(),
        file: reader.file(binding.span),
        line: reader.line(binding.span),
        type_name: binding
            .declared_type
            .as_ref()
            .map(|declared| reader.text(declared.span))
            .or_else(|| inferred.map(str::to_string)),
        default: binding.value.as_ref().map(|value| {
            if secret {
                "***".to_string()
            } else {
                reader.text(value.span())
            }
        }),
        required: binding.value.is_none(),
        env: (!secret).then(|| format!("RIT_PARAM_{}", binding.name.name.to_ascii_uppercase())),
    }
}

fn human(listing: &Listing) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for suite in &listing.suites {
        let _ = writeln!(out, "suite {:?}  {}", suite.name, suite.file);
        for test in &suite.tests {
            let mut details = Vec::new();
            if let Some(checkpoint) = &test.checkpoint {
                details.push(format!("checkpoint {checkpoint:?}"));
            }
            if !test.tags.is_empty() {
                details.push(format!("tags {}", test.tags.join(", ")));
            }
            if let Some(timeout) = &test.timeout {
                details.push(format!("timeout {timeout}"));
            }
            if let Some(retry) = &test.retry {
                let every = test
                    .retry_every
                    .as_ref()
                    .map(|every| format!(" every {every}"))
                    .unwrap_or_default();
                details.push(format!("retry {retry}{every}"));
            }
            if let Some(skip) = &test.skip {
                details.push(format!("skip {skip:?}"));
            }
            let details = if details.is_empty() {
                String::new()
            } else {
                format!("  ({})", details.join("; "))
            };
            let _ = writeln!(
                out,
                "  test {:?}  {}:{}{details}",
                test.name, test.file, test.line
            );
        }
        for checkpoint in &suite.checkpoints {
            let stage = checkpoint
                .stage
                .as_ref()
                .map(|stage| format!(" stage {stage:?}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  checkpoint {:?}{stage} on failure {}  {}:{}  ({} test{})",
                checkpoint.name,
                checkpoint.on_failure,
                checkpoint.file,
                checkpoint.line,
                checkpoint.tests.len(),
                if checkpoint.tests.len() == 1 { "" } else { "s" }
            );
        }
    }
    if !listing.stages.is_empty() {
        let _ = writeln!(out, "stages: {}", listing.stages.join(", "));
    }
    if !listing.services.is_empty() {
        let _ = writeln!(out, "services:");
        for service in &listing.services {
            let ready = service
                .ready
                .as_ref()
                .map(|ready| {
                    let within = ready
                        .within
                        .as_ref()
                        .map(|within| format!(" within {within}"))
                        .unwrap_or_default();
                    format!("  ready {} \"{}\"{within}", ready.probe, ready.target)
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}  \"{}\"{ready}  {}:{}",
                service.name, service.command, service.file, service.line
            );
        }
    }
    if !listing.params.is_empty() {
        let _ = writeln!(out, "params:");
        for param in &listing.params {
            let value = match &param.default {
                Some(default) => format!(" = {default}"),
                None => " (required)".to_string(),
            };
            let type_name = param
                .type_name
                .as_ref()
                .map(|name| format!(": {name}"))
                .unwrap_or_default();
            let env = param
                .env
                .as_ref()
                .map(|env| format!("  {env}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {}{type_name}{value}{env}  {}:{}",
                param.kind, param.name, param.file, param.line
            );
        }
    }
    out
}
