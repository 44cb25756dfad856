use super::{PromoteFacts, declare_rule};
use crate::ledger::identity::is_member;
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// The person promoting (or rolling back) is a member of one of the roles allowed to
    /// deploy to the environment.
    ///
    /// ## Why
    /// Who changes production is a decision, not an accident of who has the credentials.
    ///
    /// ## Example
    /// `deployers = ["ops"]`, `ops = ["ops@example.com"]`: dev@example.com is refused.
    ///
    /// ## Configuration
    /// `[environments.<env>] deployers` (role names under `[roles]`). An empty list lets
    /// anyone deploy. The actor is `git config user.email`, or `@$GITHUB_ACTOR` in
    /// GitHub Actions.
    ///
    /// ## How to fix
    /// Ask a deployer, or add yourself to the role through a reviewed policy change.
    pub struct PromoteDeployer { id: "promote-deployer", group: Promotion }
}

pub fn check(facts: &PromoteFacts, policy: &Policy, out: &mut Vec<Finding>) -> String {
    let roles: Vec<&str> = facts
        .environment
        .settings
        .deployers
        .iter()
        .map(|r| r.get_ref().as_str())
        .collect();
    if roles.is_empty() {
        return format!("{}: anyone may deploy", facts.actor);
    }
    if let Some(role) = roles
        .iter()
        .find(|r| is_member(facts.actor, &policy.role_members(r)))
    {
        return format!("{} is in {role}", facts.actor);
    }
    out.push(
        Finding::error(
            PromoteDeployer::ID,
            facts.subject(),
            format!(
                "{} may not deploy to {}: only {} may",
                facts.actor,
                facts.env,
                roles.join(", ")
            ),
        )
        .with_hint(format!(
            "ask one of: {}",
            roles
                .iter()
                .flat_map(|r| policy.role_members(r))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    );
    format!("{} is not in {}", facts.actor, roles.join(", "))
}
