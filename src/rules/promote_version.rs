use super::{PromoteFacts, declare_rule};
use crate::ledger::EventKind;
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// The version being promoted is an existing release tag whose cut the ledger recorded.
    ///
    /// The `cut` event must name the commit the tag names now. With `[ledger]
    /// require_signed`, a cut the ledger refuses (unsigned, or signed by a key not bound
    /// to its author) does not count and is named in the finding, with why.
    ///
    /// ## Why
    /// Only a release that went through `reltag cut` (its criteria, approvals and
    /// evidence) may reach an environment; a tag made by hand, or moved after the cut,
    /// is not that release.
    ///
    /// ## Example
    /// `git tag v1.2.3 && reltag promote v1.2.3 --to staging` without `reltag cut`:
    /// "v1.2.3 was never cut: the ledger has no cut event for it".
    ///
    /// ## Configuration
    /// Always on.
    ///
    /// ## How to fix
    /// Cut the release with `reltag cut`; never move a release tag.
    pub struct PromoteVersion { id: "promote-version", group: Promotion }
}

pub fn check(facts: &PromoteFacts, _policy: &Policy, out: &mut Vec<Finding>) -> String {
    let version = facts.version;
    let Some(commit) = facts.tag_commit else {
        out.push(
            Finding::error(
                PromoteVersion::ID,
                facts.subject(),
                format!("the tag {version} does not exist"),
            )
            .with_hint("fetch the tags (`git fetch --tags`) or cut the release with `reltag cut`"),
        );
        return "no tag".into();
    };
    let short = &commit[..commit.len().min(12)];
    match facts.cut {
        None => {
            // A cut the ledger refuses to count is named: it is there, and does not count.
            let refused = crate::ledger::identity::named(
                facts
                    .refused
                    .iter()
                    .filter(|r| r.event.kind() == EventKind::Cut),
            );
            let message = if refused.is_empty() {
                format!("{version} was never cut: the ledger has no cut event for it")
            } else {
                format!("{version} has no cut that counts{refused}")
            };
            out.push(
                Finding::error(PromoteVersion::ID, facts.subject(), message).with_hint(format!(
                    "cut the release with `reltag cut {version}`, then promote it"
                )),
            );
            format!("tag at {short}, no cut event")
        }
        Some(cut) if cut.commit != commit => {
            out.push(
                Finding::error(
                    PromoteVersion::ID,
                    facts.subject(),
                    format!(
                        "the tag {version} names commit {short}, but it was cut at {}: the tag was moved",
                        &cut.commit[..cut.commit.len().min(12)]
                    ),
                )
                .with_hint(format!("restore the tag: `git fetch --force origin tag {version}`")),
            );
            format!("tag at {short}, cut at another commit")
        }
        Some(cut) => format!(
            "tag at {short}, cut by {} at {}",
            cut.actor,
            facts.when(cut.time)
        ),
    }
}
