//! Whether a commit is already on a protected branch of the remote: what the pre-push hook
//! needs to know to let a push create a protected branch (`git push -u origin
//! release/v1.2`) that carries no commit the remote's protected branches lack.
//!
//! It reads the remote-tracking refs (`refs/remotes/<remote>/*`), as the rest of the hook
//! does: no network. They are the clone's view of the remote; the server's own branch
//! protection remains the guarantee.

use gix::ObjectId;

/// Why the hook could not tell whether a new branch's commits are published.
#[derive(Debug, thiserror::Error)]
pub enum PublishedError {
    #[error(
        "could not read refs/remotes/{remote}/* to tell whether the new branch's commits are already published"
    )]
    RemoteRefs {
        remote: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(
        "could not tell whether the new branch's commits are already on {remote}'s protected branches"
    )]
    Walk {
        remote: String,
        #[source]
        source: Box<crate::git::Error>,
    },
}

/// The remote-tracking branch (`origin/main`) that already holds `tip`, and so every commit
/// a new branch at `tip` would carry, among the remote's default branch (`<remote>/HEAD`)
/// and the branches `protected` accepts (by branch name, `main`). The default branch is
/// named first when it holds `tip`.
pub fn protected_branch_holding(
    repo: &gix::Repository,
    tip: ObjectId,
    remote: &str,
    protected: impl Fn(&str) -> bool,
) -> Result<Option<String>, PublishedError> {
    let err = |source: Box<dyn std::error::Error + Send + Sync>| PublishedError::RemoteRefs {
        remote: remote.to_owned(),
        source,
    };
    let prefix = format!("refs/remotes/{remote}/");
    let default = repo
        .try_find_reference(format!("{prefix}HEAD").as_str())
        .ok()
        .flatten()
        .and_then(|r| r.target().try_name().map(|n| n.as_bstr().to_string()))
        .and_then(|n| n.strip_prefix(&prefix).map(str::to_owned));
    let refs = repo.references().map_err(|e| err(Box::new(e)))?;
    // A remote name that cannot be part of a ref path (a URL) has no tracking refs.
    let Ok(iter) = refs.prefixed(prefix.as_bytes()) else {
        return Ok(None);
    };
    // (not the default branch, commit time, name, tip): the default branch first, then
    // the others from the newest, which most likely holds a recent tip.
    let mut candidates: Vec<(bool, std::cmp::Reverse<i64>, String, ObjectId)> = Vec::new();
    for r in iter {
        let mut r = r.map_err(|e| err(Box::new(e)))?;
        let full = r.name().as_bstr().to_string();
        let Some(name) = full.strip_prefix(&prefix).map(str::to_owned) else {
            continue;
        };
        let is_default = default.as_deref() == Some(name.as_str());
        if name == "HEAD" || !(is_default || protected(&name)) {
            continue;
        }
        let Ok(id) = r.peel_to_id() else { continue };
        let Some(commit) = repo
            .find_object(id)
            .ok()
            .and_then(|o| o.peel_to_commit().ok())
        else {
            continue;
        };
        let time = commit.time().map(|t| t.seconds).unwrap_or(0);
        candidates.push((!is_default, std::cmp::Reverse(time), name, commit.id));
    }
    if candidates.is_empty() {
        return Ok(None);
    }
    // Whether they hold it at all: one limited walk, which stops as soon as the tip is
    // reached from their side (and, when they do not, walks only the new commits).
    let tips: Vec<ObjectId> = candidates.iter().map(|c| c.3).collect();
    let walk_error = |e: crate::git::Error| PublishedError::Walk {
        remote: remote.to_owned(),
        source: Box::new(e),
    };
    let mut walker = crate::git::walk::Walker::new(repo).map_err(walk_error)?;
    let hidden = walker.tips(&tips).map_err(walk_error)?;
    let new = walker.ids(&[tip], &hidden).map_err(walk_error)?;
    if !new.is_empty() {
        return Ok(None);
    }
    // Which one, to say so: the tip is then an ancestor of one of them.
    candidates.sort();
    for (_, _, name, id) in &candidates {
        let holds = *id == tip
            || repo
                .merge_base(tip, *id)
                // An error reads as "not this one"; the walk already decided.
                .is_ok_and(|base| base.is_some_and(|b| b.detach() == tip));
        if holds {
            return Ok(Some(format!("{remote}/{name}")));
        }
    }
    Ok(candidates.first().map(|c| format!("{remote}/{}", c.2)))
}
