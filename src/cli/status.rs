//! `reltag status`: the deployment plan of every environment, as data.

use clap::Args;

use super::{CliError, Context, ledger_access};
use crate::deploy;
use crate::ledger::identity;
use crate::report::{Data, Outcome, Style};

/// Per environment: what runs there, since when and by whom, the rollback target, the
/// versions waiting with what they still need, and the earliest moment each can be
/// promoted given windows, freezes, notice and soak.
///
/// "Now" is the system clock, or RELTAG_NOW (an RFC 3339 time) when set.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only this environment.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Do not fetch the remote's ledger first.
    #[arg(long)]
    pub offline: bool,
}

pub fn cmd_status(ctx: &Context, args: StatusArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    if let Some(env) = &args.env {
        deploy::environment(&policy, env)?;
    }
    if !args.offline {
        ledger_access::sync(ctx, repo.gix())?;
    }
    let now = crate::schedule::now()?;
    let actor = identity::actor_from_process_env(repo.gix()).unwrap_or_default();
    let state = ledger_access::open(repo.gix(), &policy).state()?;
    let tags = repo.tags()?;
    let status = deploy::status(&policy, &state, &tags, now, &actor, args.env.as_deref())?;
    let mut report = ctx.report("status", Style::Data);
    report.set_data(Data::Status(status));
    ctx.finish(report, Ok(()))
}
