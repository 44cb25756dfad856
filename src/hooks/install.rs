//! Installing reltag's hook scripts where git will run them, and removing them again.
//!
//! git has no API for this and gix does not run hooks, so the rules are git's own
//! (`githooks(5)`): `core.hooksPath` when set (relative to the directory hooks run in: the
//! worktree root, or the git dir of a bare repository), otherwise the *common* git dir's `hooks/`,
//! which linked worktrees share.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::HookKind;

/// The line that marks a hook file as reltag's. Only files carrying it are ever replaced or
/// removed without `--force`.
pub const MARKER: &str = "# reltag-managed-hook v1";

/// What a foreign hook is renamed to when `force` replaces it; the reltag script chains to it.
pub const BACKUP_SUFFIX: &str = ".pre-reltag";

/// Errors installing or removing hooks. Each names the file involved.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("could not find a git repository from {dir}")]
    Discover {
        dir: PathBuf,
        #[source]
        source: gix::Error,
    },
    #[error("core.hooksPath cannot be read as a path")]
    HooksPath(#[source] gix::Error),
    #[error(
        "core.hooksPath is relative ({path}) but the repository has no worktree to resolve it from"
    )]
    RelativeHooksPathWithoutBase { path: PathBuf },
    #[error("{path} already exists and is not a reltag hook; refusing to overwrite it")]
    ForeignHook { path: PathBuf },
    #[error(
        "{path} is not a reltag hook, and {backup} already holds an earlier hook; \
         refusing to overwrite either"
    )]
    BackupExists { path: PathBuf, backup: PathBuf },
    #[error("{path} is a directory, not a hook file")]
    NotAFile { path: PathBuf },
    #[error("the reltag binary path must be absolute, got {path}")]
    RelativeBinary { path: PathBuf },
    #[error("could not {action} {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl InstallError {
    /// A one-line fix for the user, when there is one.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::ForeignHook { path } => Some(format!(
                "rerun with --force to keep it as {}{BACKUP_SUFFIX} and run it before reltag",
                path.display()
            )),
            Self::BackupExists { backup, .. } => Some(format!(
                "merge or remove {} first, then rerun with --force",
                backup.display()
            )),
            _ => None,
        }
    }
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> InstallError {
    let path = path.to_owned();
    move |source| InstallError::Io {
        action,
        path,
        source,
    }
}

/// Open the repository the way git would for a command run in `cwd`: an inherited `GIT_DIR`
/// (and `GIT_WORK_TREE`, `GIT_COMMON_DIR`) wins over discovery, as inside a hook or a
/// `GIT_DIR=… reltag install`.
pub fn open_repo(cwd: &Path) -> Result<gix::Repository, InstallError> {
    gix::discover_with_environment_overrides(cwd).map_err(|source| InstallError::Discover {
        dir: cwd.to_owned(),
        source,
    })
}

/// The directory git runs hooks from for `repo`, without `.`/`..` components: a linked
/// worktree's common dir reads `<main>/.git/worktrees/<name>/../..`, which is the same directory
/// but not a path to show anyone.
pub fn hooks_dir(repo: &gix::Repository) -> Result<PathBuf, InstallError> {
    let dir = configured_hooks_dir(repo)?;
    // Lexically, not `canonicalize`: symlinks in the path stay as the user wrote them.
    Ok(gix::path::normalize(dir.as_path().into(), Path::new(""))
        .map(|d| d.into_owned())
        .unwrap_or(dir))
}

fn configured_hooks_dir(repo: &gix::Repository) -> Result<PathBuf, InstallError> {
    let configured = repo
        .config_snapshot()
        .trusted_path("core.hooksPath")
        .map_err(InstallError::HooksPath)?;
    match configured {
        Some(path) if path.as_os_str().is_empty() => Ok(repo.common_dir().join("hooks")),
        Some(path) if path.is_absolute() => Ok(path),
        // Hooks run at the worktree root (the git dir when bare), and git resolves a relative
        // hooksPath from there; so does a linked worktree, against its own root.
        Some(path) => {
            let base = repo.workdir().unwrap_or_else(|| repo.git_dir());
            if base.as_os_str().is_empty() {
                return Err(InstallError::RelativeHooksPathWithoutBase { path });
            }
            Ok(base.join(path))
        }
        None => Ok(repo.common_dir().join("hooks")),
    }
}

