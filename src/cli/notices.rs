//! How the commands show what a notification did. Not a command: the deciding (which
//! notice, which targets, the sending) is `crate::notify::announce`; this only renders
//! its result the same way for `cut`, `schedule`, `promote`, `rollback` and `notify`.

use super::Context;
use crate::ledger::Event;
use crate::notify::{self, Announcement, Delivery, Stage};
use crate::policy::Policy;
use crate::report::Report;

/// The environment, where the secrets are.
fn lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Notes what reached each target (or, in a dry run, what would be sent), in the
/// policy's order; `failed` gets each target that could not be reached, `target: why`.
pub(super) fn show(
    announcement: &Announcement,
    report: &mut Report,
    mut failed: impl FnMut(&mut Report, String),
) {
    let mut dry_run = false;
    for (target, delivery) in &announcement.deliveries {
        match delivery {
            Delivery::Sent => {
                let sent = format!(
                    "notified {target}{}",
                    match announcement.stage {
                        Stage::Done => "",
                        Stage::Started => " that the promotion started",
                        Stage::Stopped => " that the promotion stopped",
                    }
                );
                report.note(sent.clone());
                report.done(sent);
            }
            Delivery::WouldSend(body) => {
                report.note(format!("dry run: would send to {target}: {body}"));
                dry_run = true;
            }
            Delivery::Failed(why) => failed(report, format!("{target}: {why}")),
        }
    }
    if dry_run {
        report.done("dry run: sent nothing");
    }
}

/// Tells the targets that want `event` at `stage`, and shows what happened. Never
/// fails, and never changes or stops what the command does: a target that cannot be
/// reached is a warning naming it (on stderr and as a note).
fn tell(
    ctx: &Context,
    repo: &gix::Repository,
    policy: &Policy,
    event: &Event,
    stage: Stage,
    report: &mut Report,
) {
    let announcement = notify::announce(repo, policy, event, stage, false, &lookup);
    show(&announcement, report, |report, failure| {
        let text = match stage {
            Stage::Done => format!(
                "warning: could not notify {failure}; the event is recorded, send it again \
                 with `reltag notify {}`",
                announcement.event_id
            ),
            Stage::Started => {
                format!("warning: could not notify {failure} that the promotion started")
            }
            Stage::Stopped => {
                format!("warning: could not notify {failure} that the promotion stopped")
            }
        };
        ctx.status(&text);
        report.note(text);
    });
}

/// Tells the targets about an event that is now recorded; the record stands whatever
/// the sending does.
pub(super) fn after_record(
    ctx: &Context,
    repo: &gix::Repository,
    policy: &Policy,
    event: &Event,
    report: &mut Report,
) {
    tell(ctx, repo, policy, event, Stage::Done, report);
}

/// Tells the `promote-started` targets that a promotion the gate allowed is starting,
/// before its record is written.
pub(super) fn before_write(
    ctx: &Context,
    repo: &gix::Repository,
    policy: &Policy,
    event: &Event,
    report: &mut Report,
) {
    tell(ctx, repo, policy, event, Stage::Started, report);
}

/// Tells the `promote-started` targets that the promotion they were told of was not
/// recorded (the gate refused it against the ledger it would be written on, or the write
/// failed): nothing counts that the ledger does not hold.
pub(super) fn not_recorded(
    ctx: &Context,
    repo: &gix::Repository,
    policy: &Policy,
    event: &Event,
    report: &mut Report,
) {
    tell(ctx, repo, policy, event, Stage::Stopped, report);
}
