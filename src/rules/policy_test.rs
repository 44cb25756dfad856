use super::declare_rule;

declare_rule! {
    /// ## What it checks
    /// Each `reltag test` scenario gets from the policy the verdict and rules it expects.
    ///
    /// When a scenario names them, the rules that block (`rules`) and warn (`warnings`)
    /// must be exactly those.
    ///
    /// A scenario describes one situation — a branch name, a commit message, a tag, a
    /// push, a pull request with its reviews, changed files and code owners, a promotion
    /// or a cut with the ledger's events — and runs it through the same gates as the
    /// hooks, `check`, `check pr`, `promote` and `cut`, offline.
    ///
    /// ## Why
    /// A change to `policy.toml` changes what every developer's push and every pull
    /// request may do. Scenarios say what the team means the policy to allow and refuse,
    /// so a change that breaks that fails in CI before it merges.
    ///
    /// ## Example
    /// `commit = "Fix login"`, `expect = "blocked"`, `rules = ["commit-jira"]` fails with
    /// "expected blocked by commit-jira, got allowed" after someone sets
    /// `require_jira = false`.
    ///
    /// ## Configuration
    /// Scenario files: `policy-tests/*.toml` at the root of the working tree, or the
    /// files and directories given to `reltag test`. `reltag init` writes an example.
    ///
    /// ## How to fix
    /// Change the policy back, or — if the change is meant — the scenario's expectation.
    pub struct PolicyTest { id: "policy-test", group: Policy }
}
