//! What a pull request's base commit holds — the policy, the code owners — read from the
//! base commit's git objects, never from the checked-out tree.
//!
//! The working tree of a pull-request job is the pull request's own: it can replace a
//! directory with a symlink, so that a path resolved on disk names another file. Paths
//! here are taken literally, as paths of the repository's tree, and looked up in the base
//! commit's tree, where a symlink is an entry like any other and is never followed. When
//! the checkout lacks the base commit it is fetched; when that fails, the forge reads the
//! same git objects on its side.

use std::path::{Component, Path};

use gix::ObjectId;

use super::{FileAt, Forge};
use crate::git::Repo;
use crate::git::command::run_git;

/// Where a file at the base came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The local repository's objects.
    Git,
    /// The forge's API (the checkout does not have the commit).
    Forge,
}

/// Why a file at the base could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path leaves the repository, or is not a path inside it (exit 2).
    #[error("{given} {reason}")]
    Path { given: String, reason: String },
    /// The local objects are damaged (exit 3).
    #[error("cannot read {path} at {commit}: {message}")]
    Git {
        path: String,
        commit: String,
        message: String,
    },
    #[error(transparent)]
    Forge(#[from] super::Error),
    /// The first place GitHub looks for CODEOWNERS holds a symlink, a directory or a
    /// submodule (exit 3).
    #[error("{path} at the base commit {commit} is {what}, not a CODEOWNERS file")]
    NotAFile {
        path: String,
        commit: String,
        what: String,
    },
    /// The base commit's CODEOWNERS cannot be read as GitHub's syntax (exit 3).
    #[error("the base commit's CODEOWNERS cannot be used: {0}")]
    CodeOwners(#[from] crate::owners::ParseError),
}

/// The CODEOWNERS file GitHub uses at `commit`: the first of [`LOCATIONS`] that holds
/// something, parsed. `None` when none does. Something other than a regular file there
/// (a symlink is not followed), or a file reltag cannot parse, is an error: the gate
/// cannot say who owns what.
///
/// [`LOCATIONS`]: crate::owners::LOCATIONS
pub fn code_owners(
    repo: &Repo,
    forge: &dyn Forge,
    commit: &str,
) -> Result<Option<crate::owners::CodeOwners>, Error> {
    for path in crate::owners::LOCATIONS {
        match file_at(repo, forge, commit, path)?.0 {
            FileAt::Missing => continue,
            FileAt::File(bytes) => {
                return Ok(Some(crate::owners::CodeOwners::parse(path, &bytes)?));
            }
            FileAt::NotAFile { what } => {
                return Err(Error::NotAFile {
                    path: path.to_string(),
                    commit: short(commit).to_string(),
                    what,
                });
            }
        }
    }
    Ok(None)
}

/// The repository-relative path (`/`-separated) that `given` names. `given` is absolute
/// (`cwd.join(argument)`) or relative to `workdir`; it is normalized by its text alone
/// (`.` dropped, `..` taken back), and only the part leading to the work tree's root is
/// compared on disk: nothing inside the tree is resolved, so no symlink of the pull
/// request's checkout can steer the path.
pub fn repo_path(given: &Path, workdir: &Path) -> Result<String, Error> {
    let shown = given.display().to_string();
    let outside = |reason: &str| Error::Path {
        given: shown.clone(),
        reason: reason.to_string(),
    };
    let absolute = if given.is_absolute() {
        given.to_path_buf()
    } else {
        workdir.join(given)
    };
    // Lexical normalization.
    let mut parts: Vec<Component> = Vec::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                _ => return Err(outside("climbs above the file system's root")),
            },
            other => parts.push(other),
        }
    }
    let root = workdir
        .canonicalize()
        .unwrap_or_else(|_| workdir.to_path_buf());
    // The first ancestor (shortest first) that is the work tree's root: the prefix
    // above the tree is not the pull request's, so it may be resolved on disk.
    for split in 0..=parts.len() {
        let prefix: std::path::PathBuf = parts[..split].iter().collect();
        let is_root =
            prefix == workdir || prefix == root || prefix.canonicalize().is_ok_and(|p| p == root);
        if !is_root {
            continue;
        }
        let inside: Vec<String> = parts[split..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if inside.is_empty() {
            return Err(outside("is the repository itself, not a file in it"));
        }
        return Ok(inside.join("/"));
    }
    Err(outside("is outside the repository"))
}

