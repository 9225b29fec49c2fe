//! A whole run: top-level values, services, setup, the selected tests (in
//! parallel up to `--jobs`), checkpoints' failure actions, teardown, and the end
//! of every started process, also after Ctrl-C and SIGTERM.

use super::evaluate::{Evaluator, Names, TextContext};
use super::functions::FunctionContext;
use super::interpreter::{Flow, RunShared, Settings, StepDefault, TestContext};
use super::outcome::{
    Cause, Event, Failure, FailureKind, PeakLoads, ProblemCause, ServiceLogLine, Summary,
    TestOutcome, TestStatus,
};
use super::selection::Selection;
use super::services::{ReadyProbe, ServiceSpec, Services};
use super::tally::{INTERRUPTED_REASON, Tally};
use crate::mask::Masker;
use crate::plan::{BindingKind, FailureAction, Plan, TestPlan};
use crate::source::source_map::SourceMap;
use crate::steps::exec::FieldError;
use crate::types::{ProbeKind, Type};
use crate::value::Value;
use crate::value::{describe, to_text};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

pub struct RunOptions {
    pub params: Vec<(String, String)>,
    /// Clauses the command line gives every step of a kind (`--header`, …).
    pub step_defaults: Vec<StepDefault>,
    /// The process environment plus `--env-file`.
    pub env: HashMap<String, String>,
    pub jobs: usize,
    pub default_timeout: Duration,
    /// `--max-body`: the most of a response body an HTTP or `load` step reads.
    pub max_body: usize,
    pub fail_fast: bool,
    pub no_start: bool,
    /// Sample the servers the steps connect to and the services' processes while
    /// the tests run (off with `--no-watch`): resource warnings.
    pub watch: bool,
    pub allow_read: bool,
    pub verbose: bool,
    pub selection: Selection,
    /// Reads outside this folder need `allow_read`.
    pub suite_root: PathBuf,
    /// The register of secrets the reporters mask with: the runner adds each
    /// `secret` once computed (before any event), the evaluator what is made from
    /// them while tests run.
    pub secrets: Masker,
    /// Where to record the run and read the runs before it (`--history`, or
    /// `.ritc/history` when that folder exists); None records nothing.
    pub history: Option<HistorySettings>,
}

/// Where the run history lives and how many runs it keeps.
#[derive(Clone, Debug)]
pub struct HistorySettings {
    pub dir: PathBuf,
    pub keep: usize,
}

/// A problem that stops the run before any test: exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

pub struct RunResult {
    pub summary: Summary,
    pub interrupted: bool,
}

/// Modules in an order where each comes after what it imports.
fn dependency_order(plan: &Plan) -> Vec<usize> {
    fn visit(plan: &Plan, module: usize, seen: &mut HashSet<usize>, order: &mut Vec<usize>) {
        if !seen.insert(module) {
            return;
        }
        if let Some(plan_module) = plan.modules.get(module) {
            let imports = plan_module.open_imports.iter().copied().chain(
                plan_module
                    .aliased_imports
                    .iter()
                    .map(|(_, module)| *module),
            );
            for imported in imports {
                visit(plan, imported, seen, order);
            }
        }
        order.push(module);
    }
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    for module in 0..plan.modules.len() {
        visit(plan, module, &mut seen, &mut order);
    }
    order
}

/// Globals while top-level values are computed and services started (the planner
/// resolved each name to the module that holds it).
struct GlobalNames<'a> {
    globals: &'a [HashMap<String, Value>],
}

impl Names for GlobalNames<'_> {
    fn local(&self, _slot: crate::plan::Slot) -> Option<&Value> {
        None
    }

    fn field(&self, _name: &str) -> Option<Result<&Value, &FieldError>> {
        None
    }

    fn global(&self, module: usize, name: &str) -> Option<&Value> {
        self.globals
            .get(module)
            .and_then(|globals| globals.get(name))
    }
}

/// Reads a `--param` value as the type the checker gave the param (declared, or
/// inferred from its default): scalars as a script writes them (`5s`, `99%`,
/// `64KB`), json, lists and maps as JSON. The checker refused every other type
/// (E0320); a `json` param takes text that is not JSON as a string.
fn read_param(text: &str, ty: &Type) -> Result<Value, String> {
    if !ty.comes_from_text() {
        return Err(cannot_come_from_text(ty));
    }
    let trimmed = text.trim();
    match ty {
        Type::String => Ok(Value::String(text.to_string())),
        Type::Int => trimmed
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("{text:?} is not an int")),
        Type::Float => trimmed
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| format!("{text:?} is not a number")),
        Type::Number => trimmed
            .parse::<i64>()
            .map(Value::Int)
            .or_else(|_| trimmed.parse::<f64>().map(Value::Float))
            .map_err(|_| format!("{text:?} is not a number")),
        Type::Bool => match trimmed {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("{text:?} is not `true` or `false`")),
        },
        Type::Duration | Type::Percent | Type::Size => {
            match (ty, crate::units::parse_number(trimmed)) {
                (Type::Duration, Ok(crate::units::NumberLiteral::Duration(value))) => {
                    Ok(Value::Duration(value))
                }
                (Type::Percent, Ok(crate::units::NumberLiteral::Percent(value))) => {
                    Ok(Value::Percent(value))
                }
                (Type::Size, Ok(crate::units::NumberLiteral::Size(value))) => {
                    Ok(Value::Size(value))
                }
                _ => Err(format!(
                    "{text:?} is not {} (write it as in a script: `5s`, `99%`, `64KB`)",
                    ty.with_article()
                )),
            }
        }
        Type::Json | Type::Unknown => Ok(serde_json::from_str::<serde_json::Value>(trimmed)
            .map(Value::Json)
            .unwrap_or_else(|_| Value::Json(serde_json::Value::String(text.to_string())))),
        Type::List(_) | Type::Map(_) | Type::Record(_) => {
            let json: serde_json::Value = serde_json::from_str(trimmed).map_err(|error| {
                format!(
                    "{text:?} is not JSON ({error}); write {} as JSON, like `[1, 2]`",
                    ty.with_article()
                )
            })?;
            crate::value::conform(&Value::Json(json), ty)
                .ok_or_else(|| format!("{text:?} is not {}", ty.with_article()))
        }
        // Refused above: `Type::comes_from_text` is the one list of what text
        // can give, shared with the checker's E0320.
        Type::Null
        | Type::Bytes
        | Type::Connection(_)
        | Type::File
        | Type::Schema
        | Type::Service
        | Type::Module
        | Type::Function => Err(cannot_come_from_text(ty)),
    }
}

