//! The rules: one file each, with its id, its user documentation (what `reltag explain`
//! prints) and a pure check function over plain data. Rules never do I/O.

pub mod branch_name;
pub mod branch_protected;
pub mod commit_empty;
pub mod commit_encoding;
pub mod commit_jira;
pub mod commit_jira_exists;
pub mod commit_subject;
pub mod jira;
pub mod ledger_signed;
pub mod policy_test;
pub mod pr_approvals;
pub mod pr_changes_requested;
pub mod pr_code_owners;
pub mod pr_gate_change;
pub mod pr_jira_consistent;
pub mod pr_path_approvals;
pub mod pr_policy_change;
pub mod pr_subject_exemption;
pub mod promote_approvals;
pub mod promote_artifact;
pub mod promote_concurrent;
pub mod promote_deployer;
pub mod promote_emergency;
pub mod promote_freeze;
pub mod promote_from;
pub mod promote_notice;
pub mod promote_rolled_back;
pub mod promote_soak;
pub mod promote_version;
pub mod promote_window;
pub mod release_approvals;
pub mod release_branch;
pub mod release_bugs;
pub mod release_ci;
pub mod release_command;
pub mod release_coverage;
pub mod release_docs;
pub mod release_external;
pub mod release_perf;
pub mod release_version;
pub mod reviews;
pub mod separation;
pub mod sod_cut_approve;
pub mod sod_deploy_own_approval;
pub mod sod_own_commits;
pub mod sod_two_roles;
pub mod tag_format;
pub mod tag_moved;
pub mod tag_on_release_branch;
pub mod tag_semver;
pub mod tag_sequence;

use crate::report::Subject;

/// Declares a rule: its id and its documentation, taken from the doc comment so the
/// docs a developer reads in the source are the docs a user reads in `reltag explain`.
macro_rules! declare_rule {
    ($(#[doc = $doc:literal])* pub struct $name:ident { id: $id:literal, group: $group:ident }) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const ID: &'static str = $id;
            pub const INFO: $crate::rules::RuleInfo = $crate::rules::RuleInfo {
                id: $id,
                group: $crate::rules::Group::$group,
                docs: concat!($($doc, "\n"),*),
            };
        }
    };
}
pub(crate) use declare_rule;

/// What a rule looks at, in the spirit of ruff's lint sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Message,
    Branch,
    Tag,
    Policy,
    /// The checks and criteria of `reltag cut`.
    Release,
    /// A promotion or rollback of a version into an environment.
    Promotion,
    /// Answers from Jira (network: `cut`, `check bugs`, the pull-request gate).
    Jira,
    /// A pull request's reviews and metadata, from the forge.
    PullRequest,
}

/// A rule's identity and documentation, as listed by `reltag explain`.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    pub id: &'static str,
    pub group: Group,
    /// Markdown, from the rule's doc comment (each line has one leading space).
    pub docs: &'static str,
}

impl RuleInfo {
    /// The documentation with the doc-comment indentation removed.
    pub fn text(&self) -> String {
        self.docs
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The first sentence of "What it checks", for the rule list. A sentence ends at a
    /// `.` followed by a space, outside backticks and parentheses and not after an
    /// abbreviation (`e.g.`), or at the end of the paragraph; each rule's docs start with
    /// a sentence that says it all.
    pub fn summary(&self) -> String {
        let text = self.text();
        let paragraph: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("## What it checks"))
            .skip(1)
            .skip_while(|l| l.trim().is_empty())
            .take_while(|l| !l.trim().is_empty())
            .map(str::trim)
            .collect();
        let paragraph = paragraph.join(" ");
        let (mut in_code, mut depth) = (false, 0usize);
        for (i, c) in paragraph.char_indices() {
            match c {
                '`' => in_code = !in_code,
                '(' if !in_code => depth += 1,
                ')' if !in_code => depth = depth.saturating_sub(1),
                '.' if !in_code && depth == 0 && paragraph[i + 1..].starts_with(' ') => {
                    let before = &paragraph[..i];
                    let abbreviation = ["e.g", "i.e", "etc", "vs"]
                        .iter()
                        .any(|a| before.ends_with(a));
                    if !abbreviation {
                        return paragraph[..=i].to_string();
                    }
                }
                _ => {}
            }
        }
        paragraph
    }
}

