//! The operating system under a run: child processes in their own process groups
//! (`process`), the one reader of the process table (`proc_table`), what escaped
//! every group (`leftovers`), who holds a listening port (`listeners`) and what
//! each service's process tree uses (`sampling`). Linux-first (it reads `/proc`).
//! A foundation: it knows nothing of the language, the plan, the interpreter or
//! the reports, and imports only `units` (a limit in a message).

pub mod leftovers;
pub(crate) mod listeners;
pub(crate) mod proc_table;
pub mod process;
pub mod sampling;
