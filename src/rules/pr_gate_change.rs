use super::{PullRequestFacts, declare_rule, pr_policy_change};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// A pull request that changes the files running the gate is approved by a policy
    /// approver. That is a member of a role in `[pull_requests] policy_approvers`; the
    /// files are every workflow (`.github/workflows/`), the local actions workflows use
    /// (`.github/actions/`, and
    /// `action.yml`, `action.yaml` and `action/` at the root, for `uses: ./`), and the
    /// `CODEOWNERS` files that protect them.
    ///
    /// ## Why
    /// The gate is a workflow. A pull request that edits it can pin an older reltag, drop
    /// the step, or add a workflow that reports a passing check under the gate's name:
    /// every workflow counts, because any of them can. Such a change needs the people who
    /// own the release process, as a change to the policy does. GitHub runs a pull
    /// request's own copy of a workflow, so protect `.github/` with CODEOWNERS or an
    /// organisation's required workflows as well (README: "Protecting the gate").
    ///
    /// ## Example
    /// A pull request that changes `uses: reltag/reltag@<sha>` in
    /// `.github/workflows/reltag.yml`, with `policy_approvers = ["release-managers"]` and
    /// no approval from a release manager, is blocked.
    ///
    /// ## Configuration
    /// `[pull_requests] policy_approvers`: role names from `[roles]`, whose members are
    /// `@github-logins`. Without it, a change to the gate is a warning.
    ///
    /// ## How to fix
    /// Ask a member of one of the roles to approve the pull request.
    pub struct PrGateChange { id: "pr-gate-change", group: PullRequest }
}

/// Whether a path (relative to the repository root, `/`-separated) is one of the files
/// that run or protect the gate.
pub fn is_gate_file(path: &str) -> bool {
    const DIRECTORIES: [&str; 3] = [".github/workflows/", ".github/actions/", "action/"];
    const FILES: [&str; 5] = [
        "action.yml",
        "action.yaml",
        "CODEOWNERS",
        ".github/CODEOWNERS",
        "docs/CODEOWNERS",
    ];
    DIRECTORIES.iter().any(|dir| path.starts_with(dir)) || FILES.contains(&path)
}

/// How many paths a finding names before it says "and N more".
const LISTED: usize = 5;

pub fn check(facts: &PullRequestFacts, policy: &Policy, out: &mut Vec<Finding>) {
    if facts.gate_files_changed.is_empty() {
        return;
    }
    let mut files = facts
        .gate_files_changed
        .iter()
        .take(LISTED)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if facts.gate_files_changed.len() > LISTED {
        files.push_str(&format!(
            " and {} more",
            facts.gate_files_changed.len() - LISTED
        ));
    }
    let roles = pr_policy_change::approver_roles(policy);
    if roles.is_empty() {
        out.push(
            Finding::warning(
                PrGateChange::ID,
                facts.subject.clone(),
                format!(
                    "this pull request changes the files that run the gate ({files}), and no role must approve such changes (pull_requests.policy_approvers is empty)"
                ),
            )
            .with_hint("set [pull_requests] policy_approvers to the roles that own the release process"),
        );
        return;
    }
    if pr_policy_change::approved_by_a_role(facts, policy, &roles) {
        return;
    }
    let roles = roles.join(" or ");
    out.push(
        Finding::error(
            PrGateChange::ID,
            facts.subject.clone(),
            format!(
                "this pull request changes the files that run the gate ({files}); a member of {roles} must approve it (pull_requests.policy_approvers)"
            ),
        )
        .with_hint(format!(
            "ask a member of {roles} ([roles] in the base branch's policy) to approve"
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Severity, Subject};
    use crate::rules::reviews::ReviewSummary;

    fn run(policy_toml: &str, changed: &[&str], approved: &[&str]) -> Vec<Finding> {
        let policy = Policy::from_toml(
            policy_toml,
            "policy.toml",
            crate::policy::Source::File("policy.toml".into()),
        )
        .unwrap();
        let subject = Subject::PullRequest {
            number: 7,
            title: "Bump the gate".into(),
        };
        let reviews = ReviewSummary {
            approved: approved.iter().map(|s| s.to_string()).collect(),
            ..ReviewSummary::default()
        };
        let changed: Vec<String> = changed.iter().map(|s| s.to_string()).collect();
        let facts = PullRequestFacts {
            subject: &subject,
            head_sha: "abc",
            head_branch: "feature/x",
            title: "Bump the gate",
            repository: "octo/app",
            reviews: &reviews,
            policy_changed: false,
            gate_files_changed: &changed,
            changed_files: &changed,
            code_owners: None,
        };
        let mut out = Vec::new();
        check(&facts, &policy, &mut out);
        out
    }

    const APPROVERS: &str = "version = 1\n[roles]\nrelease-managers = [\"@rm\"]\n[pull_requests]\npolicy_approvers = [\"release-managers\"]\n";

    #[test]
    fn gate_files() {
        for path in [
            ".github/workflows/reltag.yml",
            ".github/workflows/nested/x.yaml",
            ".github/actions/gate/action.yml",
            "action.yml",
            "action.yaml",
            "action/install.sh",
            ".github/CODEOWNERS",
            "CODEOWNERS",
            "docs/CODEOWNERS",
        ] {
            assert!(is_gate_file(path), "{path}");
        }
        for path in [
            "src/main.rs",
            "README.md",
            ".github/dependabot.yml",
            "actions.yml",
            "docs/action.yml",
            "src/action/mod.rs",
            ".github/workflowsx/a.yml",
        ] {
            assert!(!is_gate_file(path), "{path}");
        }
    }

    #[test]
    fn no_gate_file_no_finding() {
        assert!(run(APPROVERS, &[], &[]).is_empty());
    }

    #[test]
    fn a_gate_change_needs_a_policy_approver() {
        let out = run(APPROVERS, &[".github/workflows/reltag.yml"], &["dev"]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, "pr-gate-change");
        assert_eq!(out[0].severity, Severity::Error);
        assert_eq!(
            out[0].message,
            "this pull request changes the files that run the gate (.github/workflows/reltag.yml); a member of release-managers must approve it (pull_requests.policy_approvers)"
        );
        // The role's member approves (logins compare without case): nothing blocks.
        assert!(run(APPROVERS, &[".github/workflows/reltag.yml"], &["RM"]).is_empty());
    }

    #[test]
    fn many_files_are_counted_not_listed() {
        let files: Vec<String> = (0..8)
            .map(|i| format!(".github/workflows/w{i}.yml"))
            .collect();
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let out = run(APPROVERS, &files, &[]);
        assert!(
            out[0].message.contains("w4.yml and 3 more)"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn without_approver_roles_it_is_a_warning() {
        let out = run("version = 1\n", &["action.yml"], &[]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, Severity::Warning);
    }
}
