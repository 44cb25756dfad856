//! Which rules run at which gate. A gate takes facts gathered by a command and returns
//! findings; it never reads the repository or the network itself.

use crate::policy::Policy;
use crate::report::Finding;
use crate::rules::{
    BranchFacts, MessageFacts, PullRequestFacts, RefPushFacts, TagFacts, TagPlacementFacts,
    branch_name, branch_protected, commit_empty, commit_encoding, commit_jira, commit_subject,
    pr_approvals, pr_changes_requested, pr_jira_consistent, pr_policy_change, tag_format,
    tag_moved, tag_on_release_branch, tag_semver, tag_sequence,
};

/// The message rules, for one commit or message file.
pub fn message(facts: &MessageFacts, policy: &Policy, out: &mut Vec<Finding>) {
    commit_encoding::check(facts, policy, out);
    let before = out.len();
    commit_empty::check(facts, policy, out);
    if out.len() > before {
        // An empty message has no key and no subject: one finding says it all.
        return;
    }
    commit_jira::check(facts, policy, out);
    commit_subject::check(facts, policy, out);
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

/// The rules for a pushed branch ref (its name and commits are checked by `branch` and
/// `message`).
pub fn branch_push(facts: &RefPushFacts, policy: &Policy, out: &mut Vec<Finding>) {
    branch_protected::check(facts, policy, out);
}

/// The rules for a pushed tag ref: an existing release tag never moves or goes.
pub fn tag_push(facts: &RefPushFacts, policy: &Policy, out: &mut Vec<Finding>) {
    tag_moved::check(facts, policy, out);
}

/// Where a pushed release tag points.
pub fn tag_placement(facts: &TagPlacementFacts, policy: &Policy, out: &mut Vec<Finding>) {
    tag_on_release_branch::check(facts, policy, out);
}

/// The pull-request rules, for `check pr` (its branch and commits go through `branch` and
/// `message`).
pub fn pull_request(facts: &PullRequestFacts, policy: &Policy, out: &mut Vec<Finding>) {
    pr_approvals::check(facts, policy, out);
    pr_changes_requested::check(facts, policy, out);
    pr_policy_change::check(facts, policy, out);
    pr_jira_consistent::check(facts, policy, out);
}
