//! The iCalendar feed (RFC 5545): one VEVENT per entry, every time in its environment's
//! zone with that zone's VTIMEZONE, so a calendar shows a window at 18:00 New York time
//! whatever its own zone.
//!
//! A local time names one instant only when the zone's rules and RFC 5545 agree on it:
//! in a repeated hour (fall back) RFC 5545 takes the first occurrence. A window that
//! closes at the second occurrence (the DST rule of `schedule/dst.md`) is written in UTC
//! instead, so every start and end is exactly the instant reltag enforces.

use std::fmt::Write as _;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::{Entry, EntryKind};

/// The feed for `entries`, stamped `now` (DTSTAMP), named `name` in calendars.
pub fn feed(entries: &[Entry], name: &str, now: Timestamp) -> String {
    let mut out = Lines::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line(&format!(
        "PRODID:-//reltag//reltag {}//EN",
        env!("CARGO_PKG_VERSION")
    ));
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.line(&format!("X-WR-CALNAME:{}", text(name)));
    let mut zones: Vec<(String, Timestamp, Timestamp)> = Vec::new();
    for entry in entries {
        match zones.iter_mut().find(|(z, _, _)| *z == entry.timezone) {
            Some((_, first, last)) => {
                *first = (*first).min(entry.start);
                *last = (*last).max(entry.end);
            }
            None => zones.push((entry.timezone.clone(), entry.start, entry.end)),
        }
    }
    for (zone, first, last) in &zones {
        let tz = crate::schedule::time_zone(zone).unwrap_or(TimeZone::UTC);
        if tz != TimeZone::UTC {
            vtimezone(&mut out, zone, &tz, *first, *last);
        }
    }
    let stamp = utc(now);
    for entry in entries {
        let tz = entry.zone();
        out.line("BEGIN:VEVENT");
        out.line(&format!("UID:{}", text(&entry.uid)));
        out.line(&format!("DTSTAMP:{stamp}"));
        out.line(&format!("DTSTART{}", time(entry.start, &tz)));
        out.line(&format!("DTEND{}", time(entry.end, &tz)));
        out.line(&format!("SUMMARY:{}", text(&entry.title)));
        if let Some(detail) = &entry.detail {
            out.line(&format!("DESCRIPTION:{}", text(detail)));
        }
        let (category, transparent) = match entry.kind {
            EntryKind::Window => ("DEPLOY WINDOW", true),
            EntryKind::Freeze => ("FREEZE", true),
            EntryKind::Scheduled => ("SCHEDULED PROMOTION", false),
        };
        out.line(&format!("CATEGORIES:{category},{}", text(&entry.env)));
        out.line(if transparent {
            "TRANSP:TRANSPARENT"
        } else {
            "TRANSP:OPAQUE"
        });
        out.line("END:VEVENT");
    }
    out.line("END:VCALENDAR");
    out.0
}

/// CRLF lines folded at 75 octets (RFC 5545 3.1), never inside a character.
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn line(&mut self, line: &str) {
        let mut width = 0;
        for c in line.chars() {
            if width + c.len_utf8() > 75 {
                self.0.push_str("\r\n ");
                width = 1;
            }
            self.0.push(c);
            width += c.len_utf8();
        }
        self.0.push_str("\r\n");
    }
}