fn cannot_come_from_text(ty: &Type) -> String {
    format!("{} cannot come from the command line", ty.with_article())
}

/// Computes every module's top-level values once, a module's before its importer's.
fn compute_globals(
    plan: &Plan,
    sources: &SourceMap,
    options: &RunOptions,
    temp_dir: &std::path::Path,
) -> Result<Vec<HashMap<String, Value>>, UsageError> {
    let mut globals: Vec<HashMap<String, Value>> = vec![HashMap::new(); plan.modules.len()];
    let known_params: HashSet<&str> = plan
        .modules
        .iter()
        .flat_map(|module| module.bindings.iter())
        .filter(|binding| binding.kind == BindingKind::Param)
        .map(|binding| binding.name.as_str())
        .collect();
    for (name, _) in &options.params {
        if !known_params.contains(name.as_str()) {
            let mut names: Vec<&str> = known_params.iter().copied().collect();
            names.sort();
            let hint = match crate::diagnostics::did_you_mean(name, names.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None if names.is_empty() => "these files declare no `param`".to_string(),
                None => format!("params: {}", names.join(", ")),
            };
            return Err(UsageError(format!(
                "--param {name}: there is no param named `{name}`; {hint}"
            )));
        }
    }
    let no_services = |_: &str| None;
    let env = |name: &str| options.env.get(name).cloned();
    for module in dependency_order(plan) {
        let Some(module_plan) = plan.modules.get(module) else {
            continue;
        };
        let base_dir = module_plan
            .dir
            .clone()
            .unwrap_or_else(|| options.suite_root.clone());
        for binding in &module_plan.bindings {
            let context = FunctionContext {
                base_dir: &base_dir,
                suite_root: &options.suite_root,
                allow_read: options.allow_read,
                temp_dir,
                env: &env,
                logs: &no_services,
                secrets: &options.secrets,
            };
            let names = GlobalNames { globals: &globals };
            let no_calls = HashMap::new();
            let evaluator = Evaluator {
                names: &names,
                sources,
                functions: &context,
                call_results: &no_calls,
            };
            let location = sources.file_line(binding.span);
            let default = binding.value.as_ref().map(|expr| {
                evaluator.value(expr).map_err(|failure| {
                    UsageError(format!(
                        "{location}: cannot compute `{}`: {}",
                        binding.name, failure.message
                    ))
                })
            });
            let value = if binding.kind == BindingKind::Param {
                let override_text = options
                    .params
                    .iter()
                    .rev()
                    .find(|(name, _)| *name == binding.name)
                    .map(|(_, value)| value.clone())
                    .or_else(|| {
                        options
                            .env
                            .get(&format!("RIT_PARAM_{}", binding.name.to_uppercase()))
                            .cloned()
                    });
                match override_text {
                    Some(text) => read_param(&text, &binding.ty).map_err(|message| {
                        UsageError(format!("--param {}: {message}", binding.name))
                    })?,
                    None => match default {
                        Some(value) => value?,
                        None => {
                            return Err(UsageError(format!(
                                "{location}: param `{}` has no default: give it with --param {}=VALUE or RIT_PARAM_{}",
                                binding.name,
                                binding.name,
                                binding.name.to_uppercase()
                            )));
                        }
                    },
                }
            } else {
                match default {
                    Some(value) => value?,
                    None => Value::Null,
                }
            };
            // `let n: int = json(read("x.json")).n`: a declared type holds at the top
            // level too (docs/language.md, "Types and values").
            let value = match crate::value::conform(&value, &binding.ty) {
                Some(value) => value,
                None => {
                    return Err(UsageError(format!(
                        "{location}: {}: {}, but its value was {}",
                        binding.name,
                        binding.ty,
                        describe(&value)
                    )));
                }
            };
            // Registered before the next binding is computed, so that a value made
            // from this secret is registered too. One too short to mask is not
            // (`ritc check` warns, W0005).
            if binding.kind == BindingKind::Secret {
                if let Ok(text) = to_text(&value)
                    && !text.is_empty()
                    && !options.secrets.register(&text)
                {
                    options.secrets.note_unmasked(&binding.name);
                }
                // Each text inside too: `secret creds = {user: …, password: env(…)}`.
                value.register_as_secret(&options.secrets);
            }
            if let Some(module_globals) = globals.get_mut(module) {
                module_globals.insert(binding.name.clone(), value);
            }
        }
    }
    Ok(globals)
}

