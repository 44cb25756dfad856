use super::{PromoteFacts, declare_rule};
use crate::ledger::identity::is_member;
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// Every role in the environment's `approvals` approved the version at the tag's commit.
    ///
    /// An approval counts for this environment or for every environment, and only while its
    /// author is still a member of the role. With `[ledger] require_signed`, an approval
    /// the ledger refuses (unsigned, or signed by a key not bound to its author) does not
    /// count and is named in the finding, with why.
    ///
    /// ## Why
    /// Sign-offs are for a specific build: an approval of another commit, or by someone
    /// who left the role, does not count.
    ///
    /// ## Example
    /// `approvals = ["qa-lead", "product-owner"]` with only QA's approval:
    /// "needs approval from product-owner for prod".
    ///
    /// ## Configuration
    /// `[environments.<env>] approvals` (role names under `[roles]`). Never skipped, not
    /// even in an emergency.
    ///
    /// ## How to fix
    /// Ask a member of each missing role to run `reltag approve VERSION --role ROLE`.
    pub struct PromoteApprovals { id: "promote-approvals", group: Promotion }
}

/// The required roles (in policy order) without a valid approval.
pub fn missing_roles(facts: &PromoteFacts, policy: &Policy) -> Vec<String> {
    let commit = facts.tag_commit.unwrap_or_default();
    facts
        .environment
        .approvals()
        .into_iter()
        .filter(|role| {
            let members = policy.role_members(role);
            !facts
                .approvals
                .iter()
                .any(|a| &a.role == role && a.commit == commit && is_member(&a.actor, &members))
        })
        .collect()
}

pub fn check(facts: &PromoteFacts, policy: &Policy, out: &mut Vec<Finding>) -> String {
    let required: Vec<&str> = facts
        .environment
        .settings
        .approvals
        .iter()
        .map(|r| r.get_ref().as_str())
        .collect();
    if required.is_empty() {
        return "no approvals required".into();
    }
    let Some(commit) = facts.tag_commit else {
        return "no tag: no commit to approve".into();
    };
    let short = &commit[..commit.len().min(12)];
    let missing = missing_roles(facts, policy);
    if missing.is_empty() {
        let by: Vec<String> = required
            .iter()
            .filter_map(|role| {
                facts
                    .approvals
                    .iter()
                    .find(|a| a.role == *role)
                    .map(|a| format!("{role} ({})", a.actor))
            })
            .collect();
        return format!("approved at {short} by {}", by.join(", "));
    }
    let (version, env) = (facts.version, facts.env);
    // An approval the ledger refuses is named where it would have counted: a forged or
    // mis-signed sign-off must be seen, not read as one nobody gave.
    let refused: String = crate::ledger::identity::named(facts.refused.iter().filter(|r| {
        missing
            .iter()
            .any(|role| r.approves(role, Some(env), commit))
    }));
    out.push(
        Finding::error(
            PromoteApprovals::ID,
            facts.subject(),
            format!(
                "{version} needs approval from {} for {env} at commit {short}{refused}",
                missing.join(", ")
            ),
        )
        .with_hint(
            missing
                .iter()
                .map(|role| {
                    format!(
                        "`reltag approve {version} --role {role} --env {env}` by {}",
                        policy.role_members(role).join(" or ")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
    );
    format!("missing {}", missing.join(", "))
}
