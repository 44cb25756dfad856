use super::{ReleaseBranchState, TagPlacementFacts, declare_rule};
use crate::policy::Policy;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// A pushed release tag points at a commit on its version's release branch.
    ///
    /// The release branch is the first of `[tags] release_branch` that exists for the
    /// version — `release/v1.2.3`, or the release line `release/v1.2` under the default
    /// policy — as known locally (`refs/heads/…`) or from the remote
    /// (`refs/remotes/<remote>/…`).
    ///
    /// ## Why
    /// A release is cut from its release branch, where stabilisation happens. A tag on a
    /// feature branch or on an unreviewed local commit releases code nobody approved.
    ///
    /// ## Example
    /// Tagging `v1.3.0` on a commit of `feature/PAY-9-x` and pushing it is refused; the
    /// same tag on a commit of `release/v1.3.0` or of `release/v1.3` passes.
    ///
    /// ## Configuration
    /// `[tags] release_branch`: one template or a list, with `{semver}`, `{major}`,
    /// `{minor}`, `{patch}`.
    ///
    /// ## How to fix
    /// Delete the local tag (`git tag -d NAME`), create or update the release branch, and
    /// tag a commit on it.
    pub struct TagOnReleaseBranch { id: "tag-on-release-branch", group: Tag }
}

pub fn check(facts: &TagPlacementFacts, _policy: &Policy, out: &mut Vec<Finding>) {
    let subject = || Subject::Commit {
        id: facts.commit.to_string(),
        summary: facts.summary.to_string(),
        refname: Some(facts.refname.to_string()),
    };
    let tag = facts.name;
    let branches = facts.release_branches;
    if branches
        .iter()
        .any(|(_, state)| *state == ReleaseBranchState::Contains)
    {
        return;
    }
    let existing: Vec<&str> = branches
        .iter()
        .filter(|(_, state)| *state == ReleaseBranchState::NotContains)
        .map(|(name, _)| name.as_str())
        .collect();
    let Some(first) = branches.first().map(|(name, _)| name.as_str()) else {
        return; // a policy always names one; nothing to judge without
    };
    if existing.is_empty() {
        let names: Vec<&str> = branches.iter().map(|(n, _)| n.as_str()).collect();
        let which = if names.len() == 1 {
            format!("the release branch {first} for tag {tag} is missing")
        } else {
            format!(
                "no release branch for tag {tag}: none of {} exists",
                or_list(&names)
            )
        };
        out.push(
            Finding::error(
                TagOnReleaseBranch::ID,
                subject(),
                format!("{which}: neither a local branch nor a remote-tracking branch has that name"),
            )
            .with_hint(format!(
                "create the release branch at the commit (`git branch {first} {tag}^{{commit}}`) and push it, or fetch it"
            )),
        );
        return;
    }
    out.push(
        Finding::error(
            TagOnReleaseBranch::ID,
            subject(),
            format!(
                "tag {tag} points at a commit that is not on its release branch {}",
                or_list(&existing)
            ),
        )
        .with_hint(format!(
            "delete the tag (`git tag -d {tag}`) and tag a commit of {}",
            existing[0]
        )),
    );
}

/// `a`, `a or b`, `a, b or c`.
fn or_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(branches: &[(&str, ReleaseBranchState)]) -> Vec<Finding> {
        let branches: Vec<(String, ReleaseBranchState)> =
            branches.iter().map(|(n, s)| (n.to_string(), *s)).collect();
        let mut out = Vec::new();
        check(
            &TagPlacementFacts {
                refname: "refs/tags/v1.0.0",
                name: "v1.0.0",
                commit: "0123456789abcdef0123456789abcdef01234567",
                summary: "PAY-1: x",
                release_branches: &branches,
            },
            &Policy::default_policy(),
            &mut out,
        );
        out
    }

    use ReleaseBranchState::{Contains, Missing, NotContains};

    #[test]
    fn the_tag_must_be_on_its_release_branch() {
        assert!(run(&[("release/v1.0.0", Contains)]).is_empty());
        assert!(
            run(&[("release/v1.0.0", Missing)])[0]
                .message
                .contains("release/v1.0.0 for tag v1.0.0 is missing")
        );
        assert!(
            run(&[("release/v1.0.0", NotContains)])[0]
                .message
                .contains("not on its release branch release/v1.0.0")
        );
    }

    #[test]
    fn either_release_branch_style_holds_the_tag() {
        assert!(run(&[("release/v1.0.0", Missing), ("release/v1.0", Contains)]).is_empty());
        assert!(run(&[("release/v1.0.0", NotContains), ("release/v1.0", Contains)]).is_empty());
        let missing = run(&[("release/v1.0.0", Missing), ("release/v1.0", Missing)]);
        assert_eq!(
            missing[0].message,
            "no release branch for tag v1.0.0: none of release/v1.0.0 or release/v1.0 exists: neither a local branch nor a remote-tracking branch has that name"
        );
        let off = run(&[("release/v1.0.0", Missing), ("release/v1.0", NotContains)]);
        assert_eq!(
            off[0].message,
            "tag v1.0.0 points at a commit that is not on its release branch release/v1.0"
        );
        assert_eq!(
            off[0].hint.as_deref(),
            Some("delete the tag (`git tag -d v1.0.0`) and tag a commit of release/v1.0")
        );
    }
}
