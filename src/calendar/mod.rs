//! The release calendar: every environment's deploy windows, its freezes and the
//! scheduled promotions over a span of days, as entries (the release page's 14 days) and
//! as an iCalendar feed (RFC 5545) that Google Calendar, Outlook and Apple Calendar import.
//!
//! Nothing here decides anything: the windows and freezes are the environments'
//! [`Calendar`]s (the same ones the promotion gate reads), the scheduled promotions the
//! ledger's pending schedules.

mod ics;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Serialize;

pub use ics::feed;

use crate::ledger::ScheduleRecord;
use crate::schedule::{Calendar, WindowVerdict};

/// How many days the feed covers unless told otherwise.
pub const FEED_DAYS: i64 = 90;

/// The longest feed: two years of windows.
pub const MAX_FEED_DAYS: i64 = 731;

/// One environment's calendar, by name, in the policy's order.
#[derive(Debug, Clone, Copy)]
pub struct EnvCalendar<'a> {
    pub env: &'a str,
    pub calendar: &'a Calendar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// An occurrence of a deploy window.
    Window,
    /// A freeze (any part of it inside the span).
    Freeze,
    /// A promotion announced with `reltag schedule`, not yet done.
    Scheduled,
}

/// One thing on the calendar, `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub kind: EntryKind,
    pub env: String,
    /// The environment's IANA zone: times are shown in it.
    pub timezone: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// `prod deploy window`, `prod freeze: year-end freeze`, `v1.2.3 to prod`.
    pub title: String,
    /// The window as written, the freeze's reason, who scheduled and why.
    pub detail: Option<String>,
    pub version: Option<String>,
    /// Stable across runs, so a calendar that imports the feed again updates an entry
    /// instead of adding a copy.
    pub uid: String,
}

impl Entry {
    pub fn zone(&self) -> TimeZone {
        crate::schedule::time_zone(&self.timezone).unwrap_or(TimeZone::UTC)
    }
}

