//! Release tags in git, for `cut`: the remote's tags (`git ls-remote`), a local tag's
//! ref, and the annotated tag object, made without a ref
//! (the ledger's write path creates the ref once the remote accepted it). Signing goes
//! through `git tag -s`, so the user's own signing configuration applies.

use std::collections::BTreeMap;
use std::path::Path;

use gix::ObjectId;

use super::Repo;
use super::command::{CommandError, run_git};

/// Where `git` runs for this repository: the working tree, else the git directory.
pub(super) fn command_dir(repo: &Repo) -> &Path {
    repo.workdir().unwrap_or_else(|| repo.gix().git_dir())
}

/// The remote's tags by `git ls-remote --tags`: name → the commit it peels to (an
/// annotated tag's `^{}` line), else the object the ref names.
pub fn remote_tags(repo: &Repo, remote: &str) -> Result<BTreeMap<String, String>, CommandError> {
    let out = run_git(command_dir(repo), ["ls-remote", "--tags", remote])?;
    Ok(parse_ls_remote_tags(&String::from_utf8_lossy(&out.stdout)))
}

fn parse_ls_remote_tags(listing: &str) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    for line in listing.lines() {
        let Some((id, name)) = line.split_once('\t') else {
            continue;
        };
        let Some(name) = name.strip_prefix("refs/tags/") else {
            continue;
        };
        match name.strip_suffix("^{}") {
            Some(base) => {
                tags.insert(base.to_string(), id.to_string());
            }
            None => {
                tags.entry(name.to_string())
                    .or_insert_with(|| id.to_string());
            }
        }
    }
    tags
}

/// A tag that exists in this repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTag {
    /// The ref names a tag object (not a commit directly).
    pub annotated: bool,
    /// The commit it peels to, when it does.
    pub commit: Option<ObjectId>,
}

/// `refs/tags/<tag>` in this repository, if it exists.
pub fn local_tag(repo: &Repo, tag: &str) -> super::Result<Option<LocalTag>> {
    let refname = format!("refs/tags/{tag}");
    let gix = repo.gix();
    let Ok(Some(reference)) = gix.try_find_reference(refname.as_str()) else {
        return Ok(None);
    };
    let annotated = reference
        .target()
        .try_id()
        .and_then(|id| gix.find_object(id).ok())
        .is_some_and(|o| o.kind == gix::object::Kind::Tag);
    Ok(Some(LocalTag {
        annotated,
        commit: repo.ref_commit(&refname)?,
    }))
}

/// Why the tag object could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TagError {
    /// `git tag -s` failed: the signing configuration.
    #[error(transparent)]
    Sign(CommandError),
    #[error("git has no identity to tag with")]
    NoIdentity,
    #[error("git's identity is unusable: {0}")]
    Identity(String),
    /// The signed tag's ref, made by git, cannot be read or removed again.
    #[error("{0}")]
    SignedRef(String),
    #[error("cannot create tag {tag}: {message}")]
    Write { tag: String, message: String },
}

/// The annotated tag object `tag` for `commit` with `message`, without a ref; signed with
/// the user's git configuration when `sign`.
pub fn create_annotated(
    repo: &Repo,
    tag: &str,
    commit: ObjectId,
    message: &str,
    sign: bool,
) -> Result<ObjectId, TagError> {
    let gix = repo.gix();
    if sign {
        // git signs only while creating a ref: create it, read the object, delete the ref
        // at once. (Killed in between, the local tag stays; the next cut refuses it as
        // "already exists locally" and says how to delete it. It is never pushed.)
        let commit_hex = commit.to_string();
        run_git(
            command_dir(repo),
            [
                "tag",
                "-s",
                "--cleanup=verbatim",
                "-m",
                message,
                tag,
                commit_hex.as_str(),
            ],
        )
        .map_err(TagError::Sign)?;
        let reference = gix
            .find_reference(format!("refs/tags/{tag}").as_str())
            .map_err(|e| TagError::SignedRef(format!("cannot read the new tag {tag}: {e}")))?;
        let id = reference
            .target()
            .try_id()
            .map(|id| id.to_owned())
            .ok_or_else(|| TagError::SignedRef(format!("tag {tag} is symbolic")))?;
        reference.delete().map_err(|e| {
            TagError::SignedRef(format!(
                "cannot remove the local ref of {tag} until the remote has it: {e}"
            ))
        })?;
        Ok(id)
    } else {
        let committer = gix
            .committer()
            .ok_or(TagError::NoIdentity)?
            .map_err(|e| TagError::Identity(e.to_string()))?;
        let object = gix::objs::Tag {
            target: commit,
            target_kind: gix::object::Kind::Commit,
            name: tag.into(),
            tagger: Some(
                committer
                    .to_owned()
                    .map_err(|e| TagError::Identity(e.to_string()))?,
            ),
            message: message.into(),
            signature: None,
        };
        Ok(gix
            .write_object(&object)
            .map_err(|e| TagError::Write {
                tag: tag.to_string(),
                message: e.to_string(),
            })?
            .detach())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_remote_tags_peel_to_their_commits() {
        let listing = "1111\trefs/tags/v1.0.0\n2222\trefs/tags/v1.0.0^{}\n3333\trefs/tags/light\n4444\trefs/heads/main\nbroken line\n";
        let tags = parse_ls_remote_tags(listing);
        assert_eq!(tags.get("v1.0.0").map(String::as_str), Some("2222"));
        assert_eq!(tags.get("light").map(String::as_str), Some("3333"));
        assert_eq!(tags.len(), 2);
    }
}
