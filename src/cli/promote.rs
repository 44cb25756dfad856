//! `reltag promote`, and what `schedule`, `rollback` and `status` share with it: the
//! environment's calendar, gathering a version's facts, and recording a deployment through
//! the ledger's one write path.

use std::path::{Path, PathBuf};

use clap::Args;
use gix::ObjectId;
use jiff::Timestamp;

use super::{CliError, Context, ledger_access};
use crate::gates;
use crate::input::{self, Limit, Origin};
use crate::ledger::{
    self, ApprovalRecord, Artifact, Decision, Deployment, EnvState, Event, EventBody, Ledger,
    Promote, ScheduleRecord, VersionState, identity,
};
use crate::policy::Policy;
use crate::policy::schema::Environment;
use crate::report::{Finding, Outcome, Report, Style};
use crate::rules::{PromoteFacts, promote_concurrent};
use crate::schedule::{Calendar, Freeze, Window};

/// Promote a version to an environment after checking, as rules with findings: the tag
/// and its cut, `from`, `soak`, windows, freezes, notice, approvals, deployers, artifacts,
/// an earlier rollback, and the emergency procedure. Records the promotion in the ledger
/// and pushes it. Exit 0 promoted (or already there), 1 blocked, 2 bad input, 3 undecided.
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

/// An environment's policy and calendar.
pub(super) struct EnvContext {
    pub name: String,
    pub policy: Environment,
    pub calendar: Calendar,
}

