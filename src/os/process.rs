//! Running one shell command for a `run` step: `sh -c` in its own process group,
//! stdout and stderr captured exactly, stdin written then closed, a timeout that ends
//! the whole group. Also owns the process-wide registry of live process groups
//! (commands and services) that the CLI ends on an emergency exit. Must not import
//! `syntax` or `check`; Linux only (it reads `/proc`).

use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::ChildStdin;

/// The most of each of a command's streams (stdout, stderr) ritc keeps, as for an
/// HTTP body (docs/reliability.md): past it the step fails and the group is ended.
pub const MAX_OUTPUT_BYTES: usize = 64 * 1024 * 1024;

/// How long a timed-out command's group has between SIGTERM and SIGKILL.
const COMMAND_GRACE: Duration = Duration::from_millis(500);

/// How long output is still read after a group was killed: a process that left the
/// group (`setsid`) may hold the pipes open forever, and must not hang the step.
const DRAIN_AFTER_KILL: Duration = Duration::from_millis(500);

/// How long `kill_all_process_groups` waits after SIGTERM before SIGKILL.
const EMERGENCY_GRACE: Duration = Duration::from_secs(1);

/// How often a group that was asked to end is looked at again.
const GROUP_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// After SIGKILL the kernel still needs a moment to tear the processes down.
const AFTER_KILL_WAIT: Duration = Duration::from_secs(1);

/// One command to run, as the `run` step built it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    /// The whole text given to `sh -c`; interpolated values are already shell-quoted.
    pub command: String,
    /// Added to the inherited environment (a later pair wins over an earlier one).
    pub env: Vec<(String, String)>,
    /// The working directory, normally the folder of the `.rit` file.
    pub cwd: PathBuf,
    /// Written to the command's stdin, which is then closed. `None`: stdin is
    /// `/dev/null`, so a command that reads it sees end of file at once.
    pub stdin: Option<Vec<u8>>,
    /// After this the whole process group is ended.
    pub timeout: Duration,
}

/// What a command that ran to its end produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// The exit code; `128 + signal` when `sh` was killed by a signal.
    pub exit: i32,
    /// Everything written to stdout, untrimmed.
    pub stdout: Vec<u8>,
    /// Everything written to stderr, untrimmed.
    pub stderr: Vec<u8>,
    /// From spawning `sh` to its exit.
    pub duration: Duration,
}

/// Why a command gave no `CommandOutput`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// `sh` could not be started (a missing working directory, a NUL byte in the
    /// command, no `sh`) or could not be waited for.
    Spawn(String),
    /// The timeout passed; the group was ended. The output is what arrived before.
    TimedOut {
        after: Duration,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    },
    /// The command wrote more than `MAX_OUTPUT_BYTES` to one stream (`stream` is
    /// `stdout` or `stderr`); ritc stopped reading there and ended the group. The
    /// output is what was kept.
    OutputTooLarge {
        stream: &'static str,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    },
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommandError::Spawn(message) => write!(formatter, "{message}"),
            CommandError::TimedOut { after, .. } => {
                write!(
                    formatter,
                    "the command timed out after {}",
                    crate::units::limit_duration(*after)
                )
            }
            CommandError::OutputTooLarge { stream, .. } => write!(
                formatter,
                "the command wrote more than 64 MiB to its {stream}; ritc stops reading there"
            ),
        }
    }
}

impl std::error::Error for CommandError {}

/// Quotes `text` as one POSIX `sh` word that reads back as exactly `text`.
///
/// Words made only of characters that no shell treats specially stay as they are;
/// anything else is put in single quotes, a `'` inside written as `'\''`. `=` and
/// `~` are quoted too, so a value never reads as an assignment or a home directory.
pub fn shell_quote(text: &str) -> String {
    if text.is_empty() {
        return "''".to_string();
    }
    if text.bytes().all(is_plain_shell_byte) {
        return text.to_string();
    }
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for character in text.chars() {
        if character == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(character);
        }
    }
    quoted.push('\'');
    quoted
}

fn is_plain_shell_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(
            byte,
            b'-' | b'_' | b'.' | b'/' | b',' | b':' | b'@' | b'%' | b'+'
        )
}

