//! The shape of `policy.toml`, as serde reads it.
//!
//! Every table denies unknown keys, so a typo is an error with its line and column, never
//! a silently ignored setting. Every table also has per-key defaults (the `Default` impls
//! below): a file that omits a key gets that key's default. Named sets — `[roles]` and
//! `[environments]` — hold only what the file lists, and no per-key default names a role or
//! an environment, so a short file is always valid on its own.
//!
//! Values that are checked after parsing (patterns, windows, durations, role names) are
//! `Spanned`, so a problem found later still points at its line and column.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// `Spanned` for a value that came from a default, not from a file.
pub(crate) fn unspanned<T>(value: T) -> Spanned<T> {
    Spanned::new(0..0, value)
}

fn strings(values: &[&str]) -> Vec<Spanned<String>> {
    values.iter().map(|v| unspanned(v.to_string())).collect()
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
#[cfg_attr(
    test,
    schemars(
        title = "reltag policy",
        description = "policy.toml: the release process reltag enforces. See the README's policy reference."
    )
)]
pub struct PolicyFile {
    /// The schema version of the policy file. Only `1` exists.
    #[cfg_attr(test, schemars(with = "u32"))]
    pub version: Spanned<u32>,
    pub branches: Branches,
    pub commits: Commits,
    pub pull_requests: PullRequests,
    pub tags: Tags,
    pub release: Release,
    #[cfg_attr(test, schemars(with = "BTreeMap<String, Vec<String>>"))]
    pub roles: BTreeMap<String, Vec<Spanned<String>>>,
    pub environments: BTreeMap<String, Environment>,
    pub emergency: Emergency,
    pub jira: Jira,
    pub github: Github,
    pub ledger: Ledger,
    pub notify: Notify,
    pub separation: Separation,
}

