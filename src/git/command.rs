//! Running the `git` binary, for what must use the user's own configuration: push,
//! fetch (credentials) and signing. Arguments are passed as a vector, never through a
//! shell, and stderr is kept for the error.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("cannot run `git`: is git installed and on PATH?")]
    Spawn(#[source] std::io::Error),
    #[error("`git {args}` failed ({status}): {stderr}")]
    Failed {
        args: String,
        status: String,
        stderr: String,
    },
}

/// Runs `git` in `dir` with `args`; returns stdout on success.
pub fn run_git<I, S>(dir: &Path, args: I) -> Result<Output, CommandError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let output = Command::new("git")
        .current_dir(dir)
        .args(&args)
        // Never wait for a password prompt: a gate must answer, not hang.
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(CommandError::Spawn)?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(CommandError::Failed {
            args: args
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}
