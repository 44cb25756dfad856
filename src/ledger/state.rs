//! The state kept in each ledger commit's tree, and how one event changes it.
//!
//! Every file is JSON. An event rewrites only the files it touches, so reading the present
//! state is one or two blob reads and appending stays cheap however long the chain is.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::event::{Artifact, Event, EventBody, EventId, EventKind, EvidenceResult};

/// How many past deployments `envs/<env>.json` keeps; the full history is the chain itself
/// (`Ledger::log` with an env filter). Bounded so that promoting stays O(1).
pub const ENV_HISTORY_LIMIT: usize = 100;

/// `ledger.json` at the root of every ledger tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LedgerSummary {
    pub format: u32,
    /// Number of events in the chain up to and including this commit.
    pub events: u64,
}

/// `envs/<env>.json`: what runs in an environment and what ran before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvState {
    pub env: String,
    /// The latest promote or rollback; `None` only before the first one.
    pub current: Option<Deployment>,
    /// Earlier deployments, newest first, at most [`ENV_HISTORY_LIMIT`].
    pub history: Vec<Deployment>,
    /// Number of deployments ever recorded (including `current`).
    pub deployments_total: u64,
    /// Pending announced deployments (not yet consumed by a deployment of their
    /// version), oldest first, at most [`ENV_HISTORY_LIMIT`].
    pub schedules: Vec<ScheduleRecord>,
}

impl EnvState {
    fn new(env: &str) -> EnvState {
        EnvState {
            env: env.to_owned(),
            current: None,
            history: Vec::new(),
            deployments_total: 0,
            schedules: Vec::new(),
        }
    }

    /// Distinct versions that ran here before the current one, newest first: the
    /// candidates for "roll back to the last good tag".
    /// Where a plain `rollback` goes: the newest earlier version that was not itself
    /// rolled back out of this environment (a rollback is never undone by the next one).
    pub fn rollback_target(&self) -> Option<&str> {
        self.previous_versions()
            .into_iter()
            .find(|v| self.rolled_back_from(v).is_none())
    }

    /// The rollback that took `version` out of this environment, if its latest
    /// deployment here ended in one.
    pub fn rolled_back_from(&self, version: &str) -> Option<&Deployment> {
        let deployments: Vec<&Deployment> =
            self.current.iter().chain(self.history.iter()).collect();
        let index = deployments.iter().position(|d| d.version == version)?;
        let next = deployments.get(index.checked_sub(1)?)?;
        (next.kind == EventKind::Rollback).then_some(*next)
    }

    pub fn previous_versions(&self) -> Vec<&str> {
        let current = self.current.as_ref().map(|d| d.version.as_str());
        let mut seen: Vec<&str> = Vec::new();
        for deployment in &self.history {
            let version = deployment.version.as_str();
            if Some(version) != current && !seen.contains(&version) {
                seen.push(version);
            }
        }
        seen
    }
}

/// One promote or rollback into an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub kind: EventKind,
    pub version: String,
    pub commit: String,
    pub since: Timestamp,
    pub actor: String,
    pub event_id: EventId,
    pub artifacts: Vec<Artifact>,
    pub emergency: bool,
    pub reason: Option<String>,
}

/// `versions/<tag>.json`: everything recorded about one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionState {
    pub version: String,
    pub approvals: Vec<ApprovalRecord>,
    pub evidence: Vec<EvidenceRecord>,
    /// The latest cut (normally the only one).
    pub cut: Option<CutRecord>,
    pub schedules: Vec<ScheduleRecord>,
    /// Where this version went, oldest first.
    pub deployments: Vec<DeploymentRecord>,
    /// Every artifact digest recorded for this version, in first-seen order.
    pub artifacts: Vec<Artifact>,
}

impl VersionState {
    fn new(version: &str) -> VersionState {
        VersionState {
            version: version.to_owned(),
            approvals: Vec::new(),
            evidence: Vec::new(),
            cut: None,
            schedules: Vec::new(),
            deployments: Vec::new(),
            artifacts: Vec::new(),
        }
    }

