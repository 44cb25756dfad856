use super::{MessageFacts, declare_rule, display_text, jira};
use crate::policy::Policy;
use crate::policy::schema::{Exemption, JiraIn};
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// Every commit message names a Jira issue key, such as `PAY-456`.
    ///
    /// A key is a project key (an uppercase letter, then uppercase letters, digits or
    /// `_`), a dash and a number that does not start with 0, on word boundaries. Without
    /// `jira_projects`, look-alikes such as `UTF-8`, `SHA-256`, `ISO-8601` and
    /// `CVE-2024-1234` are not keys. Keys in `#` comments do not count: git removes them.
    ///
    /// ## Why
    /// Linking every change to a ticket makes a release traceable: the release notes
    /// group commits by issue, and an auditor can go from a line of code to its request.
    ///
    /// ## Example
    /// `Fix login bug` is refused; `PAY-456: Fix login bug` passes.
    ///
    /// ## Configuration
    /// `[commits] require_jira`, `jira_projects`, `jira_in` (`subject` or `message`) and
    /// `exempt`: `merges` (by parent count, never by message text, which anyone can
    /// type), `reverts` (`Revert "…"`) and `fixups` (`fixup!`, `squash!`, `amend!`).
    ///
    /// ## How to fix
    /// Reword the commit: `git commit --amend` for the last one, `git rebase -i` and
    /// `reword` for older ones.
    pub struct CommitJira { id: "commit-jira", group: Message }
}

pub fn check(facts: &MessageFacts, policy: &Policy, out: &mut Vec<Finding>) {
    let commits = &policy.file.commits;
    if !commits.require_jira || is_exempt(facts, &commits.exempt) {
        return;
    }
    let (text, place) = match commits.jira_in {
        JiraIn::Subject => (facts.subject_line(), "subject line"),
        JiraIn::Message => (facts.text(), "commit message"),
    };
    if jira::find_keys(text, &policy.jira_projects)
        .next()
        .is_some()
    {
        return;
    }
    let wanted = if policy.jira_projects.is_empty() {
        "a Jira key such as PAY-123".to_string()
    } else {
        format!("a Jira key of project {}", policy.jira_projects.join(", "))
    };
    let example_project = policy.jira_projects.first().map_or("PAY", |p| p.as_str());
    out.push(
        Finding::error(
            CommitJira::ID,
            facts.subject.clone(),
            format!("the {place} has no Jira key: expected {wanted}"),
        )
        .with_hint(format!(
            "start the subject with the issue, e.g. \"{example_project}-123: {}\"",
            display_text(facts.subject_line(), 60)
        )),
    );
}

fn is_exempt(facts: &MessageFacts, exempt: &[Exemption]) -> bool {
    let subject = facts.subject_line();
    exempt.iter().any(|e| match e {
        Exemption::Merges => facts.parent_count.is_some_and(|n| n >= 2),
        Exemption::Reverts => subject.starts_with(b"Revert \""),
        Exemption::Fixups => [&b"fixup! "[..], b"squash! ", b"amend! "]
            .iter()
            .any(|p| subject.starts_with(p)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Policy, Source};
    use crate::report::Subject;

    fn run(policy_toml: &str, message: &str, parents: Option<usize>) -> Vec<Finding> {
        let policy = Policy::from_toml(policy_toml, "policy.toml", Source::Default).unwrap();
        let subject = Subject::Message {
            source: "-".into(),
            summary: "s".into(),
        };
        let facts = MessageFacts {
            subject: &subject,
            message: message.as_bytes(),
            parent_count: parents,
            encoding: None,
        };
        let mut out = Vec::new();
        check(&facts, &policy, &mut out);
        out
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str, Option<usize>, bool)] = &[
            // (policy, message, parents, passes)
            ("", "PAY-456: Add payment API", Some(1), true),
            ("", "Add payment API\n\nRefs: PAY-456", Some(1), true),
            ("", "Add payment API", Some(1), false),
            // A byte order mark (Windows editors) is not a word character before the key,
            // in the subject or the whole message; elsewhere a non-ASCII letter still is.
            ("", "\u{FEFF}PAY-456: Add payment API\r\n", Some(1), true),
            (
                "[commits]\njira_in = \"subject\"",
                "\u{FEFF}PAY-456: x",
                Some(1),
                true,
            ),
            ("", "\u{FEFF}Add payment API", Some(1), false),
            ("", "\u{FEFF}\u{FEFF}PAY-456: x", Some(1), false),
            ("", "\u{FEFF}fixup! Add API", Some(1), true),
            ("", "Bump UTF-8 handling to SHA-256", Some(1), false),
            (
                "[commits]\njira_in = \"subject\"",
                "Add API\n\nPAY-1",
                Some(1),
                false,
            ),
            (
                "[commits]\njira_projects = [\"OPS\"]",
                "PAY-1: x",
                Some(1),
                false,
            ),
            (
                "[commits]\njira_projects = [\"OPS\"]",
                "OPS-1: x",
                Some(1),
                true,
            ),
            // Merges by parent count, not by text.
            ("", "Merge branch 'x'", Some(2), true),
            ("", "Merge branch 'x'", Some(1), false),
            ("[commits]\nexempt = []", "Merge branch 'x'", Some(2), false),
            ("", "Revert \"PAY-1: x\"", Some(1), true),
            (
                "[commits]\nexempt = [\"merges\"]",
                "Revert \"thing\"",
                Some(1),
                false,
            ),
            ("", "fixup! thing", Some(1), true),
            ("", "squash! thing", Some(1), true),
            (
                "[commits]\nexempt = [\"merges\"]",
                "fixup! thing",
                Some(1),
                false,
            ),
            ("[commits]\nrequire_jira = false", "anything", Some(1), true),
        ];
        for (policy, message, parents, passes) in cases {
            let findings = run(policy, message, *parents);
            assert_eq!(
                findings.is_empty(),
                *passes,
                "{policy:?} / {message:?}: {findings:?}"
            );
            if let Some(f) = findings.first() {
                assert_eq!(f.rule, "commit-jira");
            }
        }
    }

    #[test]
    fn the_message_says_what_was_expected() {
        let f = &run("[commits]\njira_projects = [\"OPS\"]", "Add API", Some(1))[0];
        assert_eq!(
            f.message,
            "the commit message has no Jira key: expected a Jira key of project OPS"
        );
        assert_eq!(
            f.hint.as_deref(),
            Some("start the subject with the issue, e.g. \"OPS-123: Add API\"")
        );
    }
}
