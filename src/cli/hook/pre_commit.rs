use clap::Args;

use super::emit_quietly;
use crate::cli::check::{check_branch_name, short};
use crate::cli::{CliError, Context};
use crate::git::Head;
use crate::report::{Outcome, Report};

/// The pre-commit hook: check the current branch's name before a message is written.
#[derive(Debug, Args)]
pub struct PreCommitArgs {}

pub fn cmd_hook_pre_commit(ctx: &Context, _args: PreCommitArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let mut report = Report::default();
    match repo.head()? {
        Head::Branch { name, .. } | Head::Unborn { name } => {
            check_branch_name(&name, &policy, &mut report);
        }
        Head::Detached { id } => report.notes.push(format!(
            "HEAD is detached at {} (a rebase, a bisect?): the branch name is not checked",
            short(&id)
        )),
    }
    emit_quietly(ctx, &report)
}
