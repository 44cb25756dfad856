use super::declare_rule;
use crate::policy::schema::{Criterion, Skippable};
use crate::release::criteria::{CriterionEntry, CriterionOutcome, Recorded};
use crate::release::gather::{Error, Gather};
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// At most `max` open issues match the `bugs` release criterion's Jira query.
    ///
    /// The query is `[release.bugs] jql`, with the version filled in. Each issue it finds is
    /// one finding, with its key, summary, priority, status and link.
    ///
    /// ## Why
    /// "Zero critical or high bugs open for this version" is a release criterion many
    /// teams keep in a spreadsheet or in someone's head. Asking Jira at the moment of
    /// the release makes it true for the version actually being tagged.
    ///
    /// ## Example
    /// With `jql = "fixVersion = {version} AND priority in (Critical, High) AND
    /// statusCategory != Done"` and `max = 0`, releasing 1.4.0 while PAY-12 (Critical,
    /// In Progress) has fixVersion 1.4.0 is blocked. If Jira cannot be asked, the gate
    /// cannot decide (exit 3) and stays closed.
    ///
    /// ## Configuration
    /// `[release] criteria` includes `"bugs"`; `[release.bugs] jql` (placeholders
    /// `{version}`, `{major}`, `{minor}`, `{patch}`, `{tag}`, substituted as quoted JQL
    /// strings) and `max` (default 0); `[jira] url` and `flavor`; credentials in
    /// `JIRA_EMAIL` + `JIRA_API_TOKEN` (Cloud) or `JIRA_TOKEN` (Data Center).
    ///
    /// ## How to fix
    /// Resolve the issues, or move them to another fix version if they do not block
    /// this release. Try the query with `reltag check bugs VERSION`.
    pub struct ReleaseBugs { id: "release-bugs", group: Jira }
}

/// One issue a tracker's query found, as the bugs criterion shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub key: String,
    pub summary: String,
    pub priority: Option<String>,
    pub status: Option<String>,
    /// The page people open for it.
    pub link: String,
}

/// What the bugs query found for one version: every matching issue, counted by the
/// tracker's client (which fails rather than hand over a count it cannot vouch for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BugsOutcome {
    /// The tag the release gets (what findings are about).
    pub tag: String,
    /// The query as sent, placeholders filled in.
    pub jql: String,
    pub max: u32,
    pub issues: Vec<Issue>,
}

impl BugsOutcome {
    pub fn count(&self) -> usize {
        self.issues.len()
    }

    /// The criterion holds: no more issues than `max`.
    pub fn passed(&self) -> bool {
        self.count() <= self.max as usize
    }

    /// A line for a report's notes: "bugs: 0 issues match, the policy allows 0: ok (query: …)".
    pub fn note(&self) -> String {
        format!(
            "bugs: {} issue{} match{}, the policy allows {}: {} (query: {})",
            self.count(),
            if self.count() == 1 { "" } else { "s" },
            if self.count() == 1 { "es" } else { "" },
            self.max,
            if self.passed() { "ok" } else { "blocked" },
            self.jql
        )
    }
}

/// One finding per issue the query found, when there are more than `max`.
pub fn check(outcome: &BugsOutcome, out: &mut Vec<Finding>) {
    if outcome.passed() {
        return;
    }
    let count = outcome.count();
    for issue in &outcome.issues {
        let mut facts = Vec::new();
        if let Some(p) = &issue.priority {
            facts.push(p.as_str());
        }
        if let Some(s) = &issue.status {
            facts.push(s.as_str());
        }
        let facts = if facts.is_empty() {
            String::new()
        } else {
            format!(" ({})", facts.join(", "))
        };
        out.push(
            Finding::error(
                ReleaseBugs::ID,
                Subject::Tag {
                    name: outcome.tag.clone(),
                },
                format!(
                    "{} \"{}\"{facts} blocks the release: {}",
                    issue.key, issue.summary, issue.link
                ),
            )
            .with_hint(format!(
                "resolve it, or move it out of this release: {count} issue{} match the bugs query and the policy allows {}",
                if count == 1 { "" } else { "s" },
                outcome.max,
            )),
        );
    }
}

/// The `bugs` criterion: the tracker's answer to the policy's query for the version.
/// `evidence record bugs VERSION` asks it too, for the audit trail only: `cut` always
/// asks again.
pub const CRITERION: CriterionEntry = CriterionEntry {
    criterion: Criterion::Bugs,
    name: "bugs",
    rule: ReleaseBugs::INFO,
    skippable: Some(Skippable::Bugs),
    recorded: Recorded::ByAsking { service: "Jira" },
    evaluate,
};

fn evaluate(g: &Gather<'_>) -> Result<CriterionOutcome, Error> {
    Ok(match g.open_bugs("bugs")? {
        Ok(answer) => outcome(&answer),
        Err(unavailable) => crate::release::criteria::undecided(
            "bugs",
            ReleaseBugs::ID,
            g.version("bugs")?,
            &unavailable,
        ),
    })
}

/// The criterion's outcome from the tracker's answer: measured `N open`, threshold
/// `≤ max`, the query as its comment (shared by `cut`, `check bugs` and `evidence record
/// bugs`, so all say the same words).
pub fn outcome(answer: &BugsOutcome) -> CriterionOutcome {
    let mut findings = Vec::new();
    check(answer, &mut findings);
    let mut outcome = CriterionOutcome::decide(
        "bugs",
        Some(format!("{} open", answer.count())),
        Some(format!("≤ {}", answer.max)),
        findings,
        false,
    );
    outcome.comment = Some(format!("query: {}", answer.jql));
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(n: usize, max: u32) -> BugsOutcome {
        BugsOutcome {
            tag: "v1.4.0".to_string(),
            jql: "fixVersion = \"1.4.0\"".to_string(),
            max,
            issues: (1..=n)
                .map(|i| Issue {
                    key: format!("PAY-{i}"),
                    summary: format!("bug {i}"),
                    priority: Some("Critical".to_string()),
                    status: (i != 2).then(|| "Open".to_string()),
                    link: format!("https://x.atlassian.net/browse/PAY-{i}"),
                })
                .collect(),
        }
    }

    #[test]
    fn over_max_lists_every_issue() {
        for (n, max, findings) in [(0, 0, 0), (1, 1, 0), (2, 1, 2), (3, 0, 3)] {
            let mut out = Vec::new();
            check(&outcome(n, max), &mut out);
            assert_eq!(out.len(), findings, "{n} issues, max {max}");
        }
        let mut out = Vec::new();
        check(&outcome(2, 0), &mut out);
        assert_eq!(
            out[0].message,
            "PAY-1 \"bug 1\" (Critical, Open) blocks the release: https://x.atlassian.net/browse/PAY-1"
        );
        assert_eq!(
            out[1].message,
            "PAY-2 \"bug 2\" (Critical) blocks the release: https://x.atlassian.net/browse/PAY-2"
        );
        assert_eq!(
            out[0].subject,
            Subject::Tag {
                name: "v1.4.0".into()
            }
        );
        assert!(out[0].hint.as_deref().unwrap().contains("2 issues match"));
    }
}
