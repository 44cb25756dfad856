//! The release criteria's facts, gathered: for each criterion `[release] criteria` names,
//! its registry entry (`rules::CRITERIA`, declared in the criterion's rule file) says
//! what it reads and how it is decided; this module is the one place that reads it — a
//! report in a clean working tree, else what the ledger recorded for the commit; git for
//! the paths changed since the previous release; the ledger for approvals; a process;
//! the forge's check results; the tracker's bugs — through [`Gather`]. `cut` and
//! `evidence record` both decide through here, so they record and judge the same words.
//!
//! Plain inputs ([`Gather`]: the repository, the policy, the version and its commit, and
//! the [`Occasion`]), plain outputs; errors are [`Error`]s, never a command's.

use std::path::Path;

use gix::ObjectId;

use crate::evidence::{self, Parsed, ReportError};
use crate::input::{Limit, Origin};
use crate::ledger::{ApprovalRecord, RefusedEvent};
use crate::policy::Policy;
use crate::policy::schema::Criterion;
use crate::release::criteria::{CriterionOutcome, Source, Verdict};
pub use crate::release::facts::{Facts, Repository};
use crate::rules::release_bugs::BugsOutcome;
use crate::rules::release_ci::CheckResult;

/// What a report read through [`evidence::read_report`] is as a criterion's source:
/// `None` when it does not exist.
pub fn report_source<T>(read: Result<Option<Parsed<T>>, ReportError>) -> Option<Source<T>> {
    match read {
        Ok(Some(parsed)) => Some(Source::Report {
            path: parsed.path,
            value: parsed.value,
            sha256: parsed.sha256,
        }),
        Ok(None) => None,
        Err(error) => Some(Source::Broken(error)),
    }
}

/// Why the criteria are gathered.
pub enum Occasion<'a> {
    /// `cut`: every configured criterion; a report counts from a clean working tree at
    /// the commit, else the evidence the ledger recorded for the commit.
    Cut {
        /// The tag name, e.g. `v1.2.3`.
        version: &'a str,
        /// Clean tree and HEAD at the commit: reports in the working tree count.
        tree_counts: bool,
        /// The previous release's tag and commit (`docs`: what changed since).
        previous_tag: Option<&'a (String, ObjectId)>,
        /// The criteria an emergency skips.
        skip: &'a [Criterion],
    },
    /// `evidence record`: one criterion, recorded as its entry says
    /// ([`Recorded`](crate::release::criteria::Recorded)). A report is the file named on
    /// the command line (relative to `cwd`), else the policy's, inside the working tree;
    /// a service is asked about `version`. Never the ledger: a record is made from a
    /// report or an answer.
    Record {
        report: Option<&'a str>,
        cwd: &'a Path,
        /// The tag name the evidence is for (`v1.2.3`), when given.
        version: Option<&'a str>,
        /// Told which service is about to be asked (`Jira at https://…`), so the
        /// command can say what it waits for.
        asking: &'a dyn Fn(&str),
    },
}

/// What a criterion's registry entry gathers its facts through. Its methods do the I/O;
/// the entry hands what they return to its rule's pure check.
pub struct Gather<'a> {
    /// Where the facts come from: the repository and its services, or a scenario.
    pub facts: &'a dyn Facts,
    pub policy: &'a Policy,
    /// The exact commit being released (or the evidence is for).
    pub commit: ObjectId,
    pub occasion: Occasion<'a>,
}

/// The approvals of the version at its commit, as the release-approvals rule reads them.
pub struct Approvals {
    /// For every environment (given without `--env`).
    pub approvals: Vec<ApprovalRecord>,
    /// For one environment only: named so the finding can say why they do not count.
    pub for_one_env: Vec<ApprovalRecord>,
    /// The ledger holds but does not count (`[ledger] require_signed`).
    pub refused: Vec<RefusedEvent>,
}