pub(super) fn env_context(policy: &Policy, env: &str) -> Result<EnvContext, CliError> {
    let Some(env_policy) = policy.file.environments.get(env) else {
        let known: Vec<&str> = policy
            .file
            .environments
            .keys()
            .map(String::as_str)
            .collect();
        return Err(
            CliError::usage(format!("unknown environment `{env}`")).hint(if known.is_empty() {
                "the policy defines no [environments]".to_string()
            } else {
                format!("the environments are: {}", known.join(", "))
            }),
        );
    };
    let policy_error = |e: String| CliError::new(super::ErrorKind::Policy, e);
    let tz = crate::schedule::time_zone(env_policy.timezone.get_ref())
        .map_err(|e| policy_error(e.to_string()))?;
    let windows = env_policy
        .windows
        .iter()
        .map(|w| w.get_ref().parse::<Window>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| policy_error(e.to_string()))?;
    let freezes = env_policy
        .freezes
        .iter()
        .map(|f| {
            let f = f.get_ref();
            Freeze::parse(&f.start, &f.end, f.reason.clone(), &tz)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| policy_error(e.to_string()))?;
    Ok(EnvContext {
        name: env.to_string(),
        policy: env_policy.clone(),
        calendar: Calendar::new(tz, windows, freezes),
    })
}

pub(super) fn now() -> Result<Timestamp, CliError> {
    crate::schedule::now().map_err(|e| CliError::usage(e.to_string()))
}

/// Everything the promotion rules read about one version and environment.
pub(super) struct Gathered {
    pub tag_commit: Option<ObjectId>,
    pub tag_commit_hex: Option<String>,
    pub version_state: Option<VersionState>,
    pub from_state: Option<EnvState>,
    pub target: Option<EnvState>,
    pub schedules: Vec<ScheduleRecord>,
    pub approvals: Vec<ApprovalRecord>,
}

pub(super) fn gather(
    repo: &crate::git::Repo,
    policy: &Policy,
    env: &EnvContext,
    version: &str,
) -> Result<Gathered, CliError> {
    ledger::validate_name("version", version).map_err(|e| CliError::usage(e.to_string()))?;
    let ledger = ledger_access::open(repo.gix(), policy);
    let tag_commit = repo.ref_commit(&format!("refs/tags/{version}"))?;
    let version_state = ledger.version_state(version)?;
    let from_state = match &env.policy.from {
        Some(from) => ledger.env_state(from.get_ref())?,
        None => None,
    };
    let target = ledger.env_state(&env.name)?;
    let schedules = target
        .as_ref()
        .map(|t| {
            t.schedules
                .iter()
                .filter(|s| s.version == version)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let approvals = match tag_commit {
        Some(commit) => identity::approvals_for(&ledger, version, Some(&env.name), commit)?,
        None => Vec::new(),
    };
    Ok(Gathered {
        tag_commit,
        tag_commit_hex: tag_commit.map(|c| c.to_string()),
        version_state,
        from_state,
        target,
        schedules,
        approvals,
    })
}

/// What the person promoting asks for, beyond the version and environment.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Intent<'a> {
    pub artifacts: &'a [Artifact],
    pub emergency: bool,
    pub reason: Option<&'a str>,
}

impl Gathered {
    pub fn facts<'a>(
        &'a self,
        version: &'a str,
        env: &'a EnvContext,
        now: Timestamp,
        actor: &'a str,
        intent: Intent<'a>,
    ) -> PromoteFacts<'a> {
        PromoteFacts {
            version,
            env: &env.name,
            env_policy: &env.policy,
            calendar: &env.calendar,
            now,
            actor,
            tag_commit: self.tag_commit_hex.as_deref(),
            cut: self.version_state.as_ref().and_then(|v| v.cut.as_ref()),
            from_current: self.from_state.as_ref().and_then(|s| s.current.as_ref()),
            target: self.target.as_ref(),
            schedules: &self.schedules,
            approvals: &self.approvals,
            recorded_artifacts: self
                .version_state
                .as_ref()
                .map_or(&[][..], |v| v.artifacts.as_slice()),
            artifacts: intent.artifacts,
            emergency: intent.emergency,
            reason: intent.reason,
        }
    }

    pub fn current(&self) -> Option<&Deployment> {
        self.target.as_ref().and_then(|t| t.current.as_ref())
    }
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

/// Records a deployment event through the one write path, unless the environment
/// changed since the checks saw `seen`: the gate re-runs against the state the event would
/// be recorded on, after every lost race. `Ok(Err(finding))` when it changed: nothing is
/// recorded anywhere.
pub(super) fn record_deployment(
    ctx: &Context,
    ledger: &Ledger<'_>,
    event: &Event,
    env: &str,
    version: &str,
    seen: Option<&Deployment>,
    local_only: bool,
) -> Result<Result<ObjectId, Finding>, CliError> {
    let written = ledger_access::write(ctx, ledger, local_only, |base| {
        let now = base.state()?.env(env)?;
        let changed = promote_concurrent::check(
            version,
            env,
            seen,
            now.as_ref().and_then(|s| s.current.as_ref()),
        );
        Ok(match changed {
            Some(finding) => Decision::Skip(Some(finding)),
            None => Decision::record(event.clone(), None),
        })
    })?;
    match (written.outcome, written.tip) {
        (Some(finding), _) => Ok(Err(finding)),
        (None, Some(tip)) => Ok(Ok(tip)),
        (None, None) => Err(CliError::undecided(format!(
            "{} was not recorded: the ledger is empty after writing it",
            event.summary()
        ))),
    }
}

/// Writes the command's github outputs (`version=…`) and closes the report.
pub(super) fn emit(
    ctx: &Context,
    mut report: Report,
    outputs: Vec<(&'static str, String)>,
) -> Result<Outcome, CliError> {
    for (name, value) in outputs {
        report.output(name, value);
    }
    ctx.finish(report, Ok(()))
}

pub fn cmd_promote(ctx: &Context, args: PromoteArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let env = env_context(&policy, &args.env)?;
    let now = now()?;
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
    let gathered = gather(&repo, &policy, &env, &args.tag)?;
    if gathered.tag_commit.is_none() && gathered.version_state.is_none() {
        return Err(CliError::usage(format!(
            "unknown version `{}`: there is no such tag and the ledger knows nothing of it",
            args.tag
        ))
        .hint("list the releases with `git tag -l`; fetch tags with `git fetch --tags`"));
    }
    let digests = serde_json::to_string(
        &artifacts
            .iter()
            .map(|a| serde_json::json!({"name": a.name, "sha256": a.sha256}))
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let outputs = |recorded: bool| {
        vec![
            ("version", args.tag.clone()),
            ("env", args.env.clone()),
            ("artifacts", digests.clone()),
            ("emergency", args.emergency.to_string()),
            ("recorded", recorded.to_string()),
        ]
    };
    let mut report = ctx.report("promote", Style::Verdict);
    report.checked().tags = 1;
    if let Some(current) = gathered.current()
        && current.version == args.tag
    {
        report.note(format!(
            "{} already runs in {} (since {}, by {}): nothing to do, nothing recorded",
            args.tag,
            args.env,
            crate::rules::when(
                &current
                    .since
                    .to_zoned_datetime(env.calendar.time_zone().clone())
            ),
            current.actor
        ));
        return emit(ctx, report, outputs(false));
    }
    let facts = gathered.facts(
        &args.tag,
        &env,
        now,
        &actor,
        Intent {
            artifacts: &artifacts,
            emergency: args.emergency,
            reason: args.reason.as_deref(),
        },
    );
    for check in gates::promote(&facts, &policy) {
        report.check(check);
    }
    if args.dry_run || report.outcome() == Outcome::Blocked {
        if args.dry_run {
            report.note("dry run: nothing recorded");
        }
        return emit(ctx, report, outputs(false));
    }
    let commit = gathered
        .tag_commit
        .expect("promote-version passed: the tag exists");
    let event = Event::new(
        EventBody::Promote(Promote {
            version: args.tag.clone(),
            env: args.env.clone(),
            artifacts: artifacts.clone(),
            emergency: args.emergency,
            reason: args.reason.clone(),
        }),
        commit,
        actor.clone(),
        now,
    )?;
    match record_deployment(
        ctx,
        &ledger_access::open(gix, &policy),
        &event,
        &args.env,
        &args.tag,
        gathered.current(),
        args.offline,
    )? {
        Ok(tip) => {
            report.note(format!(
                "recorded: {} promoted {} to {}{} (ledger {})",
                actor,
                args.tag,
                args.env,
                if args.emergency {
                    " as an EMERGENCY"
                } else {
                    ""
                },
                tip.to_hex_with_len(12)
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
