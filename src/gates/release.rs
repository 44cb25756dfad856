//! The release gate of `reltag cut`: the version, the release branch, the emergency
//! procedure, the commits' Jira keys ([`RELEASE`], [`JIRA_KEYS`]), and one rule per
//! release criterion, each declared with its criterion in its rule file and listed in
//! [`crate::rules::CRITERIA`] ([`criteria()`] here, the gate's view of them). Every
//! criterion's result is a [`Check`] of the one result model.

use super::{Declared, Listed};
use crate::release::criteria::{self, CriterionOutcome, Verdict as CriterionVerdict};
use crate::report::{Check, Subject, Verdict};
use crate::rules::{commit_jira_exists, release_branch, release_external, release_version};

/// `reltag cut`: in this order, then [`criteria()`] in the policy's order.
pub static RELEASE: Declared = Declared {
    name: "release",
    run_by: "cut (after the tag gate on the version's name)",
    rules: &[
        release_version::ReleaseVersion::INFO,
        release_branch::ReleaseBranch::INFO,
        release_external::ReleaseEmergency::INFO,
    ],
};

/// `reltag cut` and `evidence record`: one rule per criterion `[release] criteria` names,
/// from the registry (`rules::CRITERIA`).
pub fn criteria() -> Listed {
    Listed {
        name: "release-criteria",
        rules: crate::rules::CRITERIA.iter().map(|e| e.rule.id).collect(),
    }
}

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
    let (rule, name) = match criteria::named(outcome.criterion) {
        Some(entry) => (entry.rule.id, Some(entry.name)),
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

    /// The criteria `[release] criteria` accepts, as the generated JSON schema lists them.
    fn criteria_the_policy_can_name() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root.join("policy.schema.json")).unwrap(),
        )
        .unwrap();
        schema["$defs"]["Criterion"]["enum"]
            .as_array()
            .expect("the schema lists the criteria")
            .iter()
            .map(|name| name.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn every_criterion_the_policy_can_name_has_one_registry_entry_and_a_rule() {
        let names = criteria_the_policy_can_name();
        assert!(names.len() >= 7, "{names:?}");
        for name in &names {
            let entries: Vec<_> = crate::rules::CRITERIA
                .iter()
                .filter(|e| e.name == name)
                .collect();
            assert_eq!(entries.len(), 1, "criterion {name}: one registry entry");
            let entry = entries[0];
            let parsed: crate::policy::schema::Criterion =
                serde_json::from_value(serde_json::Value::String(name.clone())).unwrap();
            assert_eq!(entry.criterion, parsed, "criterion {name}: its variant");
            assert!(
                crate::rules::find(entry.rule.id).is_some(),
                "criterion {name}: its rule {} is not in rules::ALL",
                entry.rule.id
            );
        }
        assert_eq!(crate::rules::CRITERIA.len(), names.len());
        assert!(
            super::super::all()
                .iter()
                .any(|gate| gate.rules == criteria().rules),
            "the criteria are reachable from no gate"
        );
    }

    /// Adding a criterion touches its rule file, its evidence parser and its schema entry
    /// (the files ARCHITECTURE.md lists under "A release criterion"), and no others: a
    /// source file that names a criterion's variant is either that criterion's rule file
    /// or listed there.
    #[test]
    fn every_file_that_names_a_criterion_is_in_architecture_md() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
        let start = architecture
            .find("- **A release criterion**")
            .expect("ARCHITECTURE.md says how to add a release criterion");
        let section = &architecture[start..];
        let section = &section[..section[2..].find("\n- **").map_or(section.len(), |i| i + 2)];
        let variants: Vec<(String, &str)> = crate::rules::CRITERIA
            .iter()
            .map(|e| (format!("Criterion::{:?}", e.criterion), e.name))
            .collect();
        let (mut named, mut declared) = (Vec::new(), Vec::new());
        let mut dirs = vec![root.join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                for (variant, name) in &variants {
                    let own_rule_file = relative == format!("src/rules/release_{name}.rs");
                    if text.contains(variant.as_str()) {
                        if own_rule_file {
                            declared.push(*name);
                        } else {
                            named.push(relative.clone());
                        }
                    }
                }
            }
        }
        // The scan sees each criterion's own entry, so it is looking in the right place.
        declared.sort_unstable();
        let mut every: Vec<&str> = variants.iter().map(|(_, name)| *name).collect();
        every.sort_unstable();
        assert_eq!(declared, every, "each rule file declares its criterion");
        named.sort();
        named.dedup();
        for file in named {
            assert!(
                section.contains(&format!("`{file}`")),
                "{file} names a criterion's variant but ARCHITECTURE.md's \"A release criterion\" does not list it:\n{section}"
            );
        }
    }

    /// `cut` and `evidence record` take every criterion from the registry: neither
    /// command names one (no arm of its own for a criterion).
    #[test]
    fn the_commands_over_the_criteria_name_none() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for file in ["src/cli/cut.rs", "src/cli/evidence.rs"] {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            for entry in crate::rules::CRITERIA {
                for name in [
                    format!("\"{}\"", entry.name),
                    format!("Criterion::{:?}", entry.criterion),
                ] {
                    assert!(
                        !text.contains(&name),
                        "{file} names the {} criterion ({name}): take it from its registry entry",
                        entry.name
                    );
                }
            }
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
