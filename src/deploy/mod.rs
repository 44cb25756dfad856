//! The deployment plan: how a version moves into an environment, decided in one place.
//! `promote`, `schedule`, `rollback` and `status` all decide through it, and so can
//! anything that shows a release's way to production (a release page, a calendar).
//!
//! Plain inputs, plain outputs. In: the [`Policy`] (its environments parsed once, with
//! their calendars: [`Environment`]), the ledger's derived [`State`] (the one after a
//! sync, or the one a write would record on), the commit a version's tag names, the
//! clock and the [`Request`]. Out: a [`Plan`] — the promotion gate's checks, the
//! earliest instant windows, freezes, notice and soak allow, and what is still
//! [`Missing`] and why — or the typed [`StatusData`] of every environment. Nothing here
//! reads a file, the network or the clock; an error is a [`deploy::Error`](Error).
//!
//! ```text
//! let environment = deploy::environment(&policy, "prod")?;               // usage error if unknown
//! let facts = VersionFacts::read(&state, environment, "v1.2.3", tag_commit)?;
//! let plan = deploy::promotion(&policy, environment, &facts, &request);
//! plan.checks        // one Check per step of gates::PROMOTION, in order
//! plan.earliest      // Some(t): promotable from t on, time-wise (≤ now: now)
//! plan.missing       // [Approvals { roles }, Schedule { notice }, Reason, Blocker { .. }]
//! plan.summary()     // "v1.2.3 can be promoted from Tue …, in 6 d; needs approval from qa-lead"
//!
//! let status = deploy::status(&policy, &state, &tags, now, actor, None)?;  // every environment
//! ```
//!
//! A write decides again inside the ledger's write path: `promote` and `rollback` both
//! go through [`decide_and_record`], which calls [`promotion`] (or [`rollback`]) and
//! [`changed_since`] against the state each attempt would record on, so a lost race
//! re-decides everything, not only the environment.

pub mod clock;
mod plan;
mod record;
mod rollback;
mod schedule;
mod status;

use gix::ObjectId;

use crate::ledger::{self, ApprovalRecord, Deployment, EnvState, ScheduleRecord, State};
use crate::policy::Policy;
use crate::report::Finding;
use crate::rules::{PromoteFacts, promote_concurrent};

pub use crate::policy::Environment;
pub use crate::report::{EnvStatus, StatusData, Waiting};
pub use plan::{Missing, Plan, promotion};
pub use record::{Deployed, Deploying, Redecide, decide_and_record};
pub use rollback::{RollbackTarget, rollback, rollback_target};
pub use schedule::{check_schedule_time, schedule};
pub use status::{cut_versions, status};

/// What the person promoting asks for, besides the version and the environment.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Who promotes (`git config user.email`, or `@login` in GitHub Actions).
    pub actor: &'a str,
    /// The instant the gate decides for: now, or the scheduled time.
    pub now: jiff::Timestamp,
    /// Artifacts given now, with their digests.
    pub artifacts: &'a [ledger::Artifact],
    /// The emergency procedure: `[emergency] may_skip` steps are skipped.
    pub emergency: bool,
    pub reason: Option<&'a str>,
    /// Events about the version the ledger holds but does not count (`[ledger]
    /// require_signed`), gathered from its log by the command, for the findings to name.
    pub refused: &'a [ledger::RefusedEvent],
    /// The author emails of the release's commits, gathered by the command when
    /// `[separation] approve_own_commits = false` (`sod-own-commits`).
    pub release_authors: &'a [String],
}

