//! The result model every command reports through, and the ways of showing it: `human`,
//! `json`, `github`, and `html` (the release page's lanes for `status`).
//!
//! A rule never prints: it pushes [`Finding`]s. A gate or a command turns what it looked
//! at into [`Check`]s (rule, subject, what was measured, the threshold, a [`Verdict`],
//! its findings) and loose findings, and gives them to one [`Report`]: a sink that
//! renders as it receives, keeping only counts, the (few) checks and the notes, so a
//! range with 30,000 failing commits costs no more memory than one with 30. The report's
//! [`Outcome`] — allowed, blocked or undecided — is derived from what it received alone,
//! and so is the process's exit code (0, 1 or 3).
//!
//! ```text
//! let mut report = Report::new(config);      // cli: ctx.report("check", Style::Verdict)
//! report.note("checked the commits on feature/x that are not on main");
//! report.finding(finding);                    // streamed out at once
//! report.check(check);                        // kept; its findings shown at the end
//! report.set_data(Data::Log(..));             // status, log, explain, notes
//! let outcome = report.finish()?;             // summary, github files; exit code
//! ```

mod data;
mod github;
mod html;
mod human;
mod json;
pub mod output;

use std::io;
use std::path::PathBuf;

use serde::Serialize;

pub use data::{
    CurrentStatus, Data, EnvStatus, ExplainData, LogData, LogEvent, NotesCommit, NotesData,
    NotesDoc, NotesIssue, RuleDoc, RuleSummary, StatusData, Waiting,
};
pub use github::{escape_data, escape_property};

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
    /// One line naming the subject, as the human renderer groups by it. Raw text: the
    /// renderers escape it.
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
                    crate::text::escape(&c.to_string()).into_owned()
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

/// What one check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing blocks.
    Ok,
    /// The policy says no: its findings say why (exit 1).
    Blocked,
    /// The evidence is missing or unreadable, or a service could not be asked (exit 3).
    Undecided,
    /// Skipped by the emergency procedure (`[emergency] may_skip`).
    Skipped,
}

impl Verdict {
    /// `ok`, `blocked`, `undecided`, `skipped (emergency)`: how a check line ends.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Blocked => "blocked",
            Verdict::Undecided => "undecided",
            Verdict::Skipped => "skipped (emergency)",
        }
    }

    /// The verdict findings give: none that block → ok; else blocked, or undecided when
    /// what they are about could not be read or asked.
    pub fn from_findings(findings: &[Finding], undecided: bool) -> Verdict {
        if findings.iter().all(|f| f.severity != Severity::Error) {
            Verdict::Ok
        } else if undecided {
            Verdict::Undecided
        } else {
            Verdict::Blocked
        }
    }
}

/// One rule (or release criterion) applied to one subject: what it measured, against
/// what, what it decided, and the findings that say why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The rule's id, e.g. `release-coverage` or `promote-window`.
    pub rule: &'static str,
    /// A shorter name for people, when not the rule id: a criterion as `[release]
    /// criteria` names it (`coverage`), `jira keys`.
    pub name: Option<&'static str>,
    /// What was checked: the version's tag, …; `None` for a rule's tally over a range.
    pub subject: Option<Subject>,
    /// What was measured or seen, e.g. `91.3%` or `Tue 18:30: inside Tue 18:00-21:00`.
    pub measured: Option<String>,
    /// What the policy asks, e.g. `≥ 90%`.
    pub threshold: Option<String>,
    pub verdict: Verdict,
    /// Where the value came from when not obvious (`recorded by ci@… at …`).
    pub source: Option<String>,
    /// Why the verdict is what it is, shown after the streamed findings.
    pub findings: Vec<Finding>,
    /// Findings of this check that were streamed out rather than kept (a gate's tally
    /// over many subjects): counted here.
    pub streamed: usize,
}