/// The services to start: those of every module the run loads, in dependency
/// order then declaration order, each once.
async fn start_services(
    shared: &RunShared,
    globals: &[HashMap<String, Value>],
    no_start: bool,
) -> Result<(), (String, Failure)> {
    let plan = &shared.plan;
    for module in dependency_order(plan) {
        let Some(module_plan) = plan.modules.get(module) else {
            continue;
        };
        let base_dir = module_plan
            .dir
            .clone()
            .unwrap_or_else(|| shared.settings.suite_root.clone());
        for service in &module_plan.services {
            let env = |name: &str| shared.env_var(name);
            let no_logs = |_: &str| None;
            let context = FunctionContext {
                base_dir: &base_dir,
                suite_root: &shared.settings.suite_root,
                allow_read: shared.settings.allow_read,
                temp_dir: &shared.settings.temp_dir,
                env: &env,
                logs: &no_logs,
                secrets: &shared.secrets,
            };
            let names = GlobalNames { globals };
            let no_calls = HashMap::new();
            let evaluator = Evaluator {
                names: &names,
                sources: &shared.sources,
                functions: &context,
                call_results: &no_calls,
            };
            let spec = (|| -> Result<ServiceSpec, Box<Failure>> {
                let command = evaluator.template(&service.command, TextContext::Shell)?;
                let env = match &service.env {
                    Some(expr) => match evaluator.value(expr)? {
                        Value::Object(entries) => entries
                            .into_iter()
                            .map(|(key, value)| {
                                let text = to_text(&value).map_err(|error| {
                                    Box::new(Failure::new(
                                        FailureKind::Evaluation,
                                        expr.span,
                                        error.0,
                                    ))
                                })?;
                                Ok((key, text))
                            })
                            .collect::<Result<Vec<_>, Box<Failure>>>()?,
                        other => {
                            return Err(Box::new(Failure::new(
                                FailureKind::Evaluation,
                                expr.span,
                                format!("`env` takes an object, not {}", describe(&other)),
                            )));
                        }
                    },
                    None => Vec::new(),
                };
                // The run's environment first, so the service's own `env` wins.
                let env = shared
                    .settings
                    .env
                    .iter()
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .chain(env)
                    .collect();
                let cwd = match &service.cwd {
                    Some(expr) => {
                        base_dir.join(to_text(&evaluator.value(expr)?).unwrap_or_default())
                    }
                    None => base_dir.clone(),
                };
                let (ready, ready_within) = match &service.ready {
                    Some(ready) => {
                        let target = to_text(&evaluator.value(&ready.target)?).unwrap_or_default();
                        let within = match &ready.within {
                            Some(expr) => match evaluator.value(expr)? {
                                Value::Duration(duration) => duration,
                                _ => super::services::DEFAULT_READY_WITHIN,
                            },
                            None => super::services::DEFAULT_READY_WITHIN,
                        };
                        let probe = match ready.probe {
                            ProbeKind::Http => ReadyProbe::Http(target),
                            ProbeKind::Tcp => ReadyProbe::Tcp(target),
                            ProbeKind::Log => ReadyProbe::Log(target),
                        };
                        (Some(probe), within)
                    }
                    None => (None, super::services::DEFAULT_READY_WITHIN),
                };
                Ok(ServiceSpec {
                    name: service.name.clone(),
                    command,
                    env,
                    cwd,
                    ready,
                    ready_within,
                })
            })()
            .map_err(|failure| (service.name.clone(), *failure))?;
            let _ = shared.events.send(Event::ServiceStarting {
                name: service.name.clone(),
            });
            let started = Instant::now();
            shared
                .services
                .start(spec, no_start)
                .await
                .map_err(|error| {
                    let mut failure = Failure::new(
                        FailureKind::Service,
                        service.span,
                        format!("service `{}` {}", error.service, error.message),
                    )
                    .because(error.cause);
                    failure.evidence.readiness = error.readiness.map(|readiness| *readiness);
                    if !error.log_tail.is_empty() {
                        failure.detail = Some(format!(
                            "last lines of its log:\n{}",
                            error.log_tail.join("\n")
                        ));
                    }
                    (service.name.clone(), failure)
                })?;
            let _ = shared.events.send(Event::ServiceReady {
                name: service.name.clone(),
                after: started.elapsed(),
            });
        }
    }
    Ok(())
}

/// The load each of a service's peaks came in. A CPU peak is a 1-second
/// window that ends at its time: it is the load's when the window's middle is.
fn peak_loads(
    usage: &crate::os::sampling::ServiceUsage,
    loads: &[crate::watch::LoadWindow],
) -> PeakLoads {
    let named = |at: Option<Duration>| {
        at.and_then(|at| crate::watch::load_at(loads, at))
            .map(|load| load.name.clone())
    };
    let half_window = crate::os::sampling::CPU_WINDOW / 2;
    PeakLoads {
        rss: named(usage.peak_rss_at),
        cpu: named(
            usage
                .peak_cpu_at
                .map(|at| at.saturating_sub(half_window.min(usage.sampled / 2))),
        ),
    }
}

