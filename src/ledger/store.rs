//! Reading and appending to the ledger: a linear chain of commits under one ref.

use std::time::Duration;

use gix::ObjectId;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};

use super::error::{Error, Result};
use super::event::{Event, EventKind};
use super::state::{
    self, CommitState, EnvState, EvidenceRecord, LedgerSummary, Touched, VersionState,
};

/// The ref that holds the ledger.
pub const LEDGER_REF: &str = "refs/reltag/ledger";

/// How often an append re-reads the tip and tries again after losing a race. Each lost
/// race means another writer made progress, so this bounds the wait, not correctness.
const MAX_APPEND_ATTEMPTS: u32 = 200;

/// How long to wait for another writer's lock on the ref before giving up on one attempt.
const REF_LOCK_WAIT: Duration = Duration::from_secs(10);

/// The result of a successful append: the ref moved from `old` to `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The tip before the append; `None` when the ledger did not exist.
    pub old: Option<ObjectId>,
    /// The new tip: the commit recording the (last) appended event.
    pub new: ObjectId,
}

/// One event as found in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// The ledger commit that records the event.
    pub sha: ObjectId,
    pub event: Event,
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

/// The outcome of one compare-and-swap on a ref.
pub(crate) enum Swap {
    Done,
    /// Someone else moved the ref first; it now holds `actual`.
    Lost {
        actual: Option<ObjectId>,
    },
}

/// A raw ledger commit.
pub(crate) struct RawCommit {
    pub id: ObjectId,
    pub tree: ObjectId,
    pub parent: Option<ObjectId>,
    pub message: Vec<u8>,
}

/// The ledger of one repository. Cheap to create; holds no state besides the ref name.
pub struct Ledger<'repo> {
    repo: &'repo gix::Repository,
    ref_name: String,
}

