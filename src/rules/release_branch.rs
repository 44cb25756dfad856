use super::declare_rule;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// At `reltag cut`, HEAD is on the version's release branch, with a clean working tree
    /// and nothing to pull.
    ///
    /// The release branch is one of `[tags] release_branch` for the version
    /// (`release/v1.2.3`, or the release line `release/v1.2`, under the default policy).
    /// The working tree has no uncommitted changes to tracked files, and the branch is not
    /// behind (or diverged from) its upstream after a fetch.
    ///
    /// ## Why
    /// The tag must name the commit everyone reviewed and tested: the tip of the release
    /// branch as the remote has it, with nothing local that the criteria would not see.
    ///
    /// ## Example
    /// Cutting `v1.2.3` from `main` is refused: switch to `release/v1.2.3` (or to the
    /// release line `release/v1.2`).
    ///
    /// ## Configuration
    /// `[tags] release_branch`.
    ///
    /// ## How to fix
    /// `git switch release/v1.2.3`, commit or stash your changes, `git pull`.
    pub struct ReleaseBranch { id: "release-branch", group: Release }
}

#[derive(Debug, Clone)]
pub struct BranchStateFacts<'a> {
    /// The version's release branches, those that exist first (see [`existing_first`]).
    pub candidates: &'a [String],
    /// The branch HEAD is on (`None`: detached or unborn).
    pub head_branch: Option<&'a str>,
    pub dirty: bool,
    /// The upstream's name and whether HEAD lacks some of its commits.
    pub upstream: Option<(&'a str, bool)>,
    /// Whether a remote exists and was consulted.
    pub remote_checked: bool,
}

/// The candidates with those that exist (locally or on the remote) first, each group in
/// the policy's order: the branch to name when HEAD is on none of them.
pub fn existing_first(candidates: Vec<String>, exists: impl Fn(&str) -> bool) -> Vec<String> {
    let (mut found, missing): (Vec<String>, Vec<String>) =
        candidates.into_iter().partition(|b| exists(b));
    found.extend(missing);
    found
}

pub fn check(facts: &BranchStateFacts, out: &mut Vec<Finding>) {
    let on_release_branch = facts
        .head_branch
        .filter(|head| facts.candidates.iter().any(|c| c == head));
    let expected = on_release_branch
        .or(facts.candidates.first().map(String::as_str))
        .unwrap_or("the release branch");
    let subject = || Subject::Branch {
        name: expected.to_string(),
    };
    let names = match facts.candidates {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        [] => expected.to_string(),
    };
    if on_release_branch.is_none() {
        out.push(
            Finding::error(
                ReleaseBranch::ID,
                subject(),
                match facts.head_branch {
                    Some(name) => format!("HEAD is on {name}, not on the release branch {names}"),
                    None => format!("HEAD is not on a branch; the release is cut from {names}"),
                },
            )
            .with_hint(format!("`git switch {expected}`")),
        );
    }
    if facts.dirty {
        out.push(
            Finding::error(
                ReleaseBranch::ID,
                Subject::Repository,
                "the working tree has uncommitted changes to tracked files",
            )
            .with_hint("commit or stash them: the tag names the commit, not your working tree"),
        );
    }
    match facts.upstream {
        Some((upstream, true)) => out.push(
            Finding::error(
                ReleaseBranch::ID,
                subject(),
                format!("{expected} is behind its upstream {upstream}"),
            )
            .with_hint("`git pull --ff-only`, then run the criteria again"),
        ),
        Some(_) => {}
        None if facts.remote_checked => out.push(
            Finding::warning(
                ReleaseBranch::ID,
                subject(),
                format!("{expected} has no upstream: the remote may not have this commit"),
            )
            .with_hint(format!("`git push -u origin {expected}`")),
        ),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(candidates: &[&str], head: Option<&str>) -> Vec<Finding> {
        let candidates: Vec<String> = candidates.iter().map(|c| c.to_string()).collect();
        let mut out = Vec::new();
        check(
            &BranchStateFacts {
                candidates: &candidates,
                head_branch: head,
                dirty: false,
                upstream: None,
                remote_checked: false,
            },
            &mut out,
        );
        out
    }

    #[test]
    fn a_release_line_or_a_version_branch_will_do() {
        let both = ["release/v1.2.3", "release/v1.2"];
        assert!(run(&both, Some("release/v1.2")).is_empty());
        assert!(run(&both, Some("release/v1.2.3")).is_empty());
        let off = run(&both, Some("main"));
        assert_eq!(
            off[0].message,
            "HEAD is on main, not on the release branch release/v1.2.3 or release/v1.2"
        );
        assert_eq!(off[0].hint.as_deref(), Some("`git switch release/v1.2.3`"));
    }

    #[test]
    fn the_hint_names_the_branch_that_exists() {
        let ordered = existing_first(vec!["release/v1.2.3".into(), "release/v1.2".into()], |b| {
            b == "release/v1.2"
        });
        assert_eq!(ordered, ["release/v1.2", "release/v1.2.3"]);
        let off = run(&["release/v1.2", "release/v1.2.3"], None);
        assert_eq!(off[0].hint.as_deref(), Some("`git switch release/v1.2`"));
    }
}
