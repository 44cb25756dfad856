//! Reading the chain one commit at a time, by first parent.
//!
//! A commit whose message is not an event of a format we read, or that has more than one
//! parent, is *malformed*: the walk records it and goes on to its first parent, so that one
//! bad commit pushed by anyone can be voided instead of stopping every clone (see
//! `FORMAT.md`, "Recovering from a malformed event"). Missing objects and refs that do not
//! point at commits are errors of the repository, not of one event, and stop the walk.

use gix::ObjectId;
use serde::{Deserialize, Serialize};

use super::error::{Error, Result};
use super::event::Event;

/// Why a ledger commit is not a readable event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Malformed {
    /// The message does not parse as an event (missing or unknown trailer, bad value).
    Corrupt { problem: String },
    /// A `Ledger-Format` this reltag does not read.
    Format { found: String },
    /// A merge commit: the ledger is a linear chain.
    Merge { parents: usize },
}

impl Malformed {
    /// The error a reader reports for this commit while nobody has voided it.
    pub fn to_error(&self, sha: ObjectId) -> Error {
        match self {
            Malformed::Corrupt { problem } => Error::CorruptEvent {
                sha,
                problem: problem.clone(),
            },
            Malformed::Format { found } => Error::UnsupportedFormat {
                sha,
                found: found.clone(),
                supported: super::event::FORMAT_VERSION,
            },
            Malformed::Merge { parents } => Error::NotLinear {
                sha,
                parents: *parents,
            },
        }
    }

    fn from_parse_error(error: Error) -> Malformed {
        match error {
            Error::CorruptEvent { problem, .. } => Malformed::Corrupt { problem },
            Error::UnsupportedFormat { found, .. } => Malformed::Format { found },
            other => Malformed::Corrupt {
                problem: other.to_string(),
            },
        }
    }
}

/// One commit of the chain.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub sha: ObjectId,
    /// The first parent: the previous link (`None` at the root).
    pub parent: Option<ObjectId>,
    pub event: std::result::Result<Event, Malformed>,
}

/// A raw ledger commit.
pub(crate) struct RawCommit {
    pub parents: Vec<ObjectId>,
    pub message: Vec<u8>,
}

/// Read one link. Errors only for what no void can repair (missing objects, git errors).
pub(crate) fn read_link(repo: &gix::Repository, sha: ObjectId) -> Result<Link> {
    let commit = read_raw_commit(repo, sha)?;
    let event = if commit.parents.len() > 1 {
        Err(Malformed::Merge {
            parents: commit.parents.len(),
        })
    } else {
        Event::from_message(sha, &commit.message).map_err(Malformed::from_parse_error)
    };
    Ok(Link {
        sha,
        parent: commit.parents.first().copied(),
        event,
    })
}

pub(crate) fn read_raw_commit(repo: &gix::Repository, id: ObjectId) -> Result<RawCommit> {
    let object = repo
        .try_find_object(id)
        .map_err(Error::git(format!("read ledger commit {id}")))?
        .ok_or_else(|| missing(repo, id))?;
    if object.kind != gix::objs::Kind::Commit {
        return Err(Error::CorruptEvent {
            sha: id,
            problem: format!("the chain contains a {}, not a commit", object.kind),
        });
    }
    let decoded =
        gix::objs::CommitRef::from_bytes(&object.data, repo.object_hash()).map_err(|e| {
            Error::CorruptEvent {
                sha: id,
                problem: format!("the commit object does not decode: {e}"),
            }
        })?;
    Ok(RawCommit {
        parents: decoded.parents().collect(),
        message: decoded.message.to_vec(),
    })
}

pub(crate) fn missing(repo: &gix::Repository, id: ObjectId) -> Error {
    if repo.is_shallow().unwrap_or(false) {
        Error::Shallow { sha: id }
    } else {
        Error::MissingObject { sha: id }
    }
}

/// Whether `needle` is `tip` or one of its ancestors (every parent, so that a merge
/// pushed onto the chain is still recognised as containing what it merged).
pub(crate) fn contains(repo: &gix::Repository, tip: ObjectId, needle: ObjectId) -> Result<bool> {
    let mut queue = vec![tip];
    let mut seen = std::collections::HashSet::new();
    while let Some(id) = queue.pop() {
        if id == needle {
            return Ok(true);
        }
        if !seen.insert(id) {
            continue;
        }
        queue.extend(read_raw_commit(repo, id)?.parents);
    }
    Ok(false)
}
