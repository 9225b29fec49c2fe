//! What a run left running outside every process group ritc ended.
//!
//! Steps and services are ended by signalling their process group. A process that
//! moved to a group or session of its own (`setsid`, a daemon's double fork) is out
//! of that reach, and when its parent exits it would be adopted by init and outlive
//! the run unseen. The CLI therefore makes `ritc` a *child subreaper*
//! (`prctl(PR_SET_CHILD_SUBREAPER)`): such an orphan is adopted by `ritc` instead,
//! so it still descends from it, and at the end of the run every descendant still
//! running is ended (SIGTERM, a short grace, SIGKILL) and named, so the user learns
//! that the script leaks a process. Linux only; elsewhere nothing is adopted.
//!
//! Only a process that is a subreaper looks for leftovers: a library user (the
//! tests run suites inside the test process, beside other tests' processes) never
//! has its own children ended behind its back. Must not import `syntax` or `check`.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::proc_table::{ProcessStat, command_line, descendants_of, has_children, read_processes};
use super::process::{is_spawned_leader, live_process_groups};

/// How long a leftover has between SIGTERM and SIGKILL.
const LEFTOVER_GRACE: Duration = Duration::from_millis(500);

const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// How long a leftover found between its fork and its `exec` is left to reach
/// the `exec` before it is signalled and named: until then its command line is
/// its parent's (a TERM trap's `sleep 33 &` reads as the trap's `sh -c …`). One
/// that never execs (a subshell) is named by that inherited line after this.
const EXEC_SETTLE: Duration = Duration::from_millis(300);

/// How many times SIGKILL is sent to what still runs after the grace.
const KILL_ROUNDS: usize = 5;

/// A process the run left running, and ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leftover {
    pub pid: i32,
    /// Its command line, spaces between the arguments (empty if unreadable).
    pub command_line: String,
}

/// Makes this process the one that adopts the orphans of its descendants. Returns
/// whether that worked (always false outside Linux).
pub fn adopt_orphans() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_CHILD_SUBREAPER takes one integer argument and only sets a
        // flag on this process.
        unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

