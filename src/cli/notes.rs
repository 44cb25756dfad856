use clap::Args;
use semver::Version;

use super::{CliError, Context};
use crate::git::Head;
use crate::release::notes;
use crate::report::Outcome;

/// Print release notes: the commits since the previous release tag, grouped by Jira key,
/// then the rest, and the contributors. VERSION: that release (its tag, or HEAD if it is
/// not cut yet); RANGE `A..B`: those commits; nothing: since the latest release tag.
#[derive(Debug, Args)]
pub struct NotesArgs {
    #[arg(value_name = "VERSION|RANGE")]
    pub what: Option<String>,
}

pub fn cmd_notes(ctx: &Context, args: NotesArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let head = match repo.head()? {
        Head::Branch { id, .. } | Head::Detached { id } => id,
        Head::Unborn { .. } => return Err(CliError::usage("HEAD has no commit yet")),
    };
    let notes = match args.what.as_deref() {
        Some(range) if range.contains("..") => {
            let (from, to) = range.split_once("..").expect("checked");
            let to_id = if to.is_empty() {
                head
            } else {
                repo.resolve_commit(to)?
            };
            let from_id = repo.resolve_commit(from)?;
            notes::gather(
                &repo,
                &policy,
                range,
                Some((from.to_string(), from_id)),
                to_id,
            )?
        }
        Some(tag) => {
            let version = policy
                .tag_format
                .version_text(tag)
                .and_then(|v| Version::parse(&v).ok())
                .ok_or_else(|| {
                    CliError::usage(format!(
                        "`{tag}` is neither a release version under the tag format {} nor a range A..B",
                        policy.tag_format.source
                    ))
                })?;
            let to = repo
                .ref_commit(&format!("refs/tags/{tag}"))?
                .unwrap_or(head);
            let previous = notes::previous_tag(&repo, &policy, Some(&version), to)?;
            notes::gather(&repo, &policy, tag, previous, to)?
        }
        None => {
            let previous = notes::previous_tag(&repo, &policy, None, head)?;
            let title = match &previous {
                Some((name, _)) => format!("Unreleased changes since {name}"),
                None => "Unreleased changes".to_string(),
            };
            notes::gather(&repo, &policy, &title, previous, head)?
        }
    };
    print!("{}", notes.render(policy.file.jira.url.as_deref()));
    Ok(Outcome::Allowed)
}
