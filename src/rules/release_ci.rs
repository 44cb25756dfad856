use super::declare_rule;
use crate::policy::schema::{Criterion, Skippable};
use crate::release::criteria::{CriterionEntry, CriterionOutcome, Recorded};
use crate::release::gather::{Error, Gather};
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// Every check run or commit status named in `[release.ci] required` succeeded on
    /// exactly the commit being released. Pending is not success; a name that did not
    /// run on that commit is missing. A failed check that is not required is a warning.
    ///
    /// ## Why
    /// A release must be the commit CI tested, not its parent or a sibling with the same
    /// branch name, and not a commit whose tests are still running.
    ///
    /// ## Example
    /// With `required = ["build", "test"]`, a `test` run still in progress on the commit
    /// blocks `reltag cut`: "the required check `test` is still pending on 1a2b3c4d5e6f".
    ///
    /// ## Configuration
    /// `[release] criteria` containing `"ci"`; `[release.ci] required`: check-run names
    /// (the job names GitHub shows) or status contexts. Needs GITHUB_TOKEN or GH_TOKEN.
    ///
    /// ## How to fix
    /// Wait for the checks to finish, or fix and re-run the failed ones on that commit.
    pub struct ReleaseCi { id: "release-ci", group: Release }
}

/// One CI result on the commit being released, whatever the forge called it (a check
/// run, a commit status): the forge's client hands these over, only for that commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub name: String,
    pub state: CheckState,
}

/// Where one check stands.
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

/// What the checks on one commit add up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiOutcome {
    pub commit: String,
    /// One entry per required name, in the policy's order.
    pub required: Vec<RequiredCheck>,
    /// Checks that are not required and did not succeed (warnings).
    pub other_failures: Vec<(String, String)>,
}

impl CiOutcome {
    /// Every required check succeeded.
    pub fn passed(&self) -> bool {
        self.required
            .iter()
            .all(|c| c.state == CheckState::Succeeded)
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

/// Decides each name in `required` from the `results` on `commit`: satisfied when at
/// least one result of that name exists and every one of them succeeded.
pub fn decide(required: &[String], commit: &str, results: &[CheckResult]) -> CiOutcome {
    let required_checks = required
        .iter()
        .map(|name| {
            let mine: Vec<&CheckState> = results
                .iter()
                .filter(|r| &r.name == name)
                .map(|r| &r.state)
                .collect();
            let state = if mine.is_empty() {
                CheckState::Missing
            } else if let Some(failed) = mine.iter().find(|s| matches!(s, CheckState::Failed(_))) {
                (*failed).clone()
            } else if mine.iter().any(|s| **s != CheckState::Succeeded) {
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
    let mut other_failures: Vec<(String, String)> = results
        .iter()
        .filter(|r| !required.contains(&r.name))
        .filter_map(|r| match &r.state {
            CheckState::Failed(how) if how != "skipped" && how != "neutral" => {
                Some((r.name.clone(), how.clone()))
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

/// An error per required check that did not succeed, a warning per failed other check,
/// all about `subject` (the release).
pub fn check(outcome: &CiOutcome, subject: &Subject, out: &mut Vec<Finding>) {
    for required in &outcome.required {
        if required.state == CheckState::Succeeded {
            continue;
        }
        let hint = match required.state {
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
                    required.name,
                    required.state.describe(),
                    short(&outcome.commit)
                ),
            )
            .with_hint(hint),
        );
    }
    for (name, how) in &outcome.other_failures {
        out.push(
            Finding::warning(
                ReleaseCi::ID,
                subject.clone(),
                format!(
                    "the check `{name}` (not required) ended `{how}` on {}",
                    short(&outcome.commit)
                ),
            )
            .with_hint("not blocking: it is not in [release.ci] required"),
        );
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// The `ci` criterion: the forge's check results for the exact commit.
pub const CRITERION: CriterionEntry = CriterionEntry {
    criterion: Criterion::Ci,
    name: "ci",
    rule: ReleaseCi::INFO,
    skippable: Some(Skippable::Ci),
    recorded: Recorded::Never,
    evaluate,
};

fn evaluate(g: &Gather<'_>) -> Result<CriterionOutcome, Error> {
    let version = g.version("ci")?;
    let required = &g.policy.file.release.ci.required;
    let threshold = Some(format!("{} succeeded", required.join(", ")));
    let commit = g.commit_hex();
    Ok(match g.check_results() {
        Ok(results) => {
            let outcome = decide(required, &commit, &results);
            let subject = Subject::Tag {
                name: version.to_string(),
            };
            let mut findings = Vec::new();
            check(&outcome, &subject, &mut findings);
            CriterionOutcome::decide("ci", Some(outcome.note()), threshold, findings, false)
        }
        Err(unavailable) => {
            crate::release::criteria::undecided("ci", ReleaseCi::ID, version, &unavailable)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, state: CheckState) -> CheckResult {
        CheckResult {
            name: name.into(),
            state,
        }
    }

    #[test]
    fn every_result_of_a_required_name_must_succeed() {
        let results = vec![
            result("build", CheckState::Succeeded),
            result("test", CheckState::Succeeded),
            result("test", CheckState::Pending),
            result("lint", CheckState::Failed("failure".into())),
            result("docs", CheckState::Failed("skipped".into())),
        ];
        let required = vec!["build".to_string(), "test".to_string(), "e2e".to_string()];
        let outcome = decide(&required, "abc", &results);
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
        let mut findings = Vec::new();
        check(&outcome, &Subject::Repository, &mut findings);
        assert_eq!(findings.len(), 3);
        assert!(findings[0].message.contains("`test` is still pending"));
    }
}