/// When each `load` of the run ran, since the run started, each named as the
/// resource warnings name it: "`load GET http://…/` (db.rit:14)", masked.
fn load_windows(shared: &RunShared, started: Instant) -> Vec<crate::watch::LoadWindow> {
    let kept = match shared.kept_windows.lock() {
        Ok(windows) => windows.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    kept.iter()
        .map(|window| crate::watch::LoadWindow {
            from: window.started.saturating_duration_since(started),
            to: window.ended.saturating_duration_since(started),
            name: format!(
                "`{}` ({})",
                shared.secrets.mask(&window.description),
                shared.sources.file_line(window.span)
            ),
        })
        .collect()
}

/// Runs the plan. Returns a usage error before anything starts when a param or a
/// top-level value cannot be computed.
pub async fn run(
    plan: Arc<Plan>,
    sources: Arc<SourceMap>,
    options: RunOptions,
    events: UnboundedSender<Event>,
) -> Result<RunResult, UsageError> {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let selected =
        super::selection::select(&plan, &options.selection).map_err(|error| UsageError(error.0))?;
    let temp = tempfile::Builder::new()
        .prefix("ritc-run-")
        .tempdir()
        .map_err(|error| UsageError(format!("cannot create a temporary folder: {error}")))?;
    let globals = compute_globals(&plan, &sources, &options, temp.path())?;
    let services = Services::new(temp.path().join("logs"));
    let shared = Arc::new(RunShared {
        plan: Arc::clone(&plan),
        sources: Arc::clone(&sources),
        executors: crate::steps::exec::Executors::for_run(),
        services: services.clone(),
        settings: Settings {
            default_timeout: options.default_timeout,
            max_body: options.max_body,
            allow_read: options.allow_read,
            suite_root: options.suite_root.clone(),
            temp_dir: temp.path().to_path_buf(),
            env: Arc::new(options.env.clone()),
            verbose: options.verbose,
            step_defaults: Arc::new(options.step_defaults.clone()),
        },
        secrets: options.secrets.clone(),
        events: events.clone(),
        kept_windows: Default::default(),
        partial_records: Default::default(),
    });
    let files: Vec<String> = plan
        .suites
        .iter()
        .filter_map(|suite| {
            plan.modules
                .get(suite.module)
                .map(|module| module.name.clone())
        })
        .collect();
    let run_files = files.clone();
    let _ = events.send(Event::RunStarted {
        files,
        tests: selected.len(),
        started: started_at,
    });

    // Ctrl-C and SIGTERM end the run: running tests are dropped (which ends their
    // processes), teardown still runs, services are stopped. A second one cuts a
    // running teardown short (its processes ended the same way) and ends the
    // services without waiting out their grace.
    let (interrupt_sender, interrupt) = watch::channel(false);
    let (force_sender, force) = watch::channel(false);
    // The listeners exist before anything starts, so a signal that arrives while
    // the services start is not met by its default action (ending ritc at once).
    // SIGHUP too: a closed terminal or SSH session must not leave the services
    // running with nobody to stop them; but not under `nohup`, which asked for
    // SIGHUP to be ignored.
    let mut listeners: Vec<Signal> = [SignalKind::interrupt(), SignalKind::terminate()]
        .into_iter()
        .chain((!signal_is_ignored(libc::SIGHUP)).then(SignalKind::hangup))
        .filter_map(|kind| signal(kind).ok())
        .collect();
    let signal_task = tokio::spawn(async move {
        for sender in [&interrupt_sender, &force_sender] {
            if listeners.is_empty() {
                // No signal can be listened to: the run simply is not interruptible.
                std::future::pending::<()>().await;
            }
            futures_util::future::select_all(
                listeners
                    .iter_mut()
                    .map(|listener| Box::pin(listener.recv())),
            )
            .await;
            let _ = sender.send(true);
        }
        // Both senders stay alive until the run aborts this task.
        std::future::pending::<()>().await
    });

    let mut tally = Tally::new(&plan, &selected, options.fail_fast, events.clone());
    // `ritc check` warns only of what the file says (W0005); a short value from
    // the environment is known once the run computed it. A warning of the run, in
    // every output: the terminal, the reports' `warnings` and `problems`, events.
    for name in options.secrets.unmasked() {
        tally.problem(
            ProblemCause::SecretNotMasked,
            format!(
                "secret `{name}` is shorter than {} characters: it is not masked in this run's output (W0005)",
                crate::mask::SHORTEST_MASKED_SECRET
            ),
            None,
            false,
        );
    }
    let service_start = {
        let mut interrupted = interrupt.clone();
        tokio::select! {
            result = start_services(&shared, &globals, options.no_start) => Some(result),
            _ = interrupted.wait_for(|stopped| *stopped) => None,
        }
    };
    let mut interrupted = service_start.is_none();
    let mut usage = Vec::new();
    // When each `load` ran: a peak inside one is "during load test" that load.
    let mut loads: Vec<crate::watch::LoadWindow> = Vec::new();
    let mut watcher: Option<crate::watch::Watcher> = None;
    match service_start {
        Some(Err((service, failure))) => {
            let location = sources.file_line(failure.span);
            let cause = match failure.cause {
                Cause::ServiceNotReady => ProblemCause::ServiceNotReady,
                _ => ProblemCause::ServiceStartFailed,
            };
            tally.problem_with_evidence(
                cause,
                format!("{location}: {}", failure.message),
                failure.detail.clone(),
                true,
                failure.evidence.clone(),
            );
            // Every selected test has its outcome, also when none could run.
            tally.halt(&format!("service `{service}` not ready"));
            skip_the_rest(&shared, &selected, &mut tally);
        }
        Some(Ok(())) => {
            // Each service's peak memory and CPU while the tests run, and each
            // server a step connects to (`watch`).
            let sampled = services.clone();
            let sampler = options
                .watch
                .then(|| {
                    crate::os::sampling::Sampler::start(started, move || sampled.process_groups())
                })
                .flatten();
            let executors = shared.executors.clone();
            watcher = options.watch.then(|| {
                crate::watch::Watcher::start(move || executors.used_connections(), started)
            });
            let outcome = run_suites(
                &shared,
                &globals,
                &selected,
                &options,
                &mut tally,
                interrupt.clone(),
                force.clone(),
            )
            .await;
            if let Some(sampler) = sampler {
                usage = sampler.finish().await;
            }
            // The last samples are taken while the services stop.
            loads = load_windows(&shared, started);
            if let Some(watcher) = &watcher {
                watcher.loads_ran(loads.clone());
                watcher.stop();
            }
            // A service runs until ritc stops it: one that exited on its own while
            // the tests ran fails the run, even when no test noticed (like a
            // teardown that fails, as a problem of the run, not a test). Exit
            // status 0 too. One stopped on purpose by a teardown (a shutdown that
            // flushes coverage, say) is not counted.
            for (name, status) in &outcome.services_exited {
                let tail = services.log_tail(name, 10);
                tally.problem(
                    ProblemCause::ServiceExited,
                    format!(
                        "service `{name}` exited on its own (exit status {status}) while the tests ran"
                    ),
                    (!tail.is_empty()).then(|| tail.join("\n")),
                    true,
                );
            }
            // A signal during teardown (after every test finished) still makes
            // this an interrupted run.
            interrupted |= outcome.interrupted || *interrupt.borrow();
        }
        None => {
            tally.halt(INTERRUPTED_REASON);
            skip_the_rest(&shared, &selected, &mut tally);
        }
    }
    // A second interrupt (before or while they stop) ends the services at once.
    let hurried = services.stop_all_unless_hurried(force.clone()).await;
    if !hurried.is_empty() {
        let names: Vec<String> = hurried.iter().map(|name| format!("`{name}`")).collect();
        tally.problem(
            ProblemCause::ServicesKilled,
            format!(
                "a second interrupt: service {} killed at once, without its grace to stop",
                names.join(", ")
            ),
            None,
            false,
        );
    }
    shared.executors.shutdown().await;
    // What escaped every process group (`setsid`, a daemon) and was adopted by
    // ritc: ended here, and named, so a leaking script is noticed.
    let leftovers = tokio::task::spawn_blocking(crate::os::leftovers::end_leftovers)
        .await
        .unwrap_or_default();
    if !leftovers.is_empty() {
        let detail = leftovers
            .iter()
            .map(|leftover| format!("pid {}: {}", leftover.pid, leftover.command_line))
            .collect::<Vec<_>>()
            .join("\n");
        tally.problem(
            ProblemCause::LeftoverProcesses,
            format!(
                "{} process{} started by the run outlived it and {} ended",
                leftovers.len(),
                if leftovers.len() == 1 { "" } else { "es" },
                if leftovers.len() == 1 { "was" } else { "were" },
            ),
            Some(detail),
            false,
        );
    }
    signal_task.abort();
    if let Some(history) = &options.history {
        record_history(history, started_at, run_files, &mut tally, &events).await;
    }
    let mut summary = tally.summary();
    summary.interrupted = interrupted;
    if interrupted {
        summary.stopped_early = true;
    }
    summary.duration = started.elapsed();
    for service in usage {
        let peaks = peak_loads(&service, &loads);
        let _ = events.send(Event::ServiceUsage(service, peaks));
    }
    if let Some(watcher) = watcher {
        let resource_warnings = watcher.finish().await;
        if !resource_warnings.is_empty() {
            let _ = events.send(Event::ResourceWarnings(resource_warnings));
        }
    }
    let _ = events.send(Event::RunFinished {
        summary: summary.clone(),
    });
    drop(temp);
    Ok(RunResult {
        summary,
        interrupted,
    })
}

/// Appends this run to the history and announces what the runs before it say
/// about it (flaky tests, new failures, regressions). A history that cannot be
/// read or written is a warning of the run, never a failure.
async fn record_history(
    settings: &HistorySettings,
    started_at: SystemTime,
    files: Vec<String>,
    tally: &mut Tally,
    events: &UnboundedSender<Event>,
) {
    let mut entry = crate::history::RunEntry::new(
        started_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.as_millis() as u64),
        files,
    );
    entry.tests = tally.take_history();
    let store = crate::history::HistoryStore::new(&settings.dir);
    let keep = settings.keep;
    let recorded = tokio::task::spawn_blocking(move || {
        let earlier = store.record(&entry, keep)?;
        Ok::<_, std::io::Error>(crate::history::findings(&earlier, &entry))
    })
    .await;
    match recorded {
        Ok(Ok(findings)) => {
            if !findings.is_empty() {
                let _ = events.send(Event::HistoryFindings(findings));
            }
        }
        Ok(Err(error)) => tally.problem(
            ProblemCause::HistoryNotRecorded,
            format!(
                "cannot record the run in its history ({}): {error}",
                settings.dir.display()
            ),
            None,
            false,
        ),
        Err(_) => {}
    }
}

