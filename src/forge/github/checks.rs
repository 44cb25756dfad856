//! CI results on one commit: GitHub's check runs and commit statuses, translated into the
//! rules' [`CheckResult`]s. Every page is read; the lists must hold as many entries as
//! their `total_count` says, and every entry must be about the commit asked for.

use serde::Deserialize;

use super::{Client, Error, OwnerRepo};
use crate::rules::release_ci::{CheckResult, CheckState};

#[derive(Debug, Deserialize)]
struct CheckRun {
    name: String,
    status: String,
    conclusion: Option<String>,
    head_sha: String,
}

#[derive(Debug, Deserialize)]
struct Status {
    context: String,
    state: String,
}

/// Every check run and status on exactly `commit` (a full sha, never a branch name).
pub fn check_results(
    client: &Client,
    repo: &OwnerRepo,
    commit: &str,
) -> Result<Vec<CheckResult>, Error> {
    let base = repo.api_path();
    let short = &commit[..commit.len().min(12)];
    let runs = client.list::<CheckRun>(
        &format!("{base}/commits/{commit}/check-runs"),
        Some("check_runs"),
    )?;
    if runs.total_count != Some(runs.items.len() as u64) {
        return Err(Error::Protocol(format!(
            "GitHub counts {} check runs on {short} but listed {}: the list is incomplete; run again",
            runs.total_count.unwrap_or_default(),
            runs.items.len()
        )));
    }
    let combined_path = format!("{base}/commits/{commit}/status");
    let statuses = combined_status(client, &combined_path, commit)?;
    let mut results = Vec::with_capacity(runs.items.len() + statuses.len());
    for run in runs.items {
        // The list is for the commit; a run of another commit (a re-run on a sibling)
        // says nothing about this one.
        if !run.head_sha.eq_ignore_ascii_case(commit) {
            continue;
        }
        let state = match (run.status.as_str(), run.conclusion.as_deref()) {
            ("completed", Some("success")) => CheckState::Succeeded,
            ("completed", Some(other)) => CheckState::Failed(other.to_string()),
            _ => CheckState::Pending,
        };
        results.push(CheckResult {
            name: run.name,
            state,
        });
    }
    for status in statuses {
        let state = match status.state.as_str() {
            "success" => CheckState::Succeeded,
            "pending" => CheckState::Pending,
            other => CheckState::Failed(other.to_string()),
        };
        results.push(CheckResult {
            name: status.context,
            state,
        });
    }
    Ok(results)
}

/// The statuses of the combined status, every page, each page checked to be about `commit`.
fn combined_status(client: &Client, path: &str, commit: &str) -> Result<Vec<Status>, Error> {
    let short = |s: &str| s[..s.len().min(12)].to_string();
    let same_commit =
        |_: &str, page: &serde_json::Value| match page.get("sha").and_then(|s| s.as_str()) {
            Some(sha) if sha.eq_ignore_ascii_case(commit) => Ok(()),
            Some(sha) => Err(Error::Protocol(format!(
                "the combined status GitHub answered is for {}, not {}",
                short(sha),
                short(commit)
            ))),
            None => Err(Error::Protocol(format!(
                "the combined status GitHub answered for {} names no commit (`sha`)",
                short(commit)
            ))),
        };
    let listed = client.list_checked::<Status>(path, Some("statuses"), &same_commit)?;
    if listed.total_count != Some(listed.items.len() as u64) {
        return Err(Error::Protocol(format!(
            "GitHub counts {} statuses on {} but listed {}: the list is incomplete; run again",
            listed.total_count.unwrap_or_default(),
            short(commit),
            listed.items.len()
        )));
    }
    Ok(listed.items)
}
