//! What `reltag cut` decides, over plain facts: the version's name, the version and its
//! release branch, the emergency procedure and the criteria, each one [`Check`] of the
//! one result model (measured, threshold, verdict, findings), in the order a release
//! manager reads them. The command gathers the facts (git, the remote, the ledger, the
//! criteria through [`super::gather`]), calls [`checks`], reports and acts; nothing here
//! reads the repository, the network or the clock.
//!
//! ```text
//! let version = cut::name_check(tag, &existing_tags, &policy)?;   // Err(check): stop here
//! let skip = cut::skipped_criteria(&policy, hotfix);
//! let checks = cut::checks(&CutFacts { tag, commit, head_branch, version, branch,
//!                                      emergency, jira_keys, criteria }, &policy);
//! ```

use gix::ObjectId;
use semver::Version;

use super::criteria::CriterionOutcome;
use super::notes::Notes;
use crate::gates::release::criterion_check;
use crate::ledger::{ApprovalRecord, EvidenceRecord, RefusedEvent, State, identity};
use crate::policy::Policy;
use crate::policy::schema::Criterion;
use crate::report::{Check, Finding, Subject, Verdict};
use crate::rules::commit_jira_exists::CommitJiraExists;
use crate::rules::release_external::ReleaseEmergency;
use crate::rules::release_version::ReleaseVersion;
use crate::rules::separation::SeparationFacts;
use crate::rules::{TagFacts, release_branch, release_version};

/// The version's tag name judged by the tag gate (format, semantic version, sequence
/// against `existing`, local and remote tags): the version, or the blocking check.
pub fn name_check(tag: &str, existing: &[String], policy: &Policy) -> Result<Version, Box<Check>> {
    let mut found = Vec::new();
    crate::gates::tag(
        &TagFacts {
            name: tag,
            existing,
        },
        policy,
        &mut found,
    );
    let version = policy
        .tag_format
        .version_text(tag)
        .and_then(|v| Version::parse(&v).ok());
    match version.filter(|_| found.is_empty()) {
        Some(version) => Ok(version),
        None => Err(Box::new(
            Check::new(
                ReleaseVersion::ID,
                Some(Subject::Tag {
                    name: tag.to_string(),
                }),
                found,
            )
            .measured(tag),
        )),
    }
}

/// The criteria an emergency release skips (`[emergency] may_skip`, as each criterion's
/// registry entry declares its word there); none otherwise.
pub fn skipped_criteria(policy: &Policy, emergency: bool) -> Vec<Criterion> {
    if !emergency {
        return Vec::new();
    }
    let may_skip = &policy.file.emergency.may_skip;
    crate::rules::CRITERIA
        .iter()
        .filter(|entry| entry.skippable.is_some_and(|word| may_skip.contains(&word)))
        .map(|entry| entry.criterion)
        .collect()
}

/// What the emergency procedure is judged on.
pub struct EmergencyFacts<'a> {
    /// Why (`--reason`).
    pub reason: &'a str,
    /// The approvals of the version at its commit, for every environment.
    pub approvals: &'a [ApprovalRecord],
    /// The release notes: the keys the commits name.
    pub notes: &'a Notes,
    /// Events about the version the ledger refuses to count (`[ledger] require_signed`):
    /// an approver's refused approval is named in the finding.
    pub refused: &'a [RefusedEvent],
}

/// What Jira said of the keys the commits since the previous release name.
pub enum JiraKeys {
    /// Asked: what was seen (`PAY-1, PAY-2 exist`) and a finding per key it lacks.
    Verified {
        seen: String,
        findings: Vec<Finding>,
    },
    /// Jira could not be asked, or its answer cannot be vouched for: undecided.
    Unavailable {
        /// The previous release's tag (`None`: every commit up to the first).
        since: Option<String>,
        message: String,
        hint: Option<String>,
    },
}

