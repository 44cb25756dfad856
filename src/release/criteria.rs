//! The release criteria: gather the evidence for each configured criterion, run its
//! rule, and return one [`CriterionOutcome`] per criterion — measured value, threshold,
//! verdict and findings — for `cut` to report and act on.
//!
//! # The seam for `ci` and `bugs`
//!
//! [`EXTERNAL`] is the one place the forge (`ci`) and the tracker (`bugs`) plug in. Each
//! is an [`ExternalEvaluator`]:
//!
//! ```text
//! fn(&CriterionInput { policy, version, commit }) -> CriterionOutcome
//! ```
//!
//! Each asks its service for plain facts — `Forge::check_results` for the exact commit,
//! `tracker::jira::evaluate_bugs` for the version — and hands them to its rule
//! (`rules::release_ci`, `rules::release_bugs`), which decides and builds the findings.
//! Any network or API error, or an answer the client cannot vouch for, is
//! [`Verdict::Undecided`] with a finding and a hint, so the cut stops with exit 3 —
//! never a silent pass.

use gix::ObjectId;

use crate::evidence::ReportError;
use crate::ledger::EvidenceRecord;
use crate::policy::Policy;
use crate::report::{Finding, Subject};
use crate::rules::release_bugs::{self, BugsOutcome, ReleaseBugs};
use crate::rules::release_ci::{self, ReleaseCi};

/// What a criterion decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    /// The evidence is missing or unreadable, or a service could not be asked: exit 3.
    Undecided,
    /// Skipped by an emergency release (`[emergency] may_skip`).
    Skipped,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "ok",
            Verdict::Fail => "blocked",
            Verdict::Undecided => "undecided",
            Verdict::Skipped => "skipped (emergency)",
        }
    }
}

/// One criterion's result.
#[derive(Debug, Clone)]
pub struct CriterionOutcome {
    /// The criterion's name as in `[release] criteria`, e.g. `coverage`.
    pub criterion: &'static str,
    /// What was measured, e.g. `91.3%`.
    pub measured: Option<String>,
    /// What the policy asks, e.g. `≥ 90%`.
    pub threshold: Option<String>,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// sha256 of the report the value was read from, when it came from a file.
    pub report_sha256: Option<String>,
    /// Where the value came from when not obvious (`recorded by ci@… at …`).
    pub source: Option<String>,
}

impl CriterionOutcome {
    /// `coverage 91.3% ≥ 90% ok`: the line `--dry-run` prints.
    pub fn line(&self) -> String {
        let mut line = self.criterion.to_string();
        if let Some(measured) = &self.measured {
            line.push(' ');
            line.push_str(measured);
        }
        if let Some(threshold) = &self.threshold {
            line.push_str(if self.measured.is_some() {
                " "
            } else {
                " (needs "
            });
            line.push_str(threshold);
            if self.measured.is_none() {
                line.push(')');
            }
        }
        line.push(' ');
        line.push_str(self.verdict.word());
        if let Some(source) = &self.source {
            line.push_str(&format!(" [{source}]"));
        }
        line
    }

    /// A verdict from findings: none → pass; `undecided` when the evidence itself was
    /// missing or broken.
    pub fn decide(
        criterion: &'static str,
        measured: Option<String>,
        threshold: Option<String>,
        findings: Vec<Finding>,
        undecided: bool,
    ) -> CriterionOutcome {
        let verdict = if findings
            .iter()
            .all(|f| f.severity != crate::report::Severity::Error)
        {
            Verdict::Pass
        } else if undecided {
            Verdict::Undecided
        } else {
            Verdict::Fail
        };
        CriterionOutcome {
            criterion,
            measured,
            threshold,
            verdict,
            findings,
            report_sha256: None,
            source: None,
        }
    }
}

/// What every criterion is evaluated against.
pub struct CriterionInput<'a> {
    pub policy: &'a Policy,
    /// The tag name, e.g. `v1.2.3`.
    pub version: &'a str,
    /// The exact commit being released.
    pub commit: ObjectId,
}

