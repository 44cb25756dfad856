use super::{PullRequestFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// A pull request that edits the policy file is approved by a member of a role in
    /// `[pull_requests] policy_approvers`.
    ///
    /// ## Why
    /// The gate reads the policy from the base branch, never from the pull request, so
    /// a pull request cannot weaken the rules it is judged by. The change itself still
    /// needs the people who own the process to agree.
    ///
    /// ## Example
    /// A pull request lowering `min_approvals` to 0, with `policy_approvers =
    /// ["release-managers"]` and no approval from a release manager, is blocked.
    ///
    /// ## Configuration
    /// `[pull_requests] policy_approvers`: role names from `[roles]`, whose members are
    /// `@github-logins`. Without it, a policy change is a warning.
    ///
    /// ## How to fix
    /// Ask a member of one of the roles to approve the pull request.
    pub struct PrPolicyChange { id: "pr-policy-change", group: PullRequest }
}

pub fn check(facts: &PullRequestFacts, policy: &Policy, out: &mut Vec<Finding>) {
    if !facts.policy_changed {
        return;
    }
    let roles = approver_roles(policy);
    if roles.is_empty() {
        out.push(
            Finding::warning(
                PrPolicyChange::ID,
                facts.subject.clone(),
                "this pull request changes the policy file; it is judged by the base branch's policy, and no role must approve policy changes (pull_requests.policy_approvers is empty)",
            )
            .with_hint("set [pull_requests] policy_approvers to the roles that own the release process"),
        );
        return;
    }
    if approved_by_a_role(facts, policy, &roles) {
        return;
    }
    out.push(
        Finding::error(
            PrPolicyChange::ID,
            facts.subject.clone(),
            format!(
                "this pull request changes the policy file; a member of {} must approve it (pull_requests.policy_approvers)",
                roles.join(" or ")
            ),
        )
        .with_hint(format!(
            "ask a member of {} ([roles] in the base branch's policy) to approve",
            roles.join(" or ")
        )),
    );
}

/// The roles of `[pull_requests] policy_approvers` (also asked by `pr-gate-change`).
pub fn approver_roles(policy: &Policy) -> Vec<&str> {
    policy
        .file
        .pull_requests
        .policy_approvers
        .iter()
        .map(|r| r.get_ref().as_str())
        .collect()
}

/// Whether someone whose approval counts is a member (`@login`) of one of these roles.
pub fn approved_by_a_role(facts: &PullRequestFacts, policy: &Policy, roles: &[&str]) -> bool {
    facts.reviews.approved.iter().any(|login| {
        roles.iter().any(|role| {
            policy.file.roles.get(*role).is_some_and(|members| {
                members.iter().any(|m| {
                    m.get_ref()
                        .trim()
                        .strip_prefix('@')
                        .is_some_and(|m| m.eq_ignore_ascii_case(login))
                })
            })
        })
    })
}
