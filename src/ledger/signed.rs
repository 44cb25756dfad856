//! Signed events: the [`Trust`] that counts an event only when its commit is signed by a
//! key bound to its actor, at its time, and the actor holds the role the event needs.
//!
//! With `[ledger] require_signed`, every event is judged here, by the fold and the log
//! alike (see [`super::trust`]):
//!
//! 1. the ledger admins' rule (a void counts only from an admin);
//! 2. the commit carries a signature (`gpgsig`): an SSH signature, verified in-process
//!    ([`super::sshsig`]), or an OpenPGP one, verified by `gpg` ([`super::openpgp`]);
//! 3. the commit's committer is the event's actor at the event's time, so `git
//!    verify-commit` (which checks keys at the committer's time) agrees with reltag;
//! 4. the key is bound to the actor at the event's time: by the allowed signers file the
//!    policy names ([`super::signers`]), not listed in the revocation file, or by an
//!    OpenPGP fingerprint under `[ledger.openpgp]`;
//! 5. an event that vouches for a source commit — an approval, evidence, a cut — counts
//!    only when the signers file *at that commit* binds the key as well: a key added to
//!    the file (in the same push, say) cannot vouch for commits that were made without
//!    it. Deployments, schedules and voids are judged by the policy's file alone, so an
//!    old version can always be rolled back to;
//! 6. the actor is in the role: an approval's `Role`, an environment's deployers for a
//!    promotion, rollback or schedule.
//!
//! A verdict is cached per commit for the life of the trust; the fold's cache of derived
//! states (keyed by [`Trust::key`], which digests the keys and roles) means a state read
//! again at the same tip verifies nothing at all.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use gix::ObjectId;
use sha2::{Digest as _, Sha256};

use super::event::{Event, EventBody, EventKind};
use super::identity::is_member;
use super::openpgp::Gpg;
use super::signers::{AllowedSigners, NAMESPACE, parse_revoked};
use super::sshsig::{PublicKey, SshSignature};
use super::trust::{Admins, Trust};

/// A file of keys could not be read as such: `path:line: problem`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {problem}")]
pub struct KeysError {
    pub path: String,
    pub line: usize,
    pub problem: String,
}

/// The keys the policy trusts for ledger events.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// The allowed signers file's path in the repository, as the policy names it.
    pub signers_path: Option<String>,
    pub signers: AllowedSigners,
    pub revoked: Vec<PublicKey>,
    /// Member (lower-case) → OpenPGP fingerprints (upper-case hex).
    pub openpgp: BTreeMap<String, Vec<String>>,
    /// Armored OpenPGP public keys (`[ledger] openpgp_keys`).
    pub openpgp_keys: Option<Vec<u8>>,
    digest: String,
}

impl Keys {
    /// Keys from the files' bytes (`(repository path, content)`) and the policy's OpenPGP
    /// bindings.
    pub fn new(
        signers: Option<(&str, &[u8])>,
        revoked: Option<(&str, &[u8])>,
        openpgp: BTreeMap<String, Vec<String>>,
        openpgp_keys: Option<Vec<u8>>,
    ) -> Result<Keys, KeysError> {
        let text = |path: &str, bytes: &[u8]| {
            std::str::from_utf8(bytes)
                .map(str::to_owned)
                .map_err(|e| KeysError {
                    path: path.to_owned(),
                    line: 1 + bytes[..e.valid_up_to()]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count(),
                    problem: "not UTF-8 text".into(),
                })
        };
        let mut hasher = Sha256::new();
        let mut keys = Keys::default();
        if let Some((path, bytes)) = signers {
            keys.signers =
                AllowedSigners::parse(&text(path, bytes)?).map_err(|(line, problem)| {
                    KeysError {
                        path: path.to_owned(),
                        line,
                        problem,
                    }
                })?;
            keys.signers_path = Some(path.to_owned());
            hasher.update(b"signers\0");
            hasher.update(path.as_bytes());
            hasher.update(b"\0");
            hasher.update(bytes);
        }
        if let Some((path, bytes)) = revoked {
            keys.revoked =
                parse_revoked(&text(path, bytes)?).map_err(|(line, problem)| KeysError {
                    path: path.to_owned(),
                    line,
                    problem,
                })?;
            hasher.update(b"\0revoked\0");
            hasher.update(bytes);
        }
        for (member, fingerprints) in openpgp {
            let member = member.trim().to_ascii_lowercase();
            let fingerprints: Vec<String> = fingerprints
                .iter()
                .map(|f| f.replace(' ', "").to_ascii_uppercase())
                .collect();
            hasher.update(format!("\0openpgp\0{member}={}", fingerprints.join(",")));
            keys.openpgp.insert(member, fingerprints);
        }
        if let Some(bytes) = &openpgp_keys {
            hasher.update(b"\0openpgp-keys\0");
            hasher.update(bytes);
        }
        keys.openpgp_keys = openpgp_keys;
        keys.digest = hex(&hasher.finalize());
        Ok(keys)
    }

