use clap::Args;

use crate::cli::{CliError, Context};
use crate::gates::release::criterion_check;
use crate::report::{Outcome, Style, Subject};
use crate::tracker::jira::{self, JiraClient};

/// Ask Jira the `bugs` release criterion for a version: run `[release.bugs] jql` with
/// {version}, {major}, {minor}, {patch} and {tag} filled in, and list every issue found
/// when there are more than `max`. Needs `[jira] url` and credentials in the environment:
/// JIRA_EMAIL and JIRA_API_TOKEN (flavor = "cloud") or JIRA_TOKEN (flavor = "datacenter").
/// Exit 1 when the issues block the release, 3 when Jira cannot be asked.
#[derive(Debug, Args)]
pub struct BugsArgs {
    /// The version to be released (1.4.0), or its tag name (v1.4.0).
    #[arg(value_name = "VERSION")]
    pub release: String,
}

pub fn cmd_check_bugs(ctx: &Context, args: BugsArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo().ok();
    let policy = ctx.policy(repo.as_ref())?;
    let version = semver::Version::parse(&args.release)
        .ok()
        .or_else(|| {
            policy
                .tag_format
                .version_text(&args.release)
                .and_then(|t| semver::Version::parse(&t).ok())
        })
        .ok_or_else(|| {
            CliError::usage(format!(
                "`{}` is not a semantic version or a release tag name",
                args.release
            ))
            .hint("give a version such as 1.4.0, or a tag in the policy's format")
        })?;
    let tag = policy.tag_name(&version);
    let client = JiraClient::from_policy(&policy)?;
    ctx.status(format!("asking Jira at {}", client.config().url));
    let outcome = jira::evaluate_bugs(&policy, &version, &tag, &client)?;
    let mut report = ctx.report("check bugs", Style::Verdict);
    report.note(outcome.note());
    // The verdict as the criterion `cut` reports: measured `N open`, threshold `≤ max`.
    report.check(criterion_check(
        &crate::rules::release_bugs::outcome(&outcome),
        Subject::Tag { name: tag },
    ));
    ctx.finish(report, Ok(()))
}