/// What [`install`] did to one hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallAction {
    Created,
    /// An older reltag script was rewritten.
    Updated,
    /// The same reltag script was already there.
    Unchanged,
    /// A foreign hook was moved aside (with `force`) and is chained.
    KeptForeign {
        kept_as: PathBuf,
    },
}

/// One hook in an [`InstallReport`] or [`UninstallReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookOutcome<A> {
    pub kind: HookKind,
    pub path: PathBuf,
    /// Whether the reltag script runs a `<hook>.pre-reltag` first.
    pub chained: bool,
    pub action: A,
}

/// The result of [`install`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallReport {
    pub hooks_dir: PathBuf,
    pub hooks: Vec<HookOutcome<InstallAction>>,
}

/// What [`uninstall`] did to one hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UninstallAction {
    Removed,
    /// reltag's hook was removed and the hook it had replaced put back.
    Restored {
        from: PathBuf,
    },
    /// The file is not reltag's; it was left alone.
    NotOurs,
    Absent,
}

/// The result of [`uninstall`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UninstallReport {
    pub hooks_dir: PathBuf,
    pub hooks: Vec<HookOutcome<UninstallAction>>,
}

enum Existing {
    Absent,
    Ours(Vec<u8>),
    Foreign,
}

fn inspect(path: &Path) -> Result<Existing, InstallError> {
    // symlink_metadata: a dangling symlink is still a hook someone put there.
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Existing::Absent),
        Err(e) => return Err(io_err("inspect", path)(e)),
        Ok(m) if m.is_dir() => return Err(InstallError::NotAFile { path: path.into() }),
        Ok(_) => {}
    }
    let mut content = Vec::new();
    match fs::File::open(path) {
        // The marker sits in the first lines; 64 KiB bounds the read of a large foreign binary.
        Ok(f) => {
            f.take(64 * 1024)
                .read_to_end(&mut content)
                .map_err(io_err("read", path))?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Existing::Foreign),
        Err(e) => return Err(io_err("read", path)(e)),
    }
    Ok(if is_reltag_hook(&content) {
        Existing::Ours(content)
    } else {
        Existing::Foreign
    })
}

/// Whether a hook file's content is a reltag script (its second line is [`MARKER`]).
pub fn is_reltag_hook(content: &[u8]) -> bool {
    content
        .split(|&b| b == b'\n')
        .take(3)
        .any(|line| line.starts_with(MARKER.as_bytes()))
}

