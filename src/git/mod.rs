//! A small façade over gix: open a repository, read HEAD, resolve revisions, walk
//! commits, list tags. Push, fetch and signing are not here: they run `git` itself so
//! that the user's credentials and signing configuration apply (see `command`).

mod ancestry;
pub mod command;
mod read;
pub mod remote;
pub mod tag;
pub mod walk;

use std::path::{Path, PathBuf};

use bstr::ByteSlice;
use gix::ObjectId;

/// Errors from reading the repository. All of them mean "could not decide" (exit 3),
/// except `NotARepository`, which is a usage error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a git repository (or any parent up to the root): {}", path.display())]
    NotARepository {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("the revision `{rev}` does not resolve to a commit in this repository")]
    RevisionNotFound {
        rev: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    #[error(
        "the history is shallow: commit {commit} is at the shallow boundary and its parents are missing, so reltag cannot tell which commits the range contains"
    )]
    ShallowBoundary { commit: String },
    #[error(
        "the commit-graph file gives commit {commit} a generation number that is not above its parents', so reltag cannot trust the order it walks in"
    )]
    CommitGraph { commit: String },
    #[error("cannot read {what}")]
    Read {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Error {
    fn read(
        what: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Read {
            what: what.into(),
            source: Box::new(source),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// What HEAD points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    /// On a branch with at least one commit.
    Branch { name: String, id: ObjectId },
    /// On a branch with no commit yet (a fresh repository, or `git switch --orphan`).
    Unborn { name: String },
    /// Detached, e.g. during a rebase or in CI checkouts.
    Detached { id: ObjectId },
}

/// A commit as the message rules need it.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub id: ObjectId,
    pub parent_count: usize,
    /// The raw message bytes (git already cleaned them when it made the commit).
    pub message: Vec<u8>,
    /// The `encoding` header, when present.
    pub encoding: Option<String>,
    /// The author header's name and email (`None` when unknown or unreadable).
    pub author: Option<Author>,
}

/// A commit's author as the commit names them: a claim, since anyone can write any name
/// (`git commit --author`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub name: String,
    pub email: String,
}

impl CommitInfo {
    /// The subject line, lossily decoded, for reports.
    pub fn summary(&self) -> String {
        let line = self.message.lines().next().unwrap_or(b"");
        crate::rules::display_text(line, 120)
    }
}

/// What a walk covered.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkStats {
    pub commits: usize,
}

pub struct Repo {
    repo: gix::Repository,
    /// Where revisions' ancestry steps and walks read commits; holds what the steps read
    /// for the walk that reads it next.
    reader: std::cell::RefCell<read::Reader>,
}

impl Repo {
    /// Finds the repository containing `dir`, honouring `GIT_DIR` and friends the way git
    /// does (hooks run with `GIT_DIR` set).
    pub fn discover(dir: &Path) -> Result<Repo> {
        let mut repo = gix::discover_with_environment_overrides(dir).map_err(|source| {
            Error::NotARepository {
                path: dir.to_path_buf(),
                source: Box::new(source),
            }
        })?;
        // A small object cache (a bound, not an allocation): a hook reads the same few
        // objects more than once (a pushed tip for the selection, the gate's facts, the
        // walk). The commits that resolving `HEAD~10000` reads for the walk are kept by
        // `read::Reader`, which a walk reads through.
        repo.object_cache_size_if_unset(4 * 1024 * 1024);
        Ok(Repo {
            repo,
            reader: Default::default(),
        })
    }

    pub fn gix(&self) -> &gix::Repository {
        &self.repo
    }

