use clap::Args;
use gix::ObjectId;

use super::emit_quietly;
use crate::cli::check::{check_branch_name, check_commit, check_tag_name};
use crate::cli::{CliError, Context, ErrorKind};
use crate::gates;
use crate::git::Repo;
use crate::hooks::pre_push::{
    InputError, RefUpdate, SelectError, UpdateKind, commits_to_check, from_pre_commit_env,
    read_stdin,
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
    let tags: Vec<String> = repo.tags()?.into_iter().map(|(n, _)| n).collect();
    for update in &updates {
        if let Some(branch) = update.remote_ref.strip_prefix("refs/heads/") {
            check_branch_push(&repo, &policy, &remote, update, branch, &mut report)?;
        } else if let Some(tag) = update.remote_ref.strip_prefix("refs/tags/") {
            let note = check_tag_push(&repo, &policy, &remote, update, tag, &tags, &mut report)?;
            // A tag that is not a release tag is said only with --verbose: hooks are
            // silent when all is well.
            report.notes.extend(note.filter(|_| ctx.verbose));
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
    repo: &Repo,
    policy: &Policy,
    remote: &str,
    update: &RefUpdate,
    branch: &str,
    report: &mut Report,
) -> Result<(), CliError> {
    // Creating a protected branch: is every commit on it already on a protected branch
    // of the remote? (`branch-protected` decides.)
    let already_on = match update.local_oid {
        Some(local) if update.kind == UpdateKind::Create && policy.is_protected(branch) => {
            match peel_to_commit(repo, local) {
                Some(tip) => crate::hooks::published::protected_branch_holding(
                    repo.gix(),
                    tip,
                    remote,
                    |name| policy.is_protected(name),
                )
                .map_err(|e| CliError::new(ErrorKind::Undecided, e))?,
                None => None,
            }
        }
        _ => None,
    };
    let facts = RefPushFacts {
        refname: &update.remote_ref,
        name: branch,
        change: change(update.kind),
        already_on: already_on.as_deref(),
    };
    let before = report.findings.len();
    let note = gates::branch_push(&facts, policy, &mut report.findings);
    report.notes.extend(note);
    if report.findings.len() > before || update.kind == UpdateKind::Delete {
        return Ok(());
    }
    check_branch_name(branch, policy, report);
    // The selection already read each commit once, message included.
    let commits = commits_to_check(repo.gix(), update, remote).map_err(select_error)?;
    for commit in commits {
        check_commit(&commit, policy, Some(&update.remote_ref), report);
        report.checked.commits += 1;
    }
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
) -> Result<Option<String>, CliError> {
    let facts = RefPushFacts {
        refname: &update.remote_ref,
        name: tag,
        change: change(update.kind),
        already_on: None,
    };
    let before = report.findings.len();
    gates::tag_push(&facts, policy, &mut report.findings);
    if report.findings.len() > before || update.kind == UpdateKind::Delete {
        report.checked.tags += 1;
        return Ok(None);
    }
    let note = check_tag_name(tag, tags, policy, report);
    if report.findings.len() > before {
        return Ok(None);
    }
    if note.is_some() {
        return Ok(note); // not a release tag: nothing else applies
    }
    let Some(version) = policy
        .tag_format
        .version_text(tag)
        .and_then(|t| semver::Version::parse(&t).ok())
    else {
        return Ok(None);
    };
    let Some(commit) = update.local_oid.and_then(|id| peel_to_commit(repo, id)) else {
        return Ok(None); // a tag of a tree or blob: no commit to place
    };
    let mut branches = Vec::new();
    for branch in policy.release_branches(&version) {
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
        branches.push((branch, state));
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
            release_branches: &branches,
        },
        policy,
        &mut report.findings,
    );
    Ok(None)
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
