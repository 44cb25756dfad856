use super::{ReleaseBranchState, TagPlacementFacts, declare_rule};
use crate::policy::Policy;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// A pushed release tag points at a commit on its release branch, the branch
    /// `[tags] release_branch` names for its version (`release/v1.2.3` for `v1.2.3` under
    /// the default policy), as known locally (`refs/heads/…`) or from the remote
    /// (`refs/remotes/<remote>/…`).
    ///
    /// ## Why
    /// A release is cut from its release branch, where stabilisation happens. A tag on a
    /// feature branch or on an unreviewed local commit releases code nobody approved.
    ///
    /// ## Example
    /// Tagging `v1.3.0` on a commit of `feature/PAY-9-x` and pushing it is refused; the
    /// same tag on a commit of `release/v1.3.0` passes.
    ///
    /// ## Configuration
    /// `[tags] release_branch`, a template with `{semver}`, `{major}`, `{minor}`, `{patch}`.
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
    let (tag, branch) = (facts.name, facts.release_branch);
    match facts.state {
        ReleaseBranchState::Contains => {}
        ReleaseBranchState::Missing => out.push(
            Finding::error(
                TagOnReleaseBranch::ID,
                subject(),
                format!("the release branch {branch} for tag {tag} is missing: neither a local branch nor a remote-tracking branch has that name"),
            )
            .with_hint(format!(
                "create the release branch at the commit (`git branch {branch} {tag}^{{commit}}`) and push it, or fetch it"
            )),
        ),
        ReleaseBranchState::NotContains => out.push(
            Finding::error(
                TagOnReleaseBranch::ID,
                subject(),
                format!("tag {tag} points at a commit that is not on its release branch {branch}"),
            )
            .with_hint(format!(
                "delete the tag (`git tag -d {tag}`) and tag a commit of {branch}"
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(state: ReleaseBranchState) -> Vec<Finding> {
        let mut out = Vec::new();
        check(
            &TagPlacementFacts {
                refname: "refs/tags/v1.0.0",
                name: "v1.0.0",
                commit: "0123456789abcdef0123456789abcdef01234567",
                summary: "PAY-1: x",
                release_branch: "release/v1.0.0",
                state,
            },
            &Policy::default_policy(),
            &mut out,
        );
        out
    }

    #[test]
    fn the_tag_must_be_on_its_release_branch() {
        assert!(run(ReleaseBranchState::Contains).is_empty());
        assert!(
            run(ReleaseBranchState::Missing)[0]
                .message
                .contains("release/v1.0.0 for tag v1.0.0 is missing")
        );
        assert!(
            run(ReleaseBranchState::NotContains)[0]
                .message
                .contains("not on its release branch release/v1.0.0")
        );
    }
}
