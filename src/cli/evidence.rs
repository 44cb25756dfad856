use clap::{Args, Subcommand};

use super::{CliError, Context, ledger_access};
use crate::gates::release::criterion_check;
use crate::ledger::{self, Decision, Event, EventBody, EvidenceResult, identity};
use crate::policy::Policy;
use crate::release::criteria::{self, Recorded, Verdict};
use crate::release::gather::{Gather, Occasion, Repository};
use crate::report::{Outcome, Style, Subject};

/// Evidence for the release criteria, recorded in the ledger for one commit.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    Record(RecordArgs),
}

/// Evaluate a criterion as `reltag cut` would and record the result, the measured value,
/// the threshold and (for a report) its sha256 in the ledger for the commit.
///
/// `coverage` and `perf` read a report (right after the tests, in CI); `cut` uses the
/// recorded evidence when the report is not in a clean working tree. `bugs` asks Jira now
/// with the version's query (needs VERSION) and records the answer for the audit
/// trail only: `cut` always asks Jira again. A failing result is recorded as `fail`
/// (exit 1); a missing or unreadable report, or a Jira that cannot be asked, records
/// nothing (exit 3).
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// `coverage`, `perf` or `bugs`.
    #[arg(value_name = "CRITERION")]
    pub criterion: String,
    /// The version the evidence is for (1.4.0 or its tag v1.4.0), recorded with it;
    /// required for `bugs`, whose query is about a version.
    #[arg(value_name = "VERSION")]
    pub release: Option<String>,
    /// The report file [default: the criterion's `report` in policy.toml].
    #[arg(long, value_name = "FILE")]
    pub report: Option<String>,
    /// The commit the evidence is for [default: HEAD].
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
    let version = args
        .release
        .as_deref()
        .map(|text| parse_version(&policy, text))
        .transpose()?;
    let tag = version.as_ref().map(|v| policy.tag_name(v));
    let Some(entry) = criteria::named(&args.criterion).filter(|e| e.recorded != Recorded::Never)
    else {
        let (recordable, at_cut) = criteria::by_recording();
        return Err(CliError::usage(format!(
            "evidence is recorded for {}, not `{}`",
            listed(&recordable, "or"),
            args.criterion
        ))
        .hint(format!(
            "{} are decided at cut time, from git, the ledger, the forge or a process",
            listed(&at_cut, "and")
        )));
    };
    if let (Recorded::ByAsking { service }, Some(_)) = (entry.recorded, &args.report) {
        return Err(CliError::usage(format!(
            "--report does not apply to {}: {service} is asked",
            entry.name
        ))
        .hint(format!(
            "run `reltag evidence record {} VERSION`",
            entry.name
        )));
    }
    let asking = |service: &str| ctx.status(format!("asking {service}"));
    let outcome = (entry.evaluate)(&Gather {
        facts: &Repository {
            repo: &repo,
            ledger: None,
        },
        policy: &policy,
        commit,
        occasion: Occasion::Record {
            report: args.report.as_deref(),
            cwd: &ctx.cwd,
            version: tag.as_deref(),
            asking: &asking,
        },
    })?;
    let subject = match &tag {
        Some(tag) => Subject::Tag { name: tag.clone() },
        None => Subject::Commit {
            id: commit_hex.clone(),
            summary: repo.commit(commit)?.summary(),
            refname: None,
        },
    };
    let mut report = ctx.report("evidence record", Style::Verdict);
    report.check(criterion_check(&outcome, subject));
    let result = match outcome.verdict {
        Verdict::Pass => EvidenceResult::Pass,
        Verdict::Fail => EvidenceResult::Fail,
        _ => {
            report.note(match entry.recorded {
                Recorded::ByAsking { service } => {
                    format!("nothing was recorded: run again once {service} answers")
                }
                _ => "nothing was recorded: produce a readable report and run again".into(),
            });
            return ctx.finish(report, Ok(()));
        }
    };
    let gix = repo.gix();
    let actor = identity::actor_from_process_env(gix)?;
    let time = crate::schedule::now().map_err(|e| CliError::usage(e.to_string()))?;
    let event = Event::new(
        EventBody::Evidence(ledger::Evidence {
            version: tag.clone(),
            criterion: outcome.criterion.to_string(),
            result,
            measured: outcome.measured.clone(),
            threshold: outcome.threshold.clone(),
            report_sha256: outcome.report_sha256.clone(),
            comment: outcome.comment.clone(),
        }),
        commit,
        actor,
        time,
    )?;
    let ledger = ledger_access::open(gix, &policy);
    ledger_access::write(ctx, &ledger, args.no_push, |_| {
        Ok(Decision::record(event.clone(), ()))
    })?;
    report.note(format!(
        "recorded {} {} for commit {}{}",
        outcome.criterion,
        result.as_str(),
        &commit_hex[..12],
        tag.as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default()
    ));
    ctx.finish(report, Ok(()))
}

/// `a`, `a or b`, `a, b or c` (with `conjunction` = `or`).
fn listed(names: &[&str], conjunction: &str) -> String {
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} {conjunction} {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// `1.4.0` or a tag name in the policy's format (`v1.4.0`).
fn parse_version(policy: &Policy, text: &str) -> Result<semver::Version, CliError> {
    semver::Version::parse(text)
        .ok()
        .or_else(|| {
            policy
                .tag_format
                .version_text(text)
                .and_then(|t| semver::Version::parse(&t).ok())
        })
        .ok_or_else(|| {
            CliError::usage(format!(
                "`{text}` is not a semantic version or a release tag name"
            ))
            .hint("give a version such as 1.4.0, or a tag in the policy's format")
        })
}
