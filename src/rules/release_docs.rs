use super::declare_rule;
use crate::policy::NamePattern;
use crate::policy::Policy;
use crate::policy::schema::{Criterion, Skippable};
use crate::release::criteria::{CriterionEntry, CriterionOutcome, Recorded};
use crate::release::gather::{Error, Gather};
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// A documentation file changed since the previous release.
    ///
    /// At least one file matching `[release.docs] paths` changed between the previous release
    /// tag and the commit being released (every file counts for the first release). `*`
    /// matches within one directory, `**` across directories.
    ///
    /// ## Why
    /// A release nobody wrote a changelog entry or documentation for is a release users
    /// learn about from breakage.
    ///
    /// ## Example
    /// `no file matching CHANGELOG.md, docs/** changed since v1.2.2`.
    ///
    /// ## Configuration
    /// `[release.docs] paths` (default `["CHANGELOG.md", "docs/**"]`).
    ///
    /// ## How to fix
    /// Add the release's entry to the changelog or update the docs, commit, and cut again.
    pub struct ReleaseDocs { id: "release-docs", group: Release }
}

pub struct DocsFacts<'a> {
    pub previous_tag: Option<&'a str>,
    pub changed: &'a [String],
}

pub fn threshold(policy: &Policy) -> String {
    let paths: Vec<&str> = policy
        .file
        .release
        .docs
        .paths
        .iter()
        .map(|p| p.get_ref().as_str())
        .collect();
    format!("≥ 1 of {}", paths.join(", "))
}

/// The changed files that match the configured paths.
pub fn matching<'a>(facts: &DocsFacts<'a>, policy: &Policy) -> Vec<&'a str> {
    let patterns: Vec<NamePattern> = policy
        .file
        .release
        .docs
        .paths
        .iter()
        .filter_map(|p| NamePattern::compile(p.get_ref(), "[A-Z][A-Z0-9_]*-[1-9][0-9]*").ok())
        .collect();
    facts
        .changed
        .iter()
        .filter(|path| patterns.iter().any(|p| p.matches(path)))
        .map(String::as_str)
        .collect()
}

pub fn check(facts: &DocsFacts, policy: &Policy, out: &mut Vec<Finding>) {
    if matching(facts, policy).is_empty() {
        let since = facts
            .previous_tag
            .map(|t| format!("since {t}"))
            .unwrap_or_else(|| "in the whole history".into());
        out.push(
            Finding::error(
                ReleaseDocs::ID,
                Subject::Repository,
                format!("no file matching {} changed {since}", threshold(policy).trim_start_matches("≥ 1 of ")),
            )
            .with_hint("add this release's changelog entry or documentation, commit it on the release branch"),
        );
    }
}

/// The `docs` criterion: the paths git says changed since the previous release.
pub const CRITERION: CriterionEntry = CriterionEntry {
    criterion: Criterion::Docs,
    name: "docs",
    rule: ReleaseDocs::INFO,
    skippable: Some(Skippable::Docs),
    recorded: Recorded::Never,
    evaluate,
};

fn evaluate(g: &Gather<'_>) -> Result<CriterionOutcome, Error> {
    let (previous_tag, changed) = g.changed_since_previous_release("docs")?;
    let facts = DocsFacts {
        previous_tag,
        changed: &changed,
    };
    let matching = matching(&facts, g.policy);
    let mut findings = Vec::new();
    check(&facts, g.policy, &mut findings);
    let measured = match matching.len() {
        0 => "none changed".to_string(),
        n => format!(
            "{n} changed ({})",
            matching
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Ok(CriterionOutcome::decide(
        "docs",
        Some(measured),
        Some(threshold(g.policy)),
        findings,
        false,
    ))
}
