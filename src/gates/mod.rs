//! Which rules run at which gate. A gate takes facts gathered by a command and returns
//! findings; it never reads the repository or the network itself.

use crate::policy::Policy;
use crate::report::{Exempted, Finding};
use crate::rules::{
    BranchFacts, MessageFacts, PromoteFacts, PullRequestFacts, RefPushFacts, TagFacts,
    TagPlacementFacts, branch_name, branch_protected, commit_empty, commit_encoding, commit_jira,
    commit_subject, pr_approvals, pr_changes_requested, pr_jira_consistent, pr_policy_change,
    promote_approvals, promote_artifact, promote_deployer, promote_emergency, promote_freeze,
    promote_from, promote_notice, promote_rolled_back, promote_soak, promote_version,
    promote_window, tag_format, tag_moved, tag_on_release_branch, tag_semver, tag_sequence,
};

/// The message rules, for one commit or message file. Returns the exemption that let
/// the message through `commit-jira` without a key, if one did.
pub fn message(facts: &MessageFacts, policy: &Policy, out: &mut Vec<Finding>) -> Option<Exempted> {
    commit_encoding::check(facts, policy, out);
    let before = out.len();
    commit_empty::check(facts, policy, out);
    if out.len() > before {
        // An empty message has no key and no subject: one finding says it all.
        return None;
    }
    let exempted = commit_jira::check(facts, policy, out);
    commit_subject::check(facts, policy, out);
    exempted
}

/// The branch rules, for one branch name.
pub fn branch(facts: &BranchFacts, policy: &Policy, out: &mut Vec<Finding>) {
    branch_name::check(facts, policy, out);
}

/// The tag rules, for one tag name. Each later rule only speaks when the earlier ones
/// had nothing to say, so one bad tag gets one finding.
pub fn tag(facts: &TagFacts, policy: &Policy, out: &mut Vec<Finding>) {
    let before = out.len();
    tag_format::check(facts, policy, out);
    if out.len() == before {
        tag_semver::check(facts, policy, out);
    }
    if out.len() == before {
        tag_sequence::check(facts, policy, out);
    }
}

/// A tag found in the repository or pushed, rather than named as a release: a release tag
/// goes through [`tag`]; any other tag (`deploy-marker`, the moving `v1`) is none of the
/// release rules' business unless `[tags] other = "refuse"`. Returns a note saying so for
/// another tag that was let through.
pub fn any_tag(facts: &TagFacts, policy: &Policy, out: &mut Vec<Finding>) -> Option<String> {
    if policy.is_release_tag(facts.name) {
        tag(facts, policy, out);
        return None;
    }
    let before = out.len();
    tag_format::check_other(facts, policy, out);
    (out.len() == before).then(|| tag_format::other_tag_note(facts.name, policy))
}

/// The rules for a pushed branch ref (its name and commits are checked by `branch` and
/// `message`). Returns a note when a protected branch may be created (its commits are
/// already published).
pub fn branch_push(
    facts: &RefPushFacts,
    policy: &Policy,
    out: &mut Vec<Finding>,
) -> Option<String> {
    branch_protected::check(facts, policy, out)
}

/// The rules for a pushed tag ref: an existing release tag never moves or goes.
pub fn tag_push(facts: &RefPushFacts, policy: &Policy, out: &mut Vec<Finding>) {
    tag_moved::check(facts, policy, out);
}

/// Where a pushed release tag points.
pub fn tag_placement(facts: &TagPlacementFacts, policy: &Policy, out: &mut Vec<Finding>) {
    tag_on_release_branch::check(facts, policy, out);
}

/// What one promotion check saw and decided, for `--dry-run` and the notes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckLine {
    pub rule: &'static str,
    pub value: String,
    pub verdict: CheckVerdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckVerdict {
    Ok,
    Blocked,
    /// Would have blocked (or was not needed) and was skipped by the emergency procedure.
    Skipped,
}

impl CheckLine {
    /// `promote-window: Tue 2026-11-24 13:00 America/New_York: outside … → blocked`.
    pub fn note(&self) -> String {
        let verdict = match self.verdict {
            CheckVerdict::Ok => "ok",
            CheckVerdict::Blocked => "blocked",
            CheckVerdict::Skipped => "skipped (emergency)",
        };
        format!("{}: {} → {verdict}", self.rule, self.value)
    }
}