/// In json a check says how many findings it has; the findings themselves are in the
/// report's `findings`, each naming its rule.
impl Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("rule", self.rule)?;
        if let Some(name) = self.name {
            map.serialize_entry("name", name)?;
        }
        map.serialize_entry("subject", &self.subject)?;
        map.serialize_entry("measured", &self.measured)?;
        map.serialize_entry("threshold", &self.threshold)?;
        map.serialize_entry("verdict", &self.verdict)?;
        if let Some(source) = &self.source {
            map.serialize_entry("source", source)?;
        }
        map.serialize_entry("findings", &(self.findings.len() + self.streamed))?;
        map.end()
    }
}

impl Check {
    /// A check of `rule` whose verdict its findings decide.
    pub fn new(rule: &'static str, subject: Option<Subject>, findings: Vec<Finding>) -> Check {
        Check {
            rule,
            name: None,
            subject,
            measured: None,
            threshold: None,
            verdict: Verdict::from_findings(&findings, false),
            source: None,
            findings,
            streamed: 0,
        }
    }

    pub fn measured(mut self, measured: impl Into<String>) -> Check {
        self.measured = Some(measured.into());
        self
    }

    pub fn verdict(mut self, verdict: Verdict) -> Check {
        self.verdict = verdict;
        self
    }

    pub fn named(mut self, name: &'static str) -> Check {
        self.name = Some(name);
        self
    }

    /// The line the human and github formats show. A value judged against a threshold
    /// reads `coverage 91.3% ≥ 90% ok [source]`; a check that describes what it saw reads
    /// `promote-window: Tue 18:30 …: inside Tue 18:00-21:00 → ok`; one with neither,
    /// `perf skipped (emergency)`. Raw text: the renderers escape it.
    pub fn line(&self) -> String {
        let name = self.name.unwrap_or(self.rule);
        let Some(threshold) = &self.threshold else {
            return match &self.measured {
                Some(measured) => format!("{name}: {measured} → {}", self.verdict.word()),
                None => format!("{name} {}", self.verdict.word()),
            };
        };
        let mut line = name.to_string();
        match &self.measured {
            Some(measured) => line.push_str(&format!(" {measured} {threshold}")),
            None => line.push_str(&format!(" (needs {threshold})")),
        }
        line.push(' ');
        line.push_str(self.verdict.word());
        if let Some(source) = &self.source {
            line.push_str(&format!(" [{source}]"));
        }
        line
    }
}

/// The verdict of a command: what the exit code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Nothing blocks: exit 0.
    Allowed,
    /// At least one error finding or blocked check: exit 1.
    Blocked,
    /// Something could not be decided (missing evidence, a service, an error after the
    /// report started): exit 3. A gate treats it as blocked.
    Undecided,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Allowed => 0,
            Outcome::Blocked => 1,
            Outcome::Undecided => 3,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Blocked => "blocked",
            Outcome::Undecided => "undecided",
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

/// Output format, chosen with `--format` (default: `github` inside GitHub Actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
    /// An HTML document: `status` prints the release page's lanes.
    Html,
}

/// How a command's human (and github) output ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A verdict: always the summary line (`check`, `cut`, `promote`…).
    Verdict,
    /// Nothing at all when nothing was found or noted (the hooks, `approve`, `init`,
    /// `install`): git prints hook output on every commit. The json format still prints
    /// its document.
    Quiet,
    /// Data first (`log`, `status`, `explain`, `notes`); a summary line only when
    /// something was found.
    Data,
}

/// A set of rules run over many subjects (a gate), as the report tallies it: one check
/// per rule at the end, "12 commits, 1 blocked".
pub trait RuleSet: Sync {
    fn name(&self) -> &'static str;
    /// What one subject is called: ("commit or message", "commits or messages").
    fn noun(&self) -> (&'static str, &'static str);
    fn rule_ids(&self) -> Vec<&'static str>;
}

/// A failure after the report started: shown in the report (json: `"error"`) and on
/// stderr, where the command's error is printed once.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// `usage`, `policy` or `undecided`.
    pub kind: &'static str,
    #[serde(skip)]
    pub exit_code: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
}

