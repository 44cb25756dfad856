//! `reltag log`: the audit trail, newest first.

use clap::Args;

use super::{CliError, Context, ledger_access};
use crate::ledger::{Event, EventBody, EventKind, LogFilter, Standing};
use crate::report::{Data, LogData, LogEvent, Outcome, Style};

/// Show the audit trail (refs/reltag/ledger), newest first.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only events of this environment (a key under [environments]).
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Only events of this version (its tag name).
    #[arg(long = "version", id = "version_filter", value_name = "VERSION")]
    pub version: Option<String>,
    /// approve, evidence, cut, schedule, promote or rollback.
    #[arg(long, value_name = "KIND")]
    pub event: Option<String>,
    /// Show at most N events.
    #[arg(short = 'n', long, value_name = "N")]
    pub limit: Option<usize>,
    /// Do not fetch the remote's ledger first.
    #[arg(long)]
    pub offline: bool,
}

pub fn cmd_log(ctx: &Context, args: LogArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let kind = match &args.event {
        Some(text) => Some(EventKind::parse(text).ok_or_else(|| {
            CliError::usage(format!("unknown event kind `{text}`"))
                .hint("expected approve, evidence, cut, schedule, promote, rollback or void")
        })?),
        None => None,
    };
    // An environment the policy does not name is a typo, unless the ledger remembers it
    // (an environment since removed from the policy): decided once the events are read.
    // The policy also decides which events count (`[ledger] admins` for voids).
    let policy = ctx.policy(Some(&repo))?;
    let known_envs: Vec<String> = policy.file.environments.keys().cloned().collect();
    if !args.offline {
        ledger_access::sync(ctx, repo.gix())?;
    }
    let filter = LogFilter {
        env: args.env.clone(),
        version: args.version,
        kind,
        limit: args.limit,
    };
    let mut events = Vec::new();
    for entry in ledger_access::open(repo.gix(), &policy).log(filter)? {
        let entry = entry?;
        events.push(log_event(
            entry.sha.to_string(),
            &entry.event,
            &entry.standing,
        ));
    }
    if let Some(env) = &args.env
        && events.is_empty()
        && !known_envs.contains(env)
    {
        return Err(
            CliError::usage(format!("unknown environment `{env}`")).hint(
                if known_envs.is_empty() {
                    "the policy defines no [environments], and the ledger has no events for it"
                        .to_string()
                } else {
                    format!("the environments are: {}", known_envs.join(", "))
                },
            ),
        );
    }
    if events.is_empty() {
        ctx.status("the ledger has no matching events");
    }
    let mut report = ctx.report("log", Style::Data);
    report.set_data(Data::Log(LogData { events }));
    ctx.finish(report, Ok(()))
}

/// Seconds are precision enough for an audit trail, and read the same everywhere.
fn seconds(time: jiff::Timestamp) -> jiff::Timestamp {
    time.round(jiff::Unit::Second).unwrap_or(time)
}

fn log_event(ledger_commit: String, e: &Event, standing: &Standing) -> LogEvent {
    let short = e.commit.to_hex_with_len(12).to_string();
    let with_reason = |text: String, reason: Option<&str>| match reason {
        Some(reason) => format!("{text}: {reason}"),
        None => text,
    };
    let emergency = |flag: bool| if flag { " (emergency)" } else { "" };
    let (description, emergency_flag, reason) = match &e.body {
        EventBody::Approve(a) => (
            with_reason(
                format!(
                    "approve {}{} as {}",
                    a.version,
                    a.env
                        .as_ref()
                        .map(|env| format!(" for {env}"))
                        .unwrap_or_default(),
                    a.role
                ),
                a.comment.as_deref(),
            ),
            false,
            None,
        ),
        EventBody::Evidence(ev) => {
            let value = match (&ev.measured, &ev.threshold) {
                (Some(m), Some(t)) => format!(" ({m}, needs {t})"),
                (Some(m), None) => format!(" ({m})"),
                _ => String::new(),
            };
            (
                format!(
                    "evidence {} {} for {}{value}",
                    ev.criterion,
                    ev.result.as_str(),
                    ev.version.as_deref().unwrap_or(&short)
                ),
                false,
                None,
            )
        }
        EventBody::Cut(c) => (
            with_reason(
                format!("cut {} at {short}{}", c.version, emergency(c.emergency)),
                c.reason.as_deref(),
            ),
            c.emergency,
            c.reason.clone(),
        ),
        EventBody::Schedule(s) => (
            with_reason(
                format!(
                    "schedule {} to {} at {}{}",
                    s.version,
                    s.env,
                    seconds(s.at),
                    emergency(s.emergency)
                ),
                s.reason.as_deref(),
            ),
            s.emergency,
            s.reason.clone(),
        ),
        EventBody::Promote(p) => (
            with_reason(
                format!(
                    "promote {} to {}{}",
                    p.version,
                    p.env,
                    emergency(p.emergency)
                ),
                p.reason.as_deref(),
            ),
            p.emergency,
            p.reason.clone(),
        ),
        EventBody::Rollback(r) => (
            with_reason(
                format!(
                    "rollback {} to {}{}{}",
                    r.env,
                    r.version,
                    r.from_version
                        .as_ref()
                        .map(|f| format!(" from {f}"))
                        .unwrap_or_default(),
                    emergency(r.emergency)
                ),
                Some(&r.reason),
            ),
            r.emergency,
            Some(r.reason.clone()),
        ),
        EventBody::Void(v) => (
            format!("void ledger commit {short}: {}", v.reason),
            false,
            Some(v.reason.clone()),
        ),
    };
    LogEvent {
        ledger_commit,
        event: e.kind().as_str().to_string(),
        time: seconds(e.time).to_string(),
        actor: e.actor.clone(),
        commit: e.commit.to_string(),
        version: e.version().map(str::to_string),
        env: e.env().map(str::to_string),
        summary: e.summary(),
        description,
        emergency: emergency_flag,
        reason,
        counts: standing.counts(),
        not_counted: standing.why_not(),
    }
}
