//! `reltag calendar`: the release calendar as an iCalendar feed.

use std::path::PathBuf;

use clap::Args;
use jiff::Timestamp;

use super::dashboard::{by_env, calendars};
use super::promote::now;
use super::{CliError, Context, ErrorKind, ledger_access, status};
use crate::ledger::State;
use crate::report::Outcome;
use crate::schedule::Calendar;

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

/// The feed: windows and freezes from the calendars, scheduled promotions from the
/// environments' records in `state`.
pub(super) fn feed_text(
    state: &State,
    calendars: &[(String, Calendar)],
    now: Timestamp,
    days: i64,
) -> Result<String, CliError> {
    let mut schedules = Vec::new();
    for (env, _) in calendars {
        if let Some(record) = state.env(env)? {
            schedules.extend(record.schedules);
        }
    }
    let entries = crate::calendar::entries(&by_env(calendars), &schedules, now, days);
    Ok(crate::calendar::feed(
        &entries,
        "Releases",
        status::seconds(now),
    ))
}

/// A feed of 1 to [`crate::calendar::MAX_FEED_DAYS`] days.
pub(super) fn check_days(days: i64) -> Result<(), CliError> {
    if (1..=crate::calendar::MAX_FEED_DAYS).contains(&days) {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "{days} days is out of range: the calendar covers 1 to {} days",
        crate::calendar::MAX_FEED_DAYS
    )))
}

pub fn cmd_calendar(ctx: &Context, args: CalendarArgs) -> Result<Outcome, CliError> {
    check_days(args.days)?;
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let names = status::environment_order(&policy, &ctx.cwd);
    if !args.offline {
        ledger_access::sync(ctx, repo.gix())?;
    }
    let now = now()?;
    let state = ledger_access::open(repo.gix(), &policy).state()?;
    state.check_sound()?;
    let text = feed_text(&state, &calendars(&policy, &names)?, now, args.days)?;
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
