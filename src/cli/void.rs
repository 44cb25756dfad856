//! `reltag void LEDGER-COMMIT --reason TEXT`: a ledger admin's repair.

use clap::Args;

use super::{CliError, Context, ledger_access};
use crate::ledger::{identity, repair};
use crate::report::Outcome;

/// Void a ledger event: record that the ledger commit LEDGER-COMMIT counts for nothing.
/// For a malformed commit that stops every reader (their error names it), or an event
/// recorded by mistake or in someone else's name. Both stay in the chain, and `reltag log`
/// shows the void with its reason. Only members of the `[ledger] admins` roles may void;
/// a void by anyone else counts for nothing.
#[derive(Debug, Args)]
pub struct VoidArgs {
    /// The ledger commit to void, as `reltag log` or an error names it.
    #[arg(value_name = "LEDGER-COMMIT")]
    pub commit: String,
    /// Why (recorded in the ledger).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Record locally; do not push the ledger.
    #[arg(long)]
    pub no_push: bool,
}

pub fn cmd_void(ctx: &Context, args: VoidArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    if args.reason.trim().is_empty() {
        return Err(CliError::usage("--reason is empty").hint("say why the event must not count"));
    }
    let gix = repo.gix();
    let actor = identity::actor_from_process_env(gix)?;
    let time = crate::schedule::now().map_err(|e| CliError::usage(e.to_string()))?;
    let admins = ledger_access::trust(&policy);
    if !args.no_push {
        // The commit to void may have arrived only on the remote.
        ledger_access::sync(ctx, gix)?;
    }
    let target = repo.resolve_commit(&args.commit)?;
    let event = repair::void_event(target, &args.reason, &actor, &admins, time)?;
    let ledger = ledger_access::open(gix, &policy);
    let mut voiding = repair::voiding(event);
    let written = ledger_access::write(ctx, &ledger, args.no_push, |base| Ok(voiding(base)?))?;
    let short = target.to_hex_with_len(12);
    match written.outcome {
        repair::VoidOutcome::Voided { what } => ctx.status(format!(
            "recorded: {actor} voided ledger commit {short} ({what}): {}",
            args.reason
        )),
        repair::VoidOutcome::AlreadyVoided { by } => ctx.status(format!(
            "ledger commit {short} was already voided by {}: nothing recorded",
            &by[..by.len().min(12)]
        )),
    }
    Ok(Outcome::Allowed)
}
