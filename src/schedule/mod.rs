//! Time rules for promotions: deploy windows, freezes, durations and the clock.
//!
//! Pure: nothing here reads files or the network; the only outside input is
//! the `RELTAG_NOW` variable read by [`now`]. The user-facing rules, which the
//! README repeats, follow.
//!
#![doc = include_str!("dst.md")]

mod calendar;
mod duration;
mod freeze;
mod window;

use std::ffi::OsStr;
use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone, TimeZoneDatabase};

pub use calendar::{Calendar, SEARCH_HORIZON_DAYS, Verdict, WindowVerdict};
pub use duration::{DurationError, DurationProblem, parse_duration};
pub use freeze::{Freeze, FreezeBound, FreezeEdge, FreezeError};
pub use window::{Window, WindowError};

/// The time-zone, window, freeze and clock rules as user-facing markdown, for the README.
pub const DST_DOC: &str = include_str!("dst.md");

/// The variable that overrides the system clock.
pub const NOW_VARIABLE: &str = "RELTAG_NOW";

/// A time zone name that is not in the bundled database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown time zone `{name}`: expected an IANA name like \"America/New_York\", \"Europe/London\" or \"UTC\""
)]
pub struct UnknownTimeZone {
    pub name: String,
}

/// A `RELTAG_NOW` value that is not an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid {NOW_VARIABLE} `{value}`: expected an RFC 3339 time with an offset, like \"2026-11-24T18:30:00-05:00\""
)]
pub struct InvalidNow {
    pub value: String,
}

/// Looks up an IANA time zone (case-insensitively) in the database compiled
/// into reltag.
///
/// `jiff::tz::db()` prefers the system's `/usr/share/zoneinfo` and only falls
/// back to the bundled copy when there is none, so results would depend on
/// each runner's tzdata version. Always using the bundled copy makes every
/// machine agree, with or without zoneinfo.
pub fn time_zone(name: &str) -> Result<TimeZone, UnknownTimeZone> {
    static BUNDLED: LazyLock<TimeZoneDatabase> = LazyLock::new(TimeZoneDatabase::bundled);
    BUNDLED.get(name).map_err(|_| UnknownTimeZone {
        name: name.to_owned(),
    })
}

/// Set (to anything but empty): a `RELTAG_NOW` far from the system clock is meant (a test
/// harness, a replay), and a ledger write does not warn about it.
pub const NOW_ACKNOWLEDGED_VARIABLE: &str = "RELTAG_NOW_ACKNOWLEDGED";

/// Whether `RELTAG_NOW` sets the clock and nobody said it is meant
/// ([`NOW_ACKNOWLEDGED_VARIABLE`]): then a write compares it with the system clock.
pub fn now_is_set_unacknowledged() -> bool {
    let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    set(NOW_VARIABLE) && !set(NOW_ACKNOWLEDGED_VARIABLE)
}

/// The current instant: `RELTAG_NOW` if set and not empty, else the system clock.
pub fn now() -> Result<Timestamp, InvalidNow> {
    match std::env::var_os(NOW_VARIABLE) {
        Some(value) if !value.is_empty() => parse_now(&value),
        _ => Ok(Timestamp::now()),
    }
}

fn parse_now(value: &OsStr) -> Result<Timestamp, InvalidNow> {
    let invalid = || InvalidNow {
        value: value.to_string_lossy().into_owned(),
    };
    value
        .to_str()
        .ok_or_else(invalid)?
        .parse()
        .map_err(|_| invalid())
}

/// The first instant at which the wall clock in `tz` shows `wall` or later:
/// where a window or freeze starts.
///
/// In a gap (spring forward) that is the transition itself; in a fold (fall
/// back) it is the first of the two occurrences.
fn opening_instant(tz: &TimeZone, wall: DateTime) -> Result<Timestamp, jiff::Error> {
    let ambiguous = tz.to_ambiguous_timestamp(wall);
    match ambiguous.offset() {
        AmbiguousOffset::Gap { .. } => gap_transition(tz, wall),
        AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Fold { .. } => ambiguous.earlier(),
    }
}

