//! Signing event commits, the way git signs commits: through `git commit-tree -S`, so the
//! user's own configuration applies (`user.signingkey`, `gpg.format`, `gpg.ssh.program`,
//! `gpg.program`, an agent, a security key) exactly as for their commits and for
//! `reltag cut --sign`'s tags.
//!
//! The commit is the one reltag would write unsigned (the event's message, the empty
//! tree, the actor as author and committer at the event's time) plus git's `gpgsig`
//! header; reltag checks that, byte for byte, before using it. Every rebuild of an event
//! on a new parent (a lost push race, publishing events recorded without pushing) signs
//! again: a signature covers the parent.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use gix::ObjectId;
use gix::objs::WriteTo as _;

use super::error::{Error, Result};

/// Signs event commits with the user's git signing configuration.
#[derive(Debug, Clone)]
pub struct Signer {
    /// Where `git` runs (the work tree, or the git directory of a bare repository).
    dir: PathBuf,
    /// `gpg.format`, for messages.
    format: String,
}

impl Signer {
    /// A signer for `repo`, with its configuration as git will read it.
    pub fn new(repo: &gix::Repository) -> Signer {
        let format = repo
            .config_snapshot()
            .string("gpg.format")
            .map(|f| f.to_string())
            .unwrap_or_else(|| "openpgp".into());
        Signer {
            dir: repo
                .workdir()
                .unwrap_or_else(|| repo.git_dir())
                .to_path_buf(),
            format,
        }
    }

    /// Write `commit`, signed, into `repo`'s object database; returns its id.
    pub fn sign(&self, repo: &gix::Repository, commit: &gix::objs::Commit) -> Result<ObjectId> {
        let mut expected = Vec::new();
        commit
            .write_to(&mut expected)
            .map_err(|e| self.failed(format!("cannot serialise the commit: {e}")))?;
        let ident = |signature: &gix::actor::Signature| -> (String, String, String) {
            (
                signature.name.to_string(),
                signature.email.to_string(),
                format!("@{} +0000", signature.time.seconds),
            )
        };
        let (author_name, author_email, author_date) = ident(&commit.author);
        let (committer_name, committer_email, committer_date) = ident(&commit.committer);
        let mut args: Vec<String> = vec![
            // What reltag writes is UTF-8: no `encoding` header, whatever the user's default.
            "-c".into(),
            "i18n.commitEncoding=UTF-8".into(),
            "commit-tree".into(),
            "-S".into(),
            commit.tree.to_string(),
        ];
        for parent in &commit.parents {
            args.push("-p".into());
            args.push(parent.to_string());
        }
        let mut child = Command::new("git")
            .current_dir(&self.dir)
            .args(&args)
            .env("GIT_AUTHOR_NAME", author_name)
            .env("GIT_AUTHOR_EMAIL", author_email)
            .env("GIT_AUTHOR_DATE", author_date)
            .env("GIT_COMMITTER_NAME", committer_name)
            .env("GIT_COMMITTER_EMAIL", committer_email)
            .env("GIT_COMMITTER_DATE", committer_date)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::GitSpawn {
                args: "commit-tree -S".into(),
                source: e,
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(&commit.message);
        }
        let output = child.wait_with_output().map_err(|e| Error::GitSpawn {
            args: "commit-tree -S".into(),
            source: e,
        })?;
        if !output.status.success() {
            return Err(self.failed(condense(&String::from_utf8_lossy(&output.stderr))));
        }
        let id = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let id = ObjectId::from_hex(id.as_bytes())
            .map_err(|_| self.failed(format!("git commit-tree printed {id:?}, not an id")))?;
        // The object git wrote must be ours plus a signature, nothing else.
        let object = repo
            .find_object(id)
            .map_err(|e| self.failed(format!("cannot read the signed commit {id}: {e}")))?;
        let signed = gix::objs::CommitRefIter::signature(&object.data, repo.object_hash())
            .map_err(|e| self.failed(format!("the signed commit does not decode: {e}")))?;
        match signed {
            Some((_, data)) if data.to_bstring() == expected.as_slice() => Ok(id),
            Some(_) => Err(self.failed(
                "git wrote a different commit than the event's (check i18n.commitEncoding and commit hooks)".into(),
            )),
            None => Err(self.failed("git wrote the commit without a signature".into())),
        }
    }

    pub(crate) fn failed(&self, detail: String) -> Error {
        Error::CannotSign {
            format: self.format.clone(),
            detail,
        }
    }
}

/// What git and its signing program said, on one line: ssh-keygen's `@@@` banner dropped.
fn condense(stderr: &str) -> String {
    stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.trim_start_matches("error: ").starts_with('@'))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The fix for a signing failure whose cause names a file or a key, from what the signing
/// program said (`detail`); `None` when it says nothing reltag recognises.
pub(crate) fn hint(format: &str, detail: &str) -> Option<String> {
    // ssh-keygen: `Couldn't load public key /path: No such file or directory`.
    if let Some(rest) = detail.split("Couldn't load public key ").nth(1) {
        let path = rest.split(": ").next().unwrap_or(rest).trim();
        return Some(format!(
            "user.signingkey names {path}, which cannot be read: point it at your SSH key (`git config user.signingkey ~/.ssh/id_ed25519.pub`), or at a key in your agent (`key::ssh-ed25519 AAAA…`)"
        ));
    }
    // ssh-keygen: `Permissions 0644 for '/path' are too open.`
    if let Some(rest) = detail.split("Permissions ").nth(1)
        && let Some(path) = rest.split('\'').nth(1)
        && rest.contains("are too open")
    {
        return Some(format!(
            "`chmod 600 {path}`: ssh-keygen ignores a private key that others can read"
        ));
    }
    if format != "ssh"
        && (detail.contains("secret key not available") || detail.contains("No secret key"))
    {
        return Some(
            "gpg has no secret key for user.signingkey: list yours with `gpg --list-secret-keys --keyid-format long` and set `git config user.signingkey <fingerprint>`".to_string(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signing_failure_naming_a_file_or_key_gets_its_fix() {
        let missing = hint(
            "ssh",
            "error: Couldn't load public key /home/a/.ssh/nope.pub: No such file or directory",
        )
        .unwrap();
        assert!(
            missing
                .starts_with("user.signingkey names /home/a/.ssh/nope.pub, which cannot be read")
        );
        let stderr = "error: @@@@@@@@\n@  WARNING: UNPROTECTED PRIVATE KEY FILE!  @\n@@@@@@@@\nPermissions 0644 for '/home/a/.ssh/id' are too open.\nThis private key will be ignored.\n";
        let detail = condense(stderr);
        assert_eq!(
            detail,
            "Permissions 0644 for '/home/a/.ssh/id' are too open.; This private key will be ignored."
        );
        assert_eq!(
            hint("ssh", &detail).unwrap(),
            "`chmod 600 /home/a/.ssh/id`: ssh-keygen ignores a private key that others can read"
        );
        assert!(hint("openpgp", "gpg: signing failed: No secret key").is_some());
        assert_eq!(hint("ssh", "fatal: something else"), None);
    }
}
