use super::{PromoteFacts, declare_rule};
use crate::ledger::EventBody;
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// The version currently runs in the environment's `from` environment, when it has one.
    ///
    /// It was promoted there and not rolled back or replaced since. With `[ledger]
    /// require_signed`, a deployment there that the ledger refuses (unsigned, signed by a
    /// key not bound to its author, or by someone who is not a deployer) does not count
    /// and is named in the finding, with why.
    ///
    /// ## Why
    /// Production gets only what passed staging. A version that was rolled back from
    /// staging did not pass it.
    ///
    /// ## Example
    /// With `[environments.prod] from = "staging"` and v1.2.4 in staging,
    /// `reltag promote v1.2.3 --to prod` is refused: "v1.2.3 is not in staging (v1.2.4 is)".
    ///
    /// ## Configuration
    /// `[environments.<env>] from`. An emergency may skip it when `[emergency] may_skip`
    /// lists `from`.
    ///
    /// ## How to fix
    /// Promote the version to the `from` environment first.
    pub struct PromoteFrom { id: "promote-from", group: Promotion }
}

pub fn check(facts: &PromoteFacts, _policy: &Policy, out: &mut Vec<Finding>) -> String {
    let Some(from) = facts.environment.from() else {
        return "no `from` environment".into();
    };
    let version = facts.version;
    match facts.from_current {
        Some(current) if current.version == version => {
            format!(
                "{version} runs in {from} since {}",
                facts.when(current.since)
            )
        }
        other => {
            let now = other.map_or("nothing".to_string(), |d| d.version.clone());
            // A deployment to `from` the ledger refuses to count is named: it is there,
            // and does not count.
            let refused = crate::ledger::identity::named(facts.refused.iter().filter(|r| {
                matches!(&r.event.body, EventBody::Promote(p) if p.env == from)
                    || matches!(&r.event.body, EventBody::Rollback(p) if p.env == from)
            }));
            out.push(
                Finding::error(
                    PromoteFrom::ID,
                    facts.subject(),
                    format!(
                        "{version} is not in {from} ({now} is): {} takes only what runs in {from}{refused}",
                        facts.env
                    ),
                )
                .with_hint(format!(
                    "promote it to {from} first: `reltag promote {version} --to {from}`"
                )),
            );
            format!("{from} runs {now}")
        }
    }
}