/// How a report renders, and where the github format writes its files.
#[derive(Debug, Clone)]
pub struct Config {
    /// The command, as typed: `check commits`, `hook pre-push`, `cut`.
    pub command: &'static str,
    pub format: Format,
    pub style: Style,
    /// `human` only.
    pub color: bool,
    /// `-q`: no notes or check lines; nothing at all when nothing was found.
    pub quiet: bool,
    /// `-v`: a `Quiet` report prints even when nothing was found.
    pub verbose: bool,
    /// `$GITHUB_STEP_SUMMARY` and `$GITHUB_OUTPUT` (github format only).
    pub step_summary: Option<PathBuf>,
    pub github_output: Option<PathBuf>,
}

impl Config {
    /// A config for tests and library callers: this format, verdict style, no files.
    pub fn new(command: &'static str, format: Format) -> Config {
        Config {
            command,
            format,
            style: Style::Verdict,
            color: false,
            quiet: false,
            verbose: false,
            step_summary: None,
            github_output: None,
        }
    }
}

/// Everything a renderer needs at the end, when the outcome is known.
pub(crate) struct Summary<'a> {
    pub outcome: Outcome,
    pub exit_code: u8,
    pub errors: usize,
    pub warnings: usize,
    pub checked: &'a Checked,
    /// The checks as received, then one tally per rule of each gate that ran.
    pub checks: &'a [Check],
    pub notes: &'a [String],
    pub data: Option<&'a Data>,
    /// What the policy's exemptions let through.
    pub exempted: &'a [Exempted],
    pub failure: Option<&'a Failure>,
    pub style: Style,
    pub show_notes: bool,
    pub outputs: &'a [(String, String)],
    /// What the command did (`Report::done`).
    pub done: &'a [String],
}

impl Summary<'_> {
    /// "checked 12 commits, 1 branch" — only the kinds that were looked at — then what
    /// the command did: "checked coverage; recorded evidence coverage pass for v1.0.0".
    pub fn checked_phrase(&self) -> String {
        let checked = self.checked_only();
        match (checked, self.done.is_empty()) {
            (Some(checked), true) => checked,
            (Some(checked), false) => format!("{checked}; {}", self.done.join("; ")),
            (None, false) => self.done.join("; "),
            (None, true) => "nothing to check".to_string(),
        }
    }

    fn checked_only(&self) -> Option<String> {
        let c = self.checked;
        let parts: Vec<String> = [
            (c.commits, "commit", "commits"),
            (c.messages, "message", "messages"),
            (c.branches, "branch", "branches"),
            (c.tags, "tag", "tags"),
            (c.files, "file", "files"),
        ]
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", plural(*n, one, many)))
        .collect();
        if !parts.is_empty() {
            return Some(format!("checked {}", parts.join(", ")));
        }
        // No commit, branch, tag or file: name what was checked (a criterion's evidence,
        // a rollback's deployer).
        let named: Vec<&str> = self
            .checks
            .iter()
            .filter(|c| c.subject.is_some())
            .map(|c| c.name.unwrap_or(c.rule))
            .collect();
        (!named.is_empty()).then(|| format!("checked {}", named.join(", ")))
    }

    /// `blocked: 2 errors, 0 warnings (checked 2 commits)`, without colour.
    pub fn counts_phrase(&self) -> String {
        let checked = self.checked_phrase();
        let (e, w) = (self.errors, self.warnings);
        match self.outcome {
            Outcome::Allowed if w == 0 => checked,
            Outcome::Allowed => format!("{w} {} ({checked})", plural(w, "warning", "warnings")),
            _ => format!(
                "{e} {}, {w} {} ({checked})",
                plural(e, "error", "errors"),
                plural(w, "warning", "warnings")
            ),
        }
    }

    /// Findings held by the checks, to show after the streamed ones.
    pub fn held_findings(&self) -> impl Iterator<Item = &Finding> {
        self.checks.iter().flat_map(|c| c.findings.iter())
    }
}

