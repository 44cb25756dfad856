//! Where the walk and the ancestry steps read commits: straight from the pack files when a
//! pack holds the commit whole, through gix otherwise.
//!
//! A long walk spends most of its time finding each commit in a pack index and inflating
//! it. The pack entry's header gives the commit's exact size, and libdeflate inflates a
//! whole small object in one call about twice as fast as zlib's streaming inflate (the
//! 10,000 commits of `bench/`: 20 against 38 ms). Anything else — a delta, a loose
//! commit, a commit in an alternate's pack, a repository with replace refs, a damaged
//! entry, the first few reads of a short walk — is read by gix, which also reports every
//! error: the fast path either returns exactly the object's bytes or steps aside.

use std::path::Path;

use gix::ObjectId;
use gix::odb::pack;
use gix::prelude::FindExt;

use super::Error;

/// Reads before the pack files are opened: a hook's walk of a few commits does not pay
/// for mapping every index.
const READS_BEFORE_PACKS: u32 = 32;

/// A commit larger than this is left to gix (and its allocation limits).
const LARGEST_WHOLE: usize = 1 << 20;

/// How many bytes of commits the ancestry steps keep for the walk that follows: the
/// commits of `HEAD~10000` (about 3 MB), not a whole history.
const KEPT_BUDGET: usize = 4 << 20;

/// Reads the commits of one walk and of the revision steps before it; a walker owns
/// one (`Walker::with_reader`), `Repo` hands its own to the walk after resolving.
#[derive(Default)]
pub struct Reader {
    packs: Packs,
    /// The commit read last.
    buf: Vec<u8>,
    /// Commits the ancestry steps read (`HEAD~10000..HEAD` resolves `HEAD~10000` by
    /// reading the very commits the walk reads next), each taken out when the walk reads
    /// it.
    kept: gix::hashtable::HashMap<ObjectId, Vec<u8>>,
    kept_bytes: usize,
}

enum Packs {
    /// Not mapped yet; how many commits were read so far.
    Unopened(u32),
    Open(Open),
    /// Replace refs are in effect: git and gix read the replacement, so must this.
    Off,
}

impl Default for Packs {
    fn default() -> Self {
        Packs::Unopened(0)
    }
}

struct Open {
    packs: Vec<Pack>,
    /// The pack the last commit was found in, tried first: a walk reads neighbours.
    last: usize,
    inflater: libdeflater::Decompressor,
}

struct Pack {
    index: pack::index::File,
    data: pack::data::File,
}

impl Reader {
    /// The bytes of the commit `id`.
    pub fn commit(&mut self, repo: &gix::Repository, id: ObjectId) -> Result<&[u8], Error> {
        if !self.kept.is_empty()
            && let Some(kept) = self.kept.remove(&id)
        {
            self.kept_bytes -= kept.len();
            self.buf = kept;
            return Ok(&self.buf);
        }
        if from_pack(&mut self.packs, repo, &id, &mut self.buf) {
            return Ok(&self.buf);
        }
        let data = repo
            .objects
            .find(&id, &mut self.buf)
            .map_err(|e| Error::read(format!("commit {id}"), e))?;
        if data.kind != gix::object::Kind::Commit {
            return Err(Error::read(
                format!("commit {id}"),
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("the object is a {}, not a commit", data.kind),
                ),
            ));
        }
        Ok(data.data)
    }

    /// Keeps the commit read last, `id`, for the next read of it (within a budget).
    pub fn keep_last(&mut self, id: ObjectId) {
        if self.kept_bytes + self.buf.len() > KEPT_BUDGET {
            return;
        }
        self.kept_bytes += self.buf.len();
        if let Some(replaced) = self.kept.insert(id, std::mem::take(&mut self.buf)) {
            self.kept_bytes -= replaced.len();
        }
    }
}

