//! Transparent huge pages for ritc's own memory while it runs, and never for the
//! processes it starts.
//!
//! mimalloc (the binary's allocator) madvises its regions MADV_HUGEPAGE, so on a
//! machine whose THP mode is `madvise` every region it touches is backed by 2 MiB
//! pages: a 1,000-connection load peaked at 46 MB of RSS, 30 MB of it without huge
//! pages, in the same time (docs/performance.md, "Memory under load"). `ritc check`
//! keeps them: it parses a large file faster with fewer page faults. So `ritc run`
//! turns them off once the files are checked, before it starts anything.
//!
//! `PR_SET_THP_DISABLE` belongs to the process and survives `fork` and `execve`: the
//! commands and services a run starts would lose huge pages too, and the system
//! under test must run as it runs without ritc. `give_back_in_child` turns it off
//! again in each child before it becomes its program.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether this process has turned its huge pages off (children must turn them on).
static DISABLED: AtomicBool = AtomicBool::new(false);

/// Turns transparent huge pages off for the memory ritc touches from now on.
/// Best effort: where the kernel has no such switch, nothing changes.
pub fn disable_for_this_process() {
    // SAFETY: prctl with PR_SET_THP_DISABLE takes integer arguments only and
    // changes a flag of this process's memory map.
    let done = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) } == 0;
    DISABLED.store(done, Ordering::Relaxed);
}

/// Whether a child started now must be given its huge pages back.
pub fn children_need_them_back() -> bool {
    DISABLED.load(Ordering::Relaxed)
}

/// For `pre_exec`, between `fork` and `execve`: the child gets the huge pages
/// ritc turned off for itself. Async-signal-safe (one system call).
pub fn give_back_in_child() -> std::io::Result<()> {
    // SAFETY: as above; it only clears the flag the fork copied.
    if unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Adds `give_back_in_child` to `command` when this process turned huge pages
/// off. When it did not, nothing is added, and the standard library may still
/// start the child with `posix_spawn`, which is cheaper than `fork`.
pub fn give_back_to(command: &mut tokio::process::Command) {
    if children_need_them_back() {
        // SAFETY: the closure makes one async-signal-safe system call and
        // touches no memory of the parent.
        unsafe {
            command.pre_exec(give_back_in_child);
        }
    }
}
