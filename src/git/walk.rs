//! The commits of a walk `include ^exclude`, exact whatever the commit dates say, each
//! read from the object database once and handed on as soon as it is decided.
//!
//! gix's `with_hidden` walk streams commits in date order and can emit a commit before
//! the hidden side reaches it when dates are equal or skewed (scripts and rebases make
//! many commits in one second), so `main..feature` could report commits that are on
//! `main`. This walk is exact, in one of two orders:
//!
//! - **By generation**, when the repository has a commit-graph file (`git gc`, `git
//!   maintenance` and `fetch.writeCommitGraph` write one). A commit's generation number
//!   is greater than each of its parents', so taking the highest generation first
//!   reaches a commit only after every commit that could hide it. Each commit is decided
//!   when it leaves the queue: an included one is read and handed on at once, a hidden
//!   one is never read (the file gives its parents), and the walk stops as soon as no
//!   included commit is queued. Memory holds the queue only, however long the range.
//!   Commits made since the file was written get their numbers from their parents.
//! - **By date**, without a commit-graph: git's own `limit_list`. Walk both sides newest
//!   first, let the hidden side mark what it reaches (also commits already walked), and
//!   only stop once no queued commit could still reach an included one — the queue
//!   holds nothing but hidden commits, all older than every included commit, plus a few
//!   more steps of slop for clocks that run backwards. Nothing is decided before the
//!   end, so the walk keeps each commit's id, flags and parent links, and the messages
//!   of included commits, packed, up to [`MESSAGE_BUDGET`] bytes (beyond it they are read
//!   again at the end). With nothing hidden, each commit is handed on when it is walked.
//!
//! A walker that makes many walks against the same hidden tips (a push of many new
//! branches, each compared with every remote-tracking ref) can keep what each walk
//! learnt of the hidden side for the next ([`Walker::keep_hidden_side`]): the hidden
//! side is then walked once, as deep as the deepest range needs, not once per range.

use std::borrow::Cow;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::collections::{HashMap as StdHashMap, HashSet as StdHashSet};

use gix::ObjectId;
use gix::commitgraph::{Graph, Position};
use gix::hashtable::HashMap;
use gix::hashtable::hash_table::HashTable;

use super::read::Reader;
use super::{CommitInfo, Error};

/// Extra commits walked after the stop condition holds, for commits whose dates are
/// older than their children's (clock skew); git uses the same number.
const SLOP: usize = 5;

/// The generation numbers git writes top out here (a history deeper than a billion
/// commits); past it a commit may share its parent's number and the order proves
/// nothing.
const GENERATION_CAP: u64 = 0x3FFF_FFFF;

/// How many bytes of messages a walk by date keeps while it decides (the messages of
/// 200,000 typical commits take about 20 MB); past it, messages are read a second time.
pub const MESSAGE_BUDGET: usize = 48 << 20;

/// Walks commit ranges in one repository. Opening it reads the commit-graph file (if
/// any) and the shallow file once, for every walk it then makes.
pub struct Walker<'repo> {
    repo: &'repo gix::Repository,
    graph: Option<Graph>,
    shallow: Option<gix::shallow::Commits>,
    /// Generation numbers of commits the commit-graph does not hold (made since it was
    /// written), worked out from their parents once and kept for later walks.
    loose: Loose,
    /// Whether walks leave what they learnt of their hidden side in `hidden_side`.
    keep_hidden_side: bool,
    hidden_side: Option<HiddenSide>,
    /// Numbers each `Tips`, so a kept hidden side is only used for the same tips.
    tips_made: u64,
    reader: Reader,
}

/// Commits to start walks from, read once: a pre-push hook compares every new branch
/// with the same remote-tracking tips. Only for walks of the [`Walker`] that read them.
#[derive(Debug, Clone, Default)]
pub struct Tips {
    serial: u64,
    /// Newest first: by generation with a commit-graph, else by date.
    tips: Vec<Tip>,
    /// With a commit-graph, where the walk finds each: a tip reached from an included
    /// commit before its turn in the queue is hidden all the same.
    keys: StdHashSet<Key>,
}

impl Tips {
    pub fn is_empty(&self) -> bool {
        self.tips.is_empty()
    }
}

#[derive(Debug, Clone)]
struct Tip {
    id: ObjectId,
    /// With a commit-graph.
    key: Option<Key>,
    /// 0 without a commit-graph.
    generation: u64,
    time: i64,
    parents: Vec<ObjectId>,
}

/// Where a walk hands its commits.
///
/// A walk by date with a hidden side decides nothing before its end. A visitor that can
/// work on a commit before it is decided (judge it on another thread, say) takes each
/// included commit when the walk reads it ([`Visit::hold`]), and learns at the end which
/// of them are in the range, in the walk's order ([`Visit::release`]); the others turned
/// out hidden. Otherwise the walk keeps their messages itself until it decides.
pub trait Visit {
    /// A commit in the range, decided: its id, and its message when the walk reads
    /// messages.
    fn commit(&mut self, id: ObjectId, info: Option<CommitInfo>) -> Result<(), Error>;

    /// Whether [`Visit::hold`] takes the commits the walk cannot decide yet; if not (the
    /// default), the walk keeps them itself.
    fn holds(&self) -> bool {
        false
    }

    /// Takes an included commit the walk cannot decide yet (asked only when
    /// [`Visit::holds`]), and returns a ticket below 2^31 for [`Visit::release`].
    fn hold(&mut self, info: CommitInfo) -> u32 {
        let _ = info;
        0
    }