/// `path` at `commit`: from the local objects (fetching the commit when the checkout
/// lacks it), else from the forge.
pub fn file_at(
    repo: &Repo,
    forge: &dyn Forge,
    commit: &str,
    path: &str,
) -> Result<(FileAt, Source), Error> {
    if let Ok(id) = ObjectId::from_hex(commit.as_bytes()) {
        if !has_commit(repo, id) {
            fetch(repo, &[commit], Some(1));
        }
        if has_commit(repo, id) {
            return Ok((file_in_git(repo, id, path)?, Source::Git));
        }
    }
    Ok((forge.file_at(commit, path)?, Source::Forge))
}

/// `path` in `commit`'s tree. A symlink, a directory or a submodule at the path — or a
/// symlink or file where the path needs a directory — is [`FileAt::NotAFile`].
pub fn file_in_git(repo: &Repo, commit: ObjectId, path: &str) -> Result<FileAt, Error> {
    let failed = |e: &dyn std::fmt::Display| Error::Git {
        path: path.to_string(),
        commit: short(&commit.to_string()).to_string(),
        message: e.to_string(),
    };
    let tree = repo
        .gix()
        .find_commit(commit)
        .map_err(|e| failed(&e))?
        .tree()
        .map_err(|e| failed(&e))?;
    let kind = |mode: gix::object::tree::EntryMode| {
        if mode.is_link() {
            "a symlink"
        } else if mode.is_tree() {
            "a directory"
        } else if mode.is_commit() {
            "a submodule"
        } else {
            "a file"
        }
    };
    match tree.lookup_entry_by_path(path).map_err(|e| failed(&e))? {
        Some(entry) if entry.mode().is_blob() => {
            let object = entry.object().map_err(|e| failed(&e))?;
            Ok(FileAt::File(object.data.clone()))
        }
        Some(entry) => Ok(FileAt::NotAFile {
            what: kind(entry.mode()).to_string(),
        }),
        None => {
            // Name what stands in the way: `config` is a symlink, `config/policy.toml`
            // cannot be inside it.
            let parts: Vec<&str> = path.split('/').collect();
            for depth in 1..parts.len() {
                let prefix = parts[..depth].join("/");
                if let Some(entry) = tree.lookup_entry_by_path(&prefix).map_err(|e| failed(&e))?
                    && !entry.mode().is_tree()
                {
                    return Ok(FileAt::NotAFile {
                        what: format!("inside {prefix}, which is {}", kind(entry.mode())),
                    });
                }
            }
            Ok(FileAt::Missing)
        }
    }
}

pub fn has_commit(repo: &Repo, id: ObjectId) -> bool {
    repo.gix().find_commit(id).is_ok()
}

/// `git fetch` of commits by id from `origin`, best effort: the caller checks what arrived.
pub fn fetch(repo: &Repo, shas: &[&str], depth: Option<u64>) -> bool {
    let dir = repo.workdir().unwrap_or_else(|| repo.gix().git_dir());
    let mut args: Vec<String> = vec!["fetch".into(), "--no-tags".into(), "--quiet".into()];
    if let Some(depth) = depth {
        args.push(format!("--depth={depth}"));
    }
    args.push("origin".into());
    args.extend(shas.iter().map(|s| s.to_string()));
    run_git(dir, &args).is_ok()
}

/// `git fetch --unshallow` (when shallow) of `shas` from `origin`, best effort.
pub fn unshallow(repo: &Repo, shas: &[&str]) -> bool {
    let Some(dir) = repo.workdir() else {
        return false;
    };
    let mut args: Vec<String> = vec!["fetch".into(), "--no-tags".into(), "--quiet".into()];
    if repo.gix().is_shallow().unwrap_or(false) {
        args.push("--unshallow".into());
    }
    args.push("origin".into());
    args.extend(shas.iter().map(|s| s.to_string()));
    run_git(dir, &args).is_ok()
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_taken_literally_inside_the_tree() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(root.join("lax")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("lax", root.join("config")).unwrap();
        let path = |p: &str| repo_path(Path::new(p), &root).map_err(|e| e.to_string());
        assert_eq!(path("policy.toml").unwrap(), "policy.toml");
        // `config` is a symlink on disk: the path still names config/policy.toml.
        assert_eq!(
            repo_path(&root.join("config/policy.toml"), &root).unwrap(),
            "config/policy.toml"
        );
        assert_eq!(
            repo_path(&root.join("./a/../config/./policy.toml"), &root).unwrap(),
            "config/policy.toml"
        );
        assert!(
            path("../elsewhere/policy.toml")
                .unwrap_err()
                .contains("outside the repository")
        );
        assert!(repo_path(&root, &root).is_err());
        assert!(
            repo_path(Path::new("/etc/policy.toml"), &root)
                .unwrap_err()
                .to_string()
                .contains("outside the repository")
        );
    }
}
