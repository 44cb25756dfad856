//! The local cache of derived states, so that reading the present does not replay the
//! whole chain on every command.
//!
//! A derived state is stored as a git tree of JSON files (`ledger.json`, `envs.json`,
//! `versions/<shard>.json`, `commits/<shard>.json`: see `state::paths`) in a private object
//! database under the git directory (`.git/reltag/state-cache`), never in the repository's
//! own object database and never under a ref: nothing in it is pushed, fetched or trusted
//! by anyone else. An index maps (trust rules, ledger tip) to the tree of the state derived
//! from that tip. The fold starts from the nearest cached ancestor of the tip it is asked
//! about, so a new event costs one step; a state is stored again every few events (a
//! handful of small objects), and a state derived from scratch is a few dozen files.
//!
//! Everything here can be deleted at any time: the next command derives the state again
//! from the events. The cache starts over by itself when its format changes and after
//! [`COMPACT_AFTER_WRITES`] writes (unreachable trees pile up otherwise).

use std::path::{Path, PathBuf};

use gix::ObjectId;
use serde::{Deserialize, Serialize};

use super::error::{Error, Result};

/// Bump whenever the fold or the layout of a derived state changes: older caches are
/// discarded, never read.
const CACHE_FORMAT: u32 = 1;
/// How many (trust, tip) → state entries the index keeps, newest first.
const MAX_ENTRIES: usize = 16;
/// After this many stored states the cache is discarded and derived again (once).
const COMPACT_AFTER_WRITES: u64 = 5000;
const INDEX_FILE: &str = "reltag-index.json";

/// The private object database and its index.
pub(crate) struct Cache {
    repo: gix::Repository,
    dir: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    format: u32,
    /// States stored since the cache was created.
    writes: u64,
    entries: Vec<IndexEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct IndexEntry {
    trust: String,
    tip: String,
    state: String,
}

/// The cached states of one trust key, for lookups during one fold.
pub(crate) struct Lookup {
    entries: Vec<(ObjectId, ObjectId)>,
}

impl Lookup {
    /// The state tree derived from `tip`, if cached.
    pub fn get(&self, tip: ObjectId) -> Option<ObjectId> {
        self.entries
            .iter()
            .find(|(t, _)| *t == tip)
            .map(|(_, state)| *state)
    }
}

impl Cache {
    /// Open (or create) the cache of `main`. `None` when it cannot be used (e.g. a
    /// read-only git directory): states are then derived in memory on every command.
    pub fn open(main: &gix::Repository) -> Option<Cache> {
        let dir = main.common_dir().join("reltag").join("state-cache");
        let index = read_index(&dir);
        let stale = index
            .as_ref()
            .is_some_and(|i| i.format != CACHE_FORMAT || i.writes >= COMPACT_AFTER_WRITES);
        if stale {
            // Move it aside first so a concurrent reader never sees a half-deleted cache.
            let aside = dir.with_extension(format!("old-{}", std::process::id()));
            if std::fs::rename(&dir, &aside).is_ok() {
                let _ = std::fs::remove_dir_all(&aside);
            }
        }
        let repo = match open_repo(&dir) {
            Some(repo) => repo,
            None => create_repo(&dir)?,
        };
        Some(Cache { repo, dir })
    }

    /// The cached states derived under `trust`.
    pub fn lookup(&self, trust: &str) -> Lookup {
        let entries = read_index(&self.dir)
            .filter(|i| i.format == CACHE_FORMAT)
            .map(|i| i.entries)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.trust == trust)
            .filter_map(|e| Some((parse_id(&e.tip)?, parse_id(&e.state)?)))
            .collect();
        Lookup { entries }
    }

