//! Findings and the three ways of showing them: `human`, `json`, `github`.
//!
//! A rule never prints: it pushes [`Finding`]s. A command collects them into a
//! [`Report`], renders it once, and maps its [`Outcome`] to the exit code.

mod github;
mod human;
mod json;

use std::io::{self, Write};

use serde::Serialize;

pub use github::{escape_data, escape_property, write_github_files};
pub use human::visible;

/// How much a finding matters. Only errors block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks the gate: the exit code is 1.
    Error,
    /// Shown, but does not block.
    Warning,
}

/// The object a finding is about, so a reader can go and look at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Subject {
    /// A commit, by its full object id, with its subject line for humans.
    Commit {
        id: String,
        summary: String,
        /// The ref being pushed or checked, when there is one (`refs/heads/x`).
        #[serde(skip_serializing_if = "Option::is_none")]
        refname: Option<String>,
    },
    /// A commit message that is not (yet) a commit: the commit-msg hook, `check message`.
    Message {
        source: String,
        summary: String,
    },
    Branch {
        name: String,
    },
    Tag {
        name: String,
    },
    /// A place in a file (the policy file, a report).
    File {
        path: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        column: Option<usize>,
    },
    /// A ref update as a push describes it, e.g. a deletion.
    Ref {
        name: String,
    },
    /// The repository as a whole.
    Repository,
    /// A pull request on the forge.
    #[serde(rename = "pull_request")]
    PullRequest {
        number: u64,
        title: String,
    },
}

impl Subject {
    /// One line naming the subject, as the human renderer groups by it.
    pub fn label(&self) -> String {
        match self {
            Subject::Commit {
                id,
                summary,
                refname,
            } => {
                let short = &id[..id.len().min(12)];
                match refname {
                    Some(r) => format!("commit {short} ({r}) \"{summary}\""),
                    None => format!("commit {short} \"{summary}\""),
                }
            }
            Subject::Message { source, summary } => format!("message {source} \"{summary}\""),
            Subject::Branch { name } => format!("branch {name}"),
            Subject::Tag { name } => format!("tag {name}"),
            Subject::File { path, line, column } => match (line, column) {
                (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
                (Some(l), None) => format!("{path}:{l}"),
                _ => path.clone(),
            },
            Subject::Ref { name } => format!("ref {name}"),
            Subject::Repository => "repository".to_string(),
            Subject::PullRequest { number, title } => format!("pull request #{number} \"{title}\""),
        }
    }
}

/// One thing a rule found: which rule, how bad, about what, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub subject: Subject,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The line of a file the finding points into, underlined (policy files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Snippet>,
}

/// A line of a file with the part a finding is about underlined, as compilers show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// 1-based line number.
    pub line: usize,
    /// The whole line.
    pub text: String,
    /// Where the underline starts (1-based, in characters) and how many it covers (≥ 1).
    pub column: usize,
    pub width: usize,
}

impl Snippet {
    /// The gutter, the line and the carets, one string per output line:
    ///
    /// ```text
    ///   |
    /// 3 | alowed = ["main"]
    ///   | ^^^^^^
    /// ```
    ///
    /// Control characters in the line are made visible, so the carets stay aligned with
    /// what the terminal shows (a tab stays a tab on both lines).
    pub fn lines(&self) -> [String; 3] {
        let gutter = self.line.to_string().len();
        let shown: Vec<String> = self
            .text
            .chars()
            .map(|c| {
                if c == '\t' {
                    "\t".to_string()
                } else {
                    visible(&c.to_string())
                }
            })
            .collect();
        let pad: String = shown
            .iter()
            .take(self.column.saturating_sub(1))
            .map(|s| {
                if s == "\t" {
                    "\t".to_string()
                } else {
                    " ".repeat(s.chars().count())
                }
            })
            .collect();
        let width: usize = shown
            .iter()
            .skip(self.column.saturating_sub(1))
            .take(self.width.max(1))
            .map(|s| s.chars().count())
            .sum();
        [
            format!("{:gutter$} |", ""),
            format!("{} | {}", self.line, shown.concat()),
            format!("{:gutter$} | {pad}{}", "", "^".repeat(width.max(1))),
        ]
    }
}

impl Finding {
    pub fn error(rule: &'static str, subject: Subject, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: Severity::Error,
            subject,
            message: message.into(),
            hint: None,
            snippet: None,
        }
    }

    pub fn warning(rule: &'static str, subject: Subject, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(rule, subject, message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_snippet(mut self, snippet: Snippet) -> Self {
        self.snippet = Some(snippet);
        self
    }
}

/// A commit (or message) a rule let through because the policy exempts it, so a reader
/// can see what went unchecked and why (`--verbose`, and always in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exempted {
    /// The rule that did not apply, e.g. `commit-jira`.
    pub rule: &'static str,
    pub subject: Subject,
    /// The policy setting: `exempt_subjects`, `exempt_authors`, or `exempt` (`merges`,
    /// `reverts`, `fixups`).
    pub exemption: &'static str,
    /// The pattern or kind that matched (`^MINOR:`, `dependabot[bot]`, `merges`).
    pub pattern: String,
    /// What it matched: the subject line, the author, the parent count.
    pub matched: String,
}

impl Exempted {
    /// One line for people: `commit 3f2c… "MINOR: typo": commit-jira does not apply: …`.
    pub fn note(&self) -> String {
        format!(
            "{}: {} does not apply: [commits] {} `{}` matches {}",
            self.subject.label(),
            self.rule,
            self.exemption,
            self.pattern,
            self.matched
        )
    }
}

/// The verdict of a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Nothing blocks: exit 0.
    Allowed,
    /// At least one error finding: exit 1.
    Blocked,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Allowed => 0,
            Outcome::Blocked => 1,
        }
    }
}

/// What was looked at, for the summary line ("checked 12 commits, 1 branch").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Checked {
    pub commits: usize,
    pub branches: usize,
    pub tags: usize,
    pub messages: usize,
    pub files: usize,
}

/// Everything a command found, ready to render.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub checked: Checked,
    /// Short statements about what was done or skipped ("no upstream: checked since v1.2.0").
    pub notes: Vec<String>,
    /// What the policy's exemptions let through.
    pub exempted: Vec<Exempted>,
}

impl Report {
    pub fn outcome(&self) -> Outcome {
        if self.findings.iter().any(|f| f.severity == Severity::Error) {
            Outcome::Blocked
        } else {
            Outcome::Allowed
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Output format, chosen with `--format` (default: `github` inside GitHub Actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Renders a report to `out` in the given format. `color` applies to `human` only.
/// `notes: false` (for `-q`) leaves out the notes, in every format but json, whose
/// schema always has them.
pub fn render(
    report: &Report,
    format: Format,
    out: &mut dyn Write,
    color: bool,
    notes: bool,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, out, color, notes),
        Format::Json => json::render(report, out),
        Format::Github => github::render(report, out, notes),
    }
}