impl<'repo> Ledger<'repo> {
    /// The ledger at `refs/reltag/ledger`.
    pub fn new(repo: &'repo gix::Repository) -> Ledger<'repo> {
        Ledger::at_ref(repo, LEDGER_REF)
    }

    /// A chain stored under another ref, e.g. a remote-tracking copy of the ledger.
    pub fn at_ref(repo: &'repo gix::Repository, ref_name: impl Into<String>) -> Ledger<'repo> {
        Ledger {
            repo,
            ref_name: ref_name.into(),
        }
    }

    pub fn repo(&self) -> &'repo gix::Repository {
        self.repo
    }

    pub fn ref_name(&self) -> &str {
        &self.ref_name
    }

    /// The current tip, or `None` when nothing was ever recorded.
    pub fn tip(&self) -> Result<Option<ObjectId>> {
        read_ref_commit(self.repo, &self.ref_name)
    }

    /// Record one event. Compare-and-swap on the ref: on a lost race the new tip is read
    /// and the event re-applied on top of it, up to a bound.
    pub fn append(&self, event: &Event) -> Result<Appended> {
        self.append_all(std::slice::from_ref(event))
    }

    /// Record several events as consecutive commits with one ref update (all or none).
    pub fn append_all(&self, events: &[Event]) -> Result<Appended> {
        match self.swap_in(events, |_| Ok(None::<std::convert::Infallible>))? {
            Ok(appended) => Ok(appended),
            Err(never) => match never {},
        }
    }

    /// Append `event` unless `skip` finds a reason not to. `skip` sees the tip the
    /// compare-and-swap will be made against, and runs again after every lost race, so
    /// "record only if not already recorded" holds even with concurrent writers.
    /// Returns `Err(reason)` (inside `Ok`) when skipped.
    pub fn append_unless<T>(
        &self,
        event: &Event,
        skip: impl FnMut(Option<ObjectId>) -> Result<Option<T>>,
    ) -> Result<std::result::Result<Appended, T>> {
        self.swap_in(std::slice::from_ref(event), skip)
    }

    /// The one compare-and-swap loop: build the events on the expected tip and swap the
    /// ref; on a lost race re-read the tip, ask `skip` again and retry, up to a bound.
    fn swap_in<T>(
        &self,
        events: &[Event],
        mut skip: impl FnMut(Option<ObjectId>) -> Result<Option<T>>,
    ) -> Result<std::result::Result<Appended, T>> {
        for event in events {
            event.validate()?;
        }
        let mut expected = self.checked(self.tip()?)?;
        for _ in 0..MAX_APPEND_ATTEMPTS {
            if let Some(reason) = skip(expected)? {
                return Ok(Err(reason));
            }
            let new = self.build_chain(expected, events)?;
            match self.swap(expected, new)? {
                Swap::Done => return Ok(Ok(Appended { old: expected, new })),
                Swap::Lost { actual } => {
                    expected = self.checked(actual)?;
                    backoff();
                }
            }
        }
        Err(Error::ContentionExhausted {
            reference: self.ref_name.clone(),
            attempts: MAX_APPEND_ATTEMPTS,
        })
    }

    /// Refuse to build on a tip that is not a valid event: appending on top of a damaged
    /// or hand-edited commit would bury it.
    fn checked(&self, tip: Option<ObjectId>) -> Result<Option<ObjectId>> {
        if let Some(tip) = tip {
            let commit = self.read_commit(tip)?;
            Event::from_message(tip, &commit.message)?;
        }
        Ok(tip)
    }

    /// Take back an append (e.g. the atomic push of a cut failed): move the ref from
    /// `appended.new` back to `appended.old`, only if nobody appended since.
    pub fn undo(&self, appended: &Appended) -> Result<()> {
        match self.swap(Some(appended.new), appended.old)? {
            Swap::Done => Ok(()),
            Swap::Lost { .. } => Err(Error::ContentionExhausted {
                reference: self.ref_name.clone(),
                attempts: 1,
            }),
        }
    }

    /// The present state of an environment; `None` if nothing was recorded for it.
    pub fn env_state(&self, env: &str) -> Result<Option<EnvState>> {
        super::event::validate_name("env", env)?;
        self.read_state(&state::paths::env(env))
    }

    /// Everything recorded about a version; `None` if nothing was.
    pub fn version_state(&self, version: &str) -> Result<Option<VersionState>> {
        super::event::validate_name("version", version)?;
        self.read_state(&state::paths::version(version))
    }

    /// Evidence recorded for a source commit (with or without a version).
    pub fn commit_evidence(&self, commit: ObjectId) -> Result<Vec<EvidenceRecord>> {
        let path = state::paths::commit(&commit.to_string());
        Ok(self
            .read_state::<CommitState>(&path)?
            .map(|state| state.evidence)
            .unwrap_or_default())
    }

    /// How many events the chain holds (read from the tip's tree, not counted).
    pub fn event_count(&self) -> Result<u64> {
        Ok(self
            .read_state::<LedgerSummary>(state::paths::SUMMARY)?
            .map(|summary| summary.events)
            .unwrap_or(0))
    }

    /// Events newest first, filtered. Iteration stops at the first error (after yielding it).
    pub fn log(&self, filter: LogFilter) -> Result<Log<'_, 'repo>> {
        Ok(Log {
            next: self.tip()?,
            ledger: self,
            filter,
            yielded: 0,
        })
    }

    /// Walk the whole chain and parse every event: the full integrity check of the
    /// messages (state files are checked when read). Returns the number of events.
    pub fn verify(&self) -> Result<u64> {
        let mut count = 0;
        for entry in self.log(LogFilter::default())? {
            entry?;
            count += 1;
        }
        Ok(count)
    }

    /// The state of a version as of ledger commit `tip` (`None`: empty ledger).
    pub fn version_state_at(
        &self,
        tip: Option<ObjectId>,
        version: &str,
    ) -> Result<Option<VersionState>> {
        super::event::validate_name("version", version)?;
        self.read_state_at(tip, &state::paths::version(version))
    }

    /// The state of an environment as of ledger commit `tip` (`None`: empty ledger), for
    /// compare-and-swap checks in [`Ledger::append_unless`].
    pub fn env_state_at(&self, tip: Option<ObjectId>, env: &str) -> Result<Option<EnvState>> {
        super::event::validate_name("env", env)?;
        self.read_state_at(tip, &state::paths::env(env))
    }

    fn read_state<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<Option<T>> {
        self.read_state_at(self.tip()?, path)
    }

    fn read_state_at<T: serde::de::DeserializeOwned>(
        &self,
        tip: Option<ObjectId>,
        path: &str,
    ) -> Result<Option<T>> {
        let Some(tip) = tip else {
            return Ok(None);
        };
        let commit = self.read_commit(tip)?;
        read_json(self.repo, tip, commit.tree, path)
    }

    /// Read and decode a ledger commit, mapping missing objects to a shallow-clone hint.
    pub(crate) fn read_commit(&self, id: ObjectId) -> Result<RawCommit> {
        read_raw_commit(self.repo, id)
    }

    /// Build commits for `events` on top of `base` (no ref update). Returns the last one.
    pub(crate) fn build_chain(&self, base: Option<ObjectId>, events: &[Event]) -> Result<ObjectId> {
        let mut parent = base;
        let mut parent_tree = match base {
            Some(base) => self.read_commit(base)?.tree,
            None => ObjectId::empty_tree(self.repo.object_hash()),
        };
        for event in events {
            let (tree, commit) = self.build_commit(parent, parent_tree, event)?;
            parent = Some(commit);
            parent_tree = tree;
        }
        // `events` empty: the chain is the base itself.
        parent.ok_or_else(|| Error::InvalidEvent {
            kind: "batch",
            problem: "no events to append to an empty ledger".into(),
        })
    }

    fn build_commit(
        &self,
        parent: Option<ObjectId>,
        parent_tree: ObjectId,
        event: &Event,
    ) -> Result<(ObjectId, ObjectId)> {
        let repo = self.repo;
        let sha = parent.unwrap_or_else(|| ObjectId::null(repo.object_hash()));
        let (env, version, commit_evidence) = state::touched_paths(event);
        let env_path = env.map(state::paths::env);
        let version_path = version.map(state::paths::version);
        let commit_path = commit_evidence.then(|| state::paths::commit(&event.commit.to_string()));
        let load = |path: &Option<String>| -> Result<Option<_>> {
            match path {
                Some(path) => read_json_raw(repo, sha, parent_tree, path),
                None => Ok(None),
            }
        };
        let mut touched = Touched {
            summary: read_json(repo, sha, parent_tree, state::paths::SUMMARY)?.unwrap_or_default(),
            env: load(&env_path)?
                .map(|bytes| decode(sha, env_path.as_deref().unwrap_or_default(), &bytes))
                .transpose()?,
            version: load(&version_path)?
                .map(|bytes| decode(sha, version_path.as_deref().unwrap_or_default(), &bytes))
                .transpose()?,
            commit: load(&commit_path)?
                .map(|bytes| decode(sha, commit_path.as_deref().unwrap_or_default(), &bytes))
                .transpose()?,
        }
        .with_defaults(event);
        touched.apply(event);

        let mut editor = repo
            .edit_tree(parent_tree)
            .map_err(Error::git(format!("edit the tree of ledger commit {sha}")))?;
        let mut upsert = |path: &str, json: Vec<u8>| -> Result<()> {
            let blob = repo
                .write_blob(json)
                .map_err(Error::git(format!("write ledger state {path}")))?;
            editor
                .upsert(path, gix::objs::tree::EntryKind::Blob, blob.detach())
                .map_err(Error::git(format!("edit ledger state {path}")))?;
            Ok(())
        };
        upsert(state::paths::SUMMARY, encode(&touched.summary))?;
        if let (Some(path), Some(env)) = (&env_path, &touched.env) {
            upsert(path, encode(env))?;
        }
        if let (Some(path), Some(version)) = (&version_path, &touched.version) {
            upsert(path, encode(version))?;
        }
        if let (Some(path), Some(commit)) = (&commit_path, &touched.commit) {
            upsert(path, encode(commit))?;
        }
        let tree = editor
            .write()
            .map_err(Error::git("write the ledger tree"))?
            .detach();

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
        let commit = gix::objs::Commit {
            tree,
            parents: parent.into_iter().collect(),
            author: signature.clone(),
            committer: signature,
            encoding: None,
            message: event.to_message().into(),
            extra_headers: Vec::new(),
        };
        let id = repo
            .write_object(&commit)
            .map_err(Error::git("write a ledger commit"))?
            .detach();
        Ok((tree, id))
    }

    /// Compare-and-swap the ref from `expected` to `new` (`None`: absent / delete).
    pub(crate) fn swap(
        &self,
        expected: Option<ObjectId>,
        new: impl Into<Option<ObjectId>>,
    ) -> Result<Swap> {
        swap_ref(self.repo, &self.ref_name, expected, new)
    }
}

/// Compare-and-swap any ref: `expected` `None` means "must not exist", `new` `None`
/// deletes it.
pub(crate) fn swap_ref(
    repo: &gix::Repository,
    ref_name: &str,
    expected: Option<ObjectId>,
    new: impl Into<Option<ObjectId>>,
) -> Result<Swap> {
    let name: gix::refs::FullName = ref_name.try_into().map_err(|_| Error::InvalidName {
        what: "ref",
        value: ref_name.to_owned(),
        reason: "not a valid full ref name",
    })?;
    let previous = match expected {
        Some(id) => PreviousValue::MustExistAndMatch(gix::refs::Target::Object(id)),
        None => PreviousValue::MustNotExist,
    };
    let change = match new.into() {
        Some(new) => Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: "reltag: ledger".into(),
            },
            expected: previous,
            new: gix::refs::Target::Object(new),
        },
        None => match expected {
            Some(_) => Change::Delete {
                expected: previous,
                log: RefLog::AndReference,
            },
            None => return Ok(Swap::Done),
        },
    };
    let edit = RefEdit {
        change,
        name,
        deref: false,
    };
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
        .prepare([edit], wait, wait)
        .and_then(|transaction| transaction.commit(Some(committer.to_ref(&mut time_buf))));
    match result {
        Ok(_) => Ok(Swap::Done),
        Err(error) => {
            use gix::refs::file::transaction::prepare::{MustNotExist, ReferenceOutOfDate};
            let target = |t: &gix::refs::Target| t.try_id().map(ToOwned::to_owned);
            if let Some(lost) = error.downcast_any_ref::<ReferenceOutOfDate>() {
                return Ok(Swap::Lost {
                    actual: target(&lost.actual),
                });
            }
            if let Some(lost) = error.downcast_any_ref::<MustNotExist>() {
                return Ok(Swap::Lost {
                    actual: target(&lost.actual),
                });
            }
            // Anything else (e.g. the ref vanished while we expected it): if the ref no
            // longer holds what we expected, someone else changed it; otherwise it is a
            // real failure.
            let actual = read_ref_commit(repo, ref_name)?;
            if actual != expected {
                return Ok(Swap::Lost { actual });
            }
            Err(Error::Git {
                action: format!("update {ref_name}"),
                source: error,
            })
        }
    }
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