    /// Remember that `state` was derived from `tip` under `trust`. Best effort: a cache
    /// that cannot be written only costs time.
    pub fn remember(&self, trust: &str, tip: ObjectId, state: ObjectId) {
        let mut index = read_index(&self.dir)
            .filter(|i| i.format == CACHE_FORMAT)
            .unwrap_or_default();
        index.format = CACHE_FORMAT;
        index.writes += 1;
        let tip = tip.to_string();
        index
            .entries
            .retain(|e| !(e.trust == trust && e.tip == tip));
        index.entries.insert(
            0,
            IndexEntry {
                trust: trust.to_owned(),
                tip,
                state: state.to_string(),
            },
        );
        index.entries.truncate(MAX_ENTRIES);
        let Ok(json) = serde_json::to_vec(&index) else {
            return;
        };
        // Write-then-rename: readers see the old index or the new one, never half of one.
        let tmp = self
            .dir
            .join(format!("{INDEX_FILE}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, json).is_ok()
            && std::fs::rename(&tmp, self.dir.join(INDEX_FILE)).is_err()
        {
            let _ = std::fs::remove_file(&tmp);
        }
    }

    /// Read one JSON file of a cached state; `None` if the state has no such file.
    pub fn read<T: serde::de::DeserializeOwned>(
        &self,
        tree: ObjectId,
        path: &str,
    ) -> Result<Option<T>> {
        let damaged = |problem: String| Error::Cache {
            dir: self.dir.clone(),
            problem,
        };
        let tree = self
            .repo
            .find_tree(tree)
            .map_err(|e| damaged(format!("state {tree}: {e}")))?;
        let entry = tree
            .lookup_entry_by_path(path)
            .map_err(|e| damaged(format!("{path}: {e}")))?;
        let Some(entry) = entry else {
            return Ok(None);
        };
        let object = entry
            .object()
            .map_err(|e| damaged(format!("{path}: {e}")))?;
        serde_json::from_slice(&object.data)
            .map(Some)
            .map_err(|e| damaged(format!("{path}: {e}")))
    }

    /// Write `files` (path → JSON) over the state tree `base` (`None`: empty) and return
    /// the new tree.
    pub fn write(
        &self,
        base: Option<ObjectId>,
        files: impl IntoIterator<Item = (String, Vec<u8>)>,
    ) -> Result<ObjectId> {
        let damaged = |problem: String| Error::Cache {
            dir: self.dir.clone(),
            problem,
        };
        let base = base.unwrap_or_else(|| ObjectId::empty_tree(self.repo.object_hash()));
        let mut editor = self
            .repo
            .edit_tree(base)
            .map_err(|e| damaged(format!("edit state {base}: {e}")))?;
        for (path, json) in files {
            let blob = self
                .repo
                .write_blob(json)
                .map_err(|e| damaged(format!("write {path}: {e}")))?;
            editor
                .upsert(&path, gix::objs::tree::EntryKind::Blob, blob.detach())
                .map_err(|e| damaged(format!("write {path}: {e}")))?;
        }
        Ok(editor
            .write()
            .map_err(|e| damaged(format!("write a state tree: {e}")))?
            .detach())
    }
}

fn parse_id(hex: &str) -> Option<ObjectId> {
    ObjectId::from_hex(hex.as_bytes()).ok()
}

fn read_index(dir: &Path) -> Option<Index> {
    let bytes = std::fs::read(dir.join(INDEX_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn open_repo(dir: &Path) -> Option<gix::Repository> {
    if !dir.join("HEAD").is_file() {
        return None;
    }
    gix::open_opts(dir, gix::open::Options::isolated()).ok()
}

/// Create the private object database: in a temporary directory renamed into place, so
/// that two processes creating it at once both end up with one valid cache.
fn create_repo(dir: &Path) -> Option<gix::Repository> {
    let parent = dir.parent()?;
    std::fs::create_dir_all(parent).ok()?;
    let tmp = dir.with_extension(format!("new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let created = gix::create::into(
        &tmp,
        gix::create::Kind::Bare,
        gix::create::Options::default(),
    )
    .is_ok();
    if created && std::fs::rename(&tmp, dir).is_err() {
        // Someone else was faster; use theirs.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    let _ = std::fs::remove_dir_all(&tmp);
    open_repo(dir)
}
