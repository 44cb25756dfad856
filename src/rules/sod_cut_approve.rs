use super::separation::{People, SeparationFacts};
use super::{PromoteFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// With `cut_and_approve = false`, the person who cut a version did not also approve it.
    ///
    /// Checked when the version is cut (the person cutting against the approvals of the
    /// commit) and when it is promoted (the recorded cut against the approvals of the tag's
    /// commit); a GitHub login and an email count as one person when `[separation.people]`
    /// says so.
    ///
    /// ## Why
    /// The release manager who decides that a version is ready should not also be the one
    /// who signs it off.
    ///
    /// ## Example
    /// rm@example.com cut v1.2.0 and approved it as qa: "rm@example.com cut v1.2.0 and
    /// approved it as qa".
    ///
    /// ## Configuration
    /// `[separation] cut_and_approve = false` (default `true`: allowed); `[separation.people]`.
    ///
    /// ## How to fix
    /// A ledger admin voids the approval (`reltag void`) and another member of the role
    /// approves.
    pub struct SodCutApprove { id: "sod-cut-approve", group: Promotion }
}

pub fn check(facts: &PromoteFacts, policy: &Policy, out: &mut Vec<Finding>) -> String {
    judge(&SeparationFacts::of_promotion(facts), policy, out)
}

pub fn judge(facts: &SeparationFacts, policy: &Policy, out: &mut Vec<Finding>) -> String {
    if *policy.file.separation.cut_and_approve.get_ref() {
        return "allowed by the policy".into();
    }
    let Some((cutter, cut_commit)) = facts.cut else {
        return "not cut".into();
    };
    let people = People::from_policy(policy);
    let Some(approval) = facts
        .approvals
        .iter()
        .find(|a| a.commit == cut_commit && people.same(&a.actor, cutter))
    else {
        return format!("{cutter} did not approve it");
    };
    out.push(
        Finding::error(
            SodCutApprove::ID,
            facts.subject(),
            format!(
                "{cutter} cut {} and approved it as {}",
                facts.version, approval.role
            ),
        )
        .with_hint(format!(
            "a ledger admin voids the approval and another member of {} approves",
            approval.role
        )),
    );
    "cut and approved by one person".into()
}