/// A promotion check: its findings go to `out`, its return value is what it saw.
pub type PromotionCheck = fn(&PromoteFacts, &Policy, &mut Vec<Finding>) -> String;

/// Runs promotion checks in order, one [`CheckLine`] each. A check with a `Skippable`
/// listed in `[emergency] may_skip` is skipped (and says so) when `facts.emergency`.
fn run_promotion_checks(
    facts: &PromoteFacts,
    policy: &Policy,
    checks: &[(
        &'static str,
        PromotionCheck,
        Option<crate::policy::schema::Skippable>,
    )],
) -> (Vec<CheckLine>, Vec<Finding>) {
    let mut lines = Vec::new();
    let mut out = Vec::new();
    for &(rule, check, skippable) in checks {
        let mut found = Vec::new();
        let value = check(facts, policy, &mut found);
        let skipped = facts.emergency
            && skippable.is_some_and(|s| policy.file.emergency.may_skip.contains(&s));
        let verdict = if skipped {
            CheckVerdict::Skipped
        } else if found.is_empty() {
            CheckVerdict::Ok
        } else {
            out.append(&mut found);
            CheckVerdict::Blocked
        };
        lines.push(CheckLine {
            rule,
            value,
            verdict,
        });
    }
    (lines, out)
}

/// Some promotion checks, none skippable: what `rollback` and `schedule` ask.
pub fn promotion_checks(
    facts: &PromoteFacts,
    policy: &Policy,
    checks: &[(&'static str, PromotionCheck)],
) -> (Vec<CheckLine>, Vec<Finding>) {
    let checks: Vec<_> = checks
        .iter()
        .map(|&(rule, check)| (rule, check, None))
        .collect();
    run_promotion_checks(facts, policy, &checks)
}

/// The promotion rules, in the order a person would ask them. With `facts.emergency`,
/// checks listed in `[emergency] may_skip` are skipped (and say so).
pub fn promote(facts: &PromoteFacts, policy: &Policy) -> (Vec<CheckLine>, Vec<Finding>) {
    use crate::policy::schema::Skippable;
    type Check = PromotionCheck;
    let checks: [(&'static str, Check, Option<Skippable>); 11] = [
        (
            promote_version::PromoteVersion::ID,
            promote_version::check,
            None,
        ),
        (
            promote_from::PromoteFrom::ID,
            promote_from::check,
            Some(Skippable::From),
        ),
        (
            promote_soak::PromoteSoak::ID,
            promote_soak::check,
            Some(Skippable::Soak),
        ),
        (
            promote_window::PromoteWindow::ID,
            promote_window::check,
            Some(Skippable::Windows),
        ),
        (
            promote_freeze::PromoteFreeze::ID,
            promote_freeze::check,
            Some(Skippable::Freezes),
        ),
        (
            promote_notice::PromoteNotice::ID,
            promote_notice::check,
            Some(Skippable::Notice),
        ),
        (
            promote_approvals::PromoteApprovals::ID,
            promote_approvals::check,
            None,
        ),
        (
            promote_deployer::PromoteDeployer::ID,
            promote_deployer::check,
            None,
        ),
        (
            promote_artifact::PromoteArtifact::ID,
            promote_artifact::check,
            None,
        ),
        (
            promote_rolled_back::PromoteRolledBack::ID,
            promote_rolled_back::check,
            None,
        ),
        (
            promote_emergency::PromoteEmergency::ID,
            promote_emergency::check,
            None,
        ),
    ];
    run_promotion_checks(facts, policy, &checks)
}

/// What the policy's subject exemptions let into a pull request, for `check pr`.
pub fn subject_exemptions(
    facts: &crate::rules::pr_subject_exemption::SubjectExemptionFacts,
    policy: &Policy,
    out: &mut Vec<Finding>,
) {
    crate::rules::pr_subject_exemption::check(facts, policy, out);
}

/// The pull-request rules, for `check pr` (its branch and commits go through `branch` and
/// `message`).
pub fn pull_request(facts: &PullRequestFacts, policy: &Policy, out: &mut Vec<Finding>) {
    pr_approvals::check(facts, policy, out);
    pr_changes_requested::check(facts, policy, out);
    pr_policy_change::check(facts, policy, out);
    pr_jira_consistent::check(facts, policy, out);
}
