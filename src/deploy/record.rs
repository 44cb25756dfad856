//! One way a deployment is decided and recorded, for `promote` and `rollback` alike:
//! decide → (dry run or refused: report the plan, stop) → build the event → write it
//! through the ledger's write path, deciding again against the state each attempt would
//! record on → report the plan the record was made on. The command supplies the event,
//! the write (its one write path) and its own notes; everything else is here, so the
//! two commands cannot drift apart.

use gix::ObjectId;

use super::{Environment, Error, Plan, Redecided, VersionFacts, decide_again};
use crate::ledger::{Decision, Deployment, Event, State, Written};
use crate::report::Report;

/// What a deployment is decided on.
pub struct Deploying<'a> {
    pub environment: &'a Environment,
    /// The version's facts as first read (after a sync).
    pub facts: &'a VersionFacts,
    /// The version the plan is about, and the commit its tag names.
    pub version: &'a str,
    pub tag_commit: Option<ObjectId>,
    /// What the environment ran when first decided: a write records only if it still
    /// does (`promote-concurrent`).
    pub seen: Option<&'a Deployment>,
    /// Decide and report only.
    pub dry_run: bool,
}

/// How [`decide_and_record`] ended.
#[derive(Debug)]
pub enum Deployed {
    /// `--dry-run`: the plan is reported, nothing recorded.
    DryRun,
    /// The plan does not allow it: reported, nothing recorded, no event made.
    Refused,
    /// The event was made and handed to the write, but deciding again inside it refused
    /// (a lost race changed the facts): reported, nothing recorded.
    NotRecorded { event: Box<Event> },
    /// The event was recorded on a state where the plan allowed it.
    Recorded {
        event: Box<Event>,
        /// The local ledger's tip afterwards.
        tip: Option<ObjectId>,
    },
}

/// The decision a write attempt makes against the state it would record on.
pub type Redecide<'a> = dyn FnMut(&State) -> Result<Decision<Redecided>, Error> + 'a;

/// Decides with `decide`; when allowed (and not a dry run) builds the event with `event`
/// and records it with `write` (the command's one write path; it may tell the event's
/// start first), which runs the given decision against the state of every attempt. The
/// checks reported are those of the last decision: the one the record was made on.
pub fn decide_and_record<E: From<Error>>(
    deploying: &Deploying<'_>,
    decide: impl Fn(&VersionFacts) -> Plan,
    event: impl FnOnce() -> Result<Event, E>,
    write: impl FnOnce(&Event, &mut Redecide<'_>, &mut Report) -> Result<Written<Redecided>, E>,
    report: &mut Report,
) -> Result<Deployed, E> {
    let plan = decide(deploying.facts);
    if deploying.dry_run || !plan.is_allowed() {
        plan.report_to(report);
        return Ok(if deploying.dry_run {
            Deployed::DryRun
        } else {
            Deployed::Refused
        });
    }
    let event = event()?;
    let written = write(
        &event,
        &mut |state| {
            decide_again(
                state,
                deploying.environment,
                deploying.version,
                deploying.tag_commit,
                deploying.seen,
                &event,
                &decide,
            )
        },
        report,
    )?;
    written.outcome.report_to(report);
    Ok(if written.events.is_empty() {
        Deployed::NotRecorded {
            event: Box::new(event),
        }
    } else {
        Deployed::Recorded {
            event: Box::new(event),
            tip: written.tip,
        }
    })
}