impl Default for PolicyFile {
    fn default() -> Self {
        PolicyFile {
            version: unspanned(1),
            branches: Branches::default(),
            commits: Commits::default(),
            pull_requests: PullRequests::default(),
            tags: Tags::default(),
            release: Release::default(),
            roles: BTreeMap::new(),
            environments: BTreeMap::new(),
            emergency: Emergency::default(),
            jira: Jira::default(),
            github: Github::default(),
            ledger: Ledger::default(),
            notify: Notify::default(),
            separation: Separation::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Branches {
    /// Patterns a branch name must match (one of).
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub allowed: Vec<Spanned<String>>,
    /// Patterns of branches that take no direct pushes.
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub protected: Vec<Spanned<String>>,
}

impl Default for Branches {
    fn default() -> Self {
        Branches {
            allowed: strings(&[
                "main",
                "develop",
                "release/v{semver}",
                "release/v{major}.{minor}",
                "feature/{jira}-*",
                "bugfix/{jira}-*",
                "hotfix/{jira}-*",
            ]),
            protected: strings(&["main", "develop", "release/*"]),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum JiraIn {
    /// The key must stand in the subject line.
    Subject,
    /// The key may stand anywhere in the message, trailers included.
    Message,
}

/// Commits that `commit-jira` does not ask a Jira key of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Exemption {
    /// Commits with two or more parents (by parent count, never by message text).
    Merges,
    /// Messages whose subject starts with `Revert "`, as `git revert` writes them.
    Reverts,
    /// `fixup! `, `squash! ` and `amend! ` commits, which `git rebase --autosquash` folds away.
    Fixups,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Commits {
    pub require_jira: bool,
    /// Jira project keys that count; empty means any key that looks like one.
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub jira_projects: Vec<Spanned<String>>,
    pub jira_in: JiraIn,
    pub exempt: Vec<Exemption>,
    /// Regular expressions matched against the subject line: a commit whose subject
    /// matches one needs no Jira key (`^MINOR:`). Anyone can type a subject.
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub exempt_subjects: Vec<Spanned<String>>,
    /// Globs (`*` is any text) matched against the author's name or email, or in the
    /// pull-request gate the author's account on the forge: such commits need no Jira key.
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub exempt_authors: Vec<Spanned<String>>,
    /// A regular expression the subject line must match (e.g. Conventional Commits).
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub subject_pattern: Option<Spanned<String>>,
    /// Look the keys up in Jira (pull-request gate and `cut` only; never in hooks).
    pub verify_jira: bool,
}

impl Default for Commits {
    fn default() -> Self {
        Commits {
            require_jira: true,
            jira_projects: Vec::new(),
            jira_in: JiraIn::Message,
            exempt: vec![Exemption::Merges, Exemption::Reverts, Exemption::Fixups],
            exempt_subjects: Vec::new(),
            exempt_authors: Vec::new(),
            subject_pattern: None,
            verify_jira: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum MergeMethod {
    Merge,
    Squash,
    Rebase,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct PullRequests {
    pub min_approvals: u32,
    pub dismiss_stale: bool,
    pub block_on_changes_requested: bool,
    pub merge_method: MergeMethod,
    pub jira_consistent: bool,
    /// Roles whose approval a pull request that edits the policy needs.
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub policy_approvers: Vec<Spanned<String>>,
    /// A pull request with a commit that needs no Jira key only because of
    /// `[commits] exempt_subjects` needs an approval from a `policy_approvers` member.
    #[cfg_attr(test, schemars(with = "bool"))]
    pub subject_exemptions_need_approval: Spanned<bool>,
    /// Every changed file that CODEOWNERS (at the base commit) gives owners needs an
    /// approval from one of them.
    pub require_code_owners: bool,
    /// Changes to some paths need approvals from some roles.
    pub rules: Vec<PathRuleSpec>,
}

/// `[[pull_requests.rules]]`: a pull request that changes a file matching `paths` needs
/// `min_approvals` approvals from members of the `approvers` roles.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PathRuleSpec {
    /// Patterns as in CODEOWNERS (gitignore style): `db/`, `/migrations/**`, `*.sql`.
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub paths: Spanned<Vec<Spanned<String>>>,
    /// Roles whose members' approvals count; empty: anyone's approval that counts.
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub approvers: Vec<Spanned<String>>,
    /// How many such approvals (default 1).
    #[serde(default = "one_approval")]
    #[cfg_attr(test, schemars(with = "u32"))]
    pub min_approvals: Spanned<u32>,
}

fn one_approval() -> Spanned<u32> {
    unspanned(1)
}

impl Default for PullRequests {
    fn default() -> Self {
        PullRequests {
            min_approvals: 1,
            dismiss_stale: true,
            block_on_changes_requested: true,
            merge_method: MergeMethod::Merge,
            jira_consistent: false,
            policy_approvers: Vec::new(),
            subject_exemptions_need_approval: unspanned(false),
            require_code_owners: false,
            rules: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Tags {
    /// Release tag names: `{semver}`, or `{major}`, `{minor}` and `{patch}`, with literal text.
    #[cfg_attr(test, schemars(with = "String"))]
    pub format: Spanned<String>,
    /// The branch a version is cut from: one template, or several tried in order
    /// (`release/v{major}.{minor}.{patch}`, then the release line `release/v{major}.{minor}`).
    #[cfg_attr(test, schemars(with = "Templates"))]
    pub release_branch: Spanned<Templates>,
    pub sequential: bool,
    pub allow_prerelease: bool,
    /// What a push may do with a tag that is not a release tag (`deploy-marker`, `v1`).
    pub other: OtherTags,
    /// Tags that, once on the remote, are never moved or deleted, besides release tags
    /// (which always are): the same patterns as `[branches] allowed`.
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub protected: Vec<Spanned<String>>,
}

impl Default for Tags {
    fn default() -> Self {
        Tags {
            format: unspanned("v{semver}".to_string()),
            release_branch: unspanned(Templates(vec![
                "release/v{major}.{minor}.{patch}".to_string(),
                "release/v{major}.{minor}".to_string(),
            ])),
            sequential: true,
            allow_prerelease: true,
            other: OtherTags::Allow,
            protected: Vec::new(),
        }
    }
}

/// Pushing a tag that is not a release tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum OtherTags {
    /// Not the release rules' business (only `[tags] protected` applies).
    Allow,
    /// Refused: every pushed tag must be a release tag.
    Refuse,
}

/// One template or a list of them, as `release_branch = "…"` or `release_branch = ["…", "…"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates(pub Vec<String>);

impl<'de> Deserialize<'de> for Templates {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Templates;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a branch template such as \"release/v{major}.{minor}\", or a list of them",
                )
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Templates, E> {
                Ok(Templates(vec![value.to_string()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Templates, A::Error> {
                let mut all = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    all.push(item);
                }
                Ok(Templates(all))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The policy's JSON Schema: one template string, or a list of them.
#[cfg(test)]
impl schemars::JsonSchema for Templates {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Templates".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A branch template such as \"release/v{major}.{minor}\", or a list of them tried in order",
            "anyOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" }, "minItems": 1 }
            ]
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Criterion {
    Coverage,
    Ci,
    Bugs,
    Perf,
    Docs,
    Approvals,
    Command,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Release {
    /// The criteria `reltag cut` checks, by name.
    #[cfg_attr(test, schemars(with = "Vec<Criterion>"))]
    pub criteria: Vec<Spanned<Criterion>>,
    pub coverage: CoverageCriterion,
    pub ci: CiCriterion,
    pub bugs: BugsCriterion,
    pub perf: PerfCriterion,
    pub docs: DocsCriterion,
    pub approvals: ApprovalsCriterion,
    pub command: CommandCriterion,
    /// The largest report or artifact reltag reads (`"4GiB"`, `"500MB"`, or bytes);
    /// unset: [`crate::input::ByteSize::DEFAULT_MAX_FILE`].
    pub max_file_size: Option<crate::input::ByteSize>,
}

impl Release {
    /// `max_file_size`, or its default.
    pub fn max_file_size(&self) -> crate::input::ByteSize {
        self.max_file_size
            .unwrap_or(crate::input::ByteSize::DEFAULT_MAX_FILE)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct CoverageCriterion {
    #[cfg_attr(test, schemars(with = "f64"))]
    pub min_percent: Spanned<f64>,
    pub report: String,
}

impl Default for CoverageCriterion {
    fn default() -> Self {
        CoverageCriterion {
            min_percent: unspanned(90.0),
            report: "coverage/lcov.info".to_string(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct CiCriterion {
    /// Check-run or status names that must have succeeded on the tagged commit.
    pub required: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct BugsCriterion {
    /// JQL; `{version}`, `{major}`, `{minor}`, `{patch}`, `{tag}` are substituted, quoted.
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub jql: Option<Spanned<String>>,
    pub max: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct PerfCriterion {
    pub report: String,
    #[cfg_attr(test, schemars(with = "Option<f64>"))]
    pub p95_ms: Option<Spanned<f64>>,
    #[cfg_attr(test, schemars(with = "Option<f64>"))]
    pub p99_ms: Option<Spanned<f64>>,
    #[cfg_attr(test, schemars(with = "Option<f64>"))]
    pub max_error_percent: Option<Spanned<f64>>,
}

impl Default for PerfCriterion {
    fn default() -> Self {
        PerfCriterion {
            report: "perf/results.jtl".to_string(),
            p95_ms: Some(unspanned(200.0)),
            p99_ms: None,
            max_error_percent: Some(unspanned(1.0)),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct DocsCriterion {
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub paths: Vec<Spanned<String>>,
}

impl Default for DocsCriterion {
    fn default() -> Self {
        DocsCriterion {
            paths: strings(&["CHANGELOG.md", "docs/**"]),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct ApprovalsCriterion {
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub roles: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct CommandCriterion {
    /// A program and its arguments, run without a shell.
    pub argv: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FreezeSpec {
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Environment {
    /// The environment a version must be in before it may come here.
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub from: Option<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub windows: Vec<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "String"))]
    pub timezone: Spanned<String>,
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub notice: Option<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub soak: Option<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub approvals: Vec<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub deployers: Vec<Spanned<String>>,
    #[cfg_attr(test, schemars(with = "Vec<FreezeSpec>"))]
    pub freezes: Vec<Spanned<FreezeSpec>>,
    /// Whether a rollback may happen outside the windows.
    pub rollback_anytime: bool,
}

impl Default for Environment {
    fn default() -> Self {
        Environment {
            from: None,
            windows: Vec::new(),
            timezone: unspanned("UTC".to_string()),
            notice: None,
            soak: None,
            approvals: Vec::new(),
            deployers: Vec::new(),
            freezes: Vec::new(),
            rollback_anytime: true,
        }
    }
}

/// Checks an emergency (`--hotfix`, `--emergency`) may skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Skippable {
    From,
    Windows,
    Freezes,
    Notice,
    Soak,
    Coverage,
    Ci,
    Bugs,
    Perf,
    Docs,
    Command,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Emergency {
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub approvers: Vec<Spanned<String>>,
    pub jira_prefix: Option<String>,
    pub may_skip: Vec<Skippable>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum JiraFlavor {
    Cloud,
    Datacenter,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Jira {
    pub url: Option<String>,
    pub flavor: JiraFlavor,
}

impl Default for Jira {
    fn default() -> Self {
        Jira {
            url: None,
            flavor: JiraFlavor::Cloud,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Github {
    /// Create a GitHub Release with the notes when `cut` pushes the tag.
    pub release: bool,
}

/// `[notify]`: who is told when an event is recorded. A notification is sent after the
/// record and never undoes it; `reltag notify EVENT` sends one again.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Notify {
    /// The published release page (`reltag dashboard`), e.g.
    /// `https://example.github.io/app/`: messages link the version's page under it.
    pub page: Option<String>,
    /// Where messages go.
    pub targets: Vec<NotifyTarget>,
}

/// One place messages go.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NotifyTarget {
    /// The target's name in warnings and in `--dry-run`.
    pub name: String,
    #[cfg_attr(test, schemars(with = "NotifyKind"))]
    pub kind: Spanned<NotifyKind>,
    /// The URL to POST to, when it is not a secret (a webhook behind a token).
    #[serde(default)]
    pub url: Option<String>,
    /// The environment variable that holds the URL (a Slack webhook's URL is its secret).
    #[serde(default)]
    pub url_env: Option<String>,
    /// The environment variable that holds a bearer token for the `Authorization` header.
    #[serde(default)]
    pub token_env: Option<String>,
    /// An email target's SMTP server, `host` or `host:port` (587 unless told): the
    /// connection must be upgraded with STARTTLS before anything is sent.
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub smtp: Option<Spanned<String>>,
    /// An email target's sender, `reltag <releases@example.com>`.
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub from: Option<Spanned<String>>,
    /// An email target's recipients.
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub to: Vec<Spanned<String>>,
    /// The environment variable that holds the SMTP user name (with `password_env`).
    #[serde(default)]
    pub user_env: Option<String>,
    /// The environment variable that holds the SMTP password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// The events that go here: `cut`, `schedule` (the announcement the notice counts
    /// from), `promote-started` (a promotion allowed, before its record is written),
    /// `promote` (the promotion recorded), `rollback`, and `emergency` (any recorded event
    /// made as an emergency).
    pub events: Vec<NotifyEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum NotifyKind {
    /// A Slack incoming webhook: `{"text": …}`.
    Slack,
    /// Any HTTP endpoint: the notice as JSON.
    Webhook,
    /// A Microsoft Teams incoming webhook (a Workflows "post to a channel when a webhook
    /// request is received" URL): an Adaptive Card.
    Teams,
    /// Email over SMTP with STARTTLS (`smtp`, `from`, `to`): a plain-text message.
    Email,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum NotifyEvent {
    Cut,
    Schedule,
    /// A promotion the gate allowed, announced before its record is written.
    #[serde(rename = "promote-started")]
    PromoteStarted,
    Promote,
    Rollback,
    /// An emergency cut, schedule, promote or rollback, whatever its kind: for the
    /// on-call channel that wants only those.
    Emergency,
}

impl NotifyEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyEvent::Cut => "cut",
            NotifyEvent::Schedule => "schedule",
            NotifyEvent::PromoteStarted => "promote-started",
            NotifyEvent::Promote => "promote",
            NotifyEvent::Rollback => "rollback",
            NotifyEvent::Emergency => "emergency",
        }
    }
}

/// `[ledger]`: the audit trail's own settings.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Ledger {
    /// Roles whose members may void a ledger event (`reltag void`): the repair for a
    /// malformed event, or one recorded by mistake. A void by anyone else counts for
    /// nothing.
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    pub admins: Vec<Spanned<String>>,
    /// Every ledger event must be signed by a key bound to its actor (`allowed_signers`,
    /// or `[ledger.openpgp]`): reltag signs what it records (git's signing configuration)
    /// and refuses to record what it cannot sign; an unsigned or wrongly signed event
    /// counts for nothing, and `reltag log` shows it as unverified.
    #[cfg_attr(test, schemars(with = "bool"))]
    pub require_signed: Spanned<bool>,
    /// The allowed signers file (ssh-keygen's format, the one git reads for
    /// `gpg.ssh.allowedSignersFile`), a path in the repository, e.g.
    /// `.reltag/allowed_signers`. Read with the policy; a change to it is a policy change.
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub allowed_signers: Option<Spanned<String>>,
    /// SSH public keys that no longer count, whatever the allowed signers file says
    /// (one per line, as git's `gpg.ssh.revocationFile`), a path in the repository.
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub revoked_signers: Option<Spanned<String>>,
    /// OpenPGP keys by member: `"qa@example.com" = ["<40 hex digits fingerprint>"]`.
    #[cfg_attr(test, schemars(with = "BTreeMap<String, Vec<String>>"))]
    pub openpgp: BTreeMap<String, Vec<Spanned<String>>>,
    /// Armored OpenPGP public keys for `[ledger.openpgp]`, a path in the repository
    /// (without it, the verifier's own keyring supplies them).
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub openpgp_keys: Option<Spanned<String>>,
}

impl Ledger {
    /// Whether the policy names keys to verify events with (a signers file or OpenPGP
    /// members): events are then judged by their signatures.
    pub fn names_keys(&self) -> bool {
        self.allowed_signers.is_some() || !self.openpgp.is_empty()
    }

    /// The key files the policy names: policy too, since a key added there could sign
    /// ledger events.
    pub fn key_files(&self) -> impl Iterator<Item = &str> {
        [
            &self.allowed_signers,
            &self.revoked_signers,
            &self.openpgp_keys,
        ]
        .into_iter()
        .flatten()
        .map(|path| path.get_ref().as_str())
    }
}

/// `[separation]`: separation of duties. Each key set to `false` forbids one way of one
/// person doing two jobs; all are allowed by default.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Separation {
    /// May one person count for two of the roles a version needs? (`sod-two-roles`)
    #[cfg_attr(test, schemars(with = "bool"))]
    pub one_person_two_roles: Spanned<bool>,
    /// May someone deploy a version to an environment that needs approvals when they are
    /// its only approver there? (`sod-deploy-own-approval`)
    #[cfg_attr(test, schemars(with = "bool"))]
    pub deploy_own_approval: Spanned<bool>,
    /// May the person who cut a version approve it? (`sod-cut-approve`)
    #[cfg_attr(test, schemars(with = "bool"))]
    pub cut_and_approve: Spanned<bool>,
    /// May someone approve a release that contains commits they authored?
    /// (`sod-own-commits`)
    #[cfg_attr(test, schemars(with = "bool"))]
    pub approve_own_commits: Spanned<bool>,
    /// One person's other names: `"alice@example.com" = ["@alice", "a.smith@example.org"]`,
    /// so a GitHub login (pull-request reviews, events recorded in GitHub Actions) and an
    /// email (commits, events recorded locally) count as the same person.
    #[cfg_attr(test, schemars(with = "BTreeMap<String, Vec<String>>"))]
    pub people: BTreeMap<String, Vec<Spanned<String>>>,
}

impl Default for Separation {
    fn default() -> Self {
        Separation {
            one_person_two_roles: unspanned(true),
            deploy_own_approval: unspanned(true),
            cut_and_approve: unspanned(true),
            approve_own_commits: unspanned(true),
            people: BTreeMap::new(),
        }
    }
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger {
            admins: Vec::new(),
            require_signed: unspanned(false),
            allowed_signers: None,
            revoked_signers: None,
            openpgp: BTreeMap::new(),
            openpgp_keys: None,
        }
    }
}

/// Where editors find the JSON Schema of this version's policy file: `policy.schema.json`
/// at the release's tag. `reltag init` writes it in a `#:schema` line.
pub fn json_schema_url() -> String {
    let repository = env!("CARGO_PKG_REPOSITORY").replacen(
        "https://github.com/",
        "https://raw.githubusercontent.com/",
        1,
    );
    format!(
        "{repository}/v{}/policy.schema.json",
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod json_schema;
