//! The cut a scenario describes: `cut = { version = "v1.2.3", ... }` with the criteria's
//! facts (the forge's check results, the tracker's open bugs, the paths changed since the
//! previous release) and the ledger's evidence and approvals, decided by the criteria
//! registry through `release::gather` over a described [`Facts`] and judged by
//! `release::cut::checks`, as `reltag cut --dry-run` decides it.
//!
//! ```toml
//! [[scenario]]
//! name = "a release with failing CI is refused"
//! ledger = [{ evidence = "coverage", version = "v1.2.3", measured = "92.0%" }]
//! cut = { version = "v1.2.3", ci = { test = "failure" } }
//! expect = "blocked"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use gix::ObjectId;
use serde::Deserialize;

use crate::ledger::{Event, EvidenceRecord, State};
use crate::policy::Policy;
use crate::release::cut::{self, CutFacts, EmergencyFacts};
use crate::release::gather::{self, Approvals, Facts, Gather, Occasion, ProcessEnd, Unavailable};
use crate::release::notes::Notes;
use crate::report::Report;
use crate::rules::release_bugs::{BugsOutcome, Issue};
use crate::rules::release_ci::{CheckResult, CheckState};
use crate::rules::separation::SeparationFacts;
use crate::rules::{release_branch, release_version};

/// `cut = { version = "v1.2.3", ... }`: what `reltag cut` is asked, and what it would
/// find.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CutSpec {
    pub version: String,
    /// The branch HEAD is on [default: the version's release branch].
    pub branch: Option<String>,
    /// The version's tag is already on the remote (on another commit).
    #[serde(default)]
    pub exists: bool,
    /// The forge's check results on the commit: name → `success`, `pending`, `failure`.
    #[serde(default)]
    pub ci: BTreeMap<String, CiWord>,
    /// The keys of the open blocking bugs the tracker finds for the version.
    #[serde(default)]
    pub bugs: Vec<String>,
    /// The previous release's tag.
    pub previous: Option<String>,
    /// The paths changed since the previous release (or since the first commit).
    #[serde(default)]
    pub changed: Vec<String>,
    /// The `command` criterion's exit code [default: 0].
    #[serde(default)]
    pub exit: i32,
    /// An emergency release (`--hotfix`), with its `reason`.
    #[serde(default)]
    pub emergency: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CiWord {
    Success,
    Pending,
    Failure,
}

/// Checks what `parse` can: the version is a release version of the policy's format.
pub fn validate(spec: &CutSpec, policy: &Policy) -> Result<(), String> {
    release_version_of(&spec.version, policy).map(|_| ())
}

fn release_version_of(tag: &str, policy: &Policy) -> Result<semver::Version, String> {
    policy
        .tag_format
        .version_text(tag)
        .and_then(|v| semver::Version::parse(&v).ok())
        .ok_or_else(|| format!("`{tag}` is not a release version of this policy's tag format"))
}

/// The facts a cut scenario describes.
struct Described<'a> {
    spec: &'a CutSpec,
    state: State,
}