impl JiraKeys {
    /// The `commit-jira-exists` check of the cut.
    fn check(self, tag: &str) -> Check {
        let subject = Subject::Tag {
            name: tag.to_string(),
        };
        match self {
            JiraKeys::Verified { seen, findings } => {
                Check::new(CommitJiraExists::ID, Some(subject), findings)
                    .named("jira keys")
                    .measured(seen)
            }
            JiraKeys::Unavailable {
                since,
                message,
                hint,
            } => {
                let since = since.unwrap_or_else(|| "the first commit".to_string());
                let mut finding = Finding::error(
                    CommitJiraExists::ID,
                    subject.clone(),
                    format!(
                        "the Jira keys of the commits since {since} cannot be verified: {message}"
                    ),
                );
                if let Some(hint) = hint {
                    finding = finding.with_hint(hint);
                }
                Check::new(CommitJiraExists::ID, Some(subject), vec![finding])
                    .named("jira keys")
                    .measured("cannot be verified")
                    .verdict(Verdict::Undecided)
            }
        }
    }
}

/// Everything `cut` decides on.
pub struct CutFacts<'a> {
    pub tag: &'a str,
    /// The commit being released (HEAD).
    pub commit: ObjectId,
    /// The branch HEAD is on (`None`: detached).
    pub head_branch: Option<&'a str>,
    /// The tag and the ledger: is the version free, or already cut here?
    pub version: release_version::VersionFacts<'a>,
    /// The release branch, the working tree and the upstream.
    pub branch: release_branch::BranchStateFacts<'a>,
    /// `Some` for an emergency release (`--hotfix`).
    pub emergency: Option<EmergencyFacts<'a>>,
    /// `[commits] verify_jira`: what Jira said of the keys the commits since the
    /// previous release name (the command asks it).
    pub jira_keys: Option<JiraKeys>,
    /// One outcome per configured criterion, in the policy's order.
    pub criteria: &'a [CriterionOutcome],
    /// Who approved and who cuts, for the separation-of-duties rules `[separation]`
    /// forbids (`gates::cut_separation`; none by default).
    pub separation: SeparationFacts<'a>,
}

/// The checks of a cut, in the order they are reported: the version (with its release
/// branch), the Jira keys, the emergency procedure, then each criterion.
pub fn checks(facts: CutFacts<'_>, policy: &Policy) -> Vec<Check> {
    let tag_subject = Subject::Tag {
        name: facts.tag.to_string(),
    };
    let mut version_found = Vec::new();
    release_version::check(&facts.version, &mut version_found);
    release_branch::check(&facts.branch, &mut version_found);
    let commit_hex = facts.commit.to_string();
    let mut checks = vec![
        Check::new(ReleaseVersion::ID, Some(tag_subject.clone()), version_found).measured(format!(
            "{} at {} on {}",
            facts.tag,
            &commit_hex[..12],
            facts.head_branch.unwrap_or("(detached HEAD)")
        )),
    ];
    checks.extend(facts.jira_keys.map(|keys| keys.check(facts.tag)));
    if let Some(emergency) = &facts.emergency {
        checks.push(
            Check::new(
                ReleaseEmergency::ID,
                Some(tag_subject.clone()),
                emergency_findings(emergency, policy, facts.tag, facts.commit),
            )
            .measured(format!("--hotfix: {}", emergency.reason)),
        );
    }
    checks.extend(
        facts
            .criteria
            .iter()
            .map(|outcome| criterion_check(outcome, tag_subject.clone())),
    );
    checks.extend(crate::gates::cut_separation(&facts.separation, policy));
    checks
}

