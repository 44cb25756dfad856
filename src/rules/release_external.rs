//! The emergency release rule of `reltag cut` (`ci` and `bugs` are declared by their
//! integrations: `release_ci.rs`, `release_bugs.rs`).

use super::declare_rule;

declare_rule! {
    /// ## What it checks
    /// An emergency release has an approval from a role in `[emergency] approvers`.
    ///
    /// That is `reltag cut --hotfix --reason TEXT`; the approval is bound to this version at
    /// this commit. When `[emergency] jira_prefix` is set, the release's commits name an
    /// issue of that project. Only the criteria in `[emergency] may_skip` are skipped; the
    /// reason is recorded in the ledger.
    ///
    /// ## Why
    /// An emergency path nobody signs off becomes the normal path.
    ///
    /// ## Example
    /// `no cto approval of v1.2.4 at commit 3f2a…`.
    ///
    /// ## Configuration
    /// `[emergency] approvers`, `jira_prefix`, `may_skip`.
    ///
    /// ## How to fix
    /// Ask an approver to run `reltag approve v1.2.4 --role cto`; name the HOTFIX issue in
    /// a commit message.
    pub struct ReleaseEmergency { id: "release-emergency", group: Release }
}
