use super::declare_rule;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// At `reltag cut`: HEAD is on the release branch the policy names for the version
    /// (`release/v1.2.3` by default), the working tree has no uncommitted changes to
    /// tracked files, and the branch is not behind (or diverged from) its upstream after
    /// a fetch.
    ///
    /// ## Why
    /// The tag must name the commit everyone reviewed and tested: the tip of the release
    /// branch as the remote has it, with nothing local that the criteria would not see.
    ///
    /// ## Example
    /// Cutting `v1.2.3` from `main` is refused: switch to `release/v1.2.3`.
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
    pub expected: &'a str,
    /// The branch HEAD is on (`None`: detached or unborn).
    pub head_branch: Option<&'a str>,
    pub dirty: bool,
    /// The upstream's name and whether HEAD lacks some of its commits.
    pub upstream: Option<(&'a str, bool)>,
    /// Whether a remote exists and was consulted.
    pub remote_checked: bool,
}

pub fn check(facts: &BranchStateFacts, out: &mut Vec<Finding>) {
    let subject = || Subject::Branch {
        name: facts.expected.to_string(),
    };
    match facts.head_branch {
        Some(name) if name == facts.expected => {}
        other => out.push(
            Finding::error(
                ReleaseBranch::ID,
                subject(),
                match other {
                    Some(name) => format!(
                        "HEAD is on {name}, not on the release branch {}",
                        facts.expected
                    ),
                    None => format!(
                        "HEAD is not on a branch; the release is cut from {}",
                        facts.expected
                    ),
                },
            )
            .with_hint(format!("`git switch {}`", facts.expected)),
        ),
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
                format!("{} is behind its upstream {upstream}", facts.expected),
            )
            .with_hint("`git pull --ff-only`, then run the criteria again"),
        ),
        Some(_) => {}
        None if facts.remote_checked => out.push(
            Finding::warning(
                ReleaseBranch::ID,
                subject(),
                format!(
                    "{} has no upstream: the remote may not have this commit",
                    facts.expected
                ),
            )
            .with_hint(format!("`git push -u origin {}`", facts.expected)),
        ),
        None => {}
    }
}
