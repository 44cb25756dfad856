//! Freezes: `{ start = "2026-12-21", end = "2027-01-04", reason = "year-end freeze" }`.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

use super::{closing_instant, opening_instant};

/// A period in which promotions are refused, with the reason to show.
///
/// Its instants are resolved when it is parsed, in the environment's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freeze {
    start: FreezeBound,
    end: FreezeBound,
    reason: String,
    starts_at: Timestamp,
    ends_at: Timestamp,
}

/// A freeze's start or end as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreezeBound {
    /// A whole day in the environment's zone. As an end it is inclusive.
    Date(Date),
    /// A wall-clock time in the environment's zone.
    DateTime(DateTime),
    /// An exact instant, written with an offset (RFC 3339).
    Instant(Timestamp),
}

/// Which end of a freeze an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreezeEdge {
    Start,
    End,
}

/// Why a freeze was rejected. The caller adds the file position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FreezeError {
    #[error(
        "invalid freeze {edge} `{text}`: expected a date like \"2026-12-21\", a date-time in the environment's time zone like \"2026-12-21T18:00\", or an RFC 3339 time like \"2026-12-21T18:00:00-05:00\""
    )]
    InvalidBound { edge: FreezeEdge, text: String },
    #[error("freeze {edge} `{text}` is outside the supported range of dates")]
    OutOfRange { edge: FreezeEdge, text: String },
    #[error("freeze ends (`{end}`) before it starts (`{start}`): expected an end after the start")]
    EndsBeforeStart { start: String, end: String },
}

impl Freeze {
    /// Parses a freeze whose dates and date-times are wall-clock values in `tz`.
    ///
    /// An end date is inclusive (frozen through the end of that day); an end
    /// date-time or instant is the first moment no longer frozen. A freeze
    /// must end after it starts.
    pub fn parse(
        start: &str,
        end: &str,
        reason: impl Into<String>,
        tz: &TimeZone,
    ) -> Result<Freeze, FreezeError> {
        let start_bound = FreezeBound::parse(start, FreezeEdge::Start)?;
        let end_bound = FreezeBound::parse(end, FreezeEdge::End)?;
        let out_of_range = |edge, text: &str| FreezeError::OutOfRange {
            edge,
            text: text.to_owned(),
        };
        let starts_at = start_bound
            .first_frozen_instant(tz)
            .ok_or_else(|| out_of_range(FreezeEdge::Start, start))?;
        let ends_at = end_bound
            .first_unfrozen_instant(tz)
            .ok_or_else(|| out_of_range(FreezeEdge::End, end))?;
        if ends_at <= starts_at {
            return Err(FreezeError::EndsBeforeStart {
                start: start.to_owned(),
                end: end.to_owned(),
            });
        }
        Ok(Freeze {
            start: start_bound,
            end: end_bound,
            reason: reason.into(),
            starts_at,
            ends_at,
        })
    }

    /// The start as written.
    pub fn start(&self) -> FreezeBound {
        self.start
    }

    /// The end as written (a date here is inclusive).
    pub fn end(&self) -> FreezeBound {
        self.end
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The first frozen instant.
    pub fn starts_at(&self) -> Timestamp {
        self.starts_at
    }

    /// The first instant no longer frozen (the freeze is `[starts_at, ends_at)`).
    pub fn ends_at(&self) -> Timestamp {
        self.ends_at
    }

    pub fn contains(&self, at: Timestamp) -> bool {
        self.starts_at <= at && at < self.ends_at
    }
}

impl fmt::Display for Freeze {
    /// `2026-12-21 through 2027-01-04 (year-end freeze)`: "through" for an
    /// inclusive end date, "until" for an exclusive end time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let joiner = match self.end {
            FreezeBound::Date(_) => "through",
            FreezeBound::DateTime(_) | FreezeBound::Instant(_) => "until",
        };
        write!(f, "{} {joiner} {} ({})", self.start, self.end, self.reason)
    }
}

impl FreezeBound {
    fn parse(text: &str, edge: FreezeEdge) -> Result<FreezeBound, FreezeError> {
        let invalid = || FreezeError::InvalidBound {
            edge,
            text: text.to_owned(),
        };
        // jiff's civil parsers silently drop offsets and zone annotations, so
        // the shape decides which parser may see the text: an offset makes it
        // an instant, no time makes it a date, anything else is a wall-clock time.
        if text.contains('[') {
            return Err(invalid());
        }
        if let Ok(instant) = text.parse::<Timestamp>() {
            return Ok(FreezeBound::Instant(instant));
        }
        match text.find(['T', 't']) {
            None if text.len() == "2026-12-21".len() => {
                text.parse().map(FreezeBound::Date).map_err(|_| invalid())
            }
            Some(time_at) if !text[time_at..].contains(['+', '-', 'Z', 'z']) => text
                .parse()
                .map(FreezeBound::DateTime)
                .map_err(|_| invalid()),
            _ => Err(invalid()),
        }
    }

