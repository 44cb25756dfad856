use super::pr_approvals::logins;
use super::pr_code_owners::listed;
use super::{PullRequestFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// A pull request that changes paths a `[[pull_requests.rules]]` entry names has that
    /// entry's approvals.
    ///
    /// Each entry whose `paths` match a changed file (a renamed file under both names)
    /// needs `min_approvals` approvals from members (`@login`) of its `approvers` roles,
    /// or from anyone when it names none. Only approvals that count toward
    /// `min_approvals` count here: by accounts that can push, on the head commit with
    /// `dismiss_stale`, not the author's own.
    ///
    /// ## Why
    /// Some changes need particular people, or more of them: a migration a DBA has seen,
    /// a change to the payment code two reviewers agreed on. The policy says so where the
    /// rest of the process is written, and the base branch's copy decides.
    ///
    /// ## Example
    /// With `paths = ["db/"]`, `approvers = ["dba"]` and `dba = ["@dana"]`, a pull
    /// request changing `db/schema.sql` approved only by @ann is blocked: "changes to
    /// db/schema.sql need 1 approval from dba ([[pull_requests.rules]] #1 `db/`); none so
    /// far".
    ///
    /// ## Configuration
    /// `[[pull_requests.rules]]` with `paths` (patterns as in CODEOWNERS), `approvers`
    /// (roles) and `min_approvals` (default 1).
    ///
    /// ## How to fix
    /// Ask members of the roles named for reviews.
    pub struct PrPathApprovals { id: "pr-path-approvals", group: PullRequest }
}

pub fn check(facts: &PullRequestFacts, policy: &Policy, out: &mut Vec<Finding>) {
    for rule in &policy.path_rules {
        let touched = rule.touched(facts.changed_files);
        if touched.is_empty() {
            continue;
        }
        let mut members: Vec<String> = Vec::new();
        for member in rule
            .approvers
            .iter()
            .flat_map(|role| policy.role_members(role))
        {
            if let Some(login) = member.trim().strip_prefix('@')
                && !members.iter().any(|m| m.eq_ignore_ascii_case(login))
            {
                members.push(login.to_string());
            }
        }
        let counted: Vec<String> = facts
            .reviews
            .approved
            .iter()
            .filter(|login| {
                rule.approvers.is_empty() || members.iter().any(|m| m.eq_ignore_ascii_case(login))
            })
            .cloned()
            .collect();
        let min = rule.min_approvals as usize;
        if counted.len() >= min {
            continue;
        }
        let from = if rule.approvers.is_empty() {
            String::new()
        } else {
            format!(" from {}", rule.approvers.join(" or "))
        };
        let patterns: Vec<String> = rule.paths.iter().map(|p| format!("`{p}`")).collect();
        let so_far = if counted.is_empty() {
            "none so far".to_string()
        } else {
            format!("{} so far, by {}", counted.len(), logins(&counted))
        };
        let hint = if rule.approvers.is_empty() {
            "ask for more reviews from people who can push to the repository".to_string()
        } else if members.is_empty() {
            format!(
                "{} has no GitHub login (@login) among its members: add the reviewers' logins to the role",
                rule.approvers.join(" and ")
            )
        } else {
            // Those whose approval already counts are not asked again.
            let others: Vec<String> = members
                .iter()
                .filter(|m| !counted.iter().any(|c| c.eq_ignore_ascii_case(m)))
                .cloned()
                .collect();
            if others.is_empty() {
                format!(
                    "every member of {} has approved: add members to the role, or lower min_approvals",
                    rule.approvers.join(" and ")
                )
            } else {
                format!("ask {} for a review", logins(&others))
            }
        };
        out.push(
            Finding::error(
                PrPathApprovals::ID,
                facts.subject.clone(),
                format!(
                    "changes to {} need {min} approval{}{from} ([[pull_requests.rules]] #{} {}); {so_far}",
                    listed(&touched),
                    if min == 1 { "" } else { "s" },
                    rule.number,
                    patterns.join(" "),
                ),
            )
            .with_hint(hint),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Source;
    use crate::report::Subject;
    use crate::rules::reviews::ReviewSummary;

    const POLICY: &str = r#"
[[pull_requests.rules]]
paths = ["db/", "*.sql"]
approvers = ["dba"]

[[pull_requests.rules]]
paths = ["/payments/**"]
min_approvals = 2

[roles]
dba = ["@dana", "dba@example.com"]
"#;

    fn run(changed: &[&str], approved: &[&str]) -> Vec<String> {
        let policy = Policy::from_toml(POLICY, "policy.toml", Source::Default).unwrap();
        let reviews = ReviewSummary {
            approved: approved.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let changed: Vec<String> = changed.iter().map(|s| s.to_string()).collect();
        let subject = Subject::Repository;
        let mut out = Vec::new();
        check(
            &PullRequestFacts {
                subject: &subject,
                head_sha: "h",
                head_branch: "b",
                title: "t",
                repository: "octo/app",
                reviews: &reviews,
                policy_changed: false,
                gate_files_changed: &[],
                changed_files: &changed,
                code_owners: None,
            },
            &policy,
            &mut out,
        );
        out.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn each_rule_that_applies_needs_its_approvals() {
        assert_eq!(
            run(
                &["db/schema.sql", "src/x.rs", "payments/api/pay.rs"],
                &["ann"]
            ),
            [
                "changes to db/schema.sql need 1 approval from dba ([[pull_requests.rules]] #1 `db/` `*.sql`); none so far",
                "changes to payments/api/pay.rs need 2 approvals ([[pull_requests.rules]] #2 `/payments/**`); 1 so far, by @ann",
            ]
        );
        assert!(run(&["db/schema.sql", "payments/x"], &["DANA", "ann"]).is_empty());
        assert!(run(&["src/x.rs"], &[]).is_empty());
    }

    #[test]
    fn path_rules_are_validated_where_they_are_written() {
        let problems = |text: &str| match Policy::from_toml(text, "p", Source::Default) {
            Ok(p) => p
                .warnings
                .iter()
                .map(|w| format!("{}:{} {}", w.line, w.column, w.message))
                .collect::<Vec<_>>(),
            Err(e) => e
                .problems
                .iter()
                .map(|w| format!("{}:{} {}", w.line, w.column, w.message))
                .collect(),
        };
        assert_eq!(
            problems(
                "[[pull_requests.rules]]\npaths = [\"!db/\"]\napprovers = [\"nobody\"]\nmin_approvals = 0\n"
            ),
            [
                "2:10 invalid path pattern: `!` (negation) does not work in CODEOWNERS patterns: GitHub skips such a line",
                "3:14 unknown role `nobody` in [[pull_requests.rules]] #1 approvers: no roles are defined: add it under [roles]",
                "4:17 min_approvals = 0 asks for nothing: expected 1 or more",
            ]
        );
        assert_eq!(
            problems("[[pull_requests.rules]]\npaths = []\n"),
            [
                "2:9 [[pull_requests.rules]] #1 has no paths: expected patterns such as paths = [\"db/\"]"
            ]
        );
        assert!(
            problems("[[pull_requests.rules]]\npaths = [\"db/\"]\napprovers = [\"dba\"]\n[roles]\ndba = [\"dba@example.com\"]\n")[0]
                .starts_with("3:14 role `dba` has no GitHub login")
        );
    }
}
