use super::{RefChange, RefPushFacts, declare_rule};
use crate::policy::Policy;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// A push does not move or delete a release tag, or a tag in `[tags] protected`, that
    /// already exists on the remote.
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
    /// `[tags] format` decides which tags are release tags (`v1.2.3`); other tags (the
    /// moving `v1` of a GitHub Action, `deploy-marker`) are guarded only when they match
    /// `[tags] protected`.
    ///
    /// ## How to fix
    /// Leave the released tag alone and release the next version instead; restore your
    /// local tag with `git fetch origin --force tag NAME`.
    pub struct TagMoved { id: "tag-moved", group: Tag }
}

pub fn check(facts: &RefPushFacts, policy: &Policy, out: &mut Vec<Finding>) {
    if !policy.is_protected_tag(facts.name) {
        return;
    }
    let name = facts.name;
    let kind = if policy.is_release_tag(name) {
        "release tag"
    } else {
        "protected tag"
    };
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
            format!("{what} the {kind} {name}, which already exists on the remote, is refused"),
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
                already_on: None,
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
        // The moving major tag of a GitHub Action is not a release tag.
        assert!(run("v1", RefChange::Update).is_empty());
    }

    #[test]
    fn protected_tags_never_move_or_go_either() {
        let policy = Policy::from_toml(
            "[tags]\nprotected = [\"stable\", \"deploy-*\"]",
            "policy.toml",
            crate::policy::Source::Default,
        )
        .unwrap();
        let mut out = Vec::new();
        for (name, change) in [
            ("stable", RefChange::Update),
            ("deploy-prod", RefChange::Delete),
            ("deploy-prod", RefChange::Create),
            ("v1", RefChange::Update),
        ] {
            check(
                &RefPushFacts {
                    refname: &format!("refs/tags/{name}"),
                    name,
                    change,
                    already_on: None,
                },
                &policy,
                &mut out,
            );
        }
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(
            out[0]
                .message
                .starts_with("moving the protected tag stable")
        );
    }
}
