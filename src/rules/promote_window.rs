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
    let verdict = facts.calendar.check(facts.now);
    let now = facts.when(facts.now);
    match verdict.window {
        WindowVerdict::NoWindows => format!("{now}: no windows, any time"),
        WindowVerdict::Inside { window, closes, .. } => {
            format!("{now}: inside {window}, until {}", super::when(&closes))
        }
        WindowVerdict::Outside => {
            let windows: Vec<String> = facts
                .calendar
                .windows()
                .iter()
                .map(|w| w.to_string())
                .collect();
            let next = facts
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
