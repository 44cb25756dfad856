use semver::Version;

use super::{TagFacts, declare_rule};
use crate::policy::Policy;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// A new release tag's version is new, and with `sequential` skips no version.
    ///
    /// The version must not exist yet, also not under another name of the same precedence
    /// (`v1.2.3+build` beside `v1.2.3`). With `sequential = true` it follows an existing
    /// release without skipping one: `v1.2.4` needs `v1.2.3`, `v1.3.0` needs some `v1.2.x`,
    /// `v2.0.0` needs some `v1.x.y`. Patch releases on older lines are allowed (`v1.1.5` after
    /// `v2.0.0`), the very first release may be any version, and a pre-release must come after
    /// the pre-releases of its version and before the release itself.
    ///
    /// ## Why
    /// A skipped version usually means a typo (`v1.3.0` meant as `v1.2.4`) that
    /// confuses everyone downstream, and a second tag for a version that exists makes
    /// "which commit is v1.2.3?" ambiguous.
    ///
    /// ## Example
    /// With `v1.2.2` the highest tag, `v1.2.4` is refused: it skips `v1.2.3`.
    ///
    /// ## Configuration
    /// `[tags] sequential` and `allow_prerelease`.
    ///
    /// ## How to fix
    /// Tag the next version in sequence, or delete the wrong tag with `git tag -d NAME`.
    pub struct TagSequence { id: "tag-sequence", group: Tag }
}

pub fn check(facts: &TagFacts, policy: &Policy, out: &mut Vec<Finding>) {
    let Some(version) = parse(policy, facts.name) else {
        return; // tag-format or tag-semver reports it
    };
    let existing: Vec<(Version, &str)> = facts
        .existing
        .iter()
        .filter(|name| name.as_str() != facts.name)
        .filter_map(|name| parse(policy, name).map(|v| (v, name.as_str())))
        .collect();
    let subject = || Subject::Tag {
        name: facts.name.to_string(),
    };
    if let Some((_, other)) = existing
        .iter()
        .find(|(v, _)| v.cmp_precedence(&version).is_eq())
    {
        out.push(
            Finding::error(
                TagSequence::ID,
                subject(),
                format!("version {version} already exists as tag {other} (same precedence)"),
            )
            .with_hint("a version is released once; tag the next version instead"),
        );
        return;
    }
    if !policy.file.tags.sequential || existing.is_empty() {
        return;
    }
    if let Some(message) = sequence_problem(&version, &existing, policy) {
        out.push(
            Finding::error(TagSequence::ID, subject(), message)
                .with_hint("tag the next version in sequence, or delete the wrong tag"),
        );
    }
}

fn parse(policy: &Policy, name: &str) -> Option<Version> {
    Version::parse(&policy.tag_format.version_text(name)?).ok()
}

