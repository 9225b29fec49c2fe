//! Services of a run: starting each `service` command once (`sh -c`, own process
//! group), its output into `<log dir>/<name>.log` and memory, awaiting its readiness
//! probe, noticing when it dies, and stopping all of them in reverse start order.
//! A probe proves the service itself is up: it counts only while the service's
//! process group runs, and a port that answers must be listened on by the
//! service's processes, not by another (`listeners`).
//! Must not import `syntax` or `check`; Linux only.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::sync::{OnceCell, watch};

use crate::evidence::Readiness;
use crate::failure::Cause;
use crate::os::listeners::{all_local, holder_of, listeners_for, process_tree, socket_inodes};
use crate::os::process::{
    deadline_after, end_process_group_in_background, exit_code, process_group_is_alive,
    register_process_group, signal_process_group, unregister_process_group, wait_for_group_end,
};

/// `ready … within D` when the script gives no `within`.
pub const DEFAULT_READY_WITHIN: Duration = Duration::from_secs(60);

/// How many lines of a service's log a `ServiceError` carries.
const ERROR_LOG_TAIL_LINES: usize = 20;

/// How much of the command line of a process that holds a service's port a
/// failure shows.
const HOLDER_COMMAND_CHARS: usize = 80;

/// How often the readiness probe runs.
const PROBE_INTERVAL: Duration = Duration::from_millis(75);

/// The longest one probe attempt may take (an HTTP request, a TCP connect).
const PROBE_ATTEMPT_LIMIT: Duration = Duration::from_secs(2);

/// How long a stopped service has between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// How long to wait after SIGKILL for the group to be gone.
const AFTER_KILL_WAIT: Duration = Duration::from_secs(2);

/// How long to wait for the last output of a service that exited (the copying
/// thread may still be reading it), before its log tail is taken.
const LOG_END_WAIT: Duration = Duration::from_millis(500);

/// How much output is kept in memory per service; beyond it the oldest part is
/// dropped from memory (the log file keeps all of it).
const IN_MEMORY_LOG_LIMIT: usize = 8 * 1024 * 1024;

/// How a service shows it is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadyProbe {
    /// A GET of this URL answers with a 2xx status.
    Http(String),
    /// A TCP connection to this `host:port` is accepted.
    Tcp(String),
    /// A line of the service's output (stdout or stderr) contains this text.
    Log(String),
}

impl std::fmt::Display for ReadyProbe {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadyProbe::Http(url) => write!(formatter, "ready http {url:?}"),
            ReadyProbe::Tcp(address) => write!(formatter, "ready tcp {address:?}"),
            ReadyProbe::Log(text) => write!(formatter, "ready log {text:?}"),
        }
    }
}

/// One `service` declaration, with its command text interpolated and quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    pub name: String,
    /// The text given to `sh -c`.
    pub command: String,
    /// Added to the inherited environment.
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
    pub ready: Option<ReadyProbe>,
    /// `DEFAULT_READY_WITHIN` unless the script says otherwise.
    pub ready_within: Duration,
}

/// A service that could not be started or did not become ready.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceError {
    pub service: String,
    /// A sentence without the service's name: "exited with status 3 before it was ready".
    pub message: String,
    /// The last lines of its output (empty when it never ran).
    pub log_tail: Vec<String>,
    /// `service_not_ready` when it started and never became ready,
    /// `service_failed` when it could not be started.
    pub cause: Cause,
    /// How its readiness probe went, when it started and was never ready
    /// (boxed: most errors have none).
    pub readiness: Option<Box<Readiness>>,
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "service {}: {}", self.service, self.message)
    }
}

impl std::error::Error for ServiceError {}

/// The services of one run. A cheap handle: clones share the same services.
///
/// When the last handle is dropped, services that were not stopped get SIGTERM and,
/// after the grace, SIGKILL from a background thread: a safety net, not the way to
/// stop them (`stop_all` is).
#[derive(Clone)]
pub struct Services {
    shared: Arc<SharedServices>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self
            .shared
            .slots()
            .iter()
            .map(|slot| slot.name.clone())
            .collect();
        formatter
            .debug_struct("Services")
            .field("log_dir", &self.shared.log_dir)
            .field("services", &names)
            .finish()
    }
}

struct SharedServices {
    log_dir: PathBuf,
    /// In the order their first `start` came: stopping goes the other way.
    slots: Mutex<Vec<Arc<ServiceSlot>>>,
}

impl SharedServices {
    fn slots(&self) -> MutexGuard<'_, Vec<Arc<ServiceSlot>>> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn started_processes(&self) -> Vec<Arc<ServiceProcess>> {
        self.slots()
            .iter()
            .filter_map(|slot| slot.process())
            .collect()
    }
}

