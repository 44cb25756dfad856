//! The `reltag` binary: everything happens in the library; this maps it to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(reltag::main_with_args(std::env::args_os()))
}
