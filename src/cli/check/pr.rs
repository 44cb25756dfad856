//! `reltag check pr`: the pull-request gate, run on GitHub's runners.
//!
//! The policy is read from the pull request's base commit, never from its head or the
//! checked-out tree, so a pull request cannot weaken the rules it is judged by. The
//! commits come from git (fetching what a shallow checkout lacks), else from the forge;
//! missing history is never a pass.

use std::collections::HashMap;
use std::path::PathBuf;

use clap::Args;
use gix::ObjectId;

use crate::cli::{CliError, Context};
use crate::forge::github::event::{self, PrEvent};
use crate::forge::github::{GitHub, OwnerRepo};
use crate::forge::{self, FileAt, Forge, PullRequest, base};
use crate::gates;
use crate::git::{CommitInfo, Repo};
use crate::policy::{POLICY_FILE_NAME, Policy, Source};
use crate::report::{Outcome, Style};

/// Check a GitHub pull request: its head branch name, every commit in it, the squash
/// commit's message (title and body) with `merge_method = "squash"`, and its reviews
/// against `[pull_requests]` (only reviewers who can push to the repository count).
/// The policy is read from the base commit's git objects, never the head or the
/// checked-out files.
///
/// In GitHub Actions the pull request comes from $GITHUB_EVENT_PATH (pull_request,
/// pull_request_target, pull_request_review and merge_group events). Needs GITHUB_TOKEN
/// or GH_TOKEN; GITHUB_API_URL selects GitHub Enterprise Server.
#[derive(Debug, Args)]
pub struct PrArgs {
    /// The pull request's number [default: from the event payload].
    #[arg(long, value_name = "N")]
    pub number: Option<u64>,
    /// The repository [default: $GITHUB_REPOSITORY, or the event's repository].
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
}

