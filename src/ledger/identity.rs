//! Who is acting, role membership, and approvals.
//!
//! Git identities are not authenticated: `user.email` is whatever the user configured and
//! `GITHUB_ACTOR` is whatever the runner says. The ledger records the claim; what makes it
//! trustworthy is who may push to the repository (see FORMAT.md, "Security model").

use std::collections::BTreeMap;

use gix::ObjectId;
use jiff::Timestamp;

use super::error::{Error, Result};
use super::event::{Approve, Event, EventBody, validate_name};
use super::state::ApprovalRecord;
use super::store::{Ledger, LogFilter};
use super::trust::Standing;
use super::write::{Base, Decision, Publish, WriteOptions, write};

/// The identity events are recorded under: `@$GITHUB_ACTOR` when `GITHUB_ACTIONS=true`,
/// else git's `user.email`. `env` looks up environment variables (pass
/// `|name| std::env::var(name).ok()`; tests pass a map).
pub fn actor(repo: &gix::Repository, env: impl Fn(&str) -> Option<String>) -> Result<String> {
    if env("GITHUB_ACTIONS").as_deref() == Some("true") {
        let login = env("GITHUB_ACTOR").unwrap_or_default();
        let login = login.trim();
        if login.is_empty() || login.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(Error::NoIdentity);
        }
        return Ok(format!("@{}", login.trim_start_matches('@')));
    }
    let email = repo.config_snapshot().string("user.email");
    match email {
        Some(email) => {
            let email = email.to_string();
            let email = email.trim();
            if email.is_empty() || email.chars().any(char::is_control) {
                Err(Error::NoIdentity)
            } else {
                Ok(email.to_owned())
            }
        }
        None => Err(Error::NoIdentity),
    }
}

/// [`actor`] with the process environment.
pub fn actor_from_process_env(repo: &gix::Repository) -> Result<String> {
    actor(repo, |name| std::env::var(name).ok())
}

/// Whether `actor` is one of `members` (emails or `@logins`, compared case-insensitively).
pub fn is_member(actor: &str, members: &[String]) -> bool {
    let actor = actor.trim();
    members
        .iter()
        .any(|member| member.trim().eq_ignore_ascii_case(actor))
}

/// Refuse an actor who is not in `role` (or a role the policy does not define).
pub fn check_member(actor: &str, role: &str, roles: &BTreeMap<String, Vec<String>>) -> Result<()> {
    let members = roles.get(role).ok_or_else(|| Error::UnknownRole {
        role: role.to_owned(),
    })?;
    if is_member(actor, members) {
        Ok(())
    } else {
        Err(Error::NotInRole {
            actor: actor.to_owned(),
            role: role.to_owned(),
            members: if members.is_empty() {
                "none".to_owned()
            } else {
                members.join(", ")
            },
        })
    }
}

/// What `reltag approve` asks for. The caller resolves which commit the version means
/// (its tag, or its release branch's tip before the cut, or `--commit`).
#[derive(Debug, Clone)]
pub struct ApproveRequest<'a> {
    pub version: &'a str,
    pub role: &'a str,
    /// `None`: for the version in general (counts for every environment).
    pub env: Option<&'a str>,
    pub commit: ObjectId,
    pub comment: Option<&'a str>,
    pub actor: &'a str,
    pub time: Timestamp,
}

/// What [`approve`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApproveOutcome {
    /// A new approve event is recorded.
    Recorded { event: Event },
    /// The same actor already approved this version, role, env and commit: nothing was
    /// written. Holds the existing approval.
    AlreadyApproved(ApprovalRecord),
}

/// The gate of an approval, for [`super::write`]: refused when the actor is not in the
/// role; skipped when the same approval already counts in the state it would be recorded
/// on (so two identical approvals racing record one event).
pub fn approval<'a>(
    request: &'a ApproveRequest<'a>,
    roles: &BTreeMap<String, Vec<String>>,
) -> Result<impl FnMut(&Base<'_, '_>) -> Result<Decision<ApproveOutcome>> + 'a> {
    validate_name("version", request.version)?;
    validate_name("role", request.role)?;
    if let Some(env) = request.env {
        validate_name("env", env)?;
    }
    check_member(request.actor, request.role, roles)?;
    let event = Event::new(
        EventBody::Approve(Approve {
            version: request.version.to_owned(),
            role: request.role.to_owned(),
            env: request.env.map(str::to_owned),
            comment: request.comment.map(str::to_owned),
        }),
        request.commit,
        request.actor,
        request.time,
    )?;
    let commit = request.commit.to_string();
    Ok(move |base: &Base<'_, '_>| {
        let existing = base.state()?.version(request.version)?.and_then(|state| {
            state.approvals.into_iter().find(|a| {
                a.role == request.role
                    && a.env.as_deref() == request.env
                    && a.commit == commit
                    && a.actor.eq_ignore_ascii_case(request.actor)
            })
        });
        Ok(match existing {
            Some(existing) => Decision::Skip(ApproveOutcome::AlreadyApproved(existing)),
            None => Decision::record(
                event.clone(),
                ApproveOutcome::Recorded {
                    event: event.clone(),
                },
            ),
        })
    })
}