fn sequence_problem(
    version: &Version,
    existing: &[(Version, &str)],
    policy: &Policy,
) -> Option<String> {
    let core = Version::new(version.major, version.minor, version.patch);
    let releases: Vec<&Version> = existing
        .iter()
        .map(|(v, _)| v)
        .filter(|v| v.pre.is_empty())
        .collect();
    let tag = |v: &Version| policy.tag_name(v);

    if !version.pre.is_empty() {
        if releases.iter().any(|r| r.cmp_precedence(&core).is_eq()) {
            return Some(format!(
                "pre-release {version} comes after the release {} itself",
                tag(&core)
            ));
        }
        if let Some((higher, name)) = existing.iter().find(|(v, _)| {
            !v.pre.is_empty()
                && (v.major, v.minor, v.patch) == (core.major, core.minor, core.patch)
                && v.cmp_precedence(version).is_gt()
        }) {
            return Some(format!(
                "pre-release {version} is lower than the existing pre-release {higher} ({name})"
            ));
        }
    }

    // The release this version must follow, by the kind of bump it is.
    let has = |pred: &dyn Fn(&Version) -> bool| releases.iter().any(|r| pred(r));
    let (ok, wanted) = if core.patch > 0 {
        let prev = Version::new(core.major, core.minor, core.patch - 1);
        (has(&|r| r.cmp_precedence(&prev).is_eq()), tag(&prev))
    } else if core.minor > 0 {
        let (major, minor) = (core.major, core.minor - 1);
        (
            has(&|r| r.major == major && r.minor == minor),
            format!("a release of {major}.{minor}.x"),
        )
    } else if core.major > 0 {
        let major = core.major - 1;
        // The first release of a project may be 1.0.0 with no 0.x before it.
        let nothing_below = !has(&|r| r.major < core.major);
        (
            nothing_below || has(&|r| r.major == major),
            format!("a release of {major}.x.y"),
        )
    } else {
        (true, String::new())
    };
    if ok {
        return None;
    }
    let highest_below = releases
        .iter()
        .filter(|r| r.cmp_precedence(&core).is_lt())
        .max_by(|a, b| a.cmp_precedence(b));
    Some(match highest_below {
        Some(h) => format!(
            "{} skips a version: it needs {wanted} first (the highest release below it is {})",
            tag(version),
            tag(h)
        ),
        None => format!("{} skips a version: it needs {wanted} first", tag(version)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Source;

    fn check_tag(policy: &Policy, name: &str, existing: &[&str]) -> Vec<Finding> {
        let existing: Vec<String> = existing.iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        check(
            &TagFacts {
                name,
                existing: &existing,
            },
            policy,
            &mut out,
        );
        out
    }

    #[test]
    fn sequence_table() {
        let policy = Policy::default_policy();
        let cases: &[(&str, &[&str], Option<&str>)] = &[
            ("v0.1.0", &[], None),
            ("v1.0.0", &[], None),
            ("v1.2.4", &["v1.2.3"], None),
            (
                "v1.2.4",
                &["v1.2.2"],
                Some(
                    "v1.2.4 skips a version: it needs v1.2.3 first (the highest release below it is v1.2.2)",
                ),
            ),
            ("v1.3.0", &["v1.2.7"], None),
            (
                "v1.4.0",
                &["v1.2.7"],
                Some(
                    "v1.4.0 skips a version: it needs a release of 1.3.x first (the highest release below it is v1.2.7)",
                ),
            ),
            ("v2.0.0", &["v1.9.1"], None),
            (
                "v3.0.0",
                &["v1.9.1"],
                Some(
                    "v3.0.0 skips a version: it needs a release of 2.x.y first (the highest release below it is v1.9.1)",
                ),
            ),
            ("v1.0.0", &["v0.3.0"], None),
            // Patch releases on older lines.
            ("v1.1.5", &["v1.1.4", "v2.0.0"], None),
            // The tag itself is not "another" tag (pre-push checks a tag that exists locally).
            ("v1.2.3", &["v1.2.3", "v1.2.2"], None),
            (
                "v1.2.3+build",
                &["v1.2.3", "v1.2.2"],
                Some("version 1.2.3+build already exists as tag v1.2.3 (same precedence)"),
            ),
            ("v1.3.0-rc.1", &["v1.2.0"], None),
            ("v1.3.0-rc.2", &["v1.2.0", "v1.3.0-rc.1"], None),
            (
                "v1.3.0-rc.1",
                &["v1.2.0", "v1.3.0-rc.2"],
                Some(
                    "pre-release 1.3.0-rc.1 is lower than the existing pre-release 1.3.0-rc.2 (v1.3.0-rc.2)",
                ),
            ),
            (
                "v1.3.0-rc.1",
                &["v1.2.0", "v1.3.0"],
                Some("pre-release 1.3.0-rc.1 comes after the release v1.3.0 itself"),
            ),
            ("v1.3.0", &["v1.2.0", "v1.3.0-rc.1"], None),
            // Tags that are not releases are ignored.
            ("v1.0.1", &["v1.0.0", "docs-snapshot", "v9.x"], None),
        ];
        for (name, existing, expected) in cases {
            let out = check_tag(&policy, name, existing);
            assert_eq!(
                out.first().map(|f| f.message.as_str()),
                *expected,
                "{name} after {existing:?}"
            );
        }
    }

    #[test]
    fn non_sequential_policies_only_refuse_duplicates() {
        let policy = Policy::from_toml("[tags]\nsequential = false", "p", Source::Default).unwrap();
        assert!(check_tag(&policy, "v3.0.0", &["v1.0.0"]).is_empty());
        assert_eq!(check_tag(&policy, "v1.0.0+x", &["v1.0.0"]).len(), 1);
    }
}