    /// sha256 of everything that decides a verdict (files' bytes, bindings).
    pub fn digest(&self) -> &str {
        &self.digest
    }
}

/// Who may do what, as the policy says: role members, and each environment's deployers.
#[derive(Debug, Clone, Default)]
pub struct Duties {
    /// Role → members.
    pub roles: BTreeMap<String, Vec<String>>,
    /// Environment → the members of its deployer roles; an environment not listed, or
    /// with no deployer roles, lets anyone deploy (as `promote-deployer` does).
    pub deployers: BTreeMap<String, Vec<String>>,
}

impl Duties {
    fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        for (role, members) in &self.roles {
            hasher.update(format!("role {role}={}\n", members.join(",")));
        }
        for (env, members) in &self.deployers {
            hasher.update(format!("deploy {env}={}\n", members.join(",")));
        }
        hex(&hasher.finalize())
    }

    /// `Err(why)` when the actor may not do what the event does.
    fn allows(&self, event: &Event) -> Result<(), String> {
        match &event.body {
            EventBody::Approve(approve) => {
                let members = self.roles.get(&approve.role).ok_or_else(|| {
                    format!(
                        "an approval as {}, a role the policy does not define",
                        approve.role
                    )
                })?;
                if is_member(&event.actor, members) {
                    Ok(())
                } else {
                    Err(format!("{} is not in role {}", event.actor, approve.role))
                }
            }
            EventBody::Promote(_) | EventBody::Rollback(_) | EventBody::Schedule(_) => {
                let env = event.env().unwrap_or_default();
                match self.deployers.get(env) {
                    Some(members) if !members.is_empty() && !is_member(&event.actor, members) => {
                        Err(format!("{} is not a deployer of {env}", event.actor))
                    }
                    _ => Ok(()),
                }
            }
            EventBody::Evidence(_) | EventBody::Cut(_) | EventBody::Void(_) => Ok(()),
        }
    }
}

/// How an event's signature was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// `SHA256:…` for an SSH key, the primary key's fingerprint for OpenPGP.
    pub fingerprint: String,
    pub kind: SignatureKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureKind {
    Ssh,
    OpenPgp,
}

impl SignatureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureKind::Ssh => "ssh",
            SignatureKind::OpenPgp => "openpgp",
        }
    }
}

/// The signed-events trust: see the module documentation.
pub struct Signed {
    admins: Admins,
    keys: Keys,
    duties: Duties,
    repo: gix::Repository,
    /// The signers file at source commits, by the file's blob id (it rarely changes).
    at_commit: RefCell<HashMap<ObjectId, Rc<Result<AllowedSigners, String>>>>,
    gpg: OnceCell<Result<Gpg, String>>,
    verdicts: RefCell<HashMap<ObjectId, Result<Verified, String>>>,
}

