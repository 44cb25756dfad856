//! `reltag calendar`: the feed read back by a standard iCalendar parser (the `icalendar`
//! crate's), every TZID time resolved with the VTIMEZONE the feed itself carries (as a
//! calendar application does), and compared with the instants reltag enforces, across
//! a daylight-saving change.

use std::collections::BTreeMap;

use icalendar::parser::{Component, read_calendar, unfold};
use jiff::Timestamp;
use jiff::civil::DateTime;

use crate::common::TestEnv;
use crate::dashboard::{NOW, fixture};

/// One VEVENT, its times as instants.
#[derive(Debug)]
struct Event {
    summary: String,
    start: Timestamp,
    end: Timestamp,
    description: String,
    categories: String,
}

fn property<'a>(
    component: &'a Component<'_>,
    name: &str,
) -> Option<&'a icalendar::parser::Property<'a>> {
    component
        .properties
        .iter()
        .find(|p| p.name.as_str() == name)
}

fn value(component: &Component<'_>, name: &str) -> String {
    property(component, name)
        .map(|p| p.val.as_str().to_string())
        .unwrap_or_default()
}

/// `-0500` → seconds east of UTC.
fn offset(text: &str) -> i64 {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let hours: i64 = text[1..3].parse().unwrap();
    let minutes: i64 = text[3..5].parse().unwrap();
    sign * (hours * 3600 + minutes * 60)
}

fn local(text: &str) -> DateTime {
    DateTime::strptime("%Y%m%dT%H%M%S", text).unwrap()
}

/// A VTIMEZONE's observances: (onset in the local time before it, offset before, after).
type Zone = Vec<(DateTime, i64, i64)>;

