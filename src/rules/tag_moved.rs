use super::{RefChange, RefPushFacts, declare_rule};
use crate::policy::Policy;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// A push does not move or delete a release tag that already exists on the remote
    /// (a tag whose name has the shape of `[tags] format`).
    ///
    /// ## Why
    /// A release tag names one commit forever: deploys, artifacts, rollbacks and
    /// everyone's clones rely on it. A moved tag means two different "v1.2.3"s in the
    /// wild, and git does not update tags people already fetched.
    ///
    /// ## Example
    /// `git push --force origin v1.2.3` (after retagging) and
    /// `git push origin :refs/tags/v1.2.3` are refused by the pre-push hook.
    ///
    /// ## Configuration
    /// `[tags] format` decides which tags are release tags; other tags are not guarded.
    ///
    /// ## How to fix
    /// Leave the released tag alone and release the next version instead; restore your
    /// local tag with `git fetch origin --force tag NAME`.
    pub struct TagMoved { id: "tag-moved", group: Tag }
}

pub fn check(facts: &RefPushFacts, policy: &Policy, out: &mut Vec<Finding>) {
    if policy.tag_format.version_text(facts.name).is_none() {
        return;
    }
    let name = facts.name;
    let (what, verb) = match facts.change {
        RefChange::Create => return,
        RefChange::Update => ("moving", "move"),
        RefChange::Delete => ("deleting", "delete"),
    };
    out.push(
        Finding::error(
            TagMoved::ID,
            Subject::Ref {
                name: facts.refname.to_string(),
            },
            format!("{what} the release tag {name}, which already exists on the remote, is refused"),
        )
        .with_hint(format!(
            "a released version is never changed: release the next version instead, and restore your tag with `git fetch --force origin tag {name}` (do not {verb} it)"
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, change: RefChange) -> Vec<Finding> {
        let refname = format!("refs/tags/{name}");
        let mut out = Vec::new();
        check(
            &RefPushFacts {
                refname: &refname,
                name,
                change,
            },
            &Policy::default_policy(),
            &mut out,
        );
        out
    }

    #[test]
    fn release_tags_never_move_or_go() {
        assert!(run("v1.2.3", RefChange::Create).is_empty());
        assert!(
            run("v1.2.3", RefChange::Update)[0]
                .message
                .starts_with("moving the release tag v1.2.3")
        );
        assert!(
            run("v1.2.3", RefChange::Delete)[0]
                .message
                .starts_with("deleting the release tag v1.2.3")
        );
        assert!(run("docs-snapshot", RefChange::Delete).is_empty());
    }
}
