//! The one way a file from outside enters reltag: the policy file, the reports the
//! release criteria read, and the artifacts `promote` binds to a version.
//!
//! [`open`] is the choke point. It
//! - refuses anything that is not a regular file — a FIFO, a device, a socket, a
//!   directory — without ever blocking on it: the path is checked before it is opened,
//!   the file is opened non-blocking, and the open descriptor is checked again (`fstat`),
//!   so a FIFO is never waited on and a swap between check and open is caught;
//! - for a file reltag finds by itself ([`Origin::WorkTree`]: `policy.toml` at the root,
//!   the reports the policy names) refuses a path that leads outside the working tree —
//!   through a symlink, `..` or an absolute path — or into a `.git` directory, where
//!   credentials live (`actions/checkout` keeps its token in `.git/config`). A path given
//!   on the command line ([`Origin::CommandLine`]) may be anywhere: the person running
//!   reltag chose it;
//! - caps what is read at a [`Limit`]: a file larger than the limit is refused on its
//!   size, and again while it is read (a file under `/proc` says it has 0 bytes);
//! - digests every byte it reads with sha256, so a report is parsed and hashed in one
//!   streaming pass ([`Input::finish`]), and an artifact is hashed without being held.
//!
//! Errors name the file and the reason, never its content. Text from a file that an
//! error must quote goes through [`redact`].

pub mod redact;
mod size;

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest as _, Sha256};

pub use size::ByteSize;

/// How a path reached reltag, which decides where it may lead.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// Found by reltag itself (the policy file at the root, a report the policy names):
    /// relative to `root`, the working tree, and it must stay inside it.
    WorkTree { root: &'a Path },
    /// Given on the command line: relative to `cwd`, and it may be anywhere.
    CommandLine { cwd: &'a Path },
}

/// The most a file may hold, and what sets that limit (for the message that names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub size: ByteSize,
    pub set_by: &'static str,
}

impl Limit {
    /// A policy file is read whole (TOML has no streaming parser) and cannot set its own
    /// limit, so the limit is fixed: a hundred times the commented reference policy.
    pub const POLICY: Limit = Limit {
        size: ByteSize::new(1 << 20),
        set_by: "the fixed limit for a policy file",
    };

    /// Reports and artifacts: `[release] max_file_size`.
    pub fn files(max_file_size: ByteSize) -> Limit {
        Limit {
            size: max_file_size,
            set_by: "the limit set by [release] max_file_size",
        }
    }
}

/// A file that could not be opened or read, named as it was given.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct InputError {
    pub path: String,
    #[source]
    pub problem: Problem,
}

/// Why a file was refused. The text never quotes the file's content.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("it does not exist")]
    NotFound,
    #[error("it is {0}, not a regular file; reltag reads only regular files")]
    NotRegular(&'static str),
    #[error(
        "it leads outside the working tree (through a symlink, `..` or an absolute path); a file reltag finds by itself must be inside it: give the path on the command line to read one elsewhere"
    )]
    OutsideWorkTree,
    #[error(
        "it is inside a .git directory, which holds credentials and hooks: reltag does not read it"
    )]
    InGitDir,
    #[error("it is larger than {}, {}", .0.size, .0.set_by)]
    TooLarge(Limit),
    #[error("{0}")]
    Io(#[source] io::Error),
}

impl Problem {
    fn from_io(error: io::Error) -> Problem {
        match error.kind() {
            io::ErrorKind::NotFound => Problem::NotFound,
            _ => Problem::Io(error),
        }
    }

    /// The problem as an I/O error, for readers that speak `io::Error` (the parsers).
    fn into_io(self) -> io::Error {
        match self {
            Problem::Io(error) => error,
            other => io::Error::other(other),
        }
    }
}

/// The sha256 and size of everything a file held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// Lowercase hex, as the ledger records it.
    pub sha256: String,
    pub bytes: u64,
}

/// Opens a file from outside under the rules above. Nothing is read yet.
pub fn open(path: &Path, origin: Origin<'_>, limit: Limit) -> Result<Input, InputError> {
    let display = path.display().to_string();
    let refuse = |problem| InputError {
        path: display.clone(),
        problem,
    };
    let full = match origin {
        Origin::CommandLine { cwd } => cwd.join(path),
        Origin::WorkTree { root } => inside_work_tree(root, path).map_err(refuse)?,
    };
    // Check the path first, so a device is never even opened (opening some has effects).
    let metadata = std::fs::metadata(&full).map_err(|e| refuse(Problem::from_io(e)))?;
    regular(&metadata).map_err(refuse)?;
    let file = open_nonblocking(&full, matches!(origin, Origin::WorkTree { .. }))
        .map_err(|e| refuse(Problem::from_io(e)))?;
    // …and the open file, in case the path changed in between.
    let metadata = file.metadata().map_err(|e| refuse(Problem::Io(e)))?;
    regular(&metadata).map_err(refuse)?;
    if metadata.len() > limit.size.bytes() {
        return Err(refuse(Problem::TooLarge(limit)));
    }
    Ok(Input {
        file,
        path: display,
        limit,
        buffer: vec![0; BUFFER].into_boxed_slice(),
        start: 0,
        end: 0,
        total: 0,
        hasher: Sha256::new(),
        state: State::Reading,
    })
}

