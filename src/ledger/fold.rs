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

/// One environment's, version's or commit's record, as the fold keeps it.
#[derive(Debug, Clone)]
pub(crate) enum Entity {
    Env(EnvState),
    Version(VersionState),
    Commit(CommitState),
}

impl Entity {
    fn to_json(&self) -> Vec<u8> {
        let value = match self {
            Entity::Env(e) => serde_json::to_vec(e),
            Entity::Version(v) => serde_json::to_vec(v),
            Entity::Commit(c) => serde_json::to_vec(c),
        };
        // Serialising our own plain structs cannot fail (no maps with non-string keys).
        value.unwrap_or_default()
    }
}

/// The state derived from a ledger tip: what `reltag` reads as the present.
pub struct State {
    tip: Option<ObjectId>,
    summary: LedgerSummary,
    cache: Option<Rc<Cache>>,
    /// The cached state tree the entities are read from (`None`: nothing cached).
    base: Option<ObjectId>,
    /// Entities derived since `base` (all of them when nothing could be cached).
    changed: BTreeMap<String, Entity>,
}

impl State {
    fn empty(cache: Option<Rc<Cache>>) -> State {
        State {
            tip: None,
            summary: LedgerSummary::default(),
            cache,
            base: None,
            changed: BTreeMap::new(),
        }
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
        self.entity(&paths::env(env), |e| match e {
            Entity::Env(e) => Some(e.clone()),
            _ => None,
        })
    }

    /// Everything recorded about a version; `None` if nothing was.
    pub fn version(&self, version: &str) -> Result<Option<VersionState>> {
        validate_name("version", version)?;
        self.entity(&paths::version(version), |e| match e {
            Entity::Version(v) => Some(v.clone()),
            _ => None,
        })
    }

    /// Evidence recorded for a source commit (with or without a version).
    pub fn commit_evidence(&self, commit: ObjectId) -> Result<Vec<EvidenceRecord>> {
        let state: Option<CommitState> =
            self.entity(&paths::commit(&commit.to_string()), |e| match e {
                Entity::Commit(c) => Some(c.clone()),
                _ => None,
            })?;
        Ok(state.map(|c| c.evidence).unwrap_or_default())
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

    fn entity<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        pick: impl Fn(&Entity) -> Option<T>,
    ) -> Result<Option<T>> {
        if let Some(entity) = self.changed.get(path) {
            return Ok(pick(entity));
        }
        match (&self.cache, self.base) {
            (Some(cache), Some(base)) => cache.read(base, path),
            _ => Ok(None),
        }
    }
}

/// The entities one fold works on: loaded from the cached base on first use, kept in
/// memory after.
struct Working<'a> {
    cache: Option<&'a Cache>,
    base: Option<ObjectId>,
    changed: BTreeMap<String, Entity>,
}

impl Working<'_> {
    fn slot<T: serde::de::DeserializeOwned>(
        &mut self,
        path: String,
        fresh: impl FnOnce() -> T,
        wrap: impl FnOnce(T) -> Entity,
    ) -> Result<&mut Entity> {
        if !self.changed.contains_key(&path) {
            let loaded = match (self.cache, self.base) {
                (Some(cache), Some(base)) => cache.read::<T>(base, &path)?,
                _ => None,
            };
            self.changed
                .insert(path.clone(), wrap(loaded.unwrap_or_else(fresh)));
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
        let path = paths::env(name);
        match self.slot(path.clone(), || EnvState::new(name), Entity::Env)? {
            Entity::Env(env) => Ok(env),
            _ => Err(mismatch(&path)),
        }
    }

    fn version(&mut self, name: &str) -> Result<&mut VersionState> {
        let path = paths::version(name);
        match self.slot(path.clone(), || VersionState::new(name), Entity::Version)? {
            Entity::Version(version) => Ok(version),
            _ => Err(mismatch(&path)),
        }
    }

    fn commit(&mut self, commit: ObjectId) -> Result<&mut CommitState> {
        let hex = commit.to_string();
        let path = paths::commit(&hex);
        let fresh = || CommitState {
            commit: hex.clone(),
            evidence: Vec::new(),
        };
        match self.slot(path.clone(), fresh, Entity::Commit)? {
            Entity::Commit(state) => Ok(state),
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
            changed: BTreeMap::new(),
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
    let stored = cache.as_ref().and_then(|cache| {
        let mut files: Vec<(String, Vec<u8>)> = changed
            .iter()
            .map(|(path, entity)| (path.clone(), entity.to_json()))
            .collect();
        files.push((
            paths::SUMMARY.to_owned(),
            serde_json::to_vec(&summary).unwrap_or_default(),
        ));
        let tree = cache.write(work_base, files).ok()?;
        cache.remember(&key, tip, tree);
        Some(tree)
    });
    Ok(match stored {
        Some(tree) => State {
            tip: Some(tip),
            summary,
            cache,
            base: Some(tree),
            changed: BTreeMap::new(),
        },
        None => State {
            tip: Some(tip),
            summary,
            cache,
            base: work_base,
            changed,
        },
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
