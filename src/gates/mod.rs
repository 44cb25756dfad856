//! Which rules run at which gate. A gate takes facts gathered by a command and returns
//! findings; it never reads the repository or the network itself.

use crate::policy::Policy;
use crate::report::Finding;
use crate::rules::{
    BranchFacts, MessageFacts, TagFacts, branch_name, commit_empty, commit_encoding, commit_jira,
    commit_subject, tag_format, tag_semver, tag_sequence,
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