pub fn cmd_check_pr(ctx: &Context, args: PrArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let event = match args.number {
        Some(_) => None,
        None => Some(read_event()?),
    };
    let event_repo = match &event {
        Some(PrEvent::PullRequest { repository, .. })
        | Some(PrEvent::MergeGroup { repository, .. }) => repository.clone(),
        None => None,
    };
    let owner_repo = match (args.repo.as_deref(), event_repo.as_deref()) {
        (Some(r), _) => r.parse::<OwnerRepo>()?,
        (None, Some(r)) if std::env::var_os("GITHUB_REPOSITORY").is_none() => r.parse()?,
        _ => OwnerRepo::from_env_or(None)?,
    };
    let github = GitHub::from_env(Some(owner_repo))?;
    let forge: &dyn Forge = &github;
    let (pr, base_sha) = match event {
        Some(PrEvent::PullRequest { pr, .. }) => {
            let base = pr.base.sha.clone();
            (*pr, base)
        }
        Some(PrEvent::MergeGroup {
            number, base_sha, ..
        }) => (forge.pull_request(number)?, base_sha),
        None => {
            let pr = forge.pull_request(args.number.unwrap_or_default())?;
            let base = pr.base.sha.clone();
            (pr, base)
        }
    };
    ctx.status(format!(
        "checking pull request #{} of {}: {} ({}) into {} ({})",
        pr.number,
        forge.repository(),
        pr.head.branch,
        short_sha(&pr.head.sha),
        pr.base.branch,
        short_sha(&base_sha)
    ));

    let (policy, policy_path, policy_note) = policy_at_base(ctx, &repo, forge, &base_sha)?;

    let mut report = ctx.report("check pr", Style::Verdict);
    report.note(policy_note);
    gates::check_branch(&pr.head.branch, &policy, &mut report);

    let mut gathered = gather_commits(ctx, &repo, forge, &pr, &base_sha)?;
    if matches!(gathered.source, CommitSource::Git) && !policy.exempt_authors.is_empty() {
        // `[commits] exempt_authors` trusts only the forge's account for an author: ask
        // for the commit list's links even though git has the commits.
        gathered.logins = forge
            .pull_request_commits(&pr)?
            .into_iter()
            .map(|c| (c.commit.id, c.author_login))
            .collect();
    }
    report.note(match gathered.source {
        CommitSource::Git => format!(
            "checked the {} commit(s) of the pull request (from git)",
            gathered.commits.len()
        ),
        CommitSource::Forge => format!(
            "checked the {} commit(s) of the pull request (from the API: the history is not in this checkout)",
            gathered.commits.len()
        ),
    });
    let repository = forge.repository();
    let facts = gates::pull_request::PullRequest {
        number: pr.number,
        title: &pr.title,
        body: pr.body.as_deref(),
        author: &pr.author,
        head_branch: &pr.head.branch,
        head_sha: &pr.head.sha,
        repository: &repository,
    };
    // Only the forge's account for the author, never the commit's claim, can make a
    // commit exempt by author; a commit the forge links to no account is exempt by none.
    let commits: Vec<gates::pull_request::PrCommit> = gathered
        .commits
        .iter()
        .map(|c| (c, gathered.logins.get(&c.id).and_then(|l| l.as_deref())))
        .collect();
    gates::pull_request::commits(&facts, &commits, &policy, &mut report);
    // `[commits] verify_jira`: one batched lookup of every key the commits name; any
    // Jira error is exit 3 (fail closed).
    if let Some(verified) =
        crate::cli::verify_jira::verify(ctx, &policy, &gathered.commits, Some(&facts.refname()))?
    {
        report.note(verified.note);
        report.findings(verified.findings);
    }

    let reviews = forge.reviews(&pr)?;
    let changed = match gathered.source {
        CommitSource::Git => changed_in_git(&repo, &gathered)?,
        CommitSource::Forge => forge
            .changed_files(&pr)?
            .into_iter()
            .flat_map(|f| std::iter::once(f.path).chain(f.previous_path))
            .collect::<Vec<String>>(),
    };
    // A symlink or a removal at a policy file is a change, whatever the diff lists: git
    // compares what each file the gate counts as policy holds at both ends.
    let mut policy_files_differ = Vec::new();
    if let CommitSource::Git = gathered.source {
        for path in gates::pull_request::policy_files(&policy_path, &policy) {
            if policy_changed_in_git(&repo, &gathered, path)? {
                policy_files_differ.push(path.to_string());
            }
        }
    }
    let code_owners = if policy.file.pull_requests.require_code_owners {
        let owners = code_owners_at_base(&repo, forge, &base_sha, &changed, &policy)?;
        report.note(match &owners.file {
            Some(file) => format!(
                "code owners: {} at the base commit {}",
                file.path,
                short_sha(&base_sha)
            ),
            None => format!(
                "code owners: no CODEOWNERS at the base commit {}",
                short_sha(&base_sha)
            ),
        });
        Some(owners)
    } else {
        None
    };
    let summary = gates::pull_request::review(
        &facts,
        &gates::pull_request::ReviewFacts {
            reviews: &reviews,
            changed: &changed,
            policy_path: &policy_path,
            policy_files_differ: &policy_files_differ,
            code_owners: code_owners.as_ref(),
        },
        &policy,
        &mut report,
    );
    report.output("pull-request", pr.number.to_string());
    report.output("approvals", summary.approved.len().to_string());
    report.output("head-sha", pr.head.sha.clone());
    ctx.finish(report, Ok(()))
}

/// The base commit's CODEOWNERS (from git objects, else the forge) and the members of
/// each team or email owner the changed paths need (`[roles]`, else the forge). What
/// cannot be read or listed leaves the gate undecided.
fn code_owners_at_base(
    repo: &Repo,
    forge: &dyn Forge,
    base_sha: &str,
    changed: &[String],
    policy: &Policy,
) -> Result<crate::owners::CodeOwnersFacts, CliError> {
    let file = base::code_owners(repo, forge, base_sha).map_err(base_error)?;
    crate::owners::resolve(file, changed, policy, forge.name(), |org, team| {
        forge.team_members(org, team)
    })
    .map_err(|e| {
        let hint = e.hint();
        CliError::undecided(e.to_string()).hint(hint)
    })
}

