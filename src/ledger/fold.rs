//! The state is a fold over the events: nothing else counts.
//!
//! [`derive`] replays the chain from its root (or from the nearest state cached for an
//! ancestor, see [`super::cache`]) through [`super::state::apply`], the one transition
//! function, for every event that counts ([`super::trust::standing`]). A ledger commit's
//! tree is never read: whatever a commit carries besides its message counts for nothing.
//!
//! Malformed commits (see [`super::chain`]) do not stop the fold: they are recorded as
//! damage, and a reader refuses a state with damage that no counted void has repaired.
//! A counted void of an event that already counted makes the fold start over from the
//! root with that event left out, so the result never depends on where a cache began.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use gix::ObjectId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::cache::Cache;
use super::chain::{Link, Malformed, read_link};
use super::error::{Error, Result};
use super::event::{EventBody, validate_name};
use super::state::{
    ApprovalRecord, CommitState, Entities, EnvState, EvidenceRecord, VersionState, apply, paths,
};
use super::trust::{Trust, standing};

/// A derived state is stored in the cache when it took at least this many events to fold
/// from the nearest stored one (see [`derive`]).
const STORE_AFTER_LINKS: usize = 8;

/// What a derived state knows besides environments, versions and commits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerSummary {
    /// Commits in the chain, malformed ones included.
    pub events: u64,
    /// Events that count.
    pub counted: u64,
    /// Malformed commits no counted void has repaired, oldest first.
    pub damaged: Vec<Damage>,
    /// Counted voids, oldest first.
    pub voids: Vec<VoidRecord>,
}

/// A malformed commit in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Damage {
    pub sha: String,
    pub malformed: Malformed,
}

/// A counted void: `by` voided `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoidRecord {
    pub target: String,
    pub by: String,
    pub actor: String,
    pub time: Timestamp,
    pub reason: String,
}

/// One shard file of a derived state: records by name.
#[derive(Debug, Clone)]
pub(crate) enum Shard {
    Envs(BTreeMap<String, EnvState>),
    Versions(BTreeMap<String, VersionState>),
    Commits(BTreeMap<String, CommitState>),
}

impl Shard {
    fn to_json(&self) -> Vec<u8> {
        let value = match self {
            Shard::Envs(m) => serde_json::to_vec(m),
            Shard::Versions(m) => serde_json::to_vec(m),
            Shard::Commits(m) => serde_json::to_vec(m),
        };
        // Serialising our own plain structs cannot fail (string keys only).
        value.unwrap_or_default()
    }
}

/// Which kind of shard a path holds.
#[derive(Clone, Copy)]
enum ShardKind {
    Envs,
    Versions,
    Commits,
}

fn load_shard(
    cache: Option<&Cache>,
    base: Option<ObjectId>,
    path: &str,
    kind: ShardKind,
) -> Result<Shard> {
    let (Some(cache), Some(base)) = (cache, base) else {
        return Ok(empty_shard(kind));
    };
    Ok(match kind {
        ShardKind::Envs => Shard::Envs(cache.read(base, path)?.unwrap_or_default()),
        ShardKind::Versions => Shard::Versions(cache.read(base, path)?.unwrap_or_default()),
        ShardKind::Commits => Shard::Commits(cache.read(base, path)?.unwrap_or_default()),
    })
}

fn empty_shard(kind: ShardKind) -> Shard {
    match kind {
        ShardKind::Envs => Shard::Envs(BTreeMap::new()),
        ShardKind::Versions => Shard::Versions(BTreeMap::new()),
        ShardKind::Commits => Shard::Commits(BTreeMap::new()),
    }
}

/// The state derived from a ledger tip: what `reltag` reads as the present.
pub struct State {
    tip: Option<ObjectId>,
    summary: LedgerSummary,
    cache: Option<Rc<Cache>>,
    /// The cached state tree the records are read from (`None`: nothing cached).
    base: Option<ObjectId>,
    /// Shards derived since `base` (all of them when nothing could be cached), and shards
    /// read from `base` so far.
    shards: RefCell<HashMap<String, Rc<Shard>>>,
}

impl State {
    fn empty(cache: Option<Rc<Cache>>) -> State {
        State {
            tip: None,
            summary: LedgerSummary::default(),
            cache,
            base: None,
            shards: RefCell::new(HashMap::new()),
        }
    }