    /// The held commit of `ticket` is in the range. Called in the walk's order, once per
    /// held commit at most. [`Released::Again`] asks for the commit again: the walk reads
    /// it once more and hands it to [`Visit::commit`] in its place.
    fn release(&mut self, id: ObjectId, ticket: u32) -> Result<Released, Error> {
        let _ = (id, ticket);
        Ok(Released::Done)
    }
}

/// What a visitor needs of a held commit the walk releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Released {
    /// Nothing more: the visitor kept what it needed.
    Done,
    /// The commit again, through [`Visit::commit`]: the visitor kept nothing of it.
    Again,
}

impl<F: FnMut(ObjectId, Option<CommitInfo>) -> Result<(), Error>> Visit for F {
    fn commit(&mut self, id: ObjectId, info: Option<CommitInfo>) -> Result<(), Error> {
        self(id, info)
    }
}

type Emit<'a> = dyn Visit + 'a;

/// A node's `message` that is a [`Visit::hold`] ticket rather than an index into the
/// kept messages.
const HELD: u32 = 1 << 31;

/// The hidden side one walk left for the next with the same hidden tips.
struct HiddenSide {
    serial: u64,
    state: SideState,
}

enum SideState {
    Generation(GenState),
    Date(DateState),
}

impl<'repo> Walker<'repo> {
    pub fn new(repo: &'repo gix::Repository) -> Result<Self, Error> {
        Self::with_reader(repo, Reader::default())
    }

    /// A walker that reads through `reader`, which may hold commits read already (those
    /// of `HEAD~10000`, say).
    pub(super) fn with_reader(repo: &'repo gix::Repository, reader: Reader) -> Result<Self, Error> {
        let shallow = repo
            .shallow_commits()
            .map_err(|e| Error::read("the shallow file", e))?;
        // git does not use the commit-graph in a shallow clone either: it describes
        // parents that are not there.
        let graph = match shallow {
            Some(_) => None,
            None => repo
                .commit_graph_if_enabled()
                .map_err(|e| Error::read("the commit-graph file", e))?,
        };
        Ok(Walker {
            repo,
            graph,
            shallow,
            loose: Loose::default(),
            keep_hidden_side: false,
            hidden_side: None,
            tips_made: 0,
            reader,
        })
    }

    /// Keeps what each walk learns of its hidden side (which commits the hidden tips
    /// reach, where their walk stopped) for the next walk with the same [`Tips`], which
    /// goes on from there instead of walking it again. Memory grows with the hidden
    /// commits walked, as deep as the deepest range so far.
    pub fn keep_hidden_side(&mut self) {
        self.keep_hidden_side = true;
    }

    /// Whether walks can go by generation (a usable commit-graph file) rather than by
    /// date.
    pub fn by_generation(&self) -> bool {
        self.graph.is_some()
    }

    /// Reads the commits `ids` once, to hide in several walks.
    pub fn tips(&mut self, ids: &[ObjectId]) -> Result<Tips, Error> {
        let mut tips = Vec::with_capacity(ids.len());
        for &id in ids {
            tips.push(self.tip(id)?);
        }
        tips.sort_by(|a, b| {
            (b.generation, b.time)
                .cmp(&(a.generation, a.time))
                .then(a.id.cmp(&b.id))
        });
        tips.dedup_by(|a, b| a.id == b.id);
        self.tips_made += 1;
        Ok(Tips {
            serial: self.tips_made,
            keys: tips.iter().filter_map(|t| t.key).collect(),
            tips,
        })
    }

    /// The commits in `include ^exclude`, newest first, each handed to `visit` with its
    /// message as soon as it is decided; returns how many. In a shallow repository an
    /// included commit at the shallow boundary is an error: its missing parents may be in
    /// the range.
    pub fn range(
        &mut self,
        include: &[ObjectId],
        exclude: &Tips,
        mut visit: impl FnMut(CommitInfo),
    ) -> Result<usize, Error> {
        let mut count = 0;
        self.walk(
            include,
            exclude,
            true,
            &mut |_, info: Option<CommitInfo>| {
                debug_assert!(info.is_some(), "a walk for messages reads each one");
                if let Some(info) = info {
                    visit(info);
                    count += 1;
                }
                Ok(())
            },
        )?;
        Ok(count)
    }

    /// The commits in `include ^exclude`, newest first, handed to `visit` with their
    /// messages; a visitor that holds commits (see [`Visit`]) gets them as they are read.
    pub fn visit(
        &mut self,
        include: &[ObjectId],
        exclude: &Tips,
        visit: &mut dyn Visit,
    ) -> Result<(), Error> {
        self.walk(include, exclude, true, visit)
    }

    /// The ids in `include ^exclude`, newest first, without reading any message.
    pub fn ids(&mut self, include: &[ObjectId], exclude: &Tips) -> Result<Vec<ObjectId>, Error> {
        let mut ids = Vec::new();
        self.walk(include, exclude, false, &mut |id, _| {
            ids.push(id);
            Ok(())
        })?;
        Ok(ids)
    }

