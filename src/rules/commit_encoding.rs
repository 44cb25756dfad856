use super::{MessageFacts, declare_rule};
use crate::policy::Policy;
use crate::report::Finding;

declare_rule! {
    /// ## What it checks
    /// The commit message is valid UTF-8 and contains no NUL bytes. This is a warning:
    /// the other rules still check such a message, with invalid bytes replaced.
    ///
    /// ## Why
    /// Commit messages are bytes with an optional `encoding` header. A message in
    /// another encoding shows up garbled in tools that assume UTF-8, such as the
    /// release notes and GitHub's interface.
    ///
    /// ## Example
    /// A commit made with `i18n.commitEncoding = ISO-8859-1` whose message has `é`.
    ///
    /// ## Configuration
    /// Always on; never blocks.
    ///
    /// ## How to fix
    /// Set `git config i18n.commitEncoding UTF-8` and reword the commit.
    pub struct CommitEncoding { id: "commit-encoding", group: Message }
}

pub fn check(facts: &MessageFacts, _policy: &Policy, out: &mut Vec<Finding>) {
    let problem = if facts.message.contains(&0) {
        Some("the commit message contains NUL bytes".to_string())
    } else if std::str::from_utf8(facts.message).is_err() {
        Some(match facts.encoding {
            Some(enc) => format!(
                "the commit message is not UTF-8 (encoding header: {enc}); it was checked with invalid bytes replaced"
            ),
            None => {
                "the commit message is not valid UTF-8; it was checked with invalid bytes replaced"
                    .to_string()
            }
        })
    } else {
        None
    };
    if let Some(message) = problem {
        out.push(
            Finding::warning(CommitEncoding::ID, facts.subject.clone(), message)
                .with_hint("set `git config i18n.commitEncoding UTF-8` and reword the commit"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Severity, Subject};

    #[test]
    fn non_utf8_and_nul_are_warnings() {
        let policy = Policy::default_policy();
        let subject = Subject::Repository;
        let cases: &[(&[u8], Option<&str>, Option<&str>)] = &[
            (
                b"PAY-1: caf\xe9",
                Some("ISO-8859-1"),
                Some("encoding header: ISO-8859-1"),
            ),
            (b"PAY-1: a\0b", None, Some("NUL")),
            ("PAY-1: café".as_bytes(), None, None),
        ];
        for (message, encoding, expected) in cases {
            let mut out = Vec::new();
            let facts = MessageFacts {
                subject: &subject,
                message,
                parent_count: Some(1),
                encoding: *encoding,
                author: None,
            };
            check(&facts, &policy, &mut out);
            match expected {
                None => assert!(out.is_empty()),
                Some(text) => {
                    assert_eq!(out[0].severity, Severity::Warning);
                    assert!(out[0].message.contains(text), "{}", out[0].message);
                }
            }
        }
    }
}