    /// The state a chain of exactly these events would derive, every one counting: the
    /// ledger a policy test (`reltag test`) describes. Through the same transition as
    /// [`derive`], in memory, with no repository; a void is not an event a description
    /// can hold (leave the voided event out instead).
    pub fn of_events(events: &[super::event::Event]) -> Result<State> {
        let mut work = Working {
            cache: None,
            base: None,
            changed: BTreeMap::new(),
        };
        let mut summary = LedgerSummary::default();
        for event in events {
            event.validate()?;
            if let EventBody::Void(_) = event.body {
                return Err(Error::InvalidEvent {
                    kind: "void",
                    problem: "a described ledger cannot void: leave the event out".into(),
                });
            }
            summary.events += 1;
            summary.counted += 1;
            apply(&mut work, event)?;
        }
        let shards = work
            .changed
            .into_iter()
            .map(|(path, shard)| (path, Rc::new(shard)))
            .collect();
        Ok(State {
            tip: None,
            summary,
            cache: None,
            base: None,
            shards: RefCell::new(shards),
        })
    }

    /// The ledger commit this state was derived from (`None`: no ledger yet).
    pub fn tip(&self) -> Option<ObjectId> {
        self.tip
    }

    /// Commits in the chain, malformed and voided ones included.
    pub fn events(&self) -> u64 {
        self.summary.events
    }

    /// Events that count.
    pub fn counted(&self) -> u64 {
        self.summary.counted
    }

    /// The counted voids, oldest first.
    pub fn voids(&self) -> &[VoidRecord] {
        &self.summary.voids
    }

    pub fn summary(&self) -> &LedgerSummary {
        &self.summary
    }

    /// The error for the newest malformed commit that no counted void has repaired.
    pub fn damage(&self) -> Option<Error> {
        self.summary.damaged.last().map(|damage| {
            let sha = ObjectId::from_hex(damage.sha.as_bytes())
                .unwrap_or_else(|_| ObjectId::null(gix::hash::Kind::Sha1));
            damage.malformed.to_error(sha)
        })
    }

    /// Refuse a state with unrepaired damage: a reader never decides on a chain it cannot
    /// read whole.
    pub fn check_sound(&self) -> Result<()> {
        match self.damage() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// The present state of an environment; `None` if nothing was recorded for it.
    pub fn env(&self, env: &str) -> Result<Option<EnvState>> {
        validate_name("env", env)?;
        Ok(match &*self.shard(paths::ENVS, ShardKind::Envs)? {
            Shard::Envs(envs) => envs.get(env).cloned(),
            _ => None,
        })
    }

    /// Everything recorded about a version; `None` if nothing was.
    pub fn version(&self, version: &str) -> Result<Option<VersionState>> {
        validate_name("version", version)?;
        Ok(
            match &*self.shard(&paths::versions(version), ShardKind::Versions)? {
                Shard::Versions(versions) => versions.get(version).cloned(),
                _ => None,
            },
        )
    }

    /// Evidence recorded for a source commit (with or without a version).
    pub fn commit_evidence(&self, commit: ObjectId) -> Result<Vec<EvidenceRecord>> {
        let hex = commit.to_string();
        Ok(
            match &*self.shard(&paths::commits(&hex), ShardKind::Commits)? {
                Shard::Commits(commits) => commits
                    .get(&hex)
                    .map(|c| c.evidence.clone())
                    .unwrap_or_default(),
                _ => Vec::new(),
            },
        )
    }

    /// Approvals of `version` that are bound to exactly `commit`: an approval given for
    /// another commit does not carry over. With `env` `Some(e)`, approvals for `e` and
    /// approvals without an env count; with `None`, only approvals without an env. One
    /// record per (role, env, actor), the earliest.
    pub fn approvals_for(
        &self,
        version: &str,
        env: Option<&str>,
        commit: ObjectId,
    ) -> Result<Vec<ApprovalRecord>> {
        let Some(state) = self.version(version)? else {
            return Ok(Vec::new());
        };
        let commit = commit.to_string();
        let mut result: Vec<ApprovalRecord> = Vec::new();
        for approval in state.approvals {
            let env_matches = approval.env.is_none() || approval.env.as_deref() == env;
            let duplicate = result.iter().any(|seen| {
                seen.role == approval.role
                    && seen.env == approval.env
                    && seen.actor.eq_ignore_ascii_case(&approval.actor)
            });
            if approval.commit == commit && env_matches && !duplicate {
                result.push(approval);
            }
        }
        Ok(result)
    }

    fn shard(&self, path: &str, kind: ShardKind) -> Result<Rc<Shard>> {
        if let Some(shard) = self.shards.borrow().get(path) {
            return Ok(Rc::clone(shard));
        }
        let shard = Rc::new(load_shard(self.cache.as_deref(), self.base, path, kind)?);
        self.shards
            .borrow_mut()
            .insert(path.to_owned(), Rc::clone(&shard));
        Ok(shard)
    }
}

/// The shards one fold works on: loaded from the cached base on first use, kept in memory
/// after.
struct Working<'a> {
    cache: Option<&'a Cache>,
    base: Option<ObjectId>,
    changed: BTreeMap<String, Shard>,
}

