//! The `ci` release criterion: every name in `[release.ci] required` must have succeeded
//! on exactly the commit being released, by a check run or a commit status of that name.

use serde::Deserialize;

use super::{Client, Error, OwnerRepo};
use crate::report::{Finding, Subject};
use crate::rules::release_ci::ReleaseCi;

/// Where one check or status stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckState {
    Succeeded,
    /// Queued, in progress, waiting, or a status still `pending`.
    Pending,
    /// Completed with any conclusion other than success (`failure`, `cancelled`,
    /// `timed_out`, `skipped`, `neutral`, `action_required`, …), or a status `failure`/`error`.
    Failed(String),
    /// Nothing of that name ran on the commit.
    Missing,
}

impl CheckState {
    fn describe(&self) -> String {
        match self {
            CheckState::Succeeded => "succeeded".into(),
            CheckState::Pending => "is still pending".into(),
            CheckState::Failed(how) => format!("ended `{how}`"),
            CheckState::Missing => "did not run on this commit".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredCheck {
    pub name: String,
    pub state: CheckState,
}

/// The verdict of the `ci` criterion for one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiOutcome {
    pub commit: String,
    /// One entry per required name, in the policy's order.
    pub required: Vec<RequiredCheck>,
    /// Checks and statuses that are not required and did not succeed (warnings).
    pub other_failures: Vec<(String, String)>,
}

impl CiOutcome {
    /// Every required check succeeded.
    pub fn passed(&self) -> bool {
        self.required
            .iter()
            .all(|c| c.state == CheckState::Succeeded)
    }

    /// An error per required check that did not succeed, a warning per failed other check,
    /// all under rule `release-ci` about `subject` (the commit being released).
    pub fn findings(&self, subject: &Subject) -> Vec<Finding> {
        let mut out = Vec::new();
        for check in &self.required {
            if check.state == CheckState::Succeeded {
                continue;
            }
            let hint = match check.state {
                CheckState::Pending => "wait for it to finish, then run again",
                CheckState::Missing => {
                    "run the workflow on this exact commit, or fix the name in [release.ci] required"
                }
                _ => "fix the failure and re-run the check on this commit",
            };
            out.push(
                Finding::error(
                    ReleaseCi::ID,
                    subject.clone(),
                    format!(
                        "the required check `{}` {} on {}",
                        check.name,
                        check.state.describe(),
                        short(&self.commit)
                    ),
                )
                .with_hint(hint),
            );
        }
        for (name, how) in &self.other_failures {
            out.push(
                Finding::warning(
                    ReleaseCi::ID,
                    subject.clone(),
                    format!(
                        "the check `{name}` (not required) ended `{how}` on {}",
                        short(&self.commit)
                    ),
                )
                .with_hint("not blocking: it is not in [release.ci] required"),
            );
        }
        out
    }

    /// One line for the report's notes: "ci: build, test succeeded on 1a2b3c4d5e6f".
    pub fn note(&self) -> String {
        let names: Vec<&str> = self.required.iter().map(|c| c.name.as_str()).collect();
        if self.passed() {
            format!(
                "ci: {} succeeded on {}",
                names.join(", "),
                short(&self.commit)
            )
        } else {
            format!(
                "ci: not every required check succeeded on {}",
                short(&self.commit)
            )
        }
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

#[derive(Debug, Deserialize)]
struct CheckRun {
    name: String,
    status: String,
    conclusion: Option<String>,
    head_sha: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Status {
    context: String,
    state: String,
}

/// The `ci` criterion: reads every page of the check runs and the combined status of
/// `commit` (a full sha: the exact commit being released, never a branch name) and decides
/// each name in `required`. A name is satisfied when at least one check run or status of
/// that name exists and every one of them succeeded; pending is not success. Non-required
/// checks that failed come back in `other_failures` (warnings).
///
/// Errors (exit 3 at the command): any page that cannot be read after the client's retries.
pub fn evaluate_ci(
    required: &[String],
    repo: &OwnerRepo,
    commit: &str,
    client: &Client,
) -> Result<CiOutcome, Error> {
    let base = repo.api_path();
    let runs: Vec<CheckRun> = client
        .get_all(&format!("{base}/commits/{commit}/check-runs"), |v| {
            v.get("check_runs").cloned()
        })?;
    let statuses: Vec<Status> = client
        .get_all(&format!("{base}/commits/{commit}/status"), |v| {
            v.get("statuses").cloned()
        })?;
    let mut entries: Vec<(String, CheckState)> = Vec::new();
    for run in runs {
        if run
            .head_sha
            .as_deref()
            .is_some_and(|s| !s.eq_ignore_ascii_case(commit))
        {
            continue;
        }
        let state = if run.status != "completed" {
            CheckState::Pending
        } else {
            match run.conclusion.as_deref() {
                Some("success") => CheckState::Succeeded,
                Some(other) => CheckState::Failed(other.to_string()),
                None => CheckState::Pending,
            }
        };
        entries.push((run.name, state));
    }
    for status in statuses {
        let state = match status.state.as_str() {
            "success" => CheckState::Succeeded,
            "pending" => CheckState::Pending,
            other => CheckState::Failed(other.to_string()),
        };
        entries.push((status.context, state));
    }
    Ok(decide(required, commit, &entries))
}

fn decide(required: &[String], commit: &str, entries: &[(String, CheckState)]) -> CiOutcome {
    let required_checks = required
        .iter()
        .map(|name| {
            let mine: Vec<&CheckState> = entries
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, s)| s)
                .collect();
            let state = if mine.is_empty() {
                CheckState::Missing
            } else if let Some(failed) = mine.iter().find(|s| matches!(s, CheckState::Failed(_))) {
                (*failed).clone()
            } else if mine.iter().any(|s| **s == CheckState::Pending) {
                CheckState::Pending
            } else {
                CheckState::Succeeded
            };
            RequiredCheck {
                name: name.clone(),
                state,
            }
        })
        .collect();
    let mut other_failures: Vec<(String, String)> = entries
        .iter()
        .filter(|(n, _)| !required.contains(n))
        .filter_map(|(n, s)| match s {
            CheckState::Failed(how) if how != "skipped" && how != "neutral" => {
                Some((n.clone(), how.clone()))
            }
            _ => None,
        })
        .collect();
    other_failures.sort();
    other_failures.dedup();
    CiOutcome {
        commit: commit.to_string(),
        required: required_checks,
        other_failures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_of_a_required_name_must_succeed() {
        let entries = vec![
            ("build".to_string(), CheckState::Succeeded),
            ("test".to_string(), CheckState::Succeeded),
            ("test".to_string(), CheckState::Pending),
            ("lint".to_string(), CheckState::Failed("failure".into())),
            ("docs".to_string(), CheckState::Failed("skipped".into())),
        ];
        let required = vec!["build".to_string(), "test".to_string(), "e2e".to_string()];
        let outcome = decide(&required, "abc", &entries);
        assert!(!outcome.passed());
        let states: Vec<_> = outcome.required.iter().map(|c| c.state.clone()).collect();
        assert_eq!(
            states,
            vec![
                CheckState::Succeeded,
                CheckState::Pending,
                CheckState::Missing
            ]
        );
        assert_eq!(
            outcome.other_failures,
            vec![("lint".to_string(), "failure".to_string())]
        );
        let findings = outcome.findings(&Subject::Repository);
        assert_eq!(findings.len(), 3);
        assert!(findings[0].message.contains("`test` is still pending"));
    }
}
