use super::{PullRequestFacts, declare_rule, jira};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// With `[pull_requests] jira_consistent`, the Jira key in the pull request's branch
    /// name appears in its title.
    ///
    /// ## Why
    /// The branch, the title (often the squash commit's subject) and the ticket should
    /// tell the same story; a mismatch is usually a copy-paste slip.
    ///
    /// ## Example
    /// Branch `feature/PAY-12-login`, title `PAY-13 fix login`: refused.
    ///
    /// ## Configuration
    /// `[pull_requests] jira_consistent` (default false); keys as in `[commits]
    /// jira_projects`.
    ///
    /// ## How to fix
    /// Edit the title to name the branch's key (or rename the branch).
    pub struct PrJiraConsistent { id: "pr-jira-consistent", group: PullRequest }
}

pub fn check(facts: &PullRequestFacts, policy: &Policy, out: &mut Vec<Finding>) {
    if !policy.file.pull_requests.jira_consistent {
        return;
    }
    let projects = &policy.jira_projects;
    let branch_keys: Vec<&str> = jira::find_keys(facts.head_branch.as_bytes(), projects)
        .map(|k| k.key)
        .collect();
    let Some(key) = branch_keys.first() else {
        return;
    };
    let in_title = jira::find_keys(facts.title.as_bytes(), projects).any(|k| k.key == *key);
    if !in_title {
        out.push(
            Finding::error(
                PrJiraConsistent::ID,
                facts.subject.clone(),
                format!(
                    "the branch {} names {key}, and the title does not",
                    facts.head_branch
                ),
            )
            .with_hint(format!("put {key} in the pull request's title")),
        );
    }
}