    /// Resolution in `tz` per [`super::DST_DOC`]; `None` at the edges of jiff's range.
    fn first_frozen_instant(self, tz: &TimeZone) -> Option<Timestamp> {
        match self {
            FreezeBound::Date(date) => {
                opening_instant(tz, date.to_datetime(jiff::civil::Time::midnight())).ok()
            }
            FreezeBound::DateTime(wall) => opening_instant(tz, wall).ok(),
            FreezeBound::Instant(instant) => Some(instant),
        }
    }

    fn first_unfrozen_instant(self, tz: &TimeZone) -> Option<Timestamp> {
        match self {
            // Inclusive: frozen until midnight at the start of the next day.
            FreezeBound::Date(date) => {
                let next_day = date.tomorrow().ok()?;
                closing_instant(tz, next_day.to_datetime(jiff::civil::Time::midnight())).ok()
            }
            FreezeBound::DateTime(wall) => closing_instant(tz, wall).ok(),
            FreezeBound::Instant(instant) => Some(instant),
        }
    }
}

impl fmt::Display for FreezeBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FreezeBound::Date(date) => write!(f, "{date}"),
            FreezeBound::DateTime(wall) => write!(f, "{wall}"),
            FreezeBound::Instant(instant) => write!(f, "{instant}"),
        }
    }
}