pub(crate) fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// A streaming renderer: one per format.
pub(crate) trait Render {
    fn note(&mut self, out: &mut dyn io::Write, note: &str) -> io::Result<()>;
    /// A check as it arrives (its findings come at the end, in `finish`).
    fn check(&mut self, out: &mut dyn io::Write, check: &Check) -> io::Result<()>;
    fn finding(&mut self, out: &mut dyn io::Write, finding: &Finding) -> io::Result<()>;
    fn finish(&mut self, out: &mut dyn io::Write, summary: &Summary<'_>) -> io::Result<()>;
    /// The files beside stdout (the github format's step summary and outputs).
    fn files(
        &mut self,
        _summary: &Summary<'_>,
        _step_summary: Option<&std::path::Path>,
        _output: Option<&std::path::Path>,
    ) -> io::Result<()> {
        Ok(())
    }
}

/// Findings per rule, for the tallies.
#[derive(Debug, Clone, Copy, Default)]
struct RuleCount {
    errors: usize,
    warnings: usize,
}

/// The one result of a command: a sink that renders what it receives as it receives it.
pub struct Report {
    config: Config,
    renderer: Box<dyn Render + Send>,
    out: Box<dyn io::Write + Send>,
    errors: usize,
    warnings: usize,
    /// Findings and notes received: a `Quiet` report with none prints nothing.
    received: usize,
    checked: Checked,
    checks: Vec<Check>,
    notes: Vec<String>,
    gates: Vec<(&'static dyn RuleSet, usize)>,
    per_rule: Vec<(&'static str, RuleCount)>,
    data: Option<Data>,
    /// What the policy's exemptions let through (`--verbose` notes, JSON's `exempted`).
    exempted: Vec<Exempted>,
    failure: Option<Failure>,
    outputs: Vec<(String, String)>,
    /// What the command did (recorded, wrote, sent), for the summary.
    done: Vec<String>,
    /// The first write error other than a closed pipe, reported by `finish`.
    write_error: Option<io::Error>,
    finished: bool,
}

impl Report {
    /// A report that writes to stdout (through [`output::Stdout`]: a closed pipe stops the
    /// writing, never the command).
    pub fn new(config: Config) -> Report {
        Report::to_writer(config, Box::new(output::Stdout))
    }

    /// A report that writes to `out` (tests, benchmarks).
    pub fn to_writer(config: Config, out: Box<dyn io::Write + Send>) -> Report {
        let show_notes = !config.quiet;
        let renderer: Box<dyn Render + Send> = match config.format {
            Format::Human => Box::new(human::Human::new(config.color, show_notes)),
            Format::Json => Box::new(json::Json::new(config.command)),
            Format::Github => Box::new(github::Github::new(show_notes)),
            Format::Html => Box::new(html::Html::new(config.command)),
        };
        Report {
            config,
            renderer,
            out,
            errors: 0,
            warnings: 0,
            received: 0,
            checked: Checked::default(),
            checks: Vec::new(),
            notes: Vec::new(),
            gates: Vec::new(),
            per_rule: Vec::new(),
            data: None,
            exempted: Vec::new(),
            failure: None,
            outputs: Vec::new(),
            done: Vec::new(),
            write_error: None,
            finished: false,
        }
    }

    pub fn format(&self) -> Format {
        self.config.format
    }

    /// What was looked at ("checked 2 commits, 1 branch").
    pub fn checked(&mut self) -> &mut Checked {
        &mut self.checked
    }

    /// What the command did — `recorded promote v1.2.3 to prod`, `wrote the release
    /// page` — for the summary line, so that a command that acted never sums up as
    /// "nothing to check".
    pub fn done(&mut self, what: impl Into<String>) {
        self.done.push(what.into());
    }

    /// What was recorded in the ledger, named before anything done after it (a notice).
    pub fn recorded(&mut self, events: Vec<String>) {
        self.done
            .splice(0..0, events.into_iter().map(|e| format!("recorded {e}")));
    }

    fn wrote(&mut self, result: io::Result<()>) {
        if let Err(e) = result
            && self.write_error.is_none()
        {
            self.write_error = Some(e);
        }
    }

    /// A short statement about what was done or skipped ("no upstream: checked since
    /// v1.2.0"). Not shown with `-q`.
    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        self.received += 1;
        let written = self.renderer.note(&mut self.out, &note);
        self.wrote(written);
        self.notes.push(note);
    }

    /// One finding, rendered at once and then forgotten (only counted).
    pub fn finding(&mut self, finding: Finding) {
        self.count(&finding);
        let written = self.renderer.finding(&mut self.out, &finding);
        self.wrote(written);
    }

    pub fn findings(&mut self, findings: impl IntoIterator<Item = Finding>) {
        for finding in findings {
            self.finding(finding);
        }
    }

    fn count(&mut self, finding: &Finding) {
        self.received += 1;
        let counts = match self.per_rule.iter_mut().find(|(r, _)| *r == finding.rule) {
            Some((_, counts)) => counts,
            None => {
                self.per_rule.push((finding.rule, RuleCount::default()));
                &mut self.per_rule.last_mut().expect("just pushed").1
            }
        };
        match finding.severity {
            Severity::Error => {
                counts.errors += 1;
                self.errors += 1;
            }
            Severity::Warning => {
                counts.warnings += 1;
                self.warnings += 1;
            }
        }
    }

    /// A check, kept to the end with its findings (a command has a few).
    pub fn check(&mut self, check: Check) {
        for finding in &check.findings {
            self.count(finding);
        }
        self.received += 1;
        let written = self.renderer.check(&mut self.out, &check);
        self.wrote(written);
        self.checks.push(check);
    }

    /// Says that `gate` ran over one more subject; at the end each of its rules becomes
    /// a check ("12 commits, 1 blocked").
    pub fn ran(&mut self, gate: &'static dyn RuleSet) {
        match self.gates.iter_mut().find(|(g, _)| g.name() == gate.name()) {
            Some((_, n)) => *n += 1,
            None => self.gates.push((gate, 1)),
        }
    }

    /// A commit (or message) an exemption let through: a note with `--verbose`, and
    /// always in JSON's `exempted`.
    pub fn exempt(&mut self, exempted: Exempted) {
        if self.config.verbose && self.config.format != Format::Json {
            self.note(exempted.note());
        }
        self.exempted.push(exempted);
    }

    /// What the exemptions let through so far.
    pub fn exempted(&self) -> &[Exempted] {
        &self.exempted
    }

    /// The command's data (status, log, explain, notes), shown by every format.
    pub fn set_data(&mut self, data: Data) {
        self.data = Some(data);
    }

    /// A `name=value` line for `$GITHUB_OUTPUT`, after `allowed=…`.
    pub fn output(&mut self, name: &str, value: impl Into<String>) {
        self.outputs.push((name.to_string(), value.into()));
    }

    /// A failure after the report started. The outcome becomes undecided (unless
    /// something already blocks), and the exit code is the failure's.
    pub fn fail(&mut self, failure: Failure) {
        self.failure = Some(failure);
    }

    pub fn has_blocking(&self) -> bool {
        self.errors > 0 || self.checks.iter().any(|c| c.verdict == Verdict::Blocked)
    }

    /// The verdict so far: undecided when a check could not decide or the command failed,
    /// blocked when an error finding or a blocked check was received, else allowed.
    pub fn outcome(&self) -> Outcome {
        if self.checks.iter().any(|c| c.verdict == Verdict::Undecided) {
            Outcome::Undecided
        } else if self.has_blocking() {
            Outcome::Blocked
        } else if self.failure.is_some() {
            Outcome::Undecided
        } else {
            Outcome::Allowed
        }
    }

    /// The exit code: the failure's when there is one, else the outcome's.
    pub fn exit_code(&self) -> u8 {
        match &self.failure {
            Some(failure) => failure.exit_code,
            None => self.outcome().exit_code(),
        }
    }

    /// Whether nothing should be printed: `-q` with nothing found; outside json, a report
    /// that received nothing and failed (the error on stderr says it all), or a `Quiet`
    /// one that received nothing (unless `-v`). Json always prints its document.
    fn silent(&self) -> bool {
        let nothing_found = self.errors + self.warnings == 0 && self.failure.is_none();
        if self.config.quiet && nothing_found && self.data.is_none() {
            return true;
        }
        self.config.format != Format::Json
            && self.received == 0
            && self.data.is_none()
            && (self.failure.is_some()
                || (self.config.style == Style::Quiet && !self.config.verbose))
    }

    /// One check per rule of each gate that ran, from the findings counted per rule.
    fn tallies(&self) -> Vec<Check> {
        let mut tallies = Vec::new();
        for (gate, subjects) in &self.gates {
            let (one, many) = gate.noun();
            for rule in gate.rule_ids() {
                let counts = self
                    .per_rule
                    .iter()
                    .find(|(r, _)| *r == rule)
                    .map(|(_, c)| *c)
                    .unwrap_or_default();
                let measured = match (counts.errors, counts.warnings) {
                    (0, 0) => format!("{subjects} {}", plural(*subjects, one, many)),
                    (e, 0) => format!("{subjects} {}, {e} blocked", plural(*subjects, one, many)),
                    (e, w) => format!(
                        "{subjects} {}, {e} blocked, {w} {}",
                        plural(*subjects, one, many),
                        plural(w, "warning", "warnings")
                    ),
                };
                tallies.push(Check {
                    rule,
                    name: None,
                    subject: None,
                    measured: Some(measured),
                    threshold: None,
                    verdict: if counts.errors > 0 {
                        Verdict::Blocked
                    } else {
                        Verdict::Ok
                    },
                    source: None,
                    findings: Vec::new(),
                    streamed: counts.errors + counts.warnings,
                });
            }
        }
        tallies
    }

    /// Renders what is left (held findings, the summary, the data), writes the github
    /// files, and returns the outcome. A closed stdout is not an error: the outcome stays.
    pub fn finish(mut self) -> io::Result<Outcome> {
        self.render_end()
    }

    fn render_end(&mut self) -> io::Result<Outcome> {
        self.finished = true;
        let outcome = self.outcome();
        let exit_code = self.exit_code();
        if !self.silent() {
            let mut checks = std::mem::take(&mut self.checks);
            checks.extend(self.tallies());
            let summary = Summary {
                outcome,
                exit_code,
                errors: self.errors,
                warnings: self.warnings,
                checked: &self.checked,
                checks: &checks,
                notes: &self.notes,
                data: self.data.as_ref(),
                exempted: &self.exempted,
                failure: self.failure.as_ref(),
                style: self.config.style,
                show_notes: !self.config.quiet,
                outputs: &self.outputs,
                done: &self.done,
            };
            let written = self
                .renderer
                .finish(&mut self.out, &summary)
                .and_then(|()| self.out.flush());
            if let Err(e) = written
                && self.write_error.is_none()
            {
                self.write_error = Some(e);
            }
            self.renderer.files(
                &summary,
                self.config.step_summary.as_deref(),
                self.config.github_output.as_deref(),
            )?;
        }
        match self.write_error.take() {
            Some(e) => Err(e),
            None => Ok(outcome),
        }
    }
}

impl Drop for Report {
    /// A report dropped unfinished (a command returned an error through `?` after the
    /// report started) still ends its document: undecided, its error on stderr.
    fn drop(&mut self) {
        if !self.finished {
            if self.failure.is_none() {
                self.failure = Some(Failure {
                    kind: "undecided",
                    exit_code: 3,
                    message: Some("stopped before the report was complete".to_string()),
                    causes: Vec::new(),
                    hints: Vec::new(),
                });
            }
            let _ = self.render_end();
        }
    }
}

/// A writer whose bytes the caller reads back (`reltag test`'s scenarios, tests): shared,
/// since the report owns its writer and may be recorded into from another thread.
#[derive(Clone, Default)]
pub(crate) struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A writer that panicked mid-write left whole bytes: keep writing after them.
        let mut bytes = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    /// The bytes written so far.
    pub(crate) fn bytes(&self) -> Vec<u8> {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        bytes.clone()
    }

