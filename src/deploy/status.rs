//! `reltag status`: per environment, what runs there and what comes next.

use gix::ObjectId;
use jiff::Timestamp;

use super::{Environment, Error, Plan, Request, VersionFacts, environment, promotion};
use crate::ledger::State;
use crate::policy::Policy;
use crate::report::{CurrentStatus, EnvStatus, StatusData, Waiting};

/// Every environment (or only `only`) in the policy's order: what runs there, since when
/// and by whom, the rollback target, and the versions waiting with their plans at `now`
/// (`actor` is who would promote them). `tags`: every tag and the commit it names.
pub fn status(
    policy: &Policy,
    state: &State,
    tags: &[(String, ObjectId)],
    now: Timestamp,
    actor: &str,
    only: Option<&str>,
) -> Result<StatusData, Error> {
    let environments: Vec<&Environment> = match only {
        Some(name) => vec![environment(policy, name)?],
        None => policy.environments.iter().collect(),
    };
    let cut = cut_versions(policy, state, tags)?;
    let request = Request::new(actor, now);
    let mut statuses = Vec::new();
    for environment in environments {
        statuses.push(env_status(
            policy,
            state,
            tags,
            environment,
            &cut,
            &request,
        )?);
    }
    Ok(StatusData {
        now: seconds(now),
        environments: statuses,
    })
}

/// The versions with a tag and a cut event, newest first.
pub fn cut_versions(
    policy: &Policy,
    state: &State,
    tags: &[(String, ObjectId)],
) -> Result<Vec<String>, Error> {
    let mut versions: Vec<(semver::Version, String)> = Vec::new();
    for (name, _) in tags {
        let Some(version) = semver_of(policy, name) else {
            continue;
        };
        if state.version(name)?.is_some_and(|s| s.cut.is_some()) {
            versions.push((version, name.clone()));
        }
    }
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(versions.into_iter().map(|(_, name)| name).collect())
}

fn semver_of(policy: &Policy, tag: &str) -> Option<semver::Version> {
    policy
        .tag_format
        .version_text(tag)
        .and_then(|text| semver::Version::parse(&text).ok())
}

/// Times to the second, as `log` shows them: the clock's nanoseconds are noise.
fn seconds(time: Timestamp) -> Timestamp {
    time.round(jiff::Unit::Second).unwrap_or(time)
}

fn env_status(
    policy: &Policy,
    state: &State,
    tags: &[(String, ObjectId)],
    environment: &Environment,
    cut_versions: &[String],
    request: &Request<'_>,
) -> Result<EnvStatus, Error> {
    let target = state.env(&environment.name)?;
    let current = target.as_ref().and_then(|s| s.current.as_ref());
    let rollback_target = target
        .as_ref()
        .and_then(|s| s.rollback_target().map(str::to_string));
    // Candidates: what runs in `from`; without `from`, the three newest cut versions newer
    // than the current one that never ran here.
    let candidates: Vec<String> = match environment.from() {
        Some(from) => state
            .env(from)?
            .and_then(|s| s.current)
            .map(|d| d.version)
            .filter(|v| current.is_none_or(|c| &c.version != v))
            .into_iter()
            .collect(),
        None => {
            let current_semver = current.and_then(|c| semver_of(policy, &c.version));
            let mut list = Vec::new();
            for version in cut_versions {
                if current_semver.is_some() && semver_of(policy, version) <= current_semver {
                    continue;
                }
                let ran_here = state
                    .version(version)?
                    .is_some_and(|s| s.deployments.iter().any(|d| d.env == environment.name));
                if !ran_here {
                    list.push(version.clone());
                }
            }
            list.truncate(3);
            list
        }
    };
    let mut waiting = Vec::new();
    for version in candidates {
        let tag_commit = tags.iter().find(|(n, _)| *n == version).map(|(_, c)| *c);
        let facts = VersionFacts::read(state, environment, &version, tag_commit)?;
        waiting.push(waiting_of(&promotion(policy, environment, &facts, request)));
    }
    let next = match (waiting.first(), environment.from()) {
        (Some(w), _) => format!("{}: {}", environment.name, w.summary),
        (None, Some(from)) => format!(
            "{}: nothing waiting; the next version comes from {from} once it is promoted there",
            environment.name
        ),
        (None, None) => format!(
            "{}: nothing waiting; cut a new version with `reltag cut`",
            environment.name
        ),
    };
    Ok(EnvStatus {
        env: environment.name.clone(),
        timezone: environment.time_zone_name().to_string(),
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

/// A plan as `status` lists a waiting version.
fn waiting_of(plan: &Plan) -> Waiting {
    Waiting {
        version: plan.version.clone(),
        earliest: plan.earliest.map(seconds),
        missing_approvals: plan.missing_approvals().to_vec(),
        needs_schedule: plan.needs_schedule(),
        needs_reason: plan.needs_reason(),
        problems: plan.problems(),
        summary: plan.summary(),
    }
}
