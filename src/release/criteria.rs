//! The release criteria: what one criterion's result is ([`CriterionOutcome`]: measured
//! value, threshold, verdict and findings), where a report-based criterion's value comes
//! from ([`Source`]), and the registry's entry type ([`CriterionEntry`]).
//!
//! # The registry
//!
//! Each criterion's rule file declares its entry (`pub const CRITERION: CriterionEntry`)
//! and `rules::CRITERIA` lists them. The entry names the criterion, its rule, whether an
//! emergency may skip it and whether `evidence record` can record it, and its
//! `evaluate`: it gathers plain facts through [`Gather`] (the one place with I/O: a
//! report or the ledger's record, git, the ledger, a process, the forge, the tracker)
//! and hands them to its rule's pure check. A service that cannot be asked, or whose
//! answer cannot be vouched for, is [`Verdict::Undecided`] with a finding and a hint
//! ([`undecided`]), so the cut stops with exit 3 — never a silent pass.

use super::gather::{self, Gather, Unavailable};
use crate::evidence::ReportError;
use crate::ledger::EvidenceRecord;
use crate::policy::schema::{Criterion, Skippable};
use crate::report::{Finding, Subject};
use crate::rules::RuleInfo;

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
    /// What `evidence record` keeps beside the value when the value alone does not say
    /// how it was found (`query: …`, the question a service was asked).
    pub comment: Option<String>,
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
            comment: None,
        }
    }
}

/// A release criterion as the registry knows it: declared in its rule file
/// (`src/rules/release_<name>.rs`, `pub const CRITERION`) and listed in
/// [`crate::rules::CRITERIA`]. `cut`, `evidence record`, the emergency procedure and the
/// release gate take everything they need from here, so a new criterion is its rule
/// file, its evidence parser and its schema entry.
pub struct CriterionEntry {
    /// The policy's name for it (`[release] criteria`): its variant of the schema's enum.
    pub criterion: Criterion,
    /// Its name in `[release] criteria`, e.g. `coverage`.
    pub name: &'static str,
    /// The rule that judges it.
    pub rule: RuleInfo,
    /// The word in `[emergency] may_skip` that lets an emergency release skip it.
    pub skippable: Option<Skippable>,
    /// Whether and how `reltag evidence record NAME` records it.
    pub recorded: Recorded,
    /// Gathers its facts through [`Gather`] and decides them with its rule.
    pub evaluate: fn(&Gather<'_>) -> Result<CriterionOutcome, gather::Error>,
}

/// How `reltag evidence record NAME` records a criterion's evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Never: it is decided at cut time only (from git, the ledger, the forge or a
    /// process).
    Never,
    /// From a report, read through [`Gather::report`]: the file named on the command
    /// line, else the policy's. `cut` uses the record when the report is not in a clean
    /// working tree.
    FromReport,
    /// By asking `service` about a version now (VERSION is required, there is no
    /// report), for the audit trail only: `cut` always asks again.
    ByAsking { service: &'static str },
}

/// The registry entry of a criterion the policy names.
pub fn entry(criterion: Criterion) -> Option<&'static CriterionEntry> {
    crate::rules::CRITERIA
        .iter()
        .find(|e| e.criterion == criterion)
}

/// The registry entry of the criterion named `name` in the policy.
pub fn named(name: &str) -> Option<&'static CriterionEntry> {
    crate::rules::CRITERIA.iter().find(|e| e.name == name)
}

/// The criteria's names as `evidence record` tells them apart: those it records (from a
/// report first, then by asking a service: `coverage, perf, bugs`) and those decided at
/// cut time only, each in the registry's order.
pub fn by_recording() -> (Vec<&'static str>, Vec<&'static str>) {
    let (mut recorded, at_cut): (Vec<&CriterionEntry>, Vec<&CriterionEntry>) =
        crate::rules::CRITERIA
            .iter()
            .partition(|e| e.recorded != Recorded::Never);
    recorded.sort_by_key(|e| matches!(e.recorded, Recorded::ByAsking { .. }));
    let names = |entries: Vec<&CriterionEntry>| entries.iter().map(|e| e.name).collect();
    (names(recorded), names(at_cut))
}

/// An outcome that could not be decided, with the service's error and how to fix it.
pub fn undecided(
    criterion: &'static str,
    rule: &'static str,
    version: &str,
    unavailable: &Unavailable,
) -> CriterionOutcome {
    let mut finding = Finding::error(
        rule,
        Subject::Tag {
            name: version.to_string(),
        },
        format!(
            "the {criterion} criterion cannot be evaluated: {}",
            unavailable.message
        ),
    );
    if let Some(hint) = &unavailable.hint {
        finding = finding.with_hint(hint.clone());
    }
    CriterionOutcome::decide(criterion, None, None, vec![finding], true)
}

/// A report-based criterion's outcome: the measured value (from the report, or as
/// recorded), the threshold and the rule's findings.
pub fn from_source<T>(
    criterion: &'static str,
    source: &Source<T>,
    threshold: String,
    measured: impl Fn(&T) -> String,
    findings: Vec<Finding>,
) -> CriterionOutcome {
    let (measured, sha, from) = match source {
        Source::Report {
            value,
            sha256,
            path,
        } => (
            Some(measured(value)),
            Some(sha256.clone()),
            Some(path.clone()),
        ),
        Source::Recorded(r) => (
            r.measured.clone(),
            r.report_sha256.clone(),
            Some(format!("recorded by {} at {}", r.actor, r.time)),
        ),
        _ => (None, None, None),
    };
    let mut outcome = CriterionOutcome::decide(
        criterion,
        measured,
        Some(threshold),
        findings,
        source.undecided(),
    );
    outcome.report_sha256 = sha;
    outcome.source = from;
    outcome
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
