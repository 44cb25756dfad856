//! Whether a commit is already on a protected branch of the remote: what the pre-push hook
//! needs to know to let a push create a protected branch (`git push -u origin
//! release/v1.2`) that carries no commit the remote's protected branches lack.
//!
//! It reads the remote-tracking refs (`refs/remotes/<remote>/*`), as the rest of the hook
//! does: no network. They are the clone's view of the remote; the server's own branch
//! protection remains the guarantee.

use gix::ObjectId;

#[derive(Debug, thiserror::Error)]
#[error(
    "could not read refs/remotes/{remote}/* to tell whether the new branch's commits are already published"
)]
pub struct Error {
    remote: String,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
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
) -> Result<Option<String>, Error> {
    let err = |source: Box<dyn std::error::Error + Send + Sync>| Error {
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
    let mut candidates: Vec<(bool, String, ObjectId)> = Vec::new();
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
        candidates.push((!is_default, name, commit.id));
    }
    candidates.sort();
    for (_, name, id) in candidates {
        let holds = id == tip
            || repo
                .merge_base(tip, id)
                // An error reads as "not held": the push is then refused, never let through.
                .is_ok_and(|base| base.is_some_and(|b| b.detach() == tip));
        if holds {
            return Ok(Some(format!("{remote}/{name}")));
        }
    }
    Ok(None)
}
