//! `reltag promote VERSION --to ENV`: the deployment plan's promotion gate, decided on
//! the synced ledger and again inside the ledger's write path against the state the
//! event is recorded on (a lost race re-decides everything), then recorded and pushed.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{CliError, Context, ledger_access};
use crate::deploy::{self, Deployed, Deploying, Request, VersionFacts};
use crate::input::{self, Limit, Origin};
use crate::ledger::{Artifact, Event, EventBody, Ledger, Promote, identity};
use crate::policy::Policy;
use crate::report::{Outcome, Report, Style};

/// Promote a version to an environment after checking, as rules with findings: the tag
/// and its cut, `from`, `soak`, windows, freezes, notice, approvals, deployers, artifacts,
/// an earlier rollback, and the emergency procedure. Records the promotion in the ledger
/// and pushes it. Exit 0 promoted (or already there), 1 blocked, 2 bad input, 3 undecided.
///
/// The clock is the system's, or RELTAG_NOW (an RFC 3339 time) when set: windows,
/// freezes, notice and soak are judged at that instant, and the event records it.
#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The version's tag name, e.g. v1.2.3.
    #[arg(value_name = "VERSION")]
    pub tag: String,
    /// The environment to promote to (a key under [environments]).
    #[arg(long = "to", value_name = "ENV")]
    pub env: String,
    /// A built artifact; its sha256 is recorded at the first environment and must match
    /// after. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub artifact: Vec<PathBuf>,
    /// Show every check with its value and verdict; record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Follow the emergency procedure: needs an [emergency] approvers approval and
    /// --reason; skips only the checks in [emergency] may_skip.
    #[arg(long, requires = "reason")]
    pub emergency: bool,
    /// Why: required with --emergency, and to promote a version that was rolled back.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Record locally; do not fetch or push the ledger.
    #[arg(long)]
    pub offline: bool,
}

