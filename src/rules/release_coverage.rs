use super::declare_rule;
use crate::evidence::coverage::Coverage;
use crate::evidence::format_percent;
use crate::policy::Policy;
use crate::policy::schema::{Criterion, Skippable};
use crate::release::criteria::{
    CriterionEntry, CriterionOutcome, Recorded, Source, source_findings,
};
use crate::release::gather::{Error, Gather};
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// Line coverage of the commit being released is at least `min_percent`.
    ///
    /// It is read from an LCOV, Cobertura XML, JaCoCo XML or `cargo llvm-cov --json` report
    /// (detected from the content). The report in the working tree counts when the tree is
    /// clean and HEAD is the commit being tagged; otherwise the evidence recorded for that
    /// exact commit with `reltag evidence record coverage`.
    ///
    /// ## Why
    /// A coverage figure for another commit, or one nobody can trace to a report, says
    /// nothing about what is being released.
    ///
    /// ## Example
    /// `coverage 85.2% < 90% blocked`: 852 of 1000 lines.
    ///
    /// ## Configuration
    /// `[release.coverage] min_percent` (default 90) and `report` (default
    /// `coverage/lcov.info`); `coverage` in `[release] criteria`.
    ///
    /// ## How to fix
    /// Add tests, regenerate the report on this commit, or record it from CI.
    pub struct ReleaseCoverage { id: "release-coverage", group: Release }
}

pub struct CoverageFacts<'a> {
    pub commit: &'a str,
    pub source: &'a Source<Coverage>,
}

pub fn threshold(policy: &Policy) -> String {
    format!(
        "≥ {}",
        format_percent(*policy.file.release.coverage.min_percent.get_ref())
    )
}

pub fn check(facts: &CoverageFacts, policy: &Policy, out: &mut Vec<Finding>) {
    let threshold = threshold(policy);
    if source_findings(
        ReleaseCoverage::ID,
        "coverage",
        facts.source,
        &threshold,
        facts.commit,
        out,
    ) {
        return;
    }
    if let Source::Report { path, value, .. } = facts.source {
        let min = *policy.file.release.coverage.min_percent.get_ref();
        if value.percent() < min {
            out.push(
                Finding::error(
                    ReleaseCoverage::ID,
                    Subject::File {
                        path: path.clone(),
                        line: None,
                        column: None,
                    },
                    format!(
                        "line coverage {} is below the minimum {} ({}: {} of {} lines covered)",
                        format_percent(value.percent()),
                        format_percent(min),
                        value.format.name(),
                        value.covered,
                        value.lines
                    ),
                )
                .with_hint("add tests for the uncovered lines, or change [release.coverage] min_percent through review"),
            );
        }
    }
}

/// The `coverage` criterion: the report (or its recorded evidence) judged by this rule.
pub const CRITERION: CriterionEntry = CriterionEntry {
    criterion: Criterion::Coverage,
    name: "coverage",
    rule: ReleaseCoverage::INFO,
    skippable: Some(Skippable::Coverage),
    recorded: Recorded::FromReport,
    evaluate,
};

fn evaluate(g: &Gather<'_>) -> Result<CriterionOutcome, Error> {
    let report = &g.policy.file.release.coverage.report;
    let source = g.report("coverage", report, crate::evidence::coverage::parse)?;
    Ok(outcome(&source, g.policy, &g.commit_hex()))
}

/// The criterion's outcome over its source.
pub fn outcome(source: &Source<Coverage>, policy: &Policy, commit: &str) -> CriterionOutcome {
    let mut findings = Vec::new();
    check(&CoverageFacts { commit, source }, policy, &mut findings);
    crate::release::criteria::from_source(
        "coverage",
        source,
        threshold(policy),
        |c| format_percent(c.percent()),
        findings,
    )
}