impl Working<'_> {
    fn shard(&mut self, path: String, kind: ShardKind) -> Result<&mut Shard> {
        if !self.changed.contains_key(&path) {
            let shard = load_shard(self.cache, self.base, &path, kind)?;
            self.changed.insert(path.clone(), shard);
        }
        self.changed
            .get_mut(&path)
            .ok_or_else(|| Error::InvalidEvent {
                kind: "state",
                problem: format!("{path} vanished while deriving the state"),
            })
    }
}

fn mismatch(path: &str) -> Error {
    Error::InvalidEvent {
        kind: "state",
        problem: format!("{path} holds another kind of record"),
    }
}

impl Entities for Working<'_> {
    fn env(&mut self, name: &str) -> Result<&mut EnvState> {
        match self.shard(paths::ENVS.to_owned(), ShardKind::Envs)? {
            Shard::Envs(envs) => Ok(envs
                .entry(name.to_owned())
                .or_insert_with(|| EnvState::new(name))),
            _ => Err(mismatch(paths::ENVS)),
        }
    }

    fn version(&mut self, name: &str) -> Result<&mut VersionState> {
        let path = paths::versions(name);
        match self.shard(path.clone(), ShardKind::Versions)? {
            Shard::Versions(versions) => Ok(versions
                .entry(name.to_owned())
                .or_insert_with(|| VersionState::new(name))),
            _ => Err(mismatch(&path)),
        }
    }

    fn commit(&mut self, commit: ObjectId) -> Result<&mut CommitState> {
        let hex = commit.to_string();
        let path = paths::commits(&hex);
        match self.shard(path.clone(), ShardKind::Commits)? {
            Shard::Commits(commits) => {
                Ok(commits.entry(hex.clone()).or_insert_with(|| CommitState {
                    commit: hex,
                    evidence: Vec::new(),
                }))
            }
            _ => Err(mismatch(&path)),
        }
    }
}

enum Step {
    Continue,
    /// A counted void names an event that may already count: derive again from the root.
    Refold,
}

/// Fold one link into `work` and `summary`. `voided` maps voided commits to the void that
/// names them (every counted void of the chain when deriving from the root).
fn step(
    work: &mut Working<'_>,
    summary: &mut LedgerSummary,
    voided: &HashMap<ObjectId, ObjectId>,
    trust: &dyn Trust,
    link: &Link,
) -> Result<Step> {
    summary.events += 1;
    let event = match &link.event {
        Ok(event) => event,
        Err(malformed) => {
            if !voided.contains_key(&link.sha) {
                summary.damaged.push(Damage {
                    sha: link.sha.to_string(),
                    malformed: malformed.clone(),
                });
            }
            return Ok(Step::Continue);
        }
    };
    if !standing(trust, link.sha, event, voided.get(&link.sha).copied()).counts() {
        return Ok(Step::Continue);
    }
    summary.counted += 1;
    if let EventBody::Void(void) = &event.body {
        let target = event.commit.to_string();
        summary.voids.push(VoidRecord {
            target: target.clone(),
            by: link.sha.to_string(),
            actor: event.actor.clone(),
            time: event.time,
            reason: void.reason.clone(),
        });
        if let Some(index) = summary.damaged.iter().position(|d| d.sha == target) {
            summary.damaged.remove(index);
            return Ok(Step::Continue);
        }
        if voided.contains_key(&event.commit) {
            return Ok(Step::Continue);
        }
        return Ok(Step::Refold);
    }
    apply(work, event)?;
    Ok(Step::Continue)
}