impl<'a> Request<'a> {
    /// A plain request by `actor` at `now`: no artifacts, no emergency, no reason.
    pub fn new(actor: &'a str, now: jiff::Timestamp) -> Request<'a> {
        Request {
            actor,
            now,
            artifacts: &[],
            emergency: false,
            reason: None,
            refused: &[],
            release_authors: &[],
        }
    }
}

/// What the ledger says about one version on its way into one environment, and the
/// commit its tag names here.
#[derive(Debug, Clone)]
pub struct VersionFacts {
    /// The version's tag name, e.g. `v1.2.3`.
    pub version: String,
    /// The environment's name.
    pub env: String,
    /// The commit the version's tag names (`None`: no such tag here).
    pub tag_commit: Option<ObjectId>,
    /// Everything the ledger recorded about the version.
    pub recorded: Option<ledger::VersionState>,
    /// The `from` environment's state, when the environment has one.
    pub from: Option<EnvState>,
    /// The environment's state.
    pub target: Option<EnvState>,
    /// Pending schedules of this version for this environment, oldest first.
    pub schedules: Vec<ScheduleRecord>,
    /// Approvals of this version bound to the tag's commit, for this environment or all.
    pub approvals: Vec<ApprovalRecord>,
    /// `tag_commit` in hex, as the rules compare it with the ledger's records.
    tag_commit_hex: Option<String>,
}

impl VersionFacts {
    /// Reads the facts from a derived ledger state.
    pub fn read(
        state: &State,
        environment: &Environment,
        version: &str,
        tag_commit: Option<ObjectId>,
    ) -> Result<VersionFacts, Error> {
        ledger::validate_name("version", version)?;
        let target = state.env(&environment.name)?;
        let schedules = target
            .as_ref()
            .map(|t| {
                t.schedules
                    .iter()
                    .filter(|s| s.version == version)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let approvals = match tag_commit {
            Some(commit) => state.approvals_for(version, Some(&environment.name), commit)?,
            None => Vec::new(),
        };
        Ok(VersionFacts {
            version: version.to_string(),
            env: environment.name.clone(),
            tag_commit,
            recorded: state.version(version)?,
            from: match environment.from() {
                Some(from) => state.env(from)?,
                None => None,
            },
            target,
            schedules,
            approvals,
            tag_commit_hex: tag_commit.map(|c| c.to_string()),
        })
    }

    /// What runs in the environment now.
    pub fn current(&self) -> Option<&Deployment> {
        self.target.as_ref().and_then(|t| t.current.as_ref())
    }

    /// Whether the version exists at all: a tag here, or anything in the ledger.
    pub fn is_known(&self) -> bool {
        self.tag_commit.is_some() || self.recorded.is_some()
    }

    /// The facts as the promotion rules take them.
    pub fn promote_facts<'a>(
        &'a self,
        environment: &'a Environment,
        request: &Request<'a>,
    ) -> PromoteFacts<'a> {
        PromoteFacts {
            version: &self.version,
            env: &environment.name,
            environment,
            now: request.now,
            actor: request.actor,
            tag_commit: self.tag_commit_hex.as_deref(),
            cut: self.recorded.as_ref().and_then(|v| v.cut.as_ref()),
            from_current: self.from.as_ref().and_then(|s| s.current.as_ref()),
            target: self.target.as_ref(),
            schedules: &self.schedules,
            approvals: &self.approvals,
            recorded_artifacts: self
                .recorded
                .as_ref()
                .map_or(&[][..], |v| v.artifacts.as_slice()),
            artifacts: request.artifacts,
            emergency: request.emergency,
            reason: request.reason,
            refused: request.refused,
            release_authors: request.release_authors,
        }
    }
}

/// The ref of a version's tag, `refs/tags/v1.2.3`; a name the ledger could not record is
/// bad input.
pub fn tag_ref(version: &str) -> Result<String, Error> {
    ledger::validate_name("version", version)?;
    Ok(format!("refs/tags/{version}"))
}

/// The environment named `name`, or an error naming the ones the policy has.
pub fn environment<'p>(policy: &'p Policy, name: &str) -> Result<&'p Environment, Error> {
    policy
        .environment(name)
        .ok_or_else(|| Error::UnknownEnvironment {
            name: name.to_string(),
            known: policy.file.environments.keys().cloned().collect(),
        })
}

/// `promote-concurrent`, when recording: a finding when the environment no longer runs
/// what the first decision saw (`seen`), in the state `facts` were read from.
pub fn changed_since(seen: Option<&Deployment>, facts: &VersionFacts) -> Option<Finding> {
    promote_concurrent::check(&facts.version, &facts.env, seen, facts.current())
}

