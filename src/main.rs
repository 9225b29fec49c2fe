#![deny(clippy::unwrap_used, clippy::expect_used)]

// Why mimalloc: see its line in Cargo.toml (allocation was a fifth of a run's
// instructions with the system allocator). Only the binary sets it; the library,
// its tests and the fuzz targets keep the default.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = ritc::cli::main_code();
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // Ends the process without the allocator's cleanup at exit: mimalloc gave
    // every page back to the system one `madvise` at a time (226 calls, 15 ms
    // after a run of 1,000 requests, docs/performance.md), which the kernel does
    // at once when the process ends. Everything the run opened or started was
    // closed and ended before `main_code` returned, and standard output and
    // error are flushed above.
    // SAFETY: `_exit` ends the process; no Rust code runs after it.
    unsafe { libc::_exit(i32::from(code)) }
}
