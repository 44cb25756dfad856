//! The ledger of one repository: its tip, the state derived from its events, its log, and
//! compare-and-swap on refs. Events are recorded through [`super::write`].

use std::cell::OnceCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use gix::ObjectId;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};

use super::cache::Cache;
use super::chain::{missing, read_link};
use super::error::{Error, Result};
use super::event::{Event, EventBody, EventKind};
use super::fold::{self, Memo, State};
use super::signing::Signer;
use super::state::{EnvState, EvidenceRecord, VersionState};
use super::trust::{Admins, Standing, Trust, standing};
use super::write::{Decision, Publish, WriteOptions, write};

/// The ref that holds the ledger.
pub const LEDGER_REF: &str = "refs/reltag/ledger";

/// How long to wait for another writer's lock on a ref before giving up on one attempt.
const REF_LOCK_WAIT: Duration = Duration::from_secs(10);

/// The result of a successful local append: the ref moved from `old` to `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The tip before the append; `None` when the ledger did not exist.
    pub old: Option<ObjectId>,
    /// The new tip: the commit recording the (last) appended event.
    pub new: ObjectId,
}

/// One event as found in the chain, and whether it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// The ledger commit that records the event.
    pub sha: ObjectId,
    pub event: Event,
    /// Counts, voided (by which void), or refused by the trust rules (why).
    pub standing: Standing,
}

/// Which events `Ledger::log` yields. All set filters must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub env: Option<String>,
    pub version: Option<String>,
    pub kind: Option<EventKind>,
    /// Stop after this many matching events.
    pub limit: Option<usize>,
}

impl LogFilter {
    fn matches(&self, event: &Event) -> bool {
        self.env
            .as_deref()
            .is_none_or(|env| event.env() == Some(env))
            && self
                .version
                .as_deref()
                .is_none_or(|version| event.version() == Some(version))
            && self.kind.is_none_or(|kind| event.kind() == kind)
    }
}

/// The outcome of one compare-and-swap on refs.
pub(crate) enum Swap {
    Done,
    /// Someone else moved `reference` first; it now holds `actual`.
    Lost {
        reference: String,
        actual: Option<ObjectId>,
    },
}

/// One ref of a compare-and-swap: `expected` `None` means "must not exist", `new` `None`
/// deletes it.
#[derive(Debug, Clone)]
pub(crate) struct RefChange {
    pub name: String,
    pub expected: Option<ObjectId>,
    pub new: Option<ObjectId>,
}

/// The ledger of one repository. Cheap to create; derived states are cached on disk (see
/// `cache.rs`) and the last one in memory.
pub struct Ledger<'repo> {
    repo: &'repo gix::Repository,
    ref_name: String,
    trust: Rc<dyn Trust>,
    /// Signs every event commit this ledger builds (`[ledger] require_signed`).
    signer: Option<Rc<Signer>>,
    cache: OnceCell<Option<Rc<Cache>>>,
    memo: Memo,
}

