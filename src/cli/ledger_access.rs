//! What the ledger commands share: errors, the ledger judged by the policy, syncing before
//! reads, and the one write path.

use std::collections::BTreeMap;

use gix::ObjectId;

use super::{CliError, Context, ErrorKind};
use crate::ledger::signed::{Duties, Keys, Signed};
use crate::ledger::{
    self, Admins, Base, Decision, Event, Ledger, Publish, Signer, Trust, WriteOptions, Written,
};
use crate::policy::Policy;

impl From<ledger::Error> for CliError {
    fn from(e: ledger::Error) -> Self {
        let kind = if e.is_undecided() {
            ErrorKind::Undecided
        } else {
            ErrorKind::Usage
        };
        let hint = e.hint();
        let error = CliError::new(kind, e);
        match hint {
            Some(hint) => error.hint(hint),
            None => error,
        }
    }
}

/// Which events count under `policy`: voids only by members of the `[ledger] admins` roles.
pub fn trust(policy: &Policy) -> Admins {
    Admins::new(
        policy
            .file
            .ledger
            .admins
            .iter()
            .flat_map(|role| policy.role_members(role.get_ref())),
    )
}

/// The repository's ledger, judged as the policy says.
pub fn open<'repo>(repo: &'repo gix::Repository, policy: &Policy) -> Ledger<'repo> {
    judged(Ledger::new(repo), repo, policy)
}

/// The ledger at `ref_name` (a remote-tracking copy, say), judged as the policy says.
pub fn open_at<'repo>(
    repo: &'repo gix::Repository,
    policy: &Policy,
    ref_name: impl Into<String>,
) -> Ledger<'repo> {
    judged(Ledger::at_ref(repo, ref_name), repo, policy)
}

/// With `[ledger] require_signed`, every event is judged by [`Signed`] and every event
/// written is signed through git. When the keys cannot be read, nothing counts and nothing
/// is written (each refusal says why): the policy asked for signatures, and there is no
/// way to check one.
fn judged<'repo>(
    ledger: Ledger<'repo>,
    repo: &'repo gix::Repository,
    policy: &Policy,
) -> Ledger<'repo> {
    if !*policy.file.ledger.require_signed.get_ref() {
        return ledger.with_trust(trust(policy));
    }
    let ledger = ledger.with_signer(Signer::new(repo));
    match read_keys(repo, policy) {
        Ok(keys) => ledger.with_trust(Signed::new(repo, trust(policy), keys, duties(policy))),
        Err((reason, fix)) => ledger.with_trust(Unverifiable { reason, fix }),
    }
}

/// The trust of `[ledger] require_signed`: the policy's keys, read from the commit the
/// policy is read from (HEAD), its roles and deployers.
pub fn signed_trust(repo: &gix::Repository, policy: &Policy) -> Result<Signed, CliError> {
    let keys = read_keys(repo, policy)
        .map_err(|(problem, hint)| CliError::new(ErrorKind::Policy, problem).hint(hint))?;
    Ok(Signed::new(repo, trust(policy), keys, duties(policy)))
}

/// Why keys cannot be read, and the fix.
type Problem = (String, String);

/// A file `[ledger]` names: its path and bytes.
type KeyFile = Option<(String, Vec<u8>)>;

/// The keys `[ledger]` names, or the problem and its fix. The files are read from HEAD's
/// commit as git objects (a literal path, no symlink followed, nothing uncommitted): a key
/// counts only once it is committed, where the policy's reviewers saw it.
fn read_keys(repo: &gix::Repository, policy: &Policy) -> Result<Keys, Problem> {
    let ledger = &policy.file.ledger;
    let commit_first = || "commit policy.toml and the allowed signers file".to_string();
    let head = repo.head_commit().map_err(|e| {
        (
            format!("cannot read the keys [ledger] names: HEAD has no commit ({e})"),
            commit_first(),
        )
    })?;
    let short = head.id.to_hex_with_len(12).to_string();
    let tree = head.tree().map_err(|e| {
        (
            format!("cannot read HEAD's tree ({short}): {e}"),
            commit_first(),
        )
    })?;
    let read = |path: &str| -> Result<Vec<u8>, Problem> {
        let unreadable = |e: String| {
            (
                format!("cannot read {path} at HEAD ({short}): {e}"),
                commit_first(),
            )
        };
        let entry = tree
            .lookup_entry_by_path(path)
            .map_err(|e| unreadable(e.to_string()))?
            .ok_or_else(|| {
                (
                    format!("{path}, named by [ledger] in the policy, is not in HEAD ({short})"),
                    format!("commit {path}: a key counts only once committed"),
                )
            })?;
        if !entry.mode().is_blob() {
            return Err((
                format!("{path} at HEAD ({short}) is not a regular file"),
                format!(
                    "commit the keys as a regular file at {path} (not a symlink, a directory or a submodule): reltag reads it from git's objects"
                ),
            ));
        }
        let object = entry.object().map_err(|e| unreadable(e.to_string()))?;
        Ok(object.data.clone())
    };
    let file = |path: &Option<toml::Spanned<String>>| -> Result<KeyFile, Problem> {
        match path {
            Some(path) => Ok(Some((path.get_ref().clone(), read(path.get_ref())?))),
            None => Ok(None),
        }
    };
    let signers = file(&ledger.allowed_signers)?;
    let revoked = file(&ledger.revoked_signers)?;
    let openpgp_keys = file(&ledger.openpgp_keys)?.map(|(_, bytes)| bytes);
    let openpgp: BTreeMap<String, Vec<String>> = ledger
        .openpgp
        .iter()
        .map(|(member, fingerprints)| (member.clone(), crate::policy::names(fingerprints)))
        .collect();
    Keys::new(
        signers.as_ref().map(|(p, b)| (p.as_str(), b.as_slice())),
        revoked.as_ref().map(|(p, b)| (p.as_str(), b.as_slice())),
        openpgp,
        openpgp_keys,
    )
    .map_err(|e| {
        let revoked = ledger
            .revoked_signers
            .as_ref()
            .is_some_and(|p| *p.get_ref() == e.path);
        let line = if revoked {
            "one SSH public key (`ssh-ed25519 AAAA…`), as git's gpg.ssh.revocationFile reads it"
        } else {
            "`email namespaces=\"git\" ssh-ed25519 AAAA…`, as `ssh-keygen -Y verify` reads it"
        };
        (
            format!("invalid keys file at HEAD ({short}): {e}"),
            format!(
                "fix line {} of {} and commit it: each line is {line}",
                e.line, e.path
            ),
        )
    })
}