/// Reads `id` from a pack that holds it whole; `false` to read it through gix.
fn from_pack(packs: &mut Packs, repo: &gix::Repository, id: &gix::oid, buf: &mut Vec<u8>) -> bool {
    let open = match packs {
        Packs::Open(open) => open,
        Packs::Off => return false,
        Packs::Unopened(reads) if *reads < READS_BEFORE_PACKS => {
            *reads += 1;
            return false;
        }
        Packs::Unopened(_) => {
            *packs = open_packs(repo);
            let Packs::Open(open) = packs else {
                return false;
            };
            open
        }
    };
    let count = open.packs.len();
    for i in 0..count {
        let at = (open.last + i) % count;
        let pack = &open.packs[at];
        if let Some(entry) = pack.index.lookup(id) {
            open.last = at;
            return inflate_whole(pack, entry, &mut open.inflater, buf);
        }
    }
    false
}

/// Maps every pack of the repository's own object directory; a pack that cannot be
/// opened is left to gix.
fn open_packs(repo: &gix::Repository) -> Packs {
    let store = repo.objects.store_ref();
    if store.replacements().next().is_some() {
        return Packs::Off;
    }
    let hash = repo.object_hash();
    let mut packs = Vec::new();
    if let Ok(entries) = std::fs::read_dir(store.path().join("pack")) {
        for path in entries.flatten().map(|entry| entry.path()) {
            if path.extension().is_some_and(|ext| ext == "idx")
                && let Some(pack) = open_pack(&path, hash)
            {
                packs.push(pack);
            }
        }
    }
    Packs::Open(Open {
        packs,
        last: 0,
        inflater: libdeflater::Decompressor::new(),
    })
}

fn open_pack(index: &Path, hash: gix::hash::Kind) -> Option<Pack> {
    let index = pack::index::File::at(index, hash).ok()?;
    let data = pack::data::File::at(index.path().with_extension("pack"), hash).ok()?;
    (index.num_objects() == data.num_objects()).then_some(Pack { index, data })
}

