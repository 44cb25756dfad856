use clap::Args;
use serde::Serialize;

use super::{CliError, Context, ledger_access};
use crate::ledger::{EventKind, LogFilter};
use crate::report::{Format, Outcome};

/// Show the audit trail (refs/reltag/ledger), newest first.
#[derive(Debug, Args)]
pub struct LogArgs {
    #[arg(long)]
    pub env: Option<String>,
    /// Only events of this version (its tag name).
    #[arg(long = "version", id = "version_filter", value_name = "VERSION")]
    pub version: Option<String>,
    /// approve, evidence, cut, schedule, promote, rollback or void.
    #[arg(long, value_name = "KIND")]
    pub event: Option<String>,
    /// Show at most N events.
    #[arg(short = 'n', long, value_name = "N")]
    pub limit: Option<usize>,
    /// Do not fetch the remote's ledger first.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Serialize)]
struct JsonEntry {
    ledger_commit: String,
    event: String,
    time: String,
    actor: String,
    commit: String,
    version: Option<String>,
    env: Option<String>,
    summary: String,
    /// Whether the event counts in the state (false: voided, or refused by the trust rules).
    counts: bool,
    /// Why it does not count.
    #[serde(skip_serializing_if = "Option::is_none")]
    not_counted: Option<String>,
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
    let policy = ctx.policy(Some(&repo))?;
    if !args.offline {
        ledger_access::sync(ctx, repo.gix())?;
    }
    let filter = LogFilter {
        env: args.env,
        version: args.version,
        kind,
        limit: args.limit,
    };
    let mut entries = Vec::new();
    for entry in ledger_access::open(repo.gix(), &policy).log(filter)? {
        let entry = entry?;
        let e = &entry.event;
        entries.push(JsonEntry {
            ledger_commit: entry.sha.to_string(),
            event: e.kind().as_str().to_string(),
            // Seconds are precision enough for an audit trail, and read the same everywhere.
            time: e
                .time
                .round(jiff::Unit::Second)
                .unwrap_or(e.time)
                .to_string(),
            actor: e.actor.clone(),
            commit: e.commit.to_string(),
            version: e.version().map(str::to_string),
            env: e.env().map(str::to_string),
            summary: e.summary(),
            counts: entry.standing.counts(),
            not_counted: entry.standing.why_not(),
        });
    }
    if ctx.format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "version": 1, "events": entries }))
                .map_err(|e| CliError::undecided(e.to_string()))?
        );
    } else if entries.is_empty() {
        ctx.status("the ledger has no matching events");
    } else {
        for e in &entries {
            println!(
                "{}  {:<9} {}  by {}  (commit {}, ledger {}){}",
                e.time,
                e.event,
                crate::report::visible(&e.summary),
                e.actor,
                &e.commit[..12],
                &e.ledger_commit[..12],
                e.not_counted
                    .as_deref()
                    .map(|why| format!("  [does not count: {}]", crate::report::visible(why)))
                    .unwrap_or_default()
            );
        }
    }
    Ok(Outcome::Allowed)
}
