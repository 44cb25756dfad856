//! The Actions event payload (`$GITHUB_EVENT_PATH`, named by `$GITHUB_EVENT_NAME`), as far
//! as `check pr` needs it.

use std::path::Path;

use serde::Deserialize;

use super::Error;
use super::pulls::ApiPullRequest;
use crate::forge::PullRequest;

#[derive(Debug, Clone, Deserialize)]
struct MergeGroup {
    head_ref: String,
    base_sha: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Repository {
    full_name: String,
}

#[derive(Debug, Deserialize)]
struct Payload {
    pull_request: Option<ApiPullRequest>,
    merge_group: Option<MergeGroup>,
    repository: Option<Repository>,
}

/// What the event says about the pull request to check.
#[derive(Debug, Clone)]
pub enum PrEvent {
    /// `pull_request`, `pull_request_target`, `pull_request_review`: the payload carries
    /// the pull request. (On `pull_request`, `GITHUB_SHA` is a merge commit GitHub made;
    /// `head.sha` is what is judged.)
    PullRequest {
        pr: Box<PullRequest>,
        repository: Option<String>,
    },
    /// `merge_group`: a merge queue entry. The pull request's number is read from the
    /// queue branch (`gh-readonly-queue/<base>/pr-<n>-<sha>`); `base_sha` is the queue's base.
    MergeGroup {
        number: u64,
        base_sha: String,
        repository: Option<String>,
    },
}

/// Reads the event. `name` is `$GITHUB_EVENT_NAME`.
pub fn read(name: &str, path: &Path) -> Result<PrEvent, Error> {
    let text = std::fs::read(path).map_err(|e| {
        Error::Event(format!(
            "cannot read the event payload {}: {e}",
            path.display()
        ))
    })?;
    parse(name, &text)
}

pub fn parse(name: &str, text: &[u8]) -> Result<PrEvent, Error> {
    let payload: Payload = serde_json::from_slice(text).map_err(|e| {
        Error::Event(format!(
            "the `{name}` event payload is not what GitHub sends: {e}"
        ))
    })?;
    let repository = payload.repository.map(|r| r.full_name);
    match name {
        "pull_request" | "pull_request_target" | "pull_request_review" => {
            let pr = payload
                .pull_request
                .ok_or_else(|| {
                    Error::Event(format!("the `{name}` event payload has no pull_request"))
                })?
                .into_pull_request(&format!("the `{name}` event payload"))?;
            Ok(PrEvent::PullRequest {
                pr: Box::new(pr),
                repository,
            })
        }
        "merge_group" => {
            let group = payload.merge_group.ok_or_else(|| {
                Error::Event("the merge_group event payload has no merge_group".into())
            })?;
            let number = queue_pr_number(&group.head_ref).ok_or_else(|| {
                Error::Event(format!(
                    "cannot tell the pull request from the merge queue branch {}",
                    group.head_ref
                ))
            })?;
            Ok(PrEvent::MergeGroup {
                number,
                base_sha: group.base_sha,
                repository,
            })
        }
        other => Err(Error::Event(format!(
            "`check pr` gates pull requests, and this workflow runs on `{other}`: run it on pull_request, pull_request_target or merge_group, or pass --number N"
        ))),
    }
}

/// `refs/heads/gh-readonly-queue/main/pr-123-<sha>` → 123.
fn queue_pr_number(head_ref: &str) -> Option<u64> {
    let last = head_ref.rsplit('/').next()?;
    let rest = last.strip_prefix("pr-")?;
    rest.split('-').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_branches_name_their_pull_request() {
        assert_eq!(
            queue_pr_number("refs/heads/gh-readonly-queue/main/pr-123-f4e3d2c1"),
            Some(123)
        );
        assert_eq!(queue_pr_number("refs/heads/main"), None);
    }

    #[test]
    fn merge_group_payloads_are_read() {
        let text = br#"{"action":"checks_requested","merge_group":{"head_sha":"a","head_ref":"refs/heads/gh-readonly-queue/main/pr-7-abc","base_sha":"b","base_ref":"refs/heads/main"},"repository":{"full_name":"o/r"}}"#;
        match parse("merge_group", text).unwrap() {
            PrEvent::MergeGroup {
                number, base_sha, ..
            } => {
                assert_eq!((number, base_sha.as_str()), (7, "b"));
            }
            other => panic!("{other:?}"),
        }
    }
}
