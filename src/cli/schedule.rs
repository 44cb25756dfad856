use clap::Args;
use jiff::Timestamp;

use super::promote::{EnvContext, Intent, env_context, gather, now};
use super::{CliError, Context, ledger_access};
use crate::ledger::{Decision, Event, EventBody, Schedule, identity};
use crate::report::{Check, Finding, Outcome, Style};
use crate::rules::{promote_freeze, promote_notice, promote_window, span_text};

/// Announce a promotion: record that VERSION will go to ENV at TIME. The environment's
/// `notice` counts from now; TIME must be inside one of its windows and outside its
/// freezes. Promote at or after TIME, before that window closes.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// The version's tag name, e.g. v1.2.3.
    #[arg(value_name = "VERSION")]
    pub tag: String,
    #[arg(long = "to", value_name = "ENV")]
    pub env: String,
    /// When, as an RFC 3339 time with its offset: 2026-11-25T18:00:00-05:00 or ...Z.
    #[arg(long, value_name = "TIME")]
    pub at: String,
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
    let env: EnvContext = env_context(&policy, &args.env)?;
    let at = parse_at(&args.at)?;
    let now = now()?;
    let gix = repo.gix();
    if !args.offline {
        ledger_access::sync(ctx, gix)?;
    }
    let actor = identity::actor_from_process_env(gix)?;
    let gathered = gather(&repo, &policy, &env, &args.tag)?;
    let Some(commit) = gathered.tag_commit else {
        return Err(CliError::usage(format!(
            "unknown version `{}`: there is no such tag",
            args.tag
        ))
        .hint("cut the release first, or fetch tags with `git fetch --tags`"));
    };
    // The calendar is checked at the scheduled time, not now.
    let facts = gathered.facts(&args.tag, &env, at, &actor, Intent::default());
    let mut checks = crate::gates::promotion_checks(
        &facts,
        &policy,
        &[
            promote_window::PromoteWindow::ID,
            promote_freeze::PromoteFreeze::ID,
        ],
    );
    let mut findings = Vec::new();
    let ahead = at.duration_since(now);
    let notice = env
        .policy
        .notice
        .as_ref()
        .and_then(|n| crate::schedule::parse_duration(n.get_ref()).ok());
    if at <= now {
        findings.push(
            Finding::error(
                promote_notice::PromoteNotice::ID,
                facts.subject(),
                format!("{} is not in the future", facts.when(at)),
            )
            .with_hint("schedule a time to come"),
        );
    } else if let Some(notice) = notice.filter(|n| ahead < *n) {
        let earliest = now.saturating_add(notice).unwrap_or(now);
        let next = env.calendar.next_open(earliest).map_or(String::new(), |z| {
            format!(
                ": the earliest time you can schedule is {}",
                crate::rules::when(&z)
            )
        });
        findings.push(
            Finding::error(
                promote_notice::PromoteNotice::ID,
                facts.subject(),
                format!(
                    "{} is only {} ahead; {} needs {} notice",
                    facts.when(at),
                    span_text(ahead),
                    args.env,
                    span_text(notice)
                ),
            )
            .with_hint(format!("schedule a later time{next}")),
        );
    }
    checks.push(
        Check::new(
            promote_notice::PromoteNotice::ID,
            Some(facts.subject()),
            findings,
        )
        .measured(format!(
            "{} ahead, notice {}",
            span_text(ahead.max(jiff::SignedDuration::ZERO)),
            notice.map_or("none".to_string(), span_text)
        )),
    );
    let mut report = ctx.report("schedule", Style::Verdict);
    report.checked().tags = 1;
    for check in checks {
        report.check(check);
    }
    if report.outcome() == Outcome::Blocked {
        return ctx.finish(report, Ok(()));
    }
    let event = Event::new(
        EventBody::Schedule(Schedule {
            version: args.tag.clone(),
            env: args.env.clone(),
            at,
            emergency: false,
            reason: args.reason.clone(),
        }),
        commit,
        actor.clone(),
        now,
    )?;
    let ledger = ledger_access::open(gix, &policy);
    ledger_access::write(ctx, &ledger, args.offline, |_| {
        Ok(Decision::record(event.clone(), ()))
    })?;
    report.note(format!(
        "recorded: {actor} scheduled {} to {} at {}",
        args.tag,
        args.env,
        facts.when(at)
    ));
    super::notify::after_record(ctx, gix, &policy, &event, &mut report);
    ctx.finish(report, Ok(()))
}
