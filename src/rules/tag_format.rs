use super::{TagFacts, declare_rule};
use crate::policy::Policy;
use crate::policy::schema::OtherTags;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// A release tag's name has the shape of `[tags] format`, e.g. `v1.2.3` for `v{semver}`.
    ///
    /// A pushed tag without that shape — `deploy-marker`, or the moving major tag `v1` that
    /// GitHub Actions publish — is not a release tag: it is refused only with
    /// `[tags] other = "refuse"`. `reltag cut` always needs a release tag.
    ///
    /// ## Why
    /// Release tags are how a version is named everywhere: in deploys, artifacts,
    /// rollbacks and the ledger. One shape means tools and people find them.
    ///
    /// ## Example
    /// Under `format = "v{semver}"`, `reltag cut release-1.2.3` is refused; pushing
    /// `deploy-marker` passes unless `other = "refuse"`.
    ///
    /// ## Configuration
    /// `[tags] format`: literal text with `{semver}`, or with `{major}`, `{minor}`
    /// and `{patch}`; `[tags] other` (`"allow"` or `"refuse"`).
    ///
    /// ## How to fix
    /// Delete the tag (`git tag -d NAME`) and tag again with the right name.
    pub struct TagFormatRule { id: "tag-format", group: Tag }
}

pub fn check(facts: &TagFacts, policy: &Policy, out: &mut Vec<Finding>) {
    if policy.tag_format.version_text(facts.name).is_none() {
        let example = policy.tag_name(&semver::Version::new(1, 2, 3));
        out.push(finding(
            facts.name,
            format!(
                "the tag name does not match the release tag format {}: expected a name like {example}",
                policy.tag_format.source
            ),
            format!(
                "name release tags like {example}; if the tag {} exists, delete it with `git tag -d {}`",
                facts.name, facts.name
            ),
        ));
    }
}

fn finding(tag: &str, message: String, hint: String) -> Finding {
    let subject = Subject::Tag {
        name: tag.to_string(),
    };
    Finding::error(TagFormatRule::ID, subject, message).with_hint(hint)
}

/// A tag that is not a release tag, under `[tags] other = "refuse"`.
pub fn check_other(facts: &TagFacts, policy: &Policy, out: &mut Vec<Finding>) {
    if policy.file.tags.other != OtherTags::Refuse || policy.is_release_tag(facts.name) {
        return;
    }
    let example = policy.tag_name(&semver::Version::new(1, 2, 3));
    out.push(finding(
        facts.name,
        format!(
            "{} is not a release tag (format {}, e.g. {example}), and [tags] other = \"refuse\" allows no other tags",
            facts.name, policy.tag_format.source
        ),
        format!(
            "delete it (`git tag -d {}`) and name release tags like {example}",
            facts.name
        ),
    ));
}

/// What a note says about a tag that is not a release tag and may be pushed.
pub fn other_tag_note(name: &str, policy: &Policy) -> String {
    // `v1`: the format's shape with a major number alone.
    let partial = policy.tag_format.version_text(name).is_some();
    let example = policy.tag_name(&semver::Version::new(1, 2, 3));
    let meant = if partial {
        format!("; a release tag names a whole version, such as {example}")
    } else {
        String::new()
    };
    format!(
        "{name} is not a release tag (format {}): [tags] other = \"allow\" lets it be pushed, and only [tags] protected guards it{meant}",
        policy.tag_format.source
    )
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

    #[test]
    fn other_tags_are_refused_only_when_the_policy_says_so() {
        let refuse = |name: &str, policy: &Policy| {
            let mut out = Vec::new();
            check_other(
                &TagFacts {
                    name,
                    existing: &[],
                },
                policy,
                &mut out,
            );
            out
        };
        let allow = Policy::default_policy();
        assert!(
            allow.is_release_tag("v1.2"),
            "a release tag without its patch number"
        );
        for name in ["deploy-marker", "v1", "v12", "latest"] {
            assert!(!allow.is_release_tag(name), "{name}");
            assert!(refuse(name, &allow).is_empty(), "{name}");
        }
        let strict = Policy::from_toml(
            "[tags]\nother = \"refuse\"",
            "policy.toml",
            crate::policy::Source::Default,
        )
        .unwrap();
        assert_eq!(
            refuse("deploy-marker", &strict)[0].message,
            "deploy-marker is not a release tag (format v{semver}, e.g. v1.2.3), and [tags] other = \"refuse\" allows no other tags"
        );
        assert!(refuse("v1.2.3", &strict).is_empty());
        assert!(strict.is_release_tag("v01.2.3") && strict.is_release_tag("v1.2.3.4"));
    }
}
