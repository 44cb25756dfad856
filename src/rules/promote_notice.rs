use jiff::{SignedDuration, Timestamp};

use super::{PromoteFacts, declare_rule, span_text};
use crate::ledger::ScheduleRecord;
use crate::policy::Policy;
use crate::report::Finding;
use crate::schedule::{Calendar, WindowVerdict};

declare_rule! {
    /// ## What it checks
    /// The promotion was scheduled at least `notice` ahead, and happens when it was scheduled for.
    ///
    /// A `reltag schedule` for this version and environment was recorded at least `notice`
    /// before the time it names, and the promotion happens in the scheduled window — at or
    /// after the scheduled time and before that window closes (without windows: within 24
    /// hours of the scheduled time).
    ///
    /// ## Why
    /// People who depend on an environment need to know before it changes.
    ///
    /// ## Example
    /// `notice = "24h"`: `reltag schedule v1.2.3 --to prod --at 2026-11-25T18:00-05:00`
    /// recorded on Tuesday at 12:00 lets v1.2.3 reach prod on Wednesday from 18:00 until
    /// the window closes at 21:00.
    ///
    /// ## Configuration
    /// `[environments.<env>] notice` (e.g. `"2h"`, `"24h"`). No `notice`: no schedule is
    /// needed. An emergency may skip it when `[emergency] may_skip` lists `notice`.
    ///
    /// ## How to fix
    /// Run `reltag schedule VERSION --to ENV --at TIME` at least `notice` ahead, then
    /// promote at that time.
    pub struct PromoteNotice { id: "promote-notice", group: Promotion }
}

/// The end of the scheduled window: the close of the window occurrence holding `at`
/// (without windows, 24 hours after `at`); `None` when `at` is outside every window.
pub fn scheduled_window_end(calendar: &Calendar, at: Timestamp) -> Option<Timestamp> {
    match calendar.check(at).window {
        WindowVerdict::Inside { closes, .. } => Some(closes.timestamp()),
        WindowVerdict::NoWindows => at.saturating_add(SignedDuration::from_hours(24)).ok(),
        WindowVerdict::Outside => None,
    }
}

/// Whether a schedule gave enough notice for its time.
pub fn gave_notice(schedule: &ScheduleRecord, notice: SignedDuration) -> bool {
    schedule.at.duration_since(schedule.time) >= notice
}

pub fn check(facts: &PromoteFacts, _policy: &Policy, out: &mut Vec<Finding>) -> String {
    let Some(notice) = facts.environment.notice else {
        return "no notice required".into();
    };
    let (version, env) = (facts.version, facts.env);
    let hint = format!(
        "schedule it at least {} ahead: `reltag schedule {version} --to {env} --at TIME`",
        span_text(notice)
    );
    let mut best: Option<String> = None;
    for schedule in facts.schedules.iter().rev() {
        let at = facts.when(schedule.at);
        if !gave_notice(schedule, notice) {
            best.get_or_insert(format!(
                "{version} was scheduled for {at} only {} ahead; {env} needs {} notice",
                span_text(schedule.at.duration_since(schedule.time)),
                span_text(notice)
            ));
            continue;
        }
        if facts.now < schedule.at {
            best.get_or_insert(format!(
                "{version} is scheduled for {at}: it is too early to promote it"
            ));
            continue;
        }
        match scheduled_window_end(&facts.environment.calendar, schedule.at) {
            Some(end) if facts.now < end => {
                return format!(
                    "scheduled by {} at {} for {at} ({} notice ≥ {})",
                    schedule.actor,
                    facts.when(schedule.time),
                    span_text(schedule.at.duration_since(schedule.time)),
                    span_text(notice)
                );
            }
            Some(end) => {
                best.get_or_insert(format!(
                    "the window scheduled for {version} ({at}) closed at {}",
                    facts.when(end)
                ));
            }
            None => {
                best.get_or_insert(format!(
                    "{version} was scheduled for {at}, which is outside the windows of {env}"
                ));
            }
        }
    }
    let message = best.unwrap_or_else(|| {
        format!(
            "{version} was not scheduled for {env}, which needs {} notice",
            span_text(notice)
        )
    });
    out.push(Finding::error(PromoteNotice::ID, facts.subject(), message.clone()).with_hint(hint));
    message
}

/// At `reltag schedule`: the time `at` is at least `notice` ahead of `facts.now`, the
/// moment the schedule is recorded (a time in the past is refused before any rule runs).
pub fn check_ahead(facts: &PromoteFacts, at: Timestamp, out: &mut Vec<Finding>) -> String {
    let ahead = at.duration_since(facts.now);
    let notice = facts.environment.notice;
    if let Some(notice) = notice.filter(|n| ahead < *n) {
        let earliest = facts.now.saturating_add(notice).unwrap_or(facts.now);
        let next = facts
            .environment
            .calendar
            .next_open(earliest)
            .map_or(String::new(), |z| {
                format!(
                    ": the earliest time you can schedule is {}",
                    super::when(&z)
                )
            });
        out.push(
            Finding::error(
                PromoteNotice::ID,
                facts.subject(),
                format!(
                    "{} is only {} ahead; {} needs {} notice",
                    facts.when(at),
                    span_text(ahead),
                    facts.env,
                    span_text(notice)
                ),
            )
            .with_hint(format!("schedule a later time{next}")),
        );
    }
    format!(
        "{} ahead, notice {}",
        span_text(ahead.max(SignedDuration::ZERO)),
        notice.map_or("none".to_string(), span_text)
    )
}
