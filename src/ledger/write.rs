//! The one way events are recorded: **stage → push → adopt**.
//!
//! 1. *Stage.* Fetch the remote's ledger; build the base every new event goes on: the
//!    remote's tip, plus the events this clone recorded without publishing (`--no-push`,
//!    `--offline`), replayed on it. Derive the state at that base and ask the caller's
//!    gate (`decide`) what to record. Build the event commits on the base. No ref moves.
//! 2. *Push* them with `git push --porcelain --atomic` and a lease on the remote ledger
//!    (and, for `cut`, the new tag, leased to not exist): both land or neither does.
//! 3. *Adopt.* Only after the remote accepted, move the tracking ref, the local ledger
//!    and the local tag by compare-and-swap.
//!
//! A rejected push that lost a race (a lease, a non-fast-forward, the server's lock) is
//! an ordinary event: fetch again, re-run the gate against the new state (a promotion
//! that lost to another promotion now sees it and may be refused), rebuild and push
//! again, after a randomised pause, a bounded number of times. Every other failure ends
//! the write with nothing changed locally: a failed command leaves nothing a later one
//! could publish. A process killed mid-write leaves only unreferenced objects and a
//! journal entry (`.git/reltag/writes/`), which the next command completes (the remote
//! had accepted: the local refs are adopted) or discards, with a message.
//!
//! Without a remote, or with `--no-push`/`--offline` ([`Publish::Local`]), a write is a
//! compare-and-swap of the local ledger alone, and its events are published by the next
//! write that reaches the remote: an explicit choice to publish later.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use gix::ObjectId;
use serde::{Deserialize, Serialize};

use super::chain::contains;
use super::error::{Error, Result};
use super::event::{Event, EventBody, validate_name};
use super::fold::State;
use super::store::{LEDGER_REF, Ledger, RefChange, Swap, swap_refs};
use super::sync::{self, SyncReport, record_pushed};
use crate::git::command::{self, Expect, RefUpdate};

/// How many pushes a write makes before giving up when others keep winning the race.
/// Each lost race is someone else's progress; with the pauses below this is about a minute
/// of others recording first.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 50;
/// How many local compare-and-swaps a local write makes. Each lost one means another
/// local writer progressed, so this bounds the wait, not correctness.
const MAX_LOCAL_ATTEMPTS: u32 = 200;

/// Where a write goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publish {
    /// The local ledger only, to be published by a later write.
    Local,
    /// Pushed to this remote before anything changes locally.
    Remote(String),
}

impl Publish {
    /// The default remote (`remote.pushDefault`, the only remote, or `origin`), or
    /// [`Publish::Local`] when `local_only` or when the repository has no remote.
    pub fn choose(repo: &gix::Repository, local_only: bool) -> Publish {
        match sync::default_remote(repo) {
            Some(remote) if !local_only => Publish::Remote(remote),
            _ => Publish::Local,
        }
    }
}

/// What the gate sees: the ledger the new events will be recorded on.
pub struct Base<'a, 'repo> {
    ledger: &'a Ledger<'repo>,
    tip: Option<ObjectId>,
    /// 1 on the first try; more after lost races.
    pub attempt: u32,
    /// The remote the write goes to (`None`: local).
    pub remote: Option<&'a str>,
}

impl<'repo> Base<'_, 'repo> {
    /// The ledger commit the new events go on (`None`: an empty ledger).
    pub fn tip(&self) -> Option<ObjectId> {
        self.tip
    }

    /// The state derived at [`Base::tip`], refused when the chain has a malformed commit
    /// that no counted void repaired.
    pub fn state(&self) -> Result<Rc<State>> {
        let state = self.ledger.state_at(self.tip)?;
        state.check_sound()?;
        Ok(state)
    }

    /// The state even with unrepaired damage: only for a `void`, the repair itself.
    pub fn state_even_if_damaged(&self) -> Result<Rc<State>> {
        self.ledger.state_at(self.tip)
    }

    /// The ledger, e.g. to walk the chain from [`Base::tip`].
    pub fn ledger(&self) -> &Ledger<'repo> {
        self.ledger
    }
}

