use super::{PullRequestFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// A pull request has at least `[pull_requests] min_approvals` approvals.
    ///
    /// The latest review of each reviewer counts, comments are ignored, the author's own
    /// reviews never count, with `dismiss_stale` an approval of an older head commit does
    /// not count, and only reviewers who can push to the repository count.
    ///
    /// ## Why
    /// Hooks can be skipped; the pull-request gate runs on GitHub's runners and cannot.
    /// An approval given before the last push approved code that is no longer there. On a
    /// public repository anyone can review: like GitHub's own required reviews, only an
    /// account with write access approves.
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
    if !reviews.not_counted.is_empty() {
        parts.push(format!(
            "not counted: {}",
            reviews
                .not_counted
                .iter()
                .map(|(login, why)| format!("@{login} cannot push to {} ({why})", facts.repository))
                .collect::<Vec<_>>()
                .join(", ")
        ));
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
    let hint = if !reviews.stale.is_empty() {
        "ask the reviewers of older commits to approve the latest push"
    } else if !reviews.not_counted.is_empty() {
        "ask for a review from someone who can push to the repository"
    } else {
        "request reviews from people other than the author"
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
    use crate::policy::Source;
    use crate::report::Subject;
    use crate::rules::reviews::ReviewSummary;

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
            repository: "octo/app",
            reviews: &reviews,
            policy_changed: false,
            gate_files_changed: &[],
            changed_files: &[],
            code_owners: None,
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
