//! The push gate: what `git push` may change, as the pre-push hook checks it.
//!
//! [`run`] is the composition — which gates run for each pushed ref, in which order, and
//! when one stops the rest — over plain inputs (the ref updates, the repository's tag
//! names, the policy) and a [`PushFacts`] source it asks for the rest only when a step
//! needs it: the commits a branch update publishes (never read for a push that
//! `branch-protected` already refuses), and where a release tag's commit stands. Its
//! output goes to the report. [`GitFacts`] answers from the repository.
//!
//! For each ref, in the order git lists them:
//! - a branch: `branch-protected`; unless it found something or the ref is deleted, the
//!   remote branch's name (`BRANCH`) and every commit the push adds (`MESSAGE`);
//! - a tag: `tag-moved`; unless it found something or the ref is deleted, the tag's name
//!   (`TAG`); when that passes and the name is a release version, `tag-on-release-branch`
//!   on the tagged commit (a tag of a tree or blob places nothing);
//! - anything else: not checked (a note with `-v`).

use gix::ObjectId;

use crate::git::{CommitInfo, Repo};
use crate::hooks::pre_push::{PushSelection, RefUpdate, SelectError, UpdateKind};
use crate::policy::Policy;
use crate::report::Report;
use crate::rules::{RefChange, RefPushFacts, ReleaseBranchState, TagPlacementFacts};

/// What the push gate asks about the repository, when it needs it.
pub trait PushFacts {
    type Error;
    /// Hands `each` the commits `update` adds to the remote, newest first, each read once
    /// and handed on as the walk decides it (never all held at once).
    fn new_commits(
        &mut self,
        update: &RefUpdate,
        each: &mut dyn FnMut(CommitInfo),
    ) -> Result<(), Self::Error>;
    /// Every tag name in the repository, for the tag gate's sequence rule (read once, when
    /// a pushed tag first needs it).
    fn tags(&mut self) -> Result<Vec<String>, Self::Error>;
    /// The commit a pushed object names, with its subject line; `None` for a tag of a
    /// tree or blob.
    fn tagged_commit(&mut self, id: ObjectId) -> Result<Option<(ObjectId, String)>, Self::Error>;
    /// A protected branch of the remote (its tracking ref) that already holds the tip of
    /// the branch `update` creates, if one does: creating a protected branch of published
    /// commits adds no unreviewed change (`branch-protected` decides).
    fn already_published(
        &mut self,
        update: &RefUpdate,
        policy: &Policy,
    ) -> Result<Option<String>, Self::Error>;
    /// Whether the release branch `branch` (local, or the remote's tracking branch)
    /// holds `commit`.
    fn release_branch_state(
        &mut self,
        commit: ObjectId,
        branch: &str,
    ) -> Result<ReleaseBranchState, Self::Error>;
}

/// What is pushed, and what the gate compares it with.
pub struct Push<'a> {
    pub updates: &'a [RefUpdate],
    /// Add a note for refs that are neither branches nor tags.
    pub verbose: bool,
}

/// Runs the push gate over every ref update, into the report.
pub fn run<F: PushFacts>(
    push: &Push<'_>,
    policy: &Policy,
    facts: &mut F,
    report: &mut Report,
) -> Result<(), F::Error> {
    let mut tags: Option<Vec<String>> = None;
    for update in push.updates {
        if let Some(branch) = update.remote_ref.strip_prefix("refs/heads/") {
            branch_update(update, branch, policy, facts, report)?;
        } else if let Some(tag) = update.remote_ref.strip_prefix("refs/tags/") {
            if tags.is_none() {
                tags = Some(facts.tags()?);
            }
            let tags = tags.as_deref().unwrap_or_default();
            tag_update(update, tag, tags, push.verbose, policy, facts, report)?;
        } else if push.verbose {
            report.note(format!(
                "{} is neither a branch nor a tag: not checked",
                update.remote_ref
            ));
        }
    }
    Ok(())
}

fn change(kind: UpdateKind) -> RefChange {
    match kind {
        UpdateKind::Create => RefChange::Create,
        UpdateKind::Update => RefChange::Update,
        UpdateKind::Delete => RefChange::Delete,
    }
}

fn branch_update<F: PushFacts>(
    update: &RefUpdate,
    branch: &str,
    policy: &Policy,
    facts: &mut F,
    report: &mut Report,
) -> Result<(), F::Error> {
    let already_on = if update.kind == UpdateKind::Create && policy.is_protected(branch) {
        facts.already_published(update, policy)?
    } else {
        None
    };
    let mut found = Vec::new();
    let note = super::branch_push(
        &RefPushFacts {
            refname: &update.remote_ref,
            name: branch,
            change: change(update.kind),
            already_on: already_on.as_deref(),
        },
        policy,
        &mut found,
    );
    report.ran(&super::BRANCH_PUSH);
    if let Some(note) = note {
        report.note(note);
    }
    let refused = !found.is_empty();
    report.findings(found);
    if refused || update.kind == UpdateKind::Delete {
        return Ok(());
    }
    super::check_branch(branch, policy, report);
    facts.new_commits(update, &mut |commit| {
        super::check_commit(&commit, policy, Some(&update.remote_ref), report);
    })?;
    Ok(())
}

