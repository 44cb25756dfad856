//! Policy tests (`reltag test`): scenario files that describe situations — a branch
//! name, a commit message, a tag, a push, a pull request with its reviews, changed files
//! and code owners, a promotion with the ledger's events and a clock, a cut with its
//! criteria's facts ([`cut`]) — and the verdict the policy must reach, with the rules that
//! block.
//!
//! Each scenario runs through the same gates as the hooks, `check`, `check pr` and
//! `promote` (`gates::push::run` over a described [`PushFacts`], `gates::pull_request`
//! over described reviews, `deploy::promotion` over a described ledger: [`ledger`]),
//! offline: nothing here reads a repository or asks a service. What a
//! scenario gets is what the command's JSON report would say, read back from one.
//!
//! ```toml
//! [[scenario]]
//! name = "a commit without a Jira key is refused"
//! commit = "Fix the login page"
//! expect = "blocked"
//! rules = ["commit-jira"]
//! ```

pub mod cut;
pub mod ledger;

use std::collections::BTreeMap;
use std::convert::Infallible;

use gix::ObjectId;
use serde::Deserialize;
use toml::Spanned;

use crate::gates;
use crate::gates::push::{Push, PushFacts};
use crate::git::{Author, CommitInfo};
use crate::hooks::pre_push::{RefUpdate, UpdateKind};
use crate::ledger::Event;
use crate::owners::{CodeOwners, resolve};
use crate::policy::{POLICY_FILE_NAME, Policy};
use crate::report::{Buffer, Config, Format, Outcome, Report};
use crate::rules::ReleaseBranchState;
use crate::rules::reviews::{Access, Review, ReviewState, Reviewer};

/// The example scenario file `reltag init` writes: this repository's own
/// `policy-tests/example.toml`, run against the reference policy by its tests, so the
/// example cannot drift from what the default policy decides.
pub const EXAMPLE: &str = include_str!("../../policy-tests/example.toml");

/// A scenario file, parsed.
#[derive(Debug, Clone)]
pub struct ScenarioFile {
    /// As given, for messages.
    pub path: String,
    pub scenarios: Vec<Scenario>,
}

/// One scenario and where it starts in its file.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// 1-based line of its `[[scenario]]` table.
    pub line: usize,
    pub spec: ScenarioSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    #[serde(default)]
    scenario: Vec<Spanned<ScenarioSpec>>,
}

/// `[[scenario]]`: one situation (exactly one of `branch`, `commit`, `tag`, `push`,
/// `pull_request`, `promote`, `schedule`, `rollback`, `cut`) and what the policy must
/// decide.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub name: String,
    /// A branch name, as `check branch` and the pre-commit hook judge it.
    pub branch: Option<String>,
    /// A commit message (or a commit with its parents and author), as the commit-msg
    /// hook and `check` judge it.
    pub commit: Option<CommitSpec>,
    /// A tag name, as `check tag` judges it against `tags`.
    pub tag: Option<String>,
    /// The tags the repository already has (for `tag` and a pushed tag).
    #[serde(default)]
    pub tags: Vec<String>,
    /// One ref update, as the pre-push hook judges it.
    pub push: Option<PushSpec>,
    /// A pull request, as `check pr` judges it.
    pub pull_request: Option<PullRequestSpec>,
    /// A promotion, as `reltag promote` decides it at `now` on the `ledger`.
    pub promote: Option<ledger::PromoteSpec>,
    /// A schedule, as `reltag schedule` decides it at `now` on the `ledger`.
    pub schedule: Option<ledger::ScheduleSpec>,
    /// A rollback, as `reltag rollback` decides it at `now` on the `ledger`.
    pub rollback: Option<ledger::RollbackSpec>,
    /// A release, as `reltag cut --dry-run` decides it on the `ledger`.
    pub cut: Option<Spanned<cut::CutSpec>>,
    /// The clock, RFC 3339 (`2026-03-03T23:30:00Z`): a promotion's instant, and every
    /// ledger event's time unless it gives its own `at`.
    pub now: Option<Spanned<String>>,
    /// What the ledger recorded before, oldest first: approvals, evidence, cuts,
    /// schedules, promotions, rollbacks.
    #[serde(default)]
    pub ledger: Vec<Spanned<ledger::EventSpec>>,
    /// `now`, as `parse` read it.
    #[serde(skip)]
    pub clock: Option<jiff::Timestamp>,
    /// The `ledger`'s events, as `parse` read them, oldest first.
    #[serde(skip)]
    pub events: Vec<Event>,
    /// The verdict the policy must reach.
    pub expect: Expected,
    /// Exactly the rules whose errors block (each once, in any order), when given.
    pub rules: Option<Vec<String>>,
    /// Exactly the rules that warn, when given.
    pub warnings: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    Allowed,
    Blocked,
    Undecided,
}

