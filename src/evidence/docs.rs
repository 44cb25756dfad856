//! Which files changed between two commits, for the `docs` criterion: the trees are
//! compared path by path (blob id and mode), so a file that was added, removed or
//! edited counts; a rename counts under both names.

use std::collections::BTreeMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;

/// Paths that differ between `from`'s tree and `to`'s tree (every path of `to` when
/// there is no `from`: the first release). Sorted.
pub fn changed_paths(
    repo: &gix::Repository,
    from: Option<ObjectId>,
    to: ObjectId,
) -> Result<Vec<String>, crate::git::Error> {
    let after = files(repo, to)?;
    let before = match from {
        Some(from) => files(repo, from)?,
        None => BTreeMap::new(),
    };
    let mut changed: Vec<String> = after
        .iter()
        .filter(|(path, id)| before.get(*path) != Some(*id))
        .map(|(path, _)| path.clone())
        .collect();
    changed.extend(
        before
            .keys()
            .filter(|path| !after.contains_key(*path))
            .cloned(),
    );
    changed.sort();
    Ok(changed)
}

fn files(
    repo: &gix::Repository,
    commit: ObjectId,
) -> Result<BTreeMap<String, (ObjectId, u16)>, crate::git::Error> {
    let read = |e: Box<dyn std::error::Error + Send + Sync>| crate::git::Error::Read {
        what: format!("the tree of commit {commit}"),
        source: e,
    };
    let tree = repo
        .find_commit(commit)
        .map_err(|e| read(Box::new(e)))?
        .tree()
        .map_err(|e| read(Box::new(e)))?;
    let mut recorder = gix::traverse::tree::Recorder::default();
    tree.traverse()
        .breadthfirst(&mut recorder)
        .map_err(|e| read(Box::new(e)))?;
    Ok(recorder
        .records
        .into_iter()
        .filter(|entry| !entry.mode.is_tree())
        .map(|entry| {
            (
                entry.filepath.to_str_lossy().into_owned(),
                (entry.oid, entry.mode.value()),
            )
        })
        .collect())
}
