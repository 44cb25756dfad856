//! The state derived from the events, and [`apply`]: how one event changes it.
//!
//! The state is a set of records — one per environment, per version and per source commit
//! with evidence — changed only by [`apply`], the fold's one transition function
//! (`fold.rs` decides which events reach it). The records are JSON in the local cache of
//! derived states; nothing of them is ever read from a ledger commit.

use gix::ObjectId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::error::Result;
use super::event::{Artifact, Event, EventBody, EventId, EventKind, EvidenceResult};

/// How many past deployments an environment's record keeps; the full history is the chain
/// itself (`Ledger::log` with an env filter). Bounded so that promoting stays O(1).
pub const ENV_HISTORY_LIMIT: usize = 100;

/// What runs in an environment and what ran before.
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
    pub(crate) fn new(env: &str) -> EnvState {
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

/// Everything recorded about one version.
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
    pub(crate) fn new(version: &str) -> VersionState {
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

/// Evidence recorded for one source commit, whether or not a version was known then.
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

/// Where records sit in a cached state tree (`cache.rs`): grouped into shard files, each
/// a JSON map from name to record, so that a state derived from scratch is a few dozen
/// files and storing one change rewrites one shard.
pub(crate) mod paths {
    pub const SUMMARY: &str = "ledger.json";
    /// Every environment's record (there are few).
    pub const ENVS: &str = "envs.json";
    const SHARDS: u64 = 64;

    pub fn versions(version: &str) -> String {
        format!("versions/{:02x}.json", shard(version))
    }

    pub fn commits(hex: &str) -> String {
        format!("commits/{:02x}.json", shard(hex))
    }

    /// FNV-1a: stable across versions of reltag and machines.
    fn shard(name: &str) -> u64 {
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        hash % SHARDS
    }
}

/// The records the fold changes, loaded on first use.
pub(crate) trait Entities {
    fn env(&mut self, name: &str) -> Result<&mut EnvState>;
    fn version(&mut self, name: &str) -> Result<&mut VersionState>;
    fn commit(&mut self, commit: ObjectId) -> Result<&mut CommitState>;
}

/// The fold's transition: how one counted event changes the state. Voids are handled by
/// the fold itself (they decide which events reach this function).
pub(crate) fn apply(state: &mut impl Entities, event: &Event) -> Result<()> {
    let commit = event.commit.to_string();
    let actor = event.actor.clone();
    let event_id = event.id.clone();
    match &event.body {
        EventBody::Approve(a) => {
            state.version(&a.version)?.approvals.push(ApprovalRecord {
                role: a.role.clone(),
                env: a.env.clone(),
                actor,
                commit,
                time: event.time,
                comment: a.comment.clone(),
                event_id,
            });
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
            if let Some(version) = &e.version {
                state.version(version)?.evidence.push(record.clone());
            }
            state.commit(event.commit)?.evidence.push(record);
        }
        EventBody::Cut(c) => {
            let version = state.version(&c.version)?;
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
            state.version(&s.version)?.schedules.push(record.clone());
            let env = state.env(&s.env)?;
            env.schedules.push(record);
            // Keep the env record bounded; older schedules stay in the version records
            // and in the chain.
            let excess = env.schedules.len().saturating_sub(ENV_HISTORY_LIMIT);
            env.schedules.drain(..excess);
        }
        EventBody::Promote(p) => deploy(
            state,
            event,
            &p.version,
            &p.env,
            &p.artifacts,
            p.emergency,
            p.reason.clone(),
        )?,
        EventBody::Rollback(r) => deploy(
            state,
            event,
            &r.version,
            &r.env,
            &r.artifacts,
            r.emergency,
            Some(r.reason.clone()),
        )?,
        EventBody::Void(_) => {}
    }
    Ok(())
}

fn deploy(
    state: &mut impl Entities,
    event: &Event,
    version_name: &str,
    env_name: &str,
    artifacts: &[Artifact],
    emergency: bool,
    reason: Option<String>,
) -> Result<()> {
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
    let env = state.env(env_name)?;
    if let Some(previous) = env.current.replace(deployment) {
        env.history.insert(0, previous);
        env.history.truncate(ENV_HISTORY_LIMIT);
    }
    env.deployments_total += 1;
    // A deployment consumes the pending schedules of its version.
    env.schedules.retain(|s| s.version != version_name);
    let version = state.version(version_name)?;
    version.deployments.push(DeploymentRecord {
        kind: event.kind(),
        env: env_name.to_owned(),
        commit: event.commit.to_string(),
        time: event.time,
        actor: event.actor.clone(),
        event_id: event.id.clone(),
    });
    version.add_artifacts(artifacts);
    Ok(())
}
