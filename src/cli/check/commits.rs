use clap::Args;
use gix::ObjectId;

use super::check_commits;
use crate::cli::{CliError, Context};
use crate::git::Repo;
use crate::report::{Outcome, Style};

/// Check every commit in a range: `A..B` (in B, not in A), `A...B` (in either, not in
/// both), or one revision (all its history).
#[derive(Debug, Args)]
pub struct CommitsArgs {
    /// The range, e.g. origin/main..HEAD.
    pub range: String,
}

pub fn cmd_check_commits(ctx: &Context, args: CommitsArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let (include, exclude) = parse_range(&repo, &args.range)?;
    let mut report = ctx.report("check commits", Style::Verdict);
    let result = check_commits(&repo, &policy, &include, &exclude, &mut report);
    ctx.finish(report, result)
}

/// Resolves a range into the tips to include and the tips to exclude.
fn parse_range(repo: &Repo, range: &str) -> Result<(Vec<ObjectId>, Vec<ObjectId>), CliError> {
    let side = |rev: &str| -> Result<ObjectId, CliError> {
        Ok(repo.resolve_commit(if rev.is_empty() { "HEAD" } else { rev })?)
    };
    if let Some((left, right)) = range.split_once("...") {
        let (a, b) = (side(left)?, side(right)?);
        let base = repo
            .gix()
            .merge_base(a, b)
            .map_err(|e| {
                CliError::undecided(format!("cannot compute the merge base of {range}: {e}"))
            })?
            .map(|id| id.detach());
        return Ok((vec![a, b], base.into_iter().collect()));
    }
    if let Some((left, right)) = range.split_once("..") {
        return Ok((vec![side(right)?], vec![side(left)?]));
    }
    Ok((vec![side(range)?], Vec::new()))
}
