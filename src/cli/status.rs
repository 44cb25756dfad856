use clap::Args;
use jiff::Timestamp;
use serde::Serialize;

use super::promote::{EnvContext, Gathered, Intent, env_context, gather, now};
use super::{CliError, Context, ledger_access};
use crate::ledger::{Deployment, EventKind, identity};
use crate::policy::Policy;
use crate::report::{Format, Outcome};
use crate::rules::{promote_approvals, promote_notice, span_text, when};

/// Per environment: what runs there, since when and by whom, the rollback target, the
/// versions waiting with what they still need, and the earliest moment each can be
/// promoted given windows, freezes, notice and soak.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only this environment.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Do not fetch the remote's ledger first.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Serialize)]
struct EnvStatus {
    env: String,
    timezone: String,
    current: Option<CurrentStatus>,
    /// The version a plain `reltag rollback` returns to.
    rollback_target: Option<String>,
    waiting: Vec<Waiting>,
    /// What happens next, in one sentence.
    next: String,
}

#[derive(Serialize)]
struct CurrentStatus {
    version: String,
    since: Timestamp,
    by: String,
    kind: EventKind,
    emergency: bool,
    reason: Option<String>,
}

#[derive(Serialize)]
struct Waiting {
    version: String,
    /// `None` when no moment within a year is open.
    earliest: Option<Timestamp>,
    missing_approvals: Vec<String>,
    /// A schedule must still be recorded (notice counts from then).
    needs_schedule: bool,
    needs_reason: bool,
    /// Blockers no waiting fixes (the tag, the cut).
    problems: Vec<String>,
    summary: String,
}

pub fn cmd_status(ctx: &Context, args: StatusArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let names: Vec<String> = match &args.env {
        Some(env) => {
            env_context(&policy, env)?;
            vec![env.clone()]
        }
        None => {
            // In promotion order: staging before prod (by the length of the `from` chain).
            let depth = |name: &str| {
                let mut depth = 0;
                let mut current = name;
                while let Some(from) = policy
                    .file
                    .environments
                    .get(current)
                    .and_then(|e| e.from.as_ref())
                {
                    depth += 1;
                    current = from.get_ref();
                    if depth > policy.file.environments.len() {
                        break;
                    }
                }
                depth
            };
            let mut names: Vec<String> = policy.file.environments.keys().cloned().collect();
            names.sort_by_key(|n| depth(n));
            names
        }
    };
    if !args.offline {
        ledger_access::sync(ctx, repo.gix())?;
    }
    let now = now()?;
    let actor = identity::actor_from_process_env(repo.gix()).unwrap_or_default();
    let cut_versions = cut_versions(&repo, &policy)?;
    let mut statuses = Vec::new();
    for name in names {
        let env = env_context(&policy, &name)?;
        statuses.push(env_status(
            &repo,
            &policy,
            &env,
            now,
            &actor,
            &cut_versions,
        )?);
    }
    if ctx.format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"version": 1, "now": now, "environments": statuses})
            )
            .map_err(|e| CliError::undecided(e.to_string()))?
        );
        return Ok(Outcome::Allowed);
    }
    if statuses.is_empty() {
        println!("the policy defines no [environments]");
    }
    for s in &statuses {
        match &s.current {
            Some(c) => {
                let tz = crate::schedule::time_zone(&s.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
                let how = if c.kind == EventKind::Rollback {
                    "rolled back to"
                } else {
                    "runs"
                };
                println!(
                    "{}: {how} {} since {} by {}{}",
                    s.env,
                    c.version,
                    when(&c.since.to_zoned_datetime(tz)),
                    c.by,
                    match (&c.emergency, &c.reason) {
                        (true, Some(r)) => format!(" [EMERGENCY: {}]", crate::report::visible(r)),
                        (true, None) => " [EMERGENCY]".into(),
                        (false, Some(r)) => format!(" ({})", crate::report::visible(r)),
                        (false, None) => String::new(),
                    }
                );
            }
            None => println!("{}: nothing deployed yet", s.env),
        }
        if let Some(previous) = &s.rollback_target {
            println!("  rollback target: {previous}");
        }
        println!("  next: {}", s.next);
        for w in s.waiting.iter().skip(1) {
            println!("  also waiting: {}", w.summary);
        }
    }
    Ok(Outcome::Allowed)
}

/// Versions with a tag and a cut event, newest first.
fn cut_versions(repo: &crate::git::Repo, policy: &Policy) -> Result<Vec<String>, CliError> {
    let ledger = ledger_access::open(repo.gix(), policy);
    let mut versions: Vec<(semver::Version, String)> = Vec::new();
    for (name, _) in repo.tags()? {
        let Some(v) = policy
            .tag_format
            .version_text(&name)
            .and_then(|t| semver::Version::parse(&t).ok())
        else {
            continue;
        };
        if ledger
            .version_state(&name)?
            .is_some_and(|s| s.cut.is_some())
        {
            versions.push((v, name));
        }
    }
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(versions.into_iter().map(|(_, n)| n).collect())
}