    fn walk(
        &mut self,
        include: &[ObjectId],
        exclude: &Tips,
        messages: bool,
        emit: &mut Emit<'_>,
    ) -> Result<(), Error> {
        let kept = self
            .hidden_side
            .take()
            .filter(|side| side.serial == exclude.serial);
        // The included tips are read when the walk queues them; by generation, it needs
        // where they are and their numbers first.
        let mut include_keys = Vec::new();
        if self.graph.is_some() {
            for &id in include {
                include_keys.push(self.key(id)?);
            }
        }
        // A file written by a git older than generation numbers (2.18) holds zeros.
        let numbered = include_keys
            .iter()
            .all(|&(_, generation, _)| generation > 0)
            && exclude.tips.iter().all(|t| t.generation > 0);
        if self.graph.is_some() && numbered {
            let mut state = match kept {
                Some(HiddenSide {
                    state: SideState::Generation(state),
                    ..
                }) => state,
                _ => GenState::default(),
            };
            ByGeneration::new(self, &mut state, messages).run(&include_keys, exclude, emit)?;
            if self.keep_hidden_side {
                self.hidden_side = Some(HiddenSide {
                    serial: exclude.serial,
                    state: SideState::Generation(state),
                });
            }
            return Ok(());
        }
        // Walked by date, the hidden tips go newest first by date alone: without a
        // commit-graph they are in that order already.
        let exclude = match self.graph {
            Some(_) => {
                let mut tips = exclude.clone();
                tips.tips
                    .sort_by(|a, b| b.time.cmp(&a.time).then(a.id.cmp(&b.id)));
                Cow::Owned(tips)
            }
            None => Cow::Borrowed(exclude),
        };
        let mut state = match kept {
            Some(HiddenSide {
                state: SideState::Date(state),
                ..
            }) => state,
            _ => DateState::default(),
        };
        ByDate::new(self, &mut state, messages, exclude.is_empty()).run(include, &exclude, emit)?;
        if self.keep_hidden_side {
            self.hidden_side = Some(HiddenSide {
                serial: exclude.serial,
                state: SideState::Date(state),
            });
        }
        Ok(())
    }

    fn tip(&mut self, id: ObjectId) -> Result<Tip, Error> {
        if self.graph.is_none() {
            let mut parents = Vec::new();
            let time = read_header(self.repo, &mut self.reader, id, |p| parents.push(p))?;
            return Ok(Tip {
                id,
                key: None,
                generation: 0,
                time,
                parents,
            });
        }
        let (key, generation, time) = self.key(id)?;
        let graph = self.graph.as_ref().expect("checked above");
        let parents = match key {
            Key::Graph(pos) => {
                let mut parents = Vec::new();
                for parent in graph.commit_at(pos).iter_parents() {
                    let parent = parent.map_err(|e| Error::read("the commit-graph file", e))?;
                    parents.push(graph.id_at(parent).to_owned());
                }
                parents
            }
            Key::Loose(index) => self.loose.commits[index as usize]
                .parents
                .iter()
                .map(|&parent| match parent {
                    Key::Graph(pos) => graph.id_at(pos).to_owned(),
                    Key::Loose(i) => self.loose.commits[i as usize].id,
                })
                .collect(),
        };
        Ok(Tip {
            id,
            key: Some(key),
            generation,
            time,
            parents,
        })
    }

    fn is_shallow(&self, id: &ObjectId) -> bool {
        self.shallow
            .as_ref()
            .is_some_and(|s| s.binary_search(id).is_ok())
    }

    /// With a commit-graph: where the walk finds `id`, its generation and its time. A
    /// commit the file does not hold gets 1 + its parents' highest generation.
    fn key(&mut self, id: ObjectId) -> Result<(Key, u64, i64), Error> {
        let graph = self
            .graph
            .as_ref()
            .expect("only walks by generation use keys");
        if let Some(pos) = graph.lookup(id) {
            let commit = graph.commit_at(pos);
            return Ok((
                Key::Graph(pos),
                u64::from(commit.generation()),
                commit.committer_timestamp() as i64,
            ));
        }
        let index = self.loose_index(id)?;
        let commit = &self.loose.commits[index as usize];
        Ok((Key::Loose(index), commit.generation, commit.time))
    }

    /// Numbers `id` and every commit below it that the commit-graph lacks, depth first
    /// without recursion (a stale file may leave thousands of them).
    fn loose_index(&mut self, id: ObjectId) -> Result<u32, Error> {
        struct Pending {
            id: ObjectId,
            time: i64,
            parents: Vec<ObjectId>,
        }
        let read = |walker: &mut Self, id: ObjectId| -> Result<Pending, Error> {
            let mut parents = Vec::new();
            let time = read_header(walker.repo, &mut walker.reader, id, |p| parents.push(p))?;
            Ok(Pending { id, time, parents })
        };
        if let Some(&index) = self.loose.index.get(&id) {
            return Ok(index);
        }
        let mut stack = vec![read(self, id)?];
        while let Some(top) = stack.last() {
            let graph = self
                .graph
                .as_ref()
                .expect("only walks by generation use keys");
            let mut keys = Vec::with_capacity(top.parents.len());
            let mut generation = 1;
            let mut unnumbered = None;
            for parent in &top.parents {
                if let Some(pos) = graph.lookup(parent) {
                    generation = generation.max(u64::from(graph.commit_at(pos).generation()) + 1);
                    keys.push(Key::Graph(pos));
                } else if let Some(&index) = self.loose.index.get(parent) {
                    generation = generation.max(self.loose.commits[index as usize].generation + 1);
                    keys.push(Key::Loose(index));
                } else {
                    unnumbered = Some(*parent);
                    break;
                }
            }
            if let Some(parent) = unnumbered {
                let pending = read(self, parent)?;
                stack.push(pending);
                continue;
            }
            let done = stack.pop().expect("the loop looked at it");
            let index = self.loose.commits.len() as u32;
            self.loose.commits.push(LooseCommit {
                id: done.id,
                generation,
                time: done.time,
                parents: keys,
            });
            self.loose.index.insert(done.id, index);
        }
        Ok(self.loose.index[&id])
    }
}