/// The emergency procedure: an approval by a current `[emergency] approvers` member, and
/// a commit naming the `[emergency] jira_prefix` ticket when the policy has one.
fn emergency_findings(
    facts: &EmergencyFacts<'_>,
    policy: &Policy,
    tag: &str,
    commit: ObjectId,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let subject = || Subject::Tag {
        name: tag.to_string(),
    };
    let approvers = crate::policy::names(&policy.file.emergency.approvers);
    // The approver must hold the role now, under the policy in force.
    let current_member =
        |a: &ApprovalRecord| identity::is_member(&a.actor, &policy.role_members(&a.role));
    if !facts
        .approvals
        .iter()
        .any(|a| approvers.contains(&a.role) && current_member(a))
    {
        // An approval the ledger refuses to count is named, not read as one nobody gave.
        let commit_hex = commit.to_string();
        let refused: String = crate::ledger::identity::named(facts.refused.iter().filter(|r| {
            approvers
                .iter()
                .any(|role| r.approves(role, None, &commit_hex))
        }));
        out.push(
            Finding::error(
                ReleaseEmergency::ID,
                subject(),
                format!(
                    "an emergency release needs an approval by {} of {tag} at commit {}{refused}",
                    if approvers.is_empty() {
                        "an [emergency] approver (none configured)".to_string()
                    } else {
                        approvers.join(" or ")
                    },
                    &commit_hex[..12]
                ),
            )
            .with_hint(format!(
                "an approver runs `reltag approve {tag} --role {}`",
                approvers.first().map(String::as_str).unwrap_or("ROLE")
            )),
        );
    }
    if let Some(prefix) = &policy.file.emergency.jira_prefix
        && !facts
            .notes
            .by_key
            .iter()
            .any(|(k, _)| k.starts_with(&format!("{prefix}-")))
    {
        out.push(
            Finding::error(
                ReleaseEmergency::ID,
                subject(),
                format!("no commit of this emergency release names a {prefix}- issue"),
            )
            .with_hint(format!(
                "name the emergency ticket ({prefix}-123) in a commit message"
            )),
        );
    }
    out
}

/// What the cut's ledger facts were when the gate read them: a write that lost a race
/// records only if they are unchanged in the state it would be recorded on.
#[derive(Debug, PartialEq, Eq)]
pub struct LedgerFacts {
    approvals: Vec<ApprovalRecord>,
    evidence: Vec<EvidenceRecord>,
}

impl LedgerFacts {
    pub fn read(
        state: &State,
        tag: &str,
        commit: ObjectId,
    ) -> Result<LedgerFacts, crate::ledger::Error> {
        Ok(LedgerFacts {
            approvals: state.approvals_for(tag, None, commit)?,
            evidence: state.commit_evidence(commit)?,
        })
    }
}

/// What a cut's write decided against the state it would record on.
#[derive(Debug, PartialEq, Eq)]
pub enum CutRecorded {
    Recorded,
    /// The remote has the tag, or the ledger a cut of the version: the commit it names.
    TakenFirst(String),
    /// Approvals or evidence for the commit changed since the gate read them.
    LedgerChanged,
}