/// A TEXT value: unsafe characters made visible by the one escaper, then RFC 5545's
/// escapes for backslash, `;`, `,` and line breaks.
fn text(value: &str) -> String {
    let shown = crate::text::escape_block(value);
    let mut out = String::with_capacity(shown.len());
    for c in shown.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn utc(at: Timestamp) -> String {
    at.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// `;TZID=America/New_York:20261124T180000`, or `:20261124T230000Z` when the local time
/// would name another instant (the second pass of a repeated hour) or the zone is UTC.
fn time(at: Timestamp, tz: &TimeZone) -> String {
    let Some(name) = tz.iana_name().filter(|_| *tz != TimeZone::UTC) else {
        return format!(":{}", utc(at));
    };
    let local = at.to_zoned_datetime(tz.clone()).datetime();
    let first = tz.to_ambiguous_timestamp(local).earlier().ok();
    if first == Some(at) {
        format!(";TZID={name}:{}", local.strftime("%Y%m%dT%H%M%S"))
    } else {
        format!(":{}", utc(at))
    }
}

/// The zone's rules from the offset in force at `first` to the last change before `last`,
/// one STANDARD or DAYLIGHT component per change, as reltag's bundled database has them.
fn vtimezone(out: &mut Lines, name: &str, tz: &TimeZone, first: Timestamp, last: Timestamp) {
    out.line("BEGIN:VTIMEZONE");
    out.line(&format!("TZID:{name}"));
    let in_force = tz
        .preceding(
            first
                .saturating_add(SignedDuration::from_secs(1))
                .unwrap_or(first),
        )
        .next();
    let mut components = Vec::new();
    match in_force {
        Some(t) => components.push((
            t.timestamp(),
            t.offset(),
            t.abbreviation().to_string(),
            t.dst().is_dst(),
        )),
        None => {
            let info = tz.to_offset_info(first);
            components.push((
                Timestamp::UNIX_EPOCH,
                info.offset(),
                info.abbreviation().to_string(),
                info.dst().is_dst(),
            ));
        }
    }
    for t in tz.following(first).take_while(|t| t.timestamp() <= last) {
        components.push((
            t.timestamp(),
            t.offset(),
            t.abbreviation().to_string(),
            t.dst().is_dst(),
        ));
    }
    for (at, offset, abbreviation, dst) in components {
        let before = tz.to_offset(
            at.saturating_sub(SignedDuration::from_secs(1))
                .unwrap_or(at),
        );
        let before = if at == Timestamp::UNIX_EPOCH {
            offset
        } else {
            before
        };
        let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
        // DTSTART is the onset in the local time in force before it.
        let onset = at.to_zoned_datetime(TimeZone::fixed(before)).datetime();
        out.line(&format!("BEGIN:{kind}"));
        out.line(&format!("DTSTART:{}", onset.strftime("%Y%m%dT%H%M%S")));
        out.line(&format!("TZOFFSETFROM:{}", offset_text(before)));
        out.line(&format!("TZOFFSETTO:{}", offset_text(offset)));
        out.line(&format!("TZNAME:{}", text(&abbreviation)));
        out.line(&format!("END:{kind}"));
    }
    out.line("END:VTIMEZONE");
}

/// `-0500`, `+0530`, `+0000`.
fn offset_text(offset: jiff::tz::Offset) -> String {
    let seconds = offset.seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    let mut out = String::new();
    let _ = write!(out, "{sign}{:02}{:02}", minutes / 60, minutes % 60);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(start: &str, end: &str) -> Entry {
        Entry {
            kind: EntryKind::Window,
            env: "prod".into(),
            timezone: "America/New_York".into(),
            start: start.parse().unwrap(),
            end: end.parse().unwrap(),
            title: "prod deploy window".into(),
            detail: Some("window Sun 01:30-04:00, a; b, c\\d".into()),
            version: None,
            uid: "window-prod-1@reltag".into(),
        }
    }

    #[test]
    fn a_window_across_the_fall_back_ends_in_utc_at_its_second_pass() {
        // Sun 01:30-04:00 on 2026-11-01: opens at the first 01:30 (EDT), closes at 04:00 EST.
        let text = feed(
            &[entry("2026-11-01T05:30:00Z", "2026-11-01T09:00:00Z")],
            "Releases",
            "2026-10-30T12:00:00Z".parse().unwrap(),
        );
        assert!(
            text.contains("DTSTART;TZID=America/New_York:20261101T013000\r\n"),
            "{text}"
        );
        assert!(
            text.contains("DTEND;TZID=America/New_York:20261101T040000\r\n"),
            "{text}"
        );
        assert!(text.contains("DESCRIPTION:window Sun 01:30-04:00\\, a\\; b\\, c\\\\d\r\n"));
        assert!(
            text.contains("TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST"),
            "{text}"
        );
        // The second 01:30 (EST) is not what a local 01:30 means: written in UTC.
        let second = feed(
            &[entry("2026-11-01T04:00:00Z", "2026-11-01T06:30:00Z")],
            "Releases",
            "2026-10-30T12:00:00Z".parse().unwrap(),
        );
        assert!(second.contains("DTEND:20261101T063000Z\r\n"), "{second}");
        assert!(text.lines().all(|l| l.len() <= 76));
    }

    #[test]
    fn a_reason_cannot_add_a_property_or_an_event() {
        let mut hostile = entry("2026-11-03T23:00:00Z", "2026-11-04T02:00:00Z");
        hostile.title = "prod freeze: x\r\nBEGIN:VEVENT\nATTACH:https://evil.example".into();
        let text = feed(
            &[hostile],
            "Releases",
            "2026-10-30T12:00:00Z".parse().unwrap(),
        );
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(), 1);
        assert!(!lines.iter().any(|l| l.starts_with("ATTACH")), "{text}");
        assert!(!text.contains("\r\nATTACH"), "{text}");
        assert!(
            text.contains("x\\\\u{d}\\nBEGIN:VEVENT\\nATTACH:"),
            "{text}"
        );
    }

    #[test]
    fn long_lines_fold_without_splitting_a_character() {
        let mut lines = Lines::default();
        let long = format!("SUMMARY:{}", "é".repeat(60));
        lines.line(&long);
        for line in lines.0.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert_eq!(lines.0.replace("\r\n ", ""), format!("{long}\r\n"));
    }
}
