//! `reltag schedule`: announcing a promotion at a time to come.

use jiff::Timestamp;

use super::{Environment, Error, Plan, Request, VersionFacts};
use crate::gates;
use crate::policy::Policy;
use crate::report::Check;
use crate::rules::{promote_freeze, promote_notice, promote_window, span_text, when};

/// A schedule announces a time to come: `at` must be after `now` (bad input otherwise).
pub fn check_schedule_time(
    environment: &Environment,
    now: Timestamp,
    at: Timestamp,
) -> Result<(), Error> {
    if at > now {
        return Ok(());
    }
    let ago = now.duration_since(at);
    Err(Error::InThePast {
        at: when(&at.to_zoned_datetime(environment.calendar.time_zone().clone())),
        ago: if ago.is_zero() {
            String::new()
        } else if ago.as_secs() < 60 {
            ", less than a minute ago".to_string()
        } else {
            format!(", {} ago", span_text(ago))
        },
    })
}

/// The schedule of `facts.version` into `environment` at `at`, recorded `now` by `actor`:
/// the window and the freezes at `at`, and the notice from `now` to `at`. A version
/// without a tag, or a time that is not to come, is an error (bad input).
pub fn schedule(
    policy: &Policy,
    environment: &Environment,
    facts: &VersionFacts,
    actor: &str,
    now: Timestamp,
    at: Timestamp,
) -> Result<Plan, Error> {
    if facts.tag_commit.is_none() {
        return Err(Error::NoTag {
            version: facts.version.clone(),
        });
    }
    check_schedule_time(environment, now, at)?;
    // The calendar is checked at the scheduled time, the notice from now.
    let at_time = facts.promote_facts(environment, &Request::new(actor, at));
    let mut checks = gates::promotion_checks(
        &at_time,
        policy,
        &[
            promote_window::PromoteWindow::ID,
            promote_freeze::PromoteFreeze::ID,
        ],
    );
    let from_now = facts.promote_facts(environment, &Request::new(actor, now));
    let mut findings = Vec::new();
    let measured = promote_notice::check_ahead(&from_now, at, &mut findings);
    checks.push(
        Check::new(
            promote_notice::PromoteNotice::ID,
            Some(from_now.subject()),
            findings,
        )
        .measured(measured),
    );
    let mut plan = Plan::of_checks(facts, environment, now, checks);
    plan.earliest = Some(at);
    Ok(plan)
}
