//! The pull-request gate's composition, over facts gathered by `check pr` (git objects
//! and the forge) or by `reltag test` (a scenario), so that both judge a pull request the
//! same way. In order:
//!
//! 1. the head branch's name (`BRANCH`, [`super::check_branch`]);
//! 2. [`commits`]: every commit (`MESSAGE`), an author exempt only by the account the
//!    forge links to the commit;
//! 3. (`check pr` only: `[commits] verify_jira` asks Jira about the keys);
//! 4. [`review`]: the squash commit's message with `merge_method = "squash"`, the
//!    reviews added up ([`summarize`]), the `PULL_REQUEST` gate (approvals, change
//!    requests, the policy and the gate's own files, Jira consistency, code owners, path
//!    rules), then what the subject exemptions let in.

use crate::git::CommitInfo;
use crate::owners::CodeOwnersFacts;
use crate::policy::Policy;
use crate::policy::schema::MergeMethod;
use crate::report::{Report, Subject};
use crate::rules::pr_approvals::logins;
use crate::rules::pr_subject_exemption::SubjectExemptionFacts;
use crate::rules::reviews::{Review, ReviewSummary, summarize};
use crate::rules::{MessageFacts, PullRequestFacts, display_text, pr_gate_change};

/// A pull request, whatever the forge.
#[derive(Debug, Clone, Copy)]
pub struct PullRequest<'a> {
    pub number: u64,
    pub title: &'a str,
    pub body: Option<&'a str>,
    /// The author's login.
    pub author: &'a str,
    pub head_branch: &'a str,
    /// The head commit's full id.
    pub head_sha: &'a str,
    /// The base repository, as the forge names it (`octo/app`).
    pub repository: &'a str,
}

impl PullRequest<'_> {
    /// What pull-request findings are about.
    pub fn subject(&self) -> Subject {
        Subject::PullRequest {
            number: self.number,
            title: display_text(self.title.as_bytes(), 120),
        }
    }

    /// The ref its commits are reported under.
    pub fn refname(&self) -> String {
        format!("refs/pull/{}/head", self.number)
    }
}

/// One commit of the pull request with the forge's account for its author (`None`: the
/// forge links it to no account).
pub type PrCommit<'a> = (&'a CommitInfo, Option<&'a str>);

/// Every commit of the pull request through the message gate, into the report. Only the
/// forge's account for an author, never what the commit claims, can make it exempt by
/// author.
pub fn commits(pr: &PullRequest, commits: &[PrCommit<'_>], policy: &Policy, report: &mut Report) {
    let refname = pr.refname();
    for (commit, login) in commits {
        super::check_forge_commit(commit, *login, policy, Some(&refname), report);
    }
}

/// The files that count as the policy in a pull request: the policy file at
/// `policy_path` and the key files the base policy names (`[ledger] allowed_signers`, …):
/// a key added there could sign ledger events. A change to any of them needs policy
/// approvers (`pr-policy-change`).
pub fn policy_files<'a>(policy_path: &'a str, policy: &'a Policy) -> impl Iterator<Item = &'a str> {
    std::iter::once(policy_path).chain(policy.file.ledger.key_files())
}

/// What the review half of the gate looks at besides the pull request.
#[derive(Debug, Clone, Copy)]
pub struct ReviewFacts<'a> {
    /// Every review, oldest first, each reviewer's access decided.
    pub reviews: &'a [Review],
    /// Every path the pull request changes (a renamed file under both names).
    pub changed: &'a [String],
    /// The policy file's path in the repository: a change to it, or to a file it names
    /// ([`policy_files`]), needs policy approvers.
    pub policy_path: &'a str,
    /// Those of [`policy_files`] whose content differs between the merge base and the
    /// head in a way the list of paths may not show (a symlink, a removal): what git
    /// compares when the commits are at hand; empty otherwise.
    pub policy_files_differ: &'a [String],
    /// The base commit's code owners, when `require_code_owners` asks for them.
    pub code_owners: Option<&'a CodeOwnersFacts>,
}