    #[cfg(test)]
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.bytes()).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(format: Format) -> (Report, Buffer) {
        let buffer = Buffer::default();
        let report = Report::to_writer(Config::new("test", format), Box::new(buffer.clone()));
        (report, buffer)
    }

    fn commit_finding(n: usize) -> Finding {
        Finding::error(
            "commit-jira",
            Subject::Commit {
                id: format!("{n:040x}"),
                summary: format!("change {n}"),
                refname: None,
            },
            "no key",
        )
    }

    fn tag() -> Option<Subject> {
        Some(Subject::Tag {
            name: "v1.0.0".into(),
        })
    }

    #[test]
    fn the_outcome_comes_from_what_the_report_received() {
        let (mut r, _) = report(Format::Human);
        assert_eq!(r.outcome(), Outcome::Allowed);
        r.finding(Finding::warning(
            "commit-encoding",
            Subject::Repository,
            "w",
        ));
        assert_eq!(r.outcome(), Outcome::Allowed, "warnings never block");
        r.check(Check::new("release-docs", tag(), Vec::new()).measured("1 changed"));
        assert_eq!(r.outcome(), Outcome::Allowed);
        r.finding(commit_finding(1));
        assert_eq!((r.outcome(), r.exit_code()), (Outcome::Blocked, 1));
        r.check(Check::new("release-ci", tag(), Vec::new()).verdict(Verdict::Undecided));
        assert_eq!(
            (r.outcome(), r.exit_code()),
            (Outcome::Undecided, 3),
            "what could not be decided wins: the full answer is not known"
        );
        assert_eq!(r.finish().unwrap(), Outcome::Undecided);
    }

