//! Deploy windows: `"Tue,Wed 18:00-21:00"`, `"Mon-Fri 08:00-18:00"`, `"Sat 22:00-02:00"`.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

use super::{closing_instant, opening_instant};

/// One line of `windows`: the days it opens on and a wall-clock time range.
///
/// The range is start-inclusive and end-exclusive. When the end is not after
/// the start (`22:00-02:00`) the window is overnight and closes on the next
/// day; the days always name the day the window *opens*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    days: DaySet,
    start: ClockTime,
    end: ClockTime,
}

/// Why a window string was rejected. Each message names the offending part
/// and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error(
        "missing days in window `{window}`: expected days and a time range, like \"Mon-Fri 08:00-18:00\""
    )]
    MissingDays { window: String },
    #[error(
        "missing time range in window `{window}`: expected days and a time range, like \"Mon-Fri 08:00-18:00\""
    )]
    MissingTimeRange { window: String },
    #[error("missing day in `{days}`: expected days separated by commas, like \"Mon-Wed,Fri\"")]
    MissingDay { days: String },
    #[error("unknown day `{day}`: expected Mon, Tue, Wed, Thu, Fri, Sat or Sun")]
    UnknownDay { day: String },
    #[error(
        "day range `{range}` starts and ends on the same day: expected two different days, like \"Mon-Fri\""
    )]
    SingleDayRange { range: String },
    #[error("day `{day}` is listed more than once")]
    RepeatedDay { day: String },
    #[error("invalid time range `{range}`: expected start-end, like \"18:00-21:00\"")]
    InvalidTimeRange { range: String },
    #[error("invalid time `{time}`: expected HH:MM from 00:00 to 23:59 (24:00 only as an end)")]
    InvalidTime { time: String },
    #[error(
        "time range `{range}` is empty: it starts and ends at the same time (for a whole day write \"00:00-24:00\")"
    )]
    EmptyTimeRange { range: String },
}

impl Window {
    /// Whether the window opens on `day` (an overnight window closes on the day after).
    pub fn opens_on(&self, day: Weekday) -> bool {
        self.days.contains(day)
    }

    /// Whether the window closes on the day after it opens: overnight
    /// windows, and windows ending at 24:00 (midnight of the next day).
    pub fn closes_next_day(&self) -> bool {
        self.end.minutes <= self.start.minutes || self.end.minutes == MINUTES_PER_DAY
    }

    /// The occurrence of this window that opens on `date`, as `[opens, closes)`
    /// instants in `tz`, following the daylight saving rule in [`super::DST_DOC`].
    ///
    /// `None` if the window does not open on that weekday, if the whole
    /// occurrence falls in a skipped hour, or if the date is at the edge of
    /// what jiff can represent.
    pub(crate) fn occurrence_opening_on(
        &self,
        date: Date,
        tz: &TimeZone,
    ) -> Option<(Timestamp, Timestamp)> {
        if !self.opens_on(date.weekday()) {
            return None;
        }
        let opens = opening_instant(tz, date.to_datetime(self.start.time()?)).ok()?;
        let end_date = if self.closes_next_day() {
            date.tomorrow().ok()?
        } else {
            date
        };
        // 24:00 is represented as 00:00 on the following day.
        let end_time = ClockTime {
            minutes: self.end.minutes % MINUTES_PER_DAY,
        }
        .time()?;
        let closes = closing_instant(tz, end_date.to_datetime(end_time)).ok()?;
        (opens < closes).then_some((opens, closes))
    }
}

impl FromStr for Window {
    type Err = WindowError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // Days never contain digits and times always start with one, so the
        // first digit splits the two parts; this also tolerates "Tue, Wed".
        let Some(split) = text.find(|c: char| c.is_ascii_digit()) else {
            return Err(WindowError::MissingTimeRange {
                window: text.to_owned(),
            });
        };
        let (days_text, range_text) = text.split_at(split);
        let days_text = days_text.trim();
        if days_text.is_empty() {
            return Err(WindowError::MissingDays {
                window: text.to_owned(),
            });
        }
        let days = DaySet::parse(days_text)?;

