use super::{PullRequestFacts, declare_rule, pr_approvals::logins};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// No reviewer's latest review of a pull request requests changes, when
    /// `[pull_requests] block_on_changes_requested` is on.
    ///
    /// ## Why
    /// Enough approvals from others must not outvote a reviewer who found a problem
    /// and has not withdrawn it.
    ///
    /// ## Example
    /// ann approved, then requested changes: her change request stands until she
    /// approves again or the review is dismissed.
    ///
    /// ## Configuration
    /// `[pull_requests] block_on_changes_requested` (default true).
    ///
    /// ## How to fix
    /// Address the review and ask the reviewer to approve, or have the review dismissed.
    pub struct PrChangesRequested { id: "pr-changes-requested", group: PullRequest }
}

pub fn check(facts: &PullRequestFacts, policy: &Policy, out: &mut Vec<Finding>) {
    if !policy.file.pull_requests.block_on_changes_requested
        || facts.reviews.changes_requested.is_empty()
    {
        return;
    }
    out.push(
        Finding::error(
            PrChangesRequested::ID,
            facts.subject.clone(),
            format!(
                "changes requested by {}",
                logins(&facts.reviews.changes_requested)
            ),
        )
        .with_hint("address the review, then ask for a new approval (or have it dismissed)"),
    );
}
