//! What a push publishes: git's pre-push stdin, the pre-commit framework's variables, and the
//! commits each ref update would add to the remote.

use std::ffi::OsString;
use std::io::Read;

use bstr::ByteSlice;
use gix::ObjectId;

use crate::git::CommitInfo;
use crate::git::walk::{Tips, Walker};

/// The most stdin we accept: a push of many refs is a few hundred bytes per ref, so this only
/// stops a runaway producer from making the hook allocate without bound.
pub const MAX_STDIN: u64 = 16 * 1024 * 1024;

/// How a push changes one remote ref.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    /// The remote ref does not exist yet (all-zero remote id).
    Create,
    /// The remote ref moves (fast-forward or forced).
    Update,
    /// The remote ref is deleted (`(delete)`, all-zero local id).
    Delete,
}

/// One line of pre-push input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// The local ref as the user typed it (`refs/heads/x`, `HEAD~`, an id); `None` for a delete.
    pub local_ref: Option<String>,
    /// What the remote ref will point at; `None` for a delete. May be a tag object.
    pub local_oid: Option<ObjectId>,
    /// The full remote ref name, e.g. `refs/heads/main` or `refs/tags/v1.2.3`.
    pub remote_ref: String,
    /// What the remote ref points at now; `None` when it does not exist yet.
    ///
    /// Under the pre-commit framework this is its `PRE_COMMIT_FROM_REF`, which for a new branch
    /// is the parent of the first new commit rather than a remote id.
    pub remote_oid: Option<ObjectId>,
    pub kind: UpdateKind,
}

/// Errors reading what is being pushed.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("pre-push input line {line_no} {line:?}: {reason}")]
    BadLine {
        line_no: usize,
        line: String,
        reason: String,
    },
    #[error("could not read the pre-push input on stdin")]
    Read(#[source] std::io::Error),
    #[error("pre-push input is larger than {MAX_STDIN} bytes")]
    TooLarge,
    #[error("{var} is set but {missing} is not; was the hook run by the pre-commit framework?")]
    IncompleteEnv {
        var: &'static str,
        missing: &'static str,
    },
    #[error("{var}={value:?} is not a revision in this repository")]
    BadEnvRevision {
        var: &'static str,
        value: String,
        #[source]
        source: gix::Error,
    },
    #[error("{var} is not valid UTF-8")]
    EnvNotUtf8 { var: &'static str },
}

/// Read and parse git's pre-push stdin, at most [`MAX_STDIN`] bytes. Read it exactly once:
/// stdin is a pipe, and a child process must not inherit (and consume) it.
pub fn read_stdin(mut input: impl Read) -> Result<Vec<RefUpdate>, InputError> {
    let mut buf = Vec::new();
    (&mut input)
        .take(MAX_STDIN + 1)
        .read_to_end(&mut buf)
        .map_err(InputError::Read)?;
    if buf.len() as u64 > MAX_STDIN {
        return Err(InputError::TooLarge);
    }
    parse_stdin(&buf)
}

/// Parse git's pre-push lines: `<local ref> SP <local oid> SP <remote ref> SP <remote oid> LF`.
/// Empty input (nothing to push, e.g. `git push` with everything up to date) gives no updates.
pub fn parse_stdin(input: &[u8]) -> Result<Vec<RefUpdate>, InputError> {
    let mut out = Vec::new();
    for (i, raw) in input.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        out.push(parse_line(raw).map_err(|reason| InputError::BadLine {
            line_no: i + 1,
            line: raw.to_str_lossy().into_owned(),
            reason,
        })?);
    }
    Ok(out)
}