/// Reads a commit's header: calls `parent` for each parent, returns the committer time
/// (0 when it cannot be parsed, as git does).
fn read_header(
    repo: &gix::Repository,
    reader: &mut Reader,
    id: ObjectId,
    mut parent: impl FnMut(ObjectId),
) -> Result<i64, Error> {
    use gix::objs::commit::ref_iter::Token;
    let read = |e| Error::read(format!("commit {id}"), e);
    let bytes = reader.commit(repo, id)?;
    for token in gix::objs::CommitRefIter::from_bytes(bytes, repo.object_hash()) {
        match token.map_err(read)? {
            Token::Parent { id } => parent(id),
            Token::Committer { signature } => return Ok(signature.seconds()),
            _ => {}
        }
    }
    Err(Error::read(
        format!("commit {id}"),
        std::io::Error::new(std::io::ErrorKind::InvalidData, "it has no committer"),
    ))
}

/// Reads a whole commit: what the message rules need, its committer time, and each
/// parent through `parent`.
fn read_commit(
    repo: &gix::Repository,
    reader: &mut Reader,
    id: ObjectId,
    mut parent: impl FnMut(ObjectId),
) -> Result<(CommitInfo, i64), Error> {
    let bytes = reader.commit(repo, id)?;
    let commit = gix::objs::CommitRef::from_bytes(bytes, repo.object_hash())
        .map_err(|e| Error::read(format!("commit {id}"), e))?;
    commit.parents().for_each(&mut parent);
    let time = gix::actor::SignatureRef::from_bytes(commit.committer)
        .map_or(0, |signature| signature.seconds());
    Ok((super::commit_info_from(id, &commit), time))
}

// --- by generation --------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Graph(Position),
    Loose(u32),
}

#[derive(Default)]
struct Loose {
    commits: Vec<LooseCommit>,
    index: HashMap<ObjectId, u32>,
}

struct LooseCommit {
    id: ObjectId,
    generation: u64,
    time: i64,
    parents: Vec<Key>,
}

#[derive(PartialEq, Eq)]
struct GenQueued {
    generation: u64,
    time: i64,
    /// Insertion order, so the walk is deterministic.
    seq: Reverse<u64>,
    key: Key,
}

impl Ord for GenQueued {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.generation, self.time, self.seq).cmp(&(other.generation, other.time, other.seq))
    }
}

impl PartialOrd for GenQueued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What a walk by generation keeps between walks with the same hidden tips.
#[derive(Default)]
struct GenState {
    queue: BinaryHeap<GenQueued>,
    /// Each queued commit once, with whether it is hidden. A commit leaves the queue for
    /// good within a walk: its parents all have lower numbers, so nothing taken later
    /// reaches it. Between walks, only hidden commits stay queued.
    queued: StdHashMap<Key, bool>,
    /// Hidden commits taken from the queue by earlier walks (kept only when the walker
    /// keeps its hidden side): a later walk may reach them again from above.
    walked_hidden: StdHashSet<Key>,
    /// How many hidden tips have joined the queue.
    next_tip: usize,
    seq: u64,
}

struct ByGeneration<'w, 'repo, 's> {
    walker: &'w mut Walker<'repo>,
    state: &'s mut GenState,
    messages: bool,
    queued_included: usize,
    parents: Vec<(Key, u64, i64)>,
}

impl<'w, 'repo, 's> ByGeneration<'w, 'repo, 's> {
    fn new(walker: &'w mut Walker<'repo>, state: &'s mut GenState, messages: bool) -> Self {
        ByGeneration {
            walker,
            state,
            messages,
            queued_included: 0,
            parents: Vec::new(),
        }
    }

    fn run(
        &mut self,
        include: &[(Key, u64, i64)],
        exclude: &Tips,
        emit: &mut Emit<'_>,
    ) -> Result<(), Error> {
        for &(key, generation, time) in include {
            self.reach(key, generation, time, exclude.keys.contains(&key));
        }
        while self.queued_included > 0 {
            // Hidden tips join the queue only when the walk gets down to them, so many
            // remote-tracking refs cost nothing until they matter. A tip goes before a
            // queued commit of the same rank: if that commit is the tip itself, it is
            // hidden before it is decided.
            if let Some(tip) = exclude.tips.get(self.state.next_tip).filter(|tip| {
                self.state
                    .queue
                    .peek()
                    .is_none_or(|top| (tip.generation, tip.time) >= (top.generation, top.time))
            }) {
                self.state.next_tip += 1;
                let (key, generation, time) = self.walker.key(tip.id)?;
                self.reach(key, generation, time, true);
                continue;
            }
            let entry = self
                .state
                .queue
                .pop()
                .expect("an included commit is queued");
            let hidden = self
                .state
                .queued
                .remove(&entry.key)
                .expect("queued commits are in the map");
            if hidden {
                if self.walker.keep_hidden_side {
                    self.state.walked_hidden.insert(entry.key);
                }
            } else {
                self.queued_included -= 1;
            }
            let id = self.queue_parents(entry.key, entry.generation, hidden, &exclude.keys)?;
            if !hidden {
                let info = if self.messages {
                    let walker = &mut *self.walker;
                    Some(read_commit(walker.repo, &mut walker.reader, id, |_| {})?.0)
                } else {
                    None
                };
                emit.commit(id, info)?;
            }
        }
        Ok(())
    }

