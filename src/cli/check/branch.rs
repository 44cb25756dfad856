use clap::Args;

use crate::cli::{CliError, Context};
use crate::gates;
use crate::git::Head;
use crate::report::{Outcome, Style};

/// Check a branch name (default: the current branch).
#[derive(Debug, Args)]
pub struct BranchArgs {
    /// The branch name, e.g. feature/PAY-12-login.
    pub name: Option<String>,
}

pub fn cmd_check_branch(ctx: &Context, args: BranchArgs) -> Result<Outcome, CliError> {
    let name = match args.name {
        Some(name) => name,
        None => match ctx.repo()?.head()? {
            Head::Branch { name, .. } | Head::Unborn { name } => name,
            Head::Detached { .. } => {
                return Err(
                    CliError::usage("HEAD is detached: there is no current branch")
                        .hint("name the branch: reltag check branch <NAME>"),
                );
            }
        },
    };
    let repo = ctx.repo().ok();
    let policy = ctx.policy(repo.as_ref())?;
    let mut report = ctx.report("check branch", Style::Verdict);
    gates::check_branch(&name, &policy, &mut report);
    ctx.finish(report, Ok(()))
}