/// Who may do what: role members, and each environment's deployers.
fn duties(policy: &Policy) -> Duties {
    Duties {
        roles: policy.roles(),
        deployers: policy
            .file
            .environments
            .iter()
            .map(|(env, config)| {
                let members = config
                    .deployers
                    .iter()
                    .flat_map(|role| policy.role_members(role.get_ref()))
                    .collect();
                (env.clone(), members)
            })
            .collect(),
    }
}

/// The trust when `require_signed` holds but the keys cannot be read: no event counts,
/// and nothing is written (the fix is said instead).
struct Unverifiable {
    reason: String,
    fix: String,
}

impl Trust for Unverifiable {
    fn key(&self) -> String {
        format!("unverifiable;{}", self.reason)
    }

    fn judge(&self, _sha: ObjectId, _event: &Event) -> Result<(), String> {
        Err(format!("unverified: {}", self.reason))
    }

    fn check_written(&self, sha: ObjectId, event: &Event) -> Result<(), String> {
        self.judge(sha, event)
    }

    fn unusable(&self) -> Option<(&str, &str)> {
        Some((&self.reason, &self.fix))
    }
}

/// Fetches the remote's ledger and integrates it, before a command reads it. Says what
/// happened to an earlier write that was interrupted. A repository without a remote has
/// nothing to sync.
pub fn sync(ctx: &Context, repo: &gix::Repository) -> Result<(), CliError> {
    let options = ledger::sync::SyncOptions {
        push: false,
        ..ledger::sync::SyncOptions::default()
    };
    let report = ledger::sync::sync(repo, None, &options).map_err(|e| {
        if e.hint().is_some() {
            CliError::from(e)
        } else {
            CliError::from(e).hint(
                "check the remote and your credentials, or pass --offline to read the local ledger",
            )
        }
    })?;
    for notice in &report.notices {
        ctx.status(notice);
    }
    Ok(())
}

/// The write of a deployment (`deploy::decide_and_record`): [`write`], handing each
/// attempt's state to `redecide` (the whole gate again, and the environment must still
/// run what the first decision saw).
pub fn write_redeciding(
    ctx: &Context,
    ledger: &Ledger<'_>,
    local_only: bool,
    redecide: &mut crate::deploy::Redecide<'_>,
) -> Result<Written<crate::deploy::Redecided>, CliError> {
    write(ctx, ledger, local_only, |base| {
        Ok(redecide(&*base.state()?)?)
    })
}

/// Records what `decide` decides through the one write path: pushed to the default remote
/// before anything changes here, or (`local_only`, or no remote) recorded locally to be
/// published by a later write.
pub fn write<T>(
    ctx: &Context,
    ledger: &Ledger<'_>,
    local_only: bool,
    decide: impl FnMut(&Base<'_, '_>) -> Result<Decision<T>, CliError>,
) -> Result<Written<T>, CliError> {
    // Keys that cannot be read count nothing: say which file, why and the fix, before
    // anything is signed or written.
    if let Some((reason, fix)) = ledger.trust().unusable() {
        return Err(CliError::new(
            ErrorKind::Policy,
            format!("cannot record a ledger event ([ledger] require_signed): {reason}"),
        )
        .hint(fix));
    }
    let publish = Publish::choose(ledger.repo(), local_only);
    // The clock is an input: say so before recording behind the ledger's latest event,
    // or at a time RELTAG_NOW made up.
    let now = crate::schedule::now()?;
    if crate::schedule::now_is_set_unacknowledged()
        && let Some(warning) = crate::deploy::clock::set_clock_warning(now, jiff::Timestamp::now())
    {
        ctx.status(warning);
    }
    let latest = crate::deploy::clock::latest_event_time(ledger)?;
    if let Some(warning) = crate::deploy::clock::warning(now, latest) {
        ctx.status(warning);
    }
    let written = ledger::write(ledger, &publish, &WriteOptions::default(), decide)?;
    for event in &written.events {
        ctx.recorded(event.summary());
    }
    for notice in &written.sync.notices {
        ctx.status(notice);
    }
    Ok(written)
}