/// Runs `spec.command` with `sh -c` in a process group of its own and waits for it.
///
/// When `sh` exits, whatever it left running in its group is ended too, so a step
/// never leaves a process behind. When the timeout passes, the group gets SIGTERM,
/// then SIGKILL after a short grace. When this future is dropped before it finishes
/// (a test timeout, Ctrl-C), a guard ends the group the same way.
pub async fn run_command(spec: &CommandSpec) -> Result<CommandOutput, CommandError> {
    if !spec.cwd.is_dir() {
        return Err(CommandError::Spawn(format!(
            "the working directory {} does not exist",
            spec.cwd.display()
        )));
    }
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
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(false);
    let started = Instant::now();
    let spawning = spawn_guard();
    let mut child = command
        .spawn()
        .map_err(|error| CommandError::Spawn(format!("cannot start `sh -c`: {error}")))?;
    drop(command);
    // `process_group(0)` makes the group id the pid of `sh`. Nothing awaits between
    // the spawn and the guard, so a cancelled step cannot miss the group.
    let Some(process_group) = child.id().and_then(|pid| i32::try_from(pid).ok()) else {
        return Err(CommandError::Spawn(
            "`sh` started but has no process id".to_string(),
        ));
    };
    register_process_group(process_group);
    drop(spawning);
    let mut guard = ProcessGroupGuard {
        process_group,
        armed: true,
    };

    let stdin_pipe = child.stdin.take();
    let stdout_pipe = child.stdout.take();
    let stderr_pipe = child.stderr.take();
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let deadline = deadline_after(spec.timeout);

    let (waited, duration) = {
        // Ends early, with the stream's name, when one output passes the limit.
        let exchanging = async {
            tokio::try_join!(
                async {
                    feed_stdin(stdin_pipe, spec.stdin.as_deref()).await;
                    Ok(())
                },
                read_pipe(stdout_pipe, &mut stdout, "stdout"),
                read_pipe(stderr_pipe, &mut stderr, "stderr"),
            )
        };
        tokio::pin!(exchanging);
        let mut exchange_done = false;
        let waited = loop {
            tokio::select! {
                result = &mut exchanging, if !exchange_done => {
                    exchange_done = true;
                    if let Err(stream) = result {
                        break Ending::OutputTooLarge(stream);
                    }
                }
                status = child.wait() => break Ending::Exited(status),
                _ = tokio::time::sleep_until(deadline) => break Ending::TimedOut,
            }
        };
        let duration = started.elapsed();
        // `sh` is gone or out of time: end what is left of its group while reading
        // what it still writes, then stop reading once the pipes close.
        // What is still written after `sh` exited counts against the limit too.
        let draining = async {
            if exchange_done {
                return None;
            }
            match tokio::time::timeout(
                COMMAND_GRACE + AFTER_KILL_WAIT + DRAIN_AFTER_KILL,
                &mut exchanging,
            )
            .await
            {
                Ok(Err(stream)) => Some(stream),
                _ => None,
            }
        };
        let ((), overflowed) =
            tokio::join!(end_process_group(process_group, COMMAND_GRACE), draining);
        let waited = match (waited, overflowed) {
            (Ending::Exited(_), Some(stream)) => Ending::OutputTooLarge(stream),
            (waited, _) => waited,
        };
        (waited, duration)
    };
    if !matches!(waited, Ending::Exited(_)) {
        // Reap `sh`, which was just killed; tokio would reap it later anyway.
        let _ = tokio::time::timeout(AFTER_KILL_WAIT, child.wait()).await;
    }
    unregister_process_group(process_group);
    guard.armed = false;
    // What the step left in the background was adopted by ritc when `sh` exited
    // and has just been ended: reap it, so a long run does not pile up zombies.
    super::leftovers::reap_adopted_zombies();

    match waited {
        Ending::TimedOut => Err(CommandError::TimedOut {
            after: spec.timeout,
            stdout,
            stderr,
        }),
        Ending::OutputTooLarge(stream) => Err(CommandError::OutputTooLarge {
            stream,
            stdout,
            stderr,
        }),
        Ending::Exited(Err(error)) => Err(CommandError::Spawn(format!(
            "cannot wait for `sh -c`: {error}"
        ))),
        Ending::Exited(Ok(status)) => Ok(CommandOutput {
            exit: exit_code(status),
            stdout,
            stderr,
            duration,
        }),
    }
}

/// The exit code of a process, `128 + signal` when a signal ended it (as `sh` reports it).
pub(crate) fn exit_code(status: ExitStatus) -> i32 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => -1,
    }
}

/// `now + duration`, or far in the future when that does not fit in an `Instant`.
pub(crate) fn deadline_after(duration: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(duration)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 60 * 60))
}