fn parse_line(raw: &[u8]) -> Result<RefUpdate, String> {
    let fields: Vec<&[u8]> = raw.split(|&b| b == b' ').collect();
    let [local_ref, local_oid, remote_ref, remote_oid] = fields[..] else {
        return Err(format!(
            "expected 4 space-separated fields, found {}",
            fields.len()
        ));
    };
    let text = |what: &str, b: &[u8]| -> Result<String, String> {
        match b.to_str() {
            Ok(s) if !s.is_empty() => Ok(s.to_owned()),
            Ok(_) => Err(format!("the {what} is empty")),
            Err(_) => Err(format!("the {what} is not valid UTF-8")),
        }
    };
    let local_oid = parse_oid("local id", local_oid)?;
    let remote_oid = parse_oid("remote id", remote_oid)?;
    if local_oid.kind() != remote_oid.kind() {
        return Err("the local and remote ids have different lengths".into());
    }
    let remote_ref = text("remote ref", remote_ref)?;
    let local_ref = text("local ref", local_ref)?;
    let kind = match (local_oid.is_null(), remote_oid.is_null()) {
        (true, true) => return Err("both ids are all zeros".into()),
        (true, false) => UpdateKind::Delete,
        (false, true) => UpdateKind::Create,
        (false, false) => UpdateKind::Update,
    };
    Ok(RefUpdate {
        // git writes `(delete)` for a deletion; older gits wrote the ref name. The zero id is what
        // decides, so both read as a deletion.
        local_ref: (kind != UpdateKind::Delete).then_some(local_ref),
        local_oid: (!local_oid.is_null()).then_some(local_oid),
        remote_ref,
        remote_oid: (!remote_oid.is_null()).then_some(remote_oid),
        kind,
    })
}

fn parse_oid(what: &str, hex: &[u8]) -> Result<ObjectId, String> {
    // 40 hex digits for SHA-1, 64 for SHA-256; gix checks the digits, we check the length so the
    // message names the real problem.
    if hex.len() != 40 && hex.len() != 64 {
        return Err(format!(
            "the {what} has {} characters; expected 40 (SHA-1) or 64 (SHA-256)",
            hex.len()
        ));
    }
    ObjectId::from_hex(hex).map_err(|_| format!("the {what} is not hexadecimal"))
}

/// Build the update from the pre-commit framework's variables, which it sets instead of passing
/// stdin (it reads git's stdin itself and keeps only the first pushed ref that has commits).
///
/// `env` looks variables up (pass `std::env::var_os`). Returns `Ok(None)` when none of
/// `PRE_COMMIT_FROM_REF`, `PRE_COMMIT_TO_REF`, `PRE_COMMIT_REMOTE_BRANCH` is set, i.e. not
/// running under pre-commit's pre-push stage. The refs may be any revision (`pre-commit run
/// --from-ref origin/main --to-ref HEAD`), so they are resolved in `repo`. When pre-commit
/// pushes a history from its root commit it sets no FROM/TO at all; then the local branch is
/// resolved and the update reads as a [`UpdateKind::Create`].
pub fn from_pre_commit_env(
    repo: &gix::Repository,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<Option<RefUpdate>, InputError> {
    let get = |var: &'static str| -> Result<Option<String>, InputError> {
        match env(var) {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => v
                .into_string()
                .map(Some)
                .map_err(|_| InputError::EnvNotUtf8 { var }),
        }
    };
    let from = get("PRE_COMMIT_FROM_REF")?;
    let to = get("PRE_COMMIT_TO_REF")?;
    let remote_branch = get("PRE_COMMIT_REMOTE_BRANCH")?;
    let local_branch = get("PRE_COMMIT_LOCAL_BRANCH")?;
    if from.is_none() && to.is_none() && remote_branch.is_none() {
        return Ok(None);
    }
    let Some(remote_ref) = remote_branch else {
        return Err(InputError::IncompleteEnv {
            var: if to.is_some() {
                "PRE_COMMIT_TO_REF"
            } else {
                "PRE_COMMIT_FROM_REF"
            },
            missing: "PRE_COMMIT_REMOTE_BRANCH",
        });
    };
    let resolve = |var: &'static str, spec: &str| -> Result<ObjectId, InputError> {
        repo.rev_parse_single(spec)
            .map(|id| id.detach())
            .map_err(|source| InputError::BadEnvRevision {
                var,
                value: spec.to_owned(),
                source,
            })
    };
    let local_oid = match (&to, &local_branch) {
        (Some(to), _) => resolve("PRE_COMMIT_TO_REF", to)?,
        (None, Some(local)) => resolve("PRE_COMMIT_LOCAL_BRANCH", local)?,
        (None, None) => {
            return Err(InputError::IncompleteEnv {
                var: "PRE_COMMIT_REMOTE_BRANCH",
                missing: "PRE_COMMIT_TO_REF",
            });
        }
    };
    if from.is_some() && to.is_none() {
        return Err(InputError::IncompleteEnv {
            var: "PRE_COMMIT_FROM_REF",
            missing: "PRE_COMMIT_TO_REF",
        });
    }
    let remote_oid = from
        .as_deref()
        .map(|f| resolve("PRE_COMMIT_FROM_REF", f))
        .transpose()?;
    Ok(Some(RefUpdate {
        local_ref: local_branch.or(to),
        local_oid: Some(local_oid),
        remote_ref,
        kind: if remote_oid.is_some() {
            UpdateKind::Update
        } else {
            UpdateKind::Create
        },
        remote_oid,
    }))
}