#[derive(Default)]
struct SuitesOutcome {
    interrupted: bool,
    /// Services that had exited on their own before a teardown began.
    services_exited: Vec<(String, i32)>,
}

/// Every selected test that has no outcome yet gets one: skipped, with the
/// reason the run halted.
fn skip_the_rest(shared: &RunShared, selected: &[(usize, usize)], tally: &mut Tally) {
    let reason = tally
        .halt_reason()
        .unwrap_or(INTERRUPTED_REASON)
        .to_string();
    for &(suite_index, test_index) in selected {
        tally.skipped(
            suite_index,
            skipped_outcome(shared, suite_index, test_index, &reason),
        );
    }
}

/// The suites in order, each with its setup, its selected tests and its
/// teardown. Once the run is halted (a failed `stop` checkpoint, `--fail-fast`,
/// an interrupt), the tests of later suites are skipped with the reason and
/// their setup and teardown do not run.
async fn run_suites(
    shared: &Arc<RunShared>,
    initial_globals: &[HashMap<String, Value>],
    selected: &[(usize, usize)],
    options: &RunOptions,
    tally: &mut Tally,
    interrupt: watch::Receiver<bool>,
    force: watch::Receiver<bool>,
) -> SuitesOutcome {
    let mut outcome = SuitesOutcome::default();
    let plan = Arc::clone(&shared.plan);
    for (suite_index, suite) in plan.suites.iter().enumerate() {
        let tests: Vec<usize> = selected
            .iter()
            .filter(|(index, _)| *index == suite_index)
            .map(|(_, test)| *test)
            .collect();
        if tests.is_empty() {
            continue;
        }
        if *interrupt.borrow() {
            tally.halt(INTERRUPTED_REASON);
        }
        if let Some(reason) = tally.halt_reason().map(str::to_string) {
            for test_index in tests {
                tally.skipped(
                    suite_index,
                    skipped_outcome(shared, suite_index, test_index, &reason),
                );
            }
            continue;
        }
        let mut globals = initial_globals.to_vec();
        let mut setup_failed = false;
        if let Some(setup) = &suite.setup {
            let mut context = TestContext::new(
                Arc::clone(shared),
                globals.clone(),
                suite.module,
                suite.name.clone(),
                "setup".to_string(),
            );
            let mut interrupted = interrupt.clone();
            let result = tokio::select! {
                result = context.run_block(setup) => Some(result),
                _ = interrupted.wait_for(|stopped| *stopped) => None,
            };
            match result {
                Some(Ok(_)) => globals = context.globals,
                Some(Err(failure)) => {
                    let location = shared.sources.file_line(failure.span);
                    tally.problem(
                        ProblemCause::SetupFailed,
                        format!("{location}: setup of {}: {}", suite.name, failure.message),
                        failure.detail.clone(),
                        true,
                    );
                    setup_failed = true;
                }
                None => {
                    outcome.interrupted = true;
                    tally.halt(INTERRUPTED_REASON);
                }
            }
        }
        if setup_failed || outcome.interrupted {
            let reason = if setup_failed {
                format!("the setup of `{}` failed", suite.name)
            } else {
                INTERRUPTED_REASON.to_string()
            };
            for test_index in tests {
                tally.skipped(
                    suite_index,
                    skipped_outcome(shared, suite_index, test_index, &reason),
                );
            }
        } else {
            let globals = Arc::new(globals);
            outcome.interrupted |= run_tests(
                shared,
                &globals,
                suite_index,
                tests,
                options.jobs.max(1),
                tally,
                &interrupt,
            )
            .await;
        }
        for (name, status) in shared.services.exited() {
            if !outcome
                .services_exited
                .iter()
                .any(|(seen, _)| *seen == name)
            {
                outcome.services_exited.push((name, status));
            }
        }
        // Teardown always runs, after failures and interruptions too.
        if let Some(teardown) = &suite.teardown {
            let mut context = TestContext::new(
                Arc::clone(shared),
                initial_globals.to_vec(),
                suite.module,
                suite.name.clone(),
                "teardown".to_string(),
            );
            let mut forced = force.clone();
            let result = tokio::select! {
                result = context.run_block(teardown) => Some(result),
                _ = forced.wait_for(|forced| *forced) => None,
            };
            match result {
                Some(Ok(_)) => {}
                Some(Err(failure)) => {
                    let location = shared.sources.file_line(failure.span);
                    tally.problem(
                        ProblemCause::TeardownFailed,
                        format!(
                            "{location}: teardown of {}: {}",
                            suite.name, failure.message
                        ),
                        failure.detail.clone(),
                        true,
                    );
                }
                None => {
                    tally.problem(
                        ProblemCause::TeardownFailed,
                        format!(
                            "teardown of {} was cut short by a second interrupt",
                            suite.name
                        ),
                        None,
                        false,
                    );
                    outcome.interrupted = true;
                }
            }
        }
        if outcome.interrupted {
            tally.halt(INTERRUPTED_REASON);
        }
    }
    outcome
}