impl Facts for Described<'_> {
    fn workdir(&self) -> Option<&Path> {
        None
    }

    fn recorded_evidence(&self, commit: ObjectId) -> Result<Vec<EvidenceRecord>, gather::Error> {
        Ok(self.state.commit_evidence(commit)?)
    }

    fn refused_evidence(
        &self,
        _policy: &Policy,
        _commit: ObjectId,
        _criterion: &str,
    ) -> Result<String, gather::Error> {
        // Every described event counts: a scenario tests the policy, not signatures.
        Ok(String::new())
    }

    fn approvals(
        &self,
        _policy: &Policy,
        version: &str,
        commit: ObjectId,
    ) -> Result<Approvals, gather::Error> {
        let commit_hex = commit.to_string();
        let for_one_env = self
            .state
            .version(version)?
            .map(|state| state.approvals)
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.env.is_some() && a.commit == commit_hex)
            .collect();
        Ok(Approvals {
            approvals: self.state.approvals_for(version, None, commit)?,
            for_one_env,
            // Every described event counts: a scenario tests the policy, not signatures.
            refused: Vec::new(),
        })
    }

    fn changed_paths(
        &self,
        _previous: Option<ObjectId>,
        _commit: ObjectId,
    ) -> Result<Vec<String>, gather::Error> {
        Ok(self.spec.changed.clone())
    }

    fn run(&self, argv: &[String]) -> Result<ProcessEnd, gather::Error> {
        if argv.is_empty() {
            return Err(gather::Error::NoCommand);
        }
        Ok(ProcessEnd {
            status: Some(self.spec.exit),
            stderr_tail: String::new(),
        })
    }

    fn check_results(&self, _commit_hex: &str) -> Result<Vec<CheckResult>, Unavailable> {
        Ok(self
            .spec
            .ci
            .iter()
            .map(|(name, word)| CheckResult {
                name: name.clone(),
                state: match word {
                    CiWord::Success => CheckState::Succeeded,
                    CiWord::Pending => CheckState::Pending,
                    CiWord::Failure => CheckState::Failed("failure".to_string()),
                },
            })
            .collect())
    }

    fn open_bugs(
        &self,
        policy: &Policy,
        _version: &semver::Version,
        tag: &str,
        _asking: &dyn Fn(&str),
    ) -> Result<BugsOutcome, Unavailable> {
        let bugs = &policy.file.release.bugs;
        Ok(BugsOutcome {
            tag: tag.to_string(),
            jql: bugs
                .jql
                .as_ref()
                .map(|j| j.get_ref().clone())
                .unwrap_or_default(),
            max: bugs.max,
            issues: self
                .spec
                .bugs
                .iter()
                .map(|key| Issue {
                    key: key.clone(),
                    summary: String::new(),
                    priority: None,
                    status: None,
                    link: String::new(),
                })
                .collect(),
        })
    }
}

/// Decides the described cut into `report`, as `reltag cut --dry-run` would.
pub fn cut(
    spec: &CutSpec,
    events: &[Event],
    policy: &Policy,
    report: &mut Report,
) -> Result<(), String> {
    let version = release_version_of(&spec.version, policy)?;
    let state = State::of_events(events).map_err(|e| e.to_string())?;
    let commit = super::ledger::version_commit(&spec.version);
    let commit_hex = commit.to_string();
    let previous = spec
        .previous
        .as_ref()
        .map(|tag| (tag.clone(), super::ledger::version_commit(tag)));
    let skip = cut::skipped_criteria(policy, spec.emergency);
    let described = Described { spec, state };
    let outcomes = gather::evaluate(&Gather {
        facts: &described,
        policy,
        commit,
        occasion: Occasion::Cut {
            version: &spec.version,
            tree_counts: false,
            previous_tag: previous.as_ref(),
            skip: &skip,
        },
    })
    .map_err(|e| e.to_string())?;
    let candidates = policy.release_branches(&version);
    let head_branch = spec
        .branch
        .as_deref()
        .or(candidates.first().map(String::as_str));
    // The version's approvals at the commit: the emergency procedure's and the
    // separation of duties' facts.
    let approvals = described
        .state
        .approvals_for(&spec.version, None, commit)
        .map_err(|e| e.to_string())?;
    let notes = Notes {
        title: spec.version.clone(),
        previous: spec.previous.clone(),
        by_key: Vec::new(),
        without_key: Vec::new(),
        contributors: Vec::new(),
    };
    // The branch is pushed: its upstream has every commit.
    let upstream = head_branch.map(|branch| format!("origin/{branch}"));
    let remote = spec.exists.then(|| super::object_id_of(0x0bad).to_string());
    for check in cut::checks(
        CutFacts {
            tag: &spec.version,
            commit,
            head_branch,
            version: release_version::VersionFacts {
                tag: &spec.version,
                commit: &commit_hex,
                local: None,
                remote,
                cut_by: None,
            },
            branch: release_branch::BranchStateFacts {
                candidates: &candidates,
                head_branch,
                dirty: false,
                upstream: upstream.as_deref().map(|name| (name, false)),
                remote_checked: true,
            },
            emergency: spec.emergency.then(|| EmergencyFacts {
                reason: spec.reason.as_deref().unwrap_or(""),
                approvals: &approvals,
                notes: &notes,
                refused: &[],
            }),
            jira_keys: None,
            criteria: &outcomes,
            separation: SeparationFacts {
                version: &spec.version,
                scope: "the cut",
                required: crate::rules::release_approvals::cut_roles(policy),
                commit: Some(&commit_hex),
                approvals: &approvals,
                cut: None,
                release_authors: &[],
            },
        },
        policy,
    ) {
        report.check(check);
    }
    Ok(())
}
