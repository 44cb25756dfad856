//! Release attestations: an in-toto Statement v1 for one version, built from the events
//! that count — the cut, the evidence, the approvals (with their signers' keys) and the
//! promotions — bound to the tag's commit. Pure: the caller walks the ledger.

use serde_json::{Value, json};

use super::event::{Event, EventBody};
use super::signed::Verified;

/// in-toto's statement type and this predicate's type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://github.com/reltag/reltag/attestation/release/v1";

/// One counted event of the version, with the ledger commit recording it and, for a
/// signed event, the key that signed it.
pub struct Attested<'a> {
    pub ledger_commit: String,
    pub event: &'a Event,
    pub signer: Option<&'a Verified>,
}

/// What the statement is about.
pub struct Release<'a> {
    pub version: &'a str,
    /// The commit the tag names.
    pub commit: gix::ObjectId,
    /// sha256 (hex) of the policy file at that commit, if it has one.
    pub policy_sha256: Option<&'a str>,
    /// Only this environment's promotions and rollbacks (and approvals for it or all).
    pub env: Option<&'a str>,
}

/// The statement. Events not bound to the release's commit, of another version, or of
/// another environment (with `env`) are left out; the caller passes counted events only.
pub fn statement(release: &Release<'_>, events: &[Attested<'_>]) -> Value {
    let mut subjects = vec![json!({
        "name": format!("git+tag:{}", release.version),
        "digest": { "gitCommit": release.commit.to_string() },
    })];
    let (mut cut, mut criteria, mut approvals, mut promotions) =
        (Value::Null, Vec::new(), Vec::new(), Vec::new());
    let bound = |e: &Event| e.commit == release.commit && e.version() == Some(release.version);
    let in_env = |env: Option<&str>| match (release.env, env) {
        (Some(wanted), Some(env)) => wanted == env,
        (Some(_), None) | (None, _) => true,
    };
    // Oldest first, as the chain was written.
    for item in events.iter().rev() {
        let e = item.event;
        if !bound(e) {
            continue;
        }
        let common = |mut value: Value| {
            value["actor"] = json!(e.actor);
            value["time"] = json!(e.time.to_string());
            value["ledger_commit"] = json!(item.ledger_commit);
            if let Some(signer) = item.signer {
                value["signer"] =
                    json!({ "kind": signer.kind.as_str(), "key": signer.fingerprint });
            }
            value
        };
        let mut add_subjects = |artifacts: &[super::event::Artifact]| {
            for artifact in artifacts {
                let subject = json!({
                    "name": artifact.name,
                    "digest": { "sha256": artifact.sha256 },
                });
                if !subjects.contains(&subject) {
                    subjects.push(subject);
                }
            }
        };
        match &e.body {
            EventBody::Cut(c) => {
                add_subjects(&c.artifacts);
                cut = common(json!({
                    "tag_object": c.tag_object.map(|t| t.to_string()),
                    "emergency": c.emergency,
                }));
            }
            EventBody::Evidence(ev) => criteria.push(common(json!({
                "criterion": ev.criterion,
                "result": ev.result.as_str(),
                "measured": ev.measured,
                "threshold": ev.threshold,
                "report_sha256": ev.report_sha256,
            }))),
            EventBody::Approve(a) if in_env(a.env.as_deref()) => approvals.push(common(json!({
                "role": a.role,
                "env": a.env,
            }))),
            EventBody::Promote(p) if in_env(Some(&p.env)) => {
                add_subjects(&p.artifacts);
                promotions.push(common(json!({
                    "event": "promote",
                    "env": p.env,
                    "emergency": p.emergency,
                })));
            }
            EventBody::Rollback(r) if in_env(Some(&r.env)) => {
                add_subjects(&r.artifacts);
                promotions.push(common(json!({
                    "event": "rollback",
                    "env": r.env,
                    "reason": r.reason,
                })));
            }
            _ => {}
        }
    }
    json!({
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "version": release.version,
            "commit": release.commit.to_string(),
            "env": release.env,
            "policy": { "path": "policy.toml", "digest": release.policy_sha256.map(|d| json!({ "sha256": d })) },
            "cut": cut,
            "criteria": criteria,
            "approvals": approvals,
            "promotions": promotions,
        },
    })
}
