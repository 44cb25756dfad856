//! Syncing the ledger with a remote through the `git` binary, so the user's own
//! credentials, URL rewrites and transports apply.
//!
//! - Fetch `refs/reltag/*` into `refs/reltag-remote/<remote>/*` **without** `+`: git
//!   refuses a non-fast-forward, which we report as tampering and never merge over.
//! - Integrate: fast-forward the local ledger, or replay the local-only events (in their
//!   original order) on top of the remote tip, skipping those whose `Event-Id` the remote
//!   already has. The remote's events always come first, so every clone converges to the
//!   same chain.
//! - Push with `--force-with-lease=refs/reltag/ledger:<what we fetched>`; when rejected,
//!   fetch, integrate and retry, a bounded number of times.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};

use gix::ObjectId;

use super::error::{Error, Result};
use super::event::{Event, EventId, validate_name};
use super::store::{LEDGER_REF, Ledger, Swap, read_raw_commit, read_ref_commit, swap_ref};

/// How many push attempts `sync` makes before giving up (each one after a fresh fetch).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

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
    /// Push local events (a recording command) or only fetch and integrate (a reading one).
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

/// What [`sync`] did.
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
}

/// Fetch, integrate and (with `options.push`) push the ledger. `remote` `None` uses
/// [`default_remote`]; with no remote at all this returns an empty report.
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
    let mut report = SyncReport {
        remote: Some(remote.clone()),
        ..SyncReport::default()
    };
    let mut last_rejected_at: Option<Option<ObjectId>> = None;
    loop {
        let remote_tip = fetch(repo, &remote)?;
        if let Some(rejected_at) = last_rejected_at
            && rejected_at == remote_tip
        {
            // Our lease named this value and was refused, yet fetching shows no change:
            // the remote's ledger was deleted (fetch does not prune) or replaced.
            return Err(Error::Tampered {
                remote: remote.clone(),
                tracking_ref: tracking_ref(&remote),
                seen: remote_tip.unwrap_or_else(|| ObjectId::null(repo.object_hash())),
                git_stderr: "the remote refused our lease on refs/reltag/ledger but fetching it shows no new value: it was deleted or replaced".into(),
            });
        }
        let integrated = integrate(&ledger, remote_tip)?;
        report.received += integrated.received;
        report.replayed += integrated.replayed;
        report.duplicates_skipped += integrated.duplicates_skipped;
        let local_tip = ledger.tip()?;
        report.tip = local_tip;
        let Some(local_tip) = local_tip.filter(|tip| options.push && Some(*tip) != remote_tip)
        else {
            return Ok(report);
        };
        if report.push_attempts >= options.max_attempts {
            return Err(Error::SyncExhausted {
                remote,
                attempts: report.push_attempts,
            });
        }
        report.push_attempts += 1;
        if let Some(hook) = options.before_push {
            hook(report.push_attempts);
        }
        match push(repo, &remote, local_tip, remote_tip)? {
            Pushed::Accepted => {
                record_pushed(repo, &remote, local_tip)?;
                report.pushed = true;
                return Ok(report);
            }
            Pushed::Rejected => last_rejected_at = Some(remote_tip),
        }
    }
}

/// Fetch `remote`'s `refs/reltag/*` and return its ledger tip as now tracked locally.
/// A remote ledger that is not a fast-forward of what we tracked is [`Error::Tampered`].
pub fn fetch(repo: &gix::Repository, remote: &str) -> Result<Option<ObjectId>> {
    validate_name("remote", remote)?;
    let tracking = tracking_ref(remote);
    let seen = read_ref_commit(repo, &tracking)?;
    // No `+`: git itself refuses to move the tracking ref backwards or sideways.
    let refspec = format!("refs/reltag/*:refs/reltag-remote/{remote}/*");
    let output = run_git(
        repo,
        &[
            "fetch",
            "--no-tags",
            "--no-prune",
            "--no-write-fetch-head",
            remote,
            &refspec,
        ],
    )?;
    if !output.success {
        if output.stderr.contains("non-fast-forward") || output.stderr.contains("[rejected]") {
            return Err(Error::Tampered {
                remote: remote.to_owned(),
                tracking_ref: tracking,
                seen: seen.unwrap_or_else(|| ObjectId::null(repo.object_hash())),
                git_stderr: output.stderr,
            });
        }
        return Err(output.into_error());
    }
    read_ref_commit(repo, &tracking)
}

/// What [`integrate`] did to the local ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Integrated {
    pub received: usize,
    pub replayed: usize,
    pub duplicates_skipped: usize,
}

