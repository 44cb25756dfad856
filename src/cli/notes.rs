//! `reltag notes`: release notes, as `cut` writes them into the annotated tag.

use clap::Args;
use semver::Version;

use super::{CliError, Context};
use crate::gates;
use crate::git::Head;
use crate::release::notes;
use crate::report::{Data, NotesData, Outcome, Style};
use crate::rules::TagFacts;

/// Print release notes: the commits since the previous release tag, grouped by Jira key,
/// then the rest, and the contributors. VERSION: that release (its tag, or HEAD if it is
/// not cut yet and `cut` would accept it next); RANGE `A..B`: those commits; nothing:
/// since the latest release tag.
#[derive(Debug, Args)]
pub struct NotesArgs {
    /// A release (v1.2.3), a range of commits (A..B), or nothing: since the latest
    /// release tag.
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
    let mut preview = None;
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
            let to = match repo.ref_commit(&format!("refs/tags/{tag}"))? {
                Some(id) => id,
                None => {
                    not_a_next_version(&repo, &policy, tag)?;
                    preview = Some(format!(
                        "{tag} is not cut yet: these are the notes a cut at HEAD ({}) would tag",
                        head.to_hex_with_len(12)
                    ));
                    head
                }
            };
            let previous = notes::previous_tag(&repo, &policy, Some(&version), to)?;
            notes::gather(&repo, &policy, tag, previous, to)?
        }
        None => {
            let previous = notes::previous_tag(&repo, &policy, None, head)?;
            notes::gather(&repo, &policy, "Unreleased changes", previous, head)?
        }
    };
    let mut report = ctx.report("notes", Style::Data);
    if let Some(preview) = preview {
        ctx.status(preview);
    }
    report.set_data(Data::Notes(NotesData::new(
        &notes,
        policy.file.jira.url.as_deref(),
    )));
    ctx.finish(report, Ok(()))
}

/// A version without a tag shows HEAD's notes only when `cut` could tag it next: its
/// name passes the tag rules (format, semver, sequence) against the existing tags. Else
/// it is a typo or an old version that was never cut (exit 2).
fn not_a_next_version(
    repo: &crate::git::Repo,
    policy: &crate::policy::Policy,
    tag: &str,
) -> Result<(), CliError> {
    let existing: Vec<String> = repo.tags()?.into_iter().map(|(n, _)| n).collect();
    let mut found = Vec::new();
    gates::tag(
        &TagFacts {
            name: tag,
            existing: &existing,
        },
        policy,
        &mut found,
    );
    match found.first() {
        None => Ok(()),
        Some(finding) => Err(CliError::usage(format!(
            "there is no tag {tag}, and {tag} cannot be cut next: {}",
            finding.message
        ))
        .hint(
            "name a release that exists (`git tag -l`), or the next version to preview its notes",
        )),
    }
}
