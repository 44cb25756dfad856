//! `reltag attest VERSION [--env ENV]`: the release's in-toto Statement, from the ledger.

use std::io::Write as _;

use clap::Args;
use sha2::{Digest as _, Sha256};

use super::{CliError, Context, ErrorKind, ledger_access};
use crate::ledger::attest::{self, Attested, Release};
use crate::ledger::signed::{Signed, Verified};
use crate::ledger::{EventKind, LogFilter};
use crate::report::Outcome;
use crate::report::output::Stdout;

/// Print an in-toto Statement v1 for a release: the tag's commit and the artifacts'
/// sha256 digests as subjects; the policy's digest, the evidence, the approvals (with
/// their signers' keys) and the promotions that count as the predicate.
#[derive(Debug, Args)]
pub struct AttestArgs {
    /// The version's tag name, e.g. v1.2.3.
    #[arg(value_name = "VERSION")]
    pub tag: String,
    /// Only this environment's promotions and approvals.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Do not fetch the remote's ledger first.
    #[arg(long)]
    pub offline: bool,
}

pub fn cmd_attest(ctx: &Context, args: AttestArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    let gix = repo.gix();
    if let Some(env) = &args.env
        && !policy.file.environments.contains_key(env)
    {
        return Err(CliError::usage(format!("unknown environment `{env}`")));
    }
    if !args.offline {
        ledger_access::sync(ctx, gix)?;
    }
    let commit = repo
        .resolve_commit(&format!("refs/tags/{}", args.tag))
        .map_err(|_| {
            CliError::usage(format!("no tag {} in this repository", args.tag))
                .hint("fetch the tags (`git fetch --tags`) or name a released version")
        })?;
    let policy_sha256 = policy_digest(gix, commit);

    // With keys, each counted event's signer is named; they were verified to count it.
    let keyed = policy.file.ledger.names_keys();
    let signed: Option<Signed> = if keyed {
        Some(ledger_access::signed_trust(gix, &policy)?)
    } else {
        None
    };
    let ledger = ledger_access::open(gix, &policy);
    let filter = LogFilter {
        version: Some(args.tag.clone()),
        ..LogFilter::default()
    };
    let mut counted = Vec::new();
    for entry in ledger.log(filter)? {
        let entry = entry?;
        if !entry.standing.counts() || entry.event.kind() == EventKind::Void {
            continue;
        }
        let signer: Option<Verified> = signed
            .as_ref()
            .and_then(|s| s.verify(entry.sha, &entry.event).ok());
        counted.push((entry.sha.to_string(), entry.event, signer));
    }
    if !counted
        .iter()
        .any(|(_, e, _)| e.kind() == EventKind::Cut && e.commit == commit)
    {
        return Err(CliError::usage(format!(
            "{} has no cut that counts at commit {}: nothing to attest",
            args.tag,
            commit.to_hex_with_len(12)
        ))
        .hint("`reltag log --version VERSION` shows its events and why any does not count"));
    }
    let attested: Vec<Attested<'_>> = counted
        .iter()
        .map(|(sha, event, signer)| Attested {
            ledger_commit: sha.clone(),
            event,
            signer: signer.as_ref(),
        })
        .collect();
    let statement = attest::statement(
        &Release {
            version: &args.tag,
            commit,
            policy_sha256: policy_sha256.as_deref(),
            env: args.env.as_deref(),
        },
        &attested,
    );
    let mut text = serde_json::to_string_pretty(&statement)
        .map_err(|e| CliError::new(ErrorKind::Undecided, e))?;
    text.push('\n');
    Stdout
        .write_all(text.as_bytes())
        .and_then(|()| Stdout.flush())
        .map_err(|e| CliError::new(ErrorKind::Undecided, e))?;
    Ok(Outcome::Allowed)
}

/// sha256 of `policy.toml` at `commit` (git objects, a literal path), if it has one.
fn policy_digest(repo: &gix::Repository, commit: gix::ObjectId) -> Option<String> {
    let tree = repo.find_commit(commit).ok()?.tree().ok()?;
    let entry = tree.lookup_entry_by_path("policy.toml").ok()??;
    if !entry.mode().is_blob() {
        return None;
    }
    let blob = entry.object().ok()?;
    Some(
        Sha256::digest(&blob.data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}
