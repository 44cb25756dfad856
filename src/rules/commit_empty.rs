use super::{MessageFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// The commit message is not empty once comments and whitespace are removed.
    ///
    /// ## Why
    /// A message of only comments or blank lines says nothing about the change; git
    /// itself aborts such a commit unless `--allow-empty-message` is given.
    ///
    /// ## Example
    /// A message file holding only `# Please enter the commit message…` lines.
    ///
    /// ## Configuration
    /// Always on.
    ///
    /// ## How to fix
    /// Write a subject line that says what the change does and why.
    pub struct CommitEmpty { id: "commit-empty", group: Message }
}

pub fn check(facts: &MessageFacts, _policy: &Policy, out: &mut Vec<Finding>) {
    if facts.message.iter().all(|b| b.is_ascii_whitespace()) {
        out.push(
            Finding::error(
                CommitEmpty::ID,
                facts.subject.clone(),
                "the commit message is empty",
            )
            .with_hint("write a subject line, e.g. \"PAY-123: Add payment API\""),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Subject;

    #[test]
    fn empty_and_blank_messages_are_refused() {
        let policy = Policy::default_policy();
        let subject = Subject::Repository;
        for (message, refused) in [("", true), ("\n \n\t\n", true), ("x", false)] {
            let facts = MessageFacts {
                subject: &subject,
                message: message.as_bytes(),
                parent_count: None,
                encoding: None,
                author: None,
            };
            let mut out = Vec::new();
            check(&facts, &policy, &mut out);
            assert_eq!(out.len(), usize::from(refused), "{message:?}");
        }
    }
}
