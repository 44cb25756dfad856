use super::declare_rule;
use crate::policy::Policy;
use crate::report::{Exempted, Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// A policy approver approved a pull request whose commits skip the Jira key by subject.
    ///
    /// With `subject_exemptions_need_approval`, a pull request with a commit that went
    /// without a key only by `exempt_subjects` needs an approval from a member of
    /// `policy_approvers`. Only the subject exemption asks for it: anyone can type
    /// `MINOR:`. Commits exempt as merges, reverts, fixups or by their author's GitHub
    /// account do not.
    ///
    /// ## Why
    /// A subject exemption (`MINOR:`, `HOTFIX`) is a convention between people. The
    /// review of someone who owns the process keeps it one: a real change disguised as
    /// a trivial one is seen before it merges.
    ///
    /// ## Example
    /// With `exempt_subjects = ["^MINOR:"]`, `subject_exemptions_need_approval = true` and
    /// `policy_approvers = ["release-manager"]`, a pull request with the commit
    /// `MINOR: fix a typo` and one approval from a developer is blocked.
    ///
    /// ## Configuration
    /// `[pull_requests] subject_exemptions_need_approval` (off by default) and
    /// `policy_approvers`; `[commits] exempt_subjects`.
    ///
    /// ## How to fix
    /// Ask a member of a `policy_approvers` role to approve the pull request, or name the
    /// issue in each exempted commit.
    pub struct PrSubjectExemption { id: "pr-subject-exemption", group: PullRequest }
}

/// A pull request and what the subject exemptions let into it.
#[derive(Debug, Clone, Copy)]
pub struct SubjectExemptionFacts<'a> {
    pub subject: &'a Subject,
    /// Every exemption the message rules granted in this pull request.
    pub exempted: &'a [Exempted],
    /// Logins whose approval of the pull request counts (`ReviewSummary::approved`).
    pub approved: &'a [String],
}

pub fn check(facts: &SubjectExemptionFacts, policy: &Policy, out: &mut Vec<Finding>) {
    let settings = &policy.file.pull_requests;
    if !*settings.subject_exemptions_need_approval.get_ref() {
        return;
    }
    let by_subject: Vec<&Exempted> = facts
        .exempted
        .iter()
        .filter(|e| e.exemption == "exempt_subjects")
        .collect();
    if by_subject.is_empty() {
        return;
    }
    let roles = crate::policy::names(&settings.policy_approvers);
    let is_approver = |login: &String| {
        roles.iter().any(|role| {
            policy.role_members(role).iter().any(|member| {
                member
                    .trim()
                    .strip_prefix('@')
                    .is_some_and(|m| m.eq_ignore_ascii_case(login))
            })
        })
    };
    if facts.approved.iter().any(is_approver) {
        return;
    }
    let mut patterns: Vec<&str> = by_subject.iter().map(|e| e.pattern.as_str()).collect();
    patterns.dedup();
    let listed: Vec<String> = by_subject
        .iter()
        .take(5)
        .map(|e| e.subject.label())
        .collect();
    let more = by_subject.len().saturating_sub(listed.len());
    let who = roles.join(" or ");
    out.push(
        Finding::error(
            PrSubjectExemption::ID,
            facts.subject.clone(),
            format!(
                "{} without a Jira key only by exempt_subjects ({}): a member of {who} must approve the pull request (subject_exemptions_need_approval)",
                match by_subject.len() {
                    1 => "1 commit goes".to_string(),
                    n => format!("{n} commits go"),
                },
                patterns
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with_hint(format!(
            "ask a member of {who} to approve, or name the issue in {}{}",
            listed.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Source;

    const POLICY: &str = "[commits]\nexempt_subjects = [\"^MINOR:\"]\n[pull_requests]\nsubject_exemptions_need_approval = true\npolicy_approvers = [\"release-manager\"]\n[roles]\nrelease-manager = [\"@rm\"]\n";

    fn exempted(exemption: &'static str) -> Exempted {
        Exempted {
            rule: "commit-jira",
            subject: Subject::Commit {
                id: "0123456789abcdef0123456789abcdef01234567".into(),
                summary: "MINOR: typo".into(),
                refname: None,
            },
            exemption,
            pattern: "^MINOR:".into(),
            matched: "the subject \"MINOR: typo\"".into(),
        }
    }

    fn run(policy: &str, exemptions: &[Exempted], approved: &[&str]) -> Vec<Finding> {
        let policy = Policy::from_toml(policy, "policy.toml", Source::Default).unwrap();
        let subject = Subject::PullRequest {
            number: 7,
            title: "t".into(),
        };
        let approved: Vec<String> = approved.iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        check(
            &SubjectExemptionFacts {
                subject: &subject,
                exempted: exemptions,
                approved: &approved,
            },
            &policy,
            &mut out,
        );
        out
    }

    #[test]
    fn a_subject_exemption_needs_a_policy_approver() {
        let minor = [exempted("exempt_subjects")];
        let blocked = run(POLICY, &minor, &["dev"]);
        assert_eq!(
            blocked[0].message,
            "1 commit goes without a Jira key only by exempt_subjects (`^MINOR:`): a member of release-manager must approve the pull request (subject_exemptions_need_approval)"
        );
        assert!(
            run(POLICY, &minor, &["RM"]).is_empty(),
            "logins ignore case"
        );
        assert!(run(POLICY, &[exempted("exempt_authors")], &[]).is_empty());
        assert!(run(POLICY, &[], &[]).is_empty());
        let off = POLICY.replace("= true", "= false");
        assert!(run(&off, &minor, &[]).is_empty(), "off by default");
    }
}
