use super::{TagFacts, declare_rule};
use crate::policy::Policy;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// The version in a release tag is a valid semantic version (semver.org 2.0.0).
    ///
    /// That is three numbers without leading zeros, an optional pre-release and build
    /// metadata. A pre-release is refused when `allow_prerelease = false`.
    ///
    /// ## Why
    /// reltag orders releases by semver precedence to find the previous release, check
    /// the sequence and pick the rollback target; a tag it cannot order breaks all three.
    ///
    /// ## Example
    /// `v1.2`, `v01.2.3` and `v1.2.3.4` are refused; `v1.2.3` and `v1.3.0-rc.1` pass.
    /// (`v1`, a major number alone, is not a release tag at all: see `[tags] other`.)
    ///
    /// ## Configuration
    /// `[tags] format` (where the version stands) and `allow_prerelease`.
    ///
    /// ## How to fix
    /// Delete the tag (`git tag -d NAME`) and tag again with a valid version.
    pub struct TagSemver { id: "tag-semver", group: Tag }
}

pub fn check(facts: &TagFacts, policy: &Policy, out: &mut Vec<Finding>) {
    let Some(text) = policy.tag_format.version_text(facts.name) else {
        return; // tag-format reports it
    };
    let subject = Subject::Tag {
        name: facts.name.to_string(),
    };
    if let Some((missing, complete)) = partial_version(&text) {
        let example = policy.tag_format.render(&complete);
        out.push(
            Finding::error(
                TagSemver::ID,
                subject,
                format!("`{text}` is not a semantic version: it has no {missing} (expected MAJOR.MINOR.PATCH such as {complete})"),
            )
            .with_hint(format!(
                "a release tag names a whole version, e.g. {example}; if the tag {} exists, delete it with `git tag -d {}`",
                facts.name, facts.name
            )),
        );
        return;
    }
    match semver::Version::parse(&text) {
        Err(e) => out.push(
            Finding::error(
                TagSemver::ID,
                subject,
                format!("`{text}` is not a semantic version ({e}): expected MAJOR.MINOR.PATCH such as 1.2.3"),
            )
            .with_hint(format!(
                "release versions are MAJOR.MINOR.PATCH, e.g. {}; if the tag {} exists, delete it with `git tag -d {}`",
                policy.tag_name(&semver::Version::new(1, 2, 3)),
                facts.name,
                facts.name
            )),
        ),
        Ok(v) if !v.pre.is_empty() && !policy.file.tags.allow_prerelease => out.push(
            Finding::error(
                TagSemver::ID,
                subject,
                format!("`{v}` is a pre-release, and the policy does not allow pre-release tags"),
            )
            .with_hint("tag a release version, or set [tags] allow_prerelease = true"),
        ),
        Ok(_) => {}
    }
}

/// `1` or `1.2`: a version with numbers missing at the end, what is missing, and the
/// version it would be with zeros.
fn partial_version(text: &str) -> Option<(&'static str, semver::Version)> {
    let numbers: Vec<u64> = text
        .split('.')
        .map(|part| {
            (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse().ok())
                .flatten()
        })
        .collect::<Option<_>>()?;
    match numbers[..] {
        [major] => Some(("minor or patch number", semver::Version::new(major, 0, 0))),
        [major, minor] => Some(("patch number", semver::Version::new(major, minor, 0))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Source;

    #[test]
    fn versions_are_judged_by_semver() {
        let policy = Policy::default_policy();
        for (name, passes) in [
            ("v1.2.3", true),
            ("v1.3.0-rc.1", true),
            ("v1.2.3+build.5", true),
            ("v1.2", false),
            ("v01.2.3", false),
            ("v1.2.3.4", false),
        ] {
            let mut out = Vec::new();
            check(
                &TagFacts {
                    name,
                    existing: &[],
                },
                &policy,
                &mut out,
            );
            assert_eq!(out.is_empty(), passes, "{name}: {out:?}");
        }
        let mut out = Vec::new();
        check(
            &TagFacts {
                name: "v1.2",
                existing: &[],
            },
            &policy,
            &mut out,
        );
        assert_eq!(
            out[0].message,
            "`1.2` is not a semantic version: it has no patch number (expected MAJOR.MINOR.PATCH such as 1.2.0)"
        );
        assert!(out[0].hint.as_deref().unwrap().contains("e.g. v1.2.0"));
        let strict =
            Policy::from_toml("[tags]\nallow_prerelease = false", "p", Source::Default).unwrap();
        let mut out = Vec::new();
        check(
            &TagFacts {
                name: "v1.3.0-rc.1",
                existing: &[],
            },
            &strict,
            &mut out,
        );
        assert!(out[0].message.contains("pre-release"));
    }
}
