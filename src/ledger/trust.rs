//! Which events count.
//!
//! The state is a fold over the events that *count*. Every well-formed event counts unless
//! a counted `void` names it, or the [`Trust`] in force refuses it. The fold
//! ([`super::fold`]) and the log ([`super::Log`]) judge each event with the same
//! [`standing`] function, so `reltag log` shows exactly what the state holds, and why an
//! event does not count.
//!
//! [`Admins`] is the trust the format itself needs: a void counts only when its actor is a
//! ledger admin (`[ledger] admins` in the policy). [`super::signed::Signed`] is the trust of
//! `[ledger] require_signed`: it also refuses an event whose commit is not signed by a key
//! bound to its actor, or whose actor does not hold the role the event needs.

use gix::ObjectId;

use super::event::{Event, EventKind};
use super::identity::is_member;

/// Whether an event counts, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// It counts in the state.
    Counts,
    /// A counted void event (`by`) names it: it is shown, and counts for nothing.
    Voided { by: ObjectId },
    /// The trust rules in force refuse it.
    Refused { reason: String },
}

impl Standing {
    pub fn counts(&self) -> bool {
        matches!(self, Standing::Counts)
    }

    /// Why it does not count, in words (`None` when it counts).
    pub fn why_not(&self) -> Option<String> {
        match self {
            Standing::Counts => None,
            Standing::Voided { by } => Some(format!("voided by ledger commit {by}")),
            Standing::Refused { reason } => Some(reason.clone()),
        }
    }
}

/// Decides, per well-formed event, whether it may count.
pub trait Trust {
    /// Identifies these rules: a state derived under other rules is never reused (the
    /// local cache of derived states is keyed by it).
    fn key(&self) -> String;
    /// `Err(reason)` when the event must not count. `sha` is the ledger commit.
    fn judge(&self, sha: ObjectId, event: &Event) -> Result<(), String>;
    /// Whether a commit this clone just wrote for `event` is signed as these rules need:
    /// the write path refuses to publish one that could never count. Rules that do not
    /// look at signatures accept every commit.
    fn check_written(&self, _sha: ObjectId, _event: &Event) -> Result<(), String> {
        Ok(())
    }
    /// `Some((why, fix))` when these rules cannot judge any event (the keys they need
    /// cannot be read): every event is refused, and a command that would write one stops
    /// before writing, with the fix.
    fn unusable(&self) -> Option<(&str, &str)> {
        None
    }
}

/// The format's rules: every well-formed event counts, and a `void` only when its actor is
/// one of the ledger admins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admins {
    members: Vec<String>,
}

impl Admins {
    /// No admins: no void counts.
    pub fn none() -> Admins {
        Admins::default()
    }

    /// Admins as the policy names them (emails or `@logins`, compared case-insensitively).
    pub fn new(members: impl IntoIterator<Item = String>) -> Admins {
        let mut members: Vec<String> = members
            .into_iter()
            .map(|m| m.trim().to_ascii_lowercase())
            .filter(|m| !m.is_empty())
            .collect();
        members.sort();
        members.dedup();
        Admins { members }
    }

    pub fn members(&self) -> &[String] {
        &self.members
    }
}

impl Trust for Admins {
    fn key(&self) -> String {
        format!("admins={}", self.members.join(","))
    }

    fn judge(&self, _sha: ObjectId, event: &Event) -> Result<(), String> {
        if event.kind() == EventKind::Void && !is_member(&event.actor, &self.members) {
            return Err(if self.members.is_empty() {
                format!(
                    "a void by {}, but the policy names no ledger admins ([ledger] admins)",
                    event.actor
                )
            } else {
                format!("a void by {}, who is not a ledger admin", event.actor)
            });
        }
        Ok(())
    }
}

/// The one judgement the fold and the log share. `voided_by` is the counted void naming
/// this commit, if any. A void cannot be voided: a void naming one has no effect.
pub(crate) fn standing(
    trust: &dyn Trust,
    sha: ObjectId,
    event: &Event,
    voided_by: Option<ObjectId>,
) -> Standing {
    if let Some(by) = voided_by
        && event.kind() != EventKind::Void
    {
        return Standing::Voided { by };
    }
    match trust.judge(sha, event) {
        Ok(()) => Standing::Counts,
        Err(reason) => Standing::Refused { reason },
    }
}