/// One suite's selected tests, up to `jobs` at a time, started in declaration
/// order. A `stop` checkpoint is a barrier: while one of its tests runs, no
/// test outside it starts, so a test declared after the gate never starts
/// before the gate has passed. Once the run is halted nothing more starts, and
/// the tests left are skipped with the reason. Returns whether a test was
/// interrupted.
async fn run_tests(
    shared: &Arc<RunShared>,
    globals: &Arc<Vec<HashMap<String, Value>>>,
    suite_index: usize,
    tests: Vec<usize>,
    jobs: usize,
    tally: &mut Tally,
    interrupt: &watch::Receiver<bool>,
) -> bool {
    let suite = &shared.plan.suites[suite_index];
    let stop_checkpoint = |test_index: usize| {
        suite
            .tests
            .get(test_index)
            .and_then(|test| test.checkpoint.as_ref())
            .filter(|checkpoint| checkpoint.on_failure == FailureAction::Stop)
            .map(|checkpoint| checkpoint.name.clone())
    };
    let mut pending: std::collections::VecDeque<usize> = tests.into();
    let mut running = tokio::task::JoinSet::new();
    let mut running_tests: HashMap<tokio::task::Id, usize> = HashMap::new();
    // The running tests of each `stop` checkpoint.
    let mut open_gates: HashMap<String, usize> = HashMap::new();
    let mut interrupted = false;
    loop {
        if *interrupt.borrow() {
            tally.halt(INTERRUPTED_REASON);
        }
        while running.len() < jobs && tally.halt_reason().is_none() {
            let Some(&test_index) = pending.front() else {
                break;
            };
            let own_checkpoint = suite
                .tests
                .get(test_index)
                .and_then(|test| test.checkpoint.as_ref())
                .map(|checkpoint| checkpoint.name.as_str());
            let gated = open_gates
                .iter()
                .any(|(gate, running)| *running > 0 && Some(gate.as_str()) != own_checkpoint);
            if gated {
                break;
            }
            pending.pop_front();
            if let Some(gate) = stop_checkpoint(test_index) {
                *open_gates.entry(gate).or_default() += 1;
            }
            tally.started();
            let shared = Arc::clone(shared);
            let globals = Arc::clone(globals);
            let mut interrupted = interrupt.clone();
            let handle = running.spawn(async move {
                let started = Instant::now();
                let test_future = run_test(&shared, &globals, suite_index, test_index);
                let outcome = tokio::select! {
                    outcome = test_future => outcome,
                    _ = interrupted.wait_for(|stopped| *stopped) => {
                        interrupted_outcome(&shared, suite_index, test_index, started.elapsed())
                    }
                };
                // A step cut short by the test's own timeout leaves its record
                // so far behind: nothing reads it once the test is over.
                let suite = &shared.plan.suites[suite_index];
                if let Some(test) = suite.tests.get(test_index) {
                    take_partial_record(&shared, &suite.name, &test.name, "");
                }
                outcome
            });
            running_tests.insert(handle.id(), test_index);
        }
        let Some(joined) = running.join_next_with_id().await else {
            break;
        };
        let (test_index, test_outcome) = match joined {
            Ok((id, test_outcome)) => (running_tests.remove(&id), test_outcome),
            Err(error) => {
                let test_index = running_tests.remove(&error.id());
                let Some(test_index) = test_index else {
                    continue;
                };
                (
                    Some(test_index),
                    crashed_outcome(shared, suite_index, test_index, &error.to_string()),
                )
            }
        };
        if let Some(gate) = test_index.and_then(stop_checkpoint)
            && let Some(running) = open_gates.get_mut(&gate)
        {
            *running = running.saturating_sub(1);
        }
        interrupted |= test_outcome.status == TestStatus::Interrupted;
        tally.finished(suite_index, test_outcome);
    }
    if *interrupt.borrow() {
        tally.halt(INTERRUPTED_REASON);
    }
    let reason = tally
        .halt_reason()
        .unwrap_or(INTERRUPTED_REASON)
        .to_string();
    for test_index in pending {
        tally.skipped(
            suite_index,
            skipped_outcome(shared, suite_index, test_index, &reason),
        );
    }
    interrupted
}