/// A tag to create with the events (for `cut`): its object must exist; its ref is created
/// on the remote (leased to not exist there) and then locally, never before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTag {
    /// The tag's name, e.g. `v1.2.3` (the ref is `refs/tags/<name>`).
    pub name: String,
    pub object: ObjectId,
}

impl NewTag {
    fn ref_name(&self) -> String {
        format!("refs/tags/{}", self.name)
    }
}

/// The gate's answer.
#[derive(Debug)]
pub enum Decision<T> {
    /// Record these events (none: only publish what is pending) and create `tag`.
    Record {
        events: Vec<Event>,
        tag: Option<NewTag>,
        outcome: T,
    },
    /// Record nothing (already recorded, or refused): `outcome` says why.
    Skip(T),
}

impl<T> Decision<T> {
    pub fn record(event: Event, outcome: T) -> Decision<T> {
        Decision::Record {
            events: vec![event],
            tag: None,
            outcome,
        }
    }

    /// Create the tag `name` → `object` together with the events.
    pub fn with_tag(self, name: impl Into<String>, object: ObjectId) -> Decision<T> {
        match self {
            Decision::Record {
                events, outcome, ..
            } => Decision::Record {
                events,
                tag: Some(NewTag {
                    name: name.into(),
                    object,
                }),
                outcome,
            },
            skip => skip,
        }
    }
}

/// What a write did.
#[derive(Debug)]
pub struct Written<T> {
    pub outcome: T,
    /// The events this write recorded (empty when the gate skipped).
    pub events: Vec<Event>,
    /// The local ledger's tip afterwards.
    pub tip: Option<ObjectId>,
    /// Fetching, replaying, pushing; and messages about interrupted earlier writes.
    pub sync: SyncReport,
}

/// Options for [`write`].
pub struct WriteOptions<'a> {
    pub max_attempts: u32,
    /// Called before every push. Lets tests make the remote move in between; `None` in
    /// production.
    #[doc(hidden)]
    pub before_push: Option<&'a dyn Fn(u32)>,
}

impl Default for WriteOptions<'_> {
    fn default() -> Self {
        WriteOptions {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            before_push: None,
        }
    }
}

/// Record what `decide` decides, through [`Publish`]: see the module documentation.
/// `decide` runs once per attempt, each time against the state the events would go on.
pub fn write<T, E: From<Error>>(
    ledger: &Ledger<'_>,
    publish: &Publish,
    options: &WriteOptions<'_>,
    decide: impl FnMut(&Base<'_, '_>) -> std::result::Result<Decision<T>, E>,
) -> std::result::Result<Written<T>, E> {
    match publish {
        Publish::Local => write_local(ledger, decide),
        Publish::Remote(remote) => write_remote(ledger, remote, options, decide),
    }
}

fn write_local<T, E: From<Error>>(
    ledger: &Ledger<'_>,
    mut decide: impl FnMut(&Base<'_, '_>) -> std::result::Result<Decision<T>, E>,
) -> std::result::Result<Written<T>, E> {
    for attempt in 1..=MAX_LOCAL_ATTEMPTS {
        let tip = ledger.tip()?;
        let decision = decide(&Base {
            ledger,
            tip,
            attempt,
            remote: None,
        })?;
        let (events, tag, outcome) = match decision {
            Decision::Skip(outcome) => {
                return Ok(Written {
                    outcome,
                    events: Vec::new(),
                    tip,
                    sync: SyncReport::default(),
                });
            }
            Decision::Record {
                events,
                tag,
                outcome,
            } => (events, tag, outcome),
        };
        if events.is_empty() && tag.is_none() {
            return Ok(Written {
                outcome,
                events,
                tip,
                sync: SyncReport::default(),
            });
        }
        let new = ledger
            .build_chain(tip, &events)?
            .ok_or(Error::InvalidEvent {
                kind: "batch",
                problem: "a tag without events".into(),
            })?;
        let mut changes = vec![RefChange {
            name: ledger.ref_name().to_owned(),
            expected: tip,
            new: Some(new),
        }];
        if let Some(tag) = &tag {
            changes.push(RefChange {
                name: tag.ref_name(),
                expected: None,
                new: Some(tag.object),
            });
        }
        match swap_refs(ledger.repo(), &changes)? {
            Swap::Done => {
                return Ok(Written {
                    outcome,
                    events,
                    tip: Some(new),
                    sync: SyncReport::default(),
                });
            }
            Swap::Lost { reference, .. } if reference != ledger.ref_name() => {
                return Err(Error::RefExists { reference }.into());
            }
            Swap::Lost { .. } => pause_locally(),
        }
    }
    Err(Error::ContentionExhausted {
        reference: ledger.ref_name().to_owned(),
        attempts: MAX_LOCAL_ATTEMPTS,
    }
    .into())
}

