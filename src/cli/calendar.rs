//! `reltag calendar`: the release calendar as an iCalendar feed.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, Context, ErrorKind, ledger_access};
use crate::report::Outcome;

/// Print the release calendar as an iCalendar file (RFC 5545): every environment's
/// deploy windows, its freezes (with their reasons) and the scheduled promotions, from
/// now on, each in its environment's time zone. Import it into Google Calendar, Outlook
/// or Apple Calendar, or publish it (`reltag dashboard` writes it beside the page).
#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// Write the feed to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Days the feed covers, from now.
    #[arg(long, value_name = "N", default_value_t = crate::calendar::FEED_DAYS)]
    pub days: i64,
    /// Do not fetch the remote's ledger first.
    #[arg(long)]
    pub offline: bool,
}

pub fn cmd_calendar(ctx: &Context, args: CalendarArgs) -> Result<Outcome, CliError> {
    crate::calendar::check_days(args.days).map_err(CliError::usage)?;
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    if !args.offline {
        ledger_access::sync(ctx, repo.gix())?;
    }
    let now = crate::schedule::now()?;
    let state = ledger_access::open(repo.gix(), &policy).state()?;
    state.check_sound()?;
    let text = crate::calendar::feed_of(
        &state,
        &crate::calendar::of_policy(&policy),
        now,
        args.days,
        &crate::calendar::uid_scope(repo.gix()),
    )?;
    match &args.out {
        Some(path) => {
            let path = ctx.cwd.join(path);
            std::fs::write(&path, text).map_err(|e| {
                CliError::new(
                    ErrorKind::Undecided,
                    format!("cannot write {}: {e}", path.display()),
                )
            })?;
            ctx.status(format!("wrote the release calendar to {}", path.display()));
        }
        None => {
            use std::io::Write;
            let mut out = crate::report::output::Stdout;
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| CliError::new(ErrorKind::Undecided, e))?;
        }
    }
    Ok(Outcome::Allowed)
}