/// A failed test's log tail is taken once the services wrote nothing for this
/// long (the error they log as they answer arrives just after the answer)…
const LOG_SETTLE_QUIET: Duration = Duration::from_millis(20);

/// …or after this at most, however chatty they are.
const LOG_SETTLE_LIMIT: Duration = Duration::from_millis(200);

fn base_outcome(shared: &RunShared, suite_index: usize, test: &TestPlan) -> TestOutcome {
    let suite = &shared.plan.suites[suite_index];
    TestOutcome {
        suite: suite.name.clone(),
        name: test.name.clone(),
        file: shared.sources.name(test.span.file).to_string(),
        line: shared.sources.start(test.span).line,
        status: TestStatus::Passed,
        duration: Duration::ZERO,
        attempts: 0,
        failure: None,
        warnings: Vec::new(),
        skip_reason: None,
        not_reached: false,
        checkpoint: test.checkpoint.as_ref().map(|checkpoint| {
            (
                checkpoint.name.clone(),
                checkpoint.stage.clone(),
                checkpoint.on_failure,
            )
        }),
        tags: test.tags.clone(),
        service_log: Vec::new(),
        loads: Vec::new(),
    }
}

/// Whether `signal` is ignored (`SIG_IGN`) in this process, as `nohup` leaves
/// SIGHUP.
fn signal_is_ignored(signal: i32) -> bool {
    let mut current = std::mem::MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: with a null new action, `sigaction` only writes the current one into
    // `current`, which is valid, zeroed memory of the right type.
    let read = unsafe { libc::sigaction(signal, std::ptr::null(), current.as_mut_ptr()) };
    // SAFETY: zeroed is a valid `sigaction`, and `sigaction` filled it on success.
    read == 0 && unsafe { current.assume_init() }.sa_sigaction == libc::SIG_IGN
}

/// The result so far of the step the test was running, if that step keeps one
/// (`StepContext::partial_record`), marked `partial` with why it is (`interrupted`,
/// `test timeout`); taken, so none outlives its test.
fn take_partial_record(
    shared: &RunShared,
    suite: &str,
    test: &str,
    why: &str,
) -> Option<serde_json::Value> {
    let mut record = shared
        .partial_records
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(&(suite.to_string(), test.to_string()))?;
    if let Some(fields) = record.as_object_mut() {
        fields.insert("partial".to_string(), serde_json::Value::from(why));
    }
    Some(record)
}

/// The test that was running when the run was interrupted, with how long it ran.
fn interrupted_outcome(
    shared: &RunShared,
    suite_index: usize,
    test_index: usize,
    ran: Duration,
) -> TestOutcome {
    let suite = &shared.plan.suites[suite_index];
    let test = &suite.tests[test_index];
    let mut outcome = base_outcome(shared, suite_index, test);
    outcome.status = TestStatus::Interrupted;
    // What the step it was running (a `load`) measured until the interrupt.
    outcome.loads = take_partial_record(shared, &suite.name, &test.name, "interrupted")
        .into_iter()
        .collect();
    outcome.duration = ran;
    outcome.attempts = 1;
    outcome.failure = Some(Failure::new(
        FailureKind::Interrupted,
        test.span,
        "the run was interrupted while this test ran",
    ));
    outcome
}

/// A test that will not run, and why.
fn skipped_outcome(
    shared: &RunShared,
    suite_index: usize,
    test_index: usize,
    reason: &str,
) -> TestOutcome {
    let test = &shared.plan.suites[suite_index].tests[test_index];
    let mut outcome = base_outcome(shared, suite_index, test);
    outcome.status = TestStatus::Skipped;
    outcome.skip_reason = Some(reason.to_string());
    outcome.not_reached = true;
    outcome
}