fn backup_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(BACKUP_SUFFIX);
    PathBuf::from(s)
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Install reltag's scripts for `which` into [`hooks_dir`].
///
/// A hook that is not reltag's is never overwritten silently: without `force` this is
/// [`InstallError::ForeignHook`], checked for every kind before anything is written; with
/// `force` the hook is renamed to `<hook>.pre-reltag` and the reltag script runs it first.
/// Reinstalling over reltag's own script is fine (idempotent), and keeps an existing chain.
///
/// `reltag_binary` (absolute) is recorded in the script as the fallback after `$RELTAG_BIN`.
pub fn install(
    repo: &gix::Repository,
    which: &[HookKind],
    force: bool,
    reltag_binary: &Path,
) -> Result<InstallReport, InstallError> {
    if !reltag_binary.is_absolute() {
        return Err(InstallError::RelativeBinary {
            path: reltag_binary.into(),
        });
    }
    let dir = hooks_dir(repo)?;
    let mut kinds = which.to_vec();
    kinds.sort();
    kinds.dedup();

    let mut plan = Vec::with_capacity(kinds.len());
    for kind in kinds {
        let path = dir.join(kind.as_str());
        let backup = backup_path(&path);
        let existing = inspect(&path)?;
        if let Existing::Foreign = existing {
            if !force {
                return Err(InstallError::ForeignHook { path });
            }
            if exists(&backup) {
                return Err(InstallError::BackupExists { path, backup });
            }
        }
        plan.push((kind, path, backup, existing));
    }

    fs::create_dir_all(&dir).map_err(io_err("create", &dir))?;
    let mut hooks = Vec::with_capacity(plan.len());
    for (kind, path, backup, existing) in plan {
        let action = match existing {
            Existing::Foreign => {
                fs::rename(&path, &backup).map_err(io_err("move aside", &path))?;
                InstallAction::KeptForeign {
                    kept_as: backup.clone(),
                }
            }
            Existing::Absent => InstallAction::Created,
            Existing::Ours(_) => InstallAction::Updated,
        };
        // A backup left by an earlier forced install stays chained until `uninstall`.
        let chained = exists(&backup);
        let content = script(kind, reltag_binary, chained);
        let action = match (&action, inspect_ours(&path)?) {
            (InstallAction::Updated, Some(old)) if old == content => InstallAction::Unchanged,
            _ => action,
        };
        if action != InstallAction::Unchanged {
            write_executable(&path, &content)?;
        }
        hooks.push(HookOutcome {
            kind,
            path,
            chained,
            action,
        });
    }
    Ok(InstallReport {
        hooks_dir: dir,
        hooks,
    })
}

fn inspect_ours(path: &Path) -> Result<Option<Vec<u8>>, InstallError> {
    Ok(match inspect(path)? {
        Existing::Ours(content) => Some(content),
        _ => None,
    })
}

/// Write through a temporary file and rename, so git never runs a half-written hook.
fn write_executable(path: &Path, content: &[u8]) -> Result<(), InstallError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".reltag-tmp");
    let tmp = PathBuf::from(tmp);
    fs::write(&tmp, content).map_err(io_err("write", &tmp))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755))
            .map_err(io_err("make executable", &tmp))?;
    }
    fs::rename(&tmp, path).map_err(io_err("install", path))
}

/// Remove reltag's scripts for `which` and put back any hook they replaced, byte for byte
/// (it is renamed back, so mode and symlinks survive too). Files that are not reltag's are
/// left alone and reported as [`UninstallAction::NotOurs`].
pub fn uninstall(
    repo: &gix::Repository,
    which: &[HookKind],
) -> Result<UninstallReport, InstallError> {
    let dir = hooks_dir(repo)?;
    let mut kinds = which.to_vec();
    kinds.sort();
    kinds.dedup();
    let mut hooks = Vec::with_capacity(kinds.len());
    for kind in kinds {
        let path = dir.join(kind.as_str());
        let backup = backup_path(&path);
        let action = match inspect(&path)? {
            Existing::Foreign => UninstallAction::NotOurs,
            existing => {
                if let Existing::Ours(_) = existing {
                    fs::remove_file(&path).map_err(io_err("remove", &path))?;
                }
                if exists(&backup) {
                    fs::rename(&backup, &path).map_err(io_err("restore", &backup))?;
                    UninstallAction::Restored { from: backup }
                } else if let Existing::Ours(_) = existing {
                    UninstallAction::Removed
                } else {
                    UninstallAction::Absent
                }
            }
        };
        hooks.push(HookOutcome {
            kind,
            path,
            chained: false,
            action,
        });
    }
    Ok(UninstallReport {
        hooks_dir: dir,
        hooks,
    })
}