impl fmt::Display for FreezeEdge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FreezeEdge::Start => "start",
            FreezeEdge::End => "end",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::time_zone;

    fn instant(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn freeze(zone: &str, start: &str, end: &str) -> Result<Freeze, FreezeError> {
        Freeze::parse(start, end, "year-end freeze", &time_zone(zone).unwrap())
    }

    #[test]
    fn resolves_each_form_of_start_and_end() {
        // (zone, start, end, first frozen instant, first unfrozen instant)
        let cases = [
            // End dates are inclusive: frozen through 4 January.
            (
                "America/New_York",
                "2026-12-21",
                "2027-01-04",
                "2026-12-21T00:00-05:00",
                "2027-01-05T00:00-05:00",
            ),
            (
                "America/New_York",
                "2026-12-21",
                "2026-12-21",
                "2026-12-21T00:00-05:00",
                "2026-12-22T00:00-05:00",
            ),
            // Date-times are wall-clock times in the zone; an end date-time is exclusive.
            (
                "America/New_York",
                "2026-12-21T18:00",
                "2027-01-04T09:00",
                "2026-12-21T18:00-05:00",
                "2027-01-04T09:00-05:00",
            ),
            (
                "America/New_York",
                "2026-12-21T18:00:30",
                "2026-12-21T18:00:31",
                "2026-12-21T18:00:30-05:00",
                "2026-12-21T18:00:31-05:00",
            ),
            // Offsets are exact instants, whatever the zone.
            (
                "Europe/London",
                "2026-12-21T18:00:00-05:00",
                "2026-12-22T00:00:00Z",
                "2026-12-21T23:00Z",
                "2026-12-22T00:00Z",
            ),
            // Mixed forms.
            (
                "Europe/London",
                "2026-12-21T18:00Z",
                "2026-12-22",
                "2026-12-21T18:00Z",
                "2026-12-23T00:00Z",
            ),
            // Summer dates resolve with the summer offset.
            (
                "Europe/London",
                "2026-07-01",
                "2026-07-01",
                "2026-07-01T00:00+01:00",
                "2026-07-02T00:00+01:00",
            ),
            // DST: a skipped start moves to the jump; a repeated start takes the
            // first pass and a repeated end the second.
            (
                "America/New_York",
                "2026-03-08T02:30",
                "2026-03-08T12:00",
                "2026-03-08T03:00-04:00",
                "2026-03-08T12:00-04:00",
            ),
            (
                "America/New_York",
                "2026-03-08T00:00",
                "2026-03-08T02:30",
                "2026-03-08T00:00-05:00",
                "2026-03-08T03:00-04:00",
            ),
            (
                "America/New_York",
                "2026-11-01T01:30",
                "2026-11-01T12:00",
                "2026-11-01T01:30-04:00",
                "2026-11-01T12:00-05:00",
            ),
            (
                "America/New_York",
                "2026-10-31",
                "2026-11-01T01:30",
                "2026-10-31T00:00-04:00",
                "2026-11-01T01:30-05:00",
            ),
            (
                "Europe/London",
                "2026-03-29T01:30",
                "2026-10-25T01:30",
                "2026-03-29T02:00+01:00",
                "2026-10-25T01:30+00:00",
            ),
            // A date whose day is 23 or 25 hours long still ends at the next midnight.
            (
                "Europe/London",
                "2026-10-25",
                "2026-10-25",
                "2026-10-25T00:00+01:00",
                "2026-10-26T00:00+00:00",
            ),
        ];
        for (zone, start, end, starts_at, ends_at) in cases {
            let parsed =
                freeze(zone, start, end).unwrap_or_else(|error| panic!("{start}..{end}: {error}"));
            assert_eq!(
                (parsed.starts_at(), parsed.ends_at()),
                (instant(starts_at), instant(ends_at)),
                "{start}..{end} in {zone}"
            );
        }
    }

    #[test]
    fn contains_is_start_inclusive_and_end_exclusive() {
        let parsed = freeze("America/New_York", "2026-12-21", "2027-01-04").unwrap();
        let cases = [
            ("2026-12-20T23:59:59-05:00", false),
            ("2026-12-21T00:00:00-05:00", true),
            ("2027-01-04T23:59:59-05:00", true),
            ("2027-01-05T00:00:00-05:00", false),
        ];
        for (at, frozen) in cases {
            assert_eq!(parsed.contains(instant(at)), frozen, "{at}");
        }
    }

    #[test]
    fn rejects_bad_bounds_and_reversed_freezes() {
        let invalid = |edge, text: &str| FreezeError::InvalidBound {
            edge,
            text: text.into(),
        };
        let reversed = |start: &str, end: &str| FreezeError::EndsBeforeStart {
            start: start.into(),
            end: end.into(),
        };
        let cases = [
            (
                "2026-12-21",
                "2026-12-32",
                invalid(FreezeEdge::End, "2026-12-32"),
            ),
            (
                "21/12/2026",
                "2027-01-04",
                invalid(FreezeEdge::Start, "21/12/2026"),
            ),
            ("2026-12-21", "", invalid(FreezeEdge::End, "")),
            (
                "2026-12-21 18:00",
                "2027-01-04",
                invalid(FreezeEdge::Start, "2026-12-21 18:00"),
            ),
            (
                "2026-12-21T18:00[America/New_York]",
                "2027-01-04",
                invalid(FreezeEdge::Start, "2026-12-21T18:00[America/New_York]"),
            ),
            (
                "2026-12-21T18:00 -05:00",
                "2027-01-04",
                invalid(FreezeEdge::Start, "2026-12-21T18:00 -05:00"),
            ),
            (
                "2027-01-04",
                "2026-12-21",
                reversed("2027-01-04", "2026-12-21"),
            ),
            (
                "2026-12-21T18:00",
                "2026-12-21T09:00",
                reversed("2026-12-21T18:00", "2026-12-21T09:00"),
            ),
            (
                "2026-12-21T18:00",
                "2026-12-21T18:00",
                reversed("2026-12-21T18:00", "2026-12-21T18:00"),
            ),
            // 23:00 in New York is already 04:00Z the next day.
            (
                "2026-12-21T23:00",
                "2026-12-22T03:00:00Z",
                reversed("2026-12-21T23:00", "2026-12-22T03:00:00Z"),
            ),
        ];
        for (start, end, expected) in cases {
            assert_eq!(
                freeze("America/New_York", start, end),
                Err(expected),
                "{start}..{end}"
            );
        }
    }

    #[test]
    fn displays_as_written_with_through_or_until() {
        let by_date = freeze("America/New_York", "2026-12-21", "2027-01-04").unwrap();
        assert_eq!(
            by_date.to_string(),
            "2026-12-21 through 2027-01-04 (year-end freeze)"
        );
        let by_time = freeze(
            "America/New_York",
            "2026-12-21T18:00",
            "2027-01-04T09:00:00-05:00",
        )
        .unwrap();
        assert_eq!(
            by_time.to_string(),
            "2026-12-21T18:00:00 until 2027-01-04T14:00:00Z (year-end freeze)"
        );
        let message = freeze("America/New_York", "2027-01-04", "2026-12-21")
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "freeze ends (`2026-12-21`) before it starts (`2027-01-04`): expected an end after the start"
        );
    }
}