/// A test whose task ended without an outcome (a bug in ritc): failed, saying so,
/// rather than lost from the counts.
fn crashed_outcome(
    shared: &RunShared,
    suite_index: usize,
    test_index: usize,
    error: &str,
) -> TestOutcome {
    let test = &shared.plan.suites[suite_index].tests[test_index];
    let mut outcome = base_outcome(shared, suite_index, test);
    outcome.status = TestStatus::Failed;
    outcome.failure = Some(Failure::new(
        FailureKind::Evaluation,
        test.span,
        format!("the test ended without a result (a bug in ritc): {error}"),
    ));
    outcome
}

/// Marks a failure and the failures of its group with when their test
/// started, so that a suggestion quotes only what the service logged since
/// (`Evidence::test_started_unix_ms`).
fn mark_test_start(failure: &mut Failure, started_unix_ms: u64) {
    failure.evidence.test_started_unix_ms = Some(started_unix_ms);
    for other in &mut failure.also {
        mark_test_start(other, started_unix_ms);
    }
}

async fn run_test(
    shared: &Arc<RunShared>,
    globals: &[HashMap<String, Value>],
    suite_index: usize,
    test_index: usize,
) -> TestOutcome {
    let suite = &shared.plan.suites[suite_index];
    let test = &suite.tests[test_index];
    let mut outcome = base_outcome(shared, suite_index, test);
    if let Some(reason) = &test.skip {
        outcome.status = TestStatus::Skipped;
        outcome.skip_reason = Some(reason.clone());
        return outcome;
    }
    let _ = shared.events.send(Event::TestStarted {
        suite: suite.name.clone(),
        name: test.name.clone(),
    });
    let started = Instant::now();
    let started_at = std::time::SystemTime::now();
    let started_unix_ms = crate::evidence::unix_ms(started_at);
    // Attributes are computed from the top-level values.
    let mut attributes = TestContext::new(
        Arc::clone(shared),
        globals.to_vec(),
        suite.module,
        suite.name.clone(),
        test.name.clone(),
    );
    let mut attribute = async |expr: &Option<crate::plan::Expr>| match expr {
        Some(expr) => attributes.evaluate(expr).await.ok(),
        None => None,
    };
    let timeout = match attribute(&test.timeout).await {
        Some(Value::Duration(duration)) => Some(duration),
        _ => None,
    };
    let retries = match attribute(&test.retry).await {
        Some(Value::Int(count)) => count.max(0) as u32,
        _ => 0,
    };
    let every = match attribute(&test.retry_every).await {
        Some(Value::Duration(duration)) => duration,
        _ => Duration::ZERO,
    };
    let mut attempt = 0;
    // The reason of a `skip "why"` the body reached.
    let mut skipped_by = None;
    loop {
        attempt += 1;
        let mut context = TestContext::new(
            Arc::clone(shared),
            globals.to_vec(),
            suite.module,
            suite.name.clone(),
            test.name.clone(),
        );
        let body = context.run_block(&test.body);
        let result = match timeout {
            Some(limit) => {
                let finished = tokio::time::timeout(limit, body).await;
                match finished {
                    Ok(result) => result,
                    // At the step that was running, named.
                    Err(_) => Err(Box::new(context.timed_out(limit, test.span))),
                }
            }
            None => body.await,
        };
        outcome.warnings = std::mem::take(&mut context.warnings);
        outcome.loads = context.take_records();
        // A load the test's timeout cut short: what it measured until then.
        outcome.loads.extend(take_partial_record(
            shared,
            &suite.name,
            &test.name,
            "test timeout",
        ));
        match result {
            Ok(flow) => {
                outcome.failure = None;
                if let Flow::Skip(reason) = flow {
                    skipped_by = Some(reason);
                }
                break;
            }
            Err(failure) => {
                outcome.failure = Some(*failure);
                if attempt > retries {
                    break;
                }
                tokio::time::sleep(every).await;
            }
        }
    }
    outcome.attempts = attempt;
    outcome.duration = started.elapsed();
    if let Some(reason) = skipped_by {
        // Skipped by its own statement, as by the attribute: not "not reached".
        outcome.status = TestStatus::Skipped;
        outcome.skip_reason = Some(reason);
    }
    if outcome.failure.is_some() {
        outcome.status = match outcome.checkpoint.as_ref().map(|(_, _, action)| *action) {
            Some(FailureAction::Warn) => TestStatus::Warned,
            _ => TestStatus::Failed,
        };
        shared
            .services
            .settle_logs(LOG_SETTLE_QUIET, LOG_SETTLE_LIMIT)
            .await;
        outcome.service_log = shared
            .services
            .log_tails(10)
            .into_iter()
            .flat_map(|(name, lines)| {
                lines
                    .into_iter()
                    .map(move |(line, read_at)| ServiceLogLine {
                        text: format!("[{name}] {line}"),
                        unix_ms: read_at.map(crate::evidence::unix_ms),
                        before_test: read_at.is_some_and(|read| read < started_at),
                    })
            })
            .collect();
        if let Some(failure) = outcome.failure.as_mut() {
            mark_test_start(failure, started_unix_ms);
            // Why it may have failed: a service it needs is gone, and since when.
            let before = shared.services.exited_before(started);
            let during = shared.services.exited_since(started);
            let names = |dead: &[(String, i32)]| {
                dead.iter()
                    .map(|(name, status)| format!("`{name}` (exit status {status})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if !during.is_empty() {
                failure.message = format!(
                    "{} — and service {} stopped while it ran",
                    failure.message,
                    names(&during)
                );
            }
            if !before.is_empty() {
                failure.message = format!(
                    "{} — and service {} had stopped before it started",
                    failure.message,
                    names(&before)
                );
            }
        }
    }
    outcome
}
