use super::{BranchFacts, declare_rule};
use crate::policy::Policy;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// The branch name matches one of `[branches] allowed` and shows what it is. It contains
    /// no control, bidirectional-override or other invisible characters (zero-width, line
    /// separators), so `main\u{200b}` cannot pass for `main`.
    ///
    /// ## Why
    /// Branch names carry the process: `release/v1.2.3` is cut from, `feature/PAY-12-…`
    /// links to its ticket. A bidi override can make a name display as another one.
    ///
    /// ## Example
    /// `my-fix` is refused; `bugfix/PAY-12-login-timeout` passes under the default
    /// policy.
    ///
    /// ## Configuration
    /// `[branches] allowed`: patterns with `{jira}`, `{semver}`, `{major}`, `{minor}`,
    /// `{patch}`, `*` (no `/`) and `**` (anything).
    ///
    /// ## How to fix
    /// Rename the branch: `git branch -m <new-name>` (and push the new name).
    pub struct BranchName { id: "branch-name", group: Branch }
}

pub fn check(facts: &BranchFacts, policy: &Policy, out: &mut Vec<Finding>) {
    let name = facts.name;
    let subject = Subject::Branch {
        name: name.to_string(),
    };
    if let Some(c) = name.chars().find(|c| crate::text::is_unsafe(*c)) {
        out.push(
            Finding::error(
                BranchName::ID,
                subject,
                format!(
                    "the branch name contains the invisible control character U+{:04X}",
                    c as u32
                ),
            )
            .with_hint("rename the branch with visible characters only: git branch -m <new-name>"),
        );
        return;
    }
    if let Some(problem) = refname_problem(name) {
        out.push(
            Finding::error(
                BranchName::ID,
                subject,
                format!("`{name}` is not a valid git branch name: {problem}"),
            )
            .with_hint("see `git help check-ref-format` for what a branch name may contain"),
        );
        return;
    }
    if policy.allowed_branches.is_empty() || policy.allowed_branches.iter().any(|p| p.matches(name))
    {
        return;
    }
    let patterns: Vec<&str> = policy
        .allowed_branches
        .iter()
        .map(|p| p.source.as_str())
        .collect();
    out.push(
        Finding::error(
            BranchName::ID,
            subject,
            format!(
                "the branch name matches none of the allowed patterns: {}",
                patterns.join(", ")
            ),
        )
        .with_hint(format!(
            "rename the branch: git branch -m <new-name>, e.g. {}",
            example_name(name, &patterns, policy)
        )),
    );
}

/// A name the policy allows, like the one given: from a pattern with the same first
/// component (`release/…` for `release/v1.2`), else from a work-branch pattern
/// (`feature/{jira}-*`), else from any pattern with a placeholder.
fn example_name(name: &str, patterns: &[&str], policy: &Policy) -> String {
    let component = |s: &str| s.split_once('/').map(|(first, _)| first.to_string());
    let templated: Vec<&str> = patterns
        .iter()
        .copied()
        .filter(|p| p.contains(['{', '*']))
        .collect();
    let pattern = templated
        .iter()
        .find(|p| component(p).is_some() && component(p) == component(name))
        .or_else(|| templated.iter().find(|p| p.contains("{jira}")))
        .or_else(|| templated.first())
        .or_else(|| patterns.first());
    let Some(pattern) = pattern else {
        return "feature/PAY-123-short-description".to_string();
    };
    let project = policy.jira_projects.first().map_or("PAY", String::as_str);
    pattern
        .replace("{jira}", &format!("{project}-123"))
        .replace("{semver}", "1.2.3")
        .replace("{major}", "1")
        .replace("{minor}", "2")
        .replace("{patch}", "3")
        .replace("**", "short-description")
        .replace('*', "short-description")
}

/// What `git check-ref-format --branch` would refuse, in words.
fn refname_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if let Some(c) = name
        .chars()
        .find(|c| matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\'))
    {
        return Some(match c {
            ' ' => "it contains a space",
            _ => "it contains one of ~ ^ : ? * [ \\",
        });
    }
    if name.contains("..") || name.contains("@{") || name.contains("//") {
        return Some("it contains `..`, `@{` or `//`");
    }
    if name.starts_with('/') || name.ends_with('/') || name.ends_with('.') || name.starts_with('-')
    {
        return Some("it starts with `/` or `-`, or ends with `/` or `.`");
    }
    if name
        .split('/')
        .any(|part| part.starts_with('.') || part.ends_with(".lock"))
    {
        return Some("a component starts with `.` or ends with `.lock`");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_branch_names() {
        let policy = Policy::default_policy();
        let cases = [
            ("main", true),
            ("develop", true),
            ("release/v1.2.3", true),
            ("release/v1.2", true),
            ("release/v1.2.x", false),
            ("feature/PAY-12-login", true),
            ("bugfix/PAY-12-x", true),
            ("hotfix/HOTFIX-3-db", true),
            ("feature/login", false),
            ("my-fix", false),
            ("feature/PAY-12-\u{202E}nigol", false),
            ("feature/PAY-12-$(rm -rf ~);`x`", false),
        ];
        for (name, passes) in cases {
            let mut out = Vec::new();
            check(&BranchFacts { name }, &policy, &mut out);
            assert_eq!(out.is_empty(), passes, "{name}: {out:?}");
        }
    }

    #[test]
    fn the_hint_suggests_a_name_like_the_one_given() {
        let policy = Policy::from_toml(
            "[branches]\nallowed = [\"main\", \"release/v{semver}\", \"feature/{jira}-*\"]",
            "p",
            crate::policy::Source::Default,
        )
        .unwrap();
        let hint = |name: &str| {
            let mut out = Vec::new();
            check(&BranchFacts { name }, &policy, &mut out);
            out[0].hint.clone().unwrap()
        };
        assert_eq!(
            hint("release/v1.2"),
            "rename the branch: git branch -m <new-name>, e.g. release/v1.2.3"
        );
        assert_eq!(
            hint("feature/login"),
            "rename the branch: git branch -m <new-name>, e.g. feature/PAY-123-short-description"
        );
        assert_eq!(
            hint("my-fix"),
            "rename the branch: git branch -m <new-name>, e.g. feature/PAY-123-short-description"
        );
    }

    #[test]
    fn bidi_names_are_refused_with_the_code_point() {
        let mut out = Vec::new();
        check(
            &BranchFacts {
                name: "feature/PAY-1-\u{202E}x",
            },
            &Policy::default_policy(),
            &mut out,
        );
        assert_eq!(
            out[0].message,
            "the branch name contains the invisible control character U+202E"
        );
    }
}
