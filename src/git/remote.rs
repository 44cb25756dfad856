//! What `cut` and `approve` ask the default remote through `git` (its credentials and
//! transport): which release branches it has, and fetching them.

use super::Repo;
use super::command::{CommandError, run_git};
use super::tag::command_dir;

/// Fetches the remote's branches into their remote-tracking refs (no tags).
pub fn fetch_branches(repo: &Repo, remote: &str) -> Result<(), CommandError> {
    run_git(command_dir(repo), ["fetch", "--quiet", "--no-tags", remote]).map(|_| ())
}

/// Fetches one branch of the remote into `refs/remotes/<remote>/<branch>` (forced: the
/// remote's branch is what counts).
pub fn fetch_branch(repo: &Repo, remote: &str, branch: &str) -> Result<(), CommandError> {
    let refspec = format!("+refs/heads/{branch}:refs/remotes/{remote}/{branch}");
    run_git(
        command_dir(repo),
        ["fetch", "--quiet", "--no-tags", remote, refspec.as_str()],
    )
    .map(|_| ())
}

/// The first of `branches` the remote has (`git ls-remote --heads`).
pub fn first_remote_branch<'b>(
    repo: &Repo,
    remote: &str,
    branches: &'b [String],
) -> Result<Option<&'b String>, CommandError> {
    let mut args = vec![
        "ls-remote".to_string(),
        "--heads".to_string(),
        remote.to_string(),
    ];
    args.extend(branches.iter().map(|b| format!("refs/heads/{b}")));
    let listed = run_git(command_dir(repo), &args)?;
    let listed = String::from_utf8_lossy(&listed.stdout);
    Ok(branches.iter().find(|b| {
        listed.lines().any(|l| {
            l.split_once('\t')
                .is_some_and(|(_, r)| r == format!("refs/heads/{b}"))
        })
    }))
}
