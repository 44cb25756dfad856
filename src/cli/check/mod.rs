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
use crate::git::{CommitInfo, Head, Repo};
use crate::policy::Policy;
use crate::report::{Outcome, Report, Subject};
use crate::rules::{AuthorFacts, BranchFacts, ForgeAccount, MessageFacts, TagFacts};

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
    let mut report = Report::default();
    if ctx.verbose {
        report.notes.push(format!("policy: {}", policy.source));
    }
    let head = repo.head()?;
    let (branch, head_id) = match &head {
        Head::Branch { name, id } => (Some(name.as_str()), Some(*id)),
        Head::Unborn { name } => (Some(name.as_str()), None),
        Head::Detached { id } => {
            report.notes.push(format!(
                "HEAD is detached at {}: the branch name is not checked",
                short(id)
            ));
            (None, Some(*id))
        }
    };
    if let Some(name) = branch {
        check_branch_name(name, &policy, &mut report);
    }
    let Some(head_id) = head_id else {
        report
            .notes
            .push("the branch has no commits yet: nothing else to check".to_string());
        return ctx.emit(&report);
    };

    let tags = repo.tags()?;
    let (exclude, description) = base_of_check(&repo, &policy, branch, head_id, &tags, since)?;
    report.notes.push(description);
    check_commits(&repo, &policy, &[head_id], &exclude, None, &mut report)?;

    let names: Vec<String> = tags.iter().map(|(n, _)| n.clone()).collect();
    for (name, _) in tags.iter().filter(|(_, id)| *id == head_id) {
        let note = check_tag_name(name, &names, &policy, &mut report);
        report.notes.extend(note.filter(|_| ctx.verbose));
    }
    ctx.emit(&report)
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

pub(crate) fn check_branch_name(name: &str, policy: &Policy, report: &mut Report) {
    report.checked.branches += 1;
    gates::branch(&BranchFacts { name }, policy, &mut report.findings);
}

/// Checks a tag found in the repository or pushed; returns a note for a tag that is not a
/// release tag and was let through (see `gates::any_tag`).
pub(crate) fn check_tag_name(
    name: &str,
    existing: &[String],
    policy: &Policy,
    report: &mut Report,
) -> Option<String> {
    report.checked.tags += 1;
    gates::any_tag(&TagFacts { name, existing }, policy, &mut report.findings)
}

/// Runs the message rules over every commit in `include` minus `exclude`.
pub(crate) fn check_commits(
    repo: &Repo,
    policy: &Policy,
    include: &[ObjectId],
    exclude: &[ObjectId],
    refname: Option<&str>,
    report: &mut Report,
) -> Result<(), CliError> {
    let stats = repo.walk(include, exclude, |commit| {
        check_commit(&commit, policy, refname, report);
    })?;
    report.checked.commits += stats.commits;
    Ok(())
}

/// The message rules on one commit read from git, its author as the commit claims.
pub(crate) fn check_commit(
    commit: &CommitInfo,
    policy: &Policy,
    refname: Option<&str>,
    report: &mut Report,
) {
    run_message_rules(commit, ForgeAccount::NotAsked, policy, refname, report);
}

/// The message rules on one commit of a pull request: `login` is the forge's account for
/// its author (GitHub: the commit's `author.login`), `None` when the forge links none. Only
/// that account, never the commit's claim, can make the commit exempt by author.
pub(crate) fn check_forge_commit(
    commit: &CommitInfo,
    login: Option<&str>,
    policy: &Policy,
    refname: Option<&str>,
    report: &mut Report,
) {
    let account = login.map_or(ForgeAccount::Unlinked, ForgeAccount::Linked);
    run_message_rules(commit, account, policy, refname, report);
}

fn run_message_rules(
    commit: &CommitInfo,
    account: ForgeAccount,
    policy: &Policy,
    refname: Option<&str>,
    report: &mut Report,
) {
    let subject = Subject::Commit {
        id: commit.id.to_string(),
        summary: commit.summary(),
        refname: refname.map(str::to_string),
    };
    let facts = MessageFacts {
        subject: &subject,
        message: &commit.message,
        parent_count: Some(commit.parent_count),
        encoding: commit.encoding.as_deref(),
        author: commit.author.as_ref().map(|a| AuthorFacts {
            name: &a.name,
            email: &a.email,
            account,
        }),
    };
    if let Some(exempted) = gates::message(&facts, policy, &mut report.findings) {
        report.exempted.push(exempted);
    }
}
