//! Running the `git` binary, for what must use the user's own configuration: push,
//! fetch (credentials) and signing. Arguments are passed as a vector, never through a
//! shell, and stderr is kept for the error. [`push`] is the one way reltag pushes: it reads
//! the verdict from `--porcelain` output, never from stderr text.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("cannot run `git`: is git installed and on PATH?")]
    Spawn(#[source] std::io::Error),
    #[error("`git {args}` failed ({status}): {stderr}")]
    Failed {
        args: String,
        status: String,
        stderr: String,
    },
}

/// Runs `git` in `dir` with `args`; returns stdout on success.
pub fn run_git<I, S>(dir: &Path, args: I) -> Result<Output, CommandError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let output = Command::new("git")
        .current_dir(dir)
        .args(&args)
        // Never wait for a password prompt: a gate must answer, not hang.
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(CommandError::Spawn)?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(CommandError::Failed {
            args: args
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

/// What the remote must hold for a ref before a push may change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The ref must not exist (`--force-with-lease=<ref>:`).
    Absent,
    /// The ref must hold this object (`--force-with-lease=<ref>:<id>`).
    At(gix::ObjectId),
    /// No lease and no force: git's own rule applies (a fast-forward, or a new ref; a tag
    /// that exists is refused unless it is the same).
    NoForce,
}

/// One ref a push updates: `src` (an object id or a local ref) to the remote's `dst`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    pub src: String,
    pub dst: String,
    pub expect: Expect,
}

/// One ref's line of `git push --porcelain`: `<flag> TAB <from>:<to> TAB <summary> (<reason>)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushStatus {
    /// `' '` fast-forward, `'+'` forced, `'-'` deleted, `'*'` new, `'='` up to date,
    /// `'!'` rejected or failed.
    pub flag: char,
    /// The remote ref.
    pub dst: String,
    /// e.g. `[rejected]`, `[remote rejected]`, `[up to date]`, `abc..def`.
    pub summary: String,
    /// The parenthesised reason of a rejection, e.g. `stale info`, `pre-receive hook declined`.
    pub reason: Option<String>,
}

impl PushStatus {
    pub fn ok(&self) -> bool {
        self.flag != '!'
    }

    /// A rejection that means someone else changed the ref first (or held its lock): the
    /// client's lease or fast-forward check (`[rejected]` with stale info, fetch first,
    /// non-fast-forward, already exists), the server's failure to lock or update the ref
    /// at its expected old value, or the collateral of an atomic push failing for another
    /// ref. Retrying after a fetch is the answer to all of them.
    pub fn lost_race(&self) -> bool {
        const RACES: [&str; 9] = [
            "stale info",
            "fetch first",
            "non-fast-forward",
            "already exists",
            "atomic push failed",
            "atomic transaction failed",
            "failed to update ref",
            "failed to lock",
            "cannot lock ref",
        ];
        !self.ok()
            && (self.summary == "[rejected]" || self.summary == "[remote rejected]")
            && self
                .reason
                .as_deref()
                .is_some_and(|reason| RACES.iter().any(|race| reason.contains(race)))
    }

    /// `[remote rejected] (pre-receive hook declined)`, for messages.
    pub fn explain(&self) -> String {
        match &self.reason {
            Some(reason) => format!("{} ({reason})", self.summary),
            None => self.summary.clone(),
        }
    }
}

/// What `git push --porcelain` reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOutput {
    /// One entry per ref the remote (or the client's own checks) gave a verdict on. Empty
    /// when the push never got that far (no connection, no access).
    pub statuses: Vec<PushStatus>,
    /// git's exit status was 0.
    pub success: bool,
    /// For the error message only: never parsed.
    pub stderr: String,
}

impl PushOutput {
    /// The remote took every ref (updated, or already up to date). The porcelain lines
    /// are the verdict: git's exit status alone does not say which refs landed.
    pub fn accepted(&self) -> bool {
        !self.statuses.is_empty() && self.statuses.iter().all(PushStatus::ok)
    }

    /// The refs that were not updated.
    pub fn rejected(&self) -> impl Iterator<Item = &PushStatus> {
        self.statuses.iter().filter(|s| !s.ok())
    }

    fn parse(stdout: &str, success: bool, stderr: String) -> PushOutput {
        let statuses = stdout
            .lines()
            .filter_map(|line| {
                let mut fields = line.splitn(3, '\t');
                let flag = fields.next()?;
                let refs = fields.next()?;
                let rest = fields.next()?;
                let flag = match flag.chars().collect::<Vec<_>>().as_slice() {
                    [c] if " +-*=!".contains(*c) => *c,
                    _ => return None,
                };
                let dst = refs.rsplit_once(':').map_or(refs, |(_, dst)| dst);
                let (summary, reason) = match rest.split_once(" (") {
                    Some((summary, reason)) => (
                        summary.to_owned(),
                        Some(reason.strip_suffix(')').unwrap_or(reason).to_owned()),
                    ),
                    None => (rest.to_owned(), None),
                };
                Some(PushStatus {
                    flag,
                    dst: dst.to_owned(),
                    summary,
                    reason,
                })
            })
            .collect();
        PushOutput {
            statuses,
            success,
            stderr,
        }
    }
}

