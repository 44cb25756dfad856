//! Syncing the ledger with a remote through the `git` binary, so the user's own
//! credentials, URL rewrites and transports apply.
//!
//! - [`fetch`]: `refs/reltag/*` into a scratch namespace (forced, pruned), then the
//!   remote-tracking ref `refs/reltag-remote/<remote>/ledger` moves forward by
//!   compare-and-swap, only when the fetched tip contains what it held. A remote ledger
//!   that no longer contains what this clone saw there — rewound, rewritten or deleted —
//!   is [`Error::Tampered`], for readers and writers alike, and is never merged over.
//! - [`integrate`]: fast-forward the local ledger, or replay the events recorded here
//!   without publishing (in their original order) on the remote's tip, skipping those
//!   whose `Event-Id` the remote already has. The remote's events always come first.
//! - Publishing goes through the one write path ([`super::write`]).

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};

use gix::ObjectId;

use super::chain::{contains, read_link};
use super::error::{Error, Result};
use super::event::{Event, EventId, validate_name};
use super::store::{LEDGER_REF, Ledger, RefChange, Swap, read_ref_commit, swap_refs};
use super::write::{self, Decision, Publish, WriteOptions};

/// How many push attempts `sync` makes before giving up (each one after a fresh fetch).
pub const DEFAULT_MAX_ATTEMPTS: u32 = write::DEFAULT_MAX_ATTEMPTS;

/// Where fetches land before they are checked: one namespace per process, so that
/// concurrent commands in one clone never fight over a ref lock.
const SCRATCH_PREFIX: &str = "refs/reltag-fetch/";

/// The remote-tracking ref holding what we last saw of `remote`'s ledger.
pub fn tracking_ref(remote: &str) -> String {
    format!("refs/reltag-remote/{remote}/ledger")
}

/// The remote to sync with: `remote.pushDefault`, the only remote, or `origin`.
/// `None` when the repository has no remote: there is nothing to sync, which is not an error.
pub fn default_remote(repo: &gix::Repository) -> Option<String> {
    repo.remote_default_name(gix::remote::Direction::Push)
        .map(|name| name.to_string())
}

/// Options for [`sync`].
pub struct SyncOptions<'a> {
    /// Also publish the events recorded here without pushing (through the write path),
    /// or only fetch and integrate (a reading command).
    pub push: bool,
    pub max_attempts: u32,
    /// Called before every push attempt. Lets tests make the remote move in between;
    /// `None` in production.
    #[doc(hidden)]
    pub before_push: Option<&'a dyn Fn(u32)>,
}

impl Default for SyncOptions<'_> {
    fn default() -> Self {
        SyncOptions {
            push: true,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            before_push: None,
        }
    }
}

/// What a sync (or a write) did with the remote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// `None` when there was no remote to sync with.
    pub remote: Option<String>,
    /// Events that came from the remote and were not here before.
    pub received: usize,
    /// Local events replayed on top of the remote's tip (their commit ids changed).
    pub replayed: usize,
    /// Local events dropped because the remote already had their `Event-Id`.
    pub duplicates_skipped: usize,
    /// Whether a push happened and succeeded.
    pub pushed: bool,
    /// Push attempts made (0 when nothing needed pushing).
    pub push_attempts: u32,
    /// The ledger tip after the sync.
    pub tip: Option<ObjectId>,
    /// What the user should hear about: interrupted earlier writes completed or
    /// discarded, events recorded earlier and published now.
    pub notices: Vec<String>,
}

/// Fetch and integrate the ledger; with `options.push`, also publish the events recorded
/// here without pushing. `remote` `None` uses [`default_remote`]; with no remote at all
/// this returns an empty report.
pub fn sync(
    repo: &gix::Repository,
    remote: Option<&str>,
    options: &SyncOptions<'_>,
) -> Result<SyncReport> {
    let Some(remote) = remote.map(str::to_owned).or_else(|| default_remote(repo)) else {
        return Ok(SyncReport::default());
    };
    validate_name("remote", &remote)?;
    let ledger = Ledger::new(repo);
    if options.push {
        let publish = Publish::Remote(remote);
        let write_options = WriteOptions {
            max_attempts: options.max_attempts,
            before_push: options.before_push,
        };
        let written = write::write(&ledger, &publish, &write_options, |_| {
            Ok::<_, Error>(Decision::Record {
                events: Vec::new(),
                tag: None,
                outcome: (),
            })
        })?;
        return Ok(written.sync);
    }
    let remote_tip = fetch(repo, &remote)?;
    let notices = write::recover(&ledger, &remote, remote_tip)?;
    let integrated = integrate(&ledger, remote_tip)?;
    Ok(SyncReport {
        remote: Some(remote),
        received: integrated.received,
        replayed: integrated.replayed,
        duplicates_skipped: integrated.duplicates_skipped,
        pushed: false,
        push_attempts: 0,
        tip: ledger.tip()?,
        notices,
    })
}

