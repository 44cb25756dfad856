use super::declare_rule;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// Every ledger event counts: signed by a key bound to its actor, by an actor in the role.
    /// With `[ledger] require_signed`, the key must be one the allowed signers file binds
    /// to the actor at the event's time, and no other rule of the ledger may refuse it.
    ///
    /// ## Why
    /// Whoever can push to the repository can write a ledger event in anyone's name. With
    /// `[ledger] require_signed`, an event counts only when it carries its actor's
    /// signature, so a forged approval, evidence, cut or deployment counts for nothing.
    /// `reltag verify` names each event that does not count; `reltag log` shows why.
    ///
    /// ## Example
    /// An approval recorded as qa@example.com but signed with dev@example.com's key:
    /// "signed with SHA256:…, which the allowed signers file binds to dev@example.com,
    /// not to qa@example.com".
    ///
    /// ## Configuration
    /// `[ledger] require_signed`, `allowed_signers`, `revoked_signers`, `[ledger.openpgp]`.
    ///
    /// ## How to fix
    /// Void the event (`reltag void COMMIT --reason …`, by a ledger admin) and have its
    /// actor record it again with their own key (`git config user.signingkey`).
    pub struct LedgerSigned { id: "ledger-signed", group: Policy }
}

/// One event of the chain, as the ledger judged it.
#[derive(Debug, Clone)]
pub struct LedgerEventFacts {
    /// The ledger commit recording it.
    pub ledger_commit: String,
    /// The event's summary line (`approve v1.2.0 as qa by qa@example.com`).
    pub summary: String,
    pub actor: String,
    /// Why it does not count (`None` when it counts, or a counted void names it).
    pub refused: Option<String>,
}

/// A finding for an event that does not count; nothing for one that does.
pub fn check(event: &LedgerEventFacts, out: &mut Vec<Finding>) {
    let Some(reason) = &event.refused else {
        return;
    };
    out.push(
        Finding::error(
            LedgerSigned::ID,
            Subject::Commit {
                id: event.ledger_commit.clone(),
                summary: event.summary.clone(),
                refname: Some(crate::ledger::LEDGER_REF.to_string()),
            },
            format!("recorded as {}, does not count: {reason}", event.actor),
        )
        .with_hint(format!(
            "a ledger admin voids it (`reltag void {} --reason …`) and {} records it again, signed with their own key",
            &event.ledger_commit[..event.ledger_commit.len().min(12)],
            event.actor
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(refused: Option<&str>) -> LedgerEventFacts {
        LedgerEventFacts {
            ledger_commit: "0123456789abcdef0123456789abcdef01234567".into(),
            summary: "approve v1.2.0 as qa by qa@example.com".into(),
            actor: "qa@example.com".into(),
            refused: refused.map(str::to_string),
        }
    }

    #[test]
    fn an_event_that_counts_has_no_finding() {
        let mut out = Vec::new();
        check(&event(None), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn an_event_that_does_not_count_is_named_with_why() {
        let mut out = Vec::new();
        check(&event(Some("unverified: not signed")), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, "ledger-signed");
        assert_eq!(
            out[0].message,
            "recorded as qa@example.com, does not count: unverified: not signed"
        );
    }
}
