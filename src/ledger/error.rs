//! The ledger's one error type.

use gix::ObjectId;

/// Everything that can go wrong while reading, writing or syncing the ledger.
///
/// Each variant names the object it is about (a commit sha, a ref, a remote) and keeps the
/// underlying cause as its `source`. [`Error::is_undecided`] tells the CLI which variants
/// mean "reltag could not decide" (exit code 3) rather than "the request was refused".
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A gix operation failed (object database, refs, config).
    #[error("git: could not {action}")]
    Git {
        /// What we were doing, e.g. "read ref refs/reltag/ledger".
        action: String,
        #[source]
        source: gix::Error,
    },

    /// A ledger commit's message does not parse as an event of a format we know.
    #[error("ledger commit {sha} is not a valid reltag event: {problem}")]
    CorruptEvent { sha: ObjectId, problem: String },

    /// A ledger commit was written by a newer (or unknown) format.
    #[error(
        "ledger commit {sha} uses Ledger-Format {found}, this reltag reads format {supported}; upgrade reltag"
    )]
    UnsupportedFormat {
        sha: ObjectId,
        found: String,
        supported: u32,
    },

    /// The local cache of derived states (`.git/reltag/state-cache`) could not be read.
    #[error("the local ledger state cache in {} is damaged: {problem}", dir.display())]
    Cache {
        dir: std::path::PathBuf,
        problem: String,
    },

    /// The ledger is not a single linear chain (a merge commit was found).
    #[error("ledger commit {sha} has {parents} parents; the ledger must be a linear chain")]
    NotLinear { sha: ObjectId, parents: usize },

    /// A ledger ref points at something that is not a commit.
    #[error("{reference} points at {id}, a {kind}, not a commit")]
    NotACommit {
        reference: String,
        id: ObjectId,
        kind: String,
    },

    /// A ledger commit's parent is missing because the clone is shallow.
    #[error(
        "ledger commit {sha} is missing from this shallow clone; run `git fetch --unshallow` or `git fetch origin '+refs/reltag/*:refs/reltag/*'` (in GitHub Actions: `fetch-depth: 0`)"
    )]
    Shallow { sha: ObjectId },

    /// A ledger object is missing and the clone is not shallow: the object database is damaged.
    #[error("ledger object {sha} is missing from the object database")]
    MissingObject { sha: ObjectId },

    /// Compare-and-swap on a ref kept losing to other writers.
    #[error("{reference} kept changing under us; gave up after {attempts} attempts")]
    ContentionExhausted { reference: String, attempts: u32 },

    /// The remote's ledger no longer contains what this clone saw there before.
    #[error(
        "remote {remote:?} {}: this clone saw it at {seen} ({tracking_ref}). This is tampering (a force-push or a deletion); reltag never merges over it",
        match theirs {
            None => "deleted its ledger (refs/reltag/ledger)".to_string(),
            Some(theirs) => format!("rewrote its ledger: refs/reltag/ledger is at {theirs}, which does not contain what it had (a non-fast-forward)"),
        }
    )]
    Tampered {
        remote: String,
        tracking_ref: String,
        seen: ObjectId,
        /// The remote's ledger tip now (`None`: deleted).
        theirs: Option<ObjectId>,
    },

    /// Pushing kept being rejected because others pushed in between.
    #[error(
        "could not record in {remote:?}'s ledger: others recorded first {attempts} times in a row; nothing was recorded"
    )]
    SyncExhausted { remote: String, attempts: u32 },

    /// The remote refused the push for another reason than a lost race (a server hook,
    /// a protected ref, a pending cut's tag that exists there on another object).
    #[error("{remote:?} refused the push of {reference}: {reason}; nothing was recorded")]
    PushRefused {
        remote: String,
        reference: String,
        reason: String,
    },

    /// The push got no verdict from the remote (unreachable, no access, a dropped
    /// connection).
    #[error("could not push to {remote:?}: {stderr}")]
    PushFailed { remote: String, stderr: String },

    /// An unpublished cut event whose tag is gone or was moved: publishing it would put a
    /// cut on the remote without its tag.
    #[error(
        "the unpublished cut of {version} names tag object {tag_object}, but refs/tags/{version} is missing or points elsewhere; it cannot be published without its tag"
    )]
    PendingCutWithoutTag {
        version: String,
        tag_object: ObjectId,
    },

    /// A ref a local write would create exists already.
    #[error("{reference} exists already")]
    RefExists { reference: String },

    /// A `git` subprocess failed.
    #[error("`git {args}` failed ({status}): {stderr}")]
    GitCommand {
        args: String,
        status: String,
        stderr: String,
    },

    /// The `git` binary could not be started.
    #[error("could not run `git {args}`")]
    GitSpawn {
        args: String,
        #[source]
        source: std::io::Error,
    },

    /// No identity to record events under.
    #[error(
        "no identity to record this event: set `git config user.email`, or run in GitHub Actions with GITHUB_ACTOR"
    )]
    NoIdentity,

    /// The actor is not a member of the role they approve for.
    #[error("{actor} is not a member of role {role:?} (members: {members})")]
    NotInRole {
        actor: String,
        role: String,
        members: String,
    },

    /// Only ledger admins may void an event.
    #[error("{actor} is not a ledger admin (admins: {admins})")]
    NotAdmin { actor: String, admins: String },

    /// The role is not defined in the policy.
    #[error("role {role:?} is not defined in [roles]")]
    UnknownRole { role: String },

    /// A name (version, env, role) cannot be stored in the ledger.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidName {
        what: &'static str,
        value: String,
        reason: &'static str,
    },

    /// An event is missing something its kind requires, or has a bad value.
    #[error("invalid {kind} event: {problem}")]
    InvalidEvent { kind: &'static str, problem: String },

    /// The policy requires signed events and git could not sign this one.
    #[error("cannot sign the ledger event ([ledger] require_signed): {detail}")]
    CannotSign { format: String, detail: String },

    /// The event was signed, but the policy's keys would not count it.
    #[error("the signed event would not count: {reason}")]
    WouldNotCount { reason: String },
}

