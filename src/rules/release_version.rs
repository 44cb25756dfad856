use super::declare_rule;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// At `reltag cut`, the version's tag does not exist yet: not locally (annotated or
    /// lightweight) and not on the remote. The format, semantic version and sequence of
    /// the name are checked by `tag-format`, `tag-semver` and `tag-sequence`.
    ///
    /// ## Why
    /// A version names one commit forever. A tag that already exists — on another
    /// commit, or as a lightweight tag where reltag cuts annotated ones — means someone
    /// else released (or half-released) this version.
    ///
    /// ## Example
    /// `reltag cut v1.2.3` while the remote has `v1.2.3` on another commit is refused.
    ///
    /// ## Configuration
    /// `[tags] format`.
    ///
    /// ## How to fix
    /// Cut the next version. A local tag made by mistake can be deleted with
    /// `git tag -d NAME`; a pushed release tag is never moved.
    pub struct ReleaseVersion { id: "release-version", group: Release }
}

/// The version's tag as it stands before the cut.
#[derive(Debug, Clone)]
pub struct VersionFacts<'a> {
    pub tag: &'a str,
    /// The commit being released (full id).
    pub commit: &'a str,
    /// A local tag of that name: (is it annotated, the commit it names).
    pub local: Option<(bool, String)>,
    /// The commit the remote's tag of that name names, if it has one.
    pub remote: Option<String>,
    /// Who cut it, when the ledger says so (`actor at time`).
    pub cut_by: Option<String>,
}

pub fn check(facts: &VersionFacts, out: &mut Vec<Finding>) {
    let subject = || Subject::Tag {
        name: facts.tag.to_string(),
    };
    let by = facts
        .cut_by
        .as_ref()
        .map(|b| format!(" (cut by {b})"))
        .unwrap_or_default();
    if let Some(remote) = &facts.remote {
        let place = if remote == facts.commit {
            "on this same commit".to_string()
        } else {
            format!("on another commit, {}", &remote[..remote.len().min(12)])
        };
        out.push(
            Finding::error(
                ReleaseVersion::ID,
                subject(),
                format!("{} already exists on the remote {place}{by}", facts.tag),
            )
            .with_hint("a version is released once: cut the next version"),
        );
        return;
    }
    if let Some((annotated, commit)) = &facts.local {
        let message = if *annotated {
            format!(
                "{} already exists locally (annotated, at {}){by}",
                facts.tag,
                &commit[..commit.len().min(12)]
            )
        } else {
            format!(
                "{} already exists locally as a lightweight tag (at {}); reltag cuts annotated tags",
                facts.tag,
                &commit[..commit.len().min(12)]
            )
        };
        out.push(
            Finding::error(ReleaseVersion::ID, subject(), message).with_hint(format!(
                "if it was made by mistake and never pushed, delete it: `git tag -d {}`",
                facts.tag
            )),
        );
    }
}
