//! The ledger and the clock a scenario describes, and the promotion it asks for: the
//! events are folded by the ledger's own transition ([`State::of_events`]) and the
//! promotion decided by the one deployment plan (`deploy::promotion`), as `reltag
//! promote --dry-run` decides it. Every described event counts (a scenario tests the
//! policy, not the ledger's signatures), and a version's tag names a made-up commit of
//! its own, so approvals bind to it as they do to a real one.
//!
//! ```toml
//! [[scenario]]
//! name = "prod waits for the product owner"
//! now = "2026-03-04T23:30:00Z"
//! ledger = [
//!   { cut = "v1.2.3", by = "release@example.com", at = "2026-03-02T12:00:00Z" },
//!   { promote = "v1.2.3", env = "staging", by = "ops@example.com", at = "2026-03-03T23:30:00Z" },
//!   { approve = "v1.2.3", role = "qa-lead", by = "qa@example.com" },
//! ]
//! promote = { version = "v1.2.3", to = "prod", by = "ops@example.com" }
//! expect = "blocked"
//! rules = ["promote-approvals"]
//! ```

use gix::ObjectId;
use jiff::Timestamp;
use serde::Deserialize;

use crate::deploy::{self, Request, VersionFacts};
use crate::ledger::{
    Approve, Artifact, Cut, Event, EventBody, Evidence, EvidenceResult, Promote, Rollback,
    Schedule, State,
};
use crate::policy::Policy;
use crate::report::Report;

/// One event of a described ledger: exactly one of `approve`, `evidence`, `cut`,
/// `schedule`, `promote`, `rollback` names what happened (the version; for `evidence`,
/// the criterion), the other keys say the rest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    /// A sign-off of this version (`role`; `env` for one environment only).
    pub approve: Option<String>,
    /// Evidence for a release criterion (`result`, `measured`; `version` when known).
    pub evidence: Option<String>,
    /// The version was cut (tagged).
    pub cut: Option<String>,
    /// A promotion of this version to `env` was announced `for` a time.
    pub schedule: Option<String>,
    /// This version was deployed to `env`.
    pub promote: Option<String>,
    /// `env` was rolled back to this version (`reason`).
    pub rollback: Option<String>,
    /// Who recorded it (the actor: an email, or `@login`).
    pub by: String,
    /// When it was recorded, RFC 3339 [default: the scenario's `now`].
    pub at: Option<String>,
    pub role: Option<String>,
    pub env: Option<String>,
    /// A schedule's announced time, RFC 3339.
    #[serde(rename = "for")]
    pub for_time: Option<String>,
    pub version: Option<String>,
    /// `pass` or `fail` [default: pass].
    pub result: Option<EvidenceResult>,
    pub measured: Option<String>,
    /// The threshold the evidence was judged against, as the policy words it
    /// (`≥ 90%`): evidence judged against another than the policy's does not count.
    pub threshold: Option<String>,
    #[serde(default)]
    pub emergency: bool,
    pub reason: Option<String>,
    #[serde(default)]
    pub artifacts: Vec<ArtifactSpec>,
    /// An approval bound to another commit than the version's tag names (given before the
    /// tag moved): it does not count.
    #[serde(default)]
    pub stale: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactSpec {
    pub name: String,
    /// 64 hex digits.
    pub sha256: String,
}

/// `promote = { version = "v1.2.3", to = "prod", by = "ops@example.com" }`: what
/// `reltag promote` is asked, at the scenario's `now`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromoteSpec {
    pub version: String,
    pub to: String,
    /// Who promotes.
    pub by: String,
    #[serde(default)]
    pub artifacts: Vec<ArtifactSpec>,
    #[serde(default)]
    pub emergency: bool,
    pub reason: Option<String>,
    /// The author emails of the release's commits (`sod-own-commits`).
    #[serde(default)]
    pub authors: Vec<String>,
    /// The version has a tag here [default: true].
    #[serde(default = "super::yes")]
    pub tagged: bool,
}

