use super::{PromoteFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// The promotion does not fall inside one of the environment's freezes.
    ///
    /// ## Why
    /// Year-end, a launch, an audit: some periods take no changes at all.
    ///
    /// ## Example
    /// `freezes = [{ start = "2026-12-21", end = "2027-01-04", reason = "year-end freeze" }]`:
    /// a promotion on 2027-01-04 at 20:00 is refused (end dates are inclusive).
    ///
    /// ## Configuration
    /// `[environments.<env>] freezes`, in the environment's `timezone`. An emergency may
    /// skip it only when `[emergency] may_skip` lists `freezes`.
    ///
    /// ## How to fix
    /// Wait until the freeze ends, or follow the emergency procedure.
    pub struct PromoteFreeze { id: "promote-freeze", group: Promotion }
}

pub fn check(facts: &PromoteFacts, _policy: &Policy, out: &mut Vec<Finding>) -> String {
    let verdict = facts.environment.calendar.check(facts.now);
    if verdict.freezes.is_empty() {
        return format!("no freeze at {}", facts.when(facts.now));
    }
    let mut value = Vec::new();
    for freeze in &verdict.freezes {
        out.push(
            Finding::error(
                PromoteFreeze::ID,
                facts.subject(),
                format!("{} is frozen: {freeze}", facts.env),
            )
            .with_hint(format!(
                "promotions resume {}",
                facts.when(freeze.ends_at())
            )),
        );
        value.push(freeze.to_string());
    }
    format!("frozen: {}", value.join("; "))
}
