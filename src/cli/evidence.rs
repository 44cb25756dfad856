use clap::{Args, Subcommand};

use super::gather;
use super::{CliError, Context, ledger_access};
use crate::evidence;
use crate::ledger::{self, Event, EventBody, EvidenceResult, Ledger, identity};
use crate::release::criteria::{Source, Verdict};
use crate::report::{Outcome, Report};

/// Evidence for the release criteria, recorded in the ledger for one commit.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    Record(RecordArgs),
}

/// Evaluate a report as `reltag cut` would (right after the tests, in CI) and record the
/// result, the threshold and the report's sha256 in the ledger for the commit. A failing
/// report is recorded as `fail` (exit 1); a missing or unreadable one records nothing
/// (exit 3).
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// `coverage` or `perf`.
    #[arg(value_name = "CRITERION")]
    pub criterion: String,
    /// The report file [default: the criterion's `report` in policy.toml].
    #[arg(long, value_name = "FILE")]
    pub report: Option<String>,
    /// The commit the report is for [default: HEAD].
    #[arg(long, value_name = "REV")]
    pub commit: Option<String>,
    /// Record locally; do not push the ledger.
    #[arg(long)]
    pub no_push: bool,
}

pub fn cmd_evidence(ctx: &Context, command: EvidenceCommand) -> Result<Outcome, CliError> {
    let EvidenceCommand::Record(args) = command;
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let commit = repo.resolve_commit(args.commit.as_deref().unwrap_or("HEAD"))?;
    let commit_hex = commit.to_string();
    let root = ctx.cwd.clone();
    let outcome = match args.criterion.as_str() {
        "coverage" => {
            let path = args
                .report
                .clone()
                .unwrap_or_else(|| policy.file.release.coverage.report.clone());
            let source = gather::read_report(&root, &path, evidence::coverage::parse)?.unwrap_or(
                Source::Missing {
                    path: path.clone(),
                    why: format!("{path} does not exist"),
                },
            );
            gather::coverage(&source, &policy, &commit_hex)
        }
        "perf" => {
            let path = args
                .report
                .clone()
                .unwrap_or_else(|| policy.file.release.perf.report.clone());
            let source = gather::read_report(&root, &path, evidence::jtl::parse)?.unwrap_or(
                Source::Missing {
                    path: path.clone(),
                    why: format!("{path} does not exist"),
                },
            );
            gather::perf(&source, &policy, &commit_hex)
        }
        other => {
            return Err(CliError::usage(format!(
                "evidence is recorded for coverage or perf, not `{other}`"
            ))
            .hint("docs and approvals are read from git and the ledger at cut time; ci and bugs from their services"));
        }
    };
    let mut report = Report::default();
    report.notes.push(outcome.line());
    report.findings.extend(outcome.findings.iter().cloned());
    let result = match outcome.verdict {
        Verdict::Pass => EvidenceResult::Pass,
        Verdict::Fail => EvidenceResult::Fail,
        _ => {
            ctx.emit(&report)?;
            return Err(CliError::already_reported(super::ErrorKind::Undecided)
                .hint("nothing was recorded: produce a readable report and run again"));
        }
    };
    let gix = repo.gix();
    ledger_access::sync(gix, false)?;
    let actor = identity::actor_from_process_env(gix)?;
    let time = crate::schedule::now().map_err(|e| CliError::usage(e.to_string()))?;
    let event = Event::new(
        EventBody::Evidence(ledger::Evidence {
            version: None,
            criterion: outcome.criterion.to_string(),
            result,
            measured: outcome.measured.clone(),
            threshold: outcome.threshold.clone(),
            report_sha256: outcome.report_sha256.clone(),
            comment: None,
        }),
        commit,
        actor,
        time,
    )?;
    Ledger::new(gix).append(&event)?;
    report.notes.push(format!(
        "recorded {} {} for commit {}",
        outcome.criterion,
        result.as_str(),
        &commit_hex[..12]
    ));
    if !args.no_push {
        ledger_access::sync(gix, true)?;
    }
    ctx.emit(&report)
}
