//! `reltag status`: per environment, what runs there and what comes next.

use clap::Args;
use jiff::Timestamp;

use super::promote::{EnvContext, Gathered, Intent, env_context, gather, now};
use super::{CliError, Context, ledger_access};
use crate::ledger::{Deployment, identity};
use crate::policy::{Policy, Source};
use crate::report::{CurrentStatus, Data, EnvStatus, Outcome, StatusData, Style, Waiting};
use crate::rules::{promote_approvals, promote_notice, span_text};

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

pub fn cmd_status(ctx: &Context, args: StatusArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let names: Vec<String> = match &args.env {
        Some(env) => {
            env_context(&policy, env)?;
            vec![env.clone()]
        }
        None => environment_order(&policy, &ctx.cwd),
    };
    if !args.offline {
        ledger_access::sync(ctx, repo.gix())?;
    }
    let now = now()?;
    let environments = environments(&repo, &policy, names, now)?;
    let mut report = ctx.report("status", Style::Data);
    report.set_data(Data::Status(StatusData {
        now: seconds(now),
        environments,
    }));
    ctx.finish(report, Ok(()))
}

/// Every environment in `names`: what runs there, and what each waiting version still
/// needs as of `now`. The release page (`cli/dashboard.rs`) asks this too.
pub(super) fn environments(
    repo: &crate::git::Repo,
    policy: &Policy,
    names: Vec<String>,
    now: Timestamp,
) -> Result<Vec<EnvStatus>, CliError> {
    let actor = identity::actor_from_process_env(repo.gix()).unwrap_or_default();
    let cut_versions = cut_versions(repo, policy)?;
    let mut environments = Vec::new();
    for name in names {
        let env = env_context(policy, &name)?;
        environments.push(env_status(repo, policy, &env, now, &actor, &cut_versions)?);
    }
    Ok(environments)
}

/// The environments in the order the policy lists them: the order a team reads its
/// promotion path in. The parsed policy keeps them in a sorted map, so the order is read
/// from the file's text (the keys of `[environments]` by position); a policy whose text
/// cannot be read again keeps the sorted order.
pub(super) fn environment_order(policy: &Policy, cwd: &std::path::Path) -> Vec<String> {
    let sorted: Vec<String> = policy.file.environments.keys().cloned().collect();
    let text = match &policy.source {
        Source::Default => std::borrow::Cow::Borrowed(crate::policy::DEFAULT_POLICY_TOML),
        Source::File(path) => match std::fs::read_to_string(cwd.join(path)) {
            Ok(text) => std::borrow::Cow::Owned(text),
            Err(_) => return sorted,
        },
    };
    let Ok(doc) = toml::de::DeTable::parse(&text) else {
        return sorted;
    };
    let Some(toml::de::DeValue::Table(table)) =
        doc.get_ref().get("environments").map(|v| v.get_ref())
    else {
        return sorted;
    };
    let mut listed: Vec<(usize, String)> = table
        .keys()
        .map(|k| (k.span().start, k.get_ref().to_string()))
        .filter(|(_, name)| sorted.contains(name))
        .collect();
    listed.sort();
    let mut names: Vec<String> = listed.into_iter().map(|(_, n)| n).collect();
    // Whatever the text did not show (it changed since it was loaded) keeps its place.
    let unlisted: Vec<String> = sorted.into_iter().filter(|n| !names.contains(n)).collect();
    names.extend(unlisted);
    names
}

/// Times to the second, as `log` shows them: the clock's nanoseconds are noise.
pub(super) fn seconds(time: Timestamp) -> Timestamp {
    time.round(jiff::Unit::Second).unwrap_or(time)
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
            since: seconds(c.since),
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
        earliest: earliest.map(seconds),
        missing_approvals,
        needs_schedule,
        needs_reason,
        problems,
        summary: parts.join("; "),
    }
}