/// Why the commits of a push could not be selected.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    #[error(
        "cannot decide which commits {remote_ref} would publish: the history is shallow and \
         commit {boundary} has parents that are not in this clone"
    )]
    Shallow {
        remote_ref: String,
        boundary: ObjectId,
        /// The command that fetches the missing history.
        hint: String,
    },
    #[error(
        "cannot decide which commits {remote_ref} would publish: there are no \
         refs/remotes/{remote}/* refs to compare the new branch with"
    )]
    NoRemoteRefs {
        remote_ref: String,
        remote: String,
        hint: String,
    },
    #[error("{id} is a {actual} id but this repository uses {expected}")]
    HashKind {
        id: ObjectId,
        actual: gix::hash::Kind,
        expected: gix::hash::Kind,
    },
    #[error("object {id} pushed to {remote_ref} is not in this repository")]
    MissingObject {
        id: ObjectId,
        remote_ref: String,
        #[source]
        source: gix::Error,
    },
    #[error("could not list refs/remotes/{remote}/*")]
    RemoteRefs {
        remote: String,
        #[source]
        source: gix::Error,
    },
    #[error("could not walk the history of {remote_ref}")]
    Range {
        remote_ref: String,
        #[source]
        source: Box<crate::git::Error>,
    },
    #[error("could not read the repository")]
    Repository(#[source] Box<crate::git::Error>),
}

impl SelectError {
    /// A one-line fix for the user, when there is one.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Self::Shallow { hint, .. } | Self::NoRemoteRefs { hint, .. } => Some(hint),
            _ => None,
        }
    }
}

/// Selects the commits each ref update of one push would add to the remote. The
/// remote-tracking refs a new branch is compared with are listed, peeled and read once,
/// the first time one is needed, however many refs the push updates.
pub struct PushSelection<'repo> {
    repo: &'repo gix::Repository,
    remote: String,
    walker: Walker<'repo>,
    remote_tips: Option<Tips>,
}

impl<'repo> PushSelection<'repo> {
    pub fn new(repo: &'repo gix::Repository, remote: &str) -> Result<Self, SelectError> {
        let mut walker =
            Walker::new(repo).map_err(|source| SelectError::Repository(Box::new(source)))?;
        // Every new branch is compared with the same remote-tracking tips: walk their
        // side once, as deep as the deepest branch needs, not once per branch.
        walker.keep_hidden_side();
        Ok(PushSelection {
            repo,
            remote: remote.to_owned(),
            walker,
            remote_tips: None,
        })
    }