/// The one way reltag pushes: `git push --porcelain --atomic --no-verify`, each ref with
/// its lease, the verdict read from the porcelain lines on stdout (never from stderr).
/// `--atomic`: every ref is updated or none is. `--no-verify`: the refs are the ledger
/// and release tags, checked by reltag itself; its own pre-push hook must not run on them.
/// `spawned` receives git's process id once it runs (for the write journal).
pub fn push(
    dir: &Path,
    remote: &str,
    updates: &[RefUpdate],
    spawned: impl FnOnce(u32),
) -> Result<PushOutput, CommandError> {
    let mut args: Vec<String> = vec![
        "push".into(),
        "--porcelain".into(),
        "--atomic".into(),
        "--no-verify".into(),
    ];
    for update in updates {
        match update.expect {
            Expect::Absent => args.push(format!("--force-with-lease={}:", update.dst)),
            Expect::At(id) => args.push(format!("--force-with-lease={}:{id}", update.dst)),
            Expect::NoForce => {}
        }
    }
    args.push("--".into());
    args.push(remote.into());
    for update in updates {
        args.push(format!("{}:{}", update.src, update.dst));
    }
    let child = Command::new("git")
        .current_dir(dir)
        .args(&args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(CommandError::Spawn)?;
    spawned(child.id());
    let output = child.wait_with_output().map_err(CommandError::Spawn)?;
    Ok(PushOutput::parse(
        &String::from_utf8_lossy(&output.stdout),
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::PushOutput;

    /// Lines as git 2.47 prints them (recorded against a local bare remote).
    fn parse(stdout: &str) -> PushOutput {
        PushOutput::parse(stdout, false, String::new())
    }

    #[test]
    fn porcelain_lines_are_parsed_per_ref() {
        let out = parse(
            "To ../remote.git\n!\tf17d2fa:refs/reltag/ledger\t[rejected] (atomic push failed)\n!\trefs/tags/v1:refs/tags/v1\t[rejected] (stale info)\nDone\n",
        );
        assert_eq!(out.statuses.len(), 2);
        assert_eq!(out.statuses[1].dst, "refs/tags/v1");
        assert_eq!(out.statuses[1].summary, "[rejected]");
        assert_eq!(out.statuses[1].reason.as_deref(), Some("stale info"));
        assert!(!out.accepted());
        assert!(out.rejected().all(|s| s.lost_race()));
    }

    #[test]
    fn a_lost_race_is_told_from_a_refusal_without_stderr() {
        for (line, race) in [
            ("!\ta:refs/reltag/ledger\t[rejected] (stale info)", true),
            ("!\ta:refs/reltag/ledger\t[rejected] (fetch first)", true),
            ("!\ta:refs/tags/v1\t[rejected] (already exists)", true),
            (
                "!\ta:refs/reltag/ledger\t[remote rejected] (atomic transaction failed)",
                true,
            ),
            (
                "!\ta:refs/reltag/ledger\t[remote rejected] (failed to update ref)",
                true,
            ),
            (
                "!\ta:refs/reltag/ledger\t[remote rejected] (pre-receive hook declined)",
                false,
            ),
            (
                "!\ta:refs/reltag/ledger\t[remote rejected] (deny updating a hidden ref)",
                false,
            ),
            (
                "!\ta:refs/reltag/ledger\t[remote failure] (remote failed to report status)",
                false,
            ),
        ] {
            let out = parse(&format!("To r\n{line}\nDone\n"));
            let status = &out.statuses[0];
            assert_eq!(status.lost_race(), race, "{line}");
            assert!(!out.accepted());
        }
    }

    #[test]
    fn every_ref_taken_is_accepted_whatever_the_exit_status() {
        let out = parse(
            "To r\n \td2639f1:refs/reltag/ledger\tde4c805..d2639f1\n*\tt:refs/tags/v1\t[new tag]\n=\tx:refs/tags/v0\t[up to date]\nDone\n",
        );
        assert!(out.accepted());
        assert_eq!(out.rejected().count(), 0);
        // No status line at all (no connection): neither accepted nor a race.
        let none = parse("");
        assert!(!none.accepted());
        assert!(none.statuses.is_empty());
    }
}