async fn feed_stdin(pipe: Option<ChildStdin>, input: Option<&[u8]>) {
    if let (Some(mut pipe), Some(input)) = (pipe, input) {
        // A command that does not read its stdin closes the pipe early; that is its
        // right, not an error of the step.
        let _ = pipe.write_all(input).await;
        let _ = pipe.shutdown().await;
    }
}

/// How a command's run ended.
enum Ending {
    Exited(std::io::Result<ExitStatus>),
    TimedOut,
    /// One stream (named) passed `MAX_OUTPUT_BYTES`.
    OutputTooLarge(&'static str),
}

/// Reads a pipe to its end into `into`, or fails with `stream` once more than
/// `MAX_OUTPUT_BYTES` came: memory stays bounded whatever the command writes. Data
/// read so far stays in `into` when the future is dropped half-way.
async fn read_pipe<Pipe: AsyncRead + Unpin>(
    pipe: Option<Pipe>,
    into: &mut Vec<u8>,
    stream: &'static str,
) -> Result<(), &'static str> {
    let Some(mut pipe) = pipe else { return Ok(()) };
    let mut chunk = vec![0_u8; 16 * 1024];
    loop {
        match pipe.read(&mut chunk).await {
            Ok(0) => return Ok(()),
            Ok(read) => {
                if into.len() + read > MAX_OUTPUT_BYTES {
                    return Err(stream);
                }
                into.extend_from_slice(chunk.get(..read).unwrap_or_default());
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Ok(()),
        }
    }
}

/// Ends the process group on drop unless disarmed: the step's future was dropped.
struct ProcessGroupGuard {
    process_group: i32,
    armed: bool,
}

impl Drop for ProcessGroupGuard {
    fn drop(&mut self) {
        if self.armed {
            end_process_group_in_background(self.process_group, COMMAND_GRACE);
        }
    }
}

// ---- the registry of live process groups ----

/// Held shared from a spawn until its process group is registered, and
/// exclusively by `leftovers` while it reaps adopted orphans: a `sh` that exits
/// at once (`run "true"`) must not be taken for an adopted orphan and reaped
/// behind tokio's back before it is registered (tokio's wait would then fail with
/// "No child processes" in a parallel test).
static SPAWNING: RwLock<()> = RwLock::new(());

/// Taken around `spawn` and `register_process_group`, with no await between.
pub(crate) fn spawn_guard() -> RwLockReadGuard<'static, ()> {
    SPAWNING
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Taken by the reaper of adopted orphans: no spawned child is unregistered meanwhile.
pub(crate) fn reap_guard() -> RwLockWriteGuard<'static, ()> {
    SPAWNING
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

static LIVE_PROCESS_GROUPS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// Every process group ever registered. Its leader (whose pid is the group's id)
/// is a child this process spawned itself, which tokio waits for: `leftovers`
/// must never reap it behind tokio's back.
static SPAWNED_LEADERS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

fn live_process_groups_locked() -> std::sync::MutexGuard<'static, BTreeSet<i32>> {
    // The set stays valid whatever panicked while holding the lock.
    LIVE_PROCESS_GROUPS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Notes a process group this process started, so an emergency exit can end it.
pub(crate) fn register_process_group(process_group: i32) {
    live_process_groups_locked().insert(process_group);
    SPAWNED_LEADERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(process_group);
}

/// Whether `pid` is a child this process spawned itself (a step's or a service's
/// `sh`), as opposed to an orphan it adopted.
pub(crate) fn is_spawned_leader(pid: i32) -> bool {
    SPAWNED_LEADERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .contains(&pid)
}

/// Forgets a process group once it has been ended.
pub(crate) fn unregister_process_group(process_group: i32) {
    live_process_groups_locked().remove(&process_group);
}

/// The process groups started by commands and services that have not been ended yet.
pub fn live_process_groups() -> Vec<i32> {
    live_process_groups_locked().iter().copied().collect()
}

/// Ends every process group that commands and services of this process started and
/// that is still registered: SIGTERM to all, a grace of about a second, then SIGKILL.
///
/// For the CLI's emergency exit path (a second Ctrl-C, a panic): it blocks the calling
/// thread and needs no runtime. It is not async-signal-safe: call it from a task or
/// thread that received the signal, not from a raw signal handler.
pub fn kill_all_process_groups() {
    let groups = live_process_groups();
    for &group in &groups {
        signal_process_group(group, libc::SIGTERM);
        signal_process_group(group, libc::SIGCONT);
    }
    let deadline = Instant::now() + EMERGENCY_GRACE;
    while Instant::now() < deadline && groups.iter().any(|&group| process_group_is_alive(group)) {
        std::thread::sleep(GROUP_POLL_INTERVAL);
    }
    for &group in &groups {
        if process_group_is_alive(group) {
            signal_process_group(group, libc::SIGKILL);
        }
        unregister_process_group(group);
    }
}

// ---- signalling process groups ----

/// Sends `signal` to every process of the group. Refuses the ids that `kill(2)`
/// reads as "every process" or "my own group", and this process's own group.
pub(crate) fn signal_process_group(process_group: i32, signal: i32) {
    // SAFETY: `getpgrp` and `kill` have no memory-safety preconditions.
    unsafe {
        if process_group > 1 && process_group != libc::getpgrp() {
            libc::kill(-process_group, signal);
        }
    }
}

/// Whether the group still has a process that is not a zombie.
pub(crate) fn process_group_is_alive(process_group: i32) -> bool {
    if process_group <= 1 {
        return false;
    }
    // SAFETY: `kill` with signal 0 only checks that the group exists.
    if unsafe { libc::kill(-process_group, 0) } != 0 {
        return false;
    }
    // `kill(2)` also succeeds while only zombies are left, which no signal ends and
    // which only their parent (or init) can reap: look for a member that still runs.
    group_has_running_member(process_group).unwrap_or(true)
}

fn group_has_running_member(process_group: i32) -> Option<bool> {
    std::fs::metadata("/proc/self/stat").ok()?;
    Some(
        super::proc_table::read_processes()
            .iter()
            .any(|process| process.group == process_group && process.is_running()),
    )
}

/// SIGTERM (and SIGCONT, so a stopped process sees it) to the group, up to `grace`
/// for it to end, then SIGKILL. Returns once no process of the group runs, or a
/// moment after SIGKILL. Does not touch the registry.
pub(crate) async fn end_process_group(process_group: i32, grace: Duration) {
    if !process_group_is_alive(process_group) {
        return;
    }
    signal_process_group(process_group, libc::SIGTERM);
    signal_process_group(process_group, libc::SIGCONT);
    if wait_for_group_end(process_group, grace).await {
        return;
    }
    signal_process_group(process_group, libc::SIGKILL);
    wait_for_group_end(process_group, AFTER_KILL_WAIT).await;
}

/// Whether the group ended within `limit`.
pub(crate) async fn wait_for_group_end(process_group: i32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if !process_group_is_alive(process_group) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(GROUP_POLL_INTERVAL).await;
    }
}