/// `schedule = { version = "v1.2.3", to = "prod", for = "2026-03-04T23:30:00Z", by =
/// "ops@example.com" }`: what `reltag schedule` is asked, at the scenario's `now`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    pub version: String,
    pub to: String,
    /// The announced time, RFC 3339.
    #[serde(rename = "for")]
    pub for_time: String,
    /// Who schedules.
    pub by: String,
}

/// `rollback = { env = "prod", by = "ops@example.com", reason = "5xx spike" }`: what
/// `reltag rollback` is asked, at the scenario's `now`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackSpec {
    pub env: String,
    /// The version to return to [default: the one that ran before the current one].
    pub to: Option<String>,
    /// Who rolls back.
    pub by: String,
    pub reason: String,
}

/// The commit a version's tag names in a scenario: made up from its name, so that the
/// same version always names the same commit.
pub fn version_commit(version: &str) -> ObjectId {
    // FNV-1a: stable across runs and builds, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in version.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    super::object_id_of(hash)
}

/// Another commit than any version's: where a stale approval was given.
fn other_commit() -> ObjectId {
    super::object_id_of(0x01d)
}

pub fn timestamp(what: &str, text: &str) -> Result<Timestamp, String> {
    text.parse().map_err(|e| {
        format!("{what} {text:?} is not an RFC 3339 time such as \"2026-03-03T18:30:00Z\": {e}")
    })
}

fn artifacts(specs: &[ArtifactSpec]) -> Result<Vec<Artifact>, String> {
    specs
        .iter()
        .map(|a| Artifact::new(a.name.clone(), a.sha256.clone()).map_err(|e| e.to_string()))
        .collect()
}

impl EventSpec {
    /// The event it describes, recorded at `at` (or `now`).
    pub fn event(&self, now: Timestamp) -> Result<Event, String> {
        let named: Vec<(&str, &String)> = [
            ("approve", &self.approve),
            ("evidence", &self.evidence),
            ("cut", &self.cut),
            ("schedule", &self.schedule),
            ("promote", &self.promote),
            ("rollback", &self.rollback),
        ]
        .into_iter()
        .filter_map(|(kind, value)| value.as_ref().map(|v| (kind, v)))
        .collect();
        let [(kind, subject)] = named[..] else {
            return Err(format!(
                "a ledger event names {} of approve, evidence, cut, schedule, promote, rollback: expected exactly one",
                named.len()
            ));
        };
        let needs = |key: &str, value: &Option<String>| {
            value
                .clone()
                .ok_or_else(|| format!("a ledger `{kind}` needs `{key}`"))
        };
        let time = match &self.at {
            Some(at) => timestamp("at", at)?,
            None => now,
        };
        let version = subject.clone();
        let mut commit = version_commit(&version);
        let body = match kind {
            "approve" => {
                if self.stale {
                    commit = other_commit();
                }
                EventBody::Approve(Approve {
                    version,
                    role: needs("role", &self.role)?,
                    env: self.env.clone(),
                    comment: None,
                })
            }
            "evidence" => {
                if let Some(version) = &self.version {
                    commit = version_commit(version);
                }
                EventBody::Evidence(Evidence {
                    version: self.version.clone(),
                    criterion: subject.clone(),
                    result: self.result.unwrap_or(EvidenceResult::Pass),
                    measured: self.measured.clone(),
                    threshold: self.threshold.clone(),
                    report_sha256: None,
                    comment: None,
                })
            }
            "cut" => EventBody::Cut(Cut {
                version,
                tag_object: None,
                emergency: self.emergency,
                reason: self.reason.clone(),
                artifacts: artifacts(&self.artifacts)?,
            }),
            "schedule" => EventBody::Schedule(Schedule {
                version,
                env: needs("env", &self.env)?,
                at: timestamp("for", &needs("for", &self.for_time)?)?,
                emergency: self.emergency,
                reason: self.reason.clone(),
            }),
            "promote" => EventBody::Promote(Promote {
                version,
                env: needs("env", &self.env)?,
                artifacts: artifacts(&self.artifacts)?,
                emergency: self.emergency,
                reason: self.reason.clone(),
            }),
            _ => EventBody::Rollback(Rollback {
                version,
                env: needs("env", &self.env)?,
                from_version: None,
                artifacts: artifacts(&self.artifacts)?,
                emergency: self.emergency,
                reason: needs("reason", &self.reason)?,
            }),
        };
        Event::new(body, commit, self.by.clone(), time).map_err(|e| e.to_string())
    }
}