/// A cut's decision inside the write path, after a lost race or on the first attempt:
/// refused when the remote's tag (`remote_tag`, asked again after a lost race) or the
/// ledger's state already has a cut of the version, or when the ledger facts the gate
/// read (`seen`) changed; else record `event` with the tag `tag_id`.
pub fn decide_again(
    state: &State,
    remote_tag: Option<String>,
    tag: &str,
    commit: ObjectId,
    seen: &LedgerFacts,
    event: &crate::ledger::Event,
    tag_id: ObjectId,
) -> Result<crate::ledger::Decision<CutRecorded>, crate::ledger::Error> {
    use crate::ledger::Decision;
    if let Some(theirs) = remote_tag {
        return Ok(Decision::Skip(CutRecorded::TakenFirst(theirs)));
    }
    if let Some(cut) = state.version(tag)?.and_then(|v| v.cut) {
        return Ok(Decision::Skip(CutRecorded::TakenFirst(cut.commit)));
    }
    if LedgerFacts::read(state, tag, commit)? != *seen {
        return Ok(Decision::Skip(CutRecorded::LedgerChanged));
    }
    Ok(Decision::record(event.clone(), CutRecorded::Recorded).with_tag(tag, tag_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Policy, Source};

    fn policy() -> Policy {
        Policy::from_toml(
            "[emergency]\napprovers = [\"cto\"]\njira_prefix = \"HOT\"\nmay_skip = [\"perf\"]\n[roles]\ncto = [\"cto@example.com\"]\n",
            "policy.toml",
            Source::File("policy.toml".into()),
        )
        .expect("valid policy")
    }

    fn notes() -> Notes {
        Notes {
            title: "v1.0.1".into(),
            previous: None,
            by_key: Vec::new(),
            without_key: Vec::new(),
            contributors: Vec::new(),
        }
    }

    fn facts<'a>(
        emergency: Option<EmergencyFacts<'a>>,
        criteria: &'a [CriterionOutcome],
    ) -> CutFacts<'a> {
        CutFacts {
            tag: "v1.0.1",
            commit: ObjectId::null(gix::hash::Kind::Sha1),
            head_branch: Some("release/v1.0"),
            version: release_version::VersionFacts {
                tag: "v1.0.1",
                commit: "0000000000000000000000000000000000000000",
                local: None,
                remote: None,
                cut_by: None,
            },
            branch: release_branch::BranchStateFacts {
                candidates: &[],
                head_branch: Some("release/v1.0"),
                dirty: false,
                upstream: None,
                remote_checked: false,
            },
            emergency,
            jira_keys: None,
            criteria,
            separation: SeparationFacts {
                version: "v1.0.1",
                scope: "the cut",
                required: Vec::new(),
                commit: None,
                approvals: &[],
                cut: None,
                release_authors: &[],
            },
        }
    }

    #[test]
    fn a_cut_is_one_check_for_the_version_then_one_per_criterion() {
        let policy = policy();
        let criteria = [CriterionOutcome::decide(
            "coverage",
            Some("95%".into()),
            Some("≥ 90%".into()),
            Vec::new(),
            false,
        )];
        let checks = checks(facts(None, &criteria), &policy);
        let rules: Vec<_> = checks.iter().map(|c| c.rule).collect();
        assert_eq!(rules, ["release-version", "release-coverage"]);
        assert_eq!(checks[1].measured.as_deref(), Some("95%"));
        assert_eq!(checks[1].threshold.as_deref(), Some("≥ 90%"));
        assert_eq!(checks[1].verdict, Verdict::Ok);
    }

    #[test]
    fn an_emergency_without_an_approver_or_its_ticket_blocks() {
        let policy = policy();
        let notes = notes();
        let emergency = EmergencyFacts {
            reason: "outage",
            approvals: &[],
            notes: &notes,
            refused: &[],
        };
        let checks = checks(facts(Some(emergency), &[]), &policy);
        let emergency = checks
            .iter()
            .find(|c| c.rule == ReleaseEmergency::ID)
            .expect("an emergency check");
        assert_eq!(emergency.verdict, Verdict::Blocked);
        assert_eq!(emergency.measured.as_deref(), Some("--hotfix: outage"));
        let messages: Vec<_> = emergency.findings.iter().map(|f| &f.message).collect();
        assert!(
            messages[0].contains("needs an approval by cto"),
            "{messages:?}"
        );
        assert!(messages[1].contains("names a HOT- issue"), "{messages:?}");
    }

    #[test]
    fn jira_keys_that_cannot_be_verified_leave_the_cut_undecided() {
        let policy = policy();
        let mut cut = facts(None, &[]);
        cut.jira_keys = Some(JiraKeys::Unavailable {
            since: Some("v1.0.0".into()),
            message: "Jira answered 503".into(),
            hint: Some("try again".into()),
        });
        let checks = checks(cut, &policy);
        let keys = checks
            .iter()
            .find(|c| c.rule == CommitJiraExists::ID)
            .expect("a jira keys check");
        assert_eq!(keys.verdict, Verdict::Undecided);
        assert_eq!(keys.measured.as_deref(), Some("cannot be verified"));
        assert_eq!(
            keys.findings[0].message,
            "the Jira keys of the commits since v1.0.0 cannot be verified: Jira answered 503"
        );
    }

    #[test]
    fn only_an_emergency_skips_criteria() {
        let policy = policy();
        let perf = crate::release::criteria::named("perf").map(|e| e.criterion);
        assert_eq!(skipped_criteria(&policy, true).first().copied(), perf);
        assert_eq!(skipped_criteria(&policy, true).len(), 1);
        assert!(skipped_criteria(&policy, false).is_empty());
    }
}
