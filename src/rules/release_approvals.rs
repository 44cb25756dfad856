use super::declare_rule;
use crate::ledger::{ApprovalRecord, RefusedEvent};
use crate::policy::Policy;
use crate::policy::schema::Criterion;
use crate::release::criteria::{CriterionEntry, CriterionOutcome, Recorded};
use crate::release::gather::{Error, Gather};
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// Every role in `[release.approvals] roles` approved this version at the commit being
    /// released, for every environment.
    ///
    /// Approvals are given with `reltag approve VERSION --role ROLE`. One given for an
    /// earlier commit of the release branch does not count, nor one given for a single
    /// environment (`--env prod`), which counts only for promotions there. With `[ledger]
    /// require_signed`, an approval the ledger refuses (unsigned, or signed by a key not
    /// bound to its author) does not count and is named in the finding, with why.
    ///
    /// ## Why
    /// A sign-off is for what was reviewed; a commit added after it was not.
    ///
    /// ## Example
    /// `qa-lead has not approved v1.2.3 at commit 3f2a…`.
    ///
    /// ## Configuration
    /// `[release.approvals] roles`, and the members in `[roles]`.
    ///
    /// ## How to fix
    /// Ask a member of the role to run `reltag approve v1.2.3 --role qa-lead`.
    pub struct ReleaseApprovals { id: "release-approvals", group: Release }
}

pub struct ApprovalsFacts<'a> {
    pub version: &'a str,
    pub commit: &'a str,
    /// Approvals at the commit for every environment (given without `--env`).
    pub approvals: &'a [ApprovalRecord],
    /// Approvals at the commit for one environment only, which the cut does not count.
    pub for_one_env: &'a [ApprovalRecord],
    /// Approvals at the commit the ledger holds but does not count (unsigned, or signed
    /// by a key not bound to their actor): named in the finding, never counted.
    pub refused: &'a [RefusedEvent],
}

/// The roles a cut needs approvals from: [`roles`] when `approvals` is a criterion, else
/// none (the separation-of-duties rules at `cut` judge these).
pub fn cut_roles(policy: &Policy) -> Vec<String> {
    let needed = policy
        .file
        .release
        .criteria
        .iter()
        .any(|c| *c.get_ref() == Criterion::Approvals);
    if needed { roles(policy) } else { Vec::new() }
}

pub fn roles(policy: &Policy) -> Vec<String> {
    crate::policy::names(&policy.file.release.approvals.roles)
}

pub fn check(facts: &ApprovalsFacts, policy: &Policy, out: &mut Vec<Finding>) {
    for role in roles(policy) {
        // Membership is judged now, by the policy in force: an approval by someone who
        // has since left the role does not count.
        let members = policy.role_members(&role);
        let counts = |a: &&ApprovalRecord| {
            a.role == role
                && a.commit == facts.commit
                && crate::ledger::identity::is_member(&a.actor, &members)
        };
        if facts.approvals.iter().any(|a| counts(&a)) {
            continue;
        }
        let version = facts.version;
        let short = &facts.commit[..facts.commit.len().min(12)];
        let scoped: Vec<&ApprovalRecord> = facts.for_one_env.iter().filter(counts).collect();
        let refused: String = crate::ledger::identity::named(
            facts
                .refused
                .iter()
                .filter(|r| r.approves(&role, None, facts.commit)),
        );
        let message = if scoped.is_empty() {
            format!("{role} has not approved {version} at commit {short}{refused}")
        } else {
            let mut envs: Vec<&str> = scoped.iter().filter_map(|a| a.env.as_deref()).collect();
            envs.sort();
            envs.dedup();
            format!(
                "{role} approved {version} at commit {short} only for {} ({}): the cut needs an approval for all environments",
                envs.join(", "),
                scoped[0].actor
            )
        };
        out.push(
            Finding::error(
                ReleaseApprovals::ID,
                Subject::Tag {
                    name: version.to_string(),
                },
                message,
            )
            .with_hint(format!(
                "a member of {role} runs `reltag approve {version} --role {role}`{}",
                if scoped.is_empty() {
                    ""
                } else {
                    " (without --env)"
                }
            )),
        );
    }
}

/// The `approvals` criterion: the ledger's approvals of the version at the commit. No
/// emergency skips it.
pub const CRITERION: CriterionEntry = CriterionEntry {
    criterion: Criterion::Approvals,
    name: "approvals",
    rule: ReleaseApprovals::INFO,
    skippable: None,
    recorded: Recorded::Never,
    evaluate,
};

fn evaluate(g: &Gather<'_>) -> Result<CriterionOutcome, Error> {
    let gathered = g.approvals("approvals")?;
    let mut findings = Vec::new();
    check(
        &ApprovalsFacts {
            version: g.version("approvals")?,
            commit: &g.commit_hex(),
            approvals: &gathered.approvals,
            for_one_env: &gathered.for_one_env,
            refused: &gathered.refused,
        },
        g.policy,
        &mut findings,
    );
    let roles = roles(g.policy);
    let have: Vec<String> = roles
        .iter()
        .filter(|r| gathered.approvals.iter().any(|a| &a.role == *r))
        .cloned()
        .collect();
    Ok(CriterionOutcome::decide(
        "approvals",
        Some(if have.is_empty() {
            "none".into()
        } else {
            have.join(", ")
        }),
        Some(format!("needs {}", roles.join(", "))),
        findings,
        false,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Source;

    fn approval(env: Option<&str>) -> ApprovalRecord {
        ApprovalRecord {
            role: "qa-lead".into(),
            env: env.map(str::to_string),
            actor: "qa@example.com".into(),
            commit: "c".repeat(40),
            time: "2026-11-24T12:00:00Z".parse().unwrap(),
            comment: None,
            event_id: crate::ledger::EventId::random(),
        }
    }

    #[test]
    fn an_approval_for_one_environment_is_named_as_such() {
        let policy = Policy::from_toml(
            "[release]\ncriteria = [\"approvals\"]\n[release.approvals]\nroles = [\"qa-lead\"]\n[roles]\nqa-lead = [\"qa@example.com\"]\n",
            "p",
            Source::Default,
        )
        .unwrap();
        let commit = "c".repeat(40);
        let run = |approvals: &[ApprovalRecord], for_one_env: &[ApprovalRecord]| {
            let mut out = Vec::new();
            check(
                &ApprovalsFacts {
                    version: "v1.2.3",
                    commit: &commit,
                    approvals,
                    for_one_env,
                    refused: &[],
                },
                &policy,
                &mut out,
            );
            out
        };
        assert!(run(&[approval(None)], &[]).is_empty());
        let out = run(&[], &[approval(Some("prod"))]);
        assert_eq!(
            out[0].message,
            "qa-lead approved v1.2.3 at commit cccccccccccc only for prod (qa@example.com): the cut needs an approval for all environments"
        );
        assert_eq!(
            out[0].hint.as_deref(),
            Some("a member of qa-lead runs `reltag approve v1.2.3 --role qa-lead` (without --env)")
        );
        assert_eq!(
            run(&[], &[])[0].message,
            "qa-lead has not approved v1.2.3 at commit cccccccccccc"
        );
    }
}