    fn add_artifacts(&mut self, artifacts: &[Artifact]) {
        for artifact in artifacts {
            if !self.artifacts.contains(artifact) {
                self.artifacts.push(artifact.clone());
            }
        }
    }
}

/// `commits/<aa>/<rest of sha>.json`: evidence recorded for one source commit, whether
/// or not a version was known then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitState {
    pub commit: String,
    pub evidence: Vec<EvidenceRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRecord {
    pub role: String,
    pub env: Option<String>,
    pub actor: String,
    pub commit: String,
    pub time: Timestamp,
    pub comment: Option<String>,
    pub event_id: EventId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRecord {
    pub criterion: String,
    pub result: EvidenceResult,
    pub measured: Option<String>,
    pub threshold: Option<String>,
    pub report_sha256: Option<String>,
    pub version: Option<String>,
    pub commit: String,
    pub actor: String,
    pub time: Timestamp,
    pub comment: Option<String>,
    pub event_id: EventId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CutRecord {
    pub commit: String,
    pub tag_object: Option<String>,
    pub actor: String,
    pub time: Timestamp,
    pub emergency: bool,
    pub reason: Option<String>,
    pub event_id: EventId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRecord {
    pub version: String,
    pub env: String,
    pub at: Timestamp,
    pub commit: String,
    pub actor: String,
    /// When it was announced: notice periods count from here.
    pub time: Timestamp,
    pub emergency: bool,
    pub reason: Option<String>,
    pub event_id: EventId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentRecord {
    pub kind: EventKind,
    pub env: String,
    pub commit: String,
    pub time: Timestamp,
    pub actor: String,
    pub event_id: EventId,
}

/// Paths of the state files in a ledger tree.
pub mod paths {
    pub const SUMMARY: &str = "ledger.json";

    pub fn env(env: &str) -> String {
        format!("envs/{env}.json")
    }

    pub fn version(version: &str) -> String {
        format!("versions/{version}.json")
    }

    /// Sharded like git's loose objects so no single tree grows with every commit.
    pub fn commit(hex: &str) -> String {
        format!("commits/{}/{}.json", &hex[..2], &hex[2..])
    }
}

/// The state files one event touches, loaded from the parent tree (or fresh), changed,
/// and handed back for writing.
pub(crate) struct Touched {
    pub summary: LedgerSummary,
    pub env: Option<EnvState>,
    pub version: Option<VersionState>,
    pub commit: Option<CommitState>,
}

/// Which files an event touches: (env, version, commit-evidence).
pub(crate) fn touched_paths(event: &Event) -> (Option<&str>, Option<&str>, bool) {
    match &event.body {
        EventBody::Approve(a) => (None, Some(&a.version), false),
        EventBody::Evidence(e) => (None, e.version.as_deref(), true),
        EventBody::Cut(c) => (None, Some(&c.version), false),
        EventBody::Schedule(s) => (Some(&s.env), Some(&s.version), false),
        EventBody::Promote(p) => (Some(&p.env), Some(&p.version), false),
        EventBody::Rollback(r) => (Some(&r.env), Some(&r.version), false),
    }
}

impl Touched {
    /// Fill in defaults for files that did not exist yet.
    pub(crate) fn with_defaults(mut self, event: &Event) -> Touched {
        let (env, version, commit) = touched_paths(event);
        if let Some(env) = env {
            self.env.get_or_insert_with(|| EnvState::new(env));
        }
        if let Some(version) = version {
            self.version
                .get_or_insert_with(|| VersionState::new(version));
        }
        if commit {
            self.commit.get_or_insert_with(|| CommitState {
                commit: event.commit.to_string(),
                evidence: Vec::new(),
            });
        }
        self
    }

    /// Apply `event` to the loaded files.
    pub(crate) fn apply(&mut self, event: &Event) {
        self.summary.format = super::event::FORMAT_VERSION;
        self.summary.events += 1;
        let commit = event.commit.to_string();
        let actor = event.actor.clone();
        let event_id = event.id.clone();
        match &event.body {
            EventBody::Approve(a) => {
                if let Some(version) = &mut self.version {
                    version.approvals.push(ApprovalRecord {
                        role: a.role.clone(),
                        env: a.env.clone(),
                        actor,
                        commit,
                        time: event.time,
                        comment: a.comment.clone(),
                        event_id,
                    });
                }
            }
            EventBody::Evidence(e) => {
                let record = EvidenceRecord {
                    criterion: e.criterion.clone(),
                    result: e.result,
                    measured: e.measured.clone(),
                    threshold: e.threshold.clone(),
                    report_sha256: e.report_sha256.clone(),
                    version: e.version.clone(),
                    commit,
                    actor,
                    time: event.time,
                    comment: e.comment.clone(),
                    event_id,
                };
                if let Some(version) = &mut self.version {
                    version.evidence.push(record.clone());
                }
                if let Some(commit) = &mut self.commit {
                    commit.evidence.push(record);
                }
            }
            EventBody::Cut(c) => {
                if let Some(version) = &mut self.version {
                    version.cut = Some(CutRecord {
                        commit,
                        tag_object: c.tag_object.map(|id| id.to_string()),
                        actor,
                        time: event.time,
                        emergency: c.emergency,
                        reason: c.reason.clone(),
                        event_id,
                    });
                    version.add_artifacts(&c.artifacts);
                }
            }
            EventBody::Schedule(s) => {
                let record = ScheduleRecord {
                    version: s.version.clone(),
                    env: s.env.clone(),
                    at: s.at,
                    commit,
                    actor,
                    time: event.time,
                    emergency: s.emergency,
                    reason: s.reason.clone(),
                    event_id,
                };
                if let Some(version) = &mut self.version {
                    version.schedules.push(record.clone());
                }
                if let Some(env) = &mut self.env {
                    env.schedules.push(record);
                    // Keep the env file bounded; older schedules stay in the version
                    // files and in the chain.
                    let excess = env.schedules.len().saturating_sub(ENV_HISTORY_LIMIT);
                    env.schedules.drain(..excess);
                }
            }
            EventBody::Promote(p) => self.deploy(
                event,
                &p.version,
                &p.env,
                &p.artifacts,
                p.emergency,
                p.reason.clone(),
            ),
            EventBody::Rollback(r) => self.deploy(
                event,
                &r.version,
                &r.env,
                &r.artifacts,
                r.emergency,
                Some(r.reason.clone()),
            ),
        }
    }

    fn deploy(
        &mut self,
        event: &Event,
        version_name: &str,
        env_name: &str,
        artifacts: &[Artifact],
        emergency: bool,
        reason: Option<String>,
    ) {
        let deployment = Deployment {
            kind: event.kind(),
            version: version_name.to_owned(),
            commit: event.commit.to_string(),
            since: event.time,
            actor: event.actor.clone(),
            event_id: event.id.clone(),
            artifacts: artifacts.to_vec(),
            emergency,
            reason,
        };
        if let Some(env) = &mut self.env {
            if let Some(previous) = env.current.replace(deployment) {
                env.history.insert(0, previous);
                env.history.truncate(ENV_HISTORY_LIMIT);
            }
            env.deployments_total += 1;
            // A deployment consumes the pending schedules of its version.
            env.schedules.retain(|s| s.version != version_name);
        }
        if let Some(version) = &mut self.version {
            version.deployments.push(DeploymentRecord {
                kind: event.kind(),
                env: env_name.to_owned(),
                commit: event.commit.to_string(),
                time: event.time,
                actor: event.actor.clone(),
                event_id: event.id.clone(),
            });
            version.add_artifacts(artifacts);
        }
    }
}
