//! A version's plan for one environment: what the promotion gate decides at an instant,
//! from when the time rules allow it, and what is missing.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::{Environment, Request, VersionFacts};
use crate::gates;
use crate::policy::Policy;
use crate::report::{Check, Outcome, Report, Verdict};
use crate::rules::{
    promote_approvals, promote_artifact, promote_deployer, promote_emergency, promote_from,
    promote_notice, promote_version, span_text, when,
};

/// Something a promotion still needs besides time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// These roles (in the policy's order) have not approved the version at its tag's
    /// commit, for this environment or for all.
    Approvals { roles: Vec<String> },
    /// No schedule that gave enough notice is still open: one must be recorded `notice`
    /// ahead (`text`: the policy's words, e.g. `24h`).
    Schedule {
        notice: SignedDuration,
        text: String,
    },
    /// The version was rolled back out of the environment: promoting it again needs a
    /// reason.
    Reason,
    /// What no waiting fixes (no tag, no cut, a moved tag, not in the `from`
    /// environment, not a deployer, another artifact): the rule and its message.
    Blocker { rule: &'static str, message: String },
}

/// What the promotion of one version into one environment looks like at one instant.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The version's tag name.
    pub version: String,
    /// The environment's name.
    pub env: String,
    /// The instant decided for.
    pub now: Timestamp,
    /// One check per step the command runs, in the gate's order: all of
    /// `gates::PROMOTION` for a promotion, some of them for a schedule or a rollback.
    pub checks: Vec<Check>,
    /// The earliest instant at or after `now` that the windows, the freezes, the notice
    /// and the soak allow; `None` when no window opens within the calendar's horizon.
    pub earliest: Option<Timestamp>,
    /// What is still missing, and why, in the order a person would see to it.
    pub missing: Vec<Missing>,
    /// What the person should know (e.g. rollbacks allowed outside the windows).
    pub notes: Vec<String>,
    /// The environment's zone, for the times in [`Plan::summary`].
    zone: TimeZone,
}

impl Plan {
    /// Allowed when no check blocks or is undecided (what the gate's exit code says).
    pub fn outcome(&self) -> Outcome {
        if self.checks.iter().any(|c| c.verdict == Verdict::Undecided) {
            Outcome::Undecided
        } else if self.checks.iter().any(|c| c.verdict == Verdict::Blocked) {
            Outcome::Blocked
        } else {
            Outcome::Allowed
        }
    }

    pub fn is_allowed(&self) -> bool {
        self.outcome() == Outcome::Allowed
    }