    /// Queues a commit reached by the hidden side or not, or hides it if it is queued.
    fn reach(&mut self, key: Key, generation: u64, time: i64, hidden: bool) {
        let state = &mut *self.state;
        match state.queued.get_mut(&key) {
            Some(queued_hidden) => {
                if hidden && !*queued_hidden {
                    *queued_hidden = true;
                    self.queued_included -= 1;
                }
            }
            // Hidden, and everything below it queued or walked as hidden.
            None if state.walked_hidden.contains(&key) => {}
            None => {
                state.queued.insert(key, hidden);
                state.seq += 1;
                state.queue.push(GenQueued {
                    generation,
                    time,
                    seq: Reverse(state.seq),
                    key,
                });
                if !hidden {
                    self.queued_included += 1;
                }
            }
        }
    }

    /// Queues the parents of a commit taken from the queue; returns its id.
    fn queue_parents(
        &mut self,
        key: Key,
        generation: u64,
        hidden: bool,
        hidden_tips: &StdHashSet<Key>,
    ) -> Result<ObjectId, Error> {
        let mut parents = std::mem::take(&mut self.parents);
        parents.clear();
        let walker = &*self.walker;
        let graph = walker.graph.as_ref().expect("a walk by generation");
        let rank = |key: Key| match key {
            Key::Graph(pos) => {
                let commit = graph.commit_at(pos);
                (
                    u64::from(commit.generation()),
                    commit.committer_timestamp() as i64,
                )
            }
            Key::Loose(index) => {
                let commit = &walker.loose.commits[index as usize];
                (commit.generation, commit.time)
            }
        };
        let id = match key {
            Key::Graph(pos) => {
                for parent in graph.commit_at(pos).iter_parents() {
                    let parent = parent.map_err(|e| Error::read("the commit-graph file", e))?;
                    let (generation, time) = rank(Key::Graph(parent));
                    parents.push((Key::Graph(parent), generation, time));
                }
                graph.id_at(pos).to_owned()
            }
            Key::Loose(index) => {
                let commit = &walker.loose.commits[index as usize];
                for &parent in &commit.parents {
                    let (generation, time) = rank(parent);
                    parents.push((parent, generation, time));
                }
                commit.id
            }
        };
        for &(parent, parent_generation, time) in &parents {
            // The order proves nothing if a parent does not rank below its child.
            if parent_generation >= generation || generation >= GENERATION_CAP {
                return Err(Error::CommitGraph {
                    commit: id.to_string(),
                });
            }
            let hidden = hidden || hidden_tips.contains(&parent);
            self.reach(parent, parent_generation, time, hidden);
        }
        self.parents = parents;
        Ok(id)
    }
}

// --- by date --------------------------------------------------------------------------

const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// A parent of a queued commit, not read yet.
    Seen,
    Queued,
    Walked,
}

/// What the walk by date keeps of a commit until it decides (its id is in `Nodes::ids`).
struct Node {
    hidden: bool,
    state: State,
    first_parent: u32,
    /// Where the other parents of a merge are in `Nodes::more_parents` (a count, then
    /// the indices), or `NONE`.
    more_parents: u32,
    /// The message of an included commit, in `Messages::kept`, or `NONE`.
    message: u32,
}

#[derive(PartialEq, Eq)]
struct DateQueued {
    time: i64,
    /// Hidden commits first among equal dates: they settle ties before they matter.
    hidden: bool,
    /// Insertion order, so the walk is deterministic.
    seq: Reverse<u64>,
    node: u32,
}

impl Ord for DateQueued {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.time, self.hidden, self.seq).cmp(&(other.time, other.hidden, other.seq))
    }
}

impl PartialOrd for DateQueued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Every commit the walk by date has met, found by id.
#[derive(Default)]
struct Nodes {
    nodes: Chunked<Node>,
    /// The nodes' ids, in node order: apart from the nodes because gix's `ObjectId` has
    /// room for a SHA-256 id and a tag (33 bytes), which made a node 48 bytes where the
    /// two together are 36 for a SHA-1 repository.
    ids: Ids,
    /// Indices into `nodes`: the ids are not stored twice.
    index: HashTable<u32>,
    /// For merges: a count, then the indices of the second and later parents.
    more_parents: Vec<u32>,
}

/// A list that grows a chunk at a time: a walk of 200,000 commits never holds the old
/// and the new copy of a doubled `Vec` at once (a third of its peak heap).
struct Chunked<T> {
    chunks: Vec<Vec<T>>,
}

impl<T> Chunked<T> {
    /// Items per chunk: a power of two, so indexing is a shift and a mask.
    const BITS: u32 = 14;

    fn len(&self) -> usize {
        match self.chunks.last() {
            None => 0,
            Some(last) => ((self.chunks.len() - 1) << Self::BITS) + last.len(),
        }
    }

    fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < 1 << Self::BITS => last.push(item),
            _ => {
                let mut chunk = Vec::with_capacity(1 << Self::BITS);
                chunk.push(item);
                self.chunks.push(chunk);
            }
        }
    }
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: Vec::new() }
    }
}

impl<T> std::ops::Index<usize> for Chunked<T> {
    type Output = T;
    fn index(&self, at: usize) -> &T {
        &self.chunks[at >> Self::BITS][at & ((1 << Self::BITS) - 1)]
    }
}

impl<T> std::ops::IndexMut<usize> for Chunked<T> {
    fn index_mut(&mut self, at: usize) -> &mut T {
        &mut self.chunks[at >> Self::BITS][at & ((1 << Self::BITS) - 1)]
    }
}

/// Object ids of one width (the repository's hash), packed a chunk at a time.
#[derive(Default)]
struct Ids {
    width: usize,
    chunks: Vec<Vec<u8>>,
}

impl Ids {
    const PER_CHUNK: usize = 1 << 14;