    /// The root of the working tree, if the repository has one.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    pub fn head(&self) -> Result<Head> {
        let head = self.repo.head().map_err(|e| Error::read("HEAD", e))?;
        let name = head
            .referent_name()
            .map(|n| n.shorten().to_str_lossy().into_owned());
        Ok(match (name, head.id()) {
            (Some(name), Some(id)) => Head::Branch {
                name,
                id: id.detach(),
            },
            (Some(name), None) => Head::Unborn { name },
            (None, Some(id)) => Head::Detached { id: id.detach() },
            (None, None) => {
                return Err(Error::RevisionNotFound {
                    rev: "HEAD".into(),
                    source: None,
                });
            }
        })
    }

    /// Resolves a revision (`main`, `v1.2.3`, `HEAD~2`, an id) to a commit id.
    pub fn resolve_commit(&self, rev: &str) -> Result<ObjectId> {
        // `HEAD~10000` read through gix's revision parser costs a fifth of a whole
        // `check commits HEAD~10000..HEAD`: its traversal does far more per step than
        // following a parent. The base goes through gix, the steps are followed here,
        // each commit's header read once (and left in the object cache for the range
        // walk that follows). Anything unusual goes the general way, for its error, and
        // so does a shallow clone, where a boundary commit's parents do not count.
        if !self.repo.is_shallow().unwrap_or(true)
            && let Some((base, steps)) = ancestry::split(rev)
            && let Ok(base) = self.resolve_any(base)
            && let Some(id) =
                ancestry::follow(&self.repo, &mut self.reader.borrow_mut(), base, steps)
        {
            return Ok(id);
        }
        self.resolve_any(rev)
    }

    fn resolve_any(&self, rev: &str) -> Result<ObjectId> {
        let not_found =
            |e: Option<Box<dyn std::error::Error + Send + Sync>>| Error::RevisionNotFound {
                rev: rev.to_string(),
                source: e,
            };
        let id = self
            .repo
            .rev_parse_single(rev.as_bytes().as_bstr())
            .map_err(|e| not_found(Some(Box::new(e))))?;
        let object = id.object().map_err(|e| not_found(Some(Box::new(e))))?;
        let commit = object
            .peel_to_commit()
            .map_err(|e| not_found(Some(Box::new(e))))?;
        Ok(commit.id)
    }

    /// A full reference's target commit, if the reference exists.
    pub fn ref_commit(&self, name: &str) -> Result<Option<ObjectId>> {
        let Some(mut reference) = self
            .repo
            .try_find_reference(name)
            .map_err(|e| Error::read(format!("reference {name}"), e))?
        else {
            return Ok(None);
        };
        let id = reference
            .peel_to_id()
            .map_err(|e| Error::read(format!("reference {name}"), e))?;
        Ok(Some(id.detach()))
    }

    /// Reads one commit.
    pub fn commit(&self, id: ObjectId) -> Result<CommitInfo> {
        let commit = self
            .repo
            .find_commit(id)
            .map_err(|e| Error::read(format!("commit {id}"), e))?;
        commit_info(&commit)
    }

    /// Walks the commits reachable from `include` and not from `exclude`, newest first,
    /// calling `visit` for each as soon as it is decided (see [`walk`]). In a shallow
    /// repository a walk that reaches the shallow boundary fails: the range may hold
    /// commits that are missing.
    pub fn walk(
        &self,
        include: &[ObjectId],
        exclude: &[ObjectId],
        visit: impl FnMut(CommitInfo),
    ) -> Result<WalkStats> {
        let mut walker = walk::Walker::with_reader(&self.repo, self.reader.take())?;
        let exclude = walker.tips(exclude)?;
        let commits = walker.range(include, &exclude, visit)?;
        Ok(WalkStats { commits })
    }

    /// Like [`Repo::walk`], for a visitor that may judge commits before the walk decides
    /// them (see [`walk::Visit`]).
    pub fn visit(
        &self,
        include: &[ObjectId],
        exclude: &[ObjectId],
        visit: &mut dyn walk::Visit,
    ) -> Result<()> {
        let mut walker = walk::Walker::with_reader(&self.repo, self.reader.take())?;
        let exclude = walker.tips(exclude)?;
        walker.visit(include, &exclude, visit)
    }

    /// The ids in `include ^exclude`, newest first, exact whatever the commit dates.
    pub fn range(&self, include: &[ObjectId], exclude: &[ObjectId]) -> Result<Vec<ObjectId>> {
        let mut walker = walk::Walker::with_reader(&self.repo, self.reader.take())?;
        let exclude = walker.tips(exclude)?;
        walker.ids(include, &exclude)
    }

    /// Every tag: its short name and the commit it points at (annotated tags peeled).
    /// Tags that point at something other than a commit are skipped.
    pub fn tags(&self) -> Result<Vec<(String, ObjectId)>> {
        let platform = self
            .repo
            .references()
            .map_err(|e| Error::read("the tags", e))?;
        let iter = platform.tags().map_err(|e| Error::read("the tags", e))?;
        let mut tags = Vec::new();
        for reference in iter {
            let mut reference = reference.map_err(|e| Error::read("the tags", e))?;
            let name = reference.name().shorten().to_str_lossy().into_owned();
            let Ok(object) = reference.peel_to_id().map(|id| id.object()) else {
                continue;
            };
            let Ok(object) = object else { continue };
            if let Ok(commit) = object.peel_to_commit() {
                tags.push((name, commit.id));
            }
        }
        Ok(tags)
    }

    /// The upstream of a local branch (`branch.<name>.remote` + `.merge`), as the
    /// remote-tracking ref name and its commit, if it is configured and fetched.
    pub fn upstream(&self, branch: &str) -> Result<Option<(String, ObjectId)>> {
        let config = self.repo.config_snapshot();
        let remote = config.string(format!("branch.{branch}.remote").as_str());
        let merge = config.string(format!("branch.{branch}.merge").as_str());
        let (Some(remote), Some(merge)) = (remote, merge) else {
            return Ok(None);
        };
        let remote = remote.to_str_lossy().into_owned();
        let merge = merge.to_str_lossy().into_owned();
        let short = merge.strip_prefix("refs/heads/").unwrap_or(&merge);
        let tracking = if remote == "." {
            format!("refs/heads/{short}")
        } else {
            format!("refs/remotes/{remote}/{short}")
        };
        Ok(self.ref_commit(&tracking)?.map(|id| {
            (
                tracking
                    .trim_start_matches("refs/remotes/")
                    .trim_start_matches("refs/heads/")
                    .to_string(),
                id,
            )
        }))
    }

    /// The repository's default branch: `origin/HEAD` when known, else the first of
    /// `origin/main`, `origin/master`, `main`, `master` that exists.
    pub fn default_branch(&self) -> Result<Option<(String, ObjectId)>> {
        if let Ok(Some(reference)) = self.repo.try_find_reference("refs/remotes/origin/HEAD")
            && let Some(target) = reference
                .target()
                .try_name()
                .map(|n| n.as_bstr().to_string())
            && let Some(id) = self.ref_commit(&target)?
        {
            return Ok(Some((
                target.trim_start_matches("refs/remotes/").to_string(),
                id,
            )));
        }
        for candidate in [
            "refs/remotes/origin/main",
            "refs/remotes/origin/master",
            "refs/heads/main",
            "refs/heads/master",
        ] {
            if let Some(id) = self.ref_commit(candidate)? {
                let short = candidate
                    .trim_start_matches("refs/remotes/")
                    .trim_start_matches("refs/heads/");
                return Ok(Some((short.to_string(), id)));
            }
        }
        Ok(None)
    }

    /// Is `ancestor` reachable from `descendant` (or equal to it)?
    pub fn is_ancestor(&self, ancestor: ObjectId, descendant: ObjectId) -> Result<bool> {
        if ancestor == descendant {
            return Ok(true);
        }
        let base = self
            .repo
            .merge_base(ancestor, descendant)
            .map_err(|e| Error::read("the merge base", e))?;
        Ok(base.is_some_and(|b| b.detach() == ancestor))
    }
}

