use super::{PromoteFacts, declare_rule, span_text};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// The version has run in the `from` environment for at least `soak` (elapsed time,
    /// counted from its promotion there).
    ///
    /// ## Why
    /// Problems that take a day to show (memory leaks, nightly jobs) should show in
    /// staging, not in production.
    ///
    /// ## Example
    /// `soak = "24h"`, v1.2.3 promoted to staging at 18:00 on Tuesday: promoting it to
    /// prod on Wednesday at 17:00 is refused ("in staging for 23 h, soak is 24 h").
    ///
    /// ## Configuration
    /// `[environments.<env>] soak` (e.g. `"24h"`, `"2d"`), with `from`. An emergency may
    /// skip it when `[emergency] may_skip` lists `soak`.
    ///
    /// ## How to fix
    /// Wait: `reltag status` says from when the version can be promoted.
    pub struct PromoteSoak { id: "promote-soak", group: Promotion }
}

pub fn check(facts: &PromoteFacts, _policy: &Policy, out: &mut Vec<Finding>) -> String {
    let Some(soak) = facts.environment.soak else {
        return "no soak required".into();
    };
    let from = facts
        .environment
        .from()
        .unwrap_or("the previous environment");
    let version = facts.version;
    match facts.from_current.filter(|d| d.version == version) {
        Some(current) => {
            let elapsed = facts.now.duration_since(current.since);
            if elapsed >= soak {
                format!("in {from} for {} ≥ {}", span_text(elapsed), span_text(soak))
            } else {
                let ready = current.since.saturating_add(soak).unwrap_or(facts.now);
                out.push(
                    Finding::error(
                        PromoteSoak::ID,
                        facts.subject(),
                        format!(
                            "{version} has been in {from} for {}; {} needs a soak of {}",
                            span_text(elapsed),
                            facts.env,
                            span_text(soak)
                        ),
                    )
                    .with_hint(format!("it can be promoted from {} on", facts.when(ready))),
                );
                format!("in {from} for {} < {}", span_text(elapsed), span_text(soak))
            }
        }
        None => {
            out.push(
                Finding::error(
                    PromoteSoak::ID,
                    facts.subject(),
                    format!("{version} has not soaked in {from}: it does not run there"),
                )
                .with_hint(format!("promote it to {from} and wait {}", span_text(soak))),
            );
            format!("not in {from}")
        }
    }
}