    /// The roles whose approval is missing (empty when none is).
    pub fn missing_approvals(&self) -> &[String] {
        self.missing
            .iter()
            .find_map(|m| match m {
                Missing::Approvals { roles } => Some(roles.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// Whether a schedule must still be recorded.
    pub fn needs_schedule(&self) -> bool {
        self.missing
            .iter()
            .any(|m| matches!(m, Missing::Schedule { .. }))
    }

    /// Whether a reason must be given.
    pub fn needs_reason(&self) -> bool {
        self.missing.contains(&Missing::Reason)
    }

    /// The blockers' messages.
    pub fn problems(&self) -> Vec<String> {
        self.missing
            .iter()
            .filter_map(|m| match m {
                Missing::Blocker { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    /// An instant in the environment's zone: `Tue 2026-11-24 18:00 America/New_York`.
    pub fn when(&self, at: Timestamp) -> String {
        when(&at.to_zoned_datetime(self.zone.clone()))
    }

    /// One sentence for people: from when, and what is missing.
    /// `v1.2.3 can be promoted from Tue 2026-12-01 18:00 America/New_York, in 6 d 6 h;
    /// needs approval from qa-lead`.
    pub fn summary(&self) -> String {
        let version = &self.version;
        let mut parts = vec![match self.earliest {
            Some(at) if at <= self.now => format!("{version} can be promoted now"),
            Some(at) => format!(
                "{version} can be promoted from {}, in {}",
                self.when(at),
                span_text(at.duration_since(self.now))
            ),
            None => format!("{version} cannot be promoted within a year (windows and freezes)"),
        }];
        for missing in &self.missing {
            parts.push(match missing {
                Missing::Schedule { text, .. } => format!(
                    "if scheduled now ({text} notice): `reltag schedule {version} --to {} --at TIME`",
                    self.env
                ),
                Missing::Approvals { roles } => {
                    format!("needs approval from {}", roles.join(", "))
                }
                Missing::Reason => format!("was rolled back from {}: needs --reason", self.env),
                Missing::Blocker { message, .. } => message.clone(),
            });
        }
        parts.join("; ")
    }

    /// Gives the checks, then the notes, to the command's report.
    pub fn report_to(self, report: &mut Report) {
        for check in self.checks {
            report.check(check);
        }
        for note in self.notes {
            report.note(note);
        }
    }

    /// A plan of `checks` with nothing more to say about time or what is missing.
    pub(super) fn of_checks(
        facts: &VersionFacts,
        environment: &Environment,
        now: Timestamp,
        checks: Vec<Check>,
    ) -> Plan {
        Plan {
            version: facts.version.clone(),
            env: environment.name.clone(),
            now,
            checks,
            earliest: environment.calendar.next_open(now).map(|z| z.timestamp()),
            missing: Vec::new(),
            notes: Vec::new(),
            zone: environment.calendar.time_zone().clone(),
        }
    }
}

/// The promotion rules whose findings are [`Missing::Blocker`]s.
const BLOCKERS: [&str; 5] = [
    promote_version::PromoteVersion::ID,
    promote_from::PromoteFrom::ID,
    promote_deployer::PromoteDeployer::ID,
    promote_artifact::PromoteArtifact::ID,
    promote_emergency::PromoteEmergency::ID,
];

/// The promotion of `facts.version` into `environment`, as `request` asks it: every step
/// of the promotion gate at `request.now`, the earliest instant, and what is missing.
pub fn promotion(
    policy: &Policy,
    environment: &Environment,
    facts: &VersionFacts,
    request: &Request<'_>,
) -> Plan {
    let promote_facts = facts.promote_facts(environment, request);
    let checks = gates::promote(&promote_facts, policy);
    let now = request.now;
    let (earliest, schedule) = earliest(environment, facts, now);
    let mut missing = Vec::new();
    if let Some(notice) = schedule {
        missing.push(Missing::Schedule {
            notice,
            text: environment
                .settings
                .notice
                .as_ref()
                .map(|n| n.get_ref().clone())
                .unwrap_or_default(),
        });
    }
    let roles = promote_approvals::missing_roles(&promote_facts, policy);
    if !roles.is_empty() {
        missing.push(Missing::Approvals { roles });
    }
    let rolled_back = facts
        .target
        .as_ref()
        .is_some_and(|t| t.rolled_back_from(&facts.version).is_some());
    if rolled_back && request.reason.is_none() {
        missing.push(Missing::Reason);
    }
    // What no waiting fixes: the tag and its cut, the `from` environment, who deploys,
    // the artifact's digest. (Time is in `earliest`; approvals and a reason are above.)
    // Who deploys is a blocker only for someone: a plan for nobody in particular (the
    // release page) leaves it to whoever will promote.
    let blockers = checks
        .iter()
        .filter(|c| BLOCKERS.contains(&c.rule))
        .filter(|c| !(c.rule == promote_deployer::PromoteDeployer::ID && request.actor.is_empty()))
        .flat_map(|c| &c.findings)
        .map(|f| Missing::Blocker {
            rule: f.rule,
            message: f.message.clone(),
        });
    missing.extend(blockers.collect::<Vec<_>>());
    Plan {
        earliest,
        missing,
        ..Plan::of_checks(facts, environment, now, checks)
    }
}

/// The earliest instant the time rules allow: after the soak in `from`, at the scheduled
/// time (or `notice` from now when no valid schedule is still open), then the next open
/// window outside the freezes. Also the notice a schedule still needs, if it does.
fn earliest(
    environment: &Environment,
    facts: &VersionFacts,
    now: Timestamp,
) -> (Option<Timestamp>, Option<SignedDuration>) {
    let mut base = now;
    let in_from = facts
        .from
        .as_ref()
        .and_then(|s| s.current.as_ref())
        .filter(|d| d.version == facts.version);
    if let (Some(soak), Some(since)) = (environment.soak, in_from.map(|d| d.since)) {
        base = base.max(since.saturating_add(soak).unwrap_or(since));
    }
    let mut needs_schedule = None;
    if let Some(notice) = environment.notice {
        let valid = facts.schedules.iter().rev().find(|s| {
            promote_notice::gave_notice(s, notice)
                && promote_notice::scheduled_window_end(&environment.calendar, s.at)
                    .is_some_and(|end| end > now.max(base))
        });
        match valid {
            Some(s) => base = base.max(s.at),
            None => {
                needs_schedule = Some(notice);
                base = base.max(now.saturating_add(notice).unwrap_or(now));
            }
        }
    }
    let earliest = environment.calendar.next_open(base).map(|z| z.timestamp());
    (earliest, needs_schedule)
}
