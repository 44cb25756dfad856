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

    /// A state blob in a ledger commit's tree is not the JSON we wrote.
    #[error("ledger commit {sha}: state file {path} is corrupt")]
    CorruptState {
        sha: ObjectId,
        path: String,
        #[source]
        source: serde_json::Error,
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

    /// The remote's ledger is not a fast-forward of what we saw there before.
    #[error(
        "remote {remote:?} rewrote its ledger: {tracking_ref} was at {seen}, and the remote's refs/reltag/ledger no longer contains it. \
         This is tampering (a force-push or deletion); reltag never merges over it. \
         Investigate, then restore the remote's ledger from a clone that has {seen}."
    )]
    Tampered {
        remote: String,
        tracking_ref: String,
        seen: ObjectId,
        git_stderr: String,
    },

    /// Pushing kept being rejected because others pushed in between.
    #[error(
        "could not push the ledger to {remote:?}: rejected {attempts} times because others pushed first; try again"
    )]
    SyncExhausted { remote: String, attempts: u32 },

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
            | Error::CorruptState { .. }
            | Error::NotLinear { .. }
            | Error::NotACommit { .. }
            | Error::Shallow { .. }
            | Error::MissingObject { .. }
            | Error::ContentionExhausted { .. }
            | Error::Tampered { .. }
            | Error::SyncExhausted { .. }
            | Error::GitCommand { .. }
            | Error::GitSpawn { .. } => true,
            Error::NoIdentity
            | Error::NotInRole { .. }
            | Error::UnknownRole { .. }
            | Error::InvalidName { .. }
            | Error::InvalidEvent { .. } => false,
        }
    }

    pub(crate) fn git(action: impl Into<String>) -> impl FnOnce(gix::Error) -> Error {
        let action = action.into();
        move |source| Error::Git { action, source }
    }
}

/// The ledger's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
