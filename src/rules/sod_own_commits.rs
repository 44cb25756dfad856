use super::separation::{People, SeparationFacts, counted};
use super::{PromoteFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// With `approve_own_commits = false`, no approver of a release authored one of its commits.
    ///
    /// The release's commits are those between the previous release tag and this one (the
    /// tag's whole history for a first release); their author emails are mapped to people
    /// through `[separation.people]`, so an approval given as `@ann` meets a commit by
    /// ann@example.com. Checked when the version is cut (over the approvals of
    /// `[release.approvals] roles`) and when it is promoted (over the approvals that count
    /// for the environment's roles).
    ///
    /// ## Why
    /// A sign-off is a review by someone other than the author. An author approving their
    /// own change is no second look.
    ///
    /// ## Example
    /// dev@example.com wrote a commit of v1.2.0 and approved it as qa: "dev@example.com
    /// approved v1.2.0 as qa, and v1.2.0 contains their own commits".
    ///
    /// ## Configuration
    /// `[separation] approve_own_commits = false` (default `true`: allowed);
    /// `[separation.people]`. Commit authors are what the commits claim (`git commit
    /// --author` can claim anyone): pair it with signed commits where that matters.
    ///
    /// ## How to fix
    /// A ledger admin voids the approval (`reltag void`) and a member of the role who wrote
    /// none of the release's commits approves.
    pub struct SodOwnCommits { id: "sod-own-commits", group: Promotion }
}

pub fn check(facts: &PromoteFacts, policy: &Policy, out: &mut Vec<Finding>) -> String {
    judge(&SeparationFacts::of_promotion(facts), policy, out)
}

pub fn judge(facts: &SeparationFacts, policy: &Policy, out: &mut Vec<Finding>) -> String {
    if *policy.file.separation.approve_own_commits.get_ref() {
        return "allowed by the policy".into();
    }
    let Some(commit) = facts.commit else {
        return "no tag: no commits".into();
    };
    let people = People::from_policy(policy);
    let own: Vec<_> = counted(facts.approvals, &facts.required, commit, policy)
        .into_iter()
        .filter(|a| {
            facts
                .release_authors
                .iter()
                .any(|author| people.same(author, &a.actor))
        })
        .collect();
    if own.is_empty() {
        let authors = facts.release_authors.len();
        return format!(
            "no approver wrote any of its commits ({authors} author{})",
            if authors == 1 { "" } else { "s" }
        );
    }
    for approval in &own {
        out.push(
            Finding::error(
                SodOwnCommits::ID,
                facts.subject(),
                format!(
                    "{} approved {} as {}, and {} contains their own commits",
                    approval.actor, facts.version, approval.role, facts.version
                ),
            )
            .with_hint(format!(
                "a ledger admin voids the approval and a member of {} who wrote none of its commits approves",
                approval.role
            )),
        );
    }
    "approved by an author".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{ApprovalRecord, EventId};
    use crate::policy::Source;

    #[test]
    fn an_approver_who_wrote_a_commit_of_the_release_is_refused_under_any_of_their_names() {
        let policy = Policy::from_toml(
            "[roles]\nqa = [\"@ann\", \"bob@example.com\"]\n[environments.prod]\napprovals = [\"qa\"]\n\
             [separation]\napprove_own_commits = false\n\
             [separation.people]\n\"ann@example.com\" = [\"@ann\"]\n",
            "policy.toml",
            Source::Default,
        )
        .unwrap();
        let commit = "c".repeat(40);
        let approval = |actor: &str| ApprovalRecord {
            role: "qa".into(),
            env: None,
            actor: actor.into(),
            commit: commit.clone(),
            time: "2026-11-24T12:00:00Z".parse().unwrap(),
            comment: None,
            event_id: EventId::random(),
        };
        let run = |approvals: &[ApprovalRecord], authors: &[String]| {
            let facts = PromoteFacts {
                version: "v1.0.0",
                env: "prod",
                environment: policy.environment("prod").unwrap(),
                now: "2026-11-24T12:00:00Z".parse().unwrap(),
                actor: "ops@example.com",
                tag_commit: Some(&commit),
                cut: None,
                from_current: None,
                target: None,
                schedules: &[],
                approvals,
                refused: &[],
                release_authors: authors,
                recorded_artifacts: &[],
                artifacts: &[],
                emergency: false,
                reason: None,
            };
            let mut out = Vec::new();
            check(&facts, &policy, &mut out);
            out.into_iter().map(|f| f.message).collect::<Vec<_>>()
        };
        let authors = vec!["Ann@Example.com".to_string()];
        assert_eq!(
            run(&[approval("@ann")], &authors),
            ["@ann approved v1.0.0 as qa, and v1.0.0 contains their own commits"]
        );
        assert!(run(&[approval("bob@example.com")], &authors).is_empty());
        assert!(run(&[approval("@ann")], &[]).is_empty());
    }
}
