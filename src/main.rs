//! The `reltag` binary: everything happens in the library; this maps it to an exit code.

use std::process::ExitCode;

// See Cargo.toml: musl's allocator is slow with a second thread.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(reltag::main_with_args(std::env::args_os()))
}