/// Record an approval in the local ledger (see [`approval`]).
pub fn approve(
    ledger: &Ledger<'_>,
    request: &ApproveRequest<'_>,
    roles: &BTreeMap<String, Vec<String>>,
) -> Result<ApproveOutcome> {
    let written = write(
        ledger,
        &Publish::Local,
        &WriteOptions::default(),
        approval(request, roles)?,
    )?;
    Ok(written.outcome)
}

/// Approvals of `version` bound to exactly `commit`, in the ledger's present state: see
/// [`State::approvals_for`](super::State::approvals_for).
pub fn approvals_for(
    ledger: &Ledger<'_>,
    version: &str,
    env: Option<&str>,
    commit: ObjectId,
) -> Result<Vec<ApprovalRecord>> {
    ledger.state()?.approvals_for(version, env, commit)
}

/// An event the ledger holds but does not count: the trust in force refuses it (`[ledger]
/// require_signed`: unsigned, or signed by a key not bound to its actor). The rules name
/// it wherever it would have counted — an approval, a deployment, evidence, a cut — so a
/// forged or mis-signed record is seen, never silently missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedEvent {
    pub event: Event,
    /// The ledger commit that records it.
    pub ledger_commit: ObjectId,
    /// Why it does not count, as `reltag log` says it.
    pub reason: String,
}

impl RefusedEvent {
    /// `qa@example.com's approval of v1.0.0 as qa (ledger 3f2a…) does not count: unverified: not signed`.
    pub fn describe(&self) -> String {
        let event = &self.event;
        let what = match &event.body {
            EventBody::Approve(a) => format!("approval of {} as {}", a.version, a.role),
            EventBody::Evidence(e) => format!(
                "{} evidence for commit {}",
                e.criterion,
                event.commit.to_hex_with_len(12)
            ),
            EventBody::Cut(c) => format!("cut of {}", c.version),
            EventBody::Schedule(s) => format!("schedule of {} for {}", s.version, s.env),
            EventBody::Promote(p) => format!("promotion of {} to {}", p.version, p.env),
            EventBody::Rollback(r) => format!("rollback of {} to {}", r.env, r.version),
            EventBody::Void(_) => format!("void of ledger {}", event.commit.to_hex_with_len(12)),
        };
        format!(
            "{}'s {what} (ledger {}) does not count: {}",
            event.actor,
            self.ledger_commit.to_hex_with_len(12),
            self.reason
        )
    }

    /// The approval, when the event approves `commit` as `role` for `env` (or for every
    /// environment).
    pub fn approves(&self, role: &str, env: Option<&str>, commit: &str) -> bool {
        match &self.event.body {
            EventBody::Approve(a) => {
                a.role == role
                    && (a.env.is_none() || a.env.as_deref() == env)
                    && ObjectId::from_hex(commit.as_bytes()).is_ok_and(|c| c == self.event.commit)
            }
            _ => false,
        }
    }
}

/// `refused` named after a finding's message: `; <describe>` each, or nothing.
pub fn named<'a>(refused: impl IntoIterator<Item = &'a RefusedEvent>) -> String {
    refused
        .into_iter()
        .map(|r| format!("; {}", r.describe()))
        .collect()
}

/// The events `filter` selects that the trust in force refuses, newest first, read from
/// the log. Voided events are not listed: a void is a deliberate withdrawal.
pub fn refused_events(ledger: &Ledger<'_>, filter: LogFilter) -> Result<Vec<RefusedEvent>> {
    let mut refused = Vec::new();
    for entry in ledger.log(filter)? {
        let entry = entry?;
        if let Standing::Refused { reason } = entry.standing {
            refused.push(RefusedEvent {
                event: entry.event,
                ledger_commit: entry.sha,
                reason,
            });
        }
    }
    Ok(refused)
}

/// Every refused event about `version` (see [`refused_events`]).
pub fn refused_for_version(ledger: &Ledger<'_>, version: &str) -> Result<Vec<RefusedEvent>> {
    refused_events(
        ledger,
        LogFilter {
            version: Some(version.to_owned()),
            ..LogFilter::default()
        },
    )
}