declare_rule! {
    /// ## What it checks
    /// The policy file itself: syntax, unknown keys, patterns, roles, environments,
    /// windows, durations and time zones.
    ///
    /// ## Why
    /// A gate that silently falls back to defaults on a broken file would let
    /// everything through. reltag refuses to run on a broken policy (exit 2).
    ///
    /// ## Example
    /// `windows = ["Tues 18:00-21:00"]` is reported at its line and column:
    /// unknown day `Tues`, expected Mon, Tue, Wed, Thu, Fri, Sat or Sun.
    ///
    /// ## Configuration
    /// The whole of `policy.toml`; see the README's policy reference.
    ///
    /// ## How to fix
    /// Run `reltag check policy` and correct each reported line.
    pub struct PolicyRule { id: "policy", group: Policy }
}

/// Every rule, in the order `reltag explain` lists them: grouped by what they look at, in
/// the order a change meets them — branch, commit message, tag, pull request, release,
/// promotion, and the policy itself. Ids are never reused.
pub const ALL: &[RuleInfo] = &[
    branch_name::BranchName::INFO,
    branch_protected::BranchProtected::INFO,
    commit_empty::CommitEmpty::INFO,
    commit_jira::CommitJira::INFO,
    commit_jira_exists::CommitJiraExists::INFO,
    commit_subject::CommitSubject::INFO,
    commit_encoding::CommitEncoding::INFO,
    tag_format::TagFormatRule::INFO,
    tag_semver::TagSemver::INFO,
    tag_sequence::TagSequence::INFO,
    tag_on_release_branch::TagOnReleaseBranch::INFO,
    tag_moved::TagMoved::INFO,
    pr_approvals::PrApprovals::INFO,
    pr_changes_requested::PrChangesRequested::INFO,
    pr_policy_change::PrPolicyChange::INFO,
    pr_gate_change::PrGateChange::INFO,
    pr_subject_exemption::PrSubjectExemption::INFO,
    pr_jira_consistent::PrJiraConsistent::INFO,
    pr_code_owners::PrCodeOwners::INFO,
    pr_path_approvals::PrPathApprovals::INFO,
    release_version::ReleaseVersion::INFO,
    release_branch::ReleaseBranch::INFO,
    release_coverage::ReleaseCoverage::INFO,
    release_ci::ReleaseCi::INFO,
    release_bugs::ReleaseBugs::INFO,
    release_perf::ReleasePerf::INFO,
    release_docs::ReleaseDocs::INFO,
    release_approvals::ReleaseApprovals::INFO,
    release_command::ReleaseCommand::INFO,
    release_external::ReleaseEmergency::INFO,
    promote_version::PromoteVersion::INFO,
    promote_from::PromoteFrom::INFO,
    promote_soak::PromoteSoak::INFO,
    promote_window::PromoteWindow::INFO,
    promote_freeze::PromoteFreeze::INFO,
    promote_notice::PromoteNotice::INFO,
    promote_approvals::PromoteApprovals::INFO,
    promote_deployer::PromoteDeployer::INFO,
    promote_artifact::PromoteArtifact::INFO,
    promote_rolled_back::PromoteRolledBack::INFO,
    promote_emergency::PromoteEmergency::INFO,
    promote_concurrent::PromoteConcurrent::INFO,
    sod_two_roles::SodTwoRoles::INFO,
    sod_deploy_own_approval::SodDeployOwnApproval::INFO,
    sod_cut_approve::SodCutApprove::INFO,
    sod_own_commits::SodOwnCommits::INFO,
    ledger_signed::LedgerSigned::INFO,
    PolicyRule::INFO,
    policy_test::PolicyTest::INFO,
];