/// Fetch `remote`'s `refs/reltag/*` and return its ledger tip, now tracked locally. A
/// remote ledger that does not contain what we tracked before is [`Error::Tampered`].
pub fn fetch(repo: &gix::Repository, remote: &str) -> Result<Option<ObjectId>> {
    validate_name("remote", remote)?;
    let tracking = tracking_ref(remote);
    let seen = read_ref_commit(repo, &tracking)?;
    remove_stale_scratch_refs(repo);
    let scratch = format!("{SCRATCH_PREFIX}{}", std::process::id());
    // Forced and pruned into the scratch namespace: what the remote has now, whatever it
    // is. Whether that may be adopted is decided below, by us, not by git's stderr.
    let refspec = format!("+refs/reltag/*:{scratch}/*");
    let output = run_git(
        repo,
        &[
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--prune",
            remote,
            &refspec,
        ],
    );
    let fetched = output.and_then(|output| {
        if output.success {
            read_ref_commit(repo, &format!("{scratch}/ledger"))
        } else {
            Err(output.into_error())
        }
    });
    remove_scratch_refs(repo, &scratch);
    let fetched = fetched?;
    let tampered = |their: Option<ObjectId>, seen: ObjectId| Error::Tampered {
        remote: remote.to_owned(),
        tracking_ref: tracking.clone(),
        seen,
        theirs: their,
    };
    match (seen, fetched) {
        (Some(seen), None) => Err(tampered(None, seen)),
        (None, None) => Ok(None),
        (Some(seen), Some(fetched)) if !contains(repo, fetched, seen)? => {
            Err(tampered(Some(fetched), seen))
        }
        (_, Some(fetched)) => {
            advance(repo, remote, fetched)?;
            Ok(Some(fetched))
        }
    }
}

/// Move `remote`'s tracking ref forward to `tip`, by compare-and-swap. Another command in
/// this clone may have moved it meanwhile: to `tip` or past it is fine.
fn advance(repo: &gix::Repository, remote: &str, tip: ObjectId) -> Result<()> {
    let tracking = tracking_ref(remote);
    for _ in 0..20 {
        let current = read_ref_commit(repo, &tracking)?;
        match current {
            Some(current) if current == tip || contains(repo, current, tip)? => return Ok(()),
            Some(current) if !contains(repo, tip, current)? => {
                return Err(Error::Tampered {
                    remote: remote.to_owned(),
                    tracking_ref: tracking,
                    seen: current,
                    theirs: Some(tip),
                });
            }
            _ => {}
        }
        let change = RefChange {
            name: tracking.clone(),
            expected: current,
            new: Some(tip),
        };
        if let Swap::Done = swap_refs(repo, std::slice::from_ref(&change))? {
            return Ok(());
        }
    }
    Err(Error::ContentionExhausted {
        reference: tracking,
        attempts: 20,
    })
}

/// Note that `remote` now has `tip` (after a push we made), so the next lease names it.
pub(crate) fn record_pushed(repo: &gix::Repository, remote: &str, tip: ObjectId) -> Result<()> {
    advance(repo, remote, tip)
}

fn scratch_refs(repo: &gix::Repository, prefix: &str) -> Vec<String> {
    let Ok(platform) = repo.references() else {
        return Vec::new();
    };
    let Ok(iter) = platform.prefixed(prefix) else {
        return Vec::new();
    };
    iter.flatten()
        .map(|r| r.name().as_bstr().to_string())
        .collect()
}

fn remove_scratch_refs(repo: &gix::Repository, scratch: &str) {
    for name in scratch_refs(repo, &format!("{scratch}/")) {
        delete_ref(repo, &name);
    }
}

/// Scratch refs of commands that were killed mid-fetch.
fn remove_stale_scratch_refs(repo: &gix::Repository) {
    for name in scratch_refs(repo, SCRATCH_PREFIX) {
        let pid = name[SCRATCH_PREFIX.len()..]
            .split('/')
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| pid == std::process::id() || write::process_alive(pid));
        if !alive {
            delete_ref(repo, &name);
        }
    }
}

fn delete_ref(repo: &gix::Repository, name: &str) {
    let Ok(Some(reference)) = repo.try_find_reference(name) else {
        return;
    };
    let _ = reference.delete();
}

/// What [`integrate`] did to the local ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Integrated {
    pub received: usize,
    pub replayed: usize,
    pub duplicates_skipped: usize,
}