/// For `Drop`, which cannot await: SIGTERM now, SIGKILL from a thread after `grace`;
/// the group leaves the registry only then, so an emergency exit in between still
/// kills it.
pub(crate) fn end_process_group_in_background(process_group: i32, grace: Duration) {
    if !process_group_is_alive(process_group) {
        unregister_process_group(process_group);
        return;
    }
    signal_process_group(process_group, libc::SIGTERM);
    signal_process_group(process_group, libc::SIGCONT);
    let spawned = std::thread::Builder::new()
        .name(format!("ritc-end-group-{process_group}"))
        .spawn(move || {
            let deadline = Instant::now() + grace;
            while Instant::now() < deadline && process_group_is_alive(process_group) {
                std::thread::sleep(GROUP_POLL_INTERVAL);
            }
            if process_group_is_alive(process_group) {
                signal_process_group(process_group, libc::SIGKILL);
            }
            unregister_process_group(process_group);
        });
    if spawned.is_err() {
        signal_process_group(process_group, libc::SIGKILL);
        unregister_process_group(process_group);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_unquoted() {
        assert_eq!(shell_quote("abc-1.2/x_y:z@h%+,"), "abc-1.2/x_y:z@h%+,");
    }

    #[test]
    fn empty_text_is_an_empty_word() {
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn single_quotes_are_closed_escaped_and_reopened() {
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("$(id)"), "'$(id)'");
    }

    #[test]
    fn assignments_and_tildes_are_quoted() {
        assert_eq!(shell_quote("A=b"), "'A=b'");
        assert_eq!(shell_quote("~"), "'~'");
    }

    #[test]
    fn durations_read_back_as_literals() {}

    #[test]
    fn refuses_to_signal_every_process_or_its_own_group() {
        // Would kill the test runner if it went through.
        signal_process_group(0, 0);
        signal_process_group(1, 0);
        signal_process_group(-1, 0);
        // SAFETY: `getpgrp` has no preconditions.
        let own = unsafe { libc::getpgrp() };
        signal_process_group(own, 0);
        assert!(!process_group_is_alive(0));
        assert!(!process_group_is_alive(1));
    }
}