/// Every release criterion `[release] criteria` can name, each declared in its rule file:
/// its name, rule, whether an emergency may skip it, whether `evidence record` records
/// it, and how it is gathered and decided. `cut`, `evidence record` and the release gate
/// (`gates::release`) take them from here.
pub const CRITERIA: &[crate::release::criteria::CriterionEntry] = &[
    release_coverage::CRITERION,
    release_ci::CRITERION,
    release_bugs::CRITERION,
    release_perf::CRITERION,
    release_docs::CRITERION,
    release_approvals::CRITERION,
    release_command::CRITERION,
];

pub fn find(id: &str) -> Option<&'static RuleInfo> {
    ALL.iter().find(|r| r.id == id)
}

/// One commit message, as the message rules see it.
#[derive(Debug, Clone, Copy)]
pub struct MessageFacts<'a> {
    /// What findings name: the commit, or the message file.
    pub subject: &'a Subject,
    /// The message bytes, after git's cleanup (comments and scissors removed).
    pub message: &'a [u8],
    /// Number of parents when the message belongs to a commit (or a merge in progress).
    pub parent_count: Option<usize>,
    /// The commit's `encoding` header, if any.
    pub encoding: Option<&'a str>,
    /// Who made the commit; `None` for a message that is not a commit yet (the commit-msg
    /// hook, `check message`, a pull request's squash message).
    pub author: Option<AuthorFacts<'a>>,
}

/// Who made a commit, as `[commits] exempt_authors` sees it.
#[derive(Debug, Clone, Copy)]
pub struct AuthorFacts<'a> {
    /// The author header's name and email: what the commit claims.
    pub name: &'a str,
    pub email: &'a str,
    pub account: ForgeAccount<'a>,
}

/// The forge's account for a commit's author.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgeAccount<'a> {
    /// No forge was asked (hooks, `check`): the commit's claim is all there is.
    NotAsked,
    /// The forge links the commit to this account (GitHub: the commit's `author.login`).
    Linked(&'a str),
    /// The forge was asked and links the commit to no account: the claim proves nothing.
    Unlinked,
}

impl MessageFacts<'_> {
    /// The message without a leading UTF-8 byte order mark. Editors on Windows save one; git
    /// stores it verbatim, and it is invisible, so a key right after it must still count (and
    /// count the same in the hook, which sees the file, and at the push, which sees the commit).
    pub fn text(&self) -> &[u8] {
        self.message
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(self.message)
    }

    /// The first line, as bytes (without a byte order mark or a CR).
    pub fn subject_line(&self) -> &[u8] {
        let line = self.text().split(|b| *b == b'\n').next().unwrap_or(b"");
        line.strip_suffix(b"\r").unwrap_or(line)
    }
}

/// A pull request, as the pull-request rules see it, whatever the forge.
#[derive(Debug, Clone, Copy)]
pub struct PullRequestFacts<'a> {
    pub subject: &'a Subject,
    pub head_sha: &'a str,
    pub head_branch: &'a str,
    pub title: &'a str,
    /// The base repository, as the forge names it (`octo/app`).
    pub repository: &'a str,
    pub reviews: &'a reviews::ReviewSummary,
    /// Whether the pull request edits the policy file.
    pub policy_changed: bool,
    /// The files it changes that run or protect the gate (`pr_gate_change::is_gate_file`).
    pub gate_files_changed: &'a [String],
    /// Every path it changes (a renamed file under both names).
    pub changed_files: &'a [String],
    /// The code owners at the base commit, with their members, when `[pull_requests]
    /// require_code_owners` asks for them.
    pub code_owners: Option<&'a crate::owners::CodeOwnersFacts>,
}

/// A branch name, as the branch rules see it.
#[derive(Debug, Clone, Copy)]
pub struct BranchFacts<'a> {
    pub name: &'a str,
}

