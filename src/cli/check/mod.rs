//! `reltag check` and its subcommands: every local check, offline, and `check bugs`,
//! which asks Jira.

mod branch;
mod bugs;
mod commits;
mod message;
mod policy;
mod pr;
mod tag;

use clap::{Args, Subcommand};
use gix::ObjectId;

use super::{CliError, Context};
use crate::gates;
use crate::git::{Head, Repo};
use crate::policy::Policy;
use crate::report::{Outcome, Report, Style};

/// Check the current state against the policy: the branch name, every commit on this
/// branch that is not on the default branch (or upstream, or since the last release
/// tag), and release tags at HEAD. With a subcommand, check one thing.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CheckArgs {
    #[command(subcommand)]
    pub what: Option<CheckCommand>,
    /// Check the commits since this revision instead.
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    Branch(branch::BranchArgs),
    Message(message::MessageArgs),
    Commits(commits::CommitsArgs),
    Tag(tag::TagArgs),
    Bugs(bugs::BugsArgs),
    Policy(policy::PolicyArgs),
    Pr(pr::PrArgs),
}

pub fn cmd_check(ctx: &Context, args: CheckArgs) -> Result<Outcome, CliError> {
    match args.what {
        Some(CheckCommand::Branch(a)) => branch::cmd_check_branch(ctx, a),
        Some(CheckCommand::Message(a)) => message::cmd_check_message(ctx, a),
        Some(CheckCommand::Commits(a)) => commits::cmd_check_commits(ctx, a),
        Some(CheckCommand::Tag(a)) => tag::cmd_check_tag(ctx, a),
        Some(CheckCommand::Bugs(a)) => bugs::cmd_check_bugs(ctx, a),
        Some(CheckCommand::Policy(a)) => policy::cmd_check_policy(ctx, a),
        Some(CheckCommand::Pr(a)) => pr::cmd_check_pr(ctx, a),
        None => cmd_check_all(ctx, args.since.as_deref()),
    }
}

fn cmd_check_all(ctx: &Context, since: Option<&str>) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let head = repo.head()?;
    let mut report = ctx.report("check", Style::Verdict);
    let result = check_all(ctx, &repo, &policy, head, since, &mut report);
    ctx.finish(report, result)
}

fn check_all(
    ctx: &Context,
    repo: &Repo,
    policy: &Policy,
    head: Head,
    since: Option<&str>,
    report: &mut Report,
) -> Result<(), CliError> {
    if ctx.verbose {
        report.note(format!("policy: {}", policy.source));
    }
    let (branch, head_id) = match &head {
        Head::Branch { name, id } => (Some(name.as_str()), Some(*id)),
        Head::Unborn { name } => (Some(name.as_str()), None),
        Head::Detached { id } => {
            report.note(format!(
                "HEAD is detached at {}: the branch name is not checked",
                short(id)
            ));
            (None, Some(*id))
        }
    };
    // The notes first: what is checked, then what was found.
    let Some(head_id) = head_id else {
        report.note("the branch has no commits yet: nothing else to check");
        if let Some(name) = branch {
            gates::check_branch(name, policy, report);
        }
        return Ok(());
    };
    let tags = repo.tags()?;
    let (exclude, description) = base_of_check(repo, policy, branch, head_id, &tags, since)?;
    report.note(description);
    if let Some(name) = branch {
        gates::check_branch(name, policy, report);
    }
    check_commits(repo, policy, &[head_id], &exclude, report)?;

    let names: Vec<String> = tags.iter().map(|(n, _)| n.clone()).collect();
    for (name, _) in tags.iter().filter(|(_, id)| *id == head_id) {
        let note = gates::check_tag(name, &names, policy, report);
        if let Some(note) = note.filter(|_| ctx.verbose) {
            report.note(note);
        }
    }
    Ok(())
}

/// Where the commits to check start: what is excluded, and a sentence saying so.
fn base_of_check(
    repo: &Repo,
    policy: &Policy,
    branch: Option<&str>,
    head_id: ObjectId,
    tags: &[(String, ObjectId)],
    since: Option<&str>,
) -> Result<(Vec<ObjectId>, String), CliError> {
    if let Some(rev) = since {
        let id = repo.resolve_commit(rev)?;
        return Ok((vec![id], format!("checked the commits since {rev}")));
    }
    let on = branch.unwrap_or("HEAD");
    if let Some((default, id)) = repo.default_branch()? {
        let default_short = default.strip_prefix("origin/").unwrap_or(&default);
        if branch != Some(default_short) && branch != Some(default.as_str()) {
            return Ok((
                vec![id],
                format!("checked the commits on {on} that are not on {default}"),
            ));
        }
    }
    if let Some(name) = branch
        && let Some((upstream, id)) = repo.upstream(name)?
    {
        return Ok((
            vec![id],
            format!("checked the commits on {on} that are not on {upstream}"),
        ));
    }
    // The highest release tag that HEAD contains.
    let mut best: Option<(semver::Version, &str, ObjectId)> = None;
    for (name, id) in tags {
        let Some(version) = policy
            .tag_format
            .version_text(name)
            .and_then(|t| semver::Version::parse(&t).ok())
        else {
            continue;
        };
        if best
            .as_ref()
            .is_some_and(|(v, _, _)| v.cmp_precedence(&version).is_ge())
        {
            continue;
        }
        if repo.is_ancestor(*id, head_id)? {
            best = Some((version, name, *id));
        }
    }
    if let Some((_, name, id)) = best {
        return Ok((
            vec![id],
            format!("checked the commits since the release tag {name}"),
        ));
    }
    Ok((
        Vec::new(),
        "no default branch, upstream or release tag to start from: checked the whole history"
            .to_string(),
    ))
}

pub(crate) fn short(id: &ObjectId) -> String {
    id.to_hex_with_len(12).to_string()
}

/// Runs the message rules over every commit in `include` minus `exclude`, streaming
/// each commit's findings into the report.
pub(crate) fn check_commits(
    repo: &Repo,
    policy: &Policy,
    include: &[ObjectId],
    exclude: &[ObjectId],
    report: &mut Report,
) -> Result<(), CliError> {
    gates::commits::check(policy, None, report, |checker| {
        repo.visit(include, exclude, checker)
    })?;
    Ok(())
}
