use clap::Args;

use super::promote::{Intent, emit, env_context, gather, now, record_deployment};
use super::{CliError, Context, ledger_access};
use crate::ledger::{Event, EventBody, Rollback, identity};
use crate::report::{Outcome, Style};
use crate::rules::{promote_deployer, promote_freeze, promote_window};

/// Roll an environment back to the version that ran there before (or to --to VERSION,
/// which must have run there before), with a reason. Allowed outside the windows unless
/// the environment sets `rollback_anytime = false`; only by a deployer. The version rolled
/// back from can go back to that environment only with `promote --reason`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
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
    let env = env_context(&policy, &args.env)?;
    let now = now()?;
    if args.reason.trim().is_empty() {
        return Err(CliError::usage("--reason is empty").hint("say why you roll back"));
    }
    let gix = repo.gix();
    if !args.offline {
        ledger_access::sync(ctx, gix)?;
    }
    let actor = identity::actor_from_process_env(gix)?;
    let ledger = ledger_access::open(gix, &policy);
    let state = ledger.env_state(&args.env)?;
    let Some(current) = state.as_ref().and_then(|s| s.current.clone()) else {
        return Err(CliError::usage(format!(
            "nothing was ever deployed to {}: nothing to roll back",
            args.env
        )));
    };
    let state = state.expect("has a current deployment");
    let previous = state.previous_versions();
    let target = match &args.to {
        Some(to) if *to == current.version => {
            return Err(CliError::usage(format!(
                "{to} already runs in {}",
                args.env
            )));
        }
        Some(to) if previous.contains(&to.as_str()) => to.clone(),
        Some(to) => {
            return Err(CliError::usage(format!(
                "{to} never ran in {} before: a rollback returns to an earlier version",
                args.env
            ))
            .hint(if previous.is_empty() {
                "no earlier version ran there".to_string()
            } else {
                format!(
                    "versions that ran there before, newest first: {}",
                    previous.join(", ")
                )
            }));
        }
        None => match state.rollback_target() {
            Some(v) => v.to_string(),
            None if !previous.is_empty() => {
                return Err(CliError::usage(format!(
                    "every earlier version of {} was rolled back out of it: name the one to return to",
                    args.env
                ))
                .hint(format!(
                    "reltag rollback --env {} --to VERSION --reason TEXT; earlier versions: {}",
                    args.env,
                    previous.join(", ")
                )));
            }
            None => {
                return Err(CliError::usage(format!(
                    "{} has run only {} so far: there is no earlier version to roll back to",
                    args.env, current.version
                )));
            }
        },
    };
    let earlier = state
        .history
        .iter()
        .find(|d| d.version == target)
        .expect("previous_versions come from history")
        .clone();
    let gathered = gather(&repo, &policy, &env, &target)?;
    let facts = gathered.facts(
        &target,
        &env,
        now,
        &actor,
        Intent {
            reason: Some(&args.reason),
            ..Intent::default()
        },
    );
    let mut rules = vec![promote_deployer::PromoteDeployer::ID];
    if !env.policy.rollback_anytime {
        rules.push(promote_window::PromoteWindow::ID);
        rules.push(promote_freeze::PromoteFreeze::ID);
    }
    let mut report = ctx.report("rollback", Style::Verdict);
    for check in crate::gates::promotion_checks(&facts, &policy, &rules) {
        report.check(check);
    }
    if env.policy.rollback_anytime {
        report.note(format!(
            "{}: rollbacks are allowed outside the windows (rollback_anytime)",
            args.env
        ));
    }
    let outputs = |recorded: bool| {
        vec![
            ("version", target.clone()),
            ("env", args.env.clone()),
            ("from-version", current.version.clone()),
            ("recorded", recorded.to_string()),
        ]
    };
    if args.dry_run || report.outcome() == Outcome::Blocked {
        if args.dry_run {
            report.note(format!(
                "dry run: would roll {} back from {} to {target}; nothing recorded",
                args.env, current.version
            ));
        }
        return emit(ctx, report, outputs(false));
    }
    let commit = gix::ObjectId::from_hex(earlier.commit.as_bytes()).map_err(|e| {
        CliError::undecided(format!("ledger deployment commit {}: {e}", earlier.commit))
    })?;
    let event = Event::new(
        EventBody::Rollback(Rollback {
            version: target.clone(),
            env: args.env.clone(),
            from_version: Some(current.version.clone()),
            artifacts: earlier.artifacts.clone(),
            emergency: false,
            reason: args.reason.clone(),
        }),
        commit,
        actor.clone(),
        now,
    )?;
    match record_deployment(
        ctx,
        &ledger,
        &event,
        &args.env,
        &target,
        Some(&current),
        args.offline,
    )? {
        Ok(_) => {
            report.note(format!(
                "recorded: {actor} rolled {} back from {} to {target}: {}",
                args.env, current.version, args.reason
            ));
            super::notify::after_record(ctx, gix, &policy, &event, &mut report);
            emit(ctx, report, outputs(true))
        }
        Err(finding) => {
            report.finding(finding);
            emit(ctx, report, outputs(false))
        }
    }
}