impl Error {
    /// True when the error means reltag could not decide (I/O, git, network, damaged or
    /// tampered ledger): the CLI exits 3 and gates treat it as blocked. False for refusals
    /// of the request itself (bad input, not a member of the role), which are usage or
    /// policy errors.
    pub fn is_undecided(&self) -> bool {
        match self {
            Error::Git { .. }
            | Error::CorruptEvent { .. }
            | Error::UnsupportedFormat { .. }
            | Error::Cache { .. }
            | Error::NotLinear { .. }
            | Error::NotACommit { .. }
            | Error::Shallow { .. }
            | Error::MissingObject { .. }
            | Error::ContentionExhausted { .. }
            | Error::Tampered { .. }
            | Error::SyncExhausted { .. }
            | Error::PushRefused { .. }
            | Error::PushFailed { .. }
            | Error::PendingCutWithoutTag { .. }
            | Error::RefExists { .. }
            | Error::GitCommand { .. }
            | Error::GitSpawn { .. } => true,
            Error::NoIdentity
            | Error::NotInRole { .. }
            | Error::NotAdmin { .. }
            | Error::UnknownRole { .. }
            | Error::InvalidName { .. }
            | Error::InvalidEvent { .. }
            | Error::CannotSign { .. }
            | Error::WouldNotCount { .. } => false,
        }
    }

    /// How to get out of it, when there is more to say than the message.
    pub fn hint(&self) -> Option<String> {
        let void = |sha: &ObjectId| {
            format!(
                "a ledger admin ([ledger] admins) can void it, and readers and writers go on: `reltag void {sha} --reason TEXT` (it stays in the chain, and `reltag log` shows the void)"
            )
        };
        Some(match self {
            Error::CorruptEvent { sha, .. } | Error::NotLinear { sha, .. } => void(sha),
            Error::UnsupportedFormat { sha, .. } => format!(
                "upgrade reltag; if the commit is not a real event, {}",
                void(sha)
            ),
            Error::Tampered {
                remote,
                tracking_ref,
                seen,
                theirs: None,
            } => format!(
                "restore it from this clone, which has it: `git push {remote} {tracking_ref}:{ledger}`; if the deletion was deliberate, start over here: `git update-ref -d {tracking_ref} && git update-ref -d {ledger}` (the events up to {seen} are then gone from this clone too)",
                ledger = super::LEDGER_REF
            ),
            Error::Tampered {
                remote,
                tracking_ref,
                seen,
                theirs: Some(theirs),
            } => format!(
                "compare the two histories (`git log {tracking_ref}` and `git log {theirs}`); to restore what was rewritten, save any event recorded only on the remote, then `git push --force-with-lease={ledger}:{theirs} {remote} {seen}:{ledger}`; if the rewrite was deliberate, adopt it here: `git update-ref {tracking_ref} {theirs} && git update-ref {ledger} {theirs}`",
                ledger = super::LEDGER_REF
            ),
            Error::SyncExhausted { .. } | Error::ContentionExhausted { .. } => {
                "run the command again".to_string()
            }
            Error::PushRefused { .. } => {
                "check the remote's rules for refs/reltag/ledger and release tags (server hooks, protected refs), then run the command again".to_string()
            }
            Error::PushFailed { .. } => {
                "check the remote and your credentials, or pass --offline / --no-push to record locally and publish later; nothing changed here, and if the push reached the remote after all, the next reltag command completes it".to_string()
            }
            Error::PendingCutWithoutTag { version, .. } => format!(
                "restore the tag {version} at that object, or drop every unpublished event with `git update-ref {ledger} refs/reltag-remote/<remote>/ledger`",
                ledger = super::LEDGER_REF
            ),
            Error::CannotSign { format, detail }
                if let Some(hint) = super::signing::hint(format, detail) =>
            {
                hint
            }
            Error::CannotSign { format, .. } if format == "ssh" => {
                "set up SSH signing for git: `git config user.signingkey ~/.ssh/id_ed25519.pub` (with ssh-keygen from OpenSSH 8.2 or later on PATH, and the key in your agent or beside it); check with `git commit-tree -S`".to_string()
            }
            Error::CannotSign { .. } => {
                "set up commit signing for git: SSH (`git config gpg.format ssh` and `git config user.signingkey ~/.ssh/id_ed25519.pub`) or OpenPGP (`git config user.signingkey <fingerprint>`, with gpg on PATH)".to_string()
            }
            Error::WouldNotCount { .. } => {
                "sign with a key the allowed signers file binds to you (`git config user.signingkey`), or have your key added to it through a reviewed policy change".to_string()
            }
            Error::Cache { dir, .. } => format!(
                "delete {} and run the command again: the state is derived again from the events",
                dir.display()
            ),
            _ => return None,
        })
    }

    pub(crate) fn git(action: impl Into<String>) -> impl FnOnce(gix::Error) -> Error {
        let action = action.into();
        move |source| Error::Git { action, source }
    }
}

/// The ledger's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