/// What makes the entries' UIDs this repository's: the remote `origin`'s address
/// without its scheme, user and `.git` (`github.com/acme/app`, the same from an ssh and
/// an https clone), else the root commit HEAD's first parents lead to, else the
/// repository's path; hashed, 12 hex digits. Without it, two repositories with a `prod`
/// window at the same hour would give the same UID, and a calendar that imports both
/// feeds would keep one of them.
pub fn uid_scope(repo: &gix::Repository) -> String {
    use sha2::Digest as _;
    let origin = repo
        .config_snapshot()
        .string("remote.origin.url")
        .map(|url| normalized_remote(&url.to_string()))
        .filter(|url| !url.is_empty());
    let identity = origin
        .or_else(|| root_commit(repo).map(|id| format!("root {id}")))
        .unwrap_or_else(|| format!("path {}", repo.git_dir().display()));
    let digest = sha2::Sha256::digest(identity.as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// `https://user@GitHub.com/acme/app.git`, `git@github.com:acme/app` and
/// `ssh://git@github.com/acme/app/` are all `github.com/acme/app`.
fn normalized_remote(url: &str) -> String {
    let url = url.trim();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (host, path) = match rest.split_once('/') {
        // scp-like `user@host:path` has a `:` before the first `/`.
        Some((head, tail)) if !url.contains("://") && head.contains(':') => {
            let (host, first) = head.split_once(':').unwrap_or((head, ""));
            (host.to_string(), format!("{first}/{tail}"))
        }
        Some((host, path)) => (host.to_string(), path.to_string()),
        None => match rest.split_once(':') {
            Some((host, path)) if !url.contains("://") => (host.to_string(), path.to_string()),
            _ => (rest.to_string(), String::new()),
        },
    };
    let host = host.rsplit_once('@').map_or(host.as_str(), |(_, h)| h);
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    format!("{}/{path}", host.to_ascii_lowercase())
}

/// The root commit reached from HEAD by first parents.
fn root_commit(repo: &gix::Repository) -> Option<gix::ObjectId> {
    let mut id = repo.head_id().ok()?.detach();
    loop {
        let commit = repo.find_commit(id).ok()?;
        match commit.parent_ids().next() {
            Some(parent) => id = parent.detach(),
            None => return Some(id),
        }
    }
}

/// The windows, freezes and scheduled promotions that touch `[from, from + days)`, in
/// start order (windows before freezes before promotions at the same instant). `scope`
/// ([`uid_scope`]) makes their UIDs this repository's.
pub fn entries(
    envs: &[EnvCalendar<'_>],
    schedules: &[ScheduleRecord],
    from: Timestamp,
    days: i64,
    scope: &str,
) -> Vec<Entry> {
    let to = from
        .saturating_add(SignedDuration::from_hours(24 * days.max(0)))
        .unwrap_or(from);
    let mut entries = Vec::new();
    for env in envs {
        let tz = env.calendar.time_zone();
        let zone = tz.iana_name().unwrap_or("UTC").to_string();
        // An occurrence lasts at most a day and a DST shift: start two days early.
        let first = from.to_zoned_datetime(tz.clone()).date();
        let first = first.checked_sub(2.days()).unwrap_or(first);
        let last = to.to_zoned_datetime(tz.clone()).date();
        for date in first.series(1.day()).take_while(|d| *d <= last) {
            for window in env.calendar.windows() {
                let Some((opens, closes)) = window.occurrence_opening_on(date, tz) else {
                    continue;
                };
                if closes <= from || opens >= to {
                    continue;
                }
                entries.push(Entry {
                    kind: EntryKind::Window,
                    env: env.env.to_string(),
                    timezone: zone.clone(),
                    start: opens,
                    end: closes,
                    title: format!("{} deploy window", env.env),
                    detail: Some(format!("window {window} ({zone})")),
                    version: None,
                    uid: format!("window-{}-{}-{scope}@reltag", env.env, opens.as_second()),
                });
            }
        }
        for freeze in env.calendar.freezes() {
            if freeze.ends_at() <= from || freeze.starts_at() >= to {
                continue;
            }
            let reason = freeze.reason();
            entries.push(Entry {
                kind: EntryKind::Freeze,
                env: env.env.to_string(),
                timezone: zone.clone(),
                start: freeze.starts_at(),
                end: freeze.ends_at(),
                title: if reason.is_empty() {
                    format!("{} freeze", env.env)
                } else {
                    format!("{} freeze: {reason}", env.env)
                },
                detail: Some(format!("no promotions to {}: {freeze}", env.env)),
                version: None,
                uid: format!(
                    "freeze-{}-{}-{scope}@reltag",
                    env.env,
                    freeze.starts_at().as_second()
                ),
            });
        }
        for schedule in schedules.iter().filter(|s| s.env == env.env) {
            if schedule.at < from || schedule.at >= to {
                continue;
            }
            // Until the window closes: a scheduled promotion may happen in it.
            let end = match env.calendar.check(schedule.at).window {
                WindowVerdict::Inside { closes, .. } => closes.timestamp(),
                _ => schedule
                    .at
                    .saturating_add(SignedDuration::from_hours(1))
                    .unwrap_or(schedule.at),
            };
            let mut detail = format!(
                "scheduled by {} at {}",
                schedule.actor,
                crate::rules::when(&schedule.time.to_zoned_datetime(tz.clone()))
            );
            if schedule.emergency {
                detail.push_str(" (EMERGENCY)");
            }
            if let Some(reason) = &schedule.reason {
                detail.push_str(&format!(": {reason}"));
            }
            entries.push(Entry {
                kind: EntryKind::Scheduled,
                env: env.env.to_string(),
                timezone: zone.clone(),
                start: schedule.at,
                end,
                title: format!("{} to {}", schedule.version, env.env),
                detail: Some(detail),
                version: Some(schedule.version.clone()),
                uid: format!("schedule-{}-{scope}@reltag", schedule.event_id.as_str()),
            });
        }
    }
    entries.sort_by(|a, b| (a.start, a.kind as u8, &a.env).cmp(&(b.start, b.kind as u8, &b.env)));
    entries
}

/// Every environment's calendar, in the policy's order.
pub fn of_policy(policy: &crate::policy::Policy) -> Vec<EnvCalendar<'_>> {
    policy
        .environments
        .iter()
        .map(|environment| EnvCalendar {
            env: &environment.name,
            calendar: &environment.calendar,
        })
        .collect()
}

/// A feed covers 1 to [`MAX_FEED_DAYS`] days.
pub fn check_days(days: i64) -> Result<(), String> {
    if (1..=MAX_FEED_DAYS).contains(&days) {
        return Ok(());
    }
    Err(format!(
        "{days} days is out of range: the calendar covers 1 to {MAX_FEED_DAYS} days"
    ))
}

/// The feed's text: windows and freezes from the calendars, scheduled promotions from the
/// environments' records in `state`.
pub fn feed_of(
    state: &crate::ledger::State,
    calendars: &[EnvCalendar<'_>],
    now: Timestamp,
    days: i64,
    scope: &str,
) -> crate::ledger::Result<String> {
    let mut schedules = Vec::new();
    for calendar in calendars {
        if let Some(record) = state.env(calendar.env)? {
            schedules.extend(record.schedules);
        }
    }
    let entries = entries(calendars, &schedules, now, days, scope);
    Ok(feed(
        &entries,
        "Releases",
        now.round(jiff::Unit::Second).unwrap_or(now),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{Freeze, time_zone};

    fn calendar(zone: &str, windows: &[&str], freezes: &[(&str, &str, &str)]) -> Calendar {
        let tz = time_zone(zone).unwrap();
        Calendar::new(
            tz.clone(),
            windows.iter().map(|w| w.parse().unwrap()).collect(),
            freezes
                .iter()
                .map(|(s, e, r)| Freeze::parse(s, e, *r, &tz).unwrap())
                .collect(),
        )
    }

    #[test]
    fn windows_and_freezes_inside_the_span_in_start_order() {
        let prod = calendar(
            "America/New_York",
            &["Tue,Wed 18:00-21:00"],
            &[("2026-12-21", "2027-01-04", "year-end freeze")],
        );
        let envs = [EnvCalendar {
            env: "prod",
            calendar: &prod,
        }];
        let from: Timestamp = "2026-12-14T12:00:00Z".parse().unwrap();
        let got = entries(&envs, &[], from, 14, "0123456789ab");
        let shown: Vec<String> = got
            .iter()
            .map(|e| format!("{:?} {} {} {}", e.kind, e.start, e.end, e.title))
            .collect();
        assert_eq!(
            shown,
            [
                "Window 2026-12-15T23:00:00Z 2026-12-16T02:00:00Z prod deploy window",
                "Window 2026-12-16T23:00:00Z 2026-12-17T02:00:00Z prod deploy window",
                "Freeze 2026-12-21T05:00:00Z 2027-01-05T05:00:00Z prod freeze: year-end freeze",
                "Window 2026-12-22T23:00:00Z 2026-12-23T02:00:00Z prod deploy window",
                "Window 2026-12-23T23:00:00Z 2026-12-24T02:00:00Z prod deploy window",
            ]
        );
        assert!(
            got.iter().all(|e| e.uid.ends_with("-0123456789ab@reltag")),
            "{got:?}"
        );
    }

    #[test]
    fn a_remote_is_the_same_repository_whatever_the_protocol() {
        let expected = "github.com/acme/app";
        for url in [
            "https://github.com/acme/app.git",
            "https://user@GitHub.com/acme/app/",
            "git@github.com:acme/app.git",
            "ssh://git@github.com/acme/app",
            "github.com:acme/app",
        ] {
            assert_eq!(normalized_remote(url), expected, "{url}");
        }
        assert_ne!(
            normalized_remote("https://github.com/acme/other.git"),
            expected
        );
    }
}