/// Inflates the pack entry `entry` into `buf` if it is a commit stored whole.
fn inflate_whole(
    pack: &Pack,
    entry: pack::index::EntryIndex,
    inflater: &mut libdeflater::Decompressor,
    buf: &mut Vec<u8>,
) -> bool {
    let Ok(header) = pack.data.entry(pack.index.pack_offset_at_index(entry)) else {
        return false;
    };
    if !matches!(header.header, pack::data::entry::Header::Commit) {
        return false;
    }
    let Some(size) = usize::try_from(header.decompressed_size)
        .ok()
        .filter(|&size| size <= LARGEST_WHOLE)
    else {
        return false;
    };
    // The pack does not say where the compressed stream ends; a stream git writes for
    // an object this small is never much longer than the object. A longer one fails to
    // inflate here and goes to gix.
    let end = header
        .data_offset
        .saturating_add((size + size / 8 + 64) as u64)
        .min(pack.data.pack_end() as u64);
    let Some(input) = pack.data.entry_slice(header.data_offset..end) else {
        return false;
    };
    buf.clear();
    buf.resize(size, 0);
    matches!(inflater.zlib_decompress(input, buf), Ok(n) if n == size)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use gix::ObjectId;
    use gix::prelude::FindExt;

    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = crate::git::command::run_git(dir, args).unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Each object's delta base, by id (all zeros for an object stored whole).
    fn delta_bases(dir: &Path) -> HashMap<String, String> {
        let all = [
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname) %(deltabase)",
        ];
        git(dir, &all)
            .lines()
            .filter_map(|line| line.split_once(' '))
            .map(|(id, base)| (id.to_string(), base.to_string()))
            .collect()
    }

    /// A chain of commits on an empty tree; `message(i)` is the i-th one's message.
    fn commits(dir: &Path, n: usize, message: impl Fn(usize) -> String) -> Vec<ObjectId> {
        let tree = git(dir, &["hash-object", "-w", "-t", "tree", "/dev/null"]);
        let mut ids: Vec<ObjectId> = Vec::new();
        for i in 0..n {
            let parent = ids.last().map(ToString::to_string);
            let message = message(i);
            let mut args = vec!["-c", "user.name=A", "-c", "user.email=a@example.com"];
            args.extend([
                "commit-tree",
                "--no-gpg-sign",
                tree.as_str(),
                "-m",
                &message,
            ]);
            if let Some(parent) = &parent {
                args.extend(["-p", parent]);
            }
            ids.push(git(dir, &args).parse().unwrap());
        }
        ids
    }

    /// Every commit as the packs give it, or `None` where the fast path steps aside;
    /// each checked against gix's reading.
    fn read_from_packs(dir: &Path, ids: &[ObjectId]) -> Vec<Option<ObjectId>> {
        let repo = gix::open(dir).unwrap();
        let mut packs = Packs::Unopened(READS_BEFORE_PACKS);
        let mut buf = Vec::new();
        let mut theirs = Vec::new();
        ids.iter()
            .map(|&id| {
                if !from_pack(&mut packs, &repo, &id, &mut buf) {
                    return None;
                }
                let data = repo.objects.find(&id, &mut theirs).unwrap();
                assert_eq!(data.kind, gix::object::Kind::Commit);
                assert_eq!(buf, data.data, "the bytes gix reads for {id}");
                Some(id)
            })
            .collect()
    }

    #[test]
    fn a_packed_commit_is_read_whole_and_anything_else_is_left_to_gix() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        // Messages from a few bytes to 11 KB, of random letters: no two alike enough for
        // git to store one as a delta of another, and every size of deflate stream.
        let noise = |i: usize| -> String {
            let mut x = i as u64 + 1;
            (0..i * i * 7)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    char::from(b'!' + (x >> 58) as u8)
                })
                .collect()
        };
        let whole = commits(dir, 40, |i| format!("{i}\n\n{}\n", noise(i)));
        git(
            dir,
            &["update-ref", "refs/heads/main", &whole[39].to_string()],
        );
        git(dir, &["repack", "-adq"]);
        // Long messages alike: git stores all but one as deltas of another.
        let long = "lorem ipsum dolor sit amet ".repeat(80);
        let deltas = commits(dir, 10, |i| format!("delta {i}\n\n{long}\n"));
        git(
            dir,
            &["update-ref", "refs/heads/long", &deltas[9].to_string()],
        );
        git(dir, &["repack", "-adq", "--window=50", "--depth=50"]);
        let loose = commits(dir, 3, |i| format!("loose {i}\n"));

        // Read whole exactly when git stored them whole.
        let packed: Vec<ObjectId> = whole.into_iter().chain(deltas).collect();
        let bases = delta_bases(dir);
        let expected: Vec<Option<ObjectId>> = packed
            .iter()
            .map(|&id| {
                let base = &bases[&id.to_string()];
                base.bytes().all(|b| b == b'0').then_some(id)
            })
            .collect();
        let stored_whole = expected.iter().flatten().count();
        assert!((30..=45).contains(&stored_whole), "{bases:?}");
        assert_eq!(read_from_packs(dir, &packed), expected);
        assert_eq!(read_from_packs(dir, &loose), vec![None; 3]);
        let tree: ObjectId = git(dir, &["rev-parse", "main^{tree}"]).parse().unwrap();
        assert_eq!(read_from_packs(dir, &[tree]), vec![None], "not a commit");
    }

    #[test]
    fn the_reader_gives_what_gix_gives_and_what_it_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        let ids = commits(dir, 50, |i| format!("commit {i}\n"));
        git(
            dir,
            &["update-ref", "refs/heads/main", &ids[49].to_string()],
        );
        git(dir, &["repack", "-adq"]);
        let repo = gix::open(dir).unwrap();
        let mut reader = Reader::default();
        let mut theirs = Vec::new();
        for round in 0..2 {
            for &id in &ids {
                let ours = reader.commit(&repo, id).unwrap().to_vec();
                assert_eq!(ours, repo.objects.find(&id, &mut theirs).unwrap().data);
                if round == 0 {
                    reader.keep_last(id);
                }
            }
            assert!(matches!(reader.packs, Packs::Open(_)), "round {round}");
        }
        assert!(
            reader.kept.is_empty(),
            "each kept commit is taken when read"
        );
        assert_eq!(reader.kept_bytes, 0);
        let tree: ObjectId = git(dir, &["rev-parse", "main^{tree}"]).parse().unwrap();
        let err = reader.commit(&repo, tree).unwrap_err();
        assert_eq!(err.to_string(), format!("cannot read commit {tree}"));
        let source = std::error::Error::source(&err).unwrap().to_string();
        assert_eq!(source, "the object is a tree, not a commit");
    }
}
