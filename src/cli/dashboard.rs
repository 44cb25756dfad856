//! `reltag dashboard --out DIR`: the release page, written from the ledger and the policy.

use std::path::{Path, PathBuf};

use clap::Args;
use jiff::Timestamp;

use super::{CliError, Context, ErrorKind, ledger_access};
use crate::dashboard::{self, Inputs, Tag};
use crate::git::Repo;
use crate::policy::Policy;
use crate::report::{Outcome, StatusData, Style};

/// Write the release page into DIR: index.html (every environment in the policy's order,
/// with what runs there and what each waiting version still needs; the next 14 days;
/// the versions; lead times and rollbacks), a page per version under versions/,
/// style.css, data.json (the same data) and releases.ics (the calendar feed). Static
/// files only: open index.html from disk or publish DIR, e.g. on GitHub Pages.
#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// The directory to write the site into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Days the calendar feed covers.
    #[arg(long, value_name = "N", default_value_t = crate::calendar::FEED_DAYS)]
    pub calendar_days: i64,
    /// Do not fetch the remote's ledger first.
    #[arg(long)]
    pub offline: bool,
}

/// The calendar feed's file name beside the page.
pub const FEED_FILE: &str = "releases.ics";

/// What runs in each environment and what each waiting version still needs: the same
/// deployment plans `status` shows, for nobody in particular (the page is the team's, so
/// who may deploy is not judged for whoever happens to build it).
fn lanes(
    repo: &Repo,
    policy: &Policy,
    state: &crate::ledger::State,
    now: Timestamp,
) -> Result<StatusData, CliError> {
    let tags = repo.tags()?;
    Ok(crate::deploy::status(policy, state, &tags, now, "", None)?)
}

/// The release tags in the repository, with the commit each names and the annotated
/// tag's message (the notes `cut` wrote).
fn release_tags(repo: &Repo, policy: &Policy) -> Result<Vec<Tag>, CliError> {
    let mut tags = Vec::new();
    for (name, commit) in repo.tags()? {
        if policy.tag_format.version_text(&name).is_none() {
            continue;
        }
        tags.push(Tag {
            notes: crate::git::tag_message(repo.gix(), &name),
            commit: commit.to_string(),
            name,
        });
    }
    Ok(tags)
}

pub fn cmd_dashboard(ctx: &Context, args: DashboardArgs) -> Result<Outcome, CliError> {
    crate::calendar::check_days(args.calendar_days).map_err(CliError::usage)?;
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    if !args.offline {
        ledger_access::sync(ctx, repo.gix())?;
    }
    let now = crate::schedule::now()?;
    let ledger = ledger_access::open(repo.gix(), &policy);
    let state = ledger.state()?;
    state.check_sound()?;
    let calendars = crate::calendar::of_policy(&policy);
    let scope = crate::calendar::uid_scope(repo.gix());
    let status = lanes(&repo, &policy, &state, now)?;
    let site = dashboard::gather(
        &state,
        &policy,
        Inputs {
            now: status.now,
            status,
            calendars: calendars.clone(),
            tags: release_tags(&repo, &policy)?,
            calendar_file: Some(FEED_FILE.to_string()),
            calendar_scope: scope.clone(),
        },
    )?;
    let mut files = dashboard::render(&site);
    files.push(dashboard::File {
        path: FEED_FILE.to_string(),
        bytes: crate::calendar::feed_of(&state, &calendars, now, args.calendar_days, &scope)?
            .into_bytes(),
    });
    let out = ctx.cwd.join(&args.out);
    write_site(&out, &files)?;
    let mut report = ctx.report("dashboard", Style::Verdict);
    report.note(format!(
        "wrote the release page to {}: index.html, {} version pages, {FEED_FILE}, data.json",
        out.display(),
        site.versions.len()
    ));
    report.done("wrote the release page");
    ctx.finish(report, Ok(()))
}

/// Writes every file under `dir`; version pages that no longer exist are removed.
fn write_site(dir: &Path, files: &[dashboard::File]) -> Result<(), CliError> {
    let failed = |path: &Path, e: std::io::Error| {
        CliError::new(
            ErrorKind::Undecided,
            format!("cannot write {}: {e}", path.display()),
        )
        .hint("pass --out a directory you can write to")
    };
    let versions = dir.join("versions");
    std::fs::create_dir_all(&versions).map_err(|e| failed(&versions, e))?;
    if let Ok(entries) = std::fs::read_dir(&versions) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let listed = files.iter().any(|f| f.path == format!("versions/{name}"));
            if name.ends_with(".html") && !listed {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    for file in files {
        let path = dir.join(&file.path);
        std::fs::write(&path, &file.bytes).map_err(|e| failed(&path, e))?;
    }
    Ok(())
}
