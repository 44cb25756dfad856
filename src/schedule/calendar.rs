//! When an environment accepts promotions: its windows minus its freezes.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan, ZonedDateTime};

use super::{Freeze, Window};

/// How far [`Calendar::next_open`] looks ahead before giving up.
pub const SEARCH_HORIZON_DAYS: i64 = 400;

/// An environment's time rules: windows and freezes in one time zone.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    windows: Vec<Window>,
    freezes: Vec<Freeze>,
}

/// What the calendar says about one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The instant checked, in the calendar's zone.
    pub at: ZonedDateTime,
    pub window: WindowVerdict,
    /// Every freeze containing the instant, in policy order.
    pub freezes: Vec<Freeze>,
}

/// Whether an instant is inside a window.
#[derive(Debug, Clone, PartialEq)]
pub enum WindowVerdict {
    /// No windows are configured: promotions are allowed at any time.
    NoWindows,
    /// Inside this occurrence of a window (the one closing last, if several overlap).
    Inside {
        window: Window,
        opened: ZonedDateTime,
        closes: ZonedDateTime,
    },
    /// Windows are configured and none is open.
    Outside,
}

impl Verdict {
    /// Inside a window (or there are none) and outside every freeze.
    pub fn is_open(&self) -> bool {
        !matches!(self.window, WindowVerdict::Outside) && self.freezes.is_empty()
    }
}