impl Drop for SharedServices {
    fn drop(&mut self) {
        for process in self.started_processes() {
            if !process.stopped.initialized() {
                process.stop_requested.store(true, Ordering::SeqCst);
                end_process_group_in_background(process.process_group, STOP_GRACE);
            }
        }
    }
}

/// One service name: started once, whoever asks first.
struct ServiceSlot {
    name: String,
    outcome: OnceCell<Result<(), ServiceError>>,
    /// Set once `sh` was spawned; `None` with `--no-start`.
    process: Mutex<Option<Arc<ServiceProcess>>>,
}

impl ServiceSlot {
    fn process(&self) -> Option<Arc<ServiceProcess>> {
        self.process
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// A spawned service.
struct ServiceProcess {
    process_group: i32,
    log: Arc<ServiceLog>,
    /// Set by the task that waits for `sh`.
    exit: watch::Receiver<Option<ServiceExit>>,
    /// Shared with that task, so an exit we asked for is not reported as a death.
    stop_requested: Arc<AtomicBool>,
    /// Set once stopped; true when a hurry cut its grace short.
    stopped: OnceCell<bool>,
}

#[derive(Debug, Clone, Copy)]
struct ServiceExit {
    code: i32,
    /// When the waiting task saw it.
    at: std::time::Instant,
    /// Whether `stop` had been asked for before it exited.
    expected: bool,
}

impl ServiceProcess {
    fn exit(&self) -> Option<ServiceExit> {
        *self.exit.borrow()
    }

    async fn wait_for_exit(&self) {
        let mut exit = self.exit.clone();
        // An error means the waiting task is gone without a word: nothing to wait for.
        let _ = exit.wait_for(Option::is_some).await;
    }

    /// SIGTERM to the group, up to `STOP_GRACE` for every process of it to end,
    /// then SIGKILL. Once only; a second call waits for the first.
    async fn stop(&self) {
        self.stop_unless_hurried(None).await;
    }

    /// `stop`, except that the grace ends early, with SIGKILL, as soon as `hurry`
    /// turns true (a second interrupt: the user does not want to wait any more).
    /// Returns whether that happened while this service was still running. Once
    /// only, like `stop`: a caller that comes while a stop without `hurry` runs
    /// waits for that one, and its `hurry` is not heard (the runner stops services
    /// only once, after the tests, so this does not happen there).
    async fn stop_unless_hurried(&self, hurry: Option<watch::Receiver<bool>>) -> bool {
        *self
            .stopped
            .get_or_init(|| async {
                self.stop_requested.store(true, Ordering::SeqCst);
                let mut hurried = false;
                if process_group_is_alive(self.process_group) {
                    signal_process_group(self.process_group, libc::SIGTERM);
                    signal_process_group(self.process_group, libc::SIGCONT);
                    let ended = match hurry {
                        Some(mut hurry) => tokio::select! {
                            ended = wait_for_group_end(self.process_group, STOP_GRACE) => ended,
                            // A closed channel never hurries: that branch is disabled.
                            Ok(_) = hurry.wait_for(|hurried| *hurried) => {
                                hurried = true;
                                false
                            }
                        },
                        None => wait_for_group_end(self.process_group, STOP_GRACE).await,
                    };
                    if !ended {
                        signal_process_group(self.process_group, libc::SIGKILL);
                        wait_for_group_end(self.process_group, AFTER_KILL_WAIT).await;
                    }
                }
                unregister_process_group(self.process_group);
                // Let the waiting task record the exit and the copier read the last words.
                let _ = tokio::time::timeout(AFTER_KILL_WAIT, self.wait_for_exit()).await;
                self.log.wait_for_end(LOG_END_WAIT).await;
                hurried
            })
            .await
    }
}

/// Lines of a service's output, each with when ritc began to read it.
pub type TimedLines = Vec<(String, Option<SystemTime>)>;

/// A service's output: the log file and what of it is kept in memory.
struct ServiceLog {
    path: PathBuf,
    memory: Mutex<InMemoryLog>,
    /// True once the copying thread saw end of file.
    ended: watch::Sender<bool>,
}

#[derive(Default)]
struct InMemoryLog {
    bytes: Vec<u8>,
    /// How many bytes from the start were dropped to respect the memory limit.
    dropped: usize,
    /// When each line kept began to arrive, by the offset of its start in the
    /// whole output (oldest first): what a suggestion times log lines by.
    line_starts: std::collections::VecDeque<(usize, SystemTime)>,
}

impl InMemoryLog {
    /// When the line starting at `offset` (in the whole output) began to arrive.
    fn time_of(&self, offset: usize) -> Option<SystemTime> {
        let index = self
            .line_starts
            .partition_point(|(start, _)| *start <= offset);
        index
            .checked_sub(1)
            .and_then(|index| self.line_starts.get(index))
            .map(|(_, time)| *time)
    }
}

impl ServiceLog {
    fn memory(&self) -> MutexGuard<'_, InMemoryLog> {
        self.memory
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn append(&self, chunk: &[u8]) {
        let now = SystemTime::now();
        let mut memory = self.memory();
        // Lines that start in this chunk: at its start when the output so far
        // ended a line, and after each newline inside it.
        let offset = memory.dropped + memory.bytes.len();
        if memory.bytes.last().is_none_or(|&byte| byte == b'\n') {
            memory.line_starts.push_back((offset, now));
        }
        for (index, _) in chunk
            .iter()
            .enumerate()
            .filter(|(index, byte)| **byte == b'\n' && index + 1 < chunk.len())
        {
            memory.line_starts.push_back((offset + index + 1, now));
        }
        memory.bytes.extend_from_slice(chunk);
        if memory.bytes.len() > IN_MEMORY_LOG_LIMIT {
            // Keep the newer half, cut at a line start when there is one.
            let mut cut = memory.bytes.len() - IN_MEMORY_LOG_LIMIT / 2;
            if let Some(newline) = memory
                .bytes
                .get(cut..)
                .and_then(|rest| rest.iter().position(|&byte| byte == b'\n'))
            {
                cut += newline + 1;
            }
            memory.bytes.drain(..cut);
            memory.dropped += cut;
            let dropped = memory.dropped;
            while memory
                .line_starts
                .get(1)
                .is_some_and(|(start, _)| *start <= dropped)
            {
                memory.line_starts.pop_front();
            }
        }
    }

    fn text(&self) -> String {
        let memory = self.memory();
        if memory.dropped > 0
            && let Ok(all) = std::fs::read(&self.path)
        {
            return String::from_utf8_lossy(&all).into_owned();
        }
        String::from_utf8_lossy(&memory.bytes).into_owned()
    }

    fn tail(&self, lines: usize) -> Vec<String> {
        let memory = self.memory();
        last_lines(&memory.bytes, lines)
    }

    /// The last `lines` lines, each with when it began to arrive.
    fn timed_tail(&self, lines: usize) -> TimedLines {
        let memory = self.memory();
        let texts = last_lines(&memory.bytes, lines);
        // The start of each of those lines, last first, as `last_lines` counts them.
        let body = memory.bytes.strip_suffix(b"\n").unwrap_or(&memory.bytes);
        let mut starts = Vec::with_capacity(texts.len());
        let mut end = body.len();
        for _ in 0..texts.len() {
            let start = body
                .get(..end)
                .and_then(|before| before.iter().rposition(|&byte| byte == b'\n'))
                .map_or(0, |newline| newline + 1);
            starts.push(start);
            end = start.saturating_sub(1);
        }
        starts.reverse();
        texts
            .into_iter()
            .zip(starts)
            .map(|(text, start)| (text, memory.time_of(memory.dropped + start)))
            .collect()
    }

    /// Whether a line written since `*scanned` (an offset in the whole output, at a
    /// line start) contains `needle`; moves `*scanned` past the complete lines.
    fn line_contains(&self, needle: &str, scanned: &mut usize) -> bool {
        let memory = self.memory();
        let start = scanned
            .saturating_sub(memory.dropped)
            .min(memory.bytes.len());
        let Some(unscanned) = memory.bytes.get(start..) else {
            return false;
        };
        let needle = needle.as_bytes();
        let found = unscanned.split(|&byte| byte == b'\n').any(|line| {
            needle.is_empty() || line.windows(needle.len()).any(|window| window == needle)
        });
        // The last, unfinished line is looked at again next time.
        if let Some(last_newline) = unscanned.iter().rposition(|&byte| byte == b'\n') {
            *scanned = memory.dropped + start + last_newline + 1;
        } else {
            *scanned = memory.dropped + start;
        }
        found
    }

    async fn wait_for_end(&self, limit: Duration) {
        let mut ended = self.ended.subscribe();
        let _ = tokio::time::timeout(limit, ended.wait_for(|ended| *ended)).await;
    }
}

/// The last `count` lines of `bytes`; a final newline does not start an empty line.
fn last_lines(bytes: &[u8], count: usize) -> Vec<String> {
    if count == 0 {
        return Vec::new();
    }
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if body.is_empty() {
        return Vec::new();
    }
    let mut lines: Vec<String> = body
        .rsplit(|&byte| byte == b'\n')
        .take(count)
        .map(|line| String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line)).into_owned())
        .collect();
    lines.reverse();
    lines
}

