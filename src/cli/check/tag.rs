use clap::Args;

use crate::cli::{CliError, Context};
use crate::gates;
use crate::report::{Outcome, Style};

/// Check a tag name as a push would: a release tag's format, semantic version, and
/// sequence against the existing tags; another tag only under [tags] other = "refuse".
#[derive(Debug, Args)]
pub struct TagArgs {
    /// The tag name, e.g. v1.2.3.
    pub name: String,
}

pub fn cmd_check_tag(ctx: &Context, args: TagArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo().ok();
    let policy = ctx.policy(repo.as_ref())?;
    let existing: Vec<String> = match &repo {
        Some(repo) => repo.tags()?.into_iter().map(|(name, _)| name).collect(),
        None => Vec::new(),
    };
    let mut report = ctx.report("check tag", Style::Verdict);
    if let Some(note) = gates::check_tag(&args.name, &existing, &policy, &mut report) {
        report.note(note);
    }
    ctx.finish(report, Ok(()))
}