fn tag_update<F: PushFacts>(
    update: &RefUpdate,
    tag: &str,
    tags: &[String],
    verbose: bool,
    policy: &Policy,
    facts: &mut F,
    report: &mut Report,
) -> Result<(), F::Error> {
    let mut found = Vec::new();
    super::tag_push(
        &RefPushFacts {
            refname: &update.remote_ref,
            name: tag,
            change: change(update.kind),
            already_on: None,
        },
        policy,
        &mut found,
    );
    report.ran(&super::TAG_PUSH);
    let refused = !found.is_empty();
    report.findings(found);
    if refused || update.kind == UpdateKind::Delete {
        report.checked().tags += 1;
        return Ok(());
    }
    let mut named = Vec::new();
    let other = super::any_tag(
        &crate::rules::TagFacts {
            name: tag,
            existing: tags,
        },
        policy,
        &mut named,
    );
    report.checked().tags += 1;
    report.ran(&super::TAG);
    let bad_name = !named.is_empty();
    report.findings(named);
    if bad_name {
        return Ok(());
    }
    if let Some(note) = other {
        // Not a release tag: nothing else applies. Said only with --verbose: hooks are
        // silent when all is well.
        if verbose {
            report.note(note);
        }
        return Ok(());
    }
    let Some(version) = policy
        .tag_format
        .version_text(tag)
        .and_then(|t| semver::Version::parse(&t).ok())
    else {
        return Ok(());
    };
    let Some(local) = update.local_oid else {
        return Ok(());
    };
    let Some((commit, summary)) = facts.tagged_commit(local)? else {
        return Ok(()); // a tag of a tree or blob: no commit to place
    };
    let mut release_branches = Vec::new();
    for branch in policy.release_branches(&version) {
        let state = facts.release_branch_state(commit, &branch)?;
        release_branches.push((branch, state));
    }
    let id = commit.to_string();
    let mut placed = Vec::new();
    super::tag_placement(
        &TagPlacementFacts {
            refname: &update.remote_ref,
            name: tag,
            commit: &id,
            summary: &summary,
            release_branches: &release_branches,
        },
        policy,
        &mut placed,
    );
    report.ran(&super::TAG_PLACEMENT);
    report.findings(placed);
    Ok(())
}

/// Why the push gate could not learn a fact from the repository.
#[derive(Debug, thiserror::Error)]
pub enum GitFactsError {
    #[error(transparent)]
    Select(#[from] SelectError),
    #[error(transparent)]
    Git(#[from] crate::git::Error),
    #[error(transparent)]
    Published(#[from] crate::hooks::published::PublishedError),
}

/// The push gate's facts, from the repository and the remote's tracking refs.
pub struct GitFacts<'r> {
    repo: &'r Repo,
    /// The remote pushed to (its `refs/remotes/<remote>/*`).
    remote: &'r str,
    /// The commit selection, whose remote-tracking side is resolved and walked once per
    /// run however many refs the push updates.
    selection: PushSelection<'r>,
}

impl<'r> GitFacts<'r> {
    pub fn new(repo: &'r Repo, remote: &'r str) -> Result<GitFacts<'r>, GitFactsError> {
        Ok(GitFacts {
            repo,
            remote,
            selection: PushSelection::new(repo.gix(), remote)?,
        })
    }
}

impl PushFacts for GitFacts<'_> {
    type Error = GitFactsError;

    fn new_commits(
        &mut self,
        update: &RefUpdate,
        each: &mut dyn FnMut(CommitInfo),
    ) -> Result<(), GitFactsError> {
        // The selection reads each commit once, message included.
        self.selection.commits(update, each)?;
        Ok(())
    }

    fn tags(&mut self) -> Result<Vec<String>, GitFactsError> {
        Ok(self.repo.tags()?.into_iter().map(|(n, _)| n).collect())
    }

    fn tagged_commit(&mut self, id: ObjectId) -> Result<Option<(ObjectId, String)>, GitFactsError> {
        let Some(commit) = self
            .repo
            .gix()
            .find_object(id)
            .ok()
            .and_then(|o| o.peel_to_commit().ok())
            .map(|c| c.id)
        else {
            return Ok(None);
        };
        Ok(Some((commit, self.repo.commit(commit)?.summary())))
    }

    fn already_published(
        &mut self,
        update: &RefUpdate,
        policy: &Policy,
    ) -> Result<Option<String>, GitFactsError> {
        let Some(tip) = update
            .local_oid
            .and_then(|id| self.repo.gix().find_object(id).ok())
            .and_then(|o| o.peel_to_commit().ok())
            .map(|c| c.id)
        else {
            return Ok(None);
        };
        Ok(crate::hooks::published::protected_branch_holding(
            self.repo.gix(),
            tip,
            self.remote,
            |name| policy.is_protected(name),
        )?)
    }

    fn release_branch_state(
        &mut self,
        commit: ObjectId,
        branch: &str,
    ) -> Result<ReleaseBranchState, GitFactsError> {
        let mut state = ReleaseBranchState::Missing;
        for refname in [
            format!("refs/heads/{branch}"),
            format!("refs/remotes/{}/{branch}", self.remote),
        ] {
            if let Some(tip) = self.repo.ref_commit(&refname)? {
                if self.repo.is_ancestor(commit, tip)? {
                    return Ok(ReleaseBranchState::Contains);
                }
                state = ReleaseBranchState::NotContains;
            }
        }
        Ok(state)
    }
}