/// Derive the state at `tip` under `trust`, starting from the nearest cached ancestor.
pub(crate) fn derive(
    repo: &gix::Repository,
    cache: Option<Rc<Cache>>,
    trust: &dyn Trust,
    tip: Option<ObjectId>,
) -> Result<State> {
    let Some(tip) = tip else {
        return Ok(State::empty(cache));
    };
    let key = trust.key();
    let lookup = cache.as_ref().map(|c| c.lookup(&key));
    let cached = |id: ObjectId| lookup.as_ref().and_then(|l| l.get(id));
    let read_summary = |tree: ObjectId| -> Option<LedgerSummary> {
        cache
            .as_ref()?
            .read::<LedgerSummary>(tree, paths::SUMMARY)
            .ok()
            .flatten()
    };

    // Walk back to the nearest cached state (or the root).
    let mut links: Vec<Link> = Vec::new();
    let mut next = Some(tip);
    let mut base: Option<(ObjectId, ObjectId, LedgerSummary)> = None;
    while let Some(id) = next {
        if let Some(tree) = cached(id)
            && let Some(summary) = read_summary(tree)
        {
            base = Some((id, tree, summary));
            break;
        }
        let link = read_link(repo, id)?;
        next = link.parent;
        links.push(link);
    }
    links.reverse();
    if links.is_empty()
        && let Some((_, tree, summary)) = base
    {
        return Ok(State {
            tip: Some(tip),
            summary,
            cache,
            base: Some(tree),
            shards: RefCell::new(HashMap::new()),
        });
    }

    let (base_tree, mut summary) = match &base {
        Some((_, tree, summary)) => (Some(*tree), summary.clone()),
        None => (None, LedgerSummary::default()),
    };
    let mut voided: HashMap<ObjectId, ObjectId> = summary
        .voids
        .iter()
        .filter_map(|v| Some((parse(&v.target)?, parse(&v.by)?)))
        .collect();
    let mut work = Working {
        cache: cache.as_deref(),
        base: base_tree,
        changed: BTreeMap::new(),
    };
    let mut refold = false;
    for link in &links {
        if let Step::Refold = step(&mut work, &mut summary, &voided, trust, link)? {
            refold = true;
            break;
        }
    }
    if refold {
        // Every link from the root, and every counted void known up front.
        if let Some((cached_tip, _, _)) = base {
            let mut older = Vec::new();
            let mut next = Some(cached_tip);
            while let Some(id) = next {
                let link = read_link(repo, id)?;
                next = link.parent;
                older.push(link);
            }
            older.reverse();
            older.append(&mut links);
            links = older;
        }
        voided = counted_voids(trust, &links);
        summary = LedgerSummary::default();
        work = Working {
            cache: cache.as_deref(),
            base: None,
            changed: BTreeMap::new(),
        };
        for link in &links {
            // Every counted void is known: no second refold.
            step(&mut work, &mut summary, &voided, trust, link)?;
        }
    }

    let Working {
        base: work_base,
        changed,
        ..
    } = work;
    // Storing a state costs a handful of small files; folding a few events onto the last
    // stored one costs less. Store when the fold was long, or started from nothing.
    let worth_storing = refold || work_base.is_none() || links.len() >= STORE_AFTER_LINKS;
    let stored = cache.as_ref().filter(|_| worth_storing).and_then(|cache| {
        let mut files: Vec<(String, Vec<u8>)> = changed
            .iter()
            .map(|(path, shard)| (path.clone(), shard.to_json()))
            .collect();
        files.push((
            paths::SUMMARY.to_owned(),
            serde_json::to_vec(&summary).unwrap_or_default(),
        ));
        let tree = cache.write(work_base, files).ok()?;
        cache.remember(&key, tip, tree);
        Some(tree)
    });
    let (base, shards) = match stored {
        Some(tree) => (Some(tree), HashMap::new()),
        None => (
            work_base,
            changed
                .into_iter()
                .map(|(path, shard)| (path, Rc::new(shard)))
                .collect(),
        ),
    };
    Ok(State {
        tip: Some(tip),
        summary,
        cache,
        base,
        shards: RefCell::new(shards),
    })
}

/// The targets of every counted void in `links`, with the void naming them.
fn counted_voids(trust: &dyn Trust, links: &[Link]) -> HashMap<ObjectId, ObjectId> {
    links
        .iter()
        .filter_map(|link| {
            let event = link.event.as_ref().ok()?;
            matches!(event.body, EventBody::Void(_)).then_some(())?;
            standing(trust, link.sha, event, None)
                .counts()
                .then_some((event.commit, link.sha))
        })
        .collect()
}

fn parse(hex: &str) -> Option<ObjectId> {
    ObjectId::from_hex(hex.as_bytes()).ok()
}

/// Memoised derivations for one `Ledger`: commands read the state many times.
#[derive(Default)]
pub(crate) struct Memo {
    last: RefCell<Option<(ObjectId, Rc<State>)>>,
}

impl Memo {
    pub fn get(&self, tip: ObjectId) -> Option<Rc<State>> {
        self.last
            .borrow()
            .as_ref()
            .filter(|(t, _)| *t == tip)
            .map(|(_, s)| Rc::clone(s))
    }

    pub fn put(&self, tip: ObjectId, state: Rc<State>) {
        *self.last.borrow_mut() = Some((tip, state));
    }
}
