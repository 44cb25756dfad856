//! Voiding: the append-only way out of a malformed event, or of one recorded by mistake.
//!
//! A `void` event names an earlier ledger commit; once it counts (its actor is a ledger
//! admin), the named commit counts for nothing — a malformed one no longer stops readers
//! and writers — and both stay in the chain, so `reltag log` shows what was voided, by
//! whom and why.

use gix::ObjectId;
use jiff::Timestamp;

use super::chain::read_link;
use super::error::{Error, Result};
use super::event::{Event, EventBody, EventKind, Void};
use super::identity::is_member;
use super::trust::Admins;
use super::write::{Base, Decision};

/// What a void did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoidOutcome {
    /// The void is recorded. `what` describes the voided commit (its event's summary, or
    /// why it is malformed).
    Voided { what: String },
    /// A counted void already names it: nothing was recorded.
    AlreadyVoided { by: String },
}

/// The void `actor` asks for, after checking that they are a ledger admin.
pub fn void_event(
    target: ObjectId,
    reason: &str,
    actor: &str,
    admins: &Admins,
    time: Timestamp,
) -> Result<Event> {
    if !is_member(actor, admins.members()) {
        return Err(Error::NotAdmin {
            actor: actor.to_owned(),
            admins: if admins.members().is_empty() {
                "none: name a role under [ledger] admins in the policy".to_owned()
            } else {
                admins.members().join(", ")
            },
        });
    }
    Event::new(
        EventBody::Void(Void {
            reason: reason.to_owned(),
        }),
        target,
        actor,
        time,
    )
}

/// The gate of a void, for [`super::write`]: the named commit must be in the chain the void
/// is recorded on, and not a void itself; a commit voided already is skipped. Works on a
/// chain with unrepaired damage: it is the repair.
pub fn voiding(event: Event) -> impl FnMut(&Base<'_, '_>) -> Result<Decision<VoidOutcome>> {
    move |base: &Base<'_, '_>| {
        let target = event.commit;
        let target_hex = target.to_string();
        let state = base.state_even_if_damaged()?;
        if let Some(void) = state.voids().iter().find(|v| v.target == target_hex) {
            return Ok(Decision::Skip(VoidOutcome::AlreadyVoided {
                by: void.by.clone(),
            }));
        }
        let repo = base.ledger().repo();
        let mut next = base.tip();
        while let Some(id) = next {
            let link = read_link(repo, id)?;
            if id == target {
                let what = match &link.event {
                    Ok(voided) if voided.kind() == EventKind::Void => {
                        return Err(Error::InvalidEvent {
                            kind: "void",
                            problem: format!(
                                "ledger commit {target} is itself a void; a void cannot be voided"
                            ),
                        });
                    }
                    Ok(voided) => voided.summary(),
                    Err(malformed) => format!("malformed: {}", malformed.to_error(id)),
                };
                return Ok(Decision::record(
                    event.clone(),
                    VoidOutcome::Voided { what },
                ));
            }
            next = link.parent;
        }
        Err(Error::InvalidEvent {
            kind: "void",
            problem: format!("{target} is not a commit of the ledger"),
        })
    }
}
