//! Pull requests, their commits and files, and files at a commit, from GitHub's answers.

use gix::ObjectId;
use serde::Deserialize;

use super::{Client, Error, OwnerRepo, User, encode_segment};
use crate::forge::{ChangedFile, FileAt, PrCommit, PullRequest, Side};
use crate::git::{Author, CommitInfo};

/// The pulls API's commit list stops here (documented: "a maximum of 250 commits").
const COMMITS_LIMIT: u64 = 250;
/// The pulls API's file list stops here (documented: "a maximum of 3000 files").
const FILES_LIMIT: u64 = 3000;

/// A pull request as the API and the event payloads describe it.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiPullRequest {
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub user: User,
    pub head: ApiSide,
    pub base: ApiSide,
    /// Present in payloads and single-PR answers.
    pub commits: Option<u64>,
    pub changed_files: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiSide {
    #[serde(rename = "ref")]
    pub branch: String,
    pub sha: String,
}

impl ApiPullRequest {
    /// The forge's pull request; the commit ids must be full hex ids.
    pub fn into_pull_request(self, source: &str) -> Result<PullRequest, Error> {
        for (side, sha) in [("head", &self.head.sha), ("base", &self.base.sha)] {
            if ObjectId::from_hex(sha.as_bytes()).is_err() {
                return Err(Error::Protocol(format!(
                    "{source}: the pull request's {side}.sha `{sha}` is not a commit id"
                )));
            }
        }
        Ok(PullRequest {
            number: self.number,
            title: self.title,
            body: self.body,
            author: self.user.login,
            head: Side {
                branch: self.head.branch,
                sha: self.head.sha,
            },
            base: Side {
                branch: self.base.branch,
                sha: self.base.sha,
            },
            commit_count: self.commits,
            changed_files: self.changed_files,
        })
    }
}

pub fn pull_request(client: &Client, repo: &OwnerRepo, number: u64) -> Result<PullRequest, Error> {
    let path = format!("{}/pulls/{number}", repo.api_path());
    let pr: ApiPullRequest = client.get_json(&path)?;
    if pr.number != number {
        return Err(Error::Protocol(format!(
            "{path}: GitHub answered with pull request #{} for #{number}",
            pr.number
        )));
    }
    pr.into_pull_request(&path)
}

#[derive(Deserialize)]
struct ApiCommit {
    sha: String,
    commit: ApiCommitInner,
    parents: Vec<serde_json::Value>,
    /// The GitHub account linked to the author's email; `null` when none is.
    author: Option<ApiAccount>,
}

#[derive(Deserialize)]
struct ApiCommitInner {
    message: String,
    author: Option<ApiPerson>,
}

#[derive(Deserialize)]
struct ApiPerson {
    name: String,
    email: String,
}

#[derive(Deserialize)]
struct ApiAccount {
    login: String,
}

