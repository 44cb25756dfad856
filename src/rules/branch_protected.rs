use super::{RefChange, RefPushFacts, declare_rule};
use crate::policy::Policy;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// A push neither updates, creates nor deletes a branch that matches
    /// `[branches] protected`: changes reach those branches through pull requests.
    ///
    /// ## Why
    /// Protected branches (`main`, `develop`, `release/*`) are what gets released. A
    /// direct push skips review and the checks that run on a pull request; a deletion
    /// loses the history a release was cut from.
    ///
    /// ## Example
    /// `git push origin main` is refused by the pre-push hook under the default policy;
    /// `git push origin feature/PAY-12-login` passes.
    ///
    /// ## Configuration
    /// `[branches] protected`: the same patterns as `[branches] allowed`.
    ///
    /// ## How to fix
    /// Push your work to a feature branch and open a pull request:
    /// `git switch -c feature/PAY-123-what && git push -u origin HEAD`.
    pub struct BranchProtected { id: "branch-protected", group: Branch }
}

pub fn check(facts: &RefPushFacts, policy: &Policy, out: &mut Vec<Finding>) {
    if !policy.is_protected(facts.name) {
        return;
    }
    let subject = Subject::Ref {
        name: facts.refname.to_string(),
    };
    let name = facts.name;
    let finding = match facts.change {
        RefChange::Delete => Finding::error(
            BranchProtected::ID,
            subject,
            format!("deleting protected branch {name} is refused"),
        )
        .with_hint("protected branches are deleted, if ever, by an administrator on the server"),
        RefChange::Create | RefChange::Update => Finding::error(
            BranchProtected::ID,
            subject,
            format!("direct pushes to protected branch {name} are refused: open a pull request"),
        )
        .with_hint(
            "push to a feature branch instead, e.g. `git push origin HEAD:feature/PAY-123-what`, and open a pull request",
        ),
    };
    out.push(finding);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, change: RefChange) -> Vec<Finding> {
        let refname = format!("refs/heads/{name}");
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
}