/// Digests an artifact, streaming, through the input layer: a regular file (never a
/// FIFO or a device), at most `[release] max_file_size`. A missing or refused file is
/// bad input.
fn read_artifact(path: &Path, cwd: &Path, limit: Limit) -> Result<Artifact, CliError> {
    let digest = input::digest(path, Origin::CommandLine { cwd }, limit).map_err(|e| {
        CliError::usage(format!("cannot read artifact {e}"))
            .hint("pass the path of the built file, relative to the current directory")
    })?;
    let name = cwd
        .join(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Artifact::new(name, digest.sha256).map_err(|e| CliError::usage(e.to_string()))
}

pub fn cmd_promote(ctx: &Context, args: PromoteArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let environment = deploy::environment(&policy, &args.env)?;
    let now = crate::schedule::now()?;
    let limit = Limit::files(policy.file.release.max_file_size());
    let artifacts = args
        .artifact
        .iter()
        .map(|path| read_artifact(path, &ctx.cwd, limit))
        .collect::<Result<Vec<_>, _>>()?;
    let gix = repo.gix();
    if !args.offline {
        ledger_access::sync(ctx, gix)?;
    }
    let actor = identity::actor_from_process_env(gix)?;
    let ledger = ledger_access::open(gix, &policy);
    let tag_commit = repo.ref_commit(&deploy::tag_ref(&args.tag)?)?;
    let facts = VersionFacts::read(&*ledger.state()?, environment, &args.tag, tag_commit)?;
    if !facts.is_known() {
        return Err(deploy::Error::UnknownVersion { version: args.tag }.into());
    }
    // Events the ledger refuses to count are named where they would have counted.
    let refused = if *policy.file.ledger.require_signed.get_ref() {
        identity::refused_for_version(&ledger, &args.tag)?
    } else {
        Vec::new()
    };
    // `sod-own-commits`: who wrote the release's commits, read only when it runs.
    let release_authors = match tag_commit {
        Some(commit) if !*policy.file.separation.approve_own_commits.get_ref() => {
            crate::release::notes::release_authors(&repo, &policy, &args.tag, commit)?
        }
        _ => Vec::new(),
    };
    let request = Request {
        artifacts: &artifacts,
        refused: &refused,
        release_authors: &release_authors,
        emergency: args.emergency,
        reason: args.reason.as_deref(),
        ..Request::new(&actor, now)
    };
    let mut report = ctx.report("promote", Style::Verdict);
    report.checked().tags = 1;
    let decided = Decided {
        policy: &policy,
        environment,
        facts: &facts,
        request: &request,
    };
    let recorded = promote(ctx, &mut report, &ledger, &args, &decided);
    let digests = serde_json::to_string(
        &artifacts
            .iter()
            .map(|a| serde_json::json!({"name": a.name, "sha256": a.sha256}))
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    report.output("version", args.tag.clone());
    report.output("env", args.env.clone());
    report.output("artifacts", digests);
    report.output("emergency", args.emergency.to_string());
    report.output(
        "recorded",
        recorded
            .as_ref()
            .is_ok_and(|recorded| *recorded)
            .to_string(),
    );
    ctx.finish(report, recorded.map(|_| ()))
}

/// Decides, and records when allowed: whether an event was recorded. The checks
/// reported are those of the last decision: the one the record was made on.
fn promote(
    ctx: &Context,
    report: &mut Report,
    ledger: &Ledger<'_>,
    args: &PromoteArgs,
    decided: &Decided<'_>,
) -> Result<bool, CliError> {
    let Decided {
        policy,
        environment,
        facts,
        request,
    } = *decided;
    if let Some(current) = facts.current()
        && current.version == args.tag
    {
        report.note(format!(
            "{} already runs in {} (since {}, by {}): nothing to do, nothing recorded",
            args.tag,
            args.env,
            crate::rules::when(
                &current
                    .since
                    .to_zoned_datetime(environment.calendar.time_zone().clone())
            ),
            current.actor
        ));
        return Ok(false);
    }
    let seen = facts.current().cloned();
    let deployed = deploy::decide_and_record(
        &Deploying {
            environment,
            facts,
            version: &args.tag,
            tag_commit: facts.tag_commit,
            seen: seen.as_ref(),
            dry_run: args.dry_run,
        },
        |facts| deploy::promotion(policy, environment, facts, request),
        || {
            let commit = facts.tag_commit.ok_or_else(|| {
                CliError::undecided(format!("{} has no tag to record a promotion of", args.tag))
            })?;
            Ok(Event::new(
                EventBody::Promote(Promote {
                    version: args.tag.clone(),
                    env: args.env.clone(),
                    artifacts: request.artifacts.to_vec(),
                    emergency: args.emergency,
                    reason: args.reason.clone(),
                }),
                commit,
                request.actor,
                request.now,
            )?)
        },
        |event, redecide, report| {
            super::notices::before_write(ctx, ledger.repo(), policy, event, report);
            // Told it started, the targets are told when it did not happen after all.
            ledger_access::write_redeciding(ctx, ledger, args.offline, redecide).inspect_err(|_| {
                super::notices::not_recorded(ctx, ledger.repo(), policy, event, report)
            })
        },
        report,
    )?;
    let (event, tip) = match deployed {
        Deployed::DryRun => {
            report.note("dry run: nothing recorded");
            return Ok(false);
        }
        Deployed::Refused => return Ok(false),
        Deployed::NotRecorded { event } => {
            super::notices::not_recorded(ctx, ledger.repo(), policy, &event, report);
            return Ok(false);
        }
        Deployed::Recorded { event, tip } => (event, tip),
    };
    let tip = tip.ok_or_else(|| {
        CliError::undecided(format!(
            "{} was not recorded: the ledger is empty after writing it",
            event.summary()
        ))
    })?;
    report.note(format!(
        "recorded: {} promoted {} to {}{} (ledger {})",
        request.actor,
        args.tag,
        args.env,
        if args.emergency {
            " as an EMERGENCY"
        } else {
            ""
        },
        tip.to_hex_with_len(12)
    ));
    super::notices::after_record(ctx, ledger.repo(), policy, &event, report);
    Ok(true)
}

/// What the promotion is decided on.
#[derive(Clone, Copy)]
struct Decided<'a> {
    policy: &'a Policy,
    environment: &'a deploy::Environment,
    facts: &'a VersionFacts,
    request: &'a Request<'a>,
}