    #[test]
    fn json_streams_findings_and_ends_with_the_verdict() {
        let (mut r, out) = report(Format::Json);
        r.note("a note");
        r.finding(commit_finding(1));
        assert!(
            out.text().contains("\"findings\": [\n    {"),
            "the finding is written at once: {}",
            out.text()
        );
        r.check(
            Check::new(
                "release-coverage",
                tag(),
                vec![Finding::error(
                    "release-coverage",
                    tag().unwrap(),
                    "80% < 90%",
                )],
            )
            .named("coverage"),
        );
        r.finish().unwrap();
        let doc: serde_json::Value = serde_json::from_str(&out.text()).unwrap();
        assert_eq!(doc["version"], 2);
        assert_eq!(doc["command"], "test");
        assert_eq!(doc["findings"].as_array().unwrap().len(), 2);
        assert_eq!(doc["checks"][0]["name"], "coverage");
        assert_eq!(doc["checks"][0]["findings"], 1);
        assert_eq!(doc["notes"][0], "a note");
        assert_eq!(doc["errors"], 2);
        assert_eq!(doc["outcome"], "blocked");
        assert_eq!(doc["exit_code"], 1);
    }

    #[test]
    fn a_failure_after_the_report_started_still_ends_a_valid_document() {
        let (mut r, out) = report(Format::Json);
        r.finding(commit_finding(1));
        r.fail(Failure {
            kind: "undecided",
            exit_code: 3,
            message: Some("history past a shallow boundary".into()),
            causes: Vec::new(),
            hints: vec!["git fetch --unshallow".into()],
        });
        assert_eq!(r.exit_code(), 3);
        r.finish().unwrap();
        let doc: serde_json::Value = serde_json::from_str(&out.text()).unwrap();
        assert_eq!(doc["exit_code"], 3);
        assert_eq!(doc["error"]["message"], "history past a shallow boundary");
        assert_eq!(doc["error"]["hints"][0], "git fetch --unshallow");

        // Dropped without finish (a `?` in the command): still one document, undecided.
        let (mut r, out) = report(Format::Json);
        r.finding(commit_finding(2));
        drop(r);
        let doc: serde_json::Value = serde_json::from_str(&out.text()).unwrap();
        assert_eq!(doc["outcome"], "blocked");
        assert_eq!(doc["exit_code"], 3);
        assert_eq!(doc["error"]["kind"], "undecided");
    }

