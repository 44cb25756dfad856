//! `reltag hook <kind>`: what the installed git hook scripts run. One module per hook.
//!
//! Hooks stay fast: no network, no async runtime, no child processes. They are silent when
//! all is well (git prints their output on every commit and push), and print the report when
//! there is something to say.

mod commit_msg;
mod pre_commit;
mod pre_push;

use clap::{Args, Subcommand};

use super::{CliError, Context};
use crate::report::Outcome;

/// Run a git hook's checks (the installed hook scripts call this; see `reltag install`).
#[derive(Debug, Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub hook: HookCommand,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    CommitMsg(commit_msg::CommitMsgArgs),
    PreCommit(pre_commit::PreCommitArgs),
    PrePush(pre_push::PrePushArgs),
}

pub fn cmd_hook(ctx: &Context, args: HookArgs) -> Result<Outcome, CliError> {
    match args.hook {
        HookCommand::CommitMsg(a) => commit_msg::cmd_hook_commit_msg(ctx, a),
        HookCommand::PreCommit(a) => pre_commit::cmd_hook_pre_commit(ctx, a),
        HookCommand::PrePush(a) => pre_push::cmd_hook_pre_push(ctx, a),
    }
}