    fn push(&mut self, id: &gix::oid) {
        let bytes = id.as_bytes();
        if self.width == 0 {
            self.width = bytes.len();
        }
        debug_assert_eq!(bytes.len(), self.width, "one hash kind per repository");
        match self.chunks.last_mut() {
            Some(last) if last.len() < Self::PER_CHUNK * self.width => {
                last.extend_from_slice(bytes)
            }
            _ => {
                let mut chunk = Vec::with_capacity(Self::PER_CHUNK * self.width);
                chunk.extend_from_slice(bytes);
                self.chunks.push(chunk);
            }
        }
    }

    fn get(&self, at: u32) -> &gix::oid {
        let at = at as usize;
        let start = (at % Self::PER_CHUNK) * self.width;
        let bytes = &self.chunks[at / Self::PER_CHUNK][start..start + self.width];
        gix::oid::try_from_bytes(bytes).expect("a whole id was pushed")
    }
}

fn id_hash(id: &gix::oid) -> u64 {
    // Object ids are already uniformly distributed.
    let mut prefix = [0u8; 8];
    prefix.copy_from_slice(&id.as_bytes()[..8]);
    u64::from_ne_bytes(prefix)
}

impl Nodes {
    /// The id of `node`.
    fn id(&self, node: u32) -> ObjectId {
        self.ids.get(node).to_owned()
    }

    /// The node of `id`, made (not yet read) if the walk has not met it.
    fn get_or_insert(&mut self, id: ObjectId) -> u32 {
        let hash = id_hash(&id);
        let ids = &self.ids;
        if let Some(&found) = self.index.find(hash, |&n| ids.get(n) == id) {
            return found;
        }
        let node = self.nodes.len() as u32;
        self.ids.push(&id);
        self.nodes.push(Node {
            hidden: false,
            state: State::Seen,
            first_parent: NONE,
            more_parents: NONE,
            message: NONE,
        });
        let ids = &self.ids;
        self.index
            .insert_unique(hash, node, |&n| id_hash(ids.get(n)));
        node
    }

    /// The `i`th parent of `node`, if it has that many.
    fn parent(&self, node: u32, i: usize) -> Option<u32> {
        let n = &self.nodes[node as usize];
        if i == 0 {
            return (n.first_parent != NONE).then_some(n.first_parent);
        }
        if n.more_parents == NONE {
            return None;
        }
        let at = n.more_parents as usize;
        let count = self.more_parents[at] as usize;
        (i <= count).then(|| self.more_parents[at + i])
    }
}

/// The messages of included commits while the walk by date decides, packed in chunks
/// (no allocation per commit, no slack from doubling).
#[derive(Default)]
struct Messages {
    chunks: Vec<Vec<u8>>,
    kept: Vec<Kept>,
    /// The rare `encoding` headers, by index into `kept`.
    encodings: StdHashMap<u32, String>,
    bytes: usize,
}

struct Kept {
    chunk: u32,
    start: u32,
    len: u32,
    parent_count: u32,
    /// The author's `name\0email`, packed right after the message; `NONE` when unknown.
    author_len: u32,
}

const CHUNK: usize = 256 << 10;

impl Messages {
    /// Keeps a message if the budget allows; returns where, or `NONE`.
    fn keep(&mut self, info: &CommitInfo) -> u32 {
        let author: Option<Vec<u8>> = info.author.as_ref().map(|a| {
            let mut packed = Vec::with_capacity(a.name.len() + 1 + a.email.len());
            packed.extend_from_slice(a.name.as_bytes());
            packed.push(0);
            packed.extend_from_slice(a.email.as_bytes());
            packed
        });
        let author_bytes = author.as_ref().map_or(0, Vec::len);
        let len = info.message.len() + author_bytes;
        if self.bytes + len > MESSAGE_BUDGET || self.kept.len() >= NONE as usize {
            return NONE;
        }
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= len);
        if !fits {
            self.chunks.push(Vec::with_capacity(CHUNK.max(len)));
        }
        let chunk = self.chunks.last_mut().expect("just made sure");
        let start = chunk.len();
        chunk.extend_from_slice(&info.message);
        if let Some(author) = &author {
            chunk.extend_from_slice(author);
        }
        self.bytes += len;
        let index = self.kept.len() as u32;
        self.kept.push(Kept {
            chunk: (self.chunks.len() - 1) as u32,
            start: start as u32,
            len: info.message.len() as u32,
            parent_count: info.parent_count as u32,
            author_len: if author.is_some() {
                author_bytes as u32
            } else {
                NONE
            },
        });
        if let Some(encoding) = &info.encoding {
            self.encodings.insert(index, encoding.clone());
        }
        index
    }

    fn get(&self, id: ObjectId, index: u32) -> CommitInfo {
        let kept = &self.kept[index as usize];
        let chunk = &self.chunks[kept.chunk as usize];
        let start = kept.start as usize;
        let end = start + kept.len as usize;
        let author = (kept.author_len != NONE).then(|| {
            let packed = &chunk[end..end + kept.author_len as usize];
            let split = packed.iter().position(|&b| b == 0).unwrap_or(packed.len());
            super::Author {
                name: String::from_utf8_lossy(&packed[..split]).into_owned(),
                email: String::from_utf8_lossy(packed.get(split + 1..).unwrap_or_default())
                    .into_owned(),
            }
        });
        CommitInfo {
            id,
            parent_count: kept.parent_count as usize,
            message: chunk[start..end].to_vec(),
            encoding: self.encodings.get(&index).cloned(),
            author,
        }
    }
}