/// A tag, as the tag rules see it.
#[derive(Debug, Clone, Copy)]
pub struct TagFacts<'a> {
    pub name: &'a str,
    /// Every other tag name in the repository (and on the remote, when known).
    pub existing: &'a [String],
}

/// How a push changes a remote ref.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefChange {
    Create,
    Update,
    Delete,
}

/// One ref a push changes, as the push rules see it.
#[derive(Debug, Clone, Copy)]
pub struct RefPushFacts<'a> {
    /// The full remote ref, e.g. `refs/heads/main`.
    pub refname: &'a str,
    /// The branch or tag name, e.g. `main`.
    pub name: &'a str,
    pub change: RefChange,
    /// For a branch being created: the remote's protected (or default) branch that already
    /// holds every commit it would carry, e.g. `origin/main`; `None` when there is none or
    /// it was not asked (updates, deletions, tags).
    pub already_on: Option<&'a str>,
}

/// Whether a tag's release branch holds the tag's commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseBranchState {
    Contains,
    NotContains,
    /// No local or remote-tracking branch has the release branch's name.
    Missing,
}

/// A pushed release tag and where its commit stands, as `tag-on-release-branch` sees it.
#[derive(Debug, Clone, Copy)]
pub struct TagPlacementFacts<'a> {
    pub refname: &'a str,
    pub name: &'a str,
    /// The full id of the commit the tag points at.
    pub commit: &'a str,
    pub summary: &'a str,
    /// The version's release branches (`Policy::release_branches`, in the policy's
    /// order), each with where the tag's commit stands.
    pub release_branches: &'a [(String, ReleaseBranchState)],
}

/// A version about to enter an environment, as the promotion rules see it. The command
/// gathers all of it (tag, ledger, files, clock) before any rule runs.
#[derive(Debug, Clone, Copy)]
pub struct PromoteFacts<'a> {
    /// The version's tag name, e.g. `v1.2.3`.
    pub version: &'a str,
    /// The environment's name.
    pub env: &'a str,
    /// The environment: its keys, its calendar, its notice and soak, parsed once.
    pub environment: &'a crate::policy::Environment,
    pub now: jiff::Timestamp,
    pub actor: &'a str,
    /// The full id of the commit the tag names; `None` when there is no such tag.
    pub tag_commit: Option<&'a str>,
    pub cut: Option<&'a crate::ledger::CutRecord>,
    /// What currently runs in the `from` environment, if it has one.
    pub from_current: Option<&'a crate::ledger::Deployment>,
    /// The target environment's state.
    pub target: Option<&'a crate::ledger::EnvState>,
    /// Pending schedules of this version for this environment.
    pub schedules: &'a [crate::ledger::ScheduleRecord],
    /// Approvals of this version bound to the tag's commit, for this environment or all.
    pub approvals: &'a [crate::ledger::ApprovalRecord],
    /// Events about this version that the ledger holds but does not count (`[ledger]
    /// require_signed`: unsigned, or signed by a key not bound to their actor): approvals,
    /// deployments, its cut — named where they would have counted, never counted.
    pub refused: &'a [crate::ledger::RefusedEvent],
    /// The author emails of the release's commits (since the previous release tag, or
    /// the tag's whole history), gathered only when `sod-own-commits` runs.
    pub release_authors: &'a [String],
    /// Artifact digests recorded for the version so far (at its cut or first environment).
    pub recorded_artifacts: &'a [crate::ledger::Artifact],
    /// Artifacts given now, with their digests.
    pub artifacts: &'a [crate::ledger::Artifact],
    pub emergency: bool,
    pub reason: Option<&'a str>,
}

impl PromoteFacts<'_> {
    pub fn subject(&self) -> Subject {
        Subject::Tag {
            name: self.version.to_string(),
        }
    }

    /// The instant in the environment's zone, for messages.
    pub fn when(&self, at: jiff::Timestamp) -> String {
        when(&at.to_zoned_datetime(self.environment.calendar.time_zone().clone()))
    }
}