/// Every commit of the pull request, as the API lists them (oldest first). The list
/// must hold as many commits as the pull request says it has: the API stops at 250.
pub fn commits(
    client: &Client,
    repo: &OwnerRepo,
    pr: &PullRequest,
) -> Result<Vec<PrCommit>, Error> {
    let path = format!("{}/pulls/{}/commits", repo.api_path(), pr.number);
    let list: Vec<ApiCommit> = client.list(&path, None)?.items;
    let Some(expected) = pr.commit_count else {
        return Err(Error::Protocol(format!(
            "GitHub did not say how many commits pull request #{} has, so its list of {} cannot be checked",
            pr.number,
            list.len()
        )));
    };
    if list.len() as u64 != expected {
        return Err(Error::Protocol(format!(
            "the API listed {} of the pull request's {expected} commits (it stops at {COMMITS_LIMIT})",
            list.len()
        )));
    }
    list.into_iter()
        .map(|c| {
            let id = ObjectId::from_hex(c.sha.as_bytes()).map_err(|_| {
                Error::Protocol(format!("the API listed a commit with a bad id: {}", c.sha))
            })?;
            let mut message = c.commit.message.into_bytes();
            if !message.ends_with(b"\n") {
                message.push(b'\n');
            }
            Ok(PrCommit {
                commit: CommitInfo {
                    id,
                    parent_count: c.parents.len(),
                    message,
                    encoding: None,
                    author: c.commit.author.map(|a| Author {
                        name: a.name,
                        email: a.email,
                    }),
                },
                author_login: c.author.map(|a| a.login),
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct ApiFile {
    filename: String,
    previous_filename: Option<String>,
}

/// Every file the pull request changes; as many as it says it changes (the API stops
/// at 3000).
pub fn changed_files(
    client: &Client,
    repo: &OwnerRepo,
    pr: &PullRequest,
) -> Result<Vec<ChangedFile>, Error> {
    let path = format!("{}/pulls/{}/files", repo.api_path(), pr.number);
    let files: Vec<ApiFile> = client.list(&path, None)?.items;
    match pr.changed_files {
        Some(expected) if files.len() as u64 != expected => {
            return Err(Error::Protocol(format!(
                "GitHub listed {} of the pull request's {expected} changed files (the API stops at {FILES_LIMIT})",
                files.len()
            )));
        }
        None => {
            return Err(Error::Protocol(format!(
                "GitHub did not say how many files pull request #{} changes, so its list of {} cannot be checked",
                pr.number,
                files.len()
            )));
        }
        _ => {}
    }
    Ok(files
        .into_iter()
        .map(|f| ChangedFile {
            path: f.filename,
            previous_path: f.previous_filename,
        })
        .collect())
}

#[derive(Deserialize)]
struct Contents {
    #[serde(rename = "type")]
    kind: String,
    path: String,
    content: Option<String>,
    encoding: Option<String>,
}

/// `path` at `commit` from the contents API. GitHub follows a symlink to a file of the
/// repository and answers with that file: an answer for another path is a symlink at
/// the commit, never the file asked for.
pub fn file_at(
    client: &Client,
    repo: &OwnerRepo,
    commit: &str,
    path: &str,
) -> Result<FileAt, Error> {
    let encoded: Vec<String> = path.split('/').map(encode_segment).collect();
    let url = format!(
        "{}/contents/{}?ref={}",
        repo.api_path(),
        encoded.join("/"),
        encode_segment(commit)
    );
    let Some(value) = client.get_json_optional::<serde_json::Value>(&url)? else {
        return Ok(FileAt::Missing);
    };
    if value.is_array() {
        return Ok(FileAt::NotAFile {
            what: "a directory".into(),
        });
    }
    let contents: Contents = serde_json::from_value(value).map_err(|e| Error::Decode {
        url: url.clone(),
        message: e.to_string(),
    })?;
    if contents.kind != "file" {
        return Ok(FileAt::NotAFile {
            what: format!("a {}", contents.kind),
        });
    }
    if contents.path != path {
        return Ok(FileAt::NotAFile {
            what: format!("GitHub answered with {}", contents.path),
        });
    }
    match (contents.encoding.as_deref(), contents.content) {
        (Some("base64"), Some(text)) => decode_base64(&text)
            .map(FileAt::File)
            .ok_or_else(|| Error::Protocol(format!("GitHub sent {path} as broken base64"))),
        (encoding, _) => Err(Error::Protocol(format!(
            "GitHub sent {path} in the encoding `{}` (a file over 1 MB has no content): cannot read it",
            encoding.unwrap_or("none")
        ))),
    }
}

/// Standard base64 with line breaks, as the contents API sends it.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_with_line_breaks() {
        assert_eq!(
            decode_base64("W3B1bGxf\ncmVxdWVzdHNd\n").unwrap(),
            b"[pull_requests]"
        );
        assert_eq!(decode_base64("YQ==").unwrap(), b"a");
        assert!(decode_base64("a*b").is_none());
    }

    #[test]
    fn a_pull_request_needs_commit_ids() {
        let pr: ApiPullRequest = serde_json::from_value(serde_json::json!({
            "number": 7, "title": "t", "body": null, "user": {"login": "a"},
            "head": {"ref": "f", "sha": "main"},
            "base": {"ref": "main", "sha": "c3b93769f009d1738363041806908cb3739c88d9"},
        }))
        .unwrap();
        let err = pr.into_pull_request("the event").unwrap_err();
        assert!(
            err.to_string()
                .contains("head.sha `main` is not a commit id"),
            "{err}"
        );
    }
}