fn commit_info(commit: &gix::Commit<'_>) -> Result<CommitInfo> {
    let decoded = commit
        .decode()
        .map_err(|e| Error::read(format!("commit {}", commit.id), e))?;
    Ok(commit_info_from(commit.id, &decoded))
}

fn commit_info_from(id: ObjectId, decoded: &gix::objs::CommitRef<'_>) -> CommitInfo {
    CommitInfo {
        id,
        parent_count: decoded.parents.len(),
        message: decoded.message.to_vec(),
        encoding: decoded.encoding.map(|e| e.to_str_lossy().into_owned()),
        author: decoded.author().ok().map(|a| Author {
            name: a.name.to_str_lossy().into_owned(),
            email: a.email.to_str_lossy().into_owned(),
        }),
    }
}

/// An annotated release tag's message (the notes `cut` wrote), made displayable; `None`
/// for a lightweight or missing tag.
pub fn tag_message(repo: &gix::Repository, name: &str) -> Option<String> {
    let reference = repo.find_reference(&format!("refs/tags/{name}")).ok()?;
    let id = reference.target().try_id()?.to_owned();
    let tag = repo.find_object(id).ok()?.try_into_tag().ok()?;
    let decoded = tag.decode().ok()?;
    Some(crate::text::display_text(decoded.message, 100_000))
}
