//! The typed data a command shows besides its checks: `log`'s events, `status`'s
//! environments, `explain`'s rules, `notes`' release notes. Every format renders it: the
//! human one as text, the github one as the same text, the json one as fields of the
//! report's object (`events`, `now` and `environments`, `rules` or `rule`,
//! `release_notes`).

use jiff::Timestamp;
use serde::Serialize;

use crate::ledger::EventKind;

/// A command's data.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Data {
    Log(LogData),
    Status(StatusData),
    Explain(ExplainData),
    Notes(NotesData),
}

/// A value the json renderer can write behind `dyn`.
pub(super) trait JsonValue {
    fn to_json(&self, indent: usize) -> std::io::Result<String>;
}

impl<T: Serialize> JsonValue for T {
    fn to_json(&self, indent: usize) -> std::io::Result<String> {
        super::json::to_string(self, indent)
    }
}

impl Data {
    /// The fields this data adds to the report's json object, in order.
    pub(super) fn json_fields(&self) -> Vec<(&'static str, &dyn JsonValue)> {
        match self {
            Data::Log(log) => vec![("events", &log.events)],
            Data::Status(status) => {
                vec![("now", &status.now), ("environments", &status.environments)]
            }
            Data::Explain(ExplainData::Rules(rules)) => vec![("rules", rules)],
            Data::Explain(ExplainData::Rule(rule)) => vec![("rule", rule)],
            Data::Notes(notes) => vec![("release_notes", &notes.release_notes)],
        }
    }
}

/// `reltag log`: the events, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct LogData {
    pub events: Vec<LogEvent>,
}

/// One ledger event as `log` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LogEvent {
    /// The ledger commit that records the event.
    pub ledger_commit: String,
    /// `approve`, `evidence`, `cut`, `schedule`, `promote`, `rollback`.
    pub event: String,
    /// When it was recorded, to the second (RFC 3339, UTC).
    pub time: String,
    pub actor: String,
    /// The source commit the event is bound to.
    pub commit: String,
    pub version: Option<String>,
    pub env: Option<String>,
    /// The event's own summary line, as its ledger commit's subject says it.
    pub summary: String,
    /// What happened, for people: `rollback prod to v1.0.0 from v1.1.0: 5xx spike`.
    pub description: String,
    pub emergency: bool,
    /// Why (rollbacks; promotions and schedules that give one).
    pub reason: Option<String>,
    /// Whether the event counts in the state (false: voided, or refused by the trust rules).
    pub counts: bool,
    /// Why it does not count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_counted: Option<String>,
}

/// `reltag status`: every environment in the policy's order.
#[derive(Debug, Clone, Serialize)]
pub struct StatusData {
    pub now: Timestamp,
    pub environments: Vec<EnvStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvStatus {
    pub env: String,
    pub timezone: String,
    pub current: Option<CurrentStatus>,
    /// The version a plain `reltag rollback` returns to.
    pub rollback_target: Option<String>,
    pub waiting: Vec<Waiting>,
    /// What happens next, in one sentence.
    pub next: String,
}

impl EnvStatus {
    /// `prod: runs v1.2.2 since Wed 2026-11-18 18:30 America/New_York by ops@…`.
    pub fn headline(&self) -> String {
        let Some(c) = &self.current else {
            return format!("{}: nothing deployed yet", self.env);
        };
        let tz = crate::schedule::time_zone(&self.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
        let how = if c.kind == EventKind::Rollback {
            "rolled back to"
        } else {
            "runs"
        };
        let flag = match (c.emergency, &c.reason) {
            (true, Some(r)) => format!(" [EMERGENCY: {r}]"),
            (true, None) => " [EMERGENCY]".into(),
            (false, Some(r)) => format!(" ({r})"),
            (false, None) => String::new(),
        };
        format!(
            "{}: {how} {} since {} by {}{flag}",
            self.env,
            c.version,
            crate::rules::when(&c.since.to_zoned_datetime(tz)),
            c.by
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CurrentStatus {
    pub version: String,
    pub since: Timestamp,
    pub by: String,
    pub kind: EventKind,
    pub emergency: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    pub version: String,
    /// `None` when no moment within a year is open.
    pub earliest: Option<Timestamp>,
    pub missing_approvals: Vec<String>,
    /// A schedule must still be recorded (notice counts from then).
    pub needs_schedule: bool,
    pub needs_reason: bool,
    /// Blockers no waiting fixes (the tag, the cut).
    pub problems: Vec<String>,
    pub summary: String,
}

/// `reltag explain`: every rule, or one rule's documentation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExplainData {
    Rules(Vec<RuleSummary>),
    Rule(RuleDoc),
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleSummary {
    pub id: &'static str,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleDoc {
    pub id: &'static str,
    /// Markdown: What it checks, Why, Example, Configuration, How to fix.
    pub docs: String,
}

/// `reltag notes` and `cut --dry-run`: the release notes.
#[derive(Debug, Clone, Serialize)]
pub struct NotesData {
    pub release_notes: NotesDoc,
    /// The notes as text (markdown), as the annotated tag's message has them.
    #[serde(skip)]
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotesDoc {
    pub title: String,
    /// The previous release tag, when there is one.
    pub previous: Option<String>,
    /// Commits grouped by their first Jira key, keys in order of first appearance.
    pub issues: Vec<NotesIssue>,
    /// Commits without a key.
    pub other: Vec<NotesCommit>,
    pub contributors: Vec<String>,
    /// The same notes as markdown text.
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotesIssue {
    pub key: String,
    /// `<[jira] url>/browse/KEY` when the policy sets a Jira URL.
    pub url: Option<String>,
    pub commits: Vec<NotesCommit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotesCommit {
    pub id: String,
    pub subject: String,
    /// `feat`, `fix`, … for Conventional Commits subjects.
    pub kind: Option<String>,
    pub breaking: bool,
}

impl NotesData {
    /// The notes as data and as the text `cut` tags with.
    pub fn new(notes: &crate::release::notes::Notes, jira_url: Option<&str>) -> NotesData {
        let commit = |e: &crate::release::notes::Entry| NotesCommit {
            id: e.id.to_string(),
            subject: e.subject.clone(),
            kind: e.kind.clone(),
            breaking: e.breaking,
        };
        let text = notes.render(jira_url);
        NotesData {
            release_notes: NotesDoc {
                title: notes.title.clone(),
                previous: notes.previous.clone(),
                issues: notes
                    .by_key
                    .iter()
                    .map(|(key, entries)| NotesIssue {
                        key: key.clone(),
                        url: jira_url
                            .map(|url| format!("{}/browse/{key}", url.trim_end_matches('/'))),
                        commits: entries.iter().map(commit).collect(),
                    })
                    .collect(),
                other: notes.without_key.iter().map(commit).collect(),
                contributors: notes.contributors.clone(),
                text: text.clone(),
            },
            text,
        }
    }
}