/// An evaluator for a criterion that needs a service (GitHub, Jira).
pub type ExternalEvaluator = fn(&CriterionInput<'_>) -> CriterionOutcome;

/// The evaluators for the criteria that need a service.
pub struct External {
    pub ci: ExternalEvaluator,
    pub bugs: ExternalEvaluator,
}

/// **The seam**: `ci` asks the forge about the exact commit, `bugs` asks Jira about the
/// version. Both fail closed: any error is an undecided outcome (exit 3) with its hint.
pub const EXTERNAL: External = External {
    ci: ci_from_forge,
    bugs: bugs_from_jira,
};

/// An outcome that could not be decided, with the service's error and how to fix it.
fn undecided(
    criterion: &'static str,
    rule: &'static str,
    input: &CriterionInput<'_>,
    error: &dyn std::fmt::Display,
    hint: Option<String>,
) -> CriterionOutcome {
    let mut finding = Finding::error(
        rule,
        Subject::Tag {
            name: input.version.to_string(),
        },
        format!("the {criterion} criterion cannot be evaluated: {error}"),
    );
    if let Some(hint) = hint {
        finding = finding.with_hint(hint);
    }
    CriterionOutcome::decide(criterion, None, None, vec![finding], true)
}

/// `ci`: every check named in `[release.ci] required` succeeded on the commit.
fn ci_from_forge(input: &CriterionInput<'_>) -> CriterionOutcome {
    let required = &input.policy.file.release.ci.required;
    let threshold = Some(format!("{} succeeded", required.join(", ")));
    let commit = input.commit.to_string();
    let results = crate::forge::from_env().and_then(|forge| forge.check_results(&commit));
    match results {
        Ok(results) => {
            let outcome = release_ci::decide(required, &commit, &results);
            let subject = Subject::Tag {
                name: input.version.to_string(),
            };
            let mut findings = Vec::new();
            release_ci::check(&outcome, &subject, &mut findings);
            CriterionOutcome::decide("ci", Some(outcome.note()), threshold, findings, false)
        }
        Err(e) => undecided("ci", ReleaseCi::ID, input, &e, Some(e.hint.clone())),
    }
}

/// `bugs`: the policy's JQL for this version finds at most `max` issues.
fn bugs_from_jira(input: &CriterionInput<'_>) -> CriterionOutcome {
    use crate::tracker::jira::{self, JiraClient};
    let Some(version) = input
        .policy
        .tag_format
        .version_text(input.version)
        .and_then(|v| semver::Version::parse(&v).ok())
    else {
        let e = format!("`{}` is not a release version", input.version);
        return undecided("bugs", ReleaseBugs::ID, input, &e, None);
    };
    let evaluated = JiraClient::from_policy(input.policy)
        .and_then(|client| jira::evaluate_bugs(input.policy, &version, input.version, &client));
    match evaluated {
        Ok(outcome) => bugs_outcome(&outcome),
        Err(e) => {
            let hint = e.hint();
            undecided("bugs", ReleaseBugs::ID, input, &e, hint)
        }
    }
}

/// The `bugs` criterion's outcome from Jira's answer: measured `N open`, threshold
/// `≤ max` (shared by `cut` and `evidence record bugs`, so both record the same words).
pub fn bugs_outcome(outcome: &BugsOutcome) -> CriterionOutcome {
    let mut findings = Vec::new();
    release_bugs::check(outcome, &mut findings);
    CriterionOutcome::decide(
        "bugs",
        Some(format!("{} open", outcome.count())),
        Some(format!("≤ {}", outcome.max)),
        findings,
        false,
    )
}

/// Where a report-based criterion's value comes from.
#[derive(Debug, Clone)]
pub enum Source<T> {
    /// A report file read now (working tree clean, HEAD is the commit).
    Report {
        path: String,
        value: T,
        sha256: String,
    },
    /// The evidence recorded in the ledger for the commit.
    Recorded(EvidenceRecord),
    /// The report exists but cannot be read.
    Broken(ReportError),
    /// Neither a usable report nor recorded evidence.
    Missing { path: String, why: String },
}

impl<T> Source<T> {
    pub fn undecided(&self) -> bool {
        matches!(self, Source::Broken(_) | Source::Missing { .. })
    }
}

/// Findings for the sources every report-based rule treats alike: recorded evidence,
/// broken and missing reports. Returns `true` when it handled the source (the rule then
/// has nothing to add); `false` for a report the rule must judge.
pub fn source_findings<T>(
    rule: &'static str,
    criterion: &str,
    source: &Source<T>,
    threshold: &str,
    commit: &str,
    out: &mut Vec<Finding>,
) -> bool {
    let short = &commit[..commit.len().min(12)];
    match source {
        Source::Report { .. } => false,
        Source::Recorded(record) => {
            let subject = Subject::Commit {
                id: commit.to_string(),
                summary: format!("{criterion} evidence recorded by {}", record.actor),
                refname: None,
            };
            if record.threshold.as_deref() != Some(threshold) {
                out.push(
                    Finding::error(
                        rule,
                        subject,
                        format!(
                            "the {criterion} evidence for {short} was judged against {}, but the policy now asks {threshold}",
                            record.threshold.as_deref().unwrap_or("no threshold")
                        ),
                    )
                    .with_hint(format!("record it again: `reltag evidence record {criterion} --commit {short}`")),
                );
            } else if record.result == crate::ledger::EvidenceResult::Fail {
                out.push(
                    Finding::error(
                        rule,
                        subject,
                        format!(
                            "the {criterion} evidence recorded for {short} failed: {} (needs {threshold})",
                            record.measured.as_deref().unwrap_or("no value")
                        ),
                    )
                    .with_hint("fix the cause and record new evidence for a new commit"),
                );
            }
            true
        }
        Source::Broken(error) => {
            out.push(
                Finding::error(
                    rule,
                    Subject::File {
                        path: error.path.clone(),
                        line: error.line,
                        column: None,
                    },
                    format!("the {criterion} report cannot be read: {}", error.message),
                )
                .with_hint("regenerate the report with the tool on this commit"),
            );
            true
        }
        Source::Missing { path, why } => {
            out.push(
                Finding::error(
                    rule,
                    Subject::File {
                        path: path.clone(),
                        line: None,
                        column: None,
                    },
                    format!("no {criterion} evidence for commit {short}: {why}"),
                )
                .with_hint(format!(
                    "produce the report on this commit with a clean tree, or record it from CI: `reltag evidence record {criterion} --report FILE --commit {short}`"
                )),
            );
            true
        }
    }
}