impl<'repo> Ledger<'repo> {
    /// The ledger at `refs/reltag/ledger`, judged by the format's rules alone (no ledger
    /// admins: no void counts). Commands use [`Ledger::with_trust`] with the policy's.
    pub fn new(repo: &'repo gix::Repository) -> Ledger<'repo> {
        Ledger::at_ref(repo, LEDGER_REF)
    }

    /// A chain stored under another ref, e.g. a remote-tracking copy of the ledger.
    pub fn at_ref(repo: &'repo gix::Repository, ref_name: impl Into<String>) -> Ledger<'repo> {
        Ledger {
            repo,
            ref_name: ref_name.into(),
            trust: Rc::new(Admins::none()),
            signer: None,
            cache: OnceCell::new(),
            memo: Memo::default(),
        }
    }

    /// The same ledger judged by `trust` (which events count).
    pub fn with_trust(self, trust: impl Trust + 'static) -> Ledger<'repo> {
        Ledger {
            trust: Rc::new(trust),
            memo: Memo::default(),
            ..self
        }
    }

    /// The same ledger, signing every event commit it builds (a first write, a replay on a
    /// new tip after a lost race, publishing events recorded earlier) with `signer`.
    pub fn with_signer(self, signer: Signer) -> Ledger<'repo> {
        Ledger {
            signer: Some(Rc::new(signer)),
            ..self
        }
    }

    pub fn signer(&self) -> Option<&Signer> {
        self.signer.as_deref()
    }

    pub fn repo(&self) -> &'repo gix::Repository {
        self.repo
    }

    pub fn ref_name(&self) -> &str {
        &self.ref_name
    }

    pub fn trust(&self) -> &dyn Trust {
        &*self.trust
    }

    /// The current tip, or `None` when nothing was ever recorded.
    pub fn tip(&self) -> Result<Option<ObjectId>> {
        read_ref_commit(self.repo, &self.ref_name)
    }

    /// The state derived from the events at the tip. Refused while the chain holds a
    /// malformed commit that no counted void has repaired.
    pub fn state(&self) -> Result<Rc<State>> {
        let state = self.state_at(self.tip()?)?;
        state.check_sound()?;
        Ok(state)
    }

    /// The state derived from the events up to ledger commit `tip`, damage and all.
    pub fn state_at(&self, tip: Option<ObjectId>) -> Result<Rc<State>> {
        if let Some(tip) = tip
            && let Some(state) = self.memo.get(tip)
        {
            return Ok(state);
        }
        let cache = self
            .cache
            .get_or_init(|| Cache::open(self.repo).map(Rc::new))
            .clone();
        let state = Rc::new(fold::derive(self.repo, cache, &*self.trust, tip)?);
        if let Some(tip) = tip {
            self.memo.put(tip, Rc::clone(&state));
        }
        Ok(state)
    }

    /// Record one event in the local ledger (compare-and-swap; published by the next
    /// write that reaches the remote).
    pub fn append(&self, event: &Event) -> Result<Appended> {
        self.append_all(std::slice::from_ref(event))
    }

    /// Record several events as consecutive commits with one ref update (all or none).
    pub fn append_all(&self, events: &[Event]) -> Result<Appended> {
        let written = write(self, &Publish::Local, &WriteOptions::default(), |base| {
            Ok::<_, Error>(Decision::Record {
                events: events.to_vec(),
                tag: None,
                outcome: base.state()?.tip(),
            })
        })?;
        let new = written.tip.ok_or_else(|| Error::InvalidEvent {
            kind: "batch",
            problem: "no events to append to an empty ledger".into(),
        })?;
        Ok(Appended {
            old: written.outcome,
            new,
        })
    }

    /// The present state of an environment; `None` if nothing was recorded for it.
    pub fn env_state(&self, env: &str) -> Result<Option<EnvState>> {
        self.state()?.env(env)
    }

    /// Everything recorded about a version; `None` if nothing was.
    pub fn version_state(&self, version: &str) -> Result<Option<VersionState>> {
        self.state()?.version(version)
    }

    /// Evidence recorded for a source commit (with or without a version).
    pub fn commit_evidence(&self, commit: ObjectId) -> Result<Vec<EvidenceRecord>> {
        self.state()?.commit_evidence(commit)
    }

    /// How many commits the chain holds.
    pub fn event_count(&self) -> Result<u64> {
        Ok(self.state()?.events())
    }

    /// Events newest first, filtered, each with its standing. Iteration stops at the first
    /// error (after yielding it): a malformed commit is never skipped silently, unless a
    /// counted void names it.
    pub fn log(&self, filter: LogFilter) -> Result<Log<'_, 'repo>> {
        Ok(Log {
            next: self.tip()?,
            ledger: self,
            filter,
            yielded: 0,
            voided: HashMap::new(),
        })
    }

    /// Walk the whole chain and parse every event: the full integrity check. Returns the
    /// number of events.
    pub fn verify(&self) -> Result<u64> {
        let mut count = 0;
        for entry in self.log(LogFilter::default())? {
            entry?;
            count += 1;
        }
        Ok(count)
    }

    /// Build commits for `events` on top of `base` (no ref update). Returns the last one,
    /// or `base` when there are no events.
    pub(crate) fn build_chain(
        &self,
        base: Option<ObjectId>,
        events: &[Event],
    ) -> Result<Option<ObjectId>> {
        let mut parent = base;
        for event in events {
            event.validate()?;
            parent = Some(self.build_commit(parent, event)?);
        }
        Ok(parent)
    }

    /// One event commit. Its tree is the empty tree: the state is derived from the
    /// messages, and a tree would only be something to trust by mistake.
    fn build_commit(&self, parent: Option<ObjectId>, event: &Event) -> Result<ObjectId> {
        let repo = self.repo;
        // Author and committer are the event's actor and time, so replaying an event onto
        // the same parent yields the same commit in every clone.
        let email = if event.actor.contains('@') && !event.actor.starts_with('@') {
            event.actor.clone()
        } else {
            String::new()
        };
        let signature = gix::actor::Signature {
            name: event.actor.as_str().into(),
            email: email.into(),
            time: gix::date::Time {
                seconds: event.time.as_second(),
                offset: 0,
            },
        };
        let tree = repo
            .write_object(gix::objs::Tree::empty())
            .map_err(Error::git("write the empty tree"))?
            .detach();
        let commit = gix::objs::Commit {
            tree,
            parents: parent.into_iter().collect(),
            author: signature.clone(),
            committer: signature,
            encoding: None,
            message: event.to_message().into(),
            extra_headers: Vec::new(),
        };
        let Some(signer) = &self.signer else {
            return Ok(repo
                .write_object(&commit)
                .map_err(Error::git("write a ledger commit"))?
                .detach());
        };
        let id = signer.sign(repo, &commit)?;
        // Never publish an event that could not count: the key must be bound to the actor.
        self.trust
            .check_written(id, event)
            .map_err(|reason| Error::WouldNotCount { reason })?;
        Ok(id)
    }

    /// Compare-and-swap the ledger ref from `expected` to `new`.
    pub(crate) fn swap(&self, expected: Option<ObjectId>, new: ObjectId) -> Result<Swap> {
        swap_refs(
            self.repo,
            &[RefChange {
                name: self.ref_name.clone(),
                expected,
                new: Some(new),
            }],
        )
    }
}

/// Compare-and-swap several refs in one transaction: all change or none does.
pub(crate) fn swap_refs(repo: &gix::Repository, changes: &[RefChange]) -> Result<Swap> {
    let mut edits = Vec::with_capacity(changes.len());
    for change in changes {
        let name: gix::refs::FullName =
            change
                .name
                .as_str()
                .try_into()
                .map_err(|_| Error::InvalidName {
                    what: "ref",
                    value: change.name.clone(),
                    reason: "not a valid full ref name",
                })?;
        let previous = match change.expected {
            Some(id) => PreviousValue::MustExistAndMatch(gix::refs::Target::Object(id)),
            None => PreviousValue::MustNotExist,
        };
        let edit = match change.new {
            Some(new) => Change::Update {
                log: LogChange {
                    mode: RefLog::AndReference,
                    force_create_reflog: false,
                    message: "reltag: ledger".into(),
                },
                expected: previous,
                new: gix::refs::Target::Object(new),
            },
            None if change.expected.is_none() => continue,
            None => Change::Delete {
                expected: previous,
                log: RefLog::AndReference,
            },
        };
        edits.push(RefEdit {
            change: edit,
            name,
            deref: false,
        });
    }
    if edits.is_empty() {
        return Ok(Swap::Done);
    }
    let wait = gix::lock::acquire::Fail::AfterDurationWithBackoff(REF_LOCK_WAIT);
    let committer = gix::actor::Signature {
        name: "reltag".into(),
        email: "reltag@localhost".into(),
        time: gix::date::Time::now_utc(),
    };
    let mut time_buf = Default::default();
    let result = repo
        .refs
        .transaction()
        .prepare(edits, wait, wait)
        .and_then(|transaction| transaction.commit(Some(committer.to_ref(&mut time_buf))));
    let error = match result {
        Ok(_) => return Ok(Swap::Done),
        Err(error) => error,
    };
    use gix::refs::file::transaction::prepare::{MustNotExist, ReferenceOutOfDate};
    let target = |t: &gix::refs::Target| t.try_id().map(ToOwned::to_owned);
    if let Some(lost) = error.downcast_any_ref::<ReferenceOutOfDate>() {
        return Ok(Swap::Lost {
            reference: lost.full_name.to_string(),
            actual: target(&lost.actual),
        });
    }
    if let Some(lost) = error.downcast_any_ref::<MustNotExist>() {
        return Ok(Swap::Lost {
            reference: lost.full_name.to_string(),
            actual: target(&lost.actual),
        });
    }
    // Anything else (e.g. a ref vanished while we expected it): if a ref no longer holds
    // what we expected, someone else changed it; otherwise it is a real failure.
    for change in changes {
        let actual = read_ref_commit_or_tag(repo, &change.name)?;
        if actual != change.expected {
            return Ok(Swap::Lost {
                reference: change.name.clone(),
                actual,
            });
        }
    }
    Err(Error::Git {
        action: format!(
            "update {}",
            changes
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        source: error,
    })
}

/// What a ref points at, whatever the object.
fn read_ref_commit_or_tag(repo: &gix::Repository, ref_name: &str) -> Result<Option<ObjectId>> {
    Ok(repo
        .try_find_reference(ref_name)
        .map_err(Error::git(format!("read ref {ref_name}")))?
        .and_then(|r| r.target().try_id().map(ToOwned::to_owned)))
}

/// Read a ref that must point at a commit.
pub(crate) fn read_ref_commit(repo: &gix::Repository, ref_name: &str) -> Result<Option<ObjectId>> {
    let reference = repo
        .try_find_reference(ref_name)
        .map_err(Error::git(format!("read ref {ref_name}")))?;
    let Some(reference) = reference else {
        return Ok(None);
    };
    let id = match &reference.inner.target {
        gix::refs::Target::Object(id) => *id,
        gix::refs::Target::Symbolic(target) => {
            return Err(Error::NotACommit {
                reference: ref_name.to_owned(),
                id: ObjectId::null(repo.object_hash()),
                kind: format!("symbolic ref to {target}"),
            });
        }
    };
    let header = repo
        .try_find_header(id)
        .map_err(Error::git(format!("read object {id} ({ref_name})")))?;
    match header {
        None => Err(missing(repo, id)),
        Some(header) if header.kind() == gix::objs::Kind::Commit => Ok(Some(id)),
        Some(header) => Err(Error::NotACommit {
            reference: ref_name.to_owned(),
            id,
            kind: header.kind().to_string(),
        }),
    }
}

/// Newest-first walk over the chain, judging each event as the fold does. Yields an error
/// once and then stops: a malformed commit is never skipped silently, unless a counted
/// void (seen earlier in this walk, being newer) names it.
pub struct Log<'l, 'repo> {
    ledger: &'l Ledger<'repo>,
    next: Option<ObjectId>,
    filter: LogFilter,
    yielded: usize,
    /// Commits named by the counted voids seen so far, and the void naming each.
    voided: HashMap<ObjectId, ObjectId>,
}

impl Iterator for Log<'_, '_> {
    type Item = Result<LogEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.filter.limit.is_some_and(|limit| self.yielded >= limit) {
                return None;
            }
            let id = self.next.take()?;
            let link = match read_link(self.ledger.repo, id) {
                Ok(link) => link,
                Err(error) => return Some(Err(error)),
            };
            let event = match link.event {
                Ok(event) => event,
                Err(malformed) if !self.voided.contains_key(&id) => {
                    return Some(Err(malformed.to_error(id)));
                }
                Err(_) => {
                    self.next = link.parent;
                    continue;
                }
            };
            self.next = link.parent;
            let standing = standing(
                &*self.ledger.trust,
                id,
                &event,
                self.voided.get(&id).copied(),
            );
            if let EventBody::Void(_) = &event.body
                && standing.counts()
            {
                self.voided.insert(event.commit, id);
            }
            if self.filter.matches(&event) {
                self.yielded += 1;
                return Some(Ok(LogEntry {
                    sha: id,
                    event,
                    standing,
                }));
            }
        }
    }
}
