//! The clock is an input: a write records `now` (the system clock, or `RELTAG_NOW`), and
//! a clock behind the ledger's latest event records history out of order — a promotion
//! that seems to come before the schedule it honours, a soak that seems longer than it
//! was. Such a write is not refused (the remote ledger's order is the record's order),
//! but the person is told before it happens.

use jiff::{SignedDuration, Timestamp};

use crate::ledger::{self, Ledger};

/// How far behind the latest event the clock may be before a warning: clocks a few
/// minutes apart are normal between machines.
pub const TOLERANCE: SignedDuration = SignedDuration::from_mins(10);

/// How far `RELTAG_NOW` may set the clock from the system's before a write warns: a
/// pinned time a few minutes off is a replay of now; farther, it is history made up.
pub const SET_TOLERANCE: SignedDuration = SignedDuration::from_mins(5);

/// A warning when `now`, the clock `RELTAG_NOW` sets, is more than [`SET_TOLERANCE`]
/// from `system`, the system clock: the event would be recorded at a time that did not
/// happen (a variable left exported after a test, a replay run for real).
pub fn set_clock_warning(now: Timestamp, system: Timestamp) -> Option<String> {
    let apart = now.duration_since(system);
    (apart.abs() > SET_TOLERANCE).then(|| {
        format!(
            "warning: RELTAG_NOW sets the clock to {now}, {} {} the system clock ({}): \
             this event is recorded at that time; unset RELTAG_NOW to record the \
             real time, or set RELTAG_NOW_ACKNOWLEDGED=1 where a set clock is meant \
             (tests, replays)",
            crate::rules::span_text(apart.abs()),
            if apart.is_negative() {
                "behind"
            } else {
                "ahead of"
            },
            system.round(jiff::Unit::Second).unwrap_or(system),
        )
    })
}

/// The time of the ledger's latest event (its tip commit's), if it has one.
pub fn latest_event_time(ledger: &Ledger<'_>) -> Result<Option<Timestamp>, ledger::Error> {
    let Some(tip) = ledger.tip()? else {
        return Ok(None);
    };
    let seconds = ledger
        .repo()
        .find_commit(tip)
        .ok()
        .and_then(|commit| commit.time().ok())
        .map(|time| time.seconds);
    Ok(seconds.and_then(|s| Timestamp::from_second(s).ok()))
}

/// A warning when `now` is more than [`TOLERANCE`] before `latest`, the ledger's latest
/// event: `the clock (2026-11-20T10:00:00Z) is 3 d behind the ledger's latest event …`.
pub fn warning(now: Timestamp, latest: Option<Timestamp>) -> Option<String> {
    let latest = latest?;
    let behind = latest.duration_since(now);
    (behind > TOLERANCE).then(|| {
        format!(
            "warning: the clock ({now}) is {} behind the ledger's latest event ({latest}): \
             this event would be recorded out of order; check the system clock, or \
             RELTAG_NOW if it is set",
            crate::rules::span_text(behind)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("a timestamp")
    }

    #[test]
    fn a_clock_behind_the_latest_event_is_warned_about() {
        let latest = Some(at("2026-11-24T12:00:00Z"));
        let warned = warning(at("2026-11-21T12:00:00Z"), latest).expect("a warning");
        assert!(warned.contains("3 d behind"), "{warned}");
        assert!(warned.contains("RELTAG_NOW"), "{warned}");
    }

    #[test]
    fn a_set_clock_far_from_the_system_clock_is_warned_about() {
        let system = at("2026-12-03T12:00:00.123456Z");
        let behind = set_clock_warning(at("2026-11-24T12:00:00Z"), system).expect("a warning");
        assert_eq!(
            behind,
            "warning: RELTAG_NOW sets the clock to 2026-11-24T12:00:00Z, 9 d behind the \
             system clock (2026-12-03T12:00:00Z): this event is recorded at that time; \
             unset RELTAG_NOW to record the real time, or set RELTAG_NOW_ACKNOWLEDGED=1 \
             where a set clock is meant (tests, replays)"
        );
        let ahead = set_clock_warning(at("2026-12-03T12:06:00Z"), system).expect("a warning");
        assert!(ahead.contains("5 min ahead of the system clock"), "{ahead}");
        assert_eq!(set_clock_warning(at("2026-12-03T12:04:59Z"), system), None);
        assert_eq!(set_clock_warning(at("2026-12-03T11:55:01Z"), system), None);
    }

    #[test]
    fn a_clock_a_few_minutes_apart_or_ahead_is_not() {
        let latest = Some(at("2026-11-24T12:00:00Z"));
        assert_eq!(warning(at("2026-11-24T11:55:00Z"), latest), None);
        assert_eq!(warning(at("2027-03-01T00:00:00Z"), latest), None);
        assert_eq!(warning(at("2026-11-24T11:55:00Z"), None), None);
    }
}
