use super::declare_rule;
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// With `commits.verify_jira = true`, every Jira key a commit names exists in Jira.
    /// Checked by the pull-request gate (the pull request's commits) and `reltag cut`
    /// (the commits since the previous release tag), never by the local hooks or
    /// `reltag check`, which stay offline. One finding per commit naming a missing key.
    ///
    /// ## Why
    /// A key that only looks right (a typo, a ticket in another project, an invented
    /// number) links a change to nothing, and the audit trail breaks where it matters.
    ///
    /// ## Example
    /// `PAY-1234: fix rounding` when PAY-1234 does not exist is reported. Jira answers
    /// the same for an issue that does not exist and for one the token may not see, so
    /// the finding names both possibilities.
    ///
    /// ## Configuration
    /// `[commits] verify_jira`; `[jira] url` and `flavor`; credentials in `JIRA_EMAIL` +
    /// `JIRA_API_TOKEN` (Cloud) or `JIRA_TOKEN` (Data Center).
    ///
    /// ## How to fix
    /// Reword the commit with the right key (`git rebase -i`, `reword`), or give the
    /// token's account Browse Projects permission on the key's project.
    pub struct CommitJiraExists { id: "commit-jira-exists", group: Jira }
}

/// A key the tracker did not confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingKey {
    pub key: String,
    /// What Jira said, verbatim (empty when it simply returned no issue).
    pub jira_says: String,
}

impl MissingKey {
    /// The sentence for a finding.
    pub fn message(&self) -> String {
        let mut text = format!(
            "Jira key {} does not exist, or the Jira token cannot see it (Jira answers the same for both)",
            self.key
        );
        if !self.jira_says.is_empty() {
            text.push_str(&format!(": Jira says \"{}\"", self.jira_says));
        }
        text
    }
}

/// One finding for a commit (or message) that names a key Jira did not confirm.
pub fn check(subject: &Subject, missing: &MissingKey, out: &mut Vec<Finding>) {
    out.push(
        Finding::error(CommitJiraExists::ID, subject.clone(), missing.message()).with_hint(
            format!(
                "check the key {} in Jira; if it exists, give the token's account Browse Projects permission on its project, else reword the commit",
                missing.key
            ),
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_finding_names_both_possibilities() {
        let mut out = Vec::new();
        check(
            &Subject::Repository,
            &MissingKey {
                key: "PAY-9".into(),
                jira_says: "An issue with key 'PAY-9' does not exist for field 'key'.".into(),
            },
            &mut out,
        );
        assert_eq!(
            out[0].message,
            "Jira key PAY-9 does not exist, or the Jira token cannot see it (Jira answers the same for both): Jira says \"An issue with key 'PAY-9' does not exist for field 'key'.\""
        );
        assert_eq!(out[0].rule, "commit-jira-exists");
    }
}