    /// Hands `visit` each commit `update` would add to the remote, newest first, with
    /// its message; returns how many.
    ///
    /// - Delete: none.
    /// - Update: `remote_oid..local_oid`. When `remote_oid` is not in this clone (someone
    ///   pushed since the last fetch, and this is a forced push), it is treated like a new
    ///   branch.
    /// - Create: the commits reachable from `local_oid` and from none of
    ///   `refs/remotes/<remote>/*`, the same selection as `git rev-list <local>
    ///   --not --remotes=<remote>`; never the whole history. When the remote has no
    ///   remote-tracking refs (a URL remote, or never fetched), this is
    ///   [`SelectError::NoRemoteRefs`]: the caller decides (an empty remote legitimately
    ///   receives everything).
    ///
    /// A tag is peeled to its commit; a tag of a tree or blob publishes no commits.
    ///
    /// The walk is [`crate::git::walk`], exact with equal or skewed commit dates. In a
    /// shallow clone, reaching the shallow boundary is [`SelectError::Shallow`] rather
    /// than a silently short list.
    pub fn commits(
        &mut self,
        update: &RefUpdate,
        visit: impl FnMut(CommitInfo),
    ) -> Result<usize, SelectError> {
        let repo = self.repo;
        let Some(local) = update.local_oid else {
            return Ok(0);
        };
        let expected = repo.object_hash();
        for id in [Some(local), update.remote_oid].into_iter().flatten() {
            if id.kind() != expected {
                return Err(SelectError::HashKind {
                    id,
                    actual: id.kind(),
                    expected,
                });
            }
        }
        let tip = match repo
            .find_object(local)
            .map_err(|source| SelectError::MissingObject {
                id: local,
                remote_ref: update.remote_ref.clone(),
                source,
            })?
            .peel_to_commit()
        {
            Ok(commit) => commit.id,
            // A tag of a tree or blob: nothing to walk.
            Err(_) => return Ok(0),
        };
        let remote_known = update
            .remote_oid
            .and_then(|id| repo.find_object(id).ok()?.peel_to_commit().ok())
            .map(|c| c.id);
        let range_error = |source: crate::git::Error| match source {
            crate::git::Error::ShallowBoundary { commit } => SelectError::Shallow {
                remote_ref: update.remote_ref.clone(),
                boundary: ObjectId::from_hex(commit.as_bytes()).unwrap_or(tip),
                hint: format!(
                    "run `git fetch --unshallow {remote}`, or `git fetch --deepen=<n> {remote}` \
                     until the history reaches the remote's commits",
                    remote = self.remote
                ),
            },
            source => SelectError::Range {
                remote_ref: update.remote_ref.clone(),
                source: Box::new(source),
            },
        };
        let base;
        let hidden = match remote_known {
            Some(id) => {
                base = self.walker.tips(&[id]).map_err(range_error)?;
                &base
            }
            None => {
                if self.remote_tips.is_none() {
                    let ids = remote_tracking_tips(repo, &self.remote)?;
                    self.remote_tips = Some(self.walker.tips(&ids).map_err(range_error)?);
                }
                let tips = self.remote_tips.as_ref().expect("just resolved");
                if tips.is_empty() {
                    return Err(SelectError::NoRemoteRefs {
                        remote_ref: update.remote_ref.clone(),
                        remote: self.remote.clone(),
                        hint: format!(
                            "run `git fetch {}` so reltag can tell which commits are new",
                            self.remote
                        ),
                    });
                }
                tips
            }
        };
        self.walker
            .range(&[tip], hidden, visit)
            .map_err(range_error)
    }
}

/// The commits `update` would add to the remote, newest first: one
/// [`PushSelection::commits`] collected. A hook checking several refs keeps one
/// `PushSelection` instead, so the remote-tracking refs are resolved once.
pub fn commits_to_check(
    repo: &gix::Repository,
    update: &RefUpdate,
    remote_name: &str,
) -> Result<Vec<CommitInfo>, SelectError> {
    let mut commits = Vec::new();
    PushSelection::new(repo, remote_name)?.commits(update, |c| commits.push(c))?;
    Ok(commits)
}

fn remote_tracking_tips(
    repo: &gix::Repository,
    remote: &str,
) -> Result<Vec<ObjectId>, SelectError> {
    let err = |source| SelectError::RemoteRefs {
        remote: remote.to_owned(),
        source,
    };
    let refs = repo.references().map_err(err)?;
    let prefix = format!("refs/remotes/{remote}/");
    // A remote name that cannot be part of a ref path (a URL) has no tracking refs.
    let Ok(iter) = refs.prefixed(prefix.as_bytes()) else {
        return Ok(Vec::new());
    };
    let mut tips = Vec::new();
    let peel = |r: &mut gix::Reference<'_>| -> Option<ObjectId> {
        let id = r.peel_to_id().ok()?;
        Some(repo.find_object(id).ok()?.peel_to_commit().ok()?.id)
    };
    for r in iter {
        let Ok(mut r) = r else { continue };
        // A ref that names a commit (nearly all) is taken as it is: the walk reads the
        // commit next, and peeling would read it first, each of thousands of refs
        // checking the packed-refs file again. Only the kind is looked up (no inflating).
        // `refs/remotes/origin/HEAD` is symbolic; peeling follows it to a branch we also
        // list; a ref to an annotated tag is peeled.
        let direct = r.target().try_id().map(ToOwned::to_owned);
        let tip = match direct.map(|id| (id, repo.find_header(id).map(|h| h.kind()))) {
            Some((id, Ok(gix::object::Kind::Commit))) => Some(id),
            Some((_, Ok(gix::object::Kind::Tag))) | None => peel(&mut r),
            Some(_) => None,
        };
        tips.extend(tip);
    }
    tips.sort();
    tips.dedup();
    Ok(tips)
}
