//! The release criteria's facts, gathered and judged: for each criterion `[release]
//! criteria` names, its evidence (a report in a clean working tree, else what the ledger
//! recorded for the commit; git for `docs`; the ledger for `approvals`; a process for
//! `command`; the forge and the tracker through [`EXTERNAL`]) handed to its rule, and one
//! [`CriterionOutcome`] (measured, threshold, verdict, findings) back. `cut` and
//! `evidence record` both decide through here, so they record and judge the same words.
//!
//! Plain inputs ([`Subject`]: the repository, the policy, the ledger the policy trusts,
//! the version and its commit), plain outputs; errors are [`Error`]s, never a command's.

use std::path::Path;

use gix::ObjectId;

use crate::evidence::{self, Parsed, ReportError};
use crate::git::Repo;
use crate::input::{Limit, Origin};
use crate::ledger::Ledger;
use crate::policy::Policy;
use crate::policy::schema::Criterion;
use crate::release::criteria::{CriterionInput, CriterionOutcome, EXTERNAL, Source, Verdict};
use crate::rules::{
    release_approvals, release_command, release_coverage, release_docs, release_perf,
};

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

/// The working tree's report when it counts, else the ledger's evidence for the commit.
fn source<T>(
    s: &Subject<'_>,
    criterion: &str,
    path: &str,
    limit: Limit,
    parse: evidence::Parser<T>,
) -> Result<Source<T>, Error> {
    let (tree_counts, commit) = (s.tree_counts, s.commit);
    // The policy names the report: it must be a regular file inside the working tree.
    if tree_counts
        && let Some(root) = s.repo.workdir()
        && let Some(source) = report_source(evidence::read_report(
            Path::new(path),
            Origin::WorkTree { root },
            limit,
            parse,
        ))
    {
        return Ok(source);
    }
    let recorded = s
        .ledger
        .commit_evidence(commit)?
        .into_iter()
        .rfind(|r| r.criterion == criterion);
    Ok(match recorded {
        Some(record) => Source::Recorded(record),
        None => Source::Missing {
            path: path.to_string(),
            why: format!(
                "{}{}",
                if tree_counts {
                    format!("{path} does not exist and no evidence is recorded in the ledger")
                } else {
                    "the working tree is not clean at this commit, so reports in it do not count, and no evidence is recorded in the ledger".into()
                },
                refused_evidence(s, criterion)?
            ),
        },
    })
}

/// Evidence for the commit the ledger holds but does not count (`[ledger] require_signed`),
/// named after why the criterion has none: `; dev@example.com's coverage evidence …`.
fn refused_evidence(s: &Subject<'_>, criterion: &str) -> Result<String, Error> {
    if !*s.policy.file.ledger.require_signed.get_ref() {
        return Ok(String::new());
    }
    let filter = crate::ledger::LogFilter {
        kind: Some(crate::ledger::EventKind::Evidence),
        ..Default::default()
    };
    Ok(crate::ledger::identity::named(crate::ledger::identity::refused_events(s.ledger, filter)?
        .iter()
        .filter(|r| {
            r.event.commit == s.commit
                && matches!(&r.event.body, crate::ledger::EventBody::Evidence(e) if e.criterion == criterion)
        })))
}

fn from_source<T>(
    criterion: &'static str,
    source: &Source<T>,
    threshold: String,
    measured: impl Fn(&T) -> String,
    findings: Vec<crate::report::Finding>,
) -> CriterionOutcome {
    let (measured, sha, from) = match source {
        Source::Report {
            value,
            sha256,
            path,
        } => (
            Some(measured(value)),
            Some(sha256.clone()),
            Some(path.clone()),
        ),
        Source::Recorded(r) => (
            r.measured.clone(),
            r.report_sha256.clone(),
            Some(format!("recorded by {} at {}", r.actor, r.time)),
        ),
        _ => (None, None, None),
    };
    let mut outcome = CriterionOutcome::decide(
        criterion,
        measured,
        Some(threshold),
        findings,
        source.undecided(),
    );
    outcome.report_sha256 = sha;
    outcome.source = from;
    outcome
}

pub fn coverage(
    source: &Source<evidence::coverage::Coverage>,
    policy: &Policy,
    commit: &str,
) -> CriterionOutcome {
    let mut findings = Vec::new();
    release_coverage::check(
        &release_coverage::CoverageFacts { commit, source },
        policy,
        &mut findings,
    );
    from_source(
        "coverage",
        source,
        release_coverage::threshold(policy),
        |c| evidence::format_percent(c.percent()),
        findings,
    )
}

pub fn perf(
    source: &Source<evidence::jtl::Results>,
    policy: &Policy,
    commit: &str,
) -> CriterionOutcome {
    let mut findings = Vec::new();
    release_perf::check(
        &release_perf::PerfFacts { commit, source },
        policy,
        &mut findings,
    );
    from_source(
        "perf",
        source,
        release_perf::threshold(policy),
        |r| release_perf::measured(&r.overall),
        findings,
    )
}

/// What the criteria need to know.
pub struct Subject<'a> {
    pub repo: &'a Repo,
    pub policy: &'a Policy,
    /// The ledger, judged by the policy (`[ledger] admins`): recorded evidence and
    /// approvals.
    pub ledger: &'a Ledger<'a>,
    pub version: &'a str,
    pub commit: ObjectId,
    /// Clean tree and HEAD at `commit`: reports in the working tree count.
    pub tree_counts: bool,
    pub previous_tag: Option<&'a (String, ObjectId)>,
    pub skip: &'a [Criterion],
}

