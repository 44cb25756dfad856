use super::{TagFacts, declare_rule};
use crate::policy::Policy;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// A tag's name has the shape of `[tags] format`, e.g. `v1.2.3` for `v{semver}`.
    ///
    /// ## Why
    /// Release tags are how a version is named everywhere: in deploys, artifacts,
    /// rollbacks and the ledger. One shape means tools and people find them.
    ///
    /// ## Example
    /// Under `format = "v{semver}"`, `1.2.3` and `release-1.2.3` are refused.
    ///
    /// ## Configuration
    /// `[tags] format`: literal text with `{semver}`, or with `{major}`, `{minor}`
    /// and `{patch}`.
    ///
    /// ## How to fix
    /// Delete the tag (`git tag -d NAME`) and tag again with the right name.
    pub struct TagFormatRule { id: "tag-format", group: Tag }
}

pub fn check(facts: &TagFacts, policy: &Policy, out: &mut Vec<Finding>) {
    if policy.tag_format.version_text(facts.name).is_none() {
        let example = policy.tag_name(&semver::Version::new(1, 2, 3));
        out.push(
            Finding::error(
                TagFormatRule::ID,
                Subject::Tag {
                    name: facts.name.to_string(),
                },
                format!(
                    "the tag name does not match the release tag format {}: expected a name like {example}",
                    policy.tag_format.source
                ),
            )
            .with_hint(format!(
                "name release tags like {example}; if the tag {} exists, delete it with `git tag -d {}`",
                facts.name, facts.name
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_without_the_format_are_refused() {
        let policy = Policy::default_policy();
        for (name, passes) in [
            ("v1.2.3", true),
            ("1.2.3", false),
            ("release-1.2.3", false),
            ("v01.2.3", true),
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
            assert_eq!(out.is_empty(), passes, "{name}");
        }
    }
}
