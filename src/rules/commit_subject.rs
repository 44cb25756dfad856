use super::{MessageFacts, declare_rule, display_text};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// The subject line matches `[commits] subject_pattern`, when one is set.
    ///
    /// ## Why
    /// Teams that generate changelogs or version bumps from commit messages (for
    /// example with Conventional Commits) need every subject in one shape.
    ///
    /// ## Example
    /// With `subject_pattern = '^(feat|fix|docs|chore)(\(.+\))?!?: '`,
    /// `Added thing` is refused and `feat(api): PAY-1 add thing` passes.
    ///
    /// ## Configuration
    /// `[commits] subject_pattern`: a regular expression (Rust `regex` syntax, linear
    /// time, size-limited). Unset by default.
    ///
    /// ## How to fix
    /// Reword the commit's subject to match the pattern.
    pub struct CommitSubject { id: "commit-subject", group: Message }
}

pub fn check(facts: &MessageFacts, policy: &Policy, out: &mut Vec<Finding>) {
    let Some(pattern) = &policy.subject_pattern else {
        return;
    };
    if facts.parent_count.is_some_and(|n| n >= 2) {
        return;
    }
    let subject = String::from_utf8_lossy(facts.subject_line());
    if !pattern.is_match(&subject) {
        out.push(
            Finding::error(
                CommitSubject::ID,
                facts.subject.clone(),
                format!(
                    "the subject line \"{}\" does not match the pattern {}",
                    display_text(facts.subject_line(), 80),
                    pattern.as_str()
                ),
            )
            .with_hint("reword the subject to match [commits] subject_pattern"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Source;
    use crate::report::Subject;

    #[test]
    fn subjects_are_matched_only_when_a_pattern_is_set() {
        let strict = Policy::from_toml(
            "[commits]\nsubject_pattern = '^(feat|fix)(\\(.+\\))?: '",
            "policy.toml",
            Source::Default,
        )
        .unwrap();
        let subject = Subject::Repository;
        let run = |policy: &Policy, message: &str| {
            let mut out = Vec::new();
            let facts = MessageFacts {
                subject: &subject,
                message: message.as_bytes(),
                parent_count: Some(1),
                encoding: None,
                author: None,
            };
            check(&facts, policy, &mut out);
            out.len()
        };
        assert_eq!(run(&strict, "feat(api): PAY-1 add"), 0);
        assert_eq!(run(&strict, "Added thing\n\nfeat: no"), 1);
        assert_eq!(
            run(
                &Policy::from_toml("", "p", Source::Default).unwrap(),
                "Added"
            ),
            0
        );
    }
}
