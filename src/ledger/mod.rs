//! The ledger: reltag's append-only, git-native audit trail.
//!
//! `refs/reltag/ledger` is a linear chain of commits, one per event (approve, evidence,
//! cut, schedule, promote, rollback). Each commit message is a summary plus trailers, so
//! `git log refs/reltag/ledger` is the audit trail; each commit's tree holds the state
//! derived so far, so the present is read without replaying the chain. `FORMAT.md` is the
//! user-facing description of the format.
//!
//! - [`Ledger`]: read state, iterate the log, append with compare-and-swap.
//! - [`sync`]: fetch and push `refs/reltag/*` through `git`, replaying on rejection.
//! - [`identity`]: who is acting, role membership, approvals.

mod error;
mod event;
pub mod identity;
mod state;
mod store;
pub mod sync;

pub use error::{Error, Result};
pub use event::{
    Approve, Artifact, Cut, Event, EventBody, EventId, EventKind, Evidence, EvidenceResult,
    FORMAT_VERSION, Promote, Rollback, Schedule, validate_name,
};
pub use state::{
    ApprovalRecord, CommitState, CutRecord, Deployment, DeploymentRecord, ENV_HISTORY_LIMIT,
    EnvState, EvidenceRecord, LedgerSummary, ScheduleRecord, VersionState,
};
pub use store::{Appended, LEDGER_REF, Ledger, Log, LogEntry, LogFilter};