/// Make the local ledger contain `remote_tip`: fast-forward, or replay the local-only
/// events on top of it (remote first, local order kept, known `Event-Id`s skipped).
pub fn integrate(ledger: &Ledger<'_>, remote_tip: Option<ObjectId>) -> Result<Integrated> {
    let repo = ledger.repo();
    let Some(remote_tip) = remote_tip else {
        return Ok(Integrated::default());
    };
    // Bounded by the append bound: each lost race means another local writer progressed.
    for _ in 0..200 {
        let local_tip = ledger.tip()?;
        let Some(local) = local_tip else {
            // A chain we never had: check it parses before adopting it.
            let received = walk_events(repo, remote_tip, None)?.len();
            if let Swap::Done = ledger.swap(None, remote_tip)? {
                return Ok(Integrated {
                    received,
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
            // We are ahead: the push will carry our events.
            return Ok(Integrated::default());
        }
        let remote_only = walk_events(repo, remote_tip, base)?;
        if base == Some(local) {
            if let Swap::Done = ledger.swap(Some(local), remote_tip)? {
                return Ok(Integrated {
                    received: remote_only.len(),
                    ..Integrated::default()
                });
            }
            continue;
        }
        // Diverged: replay ours on theirs.
        let remote_ids: HashSet<EventId> = remote_only.iter().map(|e| e.id.clone()).collect();
        let mut local_only = walk_events(repo, local, base)?;
        local_only.reverse();
        let (duplicates, replay): (Vec<Event>, Vec<Event>) = local_only
            .into_iter()
            .partition(|event| remote_ids.contains(&event.id));
        let new_tip = if replay.is_empty() {
            remote_tip
        } else {
            ledger.build_chain(Some(remote_tip), &replay)?
        };
        if let Swap::Done = ledger.swap(Some(local), new_tip)? {
            return Ok(Integrated {
                received: remote_only.len(),
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

/// Events from `tip` back to (not including) `stop`, newest first, each parsed.
fn walk_events(
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
        let commit = read_raw_commit(repo, id)?;
        events.push(Event::from_message(id, &commit.message)?);
        next = commit.parent;
    }
    Ok(events)
}

enum Pushed {
    Accepted,
    /// The lease did not hold or the update was not a fast-forward: someone pushed first.
    Rejected,
}

/// Push `local_tip` to `remote`'s ledger if the remote still holds `expected`.
fn push(
    repo: &gix::Repository,
    remote: &str,
    local_tip: ObjectId,
    expected: Option<ObjectId>,
) -> Result<Pushed> {
    let lease = lease_arg(expected);
    let refspec = format!("{local_tip}:{LEDGER_REF}");
    // --no-verify: the pushed ref is the ledger, not code; reltag's own pre-push hook
    // must not run (and recurse) on it.
    let output = run_git(
        repo,
        &[
            "push",
            "--porcelain",
            "--no-verify",
            &lease,
            remote,
            &refspec,
        ],
    )?;
    let our_line = output
        .stdout
        .lines()
        .find(|line| line.starts_with('!') && line.contains(LEDGER_REF));
    match our_line {
        Some(line) if line.contains("[remote rejected]") => Err(output.into_error()),
        Some(_) => Ok(Pushed::Rejected),
        None if output.success => Ok(Pushed::Accepted),
        None => Err(output.into_error()),
    }
}

/// The `--force-with-lease=refs/reltag/ledger:<expected>` argument for a push that must
/// only succeed if the remote's ledger is still `expected` (empty: must not exist). For
/// `reltag cut`, which pushes a tag and the ledger in one `git push --atomic`.
pub fn lease_arg(expected: Option<ObjectId>) -> String {
    format!(
        "--force-with-lease={LEDGER_REF}:{}",
        expected.map(|id| id.to_string()).unwrap_or_default()
    )
}

/// Push `local_tip` to `remote`'s ledger only if the remote still holds `expected`, with
/// no replay: `Ok(false)` when someone pushed first. For `promote` and `rollback`, which
/// must re-decide (not replay) when the environment changed meanwhile.
pub fn push_exact(
    repo: &gix::Repository,
    remote: &str,
    local_tip: ObjectId,
    expected: Option<ObjectId>,
) -> Result<bool> {
    validate_name("remote", remote)?;
    match push(repo, remote, local_tip, expected)? {
        Pushed::Accepted => {
            record_pushed(repo, remote, local_tip)?;
            Ok(true)
        }
        Pushed::Rejected => Ok(false),
    }
}

/// The remote ledger tip we last saw (the value to lease against).
pub fn tracked_tip(repo: &gix::Repository, remote: &str) -> Result<Option<ObjectId>> {
    validate_name("remote", remote)?;
    read_ref_commit(repo, &tracking_ref(remote))
}

/// Note that `remote` now has `tip` (after a push the caller made, e.g. `cut`'s atomic
/// push), so the next lease names it.
pub fn record_pushed(repo: &gix::Repository, remote: &str, tip: ObjectId) -> Result<()> {
    let tracking = tracking_ref(remote);
    // Another sync in this clone may have moved it meanwhile: retry on its new value.
    for _ in 0..10 {
        let current = read_ref_commit(repo, &tracking)?;
        if current == Some(tip) {
            return Ok(());
        }
        if let Swap::Done = swap_ref(repo, &tracking, current, tip)? {
            return Ok(());
        }
    }
    Err(Error::ContentionExhausted {
        reference: tracking,
        attempts: 10,
    })
}

struct GitOutput {
    args: String,
    success: bool,
    status: String,
    stdout: String,
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
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}