/// `Tue 2026-11-24 18:00 America/New_York`.
pub fn when(at: &jiff::ZonedDateTime) -> String {
    let zone = at.time_zone().iana_name().unwrap_or("UTC").to_string();
    format!("{} {zone}", at.strftime("%a %Y-%m-%d %H:%M"))
}

/// `26 h`, `45 min`, `3 d 2 h`: elapsed time for people.
pub fn span_text(duration: jiff::SignedDuration) -> String {
    let minutes = duration.as_secs().max(0) / 60;
    let (days, hours, mins) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    if minutes < 60 {
        format!("{minutes} min")
    } else if minutes < 48 * 60 {
        let hours = minutes / 60;
        if mins == 0 {
            format!("{hours} h")
        } else {
            format!("{hours} h {mins} min")
        }
    } else if hours == 0 {
        format!("{days} d")
    } else {
        format!("{days} d {hours} h")
    }
}

pub use crate::text::{display_text, is_bidi_control};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Rules decide over plain facts: no rule file reaches a service, a process or the
    /// file system itself (a criterion's entry gathers through `release::gather::Gather`).
    #[test]
    fn no_rule_imports_a_service_or_does_io() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let mut read = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            read += 1;
            for forbidden in [
                "crate::forge",
                "crate::tracker",
                "crate::http",
                "std::process",
                "std::fs",
                "std::net",
                "ureq::",
                "crate::git::command",
            ] {
                assert!(
                    !text.contains(forbidden),
                    "{} uses {forbidden}",
                    path.display()
                );
            }
        }
        assert!(read > 40, "the scan read {read} rule files");
    }

    #[test]
    fn ids_are_unique_and_docs_have_every_section() {
        let mut ids = BTreeSet::new();
        for rule in ALL {
            assert!(ids.insert(rule.id), "duplicate rule id {}", rule.id);
            let text = rule.text();
            for section in [
                "## What it checks",
                "## Why",
                "## Example",
                "## Configuration",
                "## How to fix",
            ] {
                assert!(text.contains(section), "{} lacks {section}", rule.id);
            }
            assert!(!rule.summary().is_empty(), "{} has no summary", rule.id);
        }
    }

    #[test]
    fn summaries_are_whole_sentences_of_one_line() {
        for rule in ALL {
            let summary = rule.summary();
            assert!(
                summary.ends_with('.') && summary.chars().count() <= 120,
                "{}: {summary:?}",
                rule.id
            );
            assert_eq!(
                summary.matches('`').count() % 2,
                0,
                "{}: {summary}",
                rule.id
            );
            assert_eq!(
                summary.matches('(').count(),
                summary.matches(')').count(),
                "{}: {summary}",
                rule.id
            );
        }
        let summary = |id| find(id).unwrap().summary();
        // Cut neither at `e.g.` nor at a colon.
        assert!(summary("tag-format").ends_with("e.g. `v1.2.3` for `v{semver}`."));
        assert!(summary("release-branch").contains("HEAD is on the version's release branch"));
    }

    #[test]
    fn the_list_is_grouped_in_the_order_a_change_meets_the_rules() {
        use Group::*;
        let order = [
            Branch,
            Message,
            Jira,
            Tag,
            PullRequest,
            Release,
            Promotion,
            Policy,
        ];
        let rank = |rule: &RuleInfo| {
            // The Jira rules sit with what they check: keys with commits, bugs with releases.
            let group = match rule.id {
                "commit-jira-exists" => Message,
                "release-bugs" => Release,
                _ => rule.group,
            };
            order.iter().position(|g| *g == group).unwrap()
        };
        let ranks: Vec<usize> = ALL.iter().map(rank).collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "{:?}",
            ALL.iter().map(|r| r.id).collect::<Vec<_>>()
        );
    }
}
