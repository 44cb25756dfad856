//! `reltag rollback`: returning an environment to a version that ran there before.

use super::{Environment, Error, Plan, Request, VersionFacts};
use crate::gates;
use crate::ledger::{Deployment, EnvState};
use crate::policy::Policy;
use crate::rules::{promote_deployer, promote_freeze, promote_window};

/// Where a rollback goes, and from where.
#[derive(Debug, Clone)]
pub struct RollbackTarget {
    /// The version to return to.
    pub version: String,
    /// What runs in the environment now (rolled back from).
    pub current: Deployment,
    /// The target's latest deployment there: its commit and artifacts are recorded again.
    pub earlier: Deployment,
}

/// The version a rollback of `env` returns to: `to`, which must have run there before,
/// or the newest earlier version that was not itself rolled back out of it.
pub fn rollback_target(
    env: &str,
    state: Option<&EnvState>,
    to: Option<&str>,
) -> Result<RollbackTarget, Error> {
    let (Some(state), Some(current)) = (state, state.and_then(|s| s.current.as_ref())) else {
        return Err(Error::NothingDeployed {
            env: env.to_string(),
        });
    };
    let previous = state.previous_versions();
    let owned = || previous.iter().map(|v| v.to_string()).collect::<Vec<_>>();
    let version = match to {
        Some(to) if to == current.version => {
            return Err(Error::AlreadyRuns {
                version: to.to_string(),
                env: env.to_string(),
            });
        }
        Some(to) if previous.contains(&to) => to.to_string(),
        Some(to) => {
            return Err(Error::NeverRan {
                version: to.to_string(),
                env: env.to_string(),
                previous: owned(),
            });
        }
        None => match state.rollback_target() {
            Some(v) => v.to_string(),
            None if !previous.is_empty() => {
                return Err(Error::AllRolledBack {
                    env: env.to_string(),
                    previous: owned(),
                });
            }
            None => {
                return Err(Error::NoEarlierVersion {
                    env: env.to_string(),
                    version: current.version.clone(),
                });
            }
        },
    };
    let earlier = state
        .history
        .iter()
        .find(|d| d.version == version)
        .cloned()
        .ok_or_else(|| Error::NeverRan {
            version: version.clone(),
            env: env.to_string(),
            previous: owned(),
        })?;
    Ok(RollbackTarget {
        version,
        current: current.clone(),
        earlier,
    })
}

/// The rollback of `environment` to `facts.version`: the deployer, and the windows and
/// freezes unless the environment allows rollbacks at any time (`rollback_anytime`).
/// Never an emergency: nothing is skipped.
pub fn rollback(
    policy: &Policy,
    environment: &Environment,
    facts: &VersionFacts,
    request: &Request<'_>,
) -> Plan {
    let anytime = environment.settings.rollback_anytime;
    let mut rules = vec![promote_deployer::PromoteDeployer::ID];
    if !anytime {
        rules.push(promote_window::PromoteWindow::ID);
        rules.push(promote_freeze::PromoteFreeze::ID);
    }
    let promote_facts = facts.promote_facts(environment, request);
    let checks = gates::promotion_checks(&promote_facts, policy, &rules);
    let mut plan = Plan::of_checks(facts, environment, request.now, checks);
    if anytime {
        plan.earliest = Some(request.now);
        plan.notes.push(format!(
            "{}: rollbacks are allowed outside the windows (rollback_anytime)",
            environment.name
        ));
    }
    plan
}
