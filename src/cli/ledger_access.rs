//! What the ledger commands share: errors, the ledger judged by the policy, syncing before
//! reads, and the one write path.

use super::{CliError, Context, ErrorKind};
use crate::ledger::{self, Admins, Base, Decision, Ledger, Publish, WriteOptions, Written};
use crate::policy::Policy;

impl From<ledger::Error> for CliError {
    fn from(e: ledger::Error) -> Self {
        let kind = if e.is_undecided() {
            ErrorKind::Undecided
        } else {
            ErrorKind::Usage
        };
        let hint = e.hint();
        let error = CliError::new(kind, e);
        match hint {
            Some(hint) => error.hint(hint),
            None => error,
        }
    }
}

/// Which events count under `policy`: voids only by members of the `[ledger] admins` roles.
pub fn trust(policy: &Policy) -> Admins {
    Admins::new(
        policy
            .file
            .ledger
            .admins
            .iter()
            .flat_map(|role| policy.role_members(role.get_ref())),
    )
}

/// The repository's ledger, judged as the policy says.
pub fn open<'repo>(repo: &'repo gix::Repository, policy: &Policy) -> Ledger<'repo> {
    Ledger::new(repo).with_trust(trust(policy))
}

/// Fetches the remote's ledger and integrates it, before a command reads it. Says what
/// happened to an earlier write that was interrupted. A repository without a remote has
/// nothing to sync.
pub fn sync(ctx: &Context, repo: &gix::Repository) -> Result<(), CliError> {
    let options = ledger::sync::SyncOptions {
        push: false,
        ..ledger::sync::SyncOptions::default()
    };
    let report = ledger::sync::sync(repo, None, &options).map_err(|e| {
        if e.hint().is_some() {
            CliError::from(e)
        } else {
            CliError::from(e).hint(
                "check the remote and your credentials, or pass --offline to read the local ledger",
            )
        }
    })?;
    for notice in &report.notices {
        ctx.status(notice);
    }
    Ok(())
}

/// Records what `decide` decides through the one write path: pushed to the default remote
/// before anything changes here, or (`local_only`, or no remote) recorded locally to be
/// published by a later write.
pub fn write<T>(
    ctx: &Context,
    ledger: &Ledger<'_>,
    local_only: bool,
    decide: impl FnMut(&Base<'_, '_>) -> Result<Decision<T>, CliError>,
) -> Result<Written<T>, CliError> {
    let publish = Publish::choose(ledger.repo(), local_only);
    // The clock is an input: say so before recording behind the ledger's latest event.
    let latest = crate::deploy::clock::latest_event_time(ledger)?;
    if let Some(warning) = crate::deploy::clock::warning(crate::schedule::now()?, latest) {
        ctx.status(warning);
    }
    let written = ledger::write(ledger, &publish, &WriteOptions::default(), decide)?;
    for notice in &written.sync.notices {
        ctx.status(notice);
    }
    Ok(written)
}
