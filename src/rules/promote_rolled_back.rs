use super::{PromoteFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// A version that was rolled back from an environment is promoted there again only
    /// with `--reason`.
    ///
    /// ## Why
    /// A rollback is a decision: the next routine run of a pipeline must not quietly
    /// undo it by promoting the bad version again.
    ///
    /// ## Example
    /// `reltag rollback --env prod --reason "5xx spike"` took prod from v1.2.4 back to
    /// v1.2.3; `reltag promote v1.2.4 --to prod` is then refused until it is given
    /// `--reason "fixed config, INC-42"`.
    ///
    /// ## Configuration
    /// Always on.
    ///
    /// ## How to fix
    /// Promote a fixed version, or say why the same one is safe now with `--reason`.
    pub struct PromoteRolledBack { id: "promote-rolled-back", group: Promotion }
}

pub fn check(facts: &PromoteFacts, _policy: &Policy, out: &mut Vec<Finding>) -> String {
    let Some(rollback) = facts.target.and_then(|t| t.rolled_back_from(facts.version)) else {
        return format!("never rolled back from {}", facts.env);
    };
    let why = rollback.reason.clone().unwrap_or_default();
    let value = format!(
        "rolled back from {} by {} at {} ({why})",
        facts.env,
        rollback.actor,
        facts.when(rollback.since)
    );
    match facts.reason {
        Some(reason) => format!("{value}; promoted again because: {reason}"),
        None => {
            out.push(
                Finding::error(
                    PromoteRolledBack::ID,
                    facts.subject(),
                    format!("{} was {value}", facts.version),
                )
                .with_hint(
                    "promote a fixed version, or say why this one is safe now with --reason TEXT",
                ),
            );
            value
        }
    }
}