impl Expected {
    fn outcome(self) -> Outcome {
        match self {
            Expected::Allowed => Outcome::Allowed,
            Expected::Blocked => Outcome::Blocked,
            Expected::Undecided => Outcome::Undecided,
        }
    }
}

/// A commit: its message alone, or a table.
#[derive(Debug, Clone)]
pub enum CommitSpec {
    Message(String),
    Full(CommitTable),
}

/// By hand rather than `untagged`, so that a table's mistake is named (an unknown key,
/// a wrong type) instead of "did not match any variant".
impl<'de> Deserialize<'de> for CommitSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = CommitSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a commit message, or a table with `message`")
            }
            fn visit_str<E: serde::de::Error>(self, message: &str) -> Result<CommitSpec, E> {
                Ok(CommitSpec::Message(message.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<CommitSpec, A::Error> {
                CommitTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(CommitSpec::Full)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitTable {
    pub message: String,
    /// 2 or more: a merge.
    #[serde(default = "one")]
    pub parents: usize,
    /// What the commit claims: `Name <email>`.
    pub author: Option<String>,
    /// In a pull request: the account the forge links to the commit's author.
    pub login: Option<String>,
}

fn one() -> usize {
    1
}

impl CommitSpec {
    fn table(&self) -> CommitTable {
        match self {
            CommitSpec::Message(message) => CommitTable {
                message: message.clone(),
                parents: 1,
                author: None,
                login: None,
            },
            CommitSpec::Full(table) => table.clone(),
        }
    }
}

/// `push = { branch = "main", commits = [...] }` or `push = { tag = "v1.2.3" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushSpec {
    pub branch: Option<String>,
    pub tag: Option<String>,
    /// `create`, `update` or `delete` [default: update for a branch, create for a tag].
    pub change: Option<Change>,
    /// The commits the push adds, oldest first.
    #[serde(default)]
    pub commits: Vec<CommitSpec>,
    /// A created branch's tip is already on the remote's default or a protected branch.
    #[serde(default)]
    pub published: bool,
    /// A pushed release tag's commit is on its release branch: `true`, `false`, or
    /// `"missing"` (no such branch) [default: true].
    #[serde(default)]
    pub on_release_branch: Placement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Create,
    Update,
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Placement {
    On(bool),
    Missing(MissingWord),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingWord {
    Missing,
}

impl Default for Placement {
    fn default() -> Self {
        Placement::On(true)
    }
}

/// A pull request: its branch, title, commits, reviews, changed files and the base
/// commit's CODEOWNERS.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequestSpec {
    pub branch: String,
    pub title: String,
    pub body: Option<String>,
    /// The author's login.
    #[serde(default = "author")]
    pub author: String,
    #[serde(default)]
    pub commits: Vec<CommitSpec>,
    /// Oldest first.
    #[serde(default)]
    pub reviews: Vec<ReviewSpec>,
    /// Every path it changes (a renamed file under both names).
    #[serde(default)]
    pub changed: Vec<String>,
    /// The base commit's CODEOWNERS.
    pub codeowners: Option<String>,
    /// The members of each team CODEOWNERS names (`"@octo/dba" = ["dana"]`); a team not
    /// listed here (or in `[roles]`) cannot be listed, as when GitHub refuses to.
    #[serde(default)]
    pub teams: BTreeMap<String, Vec<String>>,
}

fn author() -> String {
    "author".to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSpec {
    pub by: String,
    pub state: ReviewWord,
    /// The reviewer can push to the repository (only then does the review count).
    #[serde(default = "yes")]
    pub can_push: bool,
    /// Given on an older head commit.
    #[serde(default)]
    pub stale: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewWord {
    Approved,
    ChangesRequested,
    Commented,
    Dismissed,
}

/// A scenario file that cannot be used, at `path:line:column`.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct ParseError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Parses a scenario file's text.
pub fn parse(path: &str, text: &str) -> Result<ScenarioFile, ParseError> {
    let at = |offset: usize, message: String| {
        let before = &text[..offset.min(text.len())];
        ParseError {
            path: path.to_string(),
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            message,
        }
    };
    let file: FileSpec = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        at(offset, e.message().trim().to_string())
    })?;
    let mut scenarios = Vec::new();
    for spanned in file.scenario {
        let start = spanned.span().start;
        let mut spec = spanned.into_inner();
        let situations = [
            spec.branch.is_some(),
            spec.commit.is_some(),
            spec.tag.is_some(),
            spec.push.is_some(),
            spec.pull_request.is_some(),
            spec.promote.is_some(),
            spec.schedule.is_some(),
            spec.rollback.is_some(),
            spec.cut.is_some(),
        ]
        .iter()
        .filter(|s| **s)
        .count();
        if situations != 1 {
            return Err(at(
                start,
                format!(
                    "scenario \"{}\" describes {situations} situations: expected exactly one of branch, commit, tag, push, pull_request, promote, schedule, rollback, cut",
                    spec.name
                ),
            ));
        }
        if let Some(push) = &spec.push
            && push.branch.is_some() == push.tag.is_some()
        {
            return Err(at(
                start,
                format!(
                    "scenario \"{}\": a push names exactly one of branch or tag",
                    spec.name
                ),
            ));
        }
        if spec.expect == Expected::Allowed && spec.rules.as_ref().is_some_and(|r| !r.is_empty()) {
            return Err(at(
                start,
                format!(
                    "scenario \"{}\" expects allowed and names rules that block: expected \"blocked\", or no rules",
                    spec.name
                ),
            ));
        }
        for id in spec.rules.iter().chain(&spec.warnings).flatten() {
            if crate::rules::find(id).is_none() {
                return Err(at(
                    start,
                    format!(
                        "scenario \"{}\" names the unknown rule `{id}` (`reltag explain` lists them)",
                        spec.name
                    ),
                ));
            }
        }
        let now = match &spec.now {
            Some(now) => {
                Some(ledger::timestamp("now", now.get_ref()).map_err(|e| at(now.span().start, e))?)
            }
            None => None,
        };
        let deployment =
            spec.promote.is_some() || spec.schedule.is_some() || spec.rollback.is_some();
        if !deployment && spec.cut.is_none() && (now.is_some() || !spec.ledger.is_empty()) {
            return Err(at(
                start,
                format!(
                    "scenario \"{}\": `now` and `ledger` describe a deployment or a cut: add `promote`, `schedule`, `rollback` or `cut`",
                    spec.name
                ),
            ));
        }
        if let Some(schedule) = &spec.schedule {
            ledger::timestamp("for", &schedule.for_time)
                .map_err(|e| at(start, format!("scenario \"{}\": {e}", spec.name)))?;
        }
        let mut events = Vec::new();
        if spec.cut.is_some() {
            // A cut reads no clock: its events are recorded at `now`, or at the epoch.
            let now = now.unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            for event in &spec.ledger {
                events.push(
                    event
                        .get_ref()
                        .event(now)
                        .map_err(|e| at(event.span().start, e))?,
                );
            }
        }
        if deployment {
            let Some(now) = now else {
                return Err(at(
                    start,
                    format!(
                        "scenario \"{}\": a deployment needs the clock: `now = \"2026-03-03T23:30:00Z\"`",
                        spec.name
                    ),
                ));
            };
            for event in &spec.ledger {
                events.push(
                    event
                        .get_ref()
                        .event(now)
                        .map_err(|e| at(event.span().start, e))?,
                );
            }
        }
        // The line of `[[scenario]]`: the span starts at the table's first key.
        let header = text[..(start + "[[scenario]]".len()).min(text.len())]
            .rfind("[[scenario]]")
            .unwrap_or(start);
        spec.clock = now;
        spec.events = events;
        scenarios.push(Scenario {
            line: at(header, String::new()).line,
            spec,
        });
    }
    Ok(ScenarioFile {
        path: path.to_string(),
        scenarios,
    })
}

/// One finding, as a scenario sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub rule: String,
    pub error: bool,
    pub message: String,
}

/// What the policy decided about a scenario.
#[derive(Debug, Clone)]
pub struct Ran {
    pub outcome: Outcome,
    pub findings: Vec<Found>,
    /// Why it could not be decided.
    pub undecided: Option<String>,
}

impl Ran {
    fn rules(&self, error: bool) -> Vec<String> {
        let mut ids: Vec<String> = self
            .findings
            .iter()
            .filter(|f| f.error == error)
            .map(|f| f.rule.clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// `blocked by commit-jira, branch-name`, `allowed`, `undecided (why)`.
    pub fn describe(&self) -> String {
        match self.outcome {
            Outcome::Allowed => "allowed".to_string(),
            Outcome::Blocked => format!("blocked by {}", self.rules(true).join(", ")),
            Outcome::Undecided => format!(
                "undecided ({})",
                self.undecided.as_deref().unwrap_or("could not decide")
            ),
        }
    }
}

/// How a scenario ended against what it expects: `None` when it passed, else what
/// differs.
pub fn mismatch(spec: &ScenarioSpec, ran: &Ran) -> Option<String> {
    let mut wrong = Vec::new();
    if ran.outcome != spec.expect.outcome() {
        wrong.push(format!(
            "expected {}, got {}",
            spec.expect.outcome().word(),
            ran.describe()
        ));
    } else if let Some(rules) = &spec.rules {
        let mut want = rules.clone();
        want.sort();
        want.dedup();
        if want != ran.rules(true) {
            wrong.push(format!(
                "expected blocked by {}, got {}",
                want.join(", "),
                ran.describe()
            ));
        }
    }
    if let Some(warnings) = &spec.warnings {
        let mut want = warnings.clone();
        want.sort();
        want.dedup();
        let got = ran.rules(false);
        if want != got {
            let list = |l: &[String]| {
                if l.is_empty() {
                    "none".to_string()
                } else {
                    l.join(", ")
                }
            };
            wrong.push(format!(
                "expected warnings from {}, got {}",
                list(&want),
                list(&got)
            ));
        }
    }
    (!wrong.is_empty()).then(|| wrong.join("; "))
}

/// Runs one scenario against `policy`, through the gates the real command uses.
pub fn run(spec: &ScenarioSpec, policy: &Policy) -> Ran {
    let captured = Buffer::default();
    let mut report = Report::to_writer(
        Config::new("test", Format::Json),
        Box::new(captured.clone()),
    );
    let undecided = situate(spec, policy, &mut report).err();
    let outcome = match (&undecided, report.finish()) {
        (None, Ok(outcome)) => outcome,
        _ => Outcome::Undecided,
    };
    let document: serde_json::Value = serde_json::from_slice(&captured.bytes()).unwrap_or_default();
    let findings = document["findings"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|f| Found {
                    rule: f["rule"].as_str().unwrap_or_default().to_string(),
                    error: f["severity"] == "error",
                    message: f["message"].as_str().unwrap_or_default().to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ran {
        outcome,
        findings,
        undecided,
    }
}

/// A made-up object id: scenarios have no repository.
fn object_id(n: usize) -> ObjectId {
    object_id_of(n as u64)
}

fn object_id_of(n: u64) -> ObjectId {
    ObjectId::from_hex(format!("{n:040x}").as_bytes()).expect("40 hex digits")
}

const HEAD: usize = 0xbeef;
const OLDER_HEAD: usize = 0xdead;

fn commit_info(table: &CommitTable, n: usize) -> CommitInfo {
    let author = table.author.as_deref().map(|claim| {
        let (name, email) = match claim.split_once('<') {
            Some((name, rest)) => (name.trim(), rest.trim_end_matches('>').trim()),
            None => (claim.trim(), ""),
        };
        Author {
            name: name.to_string(),
            email: email.to_string(),
        }
    });
    let mut message = table.message.clone();
    if !message.ends_with('\n') {
        message.push('\n');
    }
    CommitInfo {
        id: object_id(n),
        parent_count: table.parents,
        message: message.into_bytes(),
        encoding: None,
        author,
    }
}

/// Puts the situation through its gates, into the report; `Err` says why it cannot be
/// decided.
fn situate(spec: &ScenarioSpec, policy: &Policy, report: &mut Report) -> Result<(), String> {
    let (events, now) = (&spec.events, spec.clock);
    if let Some(described) = &spec.cut {
        cut::cut(described.get_ref(), events, policy, report)?;
    } else if let (Some(promote), Some(now)) = (&spec.promote, now) {
        ledger::promotion(promote, events, now, policy, report)?;
    } else if let (Some(schedule), Some(now)) = (&spec.schedule, now) {
        ledger::schedule(schedule, events, now, policy, report)?;
    } else if let (Some(rollback), Some(now)) = (&spec.rollback, now) {
        ledger::rollback(rollback, events, now, policy, report)?;
    } else if let Some(branch) = &spec.branch {
        gates::check_branch(branch, policy, report);
    } else if let Some(commit) = &spec.commit {
        gates::check_commit(&commit_info(&commit.table(), 1), policy, None, report);
    } else if let Some(tag) = &spec.tag {
        gates::check_tag(tag, &spec.tags, policy, report);
    } else if let Some(push) = &spec.push {
        described_push(push, &spec.tags, policy, report);
    } else if let Some(pr) = &spec.pull_request {
        described_pull_request(pr, policy, report)?;
    }
    Ok(())
}

fn described_push(push: &PushSpec, tags: &[String], policy: &Policy, report: &mut Report) {
    let (remote_ref, default_change) = match (&push.branch, &push.tag) {
        (Some(branch), _) => (format!("refs/heads/{branch}"), Change::Update),
        (_, Some(tag)) => (format!("refs/tags/{tag}"), Change::Create),
        _ => return, // refused by `parse`
    };
    let kind = match push.change.unwrap_or(default_change) {
        Change::Create => UpdateKind::Create,
        Change::Update => UpdateKind::Update,
        Change::Delete => UpdateKind::Delete,
    };
    let update = RefUpdate {
        local_ref: (kind != UpdateKind::Delete).then(|| remote_ref.clone()),
        local_oid: (kind != UpdateKind::Delete).then(|| object_id(HEAD)),
        remote_ref,
        remote_oid: (kind != UpdateKind::Create).then(|| object_id(OLDER_HEAD)),
        kind,
    };
    let mut facts = DescribedPush { push, tags };
    let Ok(()) = gates::push::run(
        &Push {
            updates: std::slice::from_ref(&update),
            verbose: false,
        },
        policy,
        &mut facts,
        report,
    );
}

/// The repository a push scenario describes.
struct DescribedPush<'a> {
    push: &'a PushSpec,
    tags: &'a [String],
}

impl PushFacts for DescribedPush<'_> {
    type Error = Infallible;

    fn new_commits(
        &mut self,
        _update: &RefUpdate,
        each: &mut dyn FnMut(CommitInfo),
    ) -> Result<(), Infallible> {
        // Newest first, as the walk hands them on.
        for (n, commit) in self.push.commits.iter().enumerate().rev() {
            each(commit_info(&commit.table(), n + 1));
        }
        Ok(())
    }

    fn tags(&mut self) -> Result<Vec<String>, Infallible> {
        Ok(self.tags.to_vec())
    }

    fn tagged_commit(&mut self, id: ObjectId) -> Result<Option<(ObjectId, String)>, Infallible> {
        Ok(Some((id, "the tagged commit".to_string())))
    }

    fn already_published(
        &mut self,
        _update: &RefUpdate,
        _policy: &Policy,
    ) -> Result<Option<String>, Infallible> {
        Ok(self.push.published.then(|| "origin/main".to_string()))
    }

    fn release_branch_state(
        &mut self,
        _commit: ObjectId,
        _branch: &str,
    ) -> Result<ReleaseBranchState, Infallible> {
        Ok(match self.push.on_release_branch {
            Placement::On(true) => ReleaseBranchState::Contains,
            Placement::On(false) => ReleaseBranchState::NotContains,
            Placement::Missing(_) => ReleaseBranchState::Missing,
        })
    }
}

fn described_pull_request(
    pr: &PullRequestSpec,
    policy: &Policy,
    report: &mut Report,
) -> Result<(), String> {
    let head = object_id(HEAD).to_string();
    let older = object_id(OLDER_HEAD).to_string();
    let facts = gates::pull_request::PullRequest {
        number: 1,
        title: &pr.title,
        body: pr.body.as_deref(),
        author: &pr.author,
        head_branch: &pr.branch,
        head_sha: &head,
        repository: "the repository",
    };
    gates::check_branch(&pr.branch, policy, report);
    let tables: Vec<CommitTable> = pr.commits.iter().map(CommitSpec::table).collect();
    let infos: Vec<CommitInfo> = tables
        .iter()
        .enumerate()
        .map(|(n, t)| commit_info(t, n + 1))
        .collect();
    let commits: Vec<gates::pull_request::PrCommit> = infos
        .iter()
        .zip(&tables)
        .map(|(info, table)| (info, table.login.as_deref()))
        .collect();
    gates::pull_request::commits(&facts, &commits, policy, report);
    let reviews: Vec<Review> = pr
        .reviews
        .iter()
        .enumerate()
        .map(|(n, r)| Review {
            id: n as u64 + 1,
            reviewer: Some(Reviewer {
                login: r.by.clone(),
                access: if r.can_push {
                    Access::CanPush
                } else {
                    Access::CannotPush {
                        why: "the scenario says so".to_string(),
                    }
                },
            }),
            state: match r.state {
                ReviewWord::Approved => ReviewState::Approved,
                ReviewWord::ChangesRequested => ReviewState::ChangesRequested,
                ReviewWord::Commented => ReviewState::Commented,
                ReviewWord::Dismissed => ReviewState::Dismissed,
            },
            commit: Some(if r.stale { older.clone() } else { head.clone() }),
            submitted_at: Some(format!("2026-01-01T00:{:02}:{:02}Z", n / 60 % 60, n % 60)),
        })
        .collect();
    let code_owners = if policy.file.pull_requests.require_code_owners {
        let file = pr
            .codeowners
            .as_deref()
            .map(|text| CodeOwners::parse(crate::owners::LOCATIONS[0], text.as_bytes()))
            .transpose()
            .map_err(|e| format!("the base commit's CODEOWNERS cannot be used: {e}"))?;
        let owners = resolve(
            file,
            &pr.changed,
            policy,
            "the scenario's teams",
            |org, team| {
                pr.teams
                    .get(&format!("@{org}/{team}"))
                    .cloned()
                    .ok_or(NotListed)
            },
        )
        .map_err(|e| e.to_string())?;
        Some(owners)
    } else {
        None
    };
    gates::pull_request::review(
        &facts,
        &gates::pull_request::ReviewFacts {
            reviews: &reviews,
            changed: &pr.changed,
            policy_path: POLICY_FILE_NAME,
            policy_files_differ: &[],
            code_owners: code_owners.as_ref(),
        },
        policy,
        report,
    );
    Ok(())
}

#[derive(Debug, thiserror::Error)]
#[error("the scenario lists no members for it (teams)")]
struct NotListed;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Source;

    fn policy(text: &str) -> Policy {
        Policy::from_toml(text, "policy.toml", Source::Default).unwrap()
    }

    fn outcome(scenario: &str, policy: &Policy) -> (String, Option<String>) {
        let file = parse("t.toml", scenario).unwrap();
        let spec = &file.scenarios[0].spec;
        let ran = run(spec, policy);
        (ran.describe(), mismatch(spec, &ran))
    }

    #[test]
    fn each_situation_runs_through_its_gate() {
        let default = Policy::default_policy();
        let cases = [
            (
                "branch = \"feature/PAY-1-x\"\nexpect = \"allowed\"",
                "allowed",
            ),
            (
                "branch = \"wip\"\nexpect = \"blocked\"\nrules = [\"branch-name\"]",
                "blocked by branch-name",
            ),
            (
                "commit = \"no key\"\nexpect = \"blocked\"\nrules = [\"commit-jira\"]",
                "blocked by commit-jira",
            ),
            (
                "commit = { message = \"Merge x\", parents = 2 }\nexpect = \"allowed\"",
                "allowed",
            ),
            (
                "tag = \"v1.3.0\"\ntags = [\"v1.1.0\"]\nexpect = \"blocked\"\nrules = [\"tag-sequence\"]",
                "blocked by tag-sequence",
            ),
            (
                "push = { branch = \"main\", commits = [\"PAY-1: x\"] }\nexpect = \"blocked\"\nrules = [\"branch-protected\"]",
                "blocked by branch-protected",
            ),
            (
                "push = { branch = \"feature/PAY-1-x\", commits = [\"PAY-1: x\", \"oops\"] }\nexpect = \"blocked\"\nrules = [\"commit-jira\"]",
                "blocked by commit-jira",
            ),
            (
                "push = { branch = \"release/v1.2\", change = \"create\", published = true }\nexpect = \"allowed\"",
                "allowed",
            ),
            (
                "push = { tag = \"v1.0.0\", on_release_branch = \"missing\" }\nexpect = \"blocked\"\nrules = [\"tag-on-release-branch\"]",
                "blocked by tag-on-release-branch",
            ),
        ];
        for (body, want) in cases {
            let (got, wrong) = outcome(&format!("[[scenario]]\nname = \"x\"\n{body}\n"), &default);
            assert_eq!(got, want, "{body}");
            assert_eq!(wrong, None, "{body}");
        }
    }

    #[test]
    fn a_pull_request_with_code_owners_and_teams() {
        let policy = policy(
            "[pull_requests]\nrequire_code_owners = true\n[roles]\nrelease-manager = [\"@rm\"]\n",
        );
        let scenario = |reviews: &str, teams: &str| {
            format!(
                r#"[[scenario]]
name = "db change"
expect = "blocked"
rules = ["pr-code-owners"]
[scenario.pull_request]
branch = "feature/PAY-1-db"
title = "PAY-1 db"
commits = ["PAY-1: db"]
changed = ["db/schema.sql"]
codeowners = "/db/ @octo/dba\n"
reviews = [{reviews}]
teams = {{ {teams} }}
"#
            )
        };
        let (got, wrong) = outcome(
            &scenario(
                "{ by = \"ann\", state = \"approved\" }",
                "\"@octo/dba\" = [\"dana\"]",
            ),
            &policy,
        );
        assert_eq!((got.as_str(), wrong), ("blocked by pr-code-owners", None));
        let (got, wrong) = outcome(
            &scenario(
                "{ by = \"dana\", state = \"approved\" }",
                "\"@octo/dba\" = [\"dana\"]",
            ),
            &policy,
        );
        assert_eq!(got, "allowed");
        assert_eq!(wrong.as_deref(), Some("expected blocked, got allowed"));
        let (got, _) = outcome(
            &scenario("{ by = \"dana\", state = \"approved\" }", ""),
            &policy,
        );
        assert_eq!(
            got,
            "undecided (cannot list the members of @octo/dba (a code owner in .github/CODEOWNERS): the scenario lists no members for it (teams))"
        );
        // An approval by someone who cannot push, or of an older head, does not count.
        let (got, _) = outcome(
            &scenario(
                "{ by = \"dana\", state = \"approved\", can_push = false }",
                "\"@octo/dba\" = [\"dana\"]",
            ),
            &policy,
        );
        assert_eq!(got, "blocked by pr-approvals, pr-code-owners");
    }

    #[test]
    fn broken_scenario_files_name_the_place() {
        let err = |text: &str| parse("t.toml", text).unwrap_err().to_string();
        assert_eq!(
            err("[[scenario]]\nname = \"x\"\nexpect = \"maybe\"\nbranch = \"b\"\n"),
            "t.toml:3:10: unknown variant `maybe`, expected one of `allowed`, `blocked`, `undecided`"
        );
        assert_eq!(
            err("[[scenario]]\nname = \"x\"\nexpect = \"allowed\"\n"),
            "t.toml:1:1: scenario \"x\" describes 0 situations: expected exactly one of branch, commit, tag, push, pull_request, promote, schedule, rollback, cut"
        );
        assert_eq!(
            err(
                "[[scenario]]\nname = \"x\"\nbranch = \"b\"\nexpect = \"blocked\"\nrules = [\"nope\"]\n"
            ),
            "t.toml:1:1: scenario \"x\" names the unknown rule `nope` (`reltag explain` lists them)"
        );
        let file = parse(
            "t.toml",
            "# c\n\n[[scenario]]\nname = \"x\"\nbranch = \"b\"\nexpect = \"blocked\"\n",
        )
        .unwrap();
        assert_eq!(file.scenarios[0].line, 3);
    }
}