impl Calendar {
    /// `freezes` must have been parsed with the same `tz`.
    pub fn new(tz: TimeZone, windows: Vec<Window>, freezes: Vec<Freeze>) -> Calendar {
        Calendar {
            tz,
            windows,
            freezes,
        }
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    pub fn windows(&self) -> &[Window] {
        &self.windows
    }

    pub fn freezes(&self) -> &[Freeze] {
        &self.freezes
    }

    /// Which window and which freezes contain `at`.
    pub fn check(&self, at: Timestamp) -> Verdict {
        let window = if self.windows.is_empty() {
            WindowVerdict::NoWindows
        } else {
            self.occurrences_opening_on(self.candidate_dates(at, at))
                .filter(|&(_, opened, closes)| opened <= at && at < closes)
                .max_by_key(|&(_, _, closes)| closes)
                .map_or(WindowVerdict::Outside, |(window, opened, closes)| {
                    WindowVerdict::Inside {
                        window,
                        opened: opened.to_zoned_datetime(self.tz.clone()),
                        closes: closes.to_zoned_datetime(self.tz.clone()),
                    }
                })
        };
        let freezes = self
            .freezes
            .iter()
            .filter(|freeze| freeze.contains(at))
            .cloned()
            .collect();
        Verdict {
            at: at.to_zoned_datetime(self.tz.clone()),
            window,
            freezes,
        }
    }

    /// The earliest instant at or after `after` that is inside a window and
    /// outside every freeze, or `None` if there is none within
    /// [`SEARCH_HORIZON_DAYS`] days.
    pub fn next_open(&self, after: Timestamp) -> Option<ZonedDateTime> {
        let horizon = after
            .saturating_add(SignedDuration::from_hours(24 * SEARCH_HORIZON_DAYS))
            .ok()?;
        let mut candidate = after;
        loop {
            let in_window = self.earliest_in_window(candidate, horizon)?;
            // Freezes end exclusively, so their latest end is the first instant
            // this group of freezes allows; another freeze may start right there,
            // which the next turn of the loop catches. Each turn moves forward.
            let frozen_until = self
                .freezes
                .iter()
                .filter(|freeze| freeze.contains(in_window))
                .map(Freeze::ends_at)
                .max();
            match frozen_until {
                Some(thaw) if thaw > horizon => return None,
                Some(thaw) => candidate = thaw,
                None => return Some(in_window.to_zoned_datetime(self.tz.clone())),
            }
        }
    }

    /// The earliest instant in `[from, horizon]` inside some window, ignoring freezes.
    fn earliest_in_window(&self, from: Timestamp, horizon: Timestamp) -> Option<Timestamp> {
        if self.windows.is_empty() {
            return Some(from);
        }
        // A later opening date never opens earlier, so the first date with
        // an occurrence still open at or after `from` holds the answer.
        for date in self.candidate_dates(from, horizon) {
            let earliest_on_date = self
                .occurrences_opening_on([date])
                .filter(|&(_, _, closes)| closes > from)
                .map(|(_, opened, _)| opened.max(from))
                .min();
            if let Some(instant) = earliest_on_date {
                return (instant <= horizon).then_some(instant);
            }
        }
        None
    }

    /// Dates on which an occurrence containing any instant of `[from, to]`
    /// may open: an occurrence lasts at most a day plus a DST shift, so two
    /// days before `from`'s date suffice.
    fn candidate_dates(&self, from: Timestamp, to: Timestamp) -> impl Iterator<Item = Date> {
        let first = from.to_zoned_datetime(self.tz.clone()).date();
        let first = first.checked_sub(2.days()).unwrap_or(first);
        let last = to.to_zoned_datetime(self.tz.clone()).date();
        first.series(1.day()).take_while(move |&date| date <= last)
    }

    /// Every window occurrence opening on one of `dates`, as (window, opened, closes).
    fn occurrences_opening_on(
        &self,
        dates: impl IntoIterator<Item = Date>,
    ) -> impl Iterator<Item = (Window, Timestamp, Timestamp)> {
        dates.into_iter().flat_map(move |date| {
            self.windows.iter().filter_map(move |window| {
                window
                    .occurrence_opening_on(date, &self.tz)
                    .map(|(opened, closes)| (*window, opened, closes))
            })
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

    fn calendar(zone: &str, windows: &[&str], freezes: &[(&str, &str)]) -> Calendar {
        let tz = time_zone(zone).unwrap();
        let windows = windows.iter().map(|text| text.parse().unwrap()).collect();
        let freezes = freezes
            .iter()
            .map(|(start, end)| Freeze::parse(start, end, format!("{start}..{end}"), &tz).unwrap())
            .collect();
        Calendar::new(tz, windows, freezes)
    }

    /// The occurrence containing `at` as (window, opened, closed) instants, or None.
    fn window_at(calendar: &Calendar, at: &str) -> Option<(String, Timestamp, Timestamp)> {
        match calendar.check(instant(at)).window {
            WindowVerdict::Inside {
                window,
                opened,
                closes,
            } => Some((window.to_string(), opened.timestamp(), closes.timestamp())),
            WindowVerdict::Outside => None,
            WindowVerdict::NoWindows => panic!("windows are configured"),
        }
    }

    #[test]
    fn window_start_is_inclusive_and_end_exclusive() {
        let prod = calendar("America/New_York", &["Tue,Wed 18:00-21:00"], &[]);
        let opened = instant("2026-11-24T18:00-05:00");
        let closes = instant("2026-11-24T21:00-05:00");
        let cases = [
            ("2026-11-24T17:59:59.999999999-05:00", false),
            ("2026-11-24T18:00:00-05:00", true),
            ("2026-11-24T20:59:59.999999999-05:00", true),
            ("2026-11-24T21:00:00-05:00", false),
            ("2026-11-24T23:00:00Z", true),
            // Monday and Thursday are not listed.
            ("2026-11-23T19:00:00-05:00", false),
            ("2026-11-26T19:00:00-05:00", false),
        ];
        for (at, inside) in cases {
            let expected = inside.then(|| ("Tue,Wed 18:00-21:00".to_owned(), opened, closes));
            assert_eq!(window_at(&prod, at), expected, "{at}");
        }
        assert!(
            window_at(&prod, "2026-11-25T20:00-05:00").is_some(),
            "Wednesday"
        );
    }

    #[test]
    fn overnight_windows_cross_midnight_and_the_week_end() {
        let night = calendar(
            "Europe/London",
            &["Sat 22:00-02:00", "Sun 23:00-01:00"],
            &[],
        );
        let cases = [
            ("2026-11-28T21:59:59Z", None),
            (
                "2026-11-28T22:00:00Z",
                Some(("Sat 22:00-02:00", "2026-11-28T22:00Z", "2026-11-29T02:00Z")),
            ),
            (
                "2026-11-29T00:00:00Z",
                Some(("Sat 22:00-02:00", "2026-11-28T22:00Z", "2026-11-29T02:00Z")),
            ),
            (
                "2026-11-29T01:59:59Z",
                Some(("Sat 22:00-02:00", "2026-11-28T22:00Z", "2026-11-29T02:00Z")),
            ),
            ("2026-11-29T02:00:00Z", None),
            // Sunday night into Monday: the week wraps.
            ("2026-11-29T22:59:59Z", None),
            (
                "2026-11-29T23:00:00Z",
                Some(("Sun 23:00-01:00", "2026-11-29T23:00Z", "2026-11-30T01:00Z")),
            ),
            (
                "2026-11-30T00:30:00Z",
                Some(("Sun 23:00-01:00", "2026-11-29T23:00Z", "2026-11-30T01:00Z")),
            ),
            ("2026-11-30T01:00:00Z", None),
            // Friday night is not Saturday night.
            ("2026-11-28T01:00:00Z", None),
        ];
        for (at, expected) in cases {
            let expected = expected.map(|(window, opened, closes)| {
                (window.to_owned(), instant(opened), instant(closes))
            });
            assert_eq!(window_at(&night, at), expected, "{at}");
        }
    }

    #[test]
    fn overlapping_windows_report_the_one_closing_last() {
        let cal = calendar("UTC", &["Mon 08:00-12:00", "Mon 10:00-18:00"], &[]);
        let (window, _, closes) = window_at(&cal, "2026-11-30T11:00Z").unwrap();
        assert_eq!(
            (window.as_str(), closes),
            ("Mon 10:00-18:00", instant("2026-11-30T18:00Z"))
        );
    }

    #[test]
    fn dst_days_follow_the_documented_rule() {
        let ny = calendar(
            "America/New_York",
            &["Sun 01:30-04:00", "Sun 02:30-05:00"],
            &[],
        );
        let cases = [
            // 2026-03-08: 02:30 does not exist; that window opens at the jump.
            ("2026-03-08T06:59:59Z", Some("Sun 01:30-04:00")), // 01:59:59 EST
            ("2026-03-08T07:00:00Z", Some("Sun 02:30-05:00")), // 03:00 EDT
            ("2026-03-08T09:00:00Z", None),                    // 05:00 EDT
            // 2026-11-01: the first 01:30 (EDT) opens it, the second 04:00 is EST.
            ("2026-11-01T05:29:59Z", None),
            ("2026-11-01T05:30:00Z", Some("Sun 01:30-04:00")), // first 01:30
            ("2026-11-01T06:30:00Z", Some("Sun 01:30-04:00")), // second 01:30, still open
            ("2026-11-01T07:30:00Z", Some("Sun 02:30-05:00")), // 02:30 EST, both open
            ("2026-11-01T09:00:00Z", Some("Sun 02:30-05:00")), // 04:00 EST
            ("2026-11-01T10:00:00Z", None),                    // 05:00 EST
        ];
        for (at, expected) in cases {
            assert_eq!(
                window_at(&ny, at).map(|(window, ..)| window),
                expected.map(str::to_owned),
                "{at}"
            );
        }
    }

    #[test]
    fn no_windows_means_always_open_except_freezes() {
        let test_env = calendar("UTC", &[], &[("2026-12-25", "2026-12-25")]);
        let verdict = test_env.check(instant("2026-11-24T03:00Z"));
        assert_eq!(verdict.window, WindowVerdict::NoWindows);
        assert!(verdict.is_open());
        let christmas = test_env.check(instant("2026-12-25T12:00Z"));
        assert!(!christmas.is_open());
        assert_eq!(christmas.freezes.len(), 1);
    }

    #[test]
    fn check_lists_every_freeze_with_its_reason() {
        let prod = calendar(
            "America/New_York",
            &["Mon-Fri 00:00-24:00"],
            &[
                ("2026-12-21", "2027-01-04"),
                ("2026-12-24T12:00", "2026-12-26"),
                ("2026-06-01", "2026-06-02"),
            ],
        );
        let verdict = prod.check(instant("2026-12-24T13:00-05:00"));
        let reasons: Vec<_> = verdict.freezes.iter().map(Freeze::reason).collect();
        assert_eq!(
            reasons,
            ["2026-12-21..2027-01-04", "2026-12-24T12:00..2026-12-26"]
        );
        assert!(matches!(verdict.window, WindowVerdict::Inside { .. }));
        assert!(!verdict.is_open());
        assert_eq!(verdict.at.timestamp(), instant("2026-12-24T18:00Z"));
        assert_eq!(verdict.at.offset().seconds(), -5 * 3600);
    }

    #[test]
    fn next_open_finds_the_earliest_allowed_instant() {
        let prod = calendar(
            "America/New_York",
            &["Tue,Wed 18:00-21:00"],
            &[
                ("2026-12-21", "2027-01-04"),
                ("2026-12-01T19:00", "2026-12-01T20:00"),
            ],
        );
        let cases = [
            // Inside a window: now.
            ("2026-11-24T18:30-05:00", "2026-11-24T18:30-05:00"),
            // At the exact start and end of a window.
            ("2026-11-24T18:00-05:00", "2026-11-24T18:00-05:00"),
            ("2026-11-24T21:00-05:00", "2026-11-25T18:00-05:00"),
            // Thursday: wait for next Tuesday.
            ("2026-11-26T12:00-05:00", "2026-12-01T18:00-05:00"),
            // Inside a short freeze that ends while the window is still open.
            ("2026-12-01T19:15-05:00", "2026-12-01T20:00-05:00"),
            // The year-end freeze covers Tue 22, Wed 23, Tue 29, Wed 30 Dec; it
            // ends with 4 January (a Monday), so the next window is Tue 5 Jan.
            ("2026-12-20T12:00-05:00", "2027-01-05T18:00-05:00"),
            ("2026-12-22T18:30-05:00", "2027-01-05T18:00-05:00"),
            // Across the spring-forward change: Tue 10 March is in EDT.
            ("2026-03-05T12:00-05:00", "2026-03-10T18:00-04:00"),
        ];
        for (after, expected) in cases {
            let found = prod
                .next_open(instant(after))
                .map(|zoned| zoned.timestamp());
            assert_eq!(found, Some(instant(expected)), "after {after}");
        }
    }

    #[test]
    fn next_open_chains_freezes_that_touch() {
        let cal = calendar(
            "UTC",
            &[],
            &[("2026-12-01", "2026-12-02"), ("2026-12-03", "2026-12-03")],
        );
        let found = cal
            .next_open(instant("2026-12-01T10:00Z"))
            .map(|zoned| zoned.timestamp());
        assert_eq!(found, Some(instant("2026-12-04T00:00Z")));
    }

    #[test]
    fn next_open_gives_up_past_the_horizon() {
        let frozen_for_years = calendar(
            "UTC",
            &["Mon-Sun 00:00-24:00"],
            &[("2026-01-01", "2030-01-01")],
        );
        assert_eq!(
            frozen_for_years.next_open(instant("2026-06-01T00:00Z")),
            None
        );
        // Just inside the horizon is still found.
        let frozen_a_while = calendar(
            "UTC",
            &["Mon-Sun 00:00-24:00"],
            &[("2026-01-01", "2026-12-31")],
        );
        let found = frozen_a_while
            .next_open(instant("2026-01-01T00:00Z"))
            .map(|zoned| zoned.timestamp());
        assert_eq!(found, Some(instant("2027-01-01T00:00Z")));
        // At the end of representable time there is nothing to find, and no panic.
        let any_time = calendar("UTC", &["Mon 09:00-10:00"], &[]);
        assert_eq!(any_time.next_open(Timestamp::MAX), None);
    }

    #[test]
    fn next_open_is_in_the_calendar_zone() {
        let london = calendar("Europe/London", &["Mon-Fri 09:00-17:00"], &[]);
        let found = london.next_open(instant("2026-10-24T12:00Z")).unwrap();
        assert_eq!(
            found.to_string(),
            "2026-10-26T09:00:00+00:00[Europe/London]"
        );
    }
}