/// What a walk by date keeps between walks with the same hidden tips: every node (the
/// hidden ones keep their marks) and the hidden commits still queued.
#[derive(Default)]
struct DateState {
    nodes: Nodes,
    queue: BinaryHeap<DateQueued>,
    /// The `Tips` whose commits are marked hidden already (their serial, 0 for none).
    marked_tips: u64,
    /// How many hidden tips have joined the queue.
    next_tip: usize,
    seq: u64,
}

impl DateState {
    /// Forgets what one walk learnt of its included side: the next walk has other
    /// included commits, and must read these again if it meets them.
    fn forget_included(&mut self, included: &[u32]) {
        for &node in included {
            let n = &mut self.nodes.nodes[node as usize];
            if !n.hidden {
                n.state = State::Seen;
                n.first_parent = NONE;
                n.more_parents = NONE;
                n.message = NONE;
            }
        }
        let nodes = &self.nodes.nodes;
        self.queue.retain(|entry| nodes[entry.node as usize].hidden);
    }
}

struct ByDate<'w, 'repo, 's> {
    walker: &'w mut Walker<'repo>,
    state: &'s mut DateState,
    messages: bool,
    /// Nothing is hidden: every commit is decided when it is walked.
    streaming: bool,
    queued_included: usize,
    /// Every commit this walk queued as included.
    included: Vec<u32>,
    /// The second and later parents of the merge being read.
    scratch: Vec<u32>,
    /// Streaming: included commits read and queued, until they are walked.
    pending: StdHashMap<u32, CommitInfo>,
    /// Otherwise: their messages until the end.
    kept: Messages,
}

impl<'w, 'repo, 's> ByDate<'w, 'repo, 's> {
    fn new(
        walker: &'w mut Walker<'repo>,
        state: &'s mut DateState,
        messages: bool,
        streaming: bool,
    ) -> Self {
        ByDate {
            walker,
            state,
            messages,
            streaming,
            queued_included: 0,
            included: Vec::new(),
            scratch: Vec::new(),
            pending: StdHashMap::new(),
            kept: Messages::default(),
        }
    }

    fn run(
        &mut self,
        include: &[ObjectId],
        exclude: &Tips,
        emit: &mut Emit<'_>,
    ) -> Result<(), Error> {
        // Every hidden tip is hidden from the start, as git marks them: one reached from an
        // included commit before its turn in the queue is hidden all the same.
        if self.state.marked_tips != exclude.serial {
            for tip in &exclude.tips {
                let node = self.state.nodes.get_or_insert(tip.id);
                self.mark_hidden(node);
            }
            self.state.marked_tips = exclude.serial;
        }
        for &id in include {
            let node = self.state.nodes.get_or_insert(id);
            if self.state.nodes.nodes[node as usize].state == State::Seen {
                self.enqueue(node, false, None, emit)?;
            }
        }
        let mut walked_included: Vec<u32> = Vec::new();
        let mut oldest_included = i64::MAX;
        let mut slop = SLOP;
        loop {
            // Hidden tips join the queue when the walk gets down to their date (first
            // among equal dates), so many remote-tracking refs cost nothing until then.
            if let Some(tip) = exclude.tips.get(self.state.next_tip).filter(|tip| {
                self.state
                    .queue
                    .peek()
                    .is_none_or(|top| tip.time >= top.time)
            }) {
                self.state.next_tip += 1;
                let node = self.state.nodes.get_or_insert(tip.id);
                match self.state.nodes.nodes[node as usize].state {
                    State::Seen => self.enqueue(node, true, Some(tip), emit)?,
                    _ => self.mark_hidden(node),
                }
                continue;
            }
            let Some(entry) = self.state.queue.pop() else {
                break;
            };
            let node = entry.node;
            let n = &mut self.state.nodes.nodes[node as usize];
            let hidden = n.hidden;
            n.state = State::Walked;
            let id = self.state.nodes.id(node);
            // A commit hidden while queued was already uncounted by `mark_hidden`.
            if !entry.hidden && !hidden {
                self.queued_included -= 1;
            }
            if self.walker.is_shallow(&id) {
                if !hidden {
                    return Err(Error::ShallowBoundary {
                        commit: id.to_string(),
                    });
                }
                let n = &mut self.state.nodes.nodes[node as usize];
                n.first_parent = NONE;
                n.more_parents = NONE;
            }
            if !hidden {
                oldest_included = oldest_included.min(entry.time);
                if self.streaming {
                    emit.commit(id, self.pending.remove(&node))?;
                } else {
                    walked_included.push(node);
                }
            }
            let mut i = 0;
            while let Some(parent) = self.state.nodes.parent(node, i) {
                i += 1;
                let p = &self.state.nodes.nodes[parent as usize];
                if p.state == State::Seen {
                    let hide = hidden || p.hidden;
                    self.enqueue(parent, hide, None, emit)?;
                } else if hidden && !p.hidden {
                    self.mark_hidden(parent);
                }
            }
            // Stop once only hidden commits are queued and none of them is as new as the
            // oldest included commit: with dates that never increase from child to
            // parent, nothing they reach can be in the range. Then walk SLOP more for
            // skewed clocks.
            let newest_queued = match (
                self.state.queue.peek(),
                exclude.tips.get(self.state.next_tip),
            ) {
                (Some(top), Some(tip)) => Some(top.time.max(tip.time)),
                (Some(top), None) => Some(top.time),
                (None, Some(tip)) => Some(tip.time),
                (None, None) => None,
            };
            let settled =
                self.queued_included == 0 && newest_queued.is_none_or(|t| t < oldest_included);
            if settled {
                if slop == 0 {
                    break;
                }
                slop -= 1;
            } else {
                slop = SLOP;
            }
        }
        for node in walked_included {
            let n = &self.state.nodes.nodes[node as usize];
            if n.hidden {
                continue;
            }
            let id = self.state.nodes.id(node);
            let info = match (self.messages, n.message) {
                (false, _) => None,
                (true, NONE) => {
                    let walker = &mut *self.walker;
                    Some(read_commit(walker.repo, &mut walker.reader, id, |_| {})?.0)
                }
                (true, held) if held & HELD != 0 => match emit.release(id, held & !HELD)? {
                    Released::Done => continue,
                    Released::Again => {
                        let walker = &mut *self.walker;
                        Some(read_commit(walker.repo, &mut walker.reader, id, |_| {})?.0)
                    }
                },
                (true, kept) => Some(self.kept.get(id, kept)),
            };
            emit.commit(id, info)?;
        }
        if self.walker.keep_hidden_side {
            self.state.forget_included(&self.included);
        }
        Ok(())
    }

