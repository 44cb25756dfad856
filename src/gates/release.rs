//! The release gate of `reltag cut`: the version, the release branch, the emergency
//! procedure, the commits' Jira keys, and one rule per release criterion. `cut` applies
//! them today (`cli/cut.rs`, the criteria through `cli/gather.rs`); this module is the
//! registry's view of them and the one mapping from a criterion to its rule, so every
//! criterion the policy can name is reachable, and every criterion's result is a
//! [`Check`] of the one result model.

use super::Declared;
use crate::policy::schema::Criterion;
use crate::release::criteria::{CriterionOutcome, Verdict as CriterionVerdict};
use crate::report::{Check, Subject, Verdict};
use crate::rules::{
    RuleInfo, commit_jira_exists, release_approvals, release_branch, release_bugs, release_ci,
    release_command, release_coverage, release_docs, release_external, release_perf,
    release_version,
};

/// Every criterion `[release] criteria` can name, with its name there.
pub const CRITERIA: [(Criterion, &str); 7] = [
    (Criterion::Coverage, "coverage"),
    (Criterion::Ci, "ci"),
    (Criterion::Bugs, "bugs"),
    (Criterion::Perf, "perf"),
    (Criterion::Docs, "docs"),
    (Criterion::Approvals, "approvals"),
    (Criterion::Command, "command"),
];

/// The rule that judges a criterion. Exhaustive: a new criterion does not compile until
/// it has a rule, and the registry test then checks the rule is in [`RELEASE`].
pub const fn criterion_rule(criterion: Criterion) -> RuleInfo {
    match criterion {
        Criterion::Coverage => release_coverage::ReleaseCoverage::INFO,
        Criterion::Ci => release_ci::ReleaseCi::INFO,
        Criterion::Bugs => release_bugs::ReleaseBugs::INFO,
        Criterion::Perf => release_perf::ReleasePerf::INFO,
        Criterion::Docs => release_docs::ReleaseDocs::INFO,
        Criterion::Approvals => release_approvals::ReleaseApprovals::INFO,
        Criterion::Command => release_command::ReleaseCommand::INFO,
    }
}

/// A criterion's name in `[release] criteria`.
pub fn criterion_name(criterion: Criterion) -> &'static str {
    CRITERIA
        .iter()
        .find(|(c, _)| *c == criterion)
        .map_or("unknown", |(_, name)| name)
}

/// The criterion named `name` in the policy, with that name as a `'static` str.
pub fn criterion_named(name: &str) -> Option<(Criterion, &'static str)> {
    CRITERIA.iter().copied().find(|(_, n)| *n == name)
}

/// `reltag cut`: in this order.
pub static RELEASE: Declared = Declared {
    name: "release",
    run_by: "cut (after the tag gate on the version's name)",
    rules: &[
        release_version::ReleaseVersion::INFO,
        release_branch::ReleaseBranch::INFO,
        release_external::ReleaseEmergency::INFO,
        criterion_rule(Criterion::Coverage),
        criterion_rule(Criterion::Ci),
        criterion_rule(Criterion::Bugs),
        criterion_rule(Criterion::Perf),
        criterion_rule(Criterion::Docs),
        criterion_rule(Criterion::Approvals),
        criterion_rule(Criterion::Command),
    ],
};

/// `[commits] verify_jira`: in `check pr` and `cut`, never in the hooks or `check`.
pub static JIRA_KEYS: Declared = Declared {
    name: "jira-keys",
    run_by: "check pr and cut, with [commits] verify_jira (cli/verify_jira.rs)",
    rules: &[commit_jira_exists::CommitJiraExists::INFO],
};

impl From<CriterionVerdict> for Verdict {
    fn from(verdict: CriterionVerdict) -> Verdict {
        match verdict {
            CriterionVerdict::Pass => Verdict::Ok,
            CriterionVerdict::Fail => Verdict::Blocked,
            CriterionVerdict::Undecided => Verdict::Undecided,
            CriterionVerdict::Skipped => Verdict::Skipped,
        }
    }
}

/// A criterion's outcome as a check of `subject` (the version's tag, or the commit the
/// evidence is for).
pub fn criterion_check(outcome: &CriterionOutcome, subject: Subject) -> Check {
    let (rule, name) = match criterion_named(outcome.criterion) {
        Some((criterion, name)) => (criterion_rule(criterion).id, Some(name)),
        None => (outcome.criterion, None),
    };
    Check {
        rule,
        name,
        subject: Some(subject),
        measured: outcome.measured.clone(),
        threshold: outcome.threshold.clone(),
        verdict: outcome.verdict.into(),
        source: outcome.source.clone(),
        findings: outcome.findings.clone(),
        streamed: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_criterion_has_a_rule_in_the_release_gate() {
        for (criterion, name) in CRITERIA {
            let rule = criterion_rule(criterion);
            assert!(
                RELEASE.rules.iter().any(|r| r.id == rule.id),
                "criterion {name} ({}) is reachable from no gate",
                rule.id
            );
            assert_eq!(criterion_named(name).map(|(c, _)| c), Some(criterion));
        }
    }

    /// Adding a criterion touches the files ARCHITECTURE.md lists under "A release
    /// criterion", and no others: every source file that names a criterion's variant
    /// (an exhaustive match, a table) must be listed there.
    #[test]
    fn every_file_that_names_a_criterion_is_in_architecture_md() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
        let start = architecture
            .find("- **A release criterion**")
            .expect("ARCHITECTURE.md says how to add a release criterion");
        let section = &architecture[start..];
        let section = &section[..section[2..].find("\n- **").map_or(section.len(), |i| i + 2)];
        let mut named = Vec::new();
        let mut dirs = vec![root.join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && std::fs::read_to_string(&path)
                        .unwrap()
                        .contains("Criterion::Coverage")
                {
                    let relative = path.strip_prefix(root).unwrap().to_string_lossy();
                    named.push(relative.replace('\\', "/"));
                }
            }
        }
        assert!(named.len() >= 2, "the scan found too little: {named:?}");
        for file in named {
            assert!(
                section.contains(&format!("`{file}`")),
                "{file} names a criterion's variant but ARCHITECTURE.md's \"A release criterion\" does not list it:\n{section}"
            );
        }
    }

    #[test]
    fn a_criterion_outcome_keeps_its_values_and_verdict() {
        let outcome = CriterionOutcome::decide(
            "coverage",
            Some("95%".into()),
            Some("≥ 90%".into()),
            Vec::new(),
            false,
        );
        let check = criterion_check(
            &outcome,
            Subject::Tag {
                name: "v1.0.0".into(),
            },
        );
        assert_eq!(check.rule, "release-coverage");
        assert_eq!(check.verdict, Verdict::Ok);
        assert_eq!(check.line(), "coverage 95% ≥ 90% ok");
    }
}