/// The environment `name` and the described ledger's state.
fn on_ledger<'p>(
    policy: &'p Policy,
    name: &str,
    events: &[Event],
) -> Result<(&'p deploy::Environment, State), String> {
    let environment = deploy::environment(policy, name).map_err(|e| e.to_string())?;
    let state = State::of_events(events).map_err(|e| e.to_string())?;
    Ok((environment, state))
}

/// What the described ledger says about `version` in `environment`, its tag naming the
/// version's made-up commit (none when `tagged` is false).
fn version_facts(
    state: &State,
    environment: &deploy::Environment,
    version: &str,
    tagged: bool,
) -> Result<VersionFacts, String> {
    let tag_commit = tagged.then(|| version_commit(version));
    VersionFacts::read(state, environment, version, tag_commit).map_err(|e| e.to_string())
}

/// Decides the schedule `spec` asks for at `now` on the described ledger, as `reltag
/// schedule` decides it before recording.
pub fn schedule(
    spec: &ScheduleSpec,
    events: &[Event],
    now: Timestamp,
    policy: &Policy,
    report: &mut Report,
) -> Result<(), String> {
    let (environment, state) = on_ledger(policy, &spec.to, events)?;
    let at = timestamp("for", &spec.for_time)?;
    let facts = version_facts(&state, environment, &spec.version, true)?;
    deploy::schedule(policy, environment, &facts, &spec.by, now, at)
        .map_err(|e| e.to_string())?
        .report_to(report);
    Ok(())
}

/// Decides the rollback `spec` asks for at `now` on the described ledger, as `reltag
/// rollback --dry-run` decides it: the version it returns to, then its checks.
pub fn rollback(
    spec: &RollbackSpec,
    events: &[Event],
    now: Timestamp,
    policy: &Policy,
    report: &mut Report,
) -> Result<(), String> {
    if spec.reason.trim().is_empty() {
        return Err("the rollback's reason is empty".to_string());
    }
    let (environment, state) = on_ledger(policy, &spec.env, events)?;
    let current = state.env(&spec.env).map_err(|e| e.to_string())?;
    let target = deploy::rollback_target(&spec.env, current.as_ref(), spec.to.as_deref())
        .map_err(|e| e.to_string())?;
    let facts = version_facts(&state, environment, &target.version, true)?;
    let request = Request {
        reason: Some(&spec.reason),
        ..Request::new(&spec.by, now)
    };
    report.note(format!(
        "would roll {} back from {} to {}",
        spec.env, target.current.version, target.version
    ));
    deploy::rollback(policy, environment, &facts, &request).report_to(report);
    Ok(())
}

/// Decides the promotion `spec` asks for at `now` on the described ledger, into the
/// report, as `reltag promote --dry-run` would; `Err` says why it cannot be decided.
pub fn promotion(
    spec: &PromoteSpec,
    events: &[Event],
    now: Timestamp,
    policy: &Policy,
    report: &mut Report,
) -> Result<(), String> {
    let (environment, state) = on_ledger(policy, &spec.to, events)?;
    let facts = version_facts(&state, environment, &spec.version, spec.tagged)?;
    if !facts.is_known() {
        return Err(deploy::Error::UnknownVersion {
            version: spec.version.clone(),
        }
        .to_string());
    }
    if let Some(current) = facts.current()
        && current.version == spec.version
    {
        report.note(format!(
            "{} already runs in {}: nothing to do, nothing recorded",
            spec.version, spec.to
        ));
        return Ok(());
    }
    let artifacts = artifacts(&spec.artifacts)?;
    let request = Request {
        artifacts: &artifacts,
        release_authors: &spec.authors,
        emergency: spec.emergency,
        reason: spec.reason.as_deref(),
        ..Request::new(&spec.by, now)
    };
    deploy::promotion(policy, environment, &facts, &request).report_to(report);
    Ok(())
}
