#![deny(clippy::unwrap_used, clippy::expect_used)]

// Why mimalloc: see its line in Cargo.toml (allocation was a fifth of a run's
// instructions with the system allocator). Only the binary sets it; the library,
// its tests and the fuzz targets keep the default.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ritc::cli::main()
}