    /// Reads a commit (an included one whole, once) and queues it.
    fn enqueue(
        &mut self,
        node: u32,
        hidden: bool,
        tip: Option<&Tip>,
        emit: &mut Emit<'_>,
    ) -> Result<(), Error> {
        let nodes = &mut self.state.nodes;
        let id = nodes.id(node);
        let hidden = hidden || nodes.nodes[node as usize].hidden;
        let scratch = &mut self.scratch;
        scratch.clear();
        let mut first = NONE;
        let mut link = |parent: ObjectId| {
            let parent = nodes.get_or_insert(parent);
            if first == NONE {
                first = parent;
            } else {
                scratch.push(parent);
            }
        };
        let walker = &mut *self.walker;
        let mut message = NONE;
        let time = match tip {
            Some(tip) if hidden || !self.messages => {
                tip.parents.iter().for_each(|&p| link(p));
                tip.time
            }
            _ if hidden || !self.messages => {
                read_header(walker.repo, &mut walker.reader, id, link)?
            }
            _ => {
                let (info, time) = read_commit(walker.repo, &mut walker.reader, id, link)?;
                if self.streaming {
                    self.pending.insert(node, info);
                } else {
                    message = match emit.holds() {
                        false => self.kept.keep(&info),
                        true => match emit.hold(info) {
                            ticket if ticket < HELD => ticket | HELD,
                            _ => {
                                return Err(Error::read(
                                    "the range",
                                    std::io::Error::other("more than 2^31 commits held"),
                                ));
                            }
                        },
                    };
                }
                time
            }
        };
        let nodes = &mut self.state.nodes;
        let more = if self.scratch.is_empty() {
            NONE
        } else {
            let at = nodes.more_parents.len() as u32;
            nodes.more_parents.push(self.scratch.len() as u32);
            nodes.more_parents.extend_from_slice(&self.scratch);
            at
        };
        let n = &mut nodes.nodes[node as usize];
        n.first_parent = first;
        n.more_parents = more;
        n.hidden = hidden;
        n.state = State::Queued;
        n.message = message;
        self.state.seq += 1;
        self.state.queue.push(DateQueued {
            time,
            hidden,
            seq: Reverse(self.state.seq),
            node,
        });
        if !hidden {
            self.queued_included += 1;
            if self.walker.keep_hidden_side {
                self.included.push(node);
            }
        }
        Ok(())
    }

    /// Marks a commit hidden, and everything already walked below it.
    fn mark_hidden(&mut self, start: u32) {
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            let n = &mut self.state.nodes.nodes[node as usize];
            if n.hidden {
                continue;
            }
            n.hidden = true;
            match n.state {
                // Not read yet: it will be queued as hidden.
                State::Seen => {}
                // Still in the queue as included; it now counts as hidden. Its parents
                // will be queued as hidden when it is walked.
                State::Queued => {
                    self.queued_included = self.queued_included.saturating_sub(1);
                    self.pending.remove(&node);
                }
                State::Walked => {
                    let mut i = 0;
                    while let Some(parent) = self.state.nodes.parent(node, i) {
                        stack.push(parent);
                        i += 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Chunked, Ids};

    #[test]
    fn a_chunked_list_is_a_list_across_its_chunks() {
        let mut list = Chunked::default();
        let n = (3 << Chunked::<u32>::BITS) + 5;
        for i in 0..n {
            assert_eq!(list.len(), i as usize);
            list.push(i);
        }
        assert_eq!(list.chunks.len(), 4);
        assert!((0..n).all(|i| list[i as usize] == i));
        list[n as usize - 1] = 7;
        assert_eq!(list[n as usize - 1], 7);
    }

    #[test]
    fn packed_ids_read_back_across_chunks_for_either_hash() {
        for kind in [gix::hash::Kind::Sha1, gix::hash::Kind::Sha256] {
            let width = kind.len_in_bytes();
            let id = |i: usize| {
                let mut bytes = vec![0u8; width];
                bytes[..8].copy_from_slice(&(i as u64).to_le_bytes());
                bytes[width - 1] = 0xa5;
                gix::ObjectId::from_bytes_or_panic(&bytes)
            };
            let mut ids = Ids::default();
            let n = 2 * Ids::PER_CHUNK + 3;
            for i in 0..n {
                ids.push(&id(i));
            }
            assert_eq!(ids.chunks.len(), 3);
            assert!((0..n).all(|i| ids.get(i as u32) == id(i)), "{kind:?}");
        }
    }
}
