//! `reltag notify EVENT`: send an event's notification again (or for the first time).

use clap::Args;

use super::{CliError, Context, ErrorKind, ledger_access};
use crate::ledger::LogFilter;
use crate::notify::{self, Stage};
use crate::report::{Outcome, Style};

/// Send the notification of a recorded event to the `[notify]` targets that want its
/// kind: after a send failed, or to try the targets. EVENT is the ledger commit `reltag
/// log` shows (12 or more hex digits) or the event's id.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// The ledger commit (as `reltag log` shows it) or the event id.
    #[arg(value_name = "EVENT")]
    pub event: String,
    /// Print each target's payload instead of sending it.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not fetch the remote's ledger first.
    #[arg(long)]
    pub offline: bool,
}

pub fn cmd_notify(ctx: &Context, args: NotifyArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    if !args.offline {
        ledger_access::sync(ctx, repo.gix())?;
    }
    let wanted = args.event.to_ascii_lowercase();
    if wanted.len() < 8 || !wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CliError::usage(format!(
            "`{}` is not a ledger commit or an event id",
            crate::text::escape(&args.event)
        ))
        .hint("use the ledger commit `reltag log` shows, or the event's Event-Id"));
    }
    let ledger = ledger_access::open(repo.gix(), &policy);
    let mut found = None;
    for entry in ledger.log(LogFilter::default())? {
        let entry = entry?;
        if entry.sha.to_hex().to_string().starts_with(&wanted) || entry.event.id.as_str() == wanted
        {
            found = Some(entry);
            break;
        }
    }
    let Some(entry) = found else {
        return Err(CliError::usage(format!("no event {wanted} in the ledger"))
            .hint("`reltag log` lists the events with their ledger commits"));
    };
    if !entry.standing.counts() {
        return Err(CliError::usage(format!(
            "event {wanted} does not count ({}): nobody is told about it",
            entry.event.summary()
        )));
    }
    if !notify::is_announced(entry.event.kind()) {
        return Err(CliError::usage(format!(
            "{} events are not notified (only cut, schedule, promote and rollback)",
            entry.event.kind().as_str()
        )));
    }
    let lookup = |name: &str| std::env::var(name).ok();
    let announcement = notify::announce(
        repo.gix(),
        &policy,
        &entry.event,
        Stage::Done,
        args.dry_run,
        &lookup,
    );
    let mut report = ctx.report("notify", Style::Verdict);
    if announcement.deliveries.is_empty() {
        report.note(format!(
            "no [notify] target wants {} events",
            entry.event.kind().as_str()
        ));
        return ctx.finish(report, Ok(()));
    }
    let mut failed = Vec::new();
    super::notices::show(&announcement, &mut report, |_, failure| {
        failed.push(failure)
    });
    let result = if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(
            ErrorKind::Undecided,
            format!("could not notify {}", failed.join("; ")),
        )
        .hint("check the target's URL and secret, then run the same command again"))
    };
    ctx.finish(report, result)
}
