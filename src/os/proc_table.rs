//! The machine's process table, read from `/proc/PID/stat`: who runs, who is whose
//! parent, which process group, and each one's command line. One parser for the
//! four readers: whether a process group still runs (`process`), what each service
//! uses (`sampling`), what a run left running (`leftovers`) and who holds a port
//! (`listeners`). Linux only; elsewhere the table is empty. Must not import
//! `syntax` or `check`.

/// What `/proc/PID/stat` says of one process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ProcessStat {
    pub pid: i32,
    pub parent: i32,
    pub group: i32,
    /// `R`, `S`, `D`, `T`, `Z` (zombie), `X` (dead), …
    pub state: char,
    /// `utime + stime`, in clock ticks.
    pub cpu_ticks: u64,
    /// Clock ticks after boot: with the pid, names one process even when a pid
    /// is reused.
    pub start_time: u64,
    pub rss_pages: u64,
    /// Forked and not (yet) replaced by `exec`: its command line is still its
    /// parent's (the kernel's `PF_FORKNOEXEC` in the flags field).
    pub exec_pending: bool,
}

/// `PF_FORKNOEXEC` of `include/linux/sched.h`: set by fork, cleared by exec.
const FORKED_NOT_EXECUTED: u64 = 0x40;

impl ProcessStat {
    /// Whether it still runs code: a zombie or a dead entry waits only to be reaped,
    /// and no signal changes that.
    pub fn is_running(&self) -> bool {
        self.state != 'Z' && self.state != 'X'
    }
}

/// Parses `/proc/PID/stat`. The command name (field 2) is in parentheses and
/// may itself hold spaces and parentheses: the fields are counted after the
/// last `)`.
pub(crate) fn parse_stat(text: &str) -> Option<ProcessStat> {
    let (head, rest) = text.rsplit_once(')')?;
    let pid = head.split_once('(')?.0.trim().parse().ok()?;
    // After `)`: field 3 (state) is index 0.
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |number: usize| fields.get(number - 3).copied();
    let number = |number: usize| field(number)?.parse::<u64>().ok();
    Some(ProcessStat {
        pid,
        state: field(3)?.chars().next()?,
        parent: field(4)?.parse().ok()?,
        group: field(5)?.parse().ok()?,
        cpu_ticks: number(14)? + number(15)?,
        start_time: number(22)?,
        rss_pages: number(24)?,
        exec_pending: number(9)? & FORKED_NOT_EXECUTED != 0,
    })
}

/// Every process of the machine that could be read now.
pub(crate) fn read_processes() -> Vec<ProcessStat> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_str()
                .is_some_and(|name| name.bytes().all(|byte| byte.is_ascii_digit()))
        })
        // A process that ended since the listing is simply not there.
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("stat")).ok())
        .filter_map(|text| parse_stat(&text))
        .collect()
}

/// Whether this process has a child now, as the kernel lists each of its threads'
/// children (`/proc/self/task/TID/children`): a few small files, where the whole
/// table is a file per process of the machine. `None` when a list cannot be read
/// (a kernel built without it, a thread that ended meanwhile), or the threads
/// changed while they were read (an ending thread hands its children to another,
/// perhaps one already read): the caller then reads the whole table.
pub(crate) fn has_children() -> Option<bool> {
    let threads = || -> Option<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir("/proc/self/task")
            .ok()?
            .map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect::<Option<_>>()?;
        names.sort();
        Some(names)
    };
    let before = threads()?;
    for thread in &before {
        let children =
            std::fs::read_to_string(format!("/proc/self/task/{thread}/children")).ok()?;
        if !children.trim().is_empty() {
            return Some(true);
        }
    }
    (threads()? == before).then_some(false)
}

/// The processes of `processes` that descend from `root` (children, their
/// children, …), not `root` itself, in no particular order.
pub(crate) fn descendants_of(root: i32, processes: &[ProcessStat]) -> Vec<ProcessStat> {
    let mut found = Vec::new();
    let mut parents = vec![root];
    // Parents form a tree, but pids read at different moments may not: every
    // process is taken at most once, so the walk ends.
    let mut taken = std::collections::HashSet::new();
    while let Some(parent) = parents.pop() {
        for process in processes {
            if process.parent == parent && process.pid != root && taken.insert(process.pid) {
                found.push(*process);
                parents.push(process.pid);
            }
        }
    }
    found
}