/// What a write decides against the state `state` it would record `event` on (after
/// every lost race): the plan `decide` makes from the version's facts read there, and
/// `promote-concurrent` when the environment no longer runs `seen`, what the first
/// decision saw. It records only when the plan allows and nothing changed; either way
/// the plan (and the concurrent finding) is the outcome, to report.
pub fn decide_again(
    state: &State,
    environment: &Environment,
    version: &str,
    tag_commit: Option<ObjectId>,
    seen: Option<&Deployment>,
    event: &ledger::Event,
    decide: impl Fn(&VersionFacts) -> Plan,
) -> Result<ledger::Decision<Redecided>, Error> {
    let facts = VersionFacts::read(state, environment, version, tag_commit)?;
    let plan = decide(&facts);
    let changed = changed_since(seen, &facts);
    Ok(if plan.is_allowed() && changed.is_none() {
        ledger::Decision::record(event.clone(), Redecided { plan, changed })
    } else {
        ledger::Decision::Skip(Redecided { plan, changed })
    })
}

/// The outcome of [`decide_again`].
#[derive(Debug)]
pub struct Redecided {
    /// The plan the write was decided on.
    pub plan: Plan,
    /// `promote-concurrent`: the environment changed since the first decision.
    pub changed: Option<Finding>,
}

impl Redecided {
    /// Gives the plan's checks and notes, then the concurrent finding, to the report.
    pub fn report_to(self, report: &mut crate::report::Report) {
        self.plan.report_to(report);
        if let Some(finding) = self.changed {
            report.finding(finding);
        }
    }
}

/// What keeps a plan from being made: bad input (exit 2), or the ledger (its own kinds).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown environment `{name}`")]
    UnknownEnvironment { name: String, known: Vec<String> },
    /// Promoting a version with neither a tag nor any ledger record.
    #[error("unknown version `{version}`: there is no such tag and the ledger knows nothing of it")]
    UnknownVersion { version: String },
    /// Scheduling a version without a tag.
    #[error("unknown version `{version}`: there is no such tag")]
    NoTag { version: String },
    #[error("{at} is in the past{ago}: a schedule announces a time to come")]
    InThePast {
        /// The time, in the environment's zone.
        at: String,
        /// `, 2 h ago` (empty for the present instant).
        ago: String,
    },
    #[error("nothing was ever deployed to {env}: nothing to roll back")]
    NothingDeployed { env: String },
    #[error("{version} already runs in {env}")]
    AlreadyRuns { version: String, env: String },
    #[error("{version} never ran in {env} before: a rollback returns to an earlier version")]
    NeverRan {
        version: String,
        env: String,
        previous: Vec<String>,
    },
    #[error("every earlier version of {env} was rolled back out of it: name the one to return to")]
    AllRolledBack { env: String, previous: Vec<String> },
    #[error("{env} has run only {version} so far: there is no earlier version to roll back to")]
    NoEarlierVersion { env: String, version: String },
    #[error(transparent)]
    Ledger(#[from] ledger::Error),
}

impl Error {
    /// Bad input from the person (exit 2); otherwise the ledger's error says.
    pub fn is_usage(&self) -> bool {
        !matches!(self, Error::Ledger(_))
    }

    /// How to fix it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::UnknownEnvironment { known, .. } if known.is_empty() => {
                "the policy defines no [environments]".to_string()
            }
            Error::UnknownEnvironment { known, .. } => {
                format!("the environments are: {}", known.join(", "))
            }
            Error::UnknownVersion { .. } => {
                "list the releases with `git tag -l`; fetch tags with `git fetch --tags`".into()
            }
            Error::NoTag { .. } => {
                "cut the release first, or fetch tags with `git fetch --tags`".into()
            }
            Error::InThePast { .. } => {
                "schedule a time to come, with its offset, e.g. 2026-11-25T18:00:00-05:00".into()
            }
            Error::NeverRan { previous, .. } if previous.is_empty() => {
                "no earlier version ran there".into()
            }
            Error::NeverRan { previous, .. } => format!(
                "versions that ran there before, newest first: {}",
                previous.join(", ")
            ),
            Error::AllRolledBack { env, previous } => format!(
                "reltag rollback --env {env} --to VERSION --reason TEXT; earlier versions: {}",
                previous.join(", ")
            ),
            Error::Ledger(e) => return e.hint(),
            Error::NothingDeployed { .. }
            | Error::AlreadyRuns { .. }
            | Error::NoEarlierVersion { .. } => return None,
        })
    }
}
