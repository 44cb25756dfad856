use clap::Args;

use super::{CliError, Context, ledger_access};
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
    let branch = policy.release_branch(&version);
    let commit = match &args.commit {
        Some(rev) => repo.resolve_commit(rev)?,
        None => match repo.ref_commit(&format!("refs/tags/{}", args.tag))? {
            Some(id) => id,
            None => match repo.ref_commit(&format!("refs/heads/{branch}"))? {
                Some(id) => id,
                None => repo
                    .ref_commit(&format!("refs/remotes/origin/{branch}"))?
                    .ok_or_else(|| {
                        CliError::usage(format!(
                            "{} has neither a tag nor a release branch {branch}: there is no commit to approve",
                            args.tag
                        ))
                        .hint("create the release branch first, or name the commit with --commit REV")
                    })?,
            },
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