/// The command line of `pid`, spaces between the arguments (empty if unreadable).
pub(crate) fn command_line(pid: i32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| {
            String::from_utf8_lossy(&bytes)
                .split('\0')
                .filter(|argument| !argument.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(pid: i32, parent: i32) -> ProcessStat {
        ProcessStat {
            pid,
            parent,
            group: pid,
            state: 'S',
            cpu_ticks: 0,
            start_time: 0,
            rss_pages: 0,
            exec_pending: false,
        }
    }

    #[test]
    fn stat_lines_are_read_after_the_command_name() {
        let line = "4242 (my (odd) cmd) R 4200 4242 4242 0 -1 4194560 120 0 0 0 \
                    150 30 0 0 20 0 1 0 987654 123456789 2560 18446744073709551615 \
                    1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assert_eq!(
            parse_stat(line),
            Some(ProcessStat {
                pid: 4242,
                parent: 4200,
                group: 4242,
                state: 'R',
                cpu_ticks: 180,
                start_time: 987654,
                rss_pages: 2560,
                exec_pending: false,
            })
        );
        // The same process between its fork and its exec.
        let forked = line.replace(" 4194560 ", " 4194624 ");
        assert_eq!(
            parse_stat(&forked).map(|stat| stat.exec_pending),
            Some(true)
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("12 (x) R 1"), None);
    }

    /// The fast answer of `leftovers` must never say "no child" while one runs.
    /// (Other tests of this process start children too, so only a running child's
    /// "yes" is certain here; tests/faults.rs ends real leftovers through it.)
    #[cfg(target_os = "linux")]
    #[test]
    fn a_running_child_is_seen_in_the_threads_lists() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep starts");
        let seen = has_children();
        child.kill().ok();
        child.wait().ok();
        assert_eq!(seen, Some(true));
    }

    #[test]
    fn zombies_and_dead_entries_do_not_run() {
        let mut zombie = process(5, 1);
        zombie.state = 'Z';
        assert!(!zombie.is_running());
        zombie.state = 'X';
        assert!(!zombie.is_running());
        assert!(process(6, 1).is_running());
    }

    #[test]
    fn descendants_are_found_at_any_depth_and_only_once() {
        let processes = vec![
            process(10, 1),
            process(11, 10),
            process(12, 11),
            process(13, 12),
            process(20, 1),
            process(21, 20),
            // A pid read at another moment that points back up: no endless walk.
            process(14, 13),
        ];
        let mut found: Vec<i32> = descendants_of(10, &processes)
            .iter()
            .map(|process| process.pid)
            .collect();
        found.sort_unstable();
        assert_eq!(found, vec![11, 12, 13, 14]);
        assert!(descendants_of(21, &processes).is_empty());
    }

    fn stat_of(pid: i32) -> Option<ProcessStat> {
        parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
    }

    #[test]
    fn a_fork_is_exec_pending_until_it_execs() {
        // SAFETY: the child calls only async-signal-safe functions (`pause`,
        // `_exit`), as a fork of a threaded process must.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: see above; the child never returns into the test.
            unsafe {
                libc::pause();
                libc::_exit(0);
            }
        }
        assert!(pid > 0, "fork failed");
        let forked = stat_of(pid);
        // SAFETY: ends and reaps the child forked above.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
        assert_eq!(
            forked.map(|stat| stat.exec_pending),
            Some(true),
            "{forked:?}"
        );
        // `spawn` returns once the child has exec'd `sleep`.
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep starts");
        let spawned = stat_of(child.id() as i32);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            spawned.map(|stat| stat.exec_pending),
            Some(false),
            "{spawned:?}"
        );
    }

    #[test]
    fn this_process_is_in_the_table() {
        let own = std::process::id() as i32;
        let processes = read_processes();
        let me = processes
            .iter()
            .find(|process| process.pid == own)
            .unwrap_or_else(|| panic!("pid {own} not among {} processes", processes.len()));
        assert!(me.is_running());
        assert!(me.rss_pages > 0);
        // A test binary started by cargo has exec'd.
        assert!(!me.exec_pending);
    }
}