    #[test]
    fn human_groups_streamed_findings_then_the_checks_findings() {
        let (mut r, out) = report(Format::Human);
        r.note("checked 2 commits");
        r.finding(commit_finding(1));
        r.finding(Finding::error(
            "commit-subject",
            Subject::Commit {
                id: format!("{:040x}", 1),
                summary: "change 1".into(),
                refname: None,
            },
            "bad subject",
        ));
        r.check(Check::new(
            "release-approvals",
            tag(),
            vec![Finding::error(
                "release-approvals",
                tag().unwrap(),
                "qa-lead has not approved",
            )],
        ));
        r.finish().unwrap();
        let id = format!("{:012x}", 0);
        assert_eq!(
            out.text(),
            format!(
                "note: checked 2 commits\n\ncommit {id} \"change 1\"\n  error[commit-jira] no key\n  error[commit-subject] bad subject\n\nnote: release-approvals blocked\n\ntag v1.0.0\n  error[release-approvals] qa-lead has not approved\n\nblocked: 3 errors, 0 warnings (checked release-approvals)\n"
            )
        );
    }

    #[test]
    fn a_multi_line_note_reads_as_gutter_lines_that_cannot_pass_for_reltag_or_a_runner() {
        let note = "dry run: would send to mail: SMTP\nSubject: x\n\n  error[release-cut] forged\n::error::forged\n  ##[error]old form\nblocked: 0 errors\nbell\u{7}\u{1b}[2J\r\n";
        let (mut r, out) = report(Format::Human);
        r.note(note);
        r.finish().unwrap();
        let text = out.text();
        assert_eq!(
            text,
            "note: dry run: would send to mail: SMTP\n    | Subject: x\n    |\n    |   error[release-cut] forged\n    | ::error::forged\n    |   ##[error]old form\n    | blocked: 0 errors\n    | bell\\u{7}\\u{1b}[2J\\u{d}\nallowed: nothing to check\n"
        );
        for line in text.lines() {
            let trimmed = line.trim_start();
            assert!(
                !trimmed.starts_with("::")
                    && !trimmed.starts_with("##[")
                    && !line.starts_with("  error["),
                "{line:?}"
            );
        }
        // JSON is unchanged: the note as one string, lossless.
        let (mut r, out) = report(Format::Json);
        r.note(note);
        r.finish().unwrap();
        let doc: serde_json::Value = serde_json::from_str(&out.text()).unwrap();
        assert_eq!(doc["notes"], serde_json::json!([note]));
    }

