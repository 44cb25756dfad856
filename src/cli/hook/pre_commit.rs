use clap::Args;

use crate::cli::check::short;
use crate::cli::{CliError, Context};
use crate::gates;
use crate::git::Head;
use crate::report::{Outcome, Style};

/// The pre-commit hook: check the current branch's name before a message is written.
#[derive(Debug, Args)]
pub struct PreCommitArgs {}

pub fn cmd_hook_pre_commit(ctx: &Context, _args: PreCommitArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let head = repo.head()?;
    let mut report = ctx.report("hook pre-commit", Style::Quiet);
    match head {
        Head::Branch { name, .. } | Head::Unborn { name } => {
            gates::check_branch(&name, &policy, &mut report);
        }
        Head::Detached { id } => report.note(format!(
            "HEAD is detached at {} (a rebase, a bisect?): the branch name is not checked",
            short(&id)
        )),
    }
    ctx.finish(report, Ok(()))
}