/// How a process ended, as the release-command rule reads it.
pub struct ProcessEnd {
    /// The exit code; `None` when killed by a signal.
    pub status: Option<i32>,
    /// The last three lines of its stderr, joined by ` / `.
    pub stderr_tail: String,
}

/// A service that could not be asked, or whose answer cannot be vouched for: the
/// criterion is undecided with this message and hint.
pub struct Unavailable {
    pub message: String,
    pub hint: Option<String>,
}

impl<'a> Gather<'a> {
    /// The commit in hex.
    pub fn commit_hex(&self) -> String {
        self.commit.to_string()
    }

    /// The version's tag name: the one being cut, or the one evidence is recorded for
    /// (an error when `evidence record` was not given one).
    pub fn version(&self, criterion: &'static str) -> Result<&'a str, Error> {
        match self.occasion {
            Occasion::Cut { version, .. } => Ok(version),
            Occasion::Record { version, .. } => version.ok_or(Error::NeedsVersion(criterion)),
        }
    }

    /// Says which service is about to be asked (`evidence record` shows it as a status).
    fn asking(&self, service: impl std::fmt::Display) {
        if let Occasion::Record { asking, .. } = self.occasion {
            asking(&service.to_string());
        }
    }

    /// A report-based criterion's source: at `cut`, the working tree's report when it
    /// counts, else the ledger's evidence for the commit; at `evidence record`, the
    /// report named on the command line, else the policy's (`configured`).
    pub fn report<T>(
        &self,
        criterion: &str,
        configured: &str,
        parse: evidence::Parser<T>,
    ) -> Result<Source<T>, Error> {
        let limit = Limit::files(self.policy.file.release.max_file_size());
        match &self.occasion {
            Occasion::Record { report, cwd, .. } => {
                let read = match (report, self.facts.workdir()) {
                    (Some(path), _) => evidence::read_report(
                        Path::new(path),
                        Origin::CommandLine { cwd },
                        limit,
                        parse,
                    ),
                    (None, Some(root)) => evidence::read_report(
                        Path::new(configured),
                        Origin::WorkTree { root },
                        limit,
                        parse,
                    ),
                    (None, None) => Ok(None),
                };
                let path = report.unwrap_or(configured);
                Ok(report_source(read).unwrap_or_else(|| Source::Missing {
                    path: path.to_string(),
                    why: format!("{path} does not exist"),
                }))
            }
            Occasion::Cut { tree_counts, .. } => {
                // The policy names the report: it must be a regular file inside the
                // working tree.
                if *tree_counts
                    && let Some(root) = self.facts.workdir()
                    && let Some(source) = report_source(evidence::read_report(
                        Path::new(configured),
                        Origin::WorkTree { root },
                        limit,
                        parse,
                    ))
                {
                    return Ok(source);
                }
                let recorded = self
                    .facts
                    .recorded_evidence(self.commit)?
                    .into_iter()
                    .rfind(|r| r.criterion == criterion);
                Ok(match recorded {
                    Some(record) => Source::Recorded(record),
                    None => Source::Missing {
                        path: configured.to_string(),
                        why: format!(
                            "{}{}",
                            if *tree_counts {
                                format!(
                                    "{configured} does not exist and no evidence is recorded in the ledger"
                                )
                            } else {
                                "the working tree is not clean at this commit, so reports in it do not count, and no evidence is recorded in the ledger".into()
                            },
                            self.facts
                                .refused_evidence(self.policy, self.commit, criterion)?
                        ),
                    },
                })
            }
        }
    }

    /// The previous release's tag (if any) and the paths changed between its commit (or
    /// the empty tree) and the commit.
    pub fn changed_since_previous_release(
        &self,
        criterion: &'static str,
    ) -> Result<(Option<&'a str>, Vec<String>), Error> {
        let Occasion::Cut { previous_tag, .. } = self.occasion else {
            return Err(Error::NotRecordable(criterion));
        };
        let changed = self
            .facts
            .changed_paths(previous_tag.map(|(_, id)| *id), self.commit)?;
        Ok((previous_tag.map(|(name, _)| name.as_str()), changed))
    }

    /// The version's approvals at the commit.
    pub fn approvals(&self, criterion: &'static str) -> Result<Approvals, Error> {
        if let Occasion::Record { .. } = self.occasion {
            return Err(Error::NotRecordable(criterion));
        }
        self.facts
            .approvals(self.policy, self.version(criterion)?, self.commit)
    }

    /// Runs `argv` (no shell) at the root of the working tree, stdin closed.
    pub fn run(&self, argv: &[String]) -> Result<ProcessEnd, Error> {
        self.facts.run(argv)
    }

    /// The forge's check results for the exact commit.
    pub fn check_results(&self) -> Result<Vec<CheckResult>, Unavailable> {
        self.facts.check_results(&self.commit_hex())
    }

    /// The tracker's answer to the policy's bugs query for the version.
    pub fn open_bugs(
        &self,
        criterion: &'static str,
    ) -> Result<Result<BugsOutcome, Unavailable>, Error> {
        let tag = self.version(criterion)?;
        let Some(version) = self
            .policy
            .tag_format
            .version_text(tag)
            .and_then(|v| semver::Version::parse(&v).ok())
        else {
            return Ok(Err(Unavailable {
                message: format!("`{tag}` is not a release version"),
                hint: None,
            }));
        };
        let asking = |service: &str| self.asking(service);
        Ok(self.facts.open_bugs(self.policy, &version, tag, &asking))
    }
}

/// Evaluates every configured criterion, in the policy's order, each through its
/// registry entry; one the registry does not know is undecided.
pub fn evaluate(g: &Gather<'_>) -> Result<Vec<CriterionOutcome>, Error> {
    let skip = match g.occasion {
        Occasion::Cut { skip, .. } => skip,
        Occasion::Record { .. } => &[],
    };
    let mut outcomes = Vec::new();
    for criterion in &g.policy.file.release.criteria {
        let criterion = *criterion.get_ref();
        let Some(entry) = crate::release::criteria::entry(criterion) else {
            return Err(Error::Unregistered(format!("{criterion:?}")));
        };
        if skip.contains(&criterion) {
            outcomes.push(CriterionOutcome {
                criterion: entry.name,
                measured: None,
                threshold: None,
                verdict: Verdict::Skipped,
                findings: Vec::new(),
                report_sha256: None,
                source: None,
                comment: None,
            });
            continue;
        }
        outcomes.push((entry.evaluate)(g)?);
    }
    Ok(outcomes)
}

/// What keeps the criteria from being evaluated at all (a criterion that cannot decide is
/// an undecided [`CriterionOutcome`], not an error).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `command` is a criterion but `[release.command] argv` is empty: the policy's fault.
    #[error("the command criterion is configured without [release.command] argv")]
    NoCommand,
    /// The `command` criterion's program could not be started.
    #[error("cannot run `{argv}`: {source}")]
    Command {
        argv: String,
        source: std::io::Error,
    },
    /// The criterion is decided at cut time only: `evidence record` cannot record it.
    #[error("the {0} criterion is decided at cut time, not recorded as evidence")]
    NotRecordable(&'static str),
    /// `evidence record` of a criterion about a version was not told the version.
    #[error("{0} evidence is for a version: VERSION is missing")]
    NeedsVersion(&'static str),
    /// A criterion the policy names has no entry in `rules::CRITERIA`.
    #[error("the criterion {0} has no entry in the criteria registry")]
    Unregistered(String),
    /// The ledger is not read on this occasion (`evidence record`).
    #[error("the ledger is not read when evidence is recorded")]
    NoLedger,
    #[error(transparent)]
    Git(#[from] crate::git::Error),
    #[error(transparent)]
    Ledger(#[from] crate::ledger::Error),
}
