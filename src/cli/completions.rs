//! `reltag completions SHELL` and `reltag man`: shell completions and man pages, generated
//! by clap's own generators from the command definitions, so they never drift from the
//! parser.

use std::path::PathBuf;

use clap::{Args, CommandFactory};

use super::{Cli, CliError, Context, ErrorKind};
use crate::report::Outcome;

/// Print the shell completion script for SHELL.
///
/// bash: `reltag completions bash > ~/.local/share/bash-completion/completions/reltag`;
/// zsh: `reltag completions zsh > "${fpath[1]}/_reltag"`;
/// fish: `reltag completions fish > ~/.config/fish/completions/reltag.fish`;
/// PowerShell: `reltag completions powershell >> $PROFILE`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Print the reltag(1) man page, or write one page per command into DIR.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write reltag.1 and a page per command (reltag-check.1, reltag-check-pr.1, …) here.
    // Not `dir`: that id is the global `-C DIR`.
    #[arg(value_name = "DIR")]
    pub pages_dir: Option<PathBuf>,
}

pub fn cmd_completions(_ctx: &Context, args: CompletionsArgs) -> Result<Outcome, CliError> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "reltag", &mut out);
    write_stdout(&out)?;
    Ok(Outcome::Allowed)
}

pub fn cmd_man(ctx: &Context, args: ManArgs) -> Result<Outcome, CliError> {
    let command = Cli::command();
    let Some(dir) = args.pages_dir else {
        let mut out = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut out)
            .map_err(undecided)?;
        write_stdout(&out)?;
        return Ok(Outcome::Allowed);
    };
    let dir = ctx.cwd.join(dir);
    std::fs::create_dir_all(&dir).map_err(undecided)?;
    clap_mangen::generate_to(command, &dir).map_err(undecided)?;
    ctx.status(format!("wrote the man pages into {}", dir.display()));
    Ok(Outcome::Allowed)
}

fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        // `reltag completions bash | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(undecided),
    }
}

fn undecided(error: std::io::Error) -> CliError {
    CliError::new(ErrorKind::Undecided, error)
}