/// The squash message, the reviews and the `PULL_REQUEST` gate, then the subject
/// exemptions, into the report. Returns the reviews as the policy counts them.
pub fn review(
    pr: &PullRequest,
    facts: &ReviewFacts,
    policy: &Policy,
    report: &mut Report,
) -> ReviewSummary {
    let subject = pr.subject();
    let settings = &policy.file.pull_requests;
    if settings.merge_method == MergeMethod::Squash {
        let message = match pr.body.map(str::trim) {
            Some(body) if !body.is_empty() => format!("{}\n\n{body}\n", pr.title),
            _ => format!("{}\n", pr.title),
        };
        let msg_subject = Subject::Message {
            source: format!("pull request #{} (the squash commit)", pr.number),
            summary: display_text(pr.title.as_bytes(), 120),
        };
        super::check_message(
            &MessageFacts {
                subject: &msg_subject,
                message: message.as_bytes(),
                parent_count: Some(1),
                encoding: None,
                author: None,
            },
            policy,
            report,
        );
    }
    let summary = summarize(
        facts.reviews,
        pr.author,
        pr.head_sha,
        settings.dismiss_stale,
    );
    let policy_changed = policy_files(facts.policy_path, policy).any(|path| {
        facts.changed.iter().any(|c| c == path)
            || facts.policy_files_differ.iter().any(|c| c == path)
    });
    let gate_files_changed: Vec<String> = facts
        .changed
        .iter()
        .filter(|path| pr_gate_change::is_gate_file(path))
        .cloned()
        .collect();
    let min = settings.min_approvals;
    report.note(if summary.approved.is_empty() {
        format!("approvals: none of {min} required")
    } else {
        format!(
            "approvals: {} of {min} required, by {}",
            summary.approved.len(),
            logins(&summary.approved)
        )
    });
    if !summary.not_counted.is_empty() {
        report.note(format!(
            "reviews not counted: {}",
            summary
                .not_counted
                .iter()
                .map(|(login, why)| format!("@{login} cannot push to {} ({why})", pr.repository))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    super::check_pull_request(
        &PullRequestFacts {
            subject: &subject,
            head_sha: pr.head_sha,
            head_branch: pr.head_branch,
            title: pr.title,
            repository: pr.repository,
            reviews: &summary,
            policy_changed,
            gate_files_changed: &gate_files_changed,
            changed_files: facts.changed,
            code_owners: facts.code_owners,
        },
        policy,
        report,
    );
    let mut subject_findings = Vec::new();
    super::subject_exemptions(
        &SubjectExemptionFacts {
            subject: &subject,
            exempted: report.exempted(),
            approved: &summary.approved,
        },
        policy,
        &mut subject_findings,
    );
    report.findings(subject_findings);
    summary
}

#[cfg(test)]
mod tests {
    use crate::policy::{Policy, Source};
    use crate::scenario::{parse, run};

    fn blocked_by(policy: &str, changed: &str) -> String {
        let policy = Policy::from_toml(policy, "policy.toml", Source::Default).unwrap();
        let file = parse(
            "t.toml",
            &format!(
                r#"[[scenario]]
name = "x"
expect = "allowed"
[scenario.pull_request]
branch = "feature/PAY-1-x"
title = "PAY-1 x"
commits = ["PAY-1: x"]
changed = ["{changed}"]
reviews = [{{ by = "ann", state = "approved" }}, {{ by = "bob", state = "approved" }}]
"#
            ),
        )
        .unwrap();
        run(&file.scenarios[0].spec, &policy).describe()
    }

    /// The key files the policy names are policy: a pull request that adds a key to the
    /// allowed signers needs policy approvers, in `check pr` and in `reltag test` alike
    /// (the scenario path counted only `policy.toml` before the gate decided it).
    #[test]
    fn a_key_file_the_policy_names_is_a_policy_change() {
        let policy = "[pull_requests]\npolicy_approvers = [\"policy-approver\"]\n[ledger]\nallowed_signers = \".reltag/allowed_signers\"\n[roles]\npolicy-approver = [\"@carol\"]\n";
        assert_eq!(
            blocked_by(policy, ".reltag/allowed_signers"),
            "blocked by pr-policy-change"
        );
        assert_eq!(
            blocked_by(policy, "policy.toml"),
            "blocked by pr-policy-change"
        );
        assert_eq!(blocked_by(policy, "src/lib.rs"), "allowed");
    }
}