fn short_sha(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

fn read_event() -> Result<PrEvent, CliError> {
    let name = std::env::var("GITHUB_EVENT_NAME").ok();
    let path = std::env::var_os("GITHUB_EVENT_PATH").map(PathBuf::from);
    match (name, path) {
        (Some(name), Some(path)) => Ok(event::read(&name, &path)?),
        _ => Err(CliError::usage(
            "no pull request: GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set",
        )
        .hint("pass --number N (and --repo OWNER/NAME outside GitHub Actions)")),
    }
}

/// The policy as the base commit's git objects have it, its path in the repository, and
/// the report's note. `--policy` names a path of the repository, taken literally; without
/// it, `policy.toml`. A path the base commit lacks is an error when `--policy` named it
/// (exit 2); only the implicit `policy.toml` may be absent, meaning the built-in default.
fn policy_at_base(
    ctx: &Context,
    repo: &Repo,
    forge: &dyn Forge,
    base_sha: &str,
) -> Result<(Policy, String, String), CliError> {
    let explicit = ctx.policy_path.is_some();
    let path = match &ctx.policy_path {
        None => POLICY_FILE_NAME.to_string(),
        Some(given) => {
            let root = repo
                .workdir()
                .ok_or_else(|| CliError::usage("check pr needs a working tree"))?;
            base::repo_path(given, root).map_err(|e| {
                CliError::usage(format!("--policy {e}"))
                    .hint("--policy names a file in the repository; check pr reads it from the base commit")
            })?
        }
    };
    let at = short_sha(base_sha);
    let (file, _) = base::file_at(repo, forge, base_sha, &path).map_err(base_error)?;
    let text = match file {
        FileAt::File(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        FileAt::Missing if !explicit => {
            return Ok((
                Policy::default_policy(),
                path,
                format!(
                    "policy: the built-in default (no {POLICY_FILE_NAME} at the base commit {at})"
                ),
            ));
        }
        FileAt::Missing => {
            return Err(CliError::usage(format!(
                "--policy {path} does not exist at the base commit {at}"
            ))
            .hint("check pr reads the policy from the base branch: commit the policy there first, or name the path it has there"));
        }
        FileAt::NotAFile { what } => {
            return Err(CliError::usage(format!(
                "{path} is not a regular file at the base commit {at} ({what})"
            ))
            .hint("the policy must be a file at the base commit; symlinks are not followed"));
        }
    };
    let display = format!("{path} (at {at})");
    let policy = Policy::from_toml(&text, &display, Source::File(PathBuf::from(&path)))
        .map_err(|invalid| CliError::from(crate::policy::LoadError::Invalid(invalid)))?;
    let note = format!("policy: {path} at the base commit {at}");
    Ok((policy, path, note))
}

fn base_error(e: base::Error) -> CliError {
    match e {
        base::Error::Forge(e) => e.into(),
        base::Error::Path { .. } => CliError::usage(e.to_string()),
        base::Error::Git { .. } => CliError::undecided(e.to_string()),
        base::Error::NotAFile { .. } | base::Error::CodeOwners(_) => {
            CliError::undecided(e.to_string()).hint(
                "fix CODEOWNERS on the base branch (GitHub shows its errors on the file's page), or set [pull_requests] require_code_owners = false",
            )
        }
    }
}

enum CommitSource {
    Git,
    Forge,
}

struct Gathered {
    source: CommitSource,
    commits: Vec<CommitInfo>,
    /// The forge's account for each commit's author (`None`: linked to no account). Empty
    /// for commits read from git unless `[commits] exempt_authors` needs them.
    logins: HashMap<ObjectId, Option<String>>,
    head: Option<ObjectId>,
    base: Option<ObjectId>,
}

/// Every commit of the pull request: `base..head` from git, deepening a shallow checkout
/// as needed, else the forge's list (which GitHub stops at 250 commits: more is undecided).
fn gather_commits(
    ctx: &Context,
    repo: &Repo,
    forge: &dyn Forge,
    pr: &PullRequest,
    base_sha: &str,
) -> Result<Gathered, CliError> {
    if let (Ok(head), Ok(base)) = (
        ObjectId::from_hex(pr.head.sha.as_bytes()),
        ObjectId::from_hex(base_sha.as_bytes()),
    ) {
        let shas = [pr.head.sha.as_str(), base_sha];
        let depth = pr.commit_count.unwrap_or(50) + 2;
        for step in 0..3 {
            // 0: what the checkout has; 1: fetch the two commits (deep enough for the
            // pull request when shallow); 2: the whole history.
            let fetched = match step {
                0 => true,
                1 => {
                    ctx.status("fetching the pull request's commits");
                    let shallow = repo.gix().is_shallow().unwrap_or(false);
                    base::fetch(repo, &shas, shallow.then_some(depth))
                }
                _ => {
                    ctx.status("fetching the whole history");
                    base::unshallow(repo, &shas)
                }
            };
            if !fetched {
                continue;
            }
            if !(base::has_commit(repo, head) && base::has_commit(repo, base)) {
                continue;
            }
            match repo.range(&[head], &[base]) {
                Ok(ids) => {
                    let commits = ids
                        .iter()
                        .map(|id| repo.commit(*id))
                        .collect::<Result<Vec<_>, _>>()?;
                    return Ok(Gathered {
                        source: CommitSource::Git,
                        commits,
                        logins: HashMap::new(),
                        head: Some(head),
                        base: Some(base),
                    });
                }
                Err(crate::git::Error::ShallowBoundary { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
    let commits = forge.pull_request_commits(pr).map_err(|e| {
        let hint = "check out with `fetch-depth: 0` (actions/checkout) so reltag reads the commits from git";
        match e.kind {
            forge::ErrorKind::Usage => CliError::from(e),
            forge::ErrorKind::Undecided => {
                CliError::undecided(format!("{e}, and this checkout lacks the history")).hint(hint)
            }
        }
    })?;
    let logins = commits
        .iter()
        .map(|c| (c.commit.id, c.author_login.clone()))
        .collect();
    let commits = commits.into_iter().map(|c| c.commit).collect();
    Ok(Gathered {
        source: CommitSource::Forge,
        commits,
        logins,
        head: None,
        base: None,
    })
}

/// The paths the pull request changes: the trees of the merge base and the head, compared
/// path by path.
fn changed_in_git(repo: &Repo, gathered: &Gathered) -> Result<Vec<String>, CliError> {
    let (Some(head), Some(merge_base)) = (gathered.head, merge_base(repo, gathered)?) else {
        return Ok(Vec::new());
    };
    Ok(crate::evidence::docs::changed_paths(
        repo.gix(),
        Some(merge_base),
        head,
    )?)
}

/// Whether the pull request changes the policy file: what the path holds at the merge
/// base against what it holds at the head (a symlink or a removal is a change).
fn policy_changed_in_git(repo: &Repo, gathered: &Gathered, path: &str) -> Result<bool, CliError> {
    let (Some(head), Some(merge_base)) = (gathered.head, merge_base(repo, gathered)?) else {
        return Ok(false);
    };
    let at = |commit| base::file_in_git(repo, commit, path).map_err(base_error);
    Ok(at(merge_base)? != at(head)?)
}

/// Where the pull request's branch left its base (the base itself when unrelated).
fn merge_base(repo: &Repo, gathered: &Gathered) -> Result<Option<ObjectId>, CliError> {
    let (Some(head), Some(base)) = (gathered.head, gathered.base) else {
        return Ok(None);
    };
    Ok(Some(
        repo.gix()
            .merge_base(base, head)
            .map_err(|e| CliError::undecided(format!("cannot compute the merge base: {e}")))?
            .map(|id| id.detach())
            .unwrap_or(base),
    ))
}