/// Make the local ledger contain `remote_tip`: fast-forward, or replay the local-only
/// events on top of it (remote first, local order kept, known `Event-Id`s skipped). The
/// remote's commits are taken as they are, malformed ones included: the fold reports
/// those, and a void repairs them.
pub fn integrate(ledger: &Ledger<'_>, remote_tip: Option<ObjectId>) -> Result<Integrated> {
    let repo = ledger.repo();
    let Some(remote_tip) = remote_tip else {
        return Ok(Integrated::default());
    };
    // Bounded: each lost race means another local writer progressed.
    for _ in 0..200 {
        let local_tip = ledger.tip()?;
        let Some(local) = local_tip else {
            if let Swap::Done = ledger.swap(None, remote_tip)? {
                return Ok(Integrated {
                    received: count_links(repo, remote_tip, None)?,
                    ..Integrated::default()
                });
            }
            continue;
        };
        if local == remote_tip {
            return Ok(Integrated::default());
        }
        let base = repo
            .merge_base(local, remote_tip)
            .map_err(Error::git(format!(
                "find the merge base of ledger commits {local} and {remote_tip}"
            )))?
            .map(|id| id.detach());
        if base == Some(remote_tip) {
            // We are ahead: the next write publishes our events.
            return Ok(Integrated::default());
        }
        if base == Some(local) {
            if let Swap::Done = ledger.swap(Some(local), remote_tip)? {
                return Ok(Integrated {
                    received: count_links(repo, remote_tip, base)?,
                    ..Integrated::default()
                });
            }
            continue;
        }
        // Diverged: replay ours on theirs.
        let remote_ids = event_ids(repo, Some(remote_tip), base)?;
        let mut local_only = walk_events(repo, local, base)?;
        local_only.reverse();
        let (duplicates, replay): (Vec<Event>, Vec<Event>) = local_only
            .into_iter()
            .partition(|event| remote_ids.contains(&event.id));
        let new_tip = ledger
            .build_chain(Some(remote_tip), &replay)?
            .unwrap_or(remote_tip);
        if let Swap::Done = ledger.swap(Some(local), new_tip)? {
            return Ok(Integrated {
                received: count_links(repo, remote_tip, base)?,
                replayed: replay.len(),
                duplicates_skipped: duplicates.len(),
            });
        }
    }
    Err(Error::ContentionExhausted {
        reference: LEDGER_REF.to_owned(),
        attempts: 200,
    })
}

/// Events from `tip` back to (not including) `stop`, newest first, each parsed: our own
/// unpublished events, which must be readable to be replayed.
pub(crate) fn walk_events(
    repo: &gix::Repository,
    tip: ObjectId,
    stop: Option<ObjectId>,
) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    let mut next = Some(tip);
    while let Some(id) = next {
        if Some(id) == stop {
            break;
        }
        let link = read_link(repo, id)?;
        events.push(link.event.map_err(|malformed| malformed.to_error(id))?);
        next = link.parent;
    }
    Ok(events)
}

/// The `Event-Id`s of the readable events from `tip` back to (not including) `stop`.
pub(crate) fn event_ids(
    repo: &gix::Repository,
    tip: Option<ObjectId>,
    stop: Option<ObjectId>,
) -> Result<HashSet<EventId>> {
    let mut ids = HashSet::new();
    let mut next = tip;
    while let Some(id) = next {
        if Some(id) == stop {
            break;
        }
        let link = read_link(repo, id)?;
        if let Ok(event) = link.event {
            ids.insert(event.id);
        }
        next = link.parent;
    }
    Ok(ids)
}

/// How many commits lie from `tip` back to (not including) `stop`.
fn count_links(repo: &gix::Repository, tip: ObjectId, stop: Option<ObjectId>) -> Result<usize> {
    let mut count = 0;
    let mut next = Some(tip);
    while let Some(id) = next {
        if Some(id) == stop {
            break;
        }
        count += 1;
        next = read_link(repo, id)?.parent;
    }
    Ok(count)
}

/// The remote ledger tip we last saw (the value to lease against).
pub fn tracked_tip(repo: &gix::Repository, remote: &str) -> Result<Option<ObjectId>> {
    validate_name("remote", remote)?;
    read_ref_commit(repo, &tracking_ref(remote))
}

struct GitOutput {
    args: String,
    success: bool,
    status: String,
    stderr: String,
}

impl GitOutput {
    fn into_error(self) -> Error {
        Error::GitCommand {
            args: self.args,
            status: self.status,
            stderr: self.stderr.trim().to_owned(),
        }
    }
}

/// Run `git` in the repository with an argument vector (no shell), no stdin, no prompts.
fn run_git(repo: &gix::Repository, args: &[&str]) -> Result<GitOutput> {
    let dir: &Path = repo.workdir().unwrap_or_else(|| repo.git_dir());
    let joined = args.join(" ");
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::GitSpawn {
            args: joined.clone(),
            source,
        })?;
    Ok(GitOutput {
        args: joined,
        success: output.status.success(),
        status: output.status.to_string(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}
