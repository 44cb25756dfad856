use super::declare_rule;
use crate::ledger::ApprovalRecord;
use crate::policy::Policy;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// Every role in `[release.approvals] roles` approved this version **at the commit
    /// being released** (`reltag approve VERSION --role ROLE`). An approval given for an
    /// earlier commit of the release branch does not count.
    ///
    /// ## Why
    /// A sign-off is for what was reviewed; a commit added after it was not.
    ///
    /// ## Example
    /// `qa-lead has not approved v1.2.3 at commit 3f2a…`.
    ///
    /// ## Configuration
    /// `[release.approvals] roles`, and the members in `[roles]`.
    ///
    /// ## How to fix
    /// Ask a member of the role to run `reltag approve v1.2.3 --role qa-lead`.
    pub struct ReleaseApprovals { id: "release-approvals", group: Release }
}

pub struct ApprovalsFacts<'a> {
    pub version: &'a str,
    pub commit: &'a str,
    pub approvals: &'a [ApprovalRecord],
}

pub fn roles(policy: &Policy) -> Vec<String> {
    crate::policy::names(&policy.file.release.approvals.roles)
}

pub fn check(facts: &ApprovalsFacts, policy: &Policy, out: &mut Vec<Finding>) {
    for role in roles(policy) {
        // Membership is judged now, by the policy in force: an approval by someone who
        // has since left the role does not count.
        let members = policy.role_members(&role);
        if !facts.approvals.iter().any(|a| {
            a.role == role
                && a.commit == facts.commit
                && crate::ledger::identity::is_member(&a.actor, &members)
        }) {
            out.push(
                Finding::error(
                    ReleaseApprovals::ID,
                    Subject::Tag {
                        name: facts.version.to_string(),
                    },
                    format!(
                        "{role} has not approved {} at commit {}",
                        facts.version,
                        &facts.commit[..facts.commit.len().min(12)]
                    ),
                )
                .with_hint(format!(
                    "a member of {role} runs `reltag approve {} --role {role}`",
                    facts.version
                )),
            );
        }
    }
}