/// Quote bytes for POSIX sh inside single quotes.
fn sh_quote(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 2);
    out.push(b'\'');
    for &b in raw {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

fn path_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

/// The POSIX sh script installed for `kind`.
///
/// It looks for reltag in `$RELTAG_BIN`, then the path recorded at install time, then `PATH`,
/// because GUI clients often run git with a PATH that lacks `~/.cargo/bin`. When none works it
/// says how to fix that and exits 1: a hook that silently passes would hide the policy.
/// With `chained`, `<hook>.pre-reltag` runs first with the same arguments (and, for pre-push,
/// the same stdin, saved to a temporary file because a pipe can be read only once); if it
/// fails, reltag does not run and its status is the hook's.
pub fn script(kind: HookKind, reltag_binary: &Path, chained: bool) -> Vec<u8> {
    let name = kind.as_str();
    let mut s = Vec::new();
    s.extend_from_slice(b"#!/bin/sh\n");
    s.extend_from_slice(format!("{MARKER} ({name})\n").as_bytes());
    s.extend_from_slice(
        b"# Installed by `reltag install`; `reltag uninstall` removes it and restores the hook\n\
          # it replaced. Edits here are lost on reinstall.\n",
    );
    s.extend_from_slice(format!("hook={name}\nrecorded=").as_bytes());
    s.extend_from_slice(&sh_quote(&path_bytes(reltag_binary)));
    s.extend_from_slice(
        br#"
reltag=
if [ -n "${RELTAG_BIN:-}" ] && [ -f "$RELTAG_BIN" ] && [ -x "$RELTAG_BIN" ]; then
    reltag=$RELTAG_BIN
elif [ -f "$recorded" ] && [ -x "$recorded" ]; then
    reltag=$recorded
elif found=$(command -v reltag 2>/dev/null) && [ -n "$found" ]; then
    reltag=$found
fi
if [ -z "$reltag" ]; then
    {
        echo "reltag: cannot run the $hook hook: the reltag binary was not found."
        if [ -n "${RELTAG_BIN:-}" ]; then
            echo "  RELTAG_BIN is set to '$RELTAG_BIN', which is not an executable file."
        fi
        echo "  Looked at: \$RELTAG_BIN, $recorded (recorded at install), and reltag on PATH."
        echo "  To fix: reinstall the hooks with \`reltag install\`, or set RELTAG_BIN to the"
        echo "  reltag binary (GUI git clients often run hooks with a shorter PATH)."
    } >&2
    exit 1
fi
"#,
    );
    if !chained {
        s.extend_from_slice(format!("exec \"$reltag\" hook {name} \"$@\"\n").as_bytes());
        return s;
    }
    s.extend_from_slice(
        br#"previous="$0.pre-reltag"
if [ ! -e "$previous" ]; then
    echo "reltag: the $hook hook should run $previous first, but it is missing." >&2
    echo "  To fix: restore it, or run \`reltag uninstall\` and \`reltag install\`." >&2
    exit 1
fi
"#,
    );
    if kind == HookKind::PrePush {
        s.extend_from_slice(
            br#"stdin_copy=$(mktemp "${TMPDIR:-/tmp}/reltag-pre-push.XXXXXX") || exit 1
trap 'rm -f "$stdin_copy"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
cat >"$stdin_copy" || exit 1
# git ignores a hook that is not executable; so do we.
if [ -x "$previous" ]; then
    "$previous" "$@" <"$stdin_copy" || exit $?
fi
"$reltag" hook pre-push "$@" <"$stdin_copy"
exit $?
"#,
        );
    } else {
        s.extend_from_slice(
            format!(
                "# git ignores a hook that is not executable; so do we.\n\
                 if [ -x \"$previous\" ]; then\n    \"$previous\" \"$@\" || exit $?\nfi\n\
                 exec \"$reltag\" hook {name} \"$@\"\n"
            )
            .as_bytes(),
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_marker() {
        assert_eq!(sh_quote(b"a'b"), b"'a'\\''b'");
        let s = script(HookKind::CommitMsg, Path::new("/opt/it's/reltag"), false);
        assert!(is_reltag_hook(&s));
        assert!(!is_reltag_hook(b"#!/bin/sh\necho hi\n"));
        let text = String::from_utf8(s).unwrap();
        assert!(text.contains("recorded='/opt/it'\\''s/reltag'"));
        assert!(text.ends_with("exec \"$reltag\" hook commit-msg \"$@\"\n"));
    }
}
