//! `reltag schedule VERSION --to ENV --at TIME`: the deployment plan's schedule checks,
//! then the announcement recorded through the ledger's write path.

use clap::Args;
use jiff::Timestamp;

use super::{CliError, Context, ledger_access};
use crate::deploy::{self, VersionFacts};
use crate::ledger::{Decision, Event, EventBody, Schedule, identity};
use crate::report::{Outcome, Style};

/// Announce a promotion: record that VERSION will go to ENV at TIME. The environment's
/// `notice` counts from now; TIME must be to come, inside one of the environment's
/// windows and outside its freezes. Promote at or after TIME, before that window closes.
///
/// "Now" is the system clock, or RELTAG_NOW (an RFC 3339 time) when set: the notice
/// counts from it, and the event records it.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// The version's tag name, e.g. v1.2.3.
    #[arg(value_name = "VERSION")]
    pub tag: String,
    /// The environment it will be promoted to (a key under [environments]).
    #[arg(long = "to", value_name = "ENV")]
    pub env: String,
    /// When, as an RFC 3339 time with its offset: 2026-11-25T18:00:00-05:00 or ...Z.
    #[arg(long, value_name = "TIME")]
    pub at: String,
    /// Why, recorded with the schedule.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Record locally; do not fetch or push the ledger.
    #[arg(long)]
    pub offline: bool,
}

fn parse_at(text: &str) -> Result<Timestamp, CliError> {
    text.parse::<Timestamp>().map_err(|_| {
        let no_zone = text.parse::<jiff::civil::DateTime>().is_ok();
        CliError::usage(if no_zone {
            format!("the time `{text}` has no zone or offset: it could mean any instant")
        } else {
            format!("invalid time `{text}`: expected an RFC 3339 time")
        })
        .hint("write it with its offset, e.g. 2026-11-25T18:00:00-05:00 or 2026-11-25T23:00:00Z")
    })
}

pub fn cmd_schedule(ctx: &Context, args: ScheduleArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let environment = deploy::environment(&policy, &args.env)?;
    let at = parse_at(&args.at)?;
    let now = crate::schedule::now()?;
    deploy::check_schedule_time(environment, now, at)?;
    let gix = repo.gix();
    if !args.offline {
        ledger_access::sync(ctx, gix)?;
    }
    let actor = identity::actor_from_process_env(gix)?;
    let ledger = ledger_access::open(gix, &policy);
    let tag_commit = repo.ref_commit(&deploy::tag_ref(&args.tag)?)?;
    let facts = VersionFacts::read(&*ledger.state()?, environment, &args.tag, tag_commit)?;
    let plan = deploy::schedule(&policy, environment, &facts, &actor, now, at)?;
    let commit = facts.tag_commit.ok_or(deploy::Error::NoTag {
        version: facts.version.clone(),
    })?;
    let when = plan.when(at);
    let mut report = ctx.report("schedule", Style::Verdict);
    report.checked().tags = 1;
    let allowed = plan.is_allowed();
    plan.report_to(&mut report);
    if !allowed {
        return ctx.finish(report, Ok(()));
    }
    // Nothing the schedule's checks read is in the ledger: the write records it as decided.
    let schedule = Schedule {
        version: args.tag.clone(),
        env: args.env.clone(),
        at,
        emergency: false,
        reason: args.reason.clone(),
    };
    let recorded = Event::new(EventBody::Schedule(schedule), commit, actor.clone(), now)
        .map_err(CliError::from)
        .and_then(|event| {
            ledger_access::write(ctx, &ledger, args.offline, |_| {
                Ok(Decision::record(event.clone(), ()))
            })
        });
    if let Ok(written) = &recorded {
        report.note(format!(
            "recorded: {actor} scheduled {} to {} at {when}",
            args.tag, args.env
        ));
        if let Some(event) = written.events.first() {
            super::notices::after_record(ctx, ledger.repo(), &policy, event, &mut report);
        }
    }
    ctx.finish(report, recorded.map(|_| ()))
}
