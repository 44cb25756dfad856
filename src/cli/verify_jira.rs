//! `[commits] verify_jira = true`: the Jira keys the checked commits name must exist.
//!
//! Shared by `check pr` (the pull request's commits) and `cut` (the commits since the
//! previous release tag, the notes' range). Every key of every commit is looked up in one
//! batched `verify_keys` call per run. Never called on a hook path or by `reltag check`,
//! which stay offline.

use super::Context;
use crate::git::CommitInfo;
use crate::policy::Policy;
use crate::policy::schema::JiraIn;
use crate::report::{Finding, Subject};
use crate::rules::{MessageFacts, commit_jira_exists, jira::find_keys};
use crate::tracker::jira::{self, JiraClient};

/// What the verification found: a note for the report and one finding per commit that
/// names a key Jira did not confirm.
#[derive(Debug)]
pub struct Verified {
    pub note: String,
    pub findings: Vec<Finding>,
}

/// Each key the commits name (where `[commits] jira_in` says keys count, limited to
/// `jira_projects` when set), first-seen order, with the commits naming it.
fn keys_named<'c>(
    commits: &'c [CommitInfo],
    policy: &Policy,
) -> Vec<(String, Vec<&'c CommitInfo>)> {
    let mut named: Vec<(String, Vec<&CommitInfo>)> = Vec::new();
    let subject = Subject::Repository;
    for commit in commits {
        let facts = MessageFacts {
            subject: &subject,
            message: &commit.message,
            parent_count: Some(commit.parent_count),
            encoding: commit.encoding.as_deref(),
            author: None,
        };
        let text = match policy.file.commits.jira_in {
            JiraIn::Subject => facts.subject_line(),
            JiraIn::Message => facts.text(),
        };
        for found in find_keys(text, &policy.jira_projects) {
            match named.iter_mut().find(|(k, _)| k == found.key) {
                Some((_, by)) => {
                    if !by.iter().any(|c| c.id == commit.id) {
                        by.push(commit);
                    }
                }
                None => named.push((found.key.to_string(), vec![commit])),
            }
        }
    }
    named
}

/// Looks up the keys `commits` name, when the policy asks for it (`Ok(None)` when it does
/// not). Any Jira error (no URL, no credentials, 401, network…) is returned: the caller
/// fails closed.
pub fn verify(
    ctx: &Context,
    policy: &Policy,
    commits: &[CommitInfo],
    refname: Option<&str>,
) -> Result<Option<Verified>, jira::Error> {
    if !policy.file.commits.verify_jira {
        return Ok(None);
    }
    // Configuration problems show even when no commit names a key.
    let client = JiraClient::from_policy(policy)?;
    let named = keys_named(commits, policy);
    if named.is_empty() {
        return Ok(Some(Verified {
            note: format!(
                "jira keys: the {} commit(s) name none, nothing to verify",
                commits.len()
            ),
            findings: Vec::new(),
        }));
    }
    ctx.status(format!(
        "verifying {} Jira key(s) at {}",
        named.len(),
        client.config().url
    ));
    let keys: Vec<String> = named.iter().map(|(k, _)| k.clone()).collect();
    let missing = jira::verify_keys(&keys, &client)?;
    let mut findings = Vec::new();
    for key in &missing {
        let by = named
            .iter()
            .find(|(k, _)| *k == key.key)
            .map(|(_, by)| by.as_slice())
            .unwrap_or_default();
        for commit in by {
            let subject = Subject::Commit {
                id: commit.id.to_string(),
                summary: commit.summary(),
                refname: refname.map(str::to_string),
            };
            commit_jira_exists::check(&subject, key, &mut findings);
        }
    }
    let note = if missing.is_empty() {
        format!(
            "jira keys: all {} named by the commits exist in Jira",
            named.len()
        )
    } else {
        format!(
            "jira keys: {} of {} named by the commits not found in Jira ({}), or the token cannot see them",
            missing.len(),
            named.len(),
            missing
                .iter()
                .map(|m| m.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Ok(Some(Verified { note, findings }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gix::ObjectId;

    fn commit(n: u8, message: &str) -> CommitInfo {
        CommitInfo {
            id: ObjectId::from_bytes_or_panic(&[n; 20]),
            parent_count: 1,
            message: message.as_bytes().to_vec(),
            encoding: None,
            author: None,
        }
    }

    #[test]
    fn keys_are_collected_once_with_every_commit_naming_them() {
        let commits = [
            commit(1, "PAY-1: a\n\nsee OPS-7\n"),
            commit(2, "PAY-1: b, PAY-1 again\n"),
            commit(3, "no key\n"),
        ];
        let policy = Policy::default_policy();
        let named = keys_named(&commits, &policy);
        let summary: Vec<(&str, usize)> =
            named.iter().map(|(k, by)| (k.as_str(), by.len())).collect();
        assert_eq!(summary, vec![("PAY-1", 2), ("OPS-7", 1)]);

        let subject_only = Policy::from_toml(
            "[commits]\njira_in = \"subject\"\n",
            "policy.toml",
            crate::policy::Source::Default,
        )
        .unwrap();
        let named = keys_named(&commits, &subject_only);
        assert_eq!(named.len(), 1, "{named:?}");
    }
}
