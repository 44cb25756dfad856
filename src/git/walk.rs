//! The commits of a range `include ^exclude`, exact whatever the commit dates say.
//!
//! gix's `with_hidden` walk streams commits in date order and can emit a commit before
//! the hidden side reaches it when dates are equal or skewed (scripts and rebases make
//! many commits in one second), so `main..feature` could report commits that are on
//! `main`. This is git's own `limit_list`: walk both sides newest first, let the hidden
//! side mark what it reaches (also commits already walked), and only stop once no
//! queued commit could still reach an included one — the queue holds nothing but
//! hidden commits, all older than every included commit, plus a few more steps of slop
//! for clocks that run backwards. The result is decided at the end, never streamed.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

// Object ids are already uniformly distributed: gix's table skips hashing them again.
use gix::hashtable::HashMap;

use gix::ObjectId;

use super::{CommitInfo, Error};

/// Extra commits walked after the stop condition holds, for commits whose dates are
/// older than their children's (clock skew); git uses the same number.
const SLOP: usize = 5;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Queued,
    Walked,
}

struct Node {
    hidden: bool,
    state: State,
    time: i64,
    parents: Vec<ObjectId>,
    /// What the message rules need, kept from the one read of an included commit.
    info: Option<CommitInfo>,
}

#[derive(PartialEq, Eq)]
struct Queued {
    time: i64,
    /// Hidden commits first among equal dates: they settle ties before they matter.
    hidden: bool,
    /// Insertion order, so the walk is deterministic.
    seq: std::cmp::Reverse<u64>,
    id: ObjectId,
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.time, self.hidden, self.seq).cmp(&(other.time, other.hidden, other.seq))
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The commits in `include ^exclude`, newest first, each read from the object database
/// exactly once. In a shallow repository an included commit at the shallow boundary is
/// an error: its missing parents may be in the range.
pub fn range(
    repo: &gix::Repository,
    include: &[ObjectId],
    exclude: &[ObjectId],
) -> Result<Vec<CommitInfo>, Error> {
    let shallow = repo
        .shallow_commits()
        .map_err(|e| Error::read("the shallow file", e))?;
    let is_shallow = |id: &ObjectId| {
        shallow
            .as_ref()
            .is_some_and(|s| s.binary_search(id).is_ok())
    };

    let mut nodes: HashMap<ObjectId, Node> = HashMap::default();
    let mut queue = BinaryHeap::new();
    let mut seq = 0u64;
    let mut queued_included = 0usize;
    // Reads a commit once: its date and parents for the walk, and for an included commit
    // its message too, so the rules never read it again.
    let mut enqueue = |nodes: &mut HashMap<ObjectId, Node>,
                       queue: &mut BinaryHeap<Queued>,
                       id: ObjectId,
                       hidden: bool|
     -> Result<(), Error> {
        let commit = repo
            .find_commit(id)
            .map_err(|e| Error::read(format!("commit {id}"), e))?;
        let decoded = commit
            .decode()
            .map_err(|e| Error::read(format!("commit {id}"), e))?;
        let time = gix::actor::SignatureRef::from_bytes(decoded.committer)
            .ok()
            .and_then(|sig| sig.time().ok())
            .map_or(0, |t| t.seconds);
        let parents: Vec<ObjectId> = decoded.parents().collect();
        let info = (!hidden).then(|| super::commit_info_from(id, &decoded));
        seq += 1;
        queue.push(Queued {
            time,
            hidden,
            seq: std::cmp::Reverse(seq),
            id,
        });
        nodes.insert(
            id,
            Node {
                hidden,
                state: State::Queued,
                time,
                parents,
                info,
            },
        );
        Ok(())
    };

    for (tips, hidden) in [(exclude, true), (include, false)] {
        for &id in tips {
            match nodes.get_mut(&id) {
                Some(node) => node.hidden |= hidden,
                None => {
                    enqueue(&mut nodes, &mut queue, id, hidden)?;
                    if !hidden {
                        queued_included += 1;
                    }
                }
            }
        }
    }

    let mut walked_included: Vec<ObjectId> = Vec::new();
    let mut oldest_included = i64::MAX;
    let mut slop = SLOP;
    while let Some(entry) = queue.pop() {
        let id = entry.id;
        let node = nodes.get_mut(&id).expect("queued commits have a node");
        let hidden = node.hidden;
        // A commit marked hidden while queued was already uncounted by `mark_hidden`.
        if !entry.hidden && !hidden {
            queued_included -= 1;
        }
        node.state = State::Walked;
        let boundary = is_shallow(&id);
        if boundary && !hidden {
            return Err(Error::ShallowBoundary {
                commit: id.to_string(),
            });
        }
        let parents = if boundary {
            node.parents.clear();
            Vec::new()
        } else {
            node.parents.clone()
        };
        if !hidden {
            walked_included.push(id);
            oldest_included = oldest_included.min(node.time);
        }
        for parent in parents {
            match nodes.get(&parent) {
                None => {
                    enqueue(&mut nodes, &mut queue, parent, hidden)?;
                    if !hidden {
                        queued_included += 1;
                    }
                }
                Some(existing) if hidden && !existing.hidden => {
                    mark_hidden(&mut nodes, parent, &mut queued_included);
                }
                Some(_) => {}
            }
        }
        // Stop once only hidden commits are queued and none of them is as new as the
        // oldest included commit: with dates that never increase from child to parent,
        // nothing they reach can be in the range. Then walk SLOP more for skewed clocks.
        let settled =
            queued_included == 0 && queue.peek().is_none_or(|top| top.time < oldest_included);
        if settled {
            if slop == 0 {
                break;
            }
            slop -= 1;
        } else {
            slop = SLOP;
        }
    }
    Ok(walked_included
        .into_iter()
        .filter_map(|id| {
            let node = nodes.get_mut(&id).expect("walked commits have a node");
            if node.hidden { None } else { node.info.take() }
        })
        .collect())
}

/// Marks a commit hidden, and everything already walked below it.
fn mark_hidden(nodes: &mut HashMap<ObjectId, Node>, start: ObjectId, queued_included: &mut usize) {
    let mut stack = vec![start];
    while let Some(id) = stack.pop() {
        let Some(node) = nodes.get_mut(&id) else {
            continue;
        };
        if node.hidden {
            continue;
        }
        node.hidden = true;
        node.info = None;
        if node.state == State::Queued {
            // Still in the queue as included; it now counts as hidden. Its parents are
            // not in the walk yet: they will be queued as hidden when it is walked.
            *queued_included = queued_included.saturating_sub(1);
        } else {
            stack.extend(node.parents.iter().copied());
        }
    }
}
