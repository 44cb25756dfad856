use super::separation::{People, SeparationFacts, counted, distinct_people_fill};
use super::{PromoteFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// With `one_person_two_roles = false`, each role a version needs is filled by a different person.
    ///
    /// One person who is a member of two of the roles a version needs (the environment's
    /// `approvals` at `promote`, `[release.approvals] roles` at `cut`) may approve as both;
    /// this rule asks for a different person for each. A GitHub login
    /// and an email count as one person when `[separation.people]` says so.
    ///
    /// ## Why
    /// Two sign-offs are required so that two people look at a release. Filled by one
    /// person, they are one look.
    ///
    /// ## Example
    /// `approvals = ["qa", "product"]`, ann@example.com in both roles, approving as both:
    /// "ann@example.com approved v1.2.0 as both qa and product: prod needs a different person for each role".
    ///
    /// ## Configuration
    /// `[separation] one_person_two_roles = false` (default `true`: allowed);
    /// `[separation.people]`.
    ///
    /// ## How to fix
    /// Ask another member of one of the roles to approve (`reltag approve VERSION --role ROLE`).
    pub struct SodTwoRoles { id: "sod-two-roles", group: Promotion }
}

pub fn check(facts: &PromoteFacts, policy: &Policy, out: &mut Vec<Finding>) -> String {
    judge(&SeparationFacts::of_promotion(facts), policy, out)
}

pub fn judge(facts: &SeparationFacts, policy: &Policy, out: &mut Vec<Finding>) -> String {
    if *policy.file.separation.one_person_two_roles.get_ref() {
        return "allowed by the policy".into();
    }
    let required = &facts.required;
    let Some(commit) = facts.commit else {
        return "no tag: no approvals".into();
    };
    if required.len() < 2 {
        return "fewer than two roles to fill".into();
    }
    let people = People::from_policy(policy);
    let approvals = counted(facts.approvals, required, commit, policy);
    let approvers: Vec<(String, String)> = approvals
        .iter()
        .map(|a| (a.role.clone(), people.person(&a.actor)))
        .collect();
    // A role nobody approved is promote-approvals' finding, not this one.
    if required
        .iter()
        .any(|role| !approvers.iter().any(|(r, _)| r == role))
        || distinct_people_fill(required, &approvers)
    {
        return "each role by a different person".into();
    }
    for approval in &approvals {
        let person = people.person(&approval.actor);
        let roles: Vec<&str> = required
            .iter()
            .filter(|role| approvers.contains(&((*role).clone(), person.clone())))
            .map(String::as_str)
            .collect();
        if roles.len() >= 2 {
            out.push(
                Finding::error(
                    SodTwoRoles::ID,
                    facts.subject(),
                    format!(
                        "{} approved {} as both {}: {} needs a different person for each role",
                        approval.actor,
                        facts.version,
                        roles.join(" and "),
                        facts.scope
                    ),
                )
                .with_hint(format!(
                    "ask another member of {} to approve",
                    roles.join(" or ")
                )),
            );
            break;
        }
    }
    "one person fills two roles".into()
}
