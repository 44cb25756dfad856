use super::{PullRequestFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// A pull request has at least `[pull_requests] min_approvals` approvals.
    ///
    /// The latest review of each reviewer counts, comments are ignored, the author's own
    /// reviews never count, and with `dismiss_stale` an approval of an older head commit does
    /// not count.
    ///
    /// ## Why
    /// Hooks can be skipped; the pull-request gate runs on GitHub's runners and cannot.
    /// An approval given before the last push approved code that is no longer there.
    ///
    /// ## Example
    /// With `min_approvals = 2`, ann approved the head and bob approved an older commit:
    /// "1 of 2 approvals: approved by @ann; bob's approval is of an older commit".
    ///
    /// ## Configuration
    /// `[pull_requests] min_approvals` (default 1), `dismiss_stale` (default true).
    ///
    /// ## How to fix
    /// Ask for reviews, or for a fresh approval after pushing.
    pub struct PrApprovals { id: "pr-approvals", group: PullRequest }
}

pub fn check(facts: &PullRequestFacts, policy: &Policy, out: &mut Vec<Finding>) {
    let min = policy.file.pull_requests.min_approvals as usize;
    let reviews = facts.reviews;
    let have = reviews.approved.len();
    if have >= min {
        return;
    }
    let mut parts = vec![format!("{have} of {min} required approvals")];
    if reviews.approved.is_empty() {
        parts.push("nobody has approved the head commit".into());
    } else {
        parts.push(format!("approved by {}", logins(&reviews.approved)));
    }
    parts.push(format!("{} more needed", min - have));
    for (login, commit) in &reviews.stale {
        parts.push(format!(
            "@{login} approved {}, not the head {}",
            short(commit),
            short(facts.head_sha)
        ));
    }
    if !reviews.dismissed.is_empty() {
        parts.push(format!("dismissed: {}", logins(&reviews.dismissed)));
    }
    if reviews.self_reviews > 0 {
        parts.push(format!(
            "the author's own review{} not counted",
            if reviews.self_reviews == 1 {
                " is"
            } else {
                "s are"
            }
        ));
    }
    let hint = if reviews.stale.is_empty() {
        "request reviews from people other than the author"
    } else {
        "ask the reviewers of older commits to approve the latest push"
    };
    out.push(
        Finding::error(PrApprovals::ID, facts.subject.clone(), parts.join("; ")).with_hint(hint),
    );
}

pub(crate) fn logins(list: &[String]) -> String {
    list.iter()
        .map(|l| format!("@{l}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::github::reviews::ReviewSummary;
    use crate::policy::Source;
    use crate::report::Subject;

    #[test]
    fn missing_approvals_name_who_approved_and_what_is_missing() {
        let policy = Policy::from_toml(
            "[pull_requests]\nmin_approvals = 2",
            "policy.toml",
            Source::Default,
        )
        .unwrap();
        let reviews = ReviewSummary {
            approved: vec!["ann".into()],
            stale: vec![("bob".into(), "0123456789abcdef".into())],
            ..Default::default()
        };
        let subject = Subject::Repository;
        let facts = PullRequestFacts {
            subject: &subject,
            head_sha: "fedcba9876543210",
            head_branch: "feature/PAY-1-x",
            title: "PAY-1 x",
            reviews: &reviews,
            policy_changed: false,
        };
        let mut out = Vec::new();
        check(&facts, &policy, &mut out);
        assert_eq!(
            out[0].message,
            "1 of 2 required approvals; approved by @ann; 1 more needed; @bob approved 0123456789ab, not the head fedcba987654"
        );
        let reviews = ReviewSummary {
            approved: vec!["ann".into(), "cat".into()],
            ..Default::default()
        };
        let mut out = Vec::new();
        check(
            &PullRequestFacts {
                reviews: &reviews,
                ..facts
            },
            &policy,
            &mut out,
        );
        assert!(out.is_empty());
    }
}