/// Evaluates every configured criterion, in the policy's order.
pub fn evaluate(s: &Subject<'_>) -> Result<Vec<CriterionOutcome>, Error> {
    let gix = s.repo.gix();
    let ledger = s.ledger;
    let commit_hex = s.commit.to_string();
    let release = &s.policy.file.release;
    let limit = Limit::files(release.max_file_size());
    let mut outcomes = Vec::new();
    for criterion in &release.criteria {
        let criterion = *criterion.get_ref();
        let name = crate::gates::release::criterion_name(criterion);
        if s.skip.contains(&criterion) {
            outcomes.push(CriterionOutcome {
                criterion: name,
                measured: None,
                threshold: None,
                verdict: Verdict::Skipped,
                findings: Vec::new(),
                report_sha256: None,
                source: None,
            });
            continue;
        }
        let outcome = match criterion {
            Criterion::Coverage => {
                let source = source(
                    s,
                    "coverage",
                    &release.coverage.report,
                    limit,
                    evidence::coverage::parse,
                )?;
                coverage(&source, s.policy, &commit_hex)
            }
            Criterion::Perf => {
                let source = source(s, "perf", &release.perf.report, limit, evidence::jtl::parse)?;
                perf(&source, s.policy, &commit_hex)
            }
            Criterion::Docs => {
                let changed = evidence::docs::changed_paths(
                    gix,
                    s.previous_tag.map(|(_, id)| *id),
                    s.commit,
                )?;
                let facts = release_docs::DocsFacts {
                    previous_tag: s.previous_tag.map(|(n, _)| n.as_str()),
                    changed: &changed,
                };
                let matching = release_docs::matching(&facts, s.policy);
                let mut findings = Vec::new();
                release_docs::check(&facts, s.policy, &mut findings);
                let measured = match matching.len() {
                    0 => "none changed".to_string(),
                    n => format!(
                        "{n} changed ({})",
                        matching
                            .iter()
                            .take(3)
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                CriterionOutcome::decide(
                    "docs",
                    Some(measured),
                    Some(release_docs::threshold(s.policy)),
                    findings,
                    false,
                )
            }
            Criterion::Approvals => {
                let approvals =
                    crate::ledger::identity::approvals_for(ledger, s.version, None, s.commit)?;
                // Approvals for one environment do not count for the cut; they are named
                // so that the finding can say why.
                let for_one_env: Vec<_> = ledger
                    .version_state(s.version)?
                    .map(|state| state.approvals)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|a| a.env.is_some() && a.commit == commit_hex)
                    .collect();
                // Approvals the ledger refuses to count (`[ledger] require_signed`) are
                // named in the finding, not read as never given.
                let refused = if *s.policy.file.ledger.require_signed.get_ref() {
                    crate::ledger::identity::refused_for_version(ledger, s.version)?
                } else {
                    Vec::new()
                };
                let mut findings = Vec::new();
                release_approvals::check(
                    &release_approvals::ApprovalsFacts {
                        version: s.version,
                        commit: &commit_hex,
                        approvals: &approvals,
                        for_one_env: &for_one_env,
                        refused: &refused,
                    },
                    s.policy,
                    &mut findings,
                );
                let roles = release_approvals::roles(s.policy);
                let have: Vec<String> = roles
                    .iter()
                    .filter(|r| approvals.iter().any(|a| &a.role == *r))
                    .cloned()
                    .collect();
                CriterionOutcome::decide(
                    "approvals",
                    Some(if have.is_empty() {
                        "none".into()
                    } else {
                        have.join(", ")
                    }),
                    Some(format!("needs {}", roles.join(", "))),
                    findings,
                    false,
                )
            }
            Criterion::Command => command(s)?,
            Criterion::Ci => (EXTERNAL.ci)(&CriterionInput {
                policy: s.policy,
                version: s.version,
                commit: s.commit,
            }),
            Criterion::Bugs => (EXTERNAL.bugs)(&CriterionInput {
                policy: s.policy,
                version: s.version,
                commit: s.commit,
            }),
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

fn command(s: &Subject<'_>) -> Result<CriterionOutcome, Error> {
    let argv = &s.policy.file.release.command.argv;
    let Some((program, args)) = argv.split_first() else {
        return Err(Error::NoCommand);
    };
    let dir = s.repo.workdir().unwrap_or_else(|| s.repo.gix().git_dir());
    let output = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| Error::Command {
            argv: argv.join(" "),
            source,
        })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    let mut findings = Vec::new();
    release_command::check(
        &release_command::CommandFacts {
            argv,
            status: output.status.code(),
            stderr_tail: &tail.join(" / "),
        },
        &mut findings,
    );
    Ok(CriterionOutcome::decide(
        "command",
        Some(match output.status.code() {
            Some(code) => format!("exit {code}"),
            None => "killed".into(),
        }),
        Some("exit 0".into()),
        findings,
        false,
    ))
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
    #[error(transparent)]
    Git(#[from] crate::git::Error),
    #[error(transparent)]
    Ledger(#[from] crate::ledger::Error),
}