fn env_status(
    repo: &crate::git::Repo,
    policy: &Policy,
    env: &EnvContext,
    now: Timestamp,
    actor: &str,
    cut_versions: &[String],
) -> Result<EnvStatus, CliError> {
    let ledger = ledger_access::open(repo.gix(), policy);
    let state = ledger.env_state(&env.name)?;
    let current: Option<&Deployment> = state.as_ref().and_then(|s| s.current.as_ref());
    let rollback_target = state
        .as_ref()
        .and_then(|s| s.rollback_target().map(str::to_string));
    // Candidates: what runs in `from`; without `from`, cut versions newer than the current
    // one that never ran here.
    let candidates: Vec<String> = match &env.policy.from {
        Some(from) => ledger
            .env_state(from.get_ref())?
            .and_then(|s| s.current)
            .map(|d| d.version)
            .filter(|v| current.is_none_or(|c| &c.version != v))
            .into_iter()
            .collect(),
        None => {
            let current_semver = current.and_then(|c| {
                policy
                    .tag_format
                    .version_text(&c.version)
                    .and_then(|t| semver::Version::parse(&t).ok())
            });
            let mut list = Vec::new();
            for v in cut_versions {
                let semver = policy
                    .tag_format
                    .version_text(v)
                    .and_then(|t| semver::Version::parse(&t).ok());
                if current_semver.is_some() && semver <= current_semver {
                    continue;
                }
                let ran_here = ledger
                    .version_state(v)?
                    .is_some_and(|s| s.deployments.iter().any(|d| d.env == env.name));
                if !ran_here {
                    list.push(v.clone());
                }
            }
            list.truncate(3);
            list
        }
    };
    let mut waiting = Vec::new();
    for version in candidates {
        let gathered = gather(repo, policy, env, &version)?;
        waiting.push(waiting_status(policy, env, &gathered, &version, now, actor));
    }
    let next = match waiting.first() {
        Some(w) => format!("{}: {}", env.name, w.summary),
        None => match &env.policy.from {
            Some(from) => format!(
                "{}: nothing waiting; the next version comes from {} once it is promoted there",
                env.name,
                from.get_ref()
            ),
            None => format!(
                "{}: nothing waiting; cut a new version with `reltag cut`",
                env.name
            ),
        },
    };
    Ok(EnvStatus {
        env: env.name.clone(),
        timezone: env
            .calendar
            .time_zone()
            .iana_name()
            .unwrap_or("UTC")
            .to_string(),
        current: current.map(|c| CurrentStatus {
            version: c.version.clone(),
            since: c.since,
            by: c.actor.clone(),
            kind: c.kind,
            emergency: c.emergency,
            reason: c.reason.clone(),
        }),
        rollback_target,
        waiting,
        next,
    })
}

fn waiting_status(
    policy: &Policy,
    env: &EnvContext,
    gathered: &Gathered,
    version: &str,
    now: Timestamp,
    actor: &str,
) -> Waiting {
    let facts = gathered.facts(version, env, now, actor, Intent::default());
    let mut problems = Vec::new();
    let mut found = Vec::new();
    crate::rules::promote_version::check(&facts, policy, &mut found);
    problems.extend(found.iter().map(|f| f.message.clone()));
    let missing_approvals = promote_approvals::missing_roles(&facts, policy);
    let needs_reason = gathered
        .target
        .as_ref()
        .is_some_and(|t| t.rolled_back_from(version).is_some());
    // The earliest instant: after the soak, at the scheduled time (or after notice from
    // now when nothing valid is scheduled), then the next open window outside freezes.
    let mut base = now;
    if let (Some(soak), Some(since)) = (
        env.policy
            .soak
            .as_ref()
            .and_then(|s| crate::schedule::parse_duration(s.get_ref()).ok()),
        facts
            .from_current
            .filter(|d| d.version == version)
            .map(|d| d.since),
    ) {
        base = base.max(since.saturating_add(soak).unwrap_or(since));
    }
    let mut needs_schedule = false;
    if let Some(notice) = env
        .policy
        .notice
        .as_ref()
        .and_then(|n| crate::schedule::parse_duration(n.get_ref()).ok())
    {
        let valid = gathered.schedules.iter().rev().find(|s| {
            promote_notice::gave_notice(s, notice)
                && promote_notice::scheduled_window_end(&env.calendar, s.at)
                    .is_some_and(|end| end > now.max(base))
        });
        match valid {
            Some(s) => base = base.max(s.at),
            None => {
                needs_schedule = true;
                base = base.max(now.saturating_add(notice).unwrap_or(now));
            }
        }
    }
    let earliest = env.calendar.next_open(base).map(|z| z.timestamp());
    let mut parts = Vec::new();
    parts.push(match earliest {
        Some(at) if at <= now => format!("{version} can be promoted now"),
        Some(at) => format!(
            "{version} can be promoted from {}, in {}",
            facts.when(at),
            span_text(at.duration_since(now))
        ),
        None => format!("{version} cannot be promoted within a year (windows and freezes)"),
    });
    if needs_schedule {
        let notice = env
            .policy
            .notice
            .as_ref()
            .map(|n| n.get_ref().clone())
            .unwrap_or_default();
        parts.push(format!(
            "if scheduled now ({notice} notice): `reltag schedule {version} --to {} --at TIME`",
            env.name
        ));
    }
    if !missing_approvals.is_empty() {
        parts.push(format!(
            "needs approval from {}",
            missing_approvals.join(", ")
        ));
    }
    if needs_reason {
        parts.push(format!("was rolled back from {}: needs --reason", env.name));
    }
    parts.extend(problems.iter().cloned());
    Waiting {
        version: version.to_string(),
        earliest,
        missing_approvals,
        needs_schedule,
        needs_reason,
        problems,
        summary: parts.join("; "),
    }
}
