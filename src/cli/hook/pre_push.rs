use clap::Args;

use crate::cli::{CliError, Context, ErrorKind};
use crate::gates::push;
use crate::hooks::pre_push::{InputError, SelectError, from_pre_commit_env, read_stdin};
use crate::report::{Outcome, Style};

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
    let mut report = ctx.report("hook pre-push", Style::Quiet);
    if updates.is_empty() {
        if ctx.verbose {
            report.note("nothing is being pushed: nothing to check");
        }
        return ctx.finish(report, Ok(()));
    }
    let result = (|| {
        let push = push::Push {
            updates: &updates,
            verbose: ctx.verbose,
        };
        let mut facts = push::GitFacts::new(&repo, &remote).map_err(facts_error)?;
        push::run(&push, &policy, &mut facts, &mut report).map_err(facts_error)
    })();
    ctx.finish(report, result)
}

fn facts_error(e: push::GitFactsError) -> CliError {
    match e {
        push::GitFactsError::Select(e) => select_error(e),
        push::GitFactsError::Git(e) => e.into(),
        push::GitFactsError::Published(e) => CliError::new(ErrorKind::Undecided, e),
    }
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
