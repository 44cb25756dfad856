//! `reltag verify`: every event of the ledger's chain, judged by the policy's keys.

use clap::Args;

use super::{CliError, Context, ledger_access};
use crate::ledger::{Ledger, LogFilter, Standing};
use crate::report::{Check, Outcome, Style};
use crate::rules::ledger_signed::{self, LedgerEventFacts, LedgerSigned};

/// Check the whole ledger: every event well-formed and counted, signed by a key the
/// allowed signers file binds to its actor at its time ([ledger] require_signed).
/// Exit 1 when any event does not count.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Check only the events after this ledger commit (one an earlier audit verified).
    #[arg(long, value_name = "REV")]
    pub from: Option<String>,
    /// Do not fetch the remote's ledger first.
    #[arg(long)]
    pub offline: bool,
}

pub fn cmd_verify(ctx: &Context, args: VerifyArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let gix = repo.gix();
    if !args.offline {
        ledger_access::sync(ctx, gix)?;
    }
    let from = match &args.from {
        Some(rev) => Some(repo.resolve_commit(rev)?),
        None => None,
    };
    let keyed = policy.file.ledger.names_keys();
    // Keys that cannot be read are an error here, not a reason to call every event bad.
    let ledger = if keyed {
        Ledger::new(gix).with_trust(ledger_access::signed_trust(gix, &policy)?)
    } else {
        ledger_access::open(gix, &policy)
    };

    let mut report = ctx.report("verify", Style::Verdict);
    if !keyed {
        report.note(
            "the policy names no keys ([ledger] allowed_signers, [ledger.openpgp]): events are checked for form and the ledger's rules only, not for signatures",
        );
    }
    let (mut events, mut counted, mut reached) = (0u64, 0u64, from.is_none());
    let mut findings = Vec::new();
    for entry in ledger.log(LogFilter::default())? {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => return ctx.finish(report, Err(error.into())),
        };
        if Some(entry.sha) == from {
            reached = true;
            break;
        }
        events += 1;
        let refused = match &entry.standing {
            Standing::Refused { reason } => Some(reason.clone()),
            Standing::Counts | Standing::Voided { .. } => None,
        };
        if refused.is_none() {
            counted += 1;
        }
        ledger_signed::check(
            &LedgerEventFacts {
                ledger_commit: entry.sha.to_string(),
                summary: entry.event.summary(),
                actor: entry.event.actor.clone(),
                refused,
            },
            &mut findings,
        );
    }
    if !reached {
        let rev = args.from.as_deref().unwrap_or_default();
        return ctx.finish(
            report,
            Err(CliError::usage(format!(
                "{rev} is not a commit of the ledger's chain ({})",
                ledger.ref_name()
            ))
            .hint("pass a ledger commit, as `reltag log --format json` lists them")),
        );
    }
    let bad = findings.len();
    report.checked().commits = usize::try_from(events).unwrap_or(usize::MAX);
    report.check(
        Check::new(LedgerSigned::ID, None, findings).measured(format!(
            "{events} {}, {counted} verified, {bad} not counted",
            if events == 1 { "event" } else { "events" }
        )),
    );
    ctx.finish(report, Ok(()))
}
