use super::separation::{People, counted};
use super::{PromoteFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// With `deploy_own_approval = false`, nobody deploys a version that only they approved for the environment.
    ///
    /// It applies to environments with `approvals`; a GitHub login and an email count as
    /// one person when `[separation.people]` says so.
    ///
    /// ## Why
    /// An approval is a second pair of eyes. When the person who deploys is the only one
    /// who approved, nobody else looked.
    ///
    /// ## Example
    /// `approvals = ["qa"]`, ops@example.com in qa and a deployer, approving and then
    /// promoting: "ops@example.com is the only approver of v1.2.0 for prod".
    ///
    /// ## Configuration
    /// `[separation] deploy_own_approval = false` (default `true`: allowed);
    /// `[separation.people]`.
    ///
    /// ## How to fix
    /// Another deployer promotes, or another member of the role approves as well.
    pub struct SodDeployOwnApproval { id: "sod-deploy-own-approval", group: Promotion }
}

pub fn check(facts: &PromoteFacts, policy: &Policy, out: &mut Vec<Finding>) -> String {
    if *policy.file.separation.deploy_own_approval.get_ref() {
        return "allowed by the policy".into();
    }
    let required = facts.environment.approvals();
    let Some(commit) = facts.tag_commit else {
        return "no tag: no approvals".into();
    };
    if required.is_empty() {
        return "no approvals required".into();
    }
    let people = People::from_policy(policy);
    let approvals = counted(facts.approvals, &required, commit, policy);
    if approvals.is_empty()
        || approvals
            .iter()
            .any(|a| !people.same(&a.actor, facts.actor))
    {
        return format!("{} is not the only approver", facts.actor);
    }
    out.push(
        Finding::error(
            SodDeployOwnApproval::ID,
            facts.subject(),
            format!(
                "{} is the only approver of {} for {}, and may not also deploy it",
                facts.actor, facts.version, facts.env
            ),
        )
        .with_hint(format!(
            "another deployer promotes it, or another member of {} approves it",
            required.join(" or ")
        )),
    );
    "the deployer is the only approver".into()
}
