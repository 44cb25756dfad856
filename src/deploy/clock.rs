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
    fn a_clock_a_few_minutes_apart_or_ahead_is_not() {
        let latest = Some(at("2026-11-24T12:00:00Z"));
        assert_eq!(warning(at("2026-11-24T11:55:00Z"), latest), None);
        assert_eq!(warning(at("2027-03-01T00:00:00Z"), latest), None);
        assert_eq!(warning(at("2026-11-24T11:55:00Z"), None), None);
    }
}
