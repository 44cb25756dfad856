use clap::Args;
use gix::ObjectId;

use super::emit_quietly;
use crate::cli::check::{check_branch_name, check_commit, check_tag_name};
use crate::cli::{CliError, Context, ErrorKind};
use crate::gates;
use crate::git::Repo;
use crate::hooks::pre_push::{
    InputError, PushSelection, RefUpdate, SelectError, UpdateKind, from_pre_commit_env, read_stdin,
};
use crate::policy::Policy;
use crate::report::{Outcome, Report};
use crate::rules::{RefChange, RefPushFacts, ReleaseBranchState, TagPlacementFacts};

/// The pre-push hook: check every ref a push changes. git passes the remote's name and URL
/// as arguments and one line per ref on stdin; under the pre-commit framework the
/// PRE_COMMIT_FROM_REF, PRE_COMMIT_TO_REF and PRE_COMMIT_REMOTE_BRANCH variables say it.
#[derive(Debug, Args)]
pub struct PrePushArgs {
    /// The remote's name (or its URL when the push names no configured remote)
    /// [default: $PRE_COMMIT_REMOTE_NAME, else origin].
    pub remote: Option<String>,
    /// The remote's URL (unused: hooks never touch the network).
    pub url: Option<String>,
}

pub fn cmd_hook_pre_push(ctx: &Context, args: PrePushArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let remote = args
        .remote
        .or_else(|| std::env::var("PRE_COMMIT_REMOTE_NAME").ok())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "origin".to_string());
    let updates =
        match from_pre_commit_env(repo.gix(), |v| std::env::var_os(v)).map_err(input_error)? {
            Some(update) => vec![update],
            None => read_stdin(std::io::stdin().lock()).map_err(input_error)?,
        };
    let mut report = Report::default();
    if updates.is_empty() {
        if ctx.verbose {
            report
                .notes
                .push("nothing is being pushed: nothing to check".to_string());
        }
        return emit_quietly(ctx, &report);
    }
    // Read once per run, and only when needed: the remote-tracking refs a new branch is
    // compared with, and the tags a pushed tag is compared with.
    let mut selection = PushSelection::new(repo.gix(), &remote).map_err(select_error)?;
    let mut tags: Option<Vec<String>> = None;
    for update in &updates {
        if let Some(branch) = update.remote_ref.strip_prefix("refs/heads/") {
            check_branch_push(&mut selection, &policy, update, branch, &mut report)?;
        } else if let Some(tag) = update.remote_ref.strip_prefix("refs/tags/") {
            if tags.is_none() {
                tags = Some(repo.tags()?.into_iter().map(|(n, _)| n).collect());
            }
            let tags = tags.as_deref().unwrap_or_default();
            check_tag_push(&repo, &policy, &remote, update, tag, tags, &mut report)?;
        } else if ctx.verbose {
            report.notes.push(format!(
                "{} is neither a branch nor a tag: not checked",
                update.remote_ref
            ));
        }
    }
    emit_quietly(ctx, &report)
}

fn change(kind: UpdateKind) -> RefChange {
    match kind {
        UpdateKind::Create => RefChange::Create,
        UpdateKind::Update => RefChange::Update,
        UpdateKind::Delete => RefChange::Delete,
    }
}

fn check_branch_push(
    selection: &mut PushSelection<'_>,
    policy: &Policy,
    update: &RefUpdate,
    branch: &str,
    report: &mut Report,
) -> Result<(), CliError> {
    let facts = RefPushFacts {
        refname: &update.remote_ref,
        name: branch,
        change: change(update.kind),
    };
    let before = report.findings.len();
    gates::branch_push(&facts, policy, &mut report.findings);
    if report.findings.len() > before || update.kind == UpdateKind::Delete {
        return Ok(());
    }
    check_branch_name(branch, policy, report);
    // Each commit is read once, message included, and checked as the walk decides it.
    let findings = &mut report.findings;
    let commits = selection
        .commits(update, |commit| {
            check_commit(&commit, policy, Some(&update.remote_ref), findings);
        })
        .map_err(select_error)?;
    report.checked.commits += commits;
    Ok(())
}

fn check_tag_push(
    repo: &Repo,
    policy: &Policy,
    remote: &str,
    update: &RefUpdate,
    tag: &str,
    tags: &[String],
    report: &mut Report,
) -> Result<(), CliError> {
    let facts = RefPushFacts {
        refname: &update.remote_ref,
        name: tag,
        change: change(update.kind),
    };
    let before = report.findings.len();
    gates::tag_push(&facts, policy, &mut report.findings);
    if report.findings.len() > before || update.kind == UpdateKind::Delete {
        report.checked.tags += 1;
        return Ok(());
    }
    check_tag_name(tag, tags, policy, report);
    if report.findings.len() > before {
        return Ok(());
    }
    let Some(version) = policy
        .tag_format
        .version_text(tag)
        .and_then(|t| semver::Version::parse(&t).ok())
    else {
        return Ok(());
    };
    let Some(commit) = update.local_oid.and_then(|id| peel_to_commit(repo, id)) else {
        return Ok(()); // a tag of a tree or blob: no commit to place
    };
    let branch = policy.release_branch(&version);
    let mut state = ReleaseBranchState::Missing;
    for refname in [
        format!("refs/heads/{branch}"),
        format!("refs/remotes/{remote}/{branch}"),
    ] {
        if let Some(tip) = repo.ref_commit(&refname)? {
            if repo.is_ancestor(commit, tip)? {
                state = ReleaseBranchState::Contains;
                break;
            }
            state = ReleaseBranchState::NotContains;
        }
    }
    let info = repo.commit(commit)?;
    let id = commit.to_string();
    let summary = info.summary();
    gates::tag_placement(
        &TagPlacementFacts {
            refname: &update.remote_ref,
            name: tag,
            commit: &id,
            summary: &summary,
            release_branch: &branch,
            state,
        },
        policy,
        &mut report.findings,
    );
    Ok(())
}

fn peel_to_commit(repo: &Repo, id: ObjectId) -> Option<ObjectId> {
    Some(repo.gix().find_object(id).ok()?.peel_to_commit().ok()?.id)
}

fn input_error(e: InputError) -> CliError {
    match e {
        InputError::IncompleteEnv { .. }
        | InputError::BadEnvRevision { .. }
        | InputError::EnvNotUtf8 { .. } => CliError::new(ErrorKind::Usage, e).hint(
            "run the hook through the pre-commit framework, or unset the PRE_COMMIT_* variables",
        ),
        _ => CliError::new(ErrorKind::Undecided, e)
            .hint("the pre-push hook expects git's ref lines on stdin"),
    }
}

fn select_error(e: SelectError) -> CliError {
    let hint = e.hint().map(str::to_string);
    let err = CliError::new(ErrorKind::Undecided, e);
    match hint {
        Some(h) => err.hint(h),
        None => err,
    }
}