        let range_text = range_text.trim();
        let Some((start_text, end_text)) = range_text.split_once('-') else {
            return Err(WindowError::InvalidTimeRange {
                range: range_text.to_owned(),
            });
        };
        let start = ClockTime::parse(start_text.trim(), false)?;
        let end = ClockTime::parse(end_text.trim(), true)?;
        if start == end {
            return Err(WindowError::EmptyTimeRange {
                range: range_text.to_owned(),
            });
        }
        Ok(Window { days, start, end })
    }
}

impl fmt::Display for Window {
    /// The canonical spelling, which parses back to the same window.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}-{}", self.days, self.start, self.end)
    }
}

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MINUTES_PER_DAY: u16 = 24 * 60;

/// A set of weekdays, bit `i` standing for `DAY_NAMES[i]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct DaySet(u8);

impl DaySet {
    fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.to_monday_zero_offset()) != 0
    }

    /// Parses `Mon-Wed,Fri`: comma-separated days or ranges of days. Ranges
    /// may wrap around the end of the week (`Fri-Mon`).
    fn parse(text: &str) -> Result<DaySet, WindowError> {
        let mut bits = 0u8;
        for item in text.split(',').map(str::trim) {
            if item.is_empty() {
                return Err(WindowError::MissingDay {
                    days: text.to_owned(),
                });
            }
            let (first, last) = match item.split_once('-') {
                Some((first, last)) => {
                    let (first, last) = (day_index(first.trim())?, day_index(last.trim())?);
                    if first == last {
                        return Err(WindowError::SingleDayRange {
                            range: item.to_owned(),
                        });
                    }
                    (first, last)
                }
                None => {
                    let day = day_index(item)?;
                    (day, day)
                }
            };
            let mut index = first;
            loop {
                if bits & (1 << index) != 0 {
                    return Err(WindowError::RepeatedDay {
                        day: DAY_NAMES[index].to_owned(),
                    });
                }
                bits |= 1 << index;
                if index == last {
                    break;
                }
                index = (index + 1) % 7;
            }
        }
        Ok(DaySet(bits))
    }
}

fn day_index(name: &str) -> Result<usize, WindowError> {
    DAY_NAMES
        .iter()
        .position(|known| known.eq_ignore_ascii_case(name))
        .ok_or_else(|| WindowError::UnknownDay {
            day: name.to_owned(),
        })
}

impl fmt::Display for DaySet {
    /// Runs of three or more days print as ranges (`Mon-Fri`), shorter runs
    /// as lists (`Tue,Wed`), always in Monday-first order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = "";
        let mut index = 0;
        while index < 7 {
            if self.0 & (1 << index) == 0 {
                index += 1;
                continue;
            }
            let run_start = index;
            while index + 1 < 7 && self.0 & (1 << (index + 1)) != 0 {
                index += 1;
            }
            let run_end = index;
            if run_end - run_start >= 2 {
                write!(
                    f,
                    "{separator}{}-{}",
                    DAY_NAMES[run_start], DAY_NAMES[run_end]
                )?;
            } else {
                for name in &DAY_NAMES[run_start..=run_end] {
                    write!(f, "{separator}{name}")?;
                    separator = ",";
                }
            }
            separator = ",";
            index += 1;
        }
        Ok(())
    }
}

/// A wall-clock time to the minute, `00:00` to `24:00` (the latter only as an end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ClockTime {
    minutes: u16,
}

impl ClockTime {
    /// Parses exactly `HH:MM`.
    fn parse(text: &str, allow_end_of_day: bool) -> Result<ClockTime, WindowError> {
        let invalid = || WindowError::InvalidTime {
            time: text.to_owned(),
        };
        let bytes = text.as_bytes();
        let two_digits = |at: usize| -> Option<u16> {
            let (tens, ones) = (*bytes.get(at)?, *bytes.get(at + 1)?);
            (tens.is_ascii_digit() && ones.is_ascii_digit())
                .then(|| u16::from(tens - b'0') * 10 + u16::from(ones - b'0'))
        };
        if bytes.len() != 5 || bytes[2] != b':' {
            return Err(invalid());
        }
        let (hour, minute) = two_digits(0).zip(two_digits(3)).ok_or_else(invalid)?;
        let minutes = hour * 60 + minute;
        let in_range =
            minute < 60 && (hour < 24 || (allow_end_of_day && minutes == MINUTES_PER_DAY));
        if !in_range {
            return Err(invalid());
        }
        Ok(ClockTime { minutes })
    }