    #[test]
    fn a_quiet_report_with_nothing_to_say_prints_nothing_but_json_always_does() {
        let (mut r, out) = report(Format::Human);
        r.config.style = Style::Quiet;
        r.finish().unwrap();
        assert_eq!(out.text(), "");
        let (mut r, out) = report(Format::Json);
        r.config.style = Style::Quiet;
        r.finish().unwrap();
        let doc: serde_json::Value = serde_json::from_str(&out.text()).unwrap();
        assert_eq!(doc["outcome"], "allowed");
    }

    #[test]
    fn a_tally_counts_streamed_findings_per_rule() {
        struct Two;
        impl RuleSet for Two {
            fn name(&self) -> &'static str {
                "two"
            }
            fn noun(&self) -> (&'static str, &'static str) {
                ("commit", "commits")
            }
            fn rule_ids(&self) -> Vec<&'static str> {
                vec!["commit-jira", "commit-subject"]
            }
        }
        static TWO: Two = Two;
        let (mut r, out) = report(Format::Json);
        for n in 0..3 {
            r.ran(&TWO);
            if n > 0 {
                r.finding(commit_finding(n));
            }
        }
        r.finish().unwrap();
        let doc: serde_json::Value = serde_json::from_str(&out.text()).unwrap();
        assert_eq!(doc["checks"][0]["measured"], "3 commits, 2 blocked");
        assert_eq!(doc["checks"][0]["findings"], 2);
        assert_eq!(doc["checks"][0]["verdict"], "blocked");
        assert_eq!(doc["checks"][1]["measured"], "3 commits");
        assert_eq!(doc["checks"][1]["verdict"], "ok");
    }
}