/// The sha256 of a whole file, read in bounded memory (artifacts).
pub fn digest(path: &Path, origin: Origin<'_>, limit: Limit) -> Result<Digest, InputError> {
    open(path, origin, limit)?.finish()
}

/// How much is read from the file at a time.
const BUFFER: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Reading,
    Eof,
    /// The file grew past the limit while it was read: every later read fails too.
    TooLarge,
}

/// An open file from outside: a [`BufRead`] that stops at the limit and digests every
/// byte it reads.
pub struct Input {
    file: File,
    path: String,
    limit: Limit,
    buffer: Box<[u8]>,
    start: usize,
    end: usize,
    total: u64,
    hasher: Sha256,
    state: State,
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Input")
            .field("path", &self.path)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl Input {
    /// The path as it was given, for messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Reads the rest of the file (so the digest covers every byte) and returns the
    /// digest of all of it.
    pub fn finish(mut self) -> Result<Digest, InputError> {
        loop {
            self.start = self.end;
            match self.fill_buf() {
                Ok([]) => break,
                Ok(_) => {}
                Err(error) => return Err(self.error(error)),
            }
        }
        let digest = self.hasher.finalize();
        Ok(Digest {
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
            bytes: self.total,
        })
    }

    /// The whole file in memory (the policy file, which is small and capped).
    pub fn into_bytes(mut self) -> Result<Vec<u8>, InputError> {
        let mut bytes = Vec::new();
        match self.read_to_end(&mut bytes) {
            Ok(_) => Ok(bytes),
            Err(error) => Err(self.error(error)),
        }
    }

    /// An I/O error met while reading, as the [`InputError`] it stands for.
    fn error(&self, error: io::Error) -> InputError {
        let problem = if self.state == State::TooLarge {
            Problem::TooLarge(self.limit)
        } else {
            Problem::Io(error)
        };
        InputError {
            path: self.path.clone(),
            problem,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        let read = loop {
            match self.file.read(&mut self.buffer) {
                Ok(read) => break read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if read == 0 {
            self.state = State::Eof;
            return Ok(());
        }
        self.total += read as u64;
        if self.total > self.limit.size.bytes() {
            self.state = State::TooLarge;
            return Err(Problem::TooLarge(self.limit).into_io());
        }
        self.hasher.update(&self.buffer[..read]);
        self.start = 0;
        self.end = read;
        Ok(())
    }
}

impl BufRead for Input {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start == self.end {
            match self.state {
                State::Reading => self.refill()?,
                State::Eof => {}
                State::TooLarge => return Err(Problem::TooLarge(self.limit).into_io()),
            }
        }
        Ok(&self.buffer[self.start..self.end])
    }

    fn consume(&mut self, amount: usize) {
        self.start = (self.start + amount).min(self.end);
    }
}

impl Read for Input {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_from_buffer(self, out)
    }
}

/// `Read::read` for a reader whose [`BufRead`] side does the work (the limit, the
/// digest, a parser's bounds): copy what `fill_buf` offers, then `consume` it.
pub(crate) fn read_from_buffer(reader: &mut impl BufRead, out: &mut [u8]) -> io::Result<usize> {
    let available = reader.fill_buf()?;
    let n = available.len().min(out.len());
    out[..n].copy_from_slice(&available[..n]);
    reader.consume(n);
    Ok(n)
}

/// `root/path`, resolved, when it stays inside `root` and outside any `.git` directory.
fn inside_work_tree(root: &Path, path: &Path) -> Result<PathBuf, Problem> {
    let root = root.canonicalize().map_err(Problem::Io)?;
    let resolved = root.join(path).canonicalize().map_err(Problem::from_io)?;
    let Ok(inside) = resolved.strip_prefix(&root) else {
        return Err(Problem::OutsideWorkTree);
    };
    let in_git_dir = inside.components().any(|c| match c {
        Component::Normal(name) => name.eq_ignore_ascii_case(".git"),
        _ => false,
    });
    if in_git_dir {
        return Err(Problem::InGitDir);
    }
    Ok(resolved)
}

fn regular(metadata: &std::fs::Metadata) -> Result<(), Problem> {
    let kind = metadata.file_type();
    if kind.is_file() {
        return Ok(());
    }
    Err(Problem::NotRegular(describe(&kind)))
}

#[cfg(unix)]
fn describe(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn describe(kind: &std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// Opens for reading without waiting for a FIFO's writer and without taking a terminal
/// as the controlling one; `no_follow` refuses a final symlink (a resolved path has none,
/// unless one was put there after it was resolved).
#[cfg(unix)]
fn open_nonblocking(path: &Path, no_follow: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if no_follow {
        flags |= libc::O_NOFOLLOW;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path, _no_follow: bool) -> io::Result<File> {
    File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(bytes: u64) -> Limit {
        Limit {
            size: ByteSize::new(bytes),
            set_by: "the test's limit",
        }
    }

    #[test]
    fn digest_covers_every_byte_and_empty_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("empty"), b"").unwrap();
        let cwd = Origin::CommandLine { cwd: dir.path() };
        let d = digest(Path::new("empty"), cwd, limit(10)).unwrap();
        assert_eq!(
            d.sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let big = vec![b'x'; 3 * BUFFER + 17];
        std::fs::write(dir.path().join("big"), &big).unwrap();
        let d = digest(Path::new("big"), cwd, limit(1 << 20)).unwrap();
        assert_eq!(d.bytes, big.len() as u64);
        assert_eq!(d.sha256, crate::evidence::sha256_hex(&big));
        // Half read by a parser, the rest by finish: the same digest.
        let mut input = open(Path::new("big"), cwd, limit(1 << 20)).unwrap();
        let mut head = vec![0; 1000];
        input.read_exact(&mut head).unwrap();
        assert_eq!(input.finish().unwrap().sha256, d.sha256);
    }

    #[test]
    fn a_file_over_the_limit_is_refused_by_size_and_while_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"0123456789").unwrap();
        let cwd = Origin::CommandLine { cwd: dir.path() };
        let error = open(Path::new("f"), cwd, limit(9)).unwrap_err();
        assert!(matches!(error.problem, Problem::TooLarge(_)), "{error}");
        assert_eq!(
            error.to_string(),
            "f: it is larger than 9 B, the test's limit"
        );
        assert!(open(Path::new("f"), cwd, limit(10)).is_ok());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn proc_files_that_claim_zero_bytes_are_capped_while_read() {
        let root = Path::new("/");
        let error = open(
            Path::new("proc/self/status"),
            Origin::CommandLine { cwd: root },
            limit(16),
        )
        .unwrap()
        .finish()
        .unwrap_err();
        assert!(matches!(error.problem, Problem::TooLarge(_)), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn fifos_devices_and_directories_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::create_dir(dir.path().join("d")).unwrap();
        let cwd = Origin::CommandLine { cwd: dir.path() };
        for (path, kind) in [
            ("fifo", "a FIFO"),
            ("/dev/zero", "a character device"),
            ("d", "a directory"),
        ] {
            let error = open(Path::new(path), cwd, limit(1 << 20)).unwrap_err();
            assert!(error.to_string().contains(kind), "{path}: {error}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn work_tree_files_stay_inside_it_and_out_of_git() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("reports")).unwrap();
        std::fs::write(root.join(".git/config"), b"[http]\n").unwrap();
        std::fs::write(root.join("reports/real.info"), b"x").unwrap();
        std::fs::write(dir.path().join("outside"), b"x").unwrap();
        let link = |target: &str, name: &str| {
            std::os::unix::fs::symlink(target, root.join(name)).unwrap();
        };
        link("reports/real.info", "inside.info");
        link("../outside", "out.info");
        link(".git/config", "git.info");
        link("/etc/hostname", "abs.info");
        let tree = Origin::WorkTree { root: &root };
        let big = limit(1 << 20);
        assert!(open(Path::new("inside.info"), tree, big).is_ok());
        assert!(open(Path::new("reports/../reports/real.info"), tree, big).is_ok());
        for (path, expected) in [
            ("out.info", "outside the working tree"),
            ("abs.info", "outside the working tree"),
            ("../outside", "outside the working tree"),
            ("git.info", ".git directory"),
            (".git/config", ".git directory"),
            ("missing.info", "does not exist"),
        ] {
            let error = open(Path::new(path), tree, big).unwrap_err();
            assert!(error.to_string().contains(expected), "{path}: {error}");
        }
        // The same paths from the command line are the user's choice.
        let cwd = Origin::CommandLine { cwd: &root };
        assert!(open(Path::new("out.info"), cwd, big).is_ok());
    }
}