    /// The civil time, or `None` for 24:00, which has no civil time of its own.
    fn time(self) -> Option<Time> {
        let hour = i8::try_from(self.minutes / 60).ok()?;
        let minute = i8::try_from(self.minutes % 60).ok()?;
        Time::new(hour, minute, 0, 0).ok()
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::time_zone;
    use jiff::civil::date;

    fn window(text: &str) -> Window {
        text.parse()
            .unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    #[test]
    fn parses_day_sets_and_prints_them_canonically() {
        let cases = [
            ("Tue,Wed 18:00-21:00", "Tue,Wed 18:00-21:00"),
            ("Mon-Fri 08:00-18:00", "Mon-Fri 08:00-18:00"),
            ("Mon-Wed,Fri 09:00-17:00", "Mon-Wed,Fri 09:00-17:00"),
            ("Sat 22:00-02:00", "Sat 22:00-02:00"),
            ("Mon 00:00-24:00", "Mon 00:00-24:00"),
            ("Fri 18:00-24:00", "Fri 18:00-24:00"),
            ("mon-FRI 08:00-18:00", "Mon-Fri 08:00-18:00"),
            ("Tue, Wed  18:00 - 21:00", "Tue,Wed 18:00-21:00"),
            ("Mon-Sun 09:00-10:00", "Mon-Sun 09:00-10:00"),
            ("Fri-Mon 09:00-10:00", "Mon,Fri-Sun 09:00-10:00"),
            ("Sat,Sun 09:00-10:00", "Sat,Sun 09:00-10:00"),
            ("Mon,Wed,Fri 09:00-10:00", "Mon,Wed,Fri 09:00-10:00"),
            ("Wed,Mon 09:00-10:00", "Mon,Wed 09:00-10:00"),
        ];
        for (text, canonical) in cases {
            let parsed = window(text);
            assert_eq!(parsed.to_string(), canonical, "{text}");
            assert_eq!(window(canonical), parsed, "{canonical} round-trips");
        }
    }

    #[test]
    fn day_ranges_cover_the_days_between_and_may_wrap() {
        let weekdays = |w: Window| {
            [
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
                Weekday::Saturday,
                Weekday::Sunday,
            ]
            .map(|day| w.opens_on(day))
        };
        assert_eq!(
            weekdays(window("Mon-Wed,Fri 09:00-17:00")),
            [true, true, true, false, true, false, false]
        );
        assert_eq!(
            weekdays(window("Fri-Mon 09:00-17:00")),
            [true, false, false, false, true, true, true]
        );
    }

    #[test]
    fn rejects_malformed_windows_naming_the_part() {
        let cases = [
            (
                "Tues 18:00-21:00",
                WindowError::UnknownDay { day: "Tues".into() },
            ),
            (
                "Mon-Fry 08:00-18:00",
                WindowError::UnknownDay { day: "Fry".into() },
            ),
            (
                "Monday 08:00-18:00",
                WindowError::UnknownDay {
                    day: "Monday".into(),
                },
            ),
            (
                "Mon,,Tue 08:00-18:00",
                WindowError::MissingDay {
                    days: "Mon,,Tue".into(),
                },
            ),
            (
                "Mon- 08:00-18:00",
                WindowError::UnknownDay { day: "".into() },
            ),
            (
                "Mon-Mon 08:00-18:00",
                WindowError::SingleDayRange {
                    range: "Mon-Mon".into(),
                },
            ),
            (
                "Mon-Wed,Tue 08:00-18:00",
                WindowError::RepeatedDay { day: "Tue".into() },
            ),
            (
                "08:00-18:00",
                WindowError::MissingDays {
                    window: "08:00-18:00".into(),
                },
            ),
            (
                "Mon-Fri",
                WindowError::MissingTimeRange {
                    window: "Mon-Fri".into(),
                },
            ),
            (
                "Mon 08:00",
                WindowError::InvalidTimeRange {
                    range: "08:00".into(),
                },
            ),
            (
                "Mon 8:00-18:00",
                WindowError::InvalidTime {
                    time: "8:00".into(),
                },
            ),
            (
                "Mon 08:00-18:0",
                WindowError::InvalidTime {
                    time: "18:0".into(),
                },
            ),
            (
                "Mon 08:60-18:00",
                WindowError::InvalidTime {
                    time: "08:60".into(),
                },
            ),
            (
                "Mon 25:00-18:00",
                WindowError::InvalidTime {
                    time: "25:00".into(),
                },
            ),
            (
                "Mon 24:00-02:00",
                WindowError::InvalidTime {
                    time: "24:00".into(),
                },
            ),
            (
                "Mon 08:00-24:01",
                WindowError::InvalidTime {
                    time: "24:01".into(),
                },
            ),
            (
                "Mon 08:00-18:00 UTC",
                WindowError::InvalidTime {
                    time: "18:00 UTC".into(),
                },
            ),
            (
                "Mon 18:00-18:00",
                WindowError::EmptyTimeRange {
                    range: "18:00-18:00".into(),
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Window>(), Err(expected), "{text}");
        }
    }

    #[test]
    fn error_messages_say_what_was_expected() {
        let message = "Tues 18:00-21:00"
            .parse::<Window>()
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "unknown day `Tues`: expected Mon, Tue, Wed, Thu, Fri, Sat or Sun"
        );
    }

    /// A window, the date it opens on, and the expected `[opens, closes)` as
    /// RFC 3339 instants (`None`: no occurrence that day).
    type OccurrenceCase<'a> = (&'a str, Date, Option<(&'a str, &'a str)>);

    fn assert_occurrences(zone: &str, cases: &[OccurrenceCase<'_>]) {
        let tz = time_zone(zone).unwrap();
        for &(text, opening_date, expected) in cases {
            let expected = expected.map(|(opens, closes)| {
                (
                    opens.parse::<Timestamp>().unwrap(),
                    closes.parse::<Timestamp>().unwrap(),
                )
            });
            assert_eq!(
                window(text).occurrence_opening_on(opening_date, &tz),
                expected,
                "{text} opening on {opening_date} in {zone}"
            );
        }
    }

    #[test]
    fn occurrences_on_ordinary_days_and_overnight() {
        assert_occurrences(
            "America/New_York",
            &[
                // 2026-11-24 is a Tuesday, in EST (-05:00).
                (
                    "Tue,Wed 18:00-21:00",
                    date(2026, 11, 24),
                    Some(("2026-11-24T18:00-05:00", "2026-11-24T21:00-05:00")),
                ),
                ("Tue,Wed 18:00-21:00", date(2026, 11, 23), None),
                (
                    "Sat 22:00-02:00",
                    date(2026, 11, 28),
                    Some(("2026-11-28T22:00-05:00", "2026-11-29T02:00-05:00")),
                ),
                (
                    "Sun 22:00-02:00",
                    date(2026, 11, 29),
                    Some(("2026-11-29T22:00-05:00", "2026-11-30T02:00-05:00")),
                ),
                (
                    "Fri 18:00-24:00",
                    date(2026, 11, 27),
                    Some(("2026-11-27T18:00-05:00", "2026-11-28T00:00-05:00")),
                ),
                (
                    "Mon 00:00-24:00",
                    date(2026, 11, 30),
                    Some(("2026-11-30T00:00-05:00", "2026-12-01T00:00-05:00")),
                ),
                // New Year's Eve, across a year boundary.
                (
                    "Thu 23:00-01:00",
                    date(2026, 12, 31),
                    Some(("2026-12-31T23:00-05:00", "2027-01-01T01:00-05:00")),
                ),
            ],
        );
    }

    #[test]
    fn occurrences_on_new_york_dst_days() {
        assert_occurrences(
            "America/New_York",
            &[
                // 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00Z).
                (
                    "Sun 02:30-05:00",
                    date(2026, 3, 8),
                    Some(("2026-03-08T03:00-04:00", "2026-03-08T05:00-04:00")),
                ),
                (
                    "Sun 02:00-05:00",
                    date(2026, 3, 8),
                    Some(("2026-03-08T03:00-04:00", "2026-03-08T05:00-04:00")),
                ),
                (
                    "Sun 00:00-02:30",
                    date(2026, 3, 8),
                    Some(("2026-03-08T00:00-05:00", "2026-03-08T03:00-04:00")),
                ),
                (
                    "Sun 01:00-03:00",
                    date(2026, 3, 8),
                    Some(("2026-03-08T01:00-05:00", "2026-03-08T03:00-04:00")),
                ),
                ("Sun 02:00-02:45", date(2026, 3, 8), None),
                (
                    "Sat 22:00-02:30",
                    date(2026, 3, 7),
                    Some(("2026-03-07T22:00-05:00", "2026-03-08T03:00-04:00")),
                ),
                (
                    "Sat 22:00-04:00",
                    date(2026, 3, 7),
                    Some(("2026-03-07T22:00-05:00", "2026-03-08T04:00-04:00")),
                ),
                // 2026-11-01: 02:00 EDT falls back to 01:00 EST (06:00Z); 01:00-02:00 repeats.
                (
                    "Sun 01:30-04:00",
                    date(2026, 11, 1),
                    Some(("2026-11-01T01:30-04:00", "2026-11-01T04:00-05:00")),
                ),
                (
                    "Sun 00:00-01:30",
                    date(2026, 11, 1),
                    Some(("2026-11-01T00:00-04:00", "2026-11-01T01:30-05:00")),
                ),
                (
                    "Sun 01:00-02:00",
                    date(2026, 11, 1),
                    Some(("2026-11-01T01:00-04:00", "2026-11-01T02:00-05:00")),
                ),
                (
                    "Sun 01:15-01:45",
                    date(2026, 11, 1),
                    Some(("2026-11-01T01:15-04:00", "2026-11-01T01:45-05:00")),
                ),
                (
                    "Sat 23:00-01:30",
                    date(2026, 10, 31),
                    Some(("2026-10-31T23:00-04:00", "2026-11-01T01:30-05:00")),
                ),
            ],
        );
    }

    #[test]
    fn occurrences_on_london_dst_days() {
        assert_occurrences(
            "Europe/London",
            &[
                // 2026-03-29: 01:00 GMT jumps to 02:00 BST (01:00Z).
                (
                    "Sun 01:30-03:00",
                    date(2026, 3, 29),
                    Some(("2026-03-29T02:00+01:00", "2026-03-29T03:00+01:00")),
                ),
                (
                    "Sat 23:00-01:30",
                    date(2026, 3, 28),
                    Some(("2026-03-28T23:00+00:00", "2026-03-29T02:00+01:00")),
                ),
                ("Sun 01:00-02:00", date(2026, 3, 29), None),
                // 2026-10-25: 02:00 BST falls back to 01:00 GMT (01:00Z); 01:00-02:00 repeats.
                (
                    "Sun 01:30-03:00",
                    date(2026, 10, 25),
                    Some(("2026-10-25T01:30+01:00", "2026-10-25T03:00+00:00")),
                ),
                (
                    "Sat 22:00-01:30",
                    date(2026, 10, 24),
                    Some(("2026-10-24T22:00+01:00", "2026-10-25T01:30+00:00")),
                ),
                (
                    "Sun 00:00-24:00",
                    date(2026, 10, 25),
                    Some(("2026-10-25T00:00+01:00", "2026-10-26T00:00+00:00")),
                ),
            ],
        );
    }
}
