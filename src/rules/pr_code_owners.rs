use super::pr_approvals::logins;
use super::{PullRequestFacts, declare_rule};
use crate::owners::{LOCATIONS, owned_groups};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// Every changed file that CODEOWNERS gives owners is approved by one of its owners.
    ///
    /// With `require_code_owners`, the pull request's changed files (a renamed file under
    /// both names) are grouped by the CODEOWNERS line that owns each — the **last** line
    /// whose pattern matches, as on GitHub — and each group needs an approval from one of
    /// that line's owners: `@login`, a member of `@org/team`, or the account an email names.
    /// CODEOWNERS is read from the base commit (`.github/CODEOWNERS`, then `CODEOWNERS`, then
    /// `docs/CODEOWNERS`), never from the pull request. Only approvals that count toward
    /// `min_approvals` count here: by accounts that can push, on the head commit with
    /// `dismiss_stale`, not the author's own.
    ///
    /// ## Why
    /// "Changes under `db/` need a DBA": one approval from anyone does not say that the
    /// people who know the code saw the change to it.
    ///
    /// ## Example
    /// With `/db/ @octo/dba` in CODEOWNERS, a pull request changing `db/schema.sql` and
    /// approved only by a front-end developer is blocked: "db/schema.sql is owned by
    /// @octo/dba (.github/CODEOWNERS:4 `/db/`), and none of them approved".
    ///
    /// ## Configuration
    /// `[pull_requests] require_code_owners = true`. Teams are listed through the GitHub
    /// API (the token needs the organization's Members: read), unless `[roles]` has an
    /// entry named as the team (`"@octo/dba" = ["@dana", "@dave"]`); an email owner needs
    /// such an entry. A CODEOWNERS file reltag cannot read, or a team it cannot list,
    /// leaves the gate undecided (exit 3).
    ///
    /// ## How to fix
    /// Ask one of the owners of each group named to review the pull request.
    pub struct PrCodeOwners { id: "pr-code-owners", group: PullRequest }
}

/// How many paths a finding lists before "and N more".
const LISTED: usize = 5;

pub fn check(facts: &PullRequestFacts, policy: &Policy, out: &mut Vec<Finding>) {
    if !policy.file.pull_requests.require_code_owners {
        return;
    }
    let Some(file) = facts.code_owners.and_then(|owners| owners.file.as_ref()) else {
        out.push(
            Finding::error(
                PrCodeOwners::ID,
                facts.subject.clone(),
                format!(
                    "require_code_owners is set, but the base commit has no CODEOWNERS ({})",
                    LOCATIONS.join(", ")
                ),
            )
            .with_hint(
                "commit a CODEOWNERS file to the base branch, or set [pull_requests] require_code_owners = false",
            ),
        );
        return;
    };
    let owners = facts.code_owners.expect("the file came from the facts");
    let approved = &facts.reviews.approved;
    for group in owned_groups(file, facts.changed_files) {
        let rule = group.rule;
        let satisfied = approved
            .iter()
            .any(|login| rule.owners.iter().any(|o| owners.approves_as(login, o)));
        if satisfied {
            continue;
        }
        let names: Vec<String> = rule.owners.iter().map(|o| o.to_string()).collect();
        let members: Vec<String> = rule
            .owners
            .iter()
            .filter_map(|o| owners.members.get(o).map(|m| (o, m)))
            .map(|(owner, m)| {
                if m.logins.is_empty() {
                    format!("{owner} has no members ({})", m.source)
                } else {
                    format!("{owner}: {} ({})", logins(&m.logins), m.source)
                }
            })
            .collect();
        let paths = listed(&group.paths);
        let verb = if group.paths.len() == 1 { "is" } else { "are" };
        let mut hint = format!("ask {} for a review", or_list(&names));
        if !members.is_empty() {
            hint.push_str(&format!("; {}", members.join("; ")));
        }
        out.push(
            Finding::error(
                PrCodeOwners::ID,
                facts.subject.clone(),
                format!(
                    "{paths} {verb} owned by {} ({}:{} `{}`), and none of them approved",
                    names.join(" "),
                    file.path,
                    rule.line,
                    rule.pattern
                ),
            )
            .with_hint(hint),
        );
    }
}

/// `a, b and 3 more`.
pub(crate) fn listed(paths: &[&str]) -> String {
    let shown: Vec<&str> = paths.iter().take(LISTED).copied().collect();
    let more = paths.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn or_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::owners::{CodeOwners, CodeOwnersFacts, Members, Owner};
    use crate::policy::Source;
    use crate::report::Subject;
    use crate::rules::reviews::ReviewSummary;

    fn run(owners: Option<&CodeOwnersFacts>, changed: &[&str], approved: &[&str]) -> Vec<Finding> {
        let policy = Policy::from_toml(
            "[pull_requests]\nrequire_code_owners = true\n",
            "policy.toml",
            Source::Default,
        )
        .unwrap();
        let reviews = ReviewSummary {
            approved: approved.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let changed: Vec<String> = changed.iter().map(|s| s.to_string()).collect();
        let subject = Subject::PullRequest {
            number: 7,
            title: "t".into(),
        };
        let mut out = Vec::new();
        check(
            &PullRequestFacts {
                subject: &subject,
                head_sha: "h",
                head_branch: "feature/PAY-1-x",
                title: "t",
                repository: "octo/app",
                reviews: &reviews,
                policy_changed: false,
                gate_files_changed: &[],
                changed_files: &changed,
                code_owners: owners,
            },
            &policy,
            &mut out,
        );
        out
    }

    fn facts() -> CodeOwnersFacts {
        let file =
            CodeOwners::parse(".github/CODEOWNERS", b"* @lead\n/db/ @octo/dba\n/docs/\n").unwrap();
        let mut facts = CodeOwnersFacts {
            file: Some(file),
            ..Default::default()
        };
        facts.members.insert(
            Owner::Team {
                org: "octo".into(),
                team: "dba".into(),
            },
            Members {
                logins: vec!["dana".into()],
                source: "GitHub".into(),
            },
        );
        facts
    }

    #[test]
    fn each_group_without_its_owners_approval_is_named() {
        let facts = facts();
        let found = run(
            Some(&facts),
            &["db/a.sql", "db/b.sql", "src/x.rs", "docs/y.md"],
            &["ann"],
        );
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "src/x.rs is owned by @lead (.github/CODEOWNERS:1 `*`), and none of them approved",
                "db/a.sql, db/b.sql are owned by @octo/dba (.github/CODEOWNERS:2 `/db/`), and none of them approved",
            ]
        );
        assert_eq!(
            found[1].hint.as_deref(),
            Some("ask @octo/dba for a review; @octo/dba: @dana (GitHub)")
        );
        // A team member's approval and the lead's satisfy both; docs/ has no owner.
        assert!(
            run(
                Some(&facts),
                &["db/a.sql", "src/x.rs", "docs/y.md"],
                &["Dana", "lead"]
            )
            .is_empty()
        );
        assert!(run(Some(&facts), &["docs/y.md"], &[]).is_empty());
    }

    #[test]
    fn no_codeowners_at_the_base_blocks_when_required() {
        let found = run(Some(&CodeOwnersFacts::default()), &["a"], &["ann"]);
        assert!(
            found[0]
                .message
                .starts_with("require_code_owners is set, but the base commit has no CODEOWNERS"),
            "{found:?}"
        );
    }
}
