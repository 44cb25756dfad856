use super::{PromoteFacts, declare_rule};
use crate::ledger::identity::is_member;
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// An emergency promotion has an approval from a role in `[emergency] approvers`.
    ///
    /// That is `reltag promote --emergency --reason TEXT`, and the approval is bound to the
    /// tag's commit. With `[ledger] require_signed`, an approver's approval the ledger
    /// refuses does not count and is named in the finding, with why.
    ///
    /// ## Why
    /// The emergency path skips checks (only those in `[emergency] may_skip`); someone
    /// accountable must have said yes to this build, and the reason is kept.
    ///
    /// ## Example
    /// `reltag promote v1.2.4 --to prod --emergency --reason "INC-42 payments down"` needs
    /// `reltag approve v1.2.4 --role cto` first.
    ///
    /// ## Configuration
    /// `[emergency] approvers` and `may_skip`. The promotion is flagged as an emergency
    /// in the ledger, in `reltag status` and in `reltag log`.
    ///
    /// ## How to fix
    /// Ask an emergency approver to run `reltag approve VERSION --role ROLE`.
    pub struct PromoteEmergency { id: "promote-emergency", group: Promotion }
}

pub fn check(facts: &PromoteFacts, policy: &Policy, out: &mut Vec<Finding>) -> String {
    if !facts.emergency {
        return "not an emergency".into();
    }
    let roles = crate::policy::names(&policy.file.emergency.approvers);
    let commit = facts.tag_commit.unwrap_or_default();
    let approval = facts.approvals.iter().find(|a| {
        roles.contains(&a.role)
            && a.commit == commit
            && is_member(&a.actor, &policy.role_members(&a.role))
    });
    if let Some(a) = approval {
        return format!("approved by {} ({})", a.actor, a.role);
    }
    let version = facts.version;
    // An approval the ledger refuses to count is named: a forged or mis-signed sign-off
    // must be seen, not read as one nobody gave.
    let refused: String = crate::ledger::identity::named(facts.refused.iter().filter(|r| {
        roles
            .iter()
            .any(|role| r.approves(role, Some(facts.env), commit))
    }));
    let message = if roles.is_empty() {
        "the policy names no [emergency] approvers: emergency promotions are not possible"
            .to_string()
    } else {
        format!(
            "emergency promotion of {version} needs an approval from {} for its commit{refused}",
            roles.join(" or ")
        )
    };
    out.push(
        Finding::error(PromoteEmergency::ID, facts.subject(), message).with_hint(
            roles
                .iter()
                .map(|r| {
                    format!(
                        "`reltag approve {version} --role {r}` by {}",
                        policy.role_members(r).join(" or ")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
    );
    "no emergency approval".into()
}
