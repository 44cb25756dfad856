//! How the recording commands show what their event's notification did. Not a command:
//! the deciding (which notice, which targets, the sending) is `crate::notify::announce`;
//! this only renders its result the same way for `cut`, `schedule`, `promote` and
//! `rollback`.

use super::Context;
use crate::ledger::Event;
use crate::notify::{self, Delivery};
use crate::policy::Policy;
use crate::report::Report;

/// Tells the targets about an event that is now recorded, and shows what happened.
/// Never fails: a target that cannot be reached is a warning naming it (on stderr and as
/// a note), and the record stands.
pub(super) fn after_record(
    ctx: &Context,
    repo: &gix::Repository,
    policy: &Policy,
    event: &Event,
    report: &mut Report,
) {
    let lookup = |name: &str| std::env::var(name).ok();
    let announcement = notify::announce(repo, policy, event, false, &lookup);
    for (target, delivery) in &announcement.deliveries {
        match delivery {
            Delivery::Sent => report.note(format!("notified {target}")),
            Delivery::WouldSend(_) => {}
            Delivery::Failed(why) => {
                let text = format!(
                    "warning: could not notify {target}: {why}; the event is recorded, \
                     send it again with `reltag notify {}`",
                    announcement.event_id
                );
                ctx.status(&text);
                report.note(text);
            }
        }
    }
}
