//! The ledger: reltag's append-only, git-native audit trail, and the one source of truth.
//!
//! `refs/reltag/ledger` is a linear chain of commits, one per event (approve, evidence,
//! cut, schedule, promote, rollback, void). Each commit message is a summary plus
//! trailers, so `git log refs/reltag/ledger` is the audit trail. The present state is a
//! fold over the events that count, derived by replaying the chain and cached locally by
//! tip (never read from a commit's tree). `FORMAT.md` is the user-facing description.
//!
//! - [`Ledger`]: the tip, the derived [`State`], the log (each event with its
//!   [`Standing`]).
//! - [`write`]: the one way to record events (stage → push → adopt), for every command.
//! - [`sync`]: fetch with tamper refusal, and integrating the remote's events.
//! - [`Trust`]: which events count ([`Admins`]: voids by ledger admins only;
//!   [`signed::Signed`]: signed by a key bound to the actor, who holds the role).
//! - [`Signer`]: signs every event commit through git (`[ledger] require_signed`).
//! - [`identity`]: who is acting, role membership, approvals.

pub mod attest;
mod cache;
mod chain;
mod error;
mod event;
mod fold;
pub mod identity;
mod openpgp;
pub mod repair;
pub mod signed;
pub mod signers;
mod signing;
pub mod sshsig;
mod state;
mod store;
pub mod sync;
mod trust;
pub mod write;

pub use chain::Malformed;
pub use error::{Error, Result};
pub use event::{
    Approve, Artifact, Cut, Event, EventBody, EventId, EventKind, Evidence, EvidenceResult,
    FORMAT_VERSION, Promote, Rollback, Schedule, Void, validate_name,
};
pub use fold::{Damage, LedgerSummary, State, VoidRecord};
pub use identity::RefusedEvent;
pub use signing::Signer;
pub use state::{
    ApprovalRecord, CommitState, CutRecord, Deployment, DeploymentRecord, ENV_HISTORY_LIMIT,
    EnvState, EvidenceRecord, ScheduleRecord, VersionState,
};
pub use store::{Appended, LEDGER_REF, Ledger, Log, LogEntry, LogFilter};
pub use trust::{Admins, Standing, Trust};
pub use write::{Base, Decision, NewTag, Publish, WriteOptions, Written, write};
