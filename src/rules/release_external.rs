//! `ci` and `bugs`: their findings are made by the evaluators plugged into
//! `release::criteria::EXTERNAL` (the GitHub and Jira integrations); these declarations
//! give them ids and documentation.

use super::declare_rule;

declare_rule! {
    /// ## What it checks
    /// The check runs and statuses in `[release.ci] required` succeeded on the exact
    /// commit being released. Until the GitHub integration is present, a configured `ci`
    /// criterion cannot be evaluated and the cut stops with exit 3: it never passes
    /// silently.
    ///
    /// ## Why
    /// Green CI on another commit says nothing about this one.
    ///
    /// ## Example
    /// `ci cannot be evaluated yet`.
    ///
    /// ## Configuration
    /// `[release.ci] required`; `ci` in `[release] criteria`.
    ///
    /// ## How to fix
    /// Wait for the required checks, or remove `ci` from `[release] criteria` through review.
    pub struct ReleaseCi { id: "release-ci", group: Release }
}

declare_rule! {
    /// ## What it checks
    /// `reltag cut --hotfix --reason TEXT`: a member of a role in `[emergency] approvers`
    /// approved this version at this commit, and, when `[emergency] jira_prefix` is set,
    /// the release's commits name an issue of that project. Only the criteria in
    /// `[emergency] may_skip` are skipped; the reason is recorded in the ledger.
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
