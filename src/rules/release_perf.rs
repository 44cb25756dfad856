use super::declare_rule;
use crate::evidence::jtl::{Results, Stats};
use crate::evidence::{format_number, format_percent};
use crate::policy::Policy;
use crate::policy::schema::{Criterion, Skippable};
use crate::release::criteria::{
    CriterionEntry, CriterionOutcome, Recorded, Source, source_findings,
};
use crate::release::gather::{Error, Gather};
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// The JMeter results of the commit being released are within the configured limits.
    ///
    /// The results file is a JTL (CSV with or without header). The p95 and p99 latency (nearest
    /// rank) and the error rate are checked overall and for every label.
    ///
    /// ## Why
    /// An average hides the slow requests users notice; a per-label check keeps one slow
    /// endpoint from hiding behind many fast ones.
    ///
    /// ## Example
    /// `POST /api/payments: p95 640ms > 200ms`.
    ///
    /// ## Configuration
    /// `[release.perf] report` (default `perf/results.jtl`), `p95_ms` (default 200),
    /// `p99_ms` (default none), `max_error_percent` (default 1.0).
    ///
    /// ## How to fix
    /// Find the slow or failing label in the results, fix it, and run the test again on
    /// this commit.
    pub struct ReleasePerf { id: "release-perf", group: Release }
}

pub struct PerfFacts<'a> {
    pub commit: &'a str,
    pub source: &'a Source<Results>,
}

pub fn threshold(policy: &Policy) -> String {
    let perf = &policy.file.release.perf;
    let mut parts = Vec::new();
    if let Some(p95) = &perf.p95_ms {
        parts.push(format!("p95 ≤ {}ms", format_number(*p95.get_ref())));
    }
    if let Some(p99) = &perf.p99_ms {
        parts.push(format!("p99 ≤ {}ms", format_number(*p99.get_ref())));
    }
    if let Some(errors) = &perf.max_error_percent {
        parts.push(format!("errors ≤ {}", format_percent(*errors.get_ref())));
    }
    parts.join(", ")
}

/// `p95 180ms, p99 250ms, errors 0.5% (200 samples)`.
pub fn measured(stats: &Stats) -> String {
    format!(
        "p95 {}ms, p99 {}ms, errors {} ({} samples)",
        stats.p95_ms,
        stats.p99_ms,
        format_percent(stats.error_percent()),
        stats.samples
    )
}

/// The limits a set of statistics breaks, as `p95 640ms > 200ms`.
pub fn problems(stats: &Stats, policy: &Policy) -> Vec<String> {
    let perf = &policy.file.release.perf;
    let mut out = Vec::new();
    if let Some(p95) = &perf.p95_ms
        && stats.p95_ms as f64 > *p95.get_ref()
    {
        out.push(format!(
            "p95 {}ms > {}ms",
            stats.p95_ms,
            format_number(*p95.get_ref())
        ));
    }
    if let Some(p99) = &perf.p99_ms
        && stats.p99_ms as f64 > *p99.get_ref()
    {
        out.push(format!(
            "p99 {}ms > {}ms",
            stats.p99_ms,
            format_number(*p99.get_ref())
        ));
    }
    if let Some(max) = &perf.max_error_percent
        && stats.error_percent() > *max.get_ref()
    {
        out.push(format!(
            "errors {} > {} ({} of {} samples failed)",
            format_percent(stats.error_percent()),
            format_percent(*max.get_ref()),
            stats.errors,
            stats.samples
        ));
    }
    out
}

pub fn check(facts: &PerfFacts, policy: &Policy, out: &mut Vec<Finding>) {
    let threshold = threshold(policy);
    if source_findings(
        ReleasePerf::ID,
        "perf",
        facts.source,
        &threshold,
        facts.commit,
        out,
    ) {
        return;
    }
    if let Source::Report { path, value, .. } = facts.source {
        let subject = || Subject::File {
            path: path.clone(),
            line: None,
            column: None,
        };
        let overall = problems(&value.overall, policy);
        if !overall.is_empty() {
            out.push(
                Finding::error(
                    ReleasePerf::ID,
                    subject(),
                    format!("overall: {}", overall.join(", ")),
                )
                .with_hint("see the per-label findings for where the time or the errors go"),
            );
        }
        for (label, stats) in &value.labels {
            let problems = problems(stats, policy);
            if !problems.is_empty() {
                out.push(
                    Finding::error(ReleasePerf::ID, subject(), format!("{label}: {}", problems.join(", ")))
                        .with_hint("fix this request's latency or failures and run the load test again on this commit"),
                );
            }
        }
    }
}

/// The `perf` criterion: the JMeter results (or their recorded evidence) judged by this
/// rule.
pub const CRITERION: CriterionEntry = CriterionEntry {
    criterion: Criterion::Perf,
    name: "perf",
    rule: ReleasePerf::INFO,
    skippable: Some(Skippable::Perf),
    recorded: Recorded::FromReport,
    evaluate,
};

fn evaluate(g: &Gather<'_>) -> Result<CriterionOutcome, Error> {
    let report = &g.policy.file.release.perf.report;
    let source = g.report("perf", report, crate::evidence::jtl::parse)?;
    Ok(outcome(&source, g.policy, &g.commit_hex()))
}

/// The criterion's outcome over its source.
pub fn outcome(source: &Source<Results>, policy: &Policy, commit: &str) -> CriterionOutcome {
    let mut findings = Vec::new();
    check(&PerfFacts { commit, source }, policy, &mut findings);
    crate::release::criteria::from_source(
        "perf",
        source,
        threshold(policy),
        |r| measured(&r.overall),
        findings,
    )
}