impl Signed {
    pub fn new(repo: &gix::Repository, admins: Admins, keys: Keys, duties: Duties) -> Signed {
        Signed {
            admins,
            keys,
            duties,
            repo: repo.clone(),
            at_commit: RefCell::new(HashMap::new()),
            gpg: OnceCell::new(),
            verdicts: RefCell::new(HashMap::new()),
        }
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Whether the ledger commit `sha` holding `event` is signed by a key bound to the
    /// event's actor at its time (steps 2–5 of the module documentation), and by which.
    pub fn verify(&self, sha: ObjectId, event: &Event) -> Result<Verified, String> {
        if let Some(verdict) = self.verdicts.borrow().get(&sha) {
            return verdict.clone();
        }
        let verdict = self.verify_uncached(sha, event);
        self.verdicts.borrow_mut().insert(sha, verdict.clone());
        verdict
    }

    fn verify_uncached(&self, sha: ObjectId, event: &Event) -> Result<Verified, String> {
        let object = self
            .repo
            .find_object(sha)
            .map_err(|e| format!("cannot read ledger commit {sha}: {e}"))?;
        let hash_kind = self.repo.object_hash();
        let commit = gix::objs::CommitRef::from_bytes(&object.data, hash_kind)
            .map_err(|e| format!("the commit does not decode: {e}"))?;
        let committer = commit
            .committer()
            .map_err(|e| format!("the commit's committer does not decode: {e}"))?;
        let committed = commit
            .time()
            .map_err(|e| format!("the commit's time does not decode: {e}"))?;
        if committer.name != event.actor.as_str() || committed.seconds != event.time.as_second() {
            return Err(format!(
                "the commit's committer ({} at {}) is not the event's actor and time",
                committer.name, committed.seconds
            ));
        }
        let Some((signature, signed)) =
            gix::objs::CommitRefIter::signature(&object.data, hash_kind)
                .map_err(|e| format!("the commit does not decode: {e}"))?
        else {
            return Err("not signed".into());
        };
        let signed = signed.to_bstring();
        let signature: &[u8] = signature.as_ref();
        let verified = if signature
            .trim_ascii_start()
            .starts_with(b"-----BEGIN SSH SIGNATURE")
        {
            self.verify_ssh(signature, &signed, event)?
        } else if signature
            .trim_ascii_start()
            .starts_with(b"-----BEGIN PGP SIGNATURE")
        {
            self.verify_openpgp(signature, &signed, event)?
        } else {
            return Err("signed in a format reltag does not verify (X.509?)".into());
        };
        Ok(verified)
    }

    fn verify_ssh(&self, armored: &[u8], signed: &[u8], event: &Event) -> Result<Verified, String> {
        let signature = SshSignature::from_armored(armored)?;
        signature.verify(NAMESPACE, signed)?;
        let key = &signature.key;
        let fingerprint = key.fingerprint();
        let path = self
            .keys
            .signers_path
            .as_deref()
            .ok_or_else(|| format!("signed with SSH key {fingerprint}, but the policy names no allowed signers file ([ledger] allowed_signers)"))?;
        if self.keys.revoked.contains(key) {
            return Err(format!(
                "signed with {fingerprint}, a revoked key ([ledger] revoked_signers)"
            ));
        }
        self.keys
            .signers
            .allows(key, &event.actor, event.time)
            .map_err(|refusal| refusal.describe(&fingerprint, &event.actor, path))?;
        if vouches_for_source(event) {
            let at_commit = self.signers_at(event.commit, path);
            match &*at_commit {
                Ok(signers) => {
                    signers.allows(key, &event.actor, event.time).map_err(|refusal| {
                        format!(
                            "{} at commit {}, the commit this {} is about (a key added later cannot vouch for it)",
                            refusal.describe(&fingerprint, &event.actor, path),
                            event.commit.to_hex_with_len(12),
                            event.kind()
                        )
                    })?;
                }
                Err(problem) => return Err(problem.clone()),
            }
        }
        Ok(Verified {
            fingerprint,
            kind: SignatureKind::Ssh,
        })
    }

    fn verify_openpgp(
        &self,
        armored: &[u8],
        signed: &[u8],
        event: &Event,
    ) -> Result<Verified, String> {
        let gpg = self
            .gpg
            .get_or_init(|| Gpg::new(self.keys.openpgp_keys.as_deref()))
            .as_ref()
            .map_err(Clone::clone)?;
        let good = gpg.verify(armored, signed)?;
        let bound = self
            .keys
            .openpgp
            .iter()
            .filter(|(member, _)| member.eq_ignore_ascii_case(event.actor.trim()))
            .flat_map(|(_, fingerprints)| fingerprints)
            .any(|f| *f == good.primary || *f == good.fingerprint);
        if !bound {
            let owners: Vec<&str> = self
                .keys
                .openpgp
                .iter()
                .filter(|(_, fps)| {
                    fps.iter()
                        .any(|f| *f == good.primary || *f == good.fingerprint)
                })
                .map(|(member, _)| member.as_str())
                .collect();
            return Err(if owners.is_empty() {
                format!(
                    "signed with OpenPGP key {}, which [ledger.openpgp] does not bind to {}",
                    good.primary, event.actor
                )
            } else {
                format!(
                    "signed with OpenPGP key {}, which [ledger.openpgp] binds to {}, not to {}",
                    good.primary,
                    owners.join(", "),
                    event.actor
                )
            });
        }
        Ok(Verified {
            fingerprint: good.primary,
            kind: SignatureKind::OpenPgp,
        })
    }

    /// The allowed signers file at source commit `commit`, by its literal path (a symlink
    /// is not followed).
    fn signers_at(&self, commit: ObjectId, path: &str) -> Rc<Result<AllowedSigners, String>> {
        let short = commit.to_hex_with_len(12).to_string();
        let blob = (|| -> Result<ObjectId, String> {
            let commit_object = self.repo.find_commit(commit).map_err(|_| {
                format!("commit {short}, which the event is about, is not in this repository: fetch it to verify the event")
            })?;
            let tree = commit_object
                .tree()
                .map_err(|e| format!("cannot read the tree of {short}: {e}"))?;
            match tree
                .lookup_entry_by_path(path)
                .map_err(|e| format!("cannot read {path} at {short}: {e}"))?
            {
                Some(entry) if entry.mode().is_blob() => Ok(entry.object_id()),
                Some(_) => Err(format!("{path} at commit {short} is not a regular file")),
                None => Err(format!(
                    "commit {short}, which the event is about, has no {path}: its keys cannot vouch for it"
                )),
            }
        })();
        let blob = match blob {
            Ok(blob) => blob,
            Err(problem) => return Rc::new(Err(problem)),
        };
        if let Some(parsed) = self.at_commit.borrow().get(&blob) {
            return Rc::clone(parsed);
        }
        let parsed = self
            .repo
            .find_object(blob)
            .map_err(|e| format!("cannot read {path} at {short}: {e}"))
            .and_then(|object| {
                let text = std::str::from_utf8(&object.data)
                    .map_err(|_| format!("{path} at {short} is not UTF-8 text"))?;
                AllowedSigners::parse(text)
                    .map_err(|(line, problem)| format!("{path}:{line} at {short}: {problem}"))
            });
        let parsed = Rc::new(parsed);
        self.at_commit.borrow_mut().insert(blob, Rc::clone(&parsed));
        parsed
    }
}

/// An approval, evidence or a cut vouches for the source commit it names.
fn vouches_for_source(event: &Event) -> bool {
    matches!(
        event.kind(),
        EventKind::Approve | EventKind::Evidence | EventKind::Cut
    )
}

impl Trust for Signed {
    fn key(&self) -> String {
        format!(
            "signed;{};keys={};duties={}",
            self.admins.key(),
            self.keys.digest(),
            self.duties.digest()
        )
    }

    fn judge(&self, sha: ObjectId, event: &Event) -> Result<(), String> {
        self.admins.judge(sha, event)?;
        self.verify(sha, event)
            .map_err(|why| format!("unverified: {why}"))?;
        self.duties.allows(event)
    }

    fn check_written(&self, sha: ObjectId, event: &Event) -> Result<(), String> {
        self.verify(sha, event).map(|_| ())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
