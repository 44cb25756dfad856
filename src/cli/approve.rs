use clap::Args;

use gix::ObjectId;

use super::{CliError, Context, ledger_access};
use crate::git::{self, Repo};
use crate::ledger::identity;
use crate::report::{Outcome, Style};

/// Record that you, in a role, approve a version. The approval is bound to one commit:
/// the one the version's tag names, or before the cut the tip of its release branch (or
/// --commit). It counts only for that commit.
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The version's tag name, e.g. v1.2.3.
    #[arg(value_name = "VERSION")]
    pub tag: String,
    /// The role you approve as (you must be listed under [roles]).
    #[arg(long)]
    pub role: String,
    /// Approve for one environment only.
    #[arg(long)]
    pub env: Option<String>,
    /// The commit to approve, when neither the tag nor the release branch names it.
    #[arg(long, value_name = "REV")]
    pub commit: Option<String>,
    /// A remark recorded with the approval (shown by `reltag log`).
    #[arg(long)]
    pub comment: Option<String>,
    /// Record locally; do not push the ledger.
    #[arg(long)]
    pub no_push: bool,
}

pub fn cmd_approve(ctx: &Context, args: ApproveArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let version = policy
        .tag_format
        .version_text(&args.tag)
        .and_then(|v| semver::Version::parse(&v).ok())
        .ok_or_else(|| {
            CliError::usage(format!(
                "`{}` is not a release version under the tag format {}",
                args.tag, policy.tag_format.source
            ))
        })?;
    if let Some(env) = &args.env
        && !policy.file.environments.contains_key(env)
    {
        return Err(
            CliError::usage(format!("unknown environment `{env}`")).hint(format!(
                "the environments are: {}",
                policy
                    .file
                    .environments
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
    }
    let commit = match &args.commit {
        Some(rev) => repo.resolve_commit(rev)?,
        None => match repo.ref_commit(&format!("refs/tags/{}", args.tag))? {
            Some(id) => id,
            None => release_branch_tip(ctx, &repo, &policy.release_branches(&version), &args.tag)?,
        },
    };
    let gix = repo.gix();
    let actor = identity::actor_from_process_env(gix)?;
    let time = crate::schedule::now().map_err(|e| CliError::usage(e.to_string()))?;
    let roles = policy.roles();
    let request = identity::ApproveRequest {
        version: &args.tag,
        role: &args.role,
        env: args.env.as_deref(),
        commit,
        comment: args.comment.as_deref(),
        actor: &actor,
        time,
    };
    let short = commit.to_hex_with_len(12);
    let ledger = ledger_access::open(gix, &policy);
    let mut approval = identity::approval(&request, &roles)?;
    let written = ledger_access::write(ctx, &ledger, args.no_push, |base| Ok(approval(base)?))?;
    match written.outcome {
        identity::ApproveOutcome::Recorded { .. } => ctx.status(format!(
            "recorded: {actor} approved {} as {} at commit {short}",
            args.tag, args.role
        )),
        identity::ApproveOutcome::AlreadyApproved(_) => ctx.status(format!(
            "{actor} had already approved {} as {} at commit {short}: nothing recorded",
            args.tag, args.role
        )),
    }
    ctx.finish(ctx.report("approve", Style::Quiet), Ok(()))
}

/// The tip of the version's release branch (the first of `branches` that exists), here or
/// on the remote. A branch that only the remote has — a fresh clone, a single-branch CI
/// checkout — is fetched first, so the approval binds to the commit the remote has.
fn release_branch_tip(
    ctx: &Context,
    repo: &Repo,
    branches: &[String],
    tag: &str,
) -> Result<ObjectId, CliError> {
    let remote = crate::ledger::sync::default_remote(repo.gix());
    let tracking = |b: &str| remote.as_deref().map(|r| format!("refs/remotes/{r}/{b}"));
    for branch in branches {
        for refname in [Some(format!("refs/heads/{branch}")), tracking(branch)]
            .into_iter()
            .flatten()
        {
            if let Some(id) = repo.ref_commit(&refname)? {
                return Ok(id);
            }
        }
    }
    let names = match branches {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        [] => "(none)".to_string(),
    };
    let first = branches.first().map_or("release/v1.2.3", String::as_str);
    let Some(remote) = remote else {
        return Err(CliError::usage(format!(
            "{tag} has neither a tag nor a release branch {names}, and there is no remote to fetch one from: there is no commit to approve"
        ))
        .hint(format!(
            "create the release branch first (`git switch -c {first}`), or name the commit with --commit REV"
        )));
    };
    let on_remote = git::remote::first_remote_branch(repo, &remote, branches).map_err(|e| {
        CliError::new(crate::cli::ErrorKind::Undecided, e).hint(format!(
            "{tag} has no release branch here; it may exist on {remote}: fetch it (`git fetch {remote} {first}`), or name the commit with --commit REV"
        ))
    })?;
    let Some(branch) = on_remote else {
        return Err(CliError::usage(format!(
            "{tag} has neither a tag nor a release branch {names}, here or on {remote}: there is no commit to approve"
        ))
        .hint(format!(
            "create the release branch first (`git switch -c {first} && git push -u {remote} {first}`), or name the commit with --commit REV"
        )));
    };
    ctx.status(format!("fetching {branch} from {remote}…"));
    git::remote::fetch_branch(repo, &remote, branch)
        .map_err(|e| {
            CliError::new(crate::cli::ErrorKind::Undecided, e).hint(format!(
                "fetch it yourself (`git fetch {remote} {branch}`), or name the commit with --commit REV"
            ))
        })?;
    repo.ref_commit(&format!("refs/remotes/{remote}/{branch}"))?
        .ok_or_else(|| {
            CliError::undecided(format!(
                "fetched {branch} from {remote}, but refs/remotes/{remote}/{branch} is not there"
            ))
        })
}
