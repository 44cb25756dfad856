use super::{RefChange, RefPushFacts, declare_rule};
use crate::policy::Policy;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// A push does not update, delete, or create with new commits a branch that matches
    /// `[branches] protected`.
    ///
    /// Creating a protected branch whose commits are all already on the remote's default
    /// branch or on another protected branch is allowed, and said: `git push -u origin
    /// release/v1.2` at a commit of `origin/main` adds no unreviewed change.
    ///
    /// ## Why
    /// Protected branches (`main`, `develop`, `release/*`) are what gets released. A
    /// direct push skips review and the checks that run on a pull request; a deletion
    /// loses the history a release was cut from.
    ///
    /// ## Example
    /// `git push origin main` is refused by the pre-push hook under the default policy;
    /// `git push origin feature/PAY-12-login` passes, and so does creating
    /// `release/v1.2` at a commit that `origin/main` has.
    ///
    /// ## Configuration
    /// `[branches] protected`: the same patterns as `[branches] allowed`.
    ///
    /// ## How to fix
    /// Push your work to a feature branch and open a pull request:
    /// `git switch -c feature/PAY-123-what && git push -u origin HEAD`. To create a
    /// release branch, create it at a commit that is already on the default branch.
    pub struct BranchProtected { id: "branch-protected", group: Branch }
}

/// Checks a pushed branch ref; returns a note when it lets a protected branch be created
/// because its commits are already published.
pub fn check(facts: &RefPushFacts, policy: &Policy, out: &mut Vec<Finding>) -> Option<String> {
    if !policy.is_protected(facts.name) {
        return None;
    }
    let subject = Subject::Ref {
        name: facts.refname.to_string(),
    };
    let name = facts.name;
    let finding = match (facts.change, facts.already_on) {
        (RefChange::Create, Some(holder)) => {
            return Some(format!(
                "creating protected branch {name} is allowed: every commit on it is already on {holder}, so it adds no unreviewed change"
            ));
        }
        (RefChange::Delete, _) => Finding::error(
            BranchProtected::ID,
            subject,
            format!("deleting protected branch {name} is refused"),
        )
        .with_hint("protected branches are deleted, if ever, by an administrator on the server"),
        (RefChange::Create, None) => Finding::error(
            BranchProtected::ID,
            subject,
            format!("creating protected branch {name} with commits that no protected branch of the remote has is refused: open a pull request"),
        )
        .with_hint(format!(
            "create it at a commit the remote's default branch already has, e.g. `git push origin origin/main:refs/heads/{name}`, and bring new commits in through a pull request"
        )),
        (RefChange::Update, _) => Finding::error(
            BranchProtected::ID,
            subject,
            format!("direct pushes to protected branch {name} are refused: open a pull request"),
        )
        .with_hint(
            "push to a feature branch instead, e.g. `git push origin HEAD:feature/PAY-123-what`, and open a pull request",
        ),
    };
    out.push(finding);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, change: RefChange) -> Vec<Finding> {
        run_on(name, change, None).0
    }

    fn run_on(
        name: &str,
        change: RefChange,
        already_on: Option<&str>,
    ) -> (Vec<Finding>, Option<String>) {
        let refname = format!("refs/heads/{name}");
        let mut out = Vec::new();
        let note = check(
            &RefPushFacts {
                refname: &refname,
                name,
                change,
                already_on,
            },
            &Policy::default_policy(),
            &mut out,
        );
        (out, note)
    }

    #[test]
    fn protected_branches_take_no_pushes_or_deletions() {
        assert_eq!(
            run("main", RefChange::Update)[0].message,
            "direct pushes to protected branch main are refused: open a pull request"
        );
        assert_eq!(run("release/v1.2.0", RefChange::Create).len(), 1);
        assert_eq!(
            run("develop", RefChange::Delete)[0].message,
            "deleting protected branch develop is refused"
        );
        assert!(run("feature/PAY-1-x", RefChange::Update).is_empty());
        assert!(run("feature/PAY-1-x", RefChange::Delete).is_empty());
    }

    #[test]
    fn a_protected_branch_may_be_created_where_the_remote_already_has_its_commits() {
        let (out, note) = run_on("release/v1.0", RefChange::Create, Some("origin/main"));
        assert!(out.is_empty());
        assert_eq!(
            note.as_deref(),
            Some(
                "creating protected branch release/v1.0 is allowed: every commit on it is already on origin/main, so it adds no unreviewed change"
            )
        );
        let (out, _) = run_on("release/v1.0", RefChange::Create, None);
        assert!(
            out[0]
                .message
                .starts_with("creating protected branch release/v1.0 with commits")
        );
        // Only a creation: updating a protected branch is a direct push, whatever it holds.
        let (out, note) = run_on("release/v1.0", RefChange::Update, Some("origin/main"));
        assert_eq!(out.len(), 1);
        assert!(note.is_none());
    }
}