/// The instant from which the wall clock in `tz` shows `wall` or later for
/// good: where a window or freeze ends.
///
/// In a gap that is the transition; in a fold it is the second occurrence, so
/// the range keeps the repeated hour instead of ending at its first pass.
fn closing_instant(tz: &TimeZone, wall: DateTime) -> Result<Timestamp, jiff::Error> {
    let ambiguous = tz.to_ambiguous_timestamp(wall);
    match ambiguous.offset() {
        AmbiguousOffset::Gap { .. } => gap_transition(tz, wall),
        AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Fold { .. } => ambiguous.later(),
    }
}

/// The instant the clocks jump over `wall`, which lies in a gap.
fn gap_transition(tz: &TimeZone, wall: DateTime) -> Result<Timestamp, jiff::Error> {
    let ambiguous = tz.to_ambiguous_timestamp(wall);
    // Read with the offset in force *after* the gap, `wall` names an instant
    // shortly before the transition, so the next transition is the jump.
    let before_jump = ambiguous.earlier()?;
    match tz.following(before_jump).next() {
        Some(transition) => Ok(transition.timestamp()),
        // Unreachable for real data (a gap is a transition); shifting forward
        // by the gap's length is jiff's "compatible" answer.
        None => ambiguous.compatible(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_come_from_the_bundled_database() {
        let new_york = time_zone("america/new_york").unwrap();
        assert_eq!(new_york.iana_name(), Some("America/New_York"));
        assert_eq!(time_zone("UTC").unwrap(), TimeZone::UTC);
        let error = time_zone("America/New_Yrok").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown time zone `America/New_Yrok`: expected an IANA name like \"America/New_York\", \"Europe/London\" or \"UTC\""
        );
        assert!(time_zone("").is_err());
        assert!(time_zone("Local").is_err());
    }

    #[test]
    fn reltag_now_is_parsed_as_rfc_3339() {
        let cases = [
            ("2026-11-24T18:30:00-05:00", Some("2026-11-24T23:30:00Z")),
            ("2026-11-24T23:30:00Z", Some("2026-11-24T23:30:00Z")),
            (
                "2026-11-24T23:30:00.5+00:00",
                Some("2026-11-24T23:30:00.5Z"),
            ),
            ("2026-11-24T18:30:00", None),
            ("2026-11-24", None),
            ("yesterday", None),
        ];
        for (value, expected) in cases {
            let parsed = parse_now(OsStr::new(value)).map(|instant| instant.to_string());
            match expected {
                Some(instant) => assert_eq!(parsed, Ok(instant.to_owned()), "{value}"),
                None => assert_eq!(
                    parsed,
                    Err(InvalidNow {
                        value: value.to_owned()
                    }),
                    "{value}"
                ),
            }
        }
        assert_eq!(
            parse_now(OsStr::new("2026-11-24")).unwrap_err().to_string(),
            "invalid RELTAG_NOW `2026-11-24`: expected an RFC 3339 time with an offset, like \"2026-11-24T18:30:00-05:00\""
        );
    }

    #[test]
    fn gap_and_fold_boundaries_resolve_as_documented() {
        let new_york = time_zone("America/New_York").unwrap();
        let wall = |text: &str| text.parse::<DateTime>().unwrap();
        let instant = |text: &str| text.parse::<Timestamp>().unwrap();
        assert_eq!(
            opening_instant(&new_york, wall("2026-03-08T02:30")).unwrap(),
            instant("2026-03-08T03:00-04:00")
        );
        assert_eq!(
            closing_instant(&new_york, wall("2026-03-08T02:30")).unwrap(),
            instant("2026-03-08T03:00-04:00")
        );
        assert_eq!(
            opening_instant(&new_york, wall("2026-11-01T01:30")).unwrap(),
            instant("2026-11-01T01:30-04:00")
        );
        assert_eq!(
            closing_instant(&new_york, wall("2026-11-01T01:30")).unwrap(),
            instant("2026-11-01T01:30-05:00")
        );
    }
}
