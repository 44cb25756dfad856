use super::{PromoteFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;
use crate::schedule::WindowVerdict;

declare_rule! {
    /// ## What it checks
    /// The promotion happens inside one of the environment's deploy windows, in the
    /// environment's time zone.
    ///
    /// ## Why
    /// Deploy when people are there to watch, and not during peak traffic.
    ///
    /// ## Example
    /// `windows = ["Tue,Wed 18:00-21:00"]`, `timezone = "America/New_York"`: a promotion
    /// at 13:00 on Tuesday is refused; the hint names the next opening.
    ///
    /// ## Configuration
    /// `[environments.<env>] windows` and `timezone` (the README explains days, overnight
    /// ranges and clock changes). No windows: any time. For rollbacks, only when
    /// `rollback_anytime = false`. An emergency may skip it when `may_skip` lists `windows`.
    ///
    /// ## How to fix
    /// Promote inside the window (`reltag status` names the next one).
    pub struct PromoteWindow { id: "promote-window", group: Promotion }
}

pub fn check(facts: &PromoteFacts, _policy: &Policy, out: &mut Vec<Finding>) -> String {
    let verdict = facts.environment.calendar.check(facts.now);
    let now = facts.when(facts.now);
    match verdict.window {
        WindowVerdict::NoWindows => format!("{now}: no windows, any time"),
        WindowVerdict::Inside { window, closes, .. } => {
            format!("{now}: inside {window}, until {}", super::when(&closes))
        }
        WindowVerdict::Outside => {
            let windows: Vec<String> = facts
                .environment
                .calendar
                .windows()
                .iter()
                .map(|w| w.to_string())
                .collect();
            let next = facts
                .environment
                .calendar
                .next_open(facts.now)
                .map_or("no window opens within a year".to_string(), |at| {
                    format!("the next window opens {}", super::when(&at))
                });
            out.push(
                Finding::error(
                    PromoteWindow::ID,
                    facts.subject(),
                    format!(
                        "{now} is outside the deploy windows of {} ({})",
                        facts.env,
                        windows.join("; ")
                    ),
                )
                .with_hint(next),
            );
            format!("{now}: outside {}", windows.join("; "))
        }
    }
}

/// Gate-level decisions around boundaries and clock changes, in two zones: the window,
/// freeze, notice and soak verdicts that `reltag promote` prints.
#[cfg(test)]
mod tests {
    use crate::gates;
    use crate::ledger::{Deployment, EventId, EventKind, ScheduleRecord};
    use crate::policy::Policy;
    use crate::report::Verdict as CheckVerdict;
    use crate::rules::PromoteFacts;
    use jiff::Timestamp;

    fn policy(zone: &str, windows: &str) -> Policy {
        let text = format!(
            "version = 1\n[roles]\nops = [\"ops@example.com\"]\n[environments.staging]\n[environments.prod]\nfrom = \"staging\"\ntimezone = \"{zone}\"\nwindows = [{windows}]\nnotice = \"24h\"\nsoak = \"1d\"\nfreezes = [{{ start = \"2026-12-21\", end = \"2027-01-04\", reason = \"year-end\" }}]\n"
        );
        Policy::from_toml(&text, "policy.toml", crate::policy::Source::Default).unwrap()
    }

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// The verdicts of (window, freeze, notice, soak) for a promotion at `now` of a version
    /// in staging since `since`, scheduled at `scheduled` for `at`.
    fn verdicts(
        policy: &Policy,
        now: &str,
        since: &str,
        scheduled: &str,
        at: &str,
    ) -> [CheckVerdict; 4] {
        let staging = Deployment {
            kind: EventKind::Promote,
            version: "v1.0.0".into(),
            commit: "c".repeat(40),
            since: ts(since),
            actor: "ops@example.com".into(),
            event_id: EventId::parse("0123456789abcdef").unwrap(),
            artifacts: vec![],
            emergency: false,
            reason: None,
        };
        let schedule = ScheduleRecord {
            version: "v1.0.0".into(),
            env: "prod".into(),
            at: ts(at),
            commit: "c".repeat(40),
            actor: "ops@example.com".into(),
            time: ts(scheduled),
            emergency: false,
            reason: None,
            event_id: EventId::parse("0123456789abcdee").unwrap(),
        };
        let facts = PromoteFacts {
            version: "v1.0.0",
            env: "prod",
            environment: policy.environment("prod").unwrap(),
            now: ts(now),
            actor: "ops@example.com",
            tag_commit: None,
            cut: None,
            from_current: Some(&staging),
            target: None,
            schedules: std::slice::from_ref(&schedule),
            approvals: &[],
            refused: &[],
            release_authors: &[],
            recorded_artifacts: &[],
            artifacts: &[],
            emergency: false,
            reason: None,
        };
        let lines = gates::promote(&facts, policy);
        let get = |id: &str| lines.iter().find(|l| l.rule == id).unwrap().verdict;
        [
            get("promote-window"),
            get("promote-freeze"),
            get("promote-notice"),
            get("promote-soak"),
        ]
    }

    use CheckVerdict::{Blocked as B, Ok as O};

    #[test]
    fn new_york_window_freeze_notice_and_soak_boundaries() {
        let p = policy("America/New_York", "\"Tue,Wed 18:00-21:00\"");
        // (now, in staging since, scheduled when, scheduled for) → window, freeze, notice, soak
        let cases: &[(&str, &str, &str, &str, [CheckVerdict; 4])] = &[
            // Wed 18:00 EST exactly: window opens, schedule for 18:00 given 24 h ahead, soak 24 h.
            (
                "2026-11-25T23:00:00Z",
                "2026-11-24T23:00:00Z",
                "2026-11-24T23:00:00Z",
                "2026-11-25T23:00:00Z",
                [O, O, O, O],
            ),
            // One second earlier: window closed, too early for the schedule, soak short.
            (
                "2026-11-25T22:59:59Z",
                "2026-11-24T23:00:00Z",
                "2026-11-24T23:00:00Z",
                "2026-11-25T23:00:00Z",
                [B, O, B, B],
            ),
            // 20:59:59 is inside; 21:00 is not (end exclusive), and the scheduled window closed.
            (
                "2026-11-26T01:59:59Z",
                "2026-11-24T23:00:00Z",
                "2026-11-24T23:00:00Z",
                "2026-11-25T23:00:00Z",
                [O, O, O, O],
            ),
            (
                "2026-11-26T02:00:00Z",
                "2026-11-24T23:00:00Z",
                "2026-11-24T23:00:00Z",
                "2026-11-25T23:00:00Z",
                [B, O, B, O],
            ),
            // Notice one second short of 24 h.
            (
                "2026-11-25T23:30:00Z",
                "2026-11-23T23:00:00Z",
                "2026-11-24T23:00:01Z",
                "2026-11-25T23:00:00Z",
                [O, O, B, O],
            ),
            // Freeze: the inclusive end date 2027-01-04 (a Monday) is frozen through 23:59:59
            // local; a Tuesday in the freeze is inside the window and still blocked.
            (
                "2026-12-22T23:30:00Z",
                "2026-12-20T23:00:00Z",
                "2026-12-21T23:00:00Z",
                "2026-12-22T23:00:00Z",
                [O, B, O, O],
            ),
            (
                "2027-01-05T23:30:00Z",
                "2027-01-03T23:00:00Z",
                "2027-01-04T23:00:00Z",
                "2027-01-05T23:00:00Z",
                [O, O, O, O],
            ),
        ];
        for (now, since, scheduled, at, expected) in cases {
            assert_eq!(
                &verdicts(&p, now, since, scheduled, at),
                expected,
                "now {now}"
            );
        }
    }

    #[test]
    fn dst_days_in_new_york_and_london() {
        // New York springs forward on Sun 2026-03-08 (02:00 → 03:00): a window starting
        // at 02:30 opens at 03:00 EDT = 07:00Z. A 1 d soak is 24 elapsed hours.
        let ny = policy("America/New_York", "\"Sun 02:30-05:00\"");
        let cases: &[(&str, &str, &str, &str, [CheckVerdict; 4])] = &[
            (
                "2026-03-08T06:59:59Z",
                "2026-03-07T06:00:00Z",
                "2026-03-07T06:00:00Z",
                "2026-03-08T07:00:00Z",
                [B, O, B, O],
            ),
            (
                "2026-03-08T07:00:00Z",
                "2026-03-07T06:00:00Z",
                "2026-03-07T06:00:00Z",
                "2026-03-08T07:00:00Z",
                [O, O, O, O],
            ),
            // Soak begun Saturday 12:00 EST (17:00Z) ends Sunday 13:00 EDT (17:00Z).
            (
                "2026-03-08T08:00:00Z",
                "2026-03-07T17:00:00Z",
                "2026-03-07T06:00:00Z",
                "2026-03-08T07:00:00Z",
                [O, O, O, B],
            ),
        ];
        for (now, since, scheduled, at, expected) in cases {
            assert_eq!(
                &verdicts(&ny, now, since, scheduled, at),
                expected,
                "NY now {now}"
            );
        }
        // New York falls back on Sun 2026-11-01 (01:00-02:00 twice): a window 01:30-04:00
        // opens at the first 01:30 (05:30Z) and closes at 04:00 EST (09:00Z).
        let fall = policy("America/New_York", "\"Sun 01:30-04:00\"");
        for (now, expected) in [
            ("2026-11-01T05:29:59Z", B),
            ("2026-11-01T05:30:00Z", O),
            ("2026-11-01T08:59:59Z", O),
            ("2026-11-01T09:00:00Z", B),
        ] {
            let got = verdicts(
                &fall,
                now,
                "2026-10-30T00:00:00Z",
                "2026-10-30T00:00:00Z",
                "2026-11-01T05:30:00Z",
            );
            assert_eq!(got[0], expected, "NY fall {now}");
        }
        // London springs forward on Sun 2026-03-29 at 01:00 (→ 02:00): a window
        // 01:30-03:00 opens at 02:00 BST = 01:00Z; it falls back on 2026-10-25 at 02:00
        // (01:00-02:00 twice): a window 00:00-01:30 closes at the second 01:30 (01:30Z).
        let spring = policy("Europe/London", "\"Sun 01:30-03:00\"");
        for (now, expected) in [
            ("2026-03-29T00:59:59Z", B),
            ("2026-03-29T01:00:00Z", O),
            ("2026-03-29T01:59:59Z", O),
            ("2026-03-29T02:00:00Z", B),
        ] {
            let got = verdicts(
                &spring,
                now,
                "2026-03-27T00:00:00Z",
                "2026-03-27T00:00:00Z",
                "2026-03-29T01:00:00Z",
            );
            assert_eq!(got[0], expected, "London spring {now}");
        }
        let autumn = policy("Europe/London", "\"Sun 00:00-01:30\"");
        for (now, expected) in [
            ("2026-10-25T00:45:00Z", O),
            ("2026-10-25T01:29:59Z", O),
            ("2026-10-25T01:30:00Z", B),
        ] {
            let got = verdicts(
                &autumn,
                now,
                "2026-10-23T00:00:00Z",
                "2026-10-23T00:00:00Z",
                "2026-10-24T23:00:00Z",
            );
            assert_eq!(got[0], expected, "London autumn {now}");
            // The schedule for the window's opening, given a day ahead, holds all window long.
            assert_eq!(got[2], expected, "London autumn notice {now}");
        }
    }
}