pub(crate) fn read_raw_commit(repo: &gix::Repository, id: ObjectId) -> Result<RawCommit> {
    let object = repo
        .try_find_object(id)
        .map_err(Error::git(format!("read ledger commit {id}")))?
        .ok_or_else(|| missing(repo, id))?;
    if object.kind != gix::objs::Kind::Commit {
        return Err(Error::CorruptEvent {
            sha: id,
            problem: format!("the chain contains a {}, not a commit", object.kind),
        });
    }
    let decoded =
        gix::objs::CommitRef::from_bytes(&object.data, repo.object_hash()).map_err(|e| {
            Error::CorruptEvent {
                sha: id,
                problem: format!("the commit object does not decode: {e}"),
            }
        })?;
    let parents: Vec<ObjectId> = decoded.parents().collect();
    if parents.len() > 1 {
        return Err(Error::NotLinear {
            sha: id,
            parents: parents.len(),
        });
    }
    Ok(RawCommit {
        id,
        tree: decoded.tree(),
        parent: parents.first().copied(),
        message: decoded.message.to_vec(),
    })
}

fn missing(repo: &gix::Repository, id: ObjectId) -> Error {
    if repo.is_shallow().unwrap_or(false) {
        Error::Shallow { sha: id }
    } else {
        Error::MissingObject { sha: id }
    }
}

