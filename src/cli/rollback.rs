//! `reltag rollback --env ENV --reason TEXT`: the deployment plan's rollback target and
//! checks, decided on the synced ledger and again inside the ledger's write path, then
//! recorded and pushed.

use clap::Args;

use super::{CliError, Context, ledger_access};
use crate::deploy::{self, Deployed, Deploying, Request, RollbackTarget, VersionFacts};
use crate::ledger::{Event, EventBody, Ledger, Rollback, identity};
use crate::policy::Policy;
use crate::report::{Outcome, Report, Style};

/// Roll an environment back to the version that ran there before (or to --to VERSION,
/// which must have run there before), with a reason. Allowed outside the windows unless
/// the environment sets `rollback_anytime = false`; only by a deployer. The version rolled
/// back from can go back to that environment only with `promote --reason`.
///
/// The clock is the system's, or RELTAG_NOW (an RFC 3339 time) when set: windows and
/// freezes are judged at that instant, and the event records it.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The environment to roll back (a key under [environments]).
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// The version to return to [default: the one that ran before the current one].
    #[arg(long = "to", value_name = "VERSION")]
    pub to: Option<String>,
    /// Why (recorded in the ledger).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Show the checks; record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Record locally; do not fetch or push the ledger.
    #[arg(long)]
    pub offline: bool,
}

pub fn cmd_rollback(ctx: &Context, args: RollbackArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let environment = deploy::environment(&policy, &args.env)?;
    let now = crate::schedule::now()?;
    if args.reason.trim().is_empty() {
        return Err(CliError::usage("--reason is empty").hint("say why you roll back"));
    }
    let gix = repo.gix();
    if !args.offline {
        ledger_access::sync(ctx, gix)?;
    }
    let actor = identity::actor_from_process_env(gix)?;
    let ledger = ledger_access::open(gix, &policy);
    let state = ledger.state()?;
    let target = deploy::rollback_target(
        &args.env,
        state.env(&args.env)?.as_ref(),
        args.to.as_deref(),
    )?;
    let tag_commit = repo.ref_commit(&deploy::tag_ref(&target.version)?)?;
    let facts = VersionFacts::read(&state, environment, &target.version, tag_commit)?;
    let request = Request {
        reason: Some(&args.reason),
        ..Request::new(&actor, now)
    };
    let mut report = ctx.report("rollback", Style::Verdict);
    let recorded = rollback(
        ctx,
        &mut report,
        &ledger,
        &args,
        &Decided {
            policy: &policy,
            environment,
            target: &target,
            facts: &facts,
            request: &request,
        },
    );
    report.output("version", target.version.clone());
    report.output("env", args.env.clone());
    report.output("from-version", target.current.version.clone());
    report.output(
        "recorded",
        recorded
            .as_ref()
            .is_ok_and(|recorded| *recorded)
            .to_string(),
    );
    ctx.finish(report, recorded.map(|_| ()))
}

/// What the rollback is decided on.
#[derive(Clone, Copy)]
struct Decided<'a> {
    policy: &'a Policy,
    environment: &'a deploy::Environment,
    target: &'a RollbackTarget,
    facts: &'a VersionFacts,
    request: &'a Request<'a>,
}

/// Decides, and records when allowed: whether an event was recorded. The checks
/// reported are those of the last decision: the one the record was made on.
fn rollback(
    ctx: &Context,
    report: &mut Report,
    ledger: &Ledger<'_>,
    args: &RollbackArgs,
    decided: &Decided<'_>,
) -> Result<bool, CliError> {
    let Decided {
        policy,
        environment,
        target,
        facts,
        request,
    } = *decided;
    let (to, from) = (&target.version, &target.current.version);
    let deployed = deploy::decide_and_record(
        &Deploying {
            environment,
            facts,
            version: to,
            tag_commit: facts.tag_commit,
            seen: Some(&target.current),
            dry_run: args.dry_run,
        },
        |facts| deploy::rollback(policy, environment, facts, request),
        || {
            let commit =
                gix::ObjectId::from_hex(target.earlier.commit.as_bytes()).map_err(|e| {
                    CliError::undecided(format!(
                        "ledger deployment commit {}: {e}",
                        target.earlier.commit
                    ))
                })?;
            Ok(Event::new(
                EventBody::Rollback(Rollback {
                    version: to.clone(),
                    env: args.env.clone(),
                    from_version: Some(from.clone()),
                    artifacts: target.earlier.artifacts.clone(),
                    emergency: false,
                    reason: args.reason.clone(),
                }),
                commit,
                request.actor,
                request.now,
            )?)
        },
        |_, redecide, _| ledger_access::write_redeciding(ctx, ledger, args.offline, redecide),
        report,
    )?;
    let event = match deployed {
        Deployed::DryRun => {
            report.note(format!(
                "dry run: would roll {} back from {from} to {to}; nothing recorded",
                args.env
            ));
            return Ok(false);
        }
        Deployed::Refused | Deployed::NotRecorded { .. } => return Ok(false),
        Deployed::Recorded { event, .. } => event,
    };
    report.note(format!(
        "recorded: {} rolled {} back from {from} to {to}: {}",
        request.actor, args.env, args.reason
    ));
    super::notices::after_record(ctx, ledger.repo(), policy, &event, report);
    Ok(true)
}