impl Services {
    /// Services whose logs go to `log_dir` (created when the first service starts).
    pub fn new(log_dir: PathBuf) -> Services {
        Services {
            shared: Arc::new(SharedServices {
                log_dir,
                slots: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Starts the service and waits until it is ready. A name already started (or
    /// being started) is not started again: the caller gets the first start's
    /// outcome, whatever its `spec`. With `no_start` nothing is spawned and only an
    /// `http` or `tcp` probe is awaited.
    pub async fn start(&self, spec: ServiceSpec, no_start: bool) -> Result<(), ServiceError> {
        let slot = self.slot_for(&spec.name);
        slot.outcome
            .get_or_init(|| self.start_in_slot(&slot, spec, no_start))
            .await
            .clone()
    }

    fn slot_for(&self, name: &str) -> Arc<ServiceSlot> {
        let mut slots = self.shared.slots();
        if let Some(slot) = slots.iter().find(|slot| slot.name == name) {
            return slot.clone();
        }
        let slot = Arc::new(ServiceSlot {
            name: name.to_string(),
            outcome: OnceCell::new(),
            process: Mutex::new(None),
        });
        slots.push(slot.clone());
        slot
    }

    async fn start_in_slot(
        &self,
        slot: &ServiceSlot,
        spec: ServiceSpec,
        no_start: bool,
    ) -> Result<(), ServiceError> {
        if no_start {
            return await_readiness(&spec, None, &ProbedPort::default()).await;
        }
        // A start that was cancelled half-way may have spawned already.
        let (process, port) = match slot.process() {
            Some(process) => (process, ProbedPort::default()),
            None => {
                // Before the spawn: a listener already there is not the service's.
                let port = ProbedPort::before_start(spec.ready.as_ref()).await;
                let process = Arc::new(self.spawn(&spec)?);
                *slot
                    .process
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(process.clone());
                (process, port)
            }
        };
        await_readiness(&spec, Some(&process), &port).await
    }

    fn spawn(&self, spec: &ServiceSpec) -> Result<ServiceProcess, ServiceError> {
        let failure = |message: String| ServiceError {
            service: spec.name.clone(),
            message,
            log_tail: Vec::new(),
            cause: Cause::ServiceFailed,
            readiness: None,
        };
        if !spec.cwd.is_dir() {
            return Err(failure(format!(
                "cannot start: the working directory {} does not exist",
                spec.cwd.display()
            )));
        }
        std::fs::create_dir_all(&self.shared.log_dir).map_err(|error| {
            failure(format!(
                "cannot create the log folder {}: {error}",
                self.shared.log_dir.display()
            ))
        })?;
        let log_path = self
            .shared
            .log_dir
            .join(format!("{}.log", log_file_stem(&spec.name)));
        let log_file = File::create(&log_path).map_err(|error| {
            failure(format!(
                "cannot create its log file {}: {error}",
                log_path.display()
            ))
        })?;
        // One pipe for stdout and stderr keeps their lines in the order written.
        let (reader, writer) = std::io::pipe()
            .map_err(|error| failure(format!("cannot create a pipe for its output: {error}")))?;
        let writer_for_stderr = writer
            .try_clone()
            .map_err(|error| failure(format!("cannot create a pipe for its output: {error}")))?;

        let mut command = tokio::process::Command::new("sh");
        command
            .arg("-c")
            .arg(&spec.command)
            .envs(
                spec.env
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str())),
            )
            .current_dir(&spec.cwd)
            .stdin(std::process::Stdio::null())
            .stdout(writer)
            .stderr(writer_for_stderr)
            .process_group(0)
            .kill_on_drop(false);
        let spawning = crate::os::process::spawn_guard();
        let spawned = command.spawn();
        // Our copies of the pipe's write end must close, or its end of file never comes.
        drop(command);
        let mut child =
            spawned.map_err(|error| failure(format!("cannot start `sh -c`: {error}")))?;
        let Some(process_group) = child.id().and_then(|pid| i32::try_from(pid).ok()) else {
            return Err(failure("`sh` started but has no process id".to_string()));
        };
        register_process_group(process_group);
        drop(spawning);

        let (ended, _) = watch::channel(false);
        let log = Arc::new(ServiceLog {
            path: log_path,
            memory: Mutex::new(InMemoryLog::default()),
            ended,
        });
        let copier_log = log.clone();
        let copier = std::thread::Builder::new()
            .name(format!("ritc-service-log-{}", spec.name))
            .spawn(move || copy_output(reader, log_file, &copier_log));
        if let Err(error) = copier {
            end_process_group_in_background(process_group, Duration::ZERO);
            return Err(failure(format!(
                "cannot start the thread that copies its output: {error}"
            )));
        }

        let stop_requested = Arc::new(AtomicBool::new(false));
        let (exit_sender, exit) = watch::channel(None);
        let stop_requested_at_exit = stop_requested.clone();
        tokio::spawn(async move {
            let code = match child.wait().await {
                Ok(status) => exit_code(status),
                Err(_) => -1,
            };
            let expected = stop_requested_at_exit.load(Ordering::SeqCst);
            exit_sender.send_replace(Some(ServiceExit {
                code,
                at: std::time::Instant::now(),
                expected,
            }));
        });

        Ok(ServiceProcess {
            process_group,
            log,
            exit,
            stop_requested,
            stopped: OnceCell::new(),
        })
    }

    fn process(&self, name: &str) -> Option<Arc<ServiceProcess>> {
        let slots = self.shared.slots();
        slots
            .iter()
            .find(|slot| slot.name == name)
            .and_then(|slot| slot.process())
    }

    /// Everything the service wrote so far, stdout and stderr in the order written.
    /// `None` for a service that was not spawned here.
    pub fn logs(&self, name: &str) -> Option<String> {
        self.process(name).map(|process| process.log.text())
    }

    /// The last `lines` lines of the service's output (empty when not spawned here).
    pub fn log_tail(&self, name: &str, lines: usize) -> Vec<String> {
        self.process(name)
            .map(|process| process.log.tail(lines))
            .unwrap_or_default()
    }

    /// The last `lines` lines of every service spawned here, in start order,
    /// each with when ritc read it from the service.
    pub fn log_tails(&self, lines: usize) -> Vec<(String, TimedLines)> {
        let slots = self.shared.slots();
        slots
            .iter()
            .filter_map(|slot| {
                slot.process()
                    .map(|process| (slot.name.clone(), process.log.timed_tail(lines)))
            })
            .collect()
    }

    /// Waits until no service wrote for `quiet`, at most `limit`: the lines a
    /// service writes as it answers a failing request (an error, its stack)
    /// arrive on their copying threads just after the answer, and a failure's
    /// log tail is taken at once otherwise.
    pub async fn settle_logs(&self, quiet: Duration, limit: Duration) {
        let written = || -> usize {
            self.shared
                .slots()
                .iter()
                .filter_map(|slot| slot.process())
                .map(|process| {
                    let memory = process.log.memory();
                    memory.dropped + memory.bytes.len()
                })
                .sum()
        };
        let deadline = tokio::time::Instant::now() + limit;
        let mut last = written();
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(quiet).await;
            let now = written();
            if now == last {
                return;
            }
            last = now;
        }
    }

    /// Where the service's log file is (`None` when not spawned here).
    pub fn log_path(&self, name: &str) -> Option<PathBuf> {
        self.process(name).map(|process| process.log.path.clone())
    }

    /// The process group of each service spawned here and not yet being stopped,
    /// in start order: `(name, group id)`. The group's id is the pid of the
    /// service's `sh`, the root of its process tree. For sampling its usage.
    pub fn process_groups(&self) -> Vec<(String, i32)> {
        let slots = self.shared.slots();
        slots
            .iter()
            .filter_map(|slot| {
                let process = slot.process()?;
                (!process.stop_requested.load(Ordering::SeqCst))
                    .then(|| (slot.name.clone(), process.process_group))
            })
            .collect()
    }

    /// Services that exited without being asked to stop, with their exit codes
    /// (`128 + signal` when a signal ended them), in start order.
    pub fn exited(&self) -> Vec<(String, i32)> {
        self.exited_when(|_| true)
    }

    /// `exited`, only those that exited before `since`.
    pub fn exited_before(&self, since: std::time::Instant) -> Vec<(String, i32)> {
        self.exited_when(|at| at < since)
    }

    /// `exited`, only those that exited at or after `since` (while a test that
    /// started then ran).
    pub fn exited_since(&self, since: std::time::Instant) -> Vec<(String, i32)> {
        self.exited_when(|at| at >= since)
    }

    fn exited_when(&self, when: impl Fn(std::time::Instant) -> bool) -> Vec<(String, i32)> {
        self.exited_with_time()
            .into_iter()
            .filter(|(_, _, at)| when(*at))
            .map(|(name, code, _)| (name, code))
            .collect()
    }

    fn exited_with_time(&self) -> Vec<(String, i32, std::time::Instant)> {
        let slots = self.shared.slots();
        slots
            .iter()
            .filter_map(|slot| {
                let exit = slot.process()?.exit()?;
                (!exit.expected).then(|| (slot.name.clone(), exit.code, exit.at))
            })
            .collect()
    }

    /// Stops every service spawned here, last started first: SIGTERM to its group,
    /// up to 5 s for all of the group to end, then SIGKILL; returns once they are
    /// gone. Calling it again (or after a service was stopped) does nothing more.
    pub async fn stop_all(&self) {
        let mut processes = self.shared.started_processes();
        processes.reverse();
        for process in processes {
            process.stop().await;
        }
    }

    /// `stop_all`, but once `hurry` turns true (before or during the stop), every
    /// service still in its grace gets SIGKILL at once instead of waiting out the
    /// 5 s. Returns the services that were cut short that way, in stop order.
    pub async fn stop_all_unless_hurried(&self, hurry: watch::Receiver<bool>) -> Vec<String> {
        let mut slots: Vec<Arc<ServiceSlot>> = self.shared.slots().clone();
        slots.reverse();
        let mut killed = Vec::new();
        for slot in slots {
            let Some(process) = slot.process() else {
                continue;
            };
            if process.stop_unless_hurried(Some(hurry.clone())).await {
                killed.push(slot.name.clone());
            }
        }
        killed
    }
}

/// The service's name as a file name: anything but letters, digits, `-`, `_`, `.`
/// becomes `_`, so a name never reaches outside the log folder.
fn log_file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() || matches!(character, '-' | '_' | '.') {
                character
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() || stem.starts_with('.') {
        format!("service{stem}")
    } else {
        stem
    }
}

/// Runs on its own thread: copies the service's output into the log file and memory
/// until every writer closed the pipe.
fn copy_output(mut reader: std::io::PipeReader, log_file: File, log: &ServiceLog) {
    let mut log_file = Some(log_file);
    let mut chunk = vec![0_u8; 16 * 1024];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => {
                let data = chunk.get(..read).unwrap_or_default();
                // The file first, so that what a probe saw is already on disk. A disk
                // that fails stops the file, not the service or its in-memory log.
                if let Some(file) = log_file.as_mut()
                    && file.write_all(data).is_err()
                {
                    log_file = None;
                }
                log.append(data);
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    log.ended.send_replace(true);
}

/// Polls the probe until it holds, the service exits, or `ready_within` passes.
async fn await_readiness(
    spec: &ServiceSpec,
    process: Option<&Arc<ServiceProcess>>,
    port: &ProbedPort,
) -> Result<(), ServiceError> {
    let failure = |message: String| ServiceError {
        service: spec.name.clone(),
        message,
        log_tail: process
            .map(|process| process.log.tail(ERROR_LOG_TAIL_LINES))
            .unwrap_or_default(),
        cause: Cause::ServiceNotReady,
        readiness: None,
    };
    let started = tokio::time::Instant::now();
    // What the probe saw, for the failure's evidence.
    let history = |attempts: u32, last_problem: &Option<String>, exit: Option<i32>| {
        spec.ready.as_ref().map(|probe| {
            Box::new(Readiness::new(
                probe.to_string(),
                attempts,
                last_problem.clone(),
                started.elapsed(),
                spec.ready_within,
                exit,
            ))
        })
    };
    let mut attempts = 0_u32;
    let mut last_seen: Option<String> = None;
    let probe = match (&spec.ready, process) {
        (None, _) => return Ok(()),
        // Without a process of ours there is no output to watch.
        (Some(ReadyProbe::Log(_)), None) => return Ok(()),
        (Some(probe), _) => probe,
    };
    let http_client = match probe {
        ReadyProbe::Http(_) => Some(
            reqwest::Client::builder()
                .no_proxy()
                .timeout(PROBE_ATTEMPT_LIMIT)
                .build()
                .map_err(|error| {
                    failure(format!("cannot make an HTTP client for its probe: {error}"))
                })?,
        ),
        _ => None,
    };
    let deadline = deadline_after(spec.ready_within);
    let mut log_scanned = 0;
    loop {
        if let Some(process) = process
            && let Some(exit) = process.exit()
        {
            let readiness = history(attempts, &last_seen, Some(exit.code));
            process.log.wait_for_end(LOG_END_WAIT).await;
            // Its group may still hold processes it started in the background.
            process.stop().await;
            // Most likely why it could not start, whether the probe got to see it or not.
            let held = port
                .held_by_another()
                .map(|held| format!("; {held}"))
                .unwrap_or_default();
            return Err(ServiceError {
                readiness,
                ..failure(format!(
                    "exited with status {} before it was ready{held}",
                    exit.code
                ))
            });
        }
        let attempt = attempt_probe(probe, http_client.as_ref(), process, &mut log_scanned);
        attempts += 1;
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let limit = remaining
            .min(PROBE_ATTEMPT_LIMIT)
            .max(Duration::from_millis(50));
        let last_problem = match tokio::time::timeout(limit, attempt).await {
            Ok(Ok(())) => match process {
                None => return Ok(()),
                Some(process) => match who_answered(process, port).await {
                    Answer::Service => return Ok(()),
                    Answer::Gone => "the service's processes are gone".to_string(),
                    Answer::Foreign(inodes) => port.answered_by_another(&inodes),
                },
            },
            Ok(Err(problem)) => problem,
            Err(_) => format!("no answer within {}", crate::units::limit_duration(limit)),
        };
        if tokio::time::Instant::now() >= deadline {
            let readiness = history(attempts, &Some(last_problem.clone()), None);
            if let Some(process) = process {
                process.stop().await;
            }
            let message = format!(
                "was not ready within {} ({probe}: {last_problem})",
                crate::units::limit_duration(spec.ready_within)
            );
            return Err(ServiceError {
                readiness,
                ..failure(message)
            });
        }
        last_seen = Some(last_problem);
        let pause = deadline
            .saturating_duration_since(tokio::time::Instant::now())
            .min(PROBE_INTERVAL);
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = async {
                match process {
                    Some(process) => process.wait_for_exit().await,
                    None => std::future::pending().await,
                }
            } => {}
        }
    }
}

/// The port an `http` or `tcp` probe connects to, as seen before the service
/// started. Empty (nothing to compare) for a `log` probe, for an address that is
/// not this machine's loopback, and where `/proc` cannot be read.
#[derive(Debug, Default)]
struct ProbedPort {
    targets: Vec<SocketAddr>,
    /// The listeners that were already there: another process's, whatever comes.
    held_before: HashSet<u64>,
}

impl ProbedPort {
    async fn before_start(probe: Option<&ReadyProbe>) -> ProbedPort {
        let targets = match probe {
            Some(ReadyProbe::Tcp(address)) => resolve(address.clone(), None).await,
            Some(ReadyProbe::Http(url)) => match reqwest::Url::parse(url) {
                Ok(url) => match (url.host(), url.port_or_known_default()) {
                    (Some(host), Some(number)) => {
                        let host = match host {
                            url::Host::Domain(name) => name.to_string(),
                            url::Host::Ipv4(address) => address.to_string(),
                            url::Host::Ipv6(address) => address.to_string(),
                        };
                        resolve(host, Some(number)).await
                    }
                    _ => Vec::new(),
                },
                Err(_) => Vec::new(),
            },
            _ => Vec::new(),
        };
        if !all_local(&targets) {
            return ProbedPort::default();
        }
        let held_before = listeners_for(&targets)
            .unwrap_or_default()
            .iter()
            .map(|listener| listener.inode)
            .collect();
        ProbedPort {
            targets,
            held_before,
        }
    }

    fn port_number(&self) -> u16 {
        self.targets
            .first()
            .map(|target| target.port())
            .unwrap_or_default()
    }

    /// "port 8080 answered, but another process holds it: pid 4242 `python3 -m
    /// http.server 8080`, not one of the service's own".
    fn answered_by_another(&self, inodes: &HashSet<u64>) -> String {
        let holder = match holder(inodes) {
            Some(holder) => format!(": {holder}"),
            None => " (ritc cannot see which)".to_string(),
        };
        format!(
            "port {} answered, but another process holds it{holder}, not one of the service's own",
            self.port_number()
        )
    }

    /// "port 8080 is held by another process: pid 4242 `python3 …`" while a
    /// listener that was there before the service started still is; `None`
    /// otherwise.
    fn held_by_another(&self) -> Option<String> {
        let held: HashSet<u64> = listeners_for(&self.targets)?
            .iter()
            .map(|listener| listener.inode)
            .filter(|inode| self.held_before.contains(inode))
            .collect();
        if held.is_empty() {
            return None;
        }
        let holder = holder(&held)
            .map(|holder| format!(": {holder}"))
            .unwrap_or_default();
        Some(format!(
            "port {} is held by another process{holder}",
            self.port_number()
        ))
    }
}

/// "pid 4242 `python3 -m http.server 8080`": a process that holds one of `inodes`,
/// where ritc may see it (a process of its own user).
fn holder(inodes: &HashSet<u64>) -> Option<String> {
    let (pid, command) = holder_of(inodes)?;
    Some(if command.is_empty() {
        format!("pid {pid}")
    } else {
        format!("pid {pid} `{}`", shortened(&command))
    })
}

/// A command line on one line and at most `HOLDER_COMMAND_CHARS` characters.
fn shortened(command: &str) -> String {
    let one_line = command.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= HOLDER_COMMAND_CHARS {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(HOLDER_COMMAND_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// `host:port` (or `host` and `port`) to its addresses; none when that fails or
/// takes longer than a probe attempt.
async fn resolve(host: String, port: Option<u16>) -> Vec<SocketAddr> {
    let lookup = async move {
        match port {
            Some(port) => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map(Iterator::collect),
            None => tokio::net::lookup_host(host.as_str())
                .await
                .map(Iterator::collect),
        }
    };
    match tokio::time::timeout(PROBE_ATTEMPT_LIMIT, lookup).await {
        Ok(Ok(addresses)) => addresses,
        _ => Vec::new(),
    }
}

/// Who gave the answer a probe got.
enum Answer {
    /// The service, or ritc cannot tell otherwise.
    Service,
    /// No process of the service's group runs any more: the answer came from
    /// something else.
    Gone,
    /// Another process listens on the probed port (these listeners), and none of
    /// the service's processes does.
    Foreign(HashSet<u64>),
}

/// A probe that answered counts only while the service's process group runs and,
/// on a loopback port, when the listener is the service's: one of its processes
/// holds it, or it appeared after the service started (a listener outside its
/// tree but started for it, like `docker run -p`'s proxy). A listener that was
/// there before the service started and is not its own belongs to another process:
/// the service most likely failed to bind the port.
async fn who_answered(process: &ServiceProcess, port: &ProbedPort) -> Answer {
    if process.exit().is_some() || !process_group_is_alive(process.process_group) {
        // Give the task that waits for `sh` a moment to record the exit, which the
        // next round reports with the log tail.
        let _ = tokio::time::timeout(AFTER_KILL_WAIT, process.wait_for_exit()).await;
        return Answer::Gone;
    }
    if port.targets.is_empty() {
        return Answer::Service;
    }
    let listeners = match listeners_for(&port.targets) {
        Some(listeners) if !listeners.is_empty() => listeners,
        // Nothing visible listens (another network namespace, a NAT rule): only
        // the liveness above can be checked.
        _ => return Answer::Service,
    };
    let own = socket_inodes(&process_tree(process.process_group));
    let foreign: HashSet<u64> = listeners.iter().map(|listener| listener.inode).collect();
    let any_own = listeners
        .iter()
        .any(|listener| own.contains(&listener.inode));
    let any_new = foreign
        .iter()
        .any(|inode| !port.held_before.contains(inode));
    if any_own || any_new {
        Answer::Service
    } else {
        Answer::Foreign(foreign)
    }
}

/// One look at the probe: `Err` says why it does not hold yet.
async fn attempt_probe(
    probe: &ReadyProbe,
    http_client: Option<&reqwest::Client>,
    process: Option<&Arc<ServiceProcess>>,
    log_scanned: &mut usize,
) -> Result<(), String> {
    match probe {
        ReadyProbe::Http(url) => {
            let Some(client) = http_client else {
                return Err("no HTTP client".to_string());
            };
            let response = client.get(url).send().await.map_err(|error| {
                super::probe_problem::http_problem(&error, url, PROBE_ATTEMPT_LIMIT)
            })?;
            let status = response.status();
            if status.is_success() {
                Ok(())
            } else {
                Err(format!("answered {status}"))
            }
        }
        ReadyProbe::Tcp(address) => tokio::net::TcpStream::connect(address.as_str())
            .await
            .map(drop)
            .map_err(|error| super::probe_problem::io_problem(&error, address)),
        ReadyProbe::Log(text) => match process {
            Some(process) if process.log.line_contains(text, log_scanned) => Ok(()),
            _ => Err("no such line yet".to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_lines_ignore_the_final_newline() {
        assert_eq!(last_lines(b"a\nb\nc\n", 2), vec!["b", "c"]);
        assert_eq!(last_lines(b"a\nb\nc", 5), vec!["a", "b", "c"]);
        assert_eq!(last_lines(b"", 5), Vec::<String>::new());
        assert_eq!(last_lines(b"x\r\n", 1), vec!["x"]);
    }

    #[test]
    fn a_holder_command_line_is_shown_on_one_short_line() {
        assert_eq!(
            shortened("python3 -c\nimport  socket"),
            "python3 -c import socket"
        );
        let long = "x ".repeat(100);
        let shown = shortened(&long);
        assert_eq!(shown.chars().count(), HOLDER_COMMAND_CHARS);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn log_file_names_stay_in_the_folder() {
        assert_eq!(log_file_stem("api"), "api");
        assert_eq!(log_file_stem("../etc/passwd"), "service.._etc_passwd");
        assert_eq!(log_file_stem(""), "service");
    }

    #[test]
    fn log_probe_finds_lines_across_chunks() {
        let (ended, _) = watch::channel(false);
        let log = ServiceLog {
            path: PathBuf::from("/nonexistent"),
            memory: Mutex::new(InMemoryLog::default()),
            ended,
        };
        let mut scanned = 0;
        log.append(b"starting\nlisten");
        assert!(!log.line_contains("listening on", &mut scanned));
        assert_eq!(scanned, "starting\n".len());
        log.append(b"ing on 80\n");
        assert!(log.line_contains("listening on", &mut scanned));
        assert!(!log.line_contains("starting\nlisten", &mut 0));
    }
}