fn read_json_raw(
    repo: &gix::Repository,
    sha: ObjectId,
    tree: ObjectId,
    path: &str,
) -> Result<Option<Vec<u8>>> {
    let tree = repo
        .find_tree(tree)
        .map_err(Error::git(format!("read the tree of ledger commit {sha}")))?;
    let entry = tree
        .lookup_entry_by_path(path)
        .map_err(Error::git(format!("look up {path} in ledger commit {sha}")))?;
    let Some(entry) = entry else {
        return Ok(None);
    };
    let object = entry
        .object()
        .map_err(Error::git(format!("read {path} in ledger commit {sha}")))?;
    if object.kind != gix::objs::Kind::Blob {
        return Err(Error::CorruptEvent {
            sha,
            problem: format!("state path {path} is a {}, not a file", object.kind),
        });
    }
    Ok(Some(object.detach().data))
}

fn read_json<T: serde::de::DeserializeOwned>(
    repo: &gix::Repository,
    sha: ObjectId,
    tree: ObjectId,
    path: &str,
) -> Result<Option<T>> {
    read_json_raw(repo, sha, tree, path)?
        .map(|bytes| decode(sha, path, &bytes))
        .transpose()
}

fn decode<T: serde::de::DeserializeOwned>(sha: ObjectId, path: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|source| Error::CorruptState {
        sha,
        path: path.to_owned(),
        source,
    })
}

fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own plain structs cannot fail (no maps with non-string keys).
    let mut json = serde_json::to_vec_pretty(value).unwrap_or_default();
    json.push(b'\n');
    json
}

/// A short randomised pause after a lost race, so that contending processes spread out.
fn backoff() {
    let jitter = u64::from(std::process::id() % 7)
        + (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::from(d.subsec_nanos()) % 5)
            .unwrap_or(0));
    std::thread::sleep(Duration::from_millis(1 + jitter));
}

/// Newest-first walk over the chain. Yields an error once and then stops: a damaged
/// commit is never skipped silently.
pub struct Log<'l, 'repo> {
    ledger: &'l Ledger<'repo>,
    next: Option<ObjectId>,
    filter: LogFilter,
    yielded: usize,
}

impl Iterator for Log<'_, '_> {
    type Item = Result<LogEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.filter.limit.is_some_and(|limit| self.yielded >= limit) {
                return None;
            }
            let id = self.next.take()?;
            let step = self.ledger.read_commit(id).and_then(|commit| {
                let event = Event::from_message(commit.id, &commit.message)?;
                Ok((commit.parent, event))
            });
            match step {
                Err(error) => return Some(Err(error)),
                Ok((parent, event)) => {
                    self.next = parent;
                    if self.filter.matches(&event) {
                        self.yielded += 1;
                        return Some(Ok(LogEntry { sha: id, event }));
                    }
                }
            }
        }
    }
}
