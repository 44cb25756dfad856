use super::declare_rule;

declare_rule! {
    /// ## What it checks
    /// Every check run or commit status named in `[release.ci] required` succeeded on
    /// exactly the commit being released. Pending is not success; a name that did not
    /// run on that commit is missing. A failed check that is not required is a warning.
    ///
    /// ## Why
    /// A release must be the commit CI tested, not its parent or a sibling with the same
    /// branch name, and not a commit whose tests are still running.
    ///
    /// ## Example
    /// With `required = ["build", "test"]`, a `test` run still in progress on the commit
    /// blocks `reltag cut`: "the required check `test` is still pending on 1a2b3c4d5e6f".
    ///
    /// ## Configuration
    /// `[release] criteria` containing `"ci"`; `[release.ci] required`: check-run names
    /// (the job names GitHub shows) or status contexts. Needs GITHUB_TOKEN or GH_TOKEN.
    ///
    /// ## How to fix
    /// Wait for the checks to finish, or fix and re-run the failed ones on that commit.
    pub struct ReleaseCi { id: "release-ci", group: Release }
}