fn zones(components: &[Component<'_>]) -> BTreeMap<String, Zone> {
    let mut zones = BTreeMap::new();
    for zone in components.iter().filter(|c| c.name.as_str() == "VTIMEZONE") {
        let mut observances: Zone = zone
            .components
            .iter()
            .map(|o| {
                assert!(matches!(o.name.as_str(), "STANDARD" | "DAYLIGHT"));
                (
                    local(&value(o, "DTSTART")),
                    offset(&value(o, "TZOFFSETFROM")),
                    offset(&value(o, "TZOFFSETTO")),
                )
            })
            .collect();
        observances.sort();
        zones.insert(value(zone, "TZID"), observances);
    }
    zones
}

/// A DATE-TIME property as an instant: UTC as written, or a local time in its TZID's
/// observances (RFC 5545 3.3.5: a repeated local time is its first occurrence).
fn instant(component: &Component<'_>, name: &str, zones: &BTreeMap<String, Zone>) -> Timestamp {
    let p = property(component, name).unwrap();
    let text = p.val.as_str();
    if let Some(utc) = text.strip_suffix('Z') {
        return utc_instant(local(utc));
    }
    let tzid = p
        .params
        .iter()
        .find(|x| x.key.as_str() == "TZID")
        .and_then(|x| x.val.as_ref())
        .unwrap_or_else(|| panic!("{name}:{text} is floating"))
        .as_str()
        .to_string();
    let zone = zones
        .get(&tzid)
        .unwrap_or_else(|| panic!("no VTIMEZONE {tzid}"));
    let at = local(text);
    let seconds = zone
        .iter()
        .rev()
        .find(|(onset, _, _)| *onset <= at)
        .map_or(zone[0].1, |(_, _, to)| *to);
    let utc = utc_instant(at);
    utc - jiff::SignedDuration::from_secs(seconds)
}

fn utc_instant(at: DateTime) -> Timestamp {
    jiff::tz::TimeZone::UTC
        .to_ambiguous_timestamp(at)
        .compatible()
        .unwrap()
}

fn events(feed: &str) -> Vec<Event> {
    assert!(feed.contains("\r\n"), "lines end in CRLF");
    for line in feed.split("\r\n") {
        assert!(line.len() <= 75, "a line longer than 75 octets: {line}");
    }
    let unfolded = unfold(feed);
    let calendar = read_calendar(&unfolded).unwrap_or_else(|e| panic!("{e}\n{feed}"));
    let version = calendar
        .properties
        .iter()
        .find(|p| p.name.as_str() == "VERSION");
    assert_eq!(version.unwrap().val.as_str(), "2.0");
    let zones = zones(&calendar.components);
    calendar
        .components
        .iter()
        .filter(|c| c.name.as_str() == "VEVENT")
        .map(|c| {
            assert!(!value(c, "UID").is_empty() && !value(c, "DTSTAMP").is_empty());
            Event {
                summary: value(c, "SUMMARY"),
                start: instant(c, "DTSTART", &zones),
                end: instant(c, "DTEND", &zones),
                description: value(c, "DESCRIPTION"),
                categories: value(c, "CATEGORIES"),
            }
        })
        .collect()
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[test]
fn the_feed_holds_windows_freezes_and_scheduled_promotions_at_the_enforced_instants() {
    let env = TestEnv::new();
    let work = fixture(&env);
    let run = env.reltag_with(
        &work,
        &["calendar", "--offline", "--days", "14"],
        &[("RELTAG_NOW", NOW)],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let events = events(&run.stdout);
    let find = |summary: &str, start: &str| {
        events
            .iter()
            .find(|e| e.summary == summary && e.start == ts(start))
            .unwrap_or_else(|| panic!("no {summary} at {start} in {events:#?}"))
    };
    // Tue 15 Dec 18:00-21:00 New York (EST) and 09:00-11:00 Berlin (CET).
    assert_eq!(
        find("prod deploy window", "2026-12-15T23:00:00Z").end,
        ts("2026-12-16T02:00:00Z")
    );
    assert_eq!(
        find("prod-eu deploy window", "2026-12-15T08:00:00Z").end,
        ts("2026-12-15T10:00:00Z")
    );
    // The freeze, from midnight New York time, with its reason.
    let freeze = find("prod freeze: year-end freeze", "2026-12-21T05:00:00Z");
    assert_eq!(freeze.end, ts("2027-01-05T05:00:00Z"));
    assert!(freeze.categories.starts_with("FREEZE"), "{freeze:?}");
    // The scheduled promotion, until its window closes, with who scheduled it.
    let scheduled = find("v1.2.0 to prod", "2026-12-16T23:30:00Z");
    assert_eq!(scheduled.end, ts("2026-12-17T02:00:00Z"));
    assert!(
        scheduled.description.contains("ops@example.com"),
        "{scheduled:?}"
    );
    // Nothing outside the 14 days.
    assert!(events.iter().all(|e| e.start < ts("2026-12-28T12:00:00Z")));
}

const DST_POLICY: &str = r#"version = 1
[commits]
require_jira = false
[environments.prod]
timezone = "America/New_York"
windows = ["Sun 01:30-04:00", "Fri 09:00-10:00"]
[environments.prod-eu]
timezone = "Europe/Berlin"
windows = ["Fri 09:00-10:00"]
"#;

#[test]
fn windows_across_a_daylight_saving_change_come_out_right() {
    let env = TestEnv::new();
    let work = env.repo("work");
    std::fs::write(work.join("policy.toml"), DST_POLICY).unwrap();
    env.git(&work, &["add", "policy.toml"]);
    env.commit(&work, "policy");
    // Monday 19 October 2026: Berlin falls back on 25 October, New York on 1 November.
    let run = env.reltag_with(
        &work,
        &["calendar", "--offline", "--days", "21"],
        &[("RELTAG_NOW", "2026-10-19T12:00:00Z")],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.render());
    let events = events(&run.stdout);
    let starts = |summary: &str| -> Vec<(String, String)> {
        events
            .iter()
            .filter(|e| e.summary == summary)
            .map(|e| (e.start.to_string(), e.end.to_string()))
            .collect()
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        starts("prod-eu deploy window"),
        [
            // CEST (+02:00), then CET (+01:00): the same 09:00 local, an hour later in UTC.
            pair("2026-10-23T07:00:00Z", "2026-10-23T08:00:00Z"),
            pair("2026-10-30T08:00:00Z", "2026-10-30T09:00:00Z"),
            pair("2026-11-06T08:00:00Z", "2026-11-06T09:00:00Z"),
        ]
    );
    assert_eq!(
        starts("prod deploy window"),
        [
            pair("2026-10-23T13:00:00Z", "2026-10-23T14:00:00Z"),
            pair("2026-10-25T05:30:00Z", "2026-10-25T08:00:00Z"),
            pair("2026-10-30T13:00:00Z", "2026-10-30T14:00:00Z"),
            // Sun 1 Nov: opens at the first 01:30 (EDT), closes at 04:00 EST: 3.5 hours.
            pair("2026-11-01T05:30:00Z", "2026-11-01T09:00:00Z"),
            // Fri 6 and Sun 8 Nov, EST (-05:00).
            pair("2026-11-06T14:00:00Z", "2026-11-06T15:00:00Z"),
            pair("2026-11-08T06:30:00Z", "2026-11-08T09:00:00Z"),
        ]
    );
    // Both zones are described, each with the change inside the feed.
    assert!(run.stdout.contains("TZID:America/New_York\r\n"));
    assert!(run.stdout.contains("TZID:Europe/Berlin\r\n"));
    assert!(
        run.stdout
            .contains("DTSTART;TZID=Europe/Berlin:20261023T090000\r\n")
    );
}

#[test]
fn out_of_range_days_are_a_usage_error_and_out_writes_a_file() {
    let env = TestEnv::new();
    let work = fixture(&env);
    let run = env.reltag_with(
        &work,
        &["calendar", "--offline", "--days", "0"],
        &[("RELTAG_NOW", NOW)],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("1 to 731 days"), "{}", run.stderr);

    let run = env.reltag_with(
        &work,
        &["calendar", "--offline", "--out", "releases.ics"],
        &[("RELTAG_NOW", NOW)],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("wrote the release calendar to"),
        "{}",
        run.stderr
    );
    let feed = std::fs::read_to_string(work.join("releases.ics")).unwrap();
    assert!(!events(&feed).is_empty());
}

#[test]
fn the_feed_is_pinned() {
    let env = TestEnv::new();
    let work = fixture(&env);
    let run = env.reltag_with(
        &work,
        &["calendar", "--offline", "--days", "3"],
        &[("RELTAG_NOW", NOW)],
        None,
    );
    // Object ids and event ids (random) become `[ID]`.
    let ids = regex::Regex::new(r"\b[0-9a-f]{40}\b|\b[0-9a-f]{32}\b|\b[0-9a-f]{12}\b").unwrap();
    insta::assert_snapshot!(
        "calendar_feed",
        ids.replace_all(&run.render().replace("\r\n", "\n"), "[ID]")
    );
}

/// The UIDs of a feed, in order.
fn uids(feed: &str) -> Vec<String> {
    feed.lines()
        .filter_map(|l| l.strip_prefix("UID:"))
        .map(|uid| uid.trim_end().to_string())
        .collect()
}

#[test]
fn two_repositories_never_share_a_uid_and_two_clones_of_one_always_do() {
    let env = TestEnv::new();
    let feed = |name: &str, origin: &str| {
        let work = env.repo(name);
        std::fs::write(work.join("policy.toml"), DST_POLICY).unwrap();
        env.git(&work, &["add", "policy.toml"]);
        env.commit(&work, "policy");
        env.git(&work, &["remote", "add", "origin", origin]);
        let run = env.reltag_with(
            &work,
            &["calendar", "--offline", "--days", "7"],
            &[("RELTAG_NOW", "2026-10-19T12:00:00Z")],
            None,
        );
        assert_eq!(run.code, 0, "{}", run.render());
        uids(&run.stdout)
    };
    // The same policy, the same commit, the same windows: only the repository differs.
    let app = feed("app", "https://github.com/acme/app.git");
    let other = feed("other", "https://github.com/acme/other.git");
    let app_by_ssh = feed("app-ssh", "git@github.com:acme/app.git");
    assert!(!app.is_empty());
    assert!(
        app.iter().all(|uid| !other.contains(uid)),
        "a calendar importing both feeds would keep one: {app:?} {other:?}"
    );
    assert_eq!(
        app, app_by_ssh,
        "one repository, whichever way it was cloned"
    );
}