fn write_remote<T, E: From<Error>>(
    ledger: &Ledger<'_>,
    remote: &str,
    options: &WriteOptions<'_>,
    mut decide: impl FnMut(&Base<'_, '_>) -> std::result::Result<Decision<T>, E>,
) -> std::result::Result<Written<T>, E> {
    validate_name("remote", remote)?;
    let repo = ledger.repo();
    let mut report = SyncReport {
        remote: Some(remote.to_owned()),
        ..SyncReport::default()
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let remote_tip = sync::fetch(repo, remote)?;
        if attempt == 1 {
            report.notices.extend(recover(ledger, remote, remote_tip)?);
        }
        let local_tip = ledger.tip()?;
        let staged = stage(ledger, remote_tip, local_tip)?;
        let decision = decide(&Base {
            ledger,
            tip: staged.tip,
            attempt,
            remote: Some(remote),
        })?;
        let (events, tag, outcome) = match decision {
            Decision::Skip(outcome) => {
                return Ok(receive(ledger, remote_tip, report, outcome, Vec::new())?);
            }
            Decision::Record {
                events,
                tag,
                outcome,
            } => (events, tag, outcome),
        };
        for event in &events {
            event.validate()?;
        }
        let new_tip = ledger.build_chain(staged.tip, &events)?;
        let nothing_to_push =
            new_tip == remote_tip && tag.is_none() && staged.pending_tags.is_empty();
        let Some(new_tip) = new_tip.filter(|_| !nothing_to_push) else {
            return Ok(receive(ledger, remote_tip, report, outcome, events)?);
        };

        let mut updates = vec![RefUpdate {
            src: new_tip.to_string(),
            dst: LEDGER_REF.to_owned(),
            expect: remote_tip.map_or(Expect::Absent, Expect::At),
        }];
        let mut tags: Vec<NewTag> = staged.pending_tags.clone();
        if let Some(tag) = &tag {
            updates.push(RefUpdate {
                src: tag.object.to_string(),
                dst: tag.ref_name(),
                expect: Expect::Absent,
            });
            tags.push(tag.clone());
        }
        // A pending cut's tag is pushed without force: the remote may already have it
        // (then it is up to date), never another tag of that name.
        for pending in &staged.pending_tags {
            updates.push(RefUpdate {
                src: pending.object.to_string(),
                dst: pending.ref_name(),
                expect: Expect::NoForce,
            });
        }
        let summary = events
            .iter()
            .chain(staged.pending.iter())
            .map(Event::summary)
            .collect::<Vec<_>>()
            .join("; ");
        let journal = Journal::begin(repo, remote, new_tip, &tags, &summary);
        if let Some(hook) = options.before_push {
            hook(attempt);
        }
        report.push_attempts += 1;
        let pushed = command::push(&git_dir(repo), remote, &updates, |pid| {
            if let Some(journal) = &journal {
                journal.note_push_pid(pid);
            }
        });
        let output = match pushed {
            Ok(output) => output,
            Err(error) => {
                // git did not even start: nothing was sent.
                if let Some(journal) = journal {
                    journal.finish();
                }
                return Err(Error::GitCommand {
                    args: "push".into(),
                    status: "did not run".into(),
                    stderr: error.to_string(),
                }
                .into());
            }
        };

        let pending_refs: HashSet<String> =
            staged.pending_tags.iter().map(NewTag::ref_name).collect();
        let refused = output
            .rejected()
            .find(|status| pending_refs.contains(&status.dst) || !status.lost_race());
        if output.accepted() {
            // The remote holds the events now: that is the record. Adopting them here is
            // bookkeeping; if it fails, the journal stays and the next command finishes it.
            match adopt(ledger, remote, local_tip, new_tip, &tags, &mut report) {
                Ok(()) => {
                    if let Some(journal) = journal {
                        journal.finish();
                    }
                }
                Err(error) => report.notices.push(format!(
                    "recorded on {remote}, but updating this clone failed ({error}); the next reltag command completes it"
                )),
            }
            if !staged.pending.is_empty() {
                report.notices.push(format!(
                    "published {} event(s) recorded earlier without pushing: {}",
                    staged.pending.len(),
                    staged
                        .pending
                        .iter()
                        .map(Event::summary)
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
            report.received += staged.received;
            report.replayed += staged.replayed;
            report.duplicates_skipped += staged.duplicates_skipped;
            report.pushed = true;
            report.tip = ledger.tip()?;
            return Ok(Written {
                outcome,
                events,
                tip: report.tip,
                sync: report,
            });
        }
        if let Some(status) = refused {
            if let Some(journal) = journal {
                journal.finish();
            }
            return Err(Error::PushRefused {
                remote: remote.to_owned(),
                reference: status.dst.clone(),
                reason: status.explain(),
            }
            .into());
        }
        if output.statuses.is_empty() {
            // No verdict from the remote (unreachable, authentication, a dropped
            // connection): the push may still have landed, so the journal stays for the
            // next command to settle. Nothing changed locally.
            return Err(Error::PushFailed {
                remote: remote.to_owned(),
                stderr: output.stderr.trim().to_owned(),
            }
            .into());
        }
        // Lost a race: someone else pushed first. Nothing of ours landed.
        if let Some(journal) = journal {
            journal.finish();
        }
        if attempt >= options.max_attempts {
            return Err(Error::SyncExhausted {
                remote: remote.to_owned(),
                attempts: attempt,
            }
            .into());
        }
        pause_after_lost_race(attempt);
    }
}

/// A write that pushes nothing of its own still receives what the remote has.
fn receive<T>(
    ledger: &Ledger<'_>,
    remote_tip: Option<ObjectId>,
    mut report: SyncReport,
    outcome: T,
    events: Vec<Event>,
) -> Result<Written<T>> {
    report.received += sync::integrate(ledger, remote_tip)?.received;
    report.tip = ledger.tip()?;
    Ok(Written {
        outcome,
        events,
        tip: report.tip,
        sync: report,
    })
}

/// The base the new events go on, built without moving any ref.
struct Staged {
    tip: Option<ObjectId>,
    /// Events recorded here without publishing, in the order they will be pushed.
    pending: Vec<Event>,
    /// The tags of pending cuts.
    pending_tags: Vec<NewTag>,
    received: usize,
    replayed: usize,
    duplicates_skipped: usize,
}

fn stage(
    ledger: &Ledger<'_>,
    remote_tip: Option<ObjectId>,
    local_tip: Option<ObjectId>,
) -> Result<Staged> {
    let repo = ledger.repo();
    let mut staged = Staged {
        tip: remote_tip,
        pending: Vec::new(),
        pending_tags: Vec::new(),
        received: 0,
        replayed: 0,
        duplicates_skipped: 0,
    };
    let Some(local) = local_tip.filter(|l| Some(*l) != remote_tip) else {
        return Ok(staged);
    };
    let base = match remote_tip {
        Some(remote) => repo
            .merge_base(local, remote)
            .map_err(Error::git(format!(
                "find the merge base of ledger commits {local} and {remote}"
            )))?
            .map(|id| id.detach()),
        None => None,
    };
    if base == Some(local) {
        // Behind: nothing of ours is pending.
        return Ok(staged);
    }
    let mut local_only = sync::walk_events(repo, local, base)?;
    local_only.reverse();
    if base == remote_tip {
        // Ahead: the pending events already sit on the remote's tip.
        staged.tip = Some(local);
        staged.pending = local_only;
    } else {
        // Diverged: ours replayed on theirs, minus what they already have.
        let remote_ids = sync::event_ids(repo, remote_tip, base)?;
        staged.received = remote_ids.len();
        let (duplicates, replay): (Vec<Event>, Vec<Event>) = local_only
            .into_iter()
            .partition(|event| remote_ids.contains(&event.id));
        staged.duplicates_skipped = duplicates.len();
        staged.replayed = replay.len();
        staged.tip = ledger.build_chain(remote_tip, &replay)?;
        staged.pending = replay;
    }
    staged.pending_tags = pending_tags(repo, &staged.pending)?;
    Ok(staged)
}

/// The tag of every pending cut. A cut is never published without its tag.
fn pending_tags(repo: &gix::Repository, pending: &[Event]) -> Result<Vec<NewTag>> {
    let mut tags = Vec::new();
    for event in pending {
        let EventBody::Cut(cut) = &event.body else {
            continue;
        };
        let Some(object) = cut.tag_object else {
            continue;
        };
        let ref_name = format!("refs/tags/{}", cut.version);
        let local = repo
            .try_find_reference(ref_name.as_str())
            .map_err(Error::git(format!("read {ref_name}")))?
            .and_then(|r| r.target().try_id().map(ToOwned::to_owned));
        if local != Some(object) {
            return Err(Error::PendingCutWithoutTag {
                version: cut.version.clone(),
                tag_object: object,
            });
        }
        tags.push(NewTag {
            name: cut.version.clone(),
            object,
        });
    }
    Ok(tags)
}

/// After the remote accepted `new_tip`: the tracking ref, the local ledger, the tags.
fn adopt(
    ledger: &Ledger<'_>,
    remote: &str,
    local_before: Option<ObjectId>,
    new_tip: ObjectId,
    tags: &[NewTag],
    report: &mut SyncReport,
) -> Result<()> {
    let repo = ledger.repo();
    record_pushed(repo, remote, new_tip)?;
    match ledger.swap(local_before, new_tip)? {
        Swap::Done => {}
        // Another command in this clone recorded meanwhile: keep its events on top.
        Swap::Lost { .. } => {
            sync::integrate(ledger, Some(new_tip))?;
        }
    }
    for tag in tags {
        if let Some(notice) = adopt_tag(repo, tag)? {
            report.notices.push(notice);
        }
    }
    Ok(())
}

/// Create the local tag ref of a tag the remote accepted. A notice when a different local
/// tag of that name exists.
fn adopt_tag(repo: &gix::Repository, tag: &NewTag) -> Result<Option<String>> {
    let change = RefChange {
        name: tag.ref_name(),
        expected: None,
        new: Some(tag.object),
    };
    match swap_refs(repo, std::slice::from_ref(&change))? {
        Swap::Done => Ok(None),
        Swap::Lost { actual, .. } if actual == Some(tag.object) => Ok(None),
        Swap::Lost { actual, .. } => Ok(Some(format!(
            "the remote has tag {} at {}, but the local tag points at {}: fetch the tag with `git fetch --force origin refs/tags/{}:refs/tags/{}`",
            tag.name,
            tag.object,
            actual.map_or_else(|| "nothing".to_string(), |a| a.to_string()),
            tag.name,
            tag.name
        ))),
    }
}

/// The record of a write between building its commits and adopting them.
#[derive(Debug, Serialize, Deserialize)]
struct JournalEntry {
    remote: String,
    ledger: String,
    /// (tag name, tag object) of the tags pushed with it.
    tags: Vec<(String, String)>,
    summary: String,
    pid: u32,
    push_pid: Option<u32>,
}

struct Journal {
    path: PathBuf,
    entry: std::cell::RefCell<JournalEntry>,
}

fn journal_dir(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join("reltag").join("writes")
}

impl Journal {
    /// Best effort: a journal that cannot be written only loses the message on recovery.
    fn begin(
        repo: &gix::Repository,
        remote: &str,
        ledger: ObjectId,
        tags: &[NewTag],
        summary: &str,
    ) -> Option<Journal> {
        let dir = journal_dir(repo);
        std::fs::create_dir_all(&dir).ok()?;
        let journal = Journal {
            path: dir.join(format!("{ledger}.json")),
            entry: std::cell::RefCell::new(JournalEntry {
                remote: remote.to_owned(),
                ledger: ledger.to_string(),
                tags: tags
                    .iter()
                    .map(|t| (t.name.clone(), t.object.to_string()))
                    .collect(),
                summary: summary.to_owned(),
                pid: std::process::id(),
                push_pid: None,
            }),
        };
        journal.save().then_some(journal)
    }

    fn note_push_pid(&self, pid: u32) {
        self.entry.borrow_mut().push_pid = Some(pid);
        self.save();
    }

    fn save(&self) -> bool {
        let Ok(json) = serde_json::to_vec_pretty(&*self.entry.borrow()) else {
            return false;
        };
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, json).is_ok() && std::fs::rename(&tmp, &self.path).is_ok()
    }

    fn finish(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Settle the writes to `remote` that a killed or disconnected command left behind: the
/// ones the remote accepted are adopted here (their events arrive with the fetch; their
/// tags are created), the others are forgotten. Returns what to tell the user.
pub(crate) fn recover(
    ledger: &Ledger<'_>,
    remote: &str,
    remote_tip: Option<ObjectId>,
) -> Result<Vec<String>> {
    let repo = ledger.repo();
    let Ok(entries) = std::fs::read_dir(journal_dir(repo)) else {
        return Ok(Vec::new());
    };
    let mut notices = Vec::new();
    for file in entries.flatten() {
        let path = file.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Some(entry) = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<JournalEntry>(&bytes).ok())
        else {
            let _ = std::fs::remove_file(&path);
            continue;
        };
        if entry.remote != remote
            || process_alive(entry.pid)
            || entry.push_pid.is_some_and(process_alive)
        {
            continue;
        }
        let Ok(pushed) = ObjectId::from_hex(entry.ledger.as_bytes()) else {
            let _ = std::fs::remove_file(&path);
            continue;
        };
        let tags: Vec<NewTag> = entry
            .tags
            .iter()
            .filter_map(|(name, object)| {
                Some(NewTag {
                    name: name.clone(),
                    object: ObjectId::from_hex(object.as_bytes()).ok()?,
                })
            })
            .collect();
        let landed = match remote_tip {
            Some(tip) => contains(repo, tip, pushed)?,
            None => false,
        };
        if landed {
            for tag in &tags {
                if let Some(notice) = adopt_tag(repo, tag)? {
                    notices.push(notice);
                }
            }
            notices.push(format!(
                "completed an interrupted write: `{}` had reached {remote} (ledger {}); it is recorded here too",
                entry.summary,
                pushed.to_hex_with_len(12)
            ));
        } else {
            // A tag created for signing and not yet removed when the process died.
            for tag in &tags {
                let change = RefChange {
                    name: tag.ref_name(),
                    expected: Some(tag.object),
                    new: None,
                };
                swap_refs(repo, std::slice::from_ref(&change))?;
            }
            notices.push(format!(
                "an interrupted write never reached {remote}: `{}` was not recorded",
                entry.summary
            ));
        }
        let _ = std::fs::remove_file(&path);
    }
    Ok(notices)
}

/// Whether process `pid` still runs (Linux `/proc`; elsewhere assumed gone). A zombie —
/// exited, not yet reaped, as orphans are in containers whose init does not reap — is gone.
pub(crate) fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() || !Path::new("/proc/self").exists() {
        return false;
    }
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // `pid (comm) state …`: the state follows the last `)`.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    !matches!(state, None | Some('Z' | 'X' | 'x'))
}

fn git_dir(repo: &gix::Repository) -> PathBuf {
    repo.workdir()
        .unwrap_or_else(|| repo.git_dir())
        .to_path_buf()
}

/// A random fraction in [0, 1): std's randomly keyed hasher, no new dependency.
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Exponential pause with jitter after a lost push race, so contending clones spread out:
/// up to 100 ms, 200 ms, … capped at 1.6 s.
fn pause_after_lost_race(attempt: u32) {
    let cap = 50u64.saturating_mul(1 << attempt.min(5));
    let millis = (cap as f64 * (0.25 + 0.75 * random_fraction())) as u64;
    std::thread::sleep(Duration::from_millis(millis));
}

/// A short pause after losing a local compare-and-swap.
fn pause_locally() {
    std::thread::sleep(Duration::from_millis(1 + (random_fraction() * 8.0) as u64));
}