fn adopts_orphans() -> bool {
    #[cfg(target_os = "linux")]
    {
        let mut flag: libc::c_int = 0;
        // SAFETY: PR_GET_CHILD_SUBREAPER writes one int through the pointer, which
        // points at a live local.
        let result = unsafe { libc::prctl(libc::PR_GET_CHILD_SUBREAPER, &mut flag, 0, 0, 0) };
        result == 0 && flag != 0
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Ends every process still running that descends from this one, if this process
/// adopts orphans (`adopt_orphans`); otherwise does nothing. Call it once nothing
/// the run started should run any more: after the tests, teardown and the services.
/// Processes of a registered process group are left to whoever is ending that
/// group. The table is read afresh at every round, so what a leftover starts while
/// it is being ended (a supervisor respawning, a TERM trap) is ended too. Returns
/// the processes that were running when signalled, each named by its command line
/// when signalled; one caught between its fork and its `exec` is first given a
/// moment (`EXEC_SETTLE`) to become the program it is about to run, so it is named
/// by that program and not by its parent's line. Blocks for up to about a second.
pub fn end_leftovers() -> Vec<Leftover> {
    if !adopts_orphans() {
        return Vec::new();
    }
    let mut ended = Vec::new();
    let mut named = HashSet::new();
    let mut forked_at: HashMap<(i32, u64), Instant> = HashMap::new();
    // SIGTERM to each leftover once (and SIGCONT, so a stopped one sees it), for
    // the grace.
    let deadline = Instant::now() + LEFTOVER_GRACE;
    loop {
        let running = running_leftovers();
        if running.is_empty() {
            break;
        }
        for process in &running {
            let key = (process.pid, process.start_time);
            // The grace of the SIGKILL rounds is not waited for it: a fork that
            // has not exec'd by the end of the SIGTERM rounds is named as it is.
            let settling = process.exec_pending
                && forked_at.entry(key).or_insert_with(Instant::now).elapsed() < EXEC_SETTLE;
            if !settling
                && !named.contains(&key)
                && signal_and_name(process, libc::SIGTERM, &mut named, &mut ended)
            {
                send_if_same(process, libc::SIGCONT);
            }
        }
        if Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(POLL_INTERVAL);
    }
    // SIGKILL to whatever still runs, read afresh each round.
    for _ in 0..KILL_ROUNDS {
        let running = running_leftovers();
        if running.is_empty() {
            break;
        }
        for process in &running {
            signal_and_name(process, libc::SIGKILL, &mut named, &mut ended);
        }
        std::thread::sleep(POLL_INTERVAL);
    }
    reap_adopted_zombies();
    ended
}

/// Reaps the zombies of the orphans this process adopted: no one else will until
/// it exits, and each holds a pid meanwhile. Its own children (the `sh` of steps
/// and services) are left to tokio, which waits for them by pid.
pub(crate) fn reap_adopted_zombies() {
    // Called after every `run` step: most leave no zombie at all, and asking the
    // kernel is far cheaper than reading the whole process table.
    if !adopts_orphans() || !has_zombie_child() {
        return;
    }
    // No child is spawned and not yet registered while the table is read.
    let _no_spawning = super::process::reap_guard();
    let own = std::process::id() as i32;
    for process in read_processes() {
        if process.parent == own && !process.is_running() && !is_spawned_leader(process.pid) {
            // SAFETY: `waitpid` on one pid with WNOHANG only reaps that zombie
            // child; a null status pointer is allowed.
            unsafe { libc::waitpid(process.pid, std::ptr::null_mut(), libc::WNOHANG) };
        }
    }
}

/// Whether a child of this process has exited and waits to be reaped. Only looks
/// (`WNOWAIT`): the zombie stays for whoever waits for it.
fn has_zombie_child() -> bool {
    // SAFETY: `siginfo_t` is plain data, valid when zeroed; `waitid` writes into it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: `info` is a valid, writable `siginfo_t`.
    let result = unsafe {
        libc::waitid(
            libc::P_ALL,
            0,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    // SAFETY: after a successful `waitid`, `si_pid` is set (0 when none exited).
    result == 0 && unsafe { info.si_pid() } != 0
}

/// The descendants of this process that still run and belong to no registered
/// process group.
fn running_leftovers() -> Vec<ProcessStat> {
    // No child, no descendant: most runs start no process that outlives its step,
    // and the whole table costs a file per process of the machine (start-up time,
    // docs/performance.md).
    if has_children() == Some(false) {
        return Vec::new();
    }
    let own = std::process::id() as i32;
    let registered: HashSet<i32> = live_process_groups().into_iter().collect();
    descendants_of(own, &read_processes())
        .into_iter()
        .filter(|process| process.is_running() && !registered.contains(&process.group))
        .collect()
}

/// Sends `signal` to a leftover; the first time one is reached it is named in
/// `ended` (its command line read before the signal can end it). Returns whether
/// the signal was sent.
fn signal_and_name(
    process: &ProcessStat,
    signal: i32,
    named: &mut HashSet<(i32, u64)>,
    ended: &mut Vec<Leftover>,
) -> bool {
    let first = !named.contains(&(process.pid, process.start_time));
    let command_line = if first {
        command_line(process.pid)
    } else {
        String::new()
    };
    let sent = send_if_same(process, signal);
    if sent && first {
        named.insert((process.pid, process.start_time));
        ended.push(Leftover {
            pid: process.pid,
            command_line,
        });
    }
    sent
}

/// Sends `signal` only if the pid still names the same process (same start time),
/// so a pid reused since the table was read is never hit. Returns whether it was
/// sent.
fn send_if_same(process: &ProcessStat, signal: i32) -> bool {
    // SAFETY: `kill` has no memory-safety preconditions.
    still_runs(process) && unsafe { libc::kill(process.pid, signal) } == 0
}

fn still_runs(process: &ProcessStat) -> bool {
    std::fs::read_to_string(format!("/proc/{}/stat", process.pid))
        .ok()
        .and_then(|text| super::proc_table::parse_stat(&text))
        .is_some_and(|now| now.start_time == process.start_time && now.is_running())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_that_does_not_adopt_orphans_ends_nothing() {
        // The test process is no subreaper: its own children are left alone.
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        assert!(end_leftovers().is_empty());
        assert!(child.try_wait().unwrap().is_none(), "the child was ended");
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
