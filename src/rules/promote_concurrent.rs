use super::declare_rule;
use crate::ledger::Deployment;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// Nothing else happened in the environment while the promotion was being checked.
    ///
    /// No other promotion or rollback was recorded for it, locally or on the remote, between
    /// the moment the checks ran and the moment the promotion is recorded.
    ///
    /// ## Why
    /// Two pipelines promoting different versions to prod at once must not both win: the
    /// ledger's compare-and-swap lets one through and refuses the other, whose checks
    /// were made against a production that no longer exists.
    ///
    /// ## Example
    /// v1.2.3 and v1.2.4 are promoted to prod at the same moment from two runners: one
    /// is recorded; the other ends with "prod changed while promoting v1.2.4".
    ///
    /// ## Configuration
    /// Always on.
    ///
    /// ## How to fix
    /// Look at `reltag status --env ENV`, then decide again and re-run.
    pub struct PromoteConcurrent { id: "promote-concurrent", group: Promotion }
}

fn id(d: Option<&Deployment>) -> Option<&str> {
    d.map(|d| d.event_id.as_str())
}

/// A finding when the environment's current deployment is no longer the one the checks saw.
pub fn check(
    version: &str,
    env: &str,
    seen: Option<&Deployment>,
    now: Option<&Deployment>,
) -> Option<Finding> {
    if id(seen) == id(now) {
        return None;
    }
    let what = now.map_or("it was emptied".to_string(), |d| {
        format!(
            "{} {} it by {} meanwhile",
            d.version,
            match d.kind {
                crate::ledger::EventKind::Rollback => "was rolled back into",
                _ => "was promoted to",
            },
            d.actor
        )
    });
    Some(
        Finding::error(
            PromoteConcurrent::ID,
            Subject::Tag {
                name: version.to_string(),
            },
            format!("{env} changed while promoting {version}: {what}; nothing was recorded"),
        )
        .with_hint(format!(
            "check `reltag status --env {env}`, then decide again"
        )),
    )
}
