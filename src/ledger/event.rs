//! Events: what one ledger commit records, and its commit-message encoding.
//!
//! A ledger commit message is a one-line summary, a blank line and trailers. The summary is
//! for humans and is never parsed; the trailers are the record. See `FORMAT.md`.

use std::fmt;

use gix::ObjectId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::error::{Error, Result};

/// The newest ledger format this code reads and writes (`Ledger-Format:` trailer).
/// Format 2 adds the `void` event; every other event is still written as format 1, the
/// oldest format that can express it, so an older reltag keeps reading them and stops
/// with "upgrade reltag" at a void instead of counting what it voids.
pub const FORMAT_VERSION: u32 = 2;

/// A random identifier given to an event when it is first recorded. A replayed event keeps
/// its id, so replays onto a new remote tip can skip events the remote already has.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(String);

impl EventId {
    /// A fresh id: 128 bits, hex. Uniqueness, not secrecy, is what matters here, so the
    /// bits come from std's randomly keyed SipHash over time, pid and a counter instead of
    /// a new dependency on a random number crate.
    pub fn random() -> EventId {
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let mut halves = [0u64; 2];
        for (salt, half) in halves.iter_mut().enumerate() {
            // Each RandomState has fresh random keys.
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u128(nanos);
            hasher.write_u32(std::process::id());
            hasher.write_u64(count);
            hasher.write_usize(salt);
            *half = hasher.finish();
        }
        EventId(format!("{:016x}{:016x}", halves[0], halves[1]))
    }

    /// Parse an id as found in an `Event-Id:` trailer.
    pub fn parse(text: &str) -> Option<EventId> {
        let ok = (8..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then(|| EventId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kind of an event, without its data (for filters and the `Event:` trailer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Approve,
    Evidence,
    Cut,
    Schedule,
    Promote,
    Rollback,
    Void,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::Approve,
        EventKind::Evidence,
        EventKind::Cut,
        EventKind::Schedule,
        EventKind::Promote,
        EventKind::Rollback,
        EventKind::Void,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Approve => "approve",
            EventKind::Evidence => "evidence",
            EventKind::Cut => "cut",
            EventKind::Schedule => "schedule",
            EventKind::Promote => "promote",
            EventKind::Rollback => "rollback",
            EventKind::Void => "void",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The `Ledger-Format` an event of this kind is written in: the oldest that has it.
    pub fn format(self) -> u32 {
        match self {
            EventKind::Void => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A built artifact bound to its content digest: `Artifact: <name> sha256:<64 hex>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Artifact {
    pub name: String,
    /// Lowercase hex sha256 of the artifact's bytes, without the `sha256:` prefix.
    pub sha256: String,
}

impl Artifact {
    pub fn new(name: impl Into<String>, sha256_hex: impl Into<String>) -> Result<Artifact> {
        let artifact = Artifact {
            name: name.into(),
            sha256: sha256_hex.into().to_ascii_lowercase(),
        };
        artifact.validate().map_err(|problem| Error::InvalidEvent {
            kind: "artifact",
            problem,
        })?;
        Ok(artifact)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        if self.name.is_empty() || self.name.chars().any(char::is_control) {
            return Err(format!(
                "artifact name {:?} is empty or has control characters",
                self.name
            ));
        }
        if !is_sha256_hex(&self.sha256) {
            return Err(format!(
                "artifact {:?} digest {:?} is not 64 hex digits",
                self.name, self.sha256
            ));
        }
        Ok(())
    }

    fn to_trailer(&self) -> String {
        format!("{} sha256:{}", self.name, self.sha256)
    }

    fn from_trailer(value: &str) -> std::result::Result<Artifact, String> {
        let (name, digest) = value
            .rsplit_once(' ')
            .ok_or_else(|| format!("Artifact {value:?} is not `<name> sha256:<hex>`"))?;
        let hex = digest
            .strip_prefix("sha256:")
            .ok_or_else(|| format!("Artifact {value:?} digest does not start with sha256:"))?;
        let artifact = Artifact {
            name: name.to_owned(),
            sha256: hex.to_owned(),
        };
        artifact.validate()?;
        Ok(artifact)
    }
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether a release criterion was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceResult {
    Pass,
    Fail,
}

impl EvidenceResult {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceResult::Pass => "pass",
            EvidenceResult::Fail => "fail",
        }
    }
}

/// A sign-off by a member of a role, for a version (optionally for one environment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approve {
    pub version: String,
    pub role: String,
    /// `None`: the approval holds for the version in every environment.
    pub env: Option<String>,
    pub comment: Option<String>,
}

/// The measured outcome of one release criterion for a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Known once the commit is a release candidate; CI may record evidence before that.
    pub version: Option<String>,
    pub criterion: String,
    pub result: EvidenceResult,
    /// The measured value as the report states it, e.g. `91.4%` or `p95=180ms`.
    pub measured: Option<String>,
    /// The policy's threshold at the time, e.g. `>= 90%`.
    pub threshold: Option<String>,
    /// sha256 (hex) of the report file the result was read from.
    pub report_sha256: Option<String>,
    pub comment: Option<String>,
}

/// A release tag was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    pub version: String,
    /// The annotated tag object, when the tag is annotated.
    pub tag_object: Option<ObjectId>,
    pub emergency: bool,
    pub reason: Option<String>,
    pub artifacts: Vec<Artifact>,
}

/// A deployment was announced for a time (notice periods count from the event's time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub version: String,
    pub env: String,
    pub at: Timestamp,
    pub emergency: bool,
    pub reason: Option<String>,
}

/// A version was deployed to an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promote {
    pub version: String,
    pub env: String,
    pub artifacts: Vec<Artifact>,
    pub emergency: bool,
    pub reason: Option<String>,
}

/// An environment was rolled back to an earlier version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollback {
    /// The version the environment runs after the rollback.
    pub version: String,
    pub env: String,
    /// The version that was running before, if the ledger knew one.
    pub from_version: Option<String>,
    pub artifacts: Vec<Artifact>,
    pub emergency: bool,
    pub reason: String,
}

/// A ledger admin's repair: the ledger commit named by the event's `Commit` does not
/// count (it stays in the chain, and `reltag log` shows it as voided). The way out of a
/// malformed commit pushed by anyone, and of an event recorded by mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Void {
    pub reason: String,
}

/// The data specific to each kind of event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventBody {
    Approve(Approve),
    Evidence(Evidence),
    Cut(Cut),
    Schedule(Schedule),
    Promote(Promote),
    Rollback(Rollback),
    Void(Void),
}

/// One recorded event: one ledger commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: EventId,
    /// When the event was recorded (client clock: see the security notes in FORMAT.md).
    pub time: Timestamp,
    /// `user@example.com`, or `@login` in GitHub Actions.
    pub actor: String,
    /// The full id of the source commit the event is bound to; for a `void`, the ledger
    /// commit it voids.
    pub commit: ObjectId,
    pub body: EventBody,
}

impl Event {
    /// A new event with a fresh id. Validates names and values so that what is written
    /// can always be read back.
    pub fn new(
        body: EventBody,
        commit: ObjectId,
        actor: impl Into<String>,
        time: Timestamp,
    ) -> Result<Event> {
        let event = Event {
            id: EventId::random(),
            time,
            actor: actor.into(),
            commit,
            body,
        };
        event.validate()?;
        Ok(event)
    }

    pub fn kind(&self) -> EventKind {
        match &self.body {
            EventBody::Approve(_) => EventKind::Approve,
            EventBody::Evidence(_) => EventKind::Evidence,
            EventBody::Cut(_) => EventKind::Cut,
            EventBody::Schedule(_) => EventKind::Schedule,
            EventBody::Promote(_) => EventKind::Promote,
            EventBody::Rollback(_) => EventKind::Rollback,
            EventBody::Void(_) => EventKind::Void,
        }
    }

    /// The version (tag name) the event is about, if any.
    pub fn version(&self) -> Option<&str> {
        match &self.body {
            EventBody::Approve(e) => Some(&e.version),
            EventBody::Evidence(e) => e.version.as_deref(),
            EventBody::Cut(e) => Some(&e.version),
            EventBody::Schedule(e) => Some(&e.version),
            EventBody::Promote(e) => Some(&e.version),
            EventBody::Rollback(e) => Some(&e.version),
            EventBody::Void(_) => None,
        }
    }

    /// The environment the event is about, if any.
    pub fn env(&self) -> Option<&str> {
        match &self.body {
            EventBody::Approve(e) => e.env.as_deref(),
            EventBody::Evidence(_) | EventBody::Cut(_) | EventBody::Void(_) => None,
            EventBody::Schedule(e) => Some(&e.env),
            EventBody::Promote(e) => Some(&e.env),
            EventBody::Rollback(e) => Some(&e.env),
        }
    }

    /// Check every field against the rules the format imposes.
    pub fn validate(&self) -> Result<()> {
        let kind = self.kind().as_str();
        let invalid = |problem: String| Error::InvalidEvent { kind, problem };
        check_actor(&self.actor).map_err(invalid)?;
        if let Some(version) = self.version() {
            validate_name("version", version)?;
        }
        if let Some(env) = self.env() {
            validate_name("env", env)?;
        }
        let artifacts: &[Artifact] = match &self.body {
            EventBody::Approve(a) => {
                validate_name("role", &a.role)?;
                &[]
            }
            EventBody::Evidence(e) => {
                validate_name("criterion", &e.criterion)?;
                for (what, value) in [("measured", &e.measured), ("threshold", &e.threshold)] {
                    if value.as_deref().is_some_and(|v| v.contains('\n')) {
                        return Err(invalid(format!("{what} must be one line")));
                    }
                }
                if let Some(digest) = &e.report_sha256
                    && !is_sha256_hex(digest)
                {
                    return Err(invalid(format!(
                        "report digest {digest:?} is not 64 lowercase hex digits"
                    )));
                }
                &[]
            }
            EventBody::Cut(c) => &c.artifacts,
            EventBody::Schedule(_) => &[],
            EventBody::Promote(p) => &p.artifacts,
            EventBody::Rollback(r) => {
                if r.reason.trim().is_empty() {
                    return Err(invalid("a rollback needs a reason".into()));
                }
                if let Some(from) = &r.from_version {
                    validate_name("version", from)?;
                }
                &r.artifacts
            }
            EventBody::Void(v) => {
                if v.reason.trim().is_empty() {
                    return Err(invalid("a void needs a reason".into()));
                }
                &[]
            }
        };
        for artifact in artifacts {
            artifact.validate().map_err(invalid)?;
        }
        Ok(())
    }

    /// The one-line summary that starts the commit message.
    pub fn summary(&self) -> String {
        let short = &self.commit.to_hex().to_string()[..12];
        let emergency = |flag: bool| if flag { " (emergency)" } else { "" };
        match &self.body {
            EventBody::Approve(a) => format!(
                "approve {}{} as {} by {}",
                a.version,
                a.env
                    .as_ref()
                    .map(|e| format!(" for {e}"))
                    .unwrap_or_default(),
                a.role,
                self.actor
            ),
            EventBody::Evidence(e) => format!(
                "evidence {} {} for {}",
                e.criterion,
                e.result.as_str(),
                e.version.as_deref().unwrap_or(short)
            ),
            EventBody::Cut(c) => format!("cut {} at {short}{}", c.version, emergency(c.emergency)),
            EventBody::Schedule(s) => format!(
                "schedule {} to {} at {}{}",
                s.version,
                s.env,
                s.at,
                emergency(s.emergency)
            ),
            EventBody::Promote(p) => {
                format!(
                    "promote {} to {}{}",
                    p.version,
                    p.env,
                    emergency(p.emergency)
                )
            }
            EventBody::Rollback(r) => format!(
                "rollback {} to {}{}",
                r.env,
                r.version,
                r.from_version
                    .as_ref()
                    .map(|f| format!(" from {f}"))
                    .unwrap_or_default()
            ),
            EventBody::Void(v) => {
                let reason = v.reason.lines().next().unwrap_or_default();
                let mut reason: String = reason.chars().take(60).collect();
                if v.reason.chars().count() > reason.chars().count() {
                    reason.push('…');
                }
                format!("void ledger commit {short}: {reason}")
            }
        }
    }

    /// The full commit message: summary, blank line, trailers.
    pub fn to_message(&self) -> String {
        let mut trailers: Vec<(&str, String)> = vec![("Event", self.kind().as_str().into())];
        if let Some(version) = self.version() {
            trailers.push(("Version", version.into()));
        }
        trailers.push(("Commit", self.commit.to_string()));
        if let Some(env) = self.env() {
            trailers.push(("Env", env.into()));
        }
        match &self.body {
            EventBody::Approve(a) => {
                trailers.push(("Role", a.role.clone()));
                push_opt(&mut trailers, "Comment", &a.comment);
            }
            EventBody::Evidence(e) => {
                trailers.push(("Criterion", e.criterion.clone()));
                trailers.push(("Result", e.result.as_str().into()));
                push_opt(&mut trailers, "Measured", &e.measured);
                push_opt(&mut trailers, "Threshold", &e.threshold);
                push_opt(
                    &mut trailers,
                    "Report",
                    &e.report_sha256.as_ref().map(|d| format!("sha256:{d}")),
                );
                push_opt(&mut trailers, "Comment", &e.comment);
            }
            EventBody::Cut(c) => {
                push_opt(
                    &mut trailers,
                    "Tag-Object",
                    &c.tag_object.map(|id| id.to_string()),
                );
                push_artifacts(&mut trailers, &c.artifacts);
                push_emergency(&mut trailers, c.emergency, &c.reason);
            }
            EventBody::Schedule(s) => {
                trailers.push(("Scheduled-For", s.at.to_string()));
                push_emergency(&mut trailers, s.emergency, &s.reason);
            }
            EventBody::Promote(p) => {
                push_artifacts(&mut trailers, &p.artifacts);
                push_emergency(&mut trailers, p.emergency, &p.reason);
            }
            EventBody::Rollback(r) => {
                push_opt(&mut trailers, "From-Version", &r.from_version);
                push_artifacts(&mut trailers, &r.artifacts);
                push_emergency(&mut trailers, r.emergency, &Some(r.reason.clone()));
            }
            EventBody::Void(v) => trailers.push(("Reason", v.reason.clone())),
        }
        trailers.push(("Actor", self.actor.clone()));
        trailers.push(("Time", self.time.to_string()));
        trailers.push(("Event-Id", self.id.to_string()));
        trailers.push(("Ledger-Format", self.kind().format().to_string()));

        let mut message = self.summary();
        message.push_str("\n\n");
        for (key, value) in trailers {
            message.push_str(key);
            message.push_str(": ");
            // Multi-line values (comments, reasons) fold like git trailers: continuation
            // lines start with one space; an empty line becomes a lone space so the
            // trailer block stays one paragraph.
            let mut lines = value.split('\n');
            message.push_str(lines.next().unwrap_or_default());
            for line in lines {
                message.push_str("\n ");
                message.push_str(line);
            }
            message.push('\n');
        }
        message
    }

    /// Parse a ledger commit message. `sha` names the commit in errors.
    pub fn from_message(sha: ObjectId, message: &[u8]) -> Result<Event> {
        let corrupt = |problem: String| Error::CorruptEvent { sha, problem };
        let text = std::str::from_utf8(message)
            .map_err(|_| corrupt("the message is not valid UTF-8".into()))?;
        let mut trailers = Trailers::parse(text).map_err(corrupt)?;

        // The format gate comes first: a newer format must say "upgrade", not "corrupt".
        let format = trailers
            .take_one("Ledger-Format")
            .map_err(corrupt)?
            .ok_or_else(|| corrupt("missing Ledger-Format trailer".into()))?;
        let format_number = match format.as_str() {
            "1" => 1,
            "2" => 2,
            _ => {
                return Err(Error::UnsupportedFormat {
                    sha,
                    found: format,
                    supported: FORMAT_VERSION,
                });
            }
        };

        let kind_text = trailers.required("Event").map_err(corrupt)?;
        let kind = EventKind::parse(&kind_text)
            .filter(|kind| kind.format() <= format_number)
            .ok_or_else(|| corrupt(format!("unknown event kind {kind_text:?}")))?;
        let id_text = trailers.required("Event-Id").map_err(corrupt)?;
        let id = EventId::parse(&id_text).ok_or_else(|| {
            corrupt(format!(
                "Event-Id {id_text:?} is not 8-64 lowercase hex digits"
            ))
        })?;
        let time_text = trailers.required("Time").map_err(corrupt)?;
        let time: Timestamp = time_text.parse().map_err(|e| {
            corrupt(format!(
                "Time {time_text:?} is not an RFC 3339 timestamp: {e}"
            ))
        })?;
        let actor = trailers.required("Actor").map_err(corrupt)?;
        let commit_text = trailers.required("Commit").map_err(corrupt)?;
        let commit = parse_object_id(&commit_text)
            .ok_or_else(|| corrupt(format!("Commit {commit_text:?} is not a full object id")))?;

        let version = trailers.take_one("Version").map_err(corrupt)?;
        let env = trailers.take_one("Env").map_err(corrupt)?;
        let need = |value: Option<String>, key: &str| {
            value.ok_or_else(|| corrupt(format!("a {kind} event needs a {key} trailer")))
        };
        let body = match kind {
            EventKind::Approve => EventBody::Approve(Approve {
                version: need(version, "Version")?,
                role: trailers.required("Role").map_err(corrupt)?,
                env,
                comment: trailers.take_one("Comment").map_err(corrupt)?,
            }),
            EventKind::Evidence => {
                let result_text = trailers.required("Result").map_err(corrupt)?;
                let result = match result_text.as_str() {
                    "pass" => EvidenceResult::Pass,
                    "fail" => EvidenceResult::Fail,
                    other => return Err(corrupt(format!("Result {other:?} is not pass or fail"))),
                };
                let report_sha256 = match trailers.take_one("Report").map_err(corrupt)? {
                    None => None,
                    Some(report) => Some(
                        report
                            .strip_prefix("sha256:")
                            .filter(|hex| is_sha256_hex(hex))
                            .ok_or_else(|| {
                                corrupt(format!("Report {report:?} is not sha256:<hex>"))
                            })?
                            .to_owned(),
                    ),
                };
                refuse_env(env, kind).map_err(corrupt)?;
                EventBody::Evidence(Evidence {
                    version,
                    criterion: trailers.required("Criterion").map_err(corrupt)?,
                    result,
                    measured: trailers.take_one("Measured").map_err(corrupt)?,
                    threshold: trailers.take_one("Threshold").map_err(corrupt)?,
                    report_sha256,
                    comment: trailers.take_one("Comment").map_err(corrupt)?,
                })
            }
            EventKind::Cut => {
                refuse_env(env, kind).map_err(corrupt)?;
                let tag_object = match trailers.take_one("Tag-Object").map_err(corrupt)? {
                    None => None,
                    Some(text) => Some(parse_object_id(&text).ok_or_else(|| {
                        corrupt(format!("Tag-Object {text:?} is not a full object id"))
                    })?),
                };
                EventBody::Cut(Cut {
                    version: need(version, "Version")?,
                    tag_object,
                    artifacts: trailers.artifacts().map_err(corrupt)?,
                    emergency: trailers.emergency().map_err(corrupt)?,
                    reason: trailers.take_one("Reason").map_err(corrupt)?,
                })
            }
            EventKind::Schedule => {
                let at_text = trailers.required("Scheduled-For").map_err(corrupt)?;
                let at = at_text.parse().map_err(|e| {
                    corrupt(format!(
                        "Scheduled-For {at_text:?} is not an RFC 3339 timestamp: {e}"
                    ))
                })?;
                EventBody::Schedule(Schedule {
                    version: need(version, "Version")?,
                    env: need(env, "Env")?,
                    at,
                    emergency: trailers.emergency().map_err(corrupt)?,
                    reason: trailers.take_one("Reason").map_err(corrupt)?,
                })
            }
            EventKind::Promote => EventBody::Promote(Promote {
                version: need(version, "Version")?,
                env: need(env, "Env")?,
                artifacts: trailers.artifacts().map_err(corrupt)?,
                emergency: trailers.emergency().map_err(corrupt)?,
                reason: trailers.take_one("Reason").map_err(corrupt)?,
            }),
            EventKind::Rollback => EventBody::Rollback(Rollback {
                version: need(version, "Version")?,
                env: need(env, "Env")?,
                from_version: trailers.take_one("From-Version").map_err(corrupt)?,
                artifacts: trailers.artifacts().map_err(corrupt)?,
                emergency: trailers.emergency().map_err(corrupt)?,
                reason: trailers.required("Reason").map_err(corrupt)?,
            }),
            EventKind::Void => {
                refuse_env(env, kind).map_err(corrupt)?;
                if version.is_some() {
                    return Err(corrupt("a void event has no version".into()));
                }
                EventBody::Void(Void {
                    reason: trailers.required("Reason").map_err(corrupt)?,
                })
            }
        };
        if let Some((key, _)) = trailers.remaining().next() {
            return Err(corrupt(format!(
                "unexpected trailer {key:?} for a {kind} event"
            )));
        }
        let event = Event {
            id,
            time,
            actor,
            commit,
            body,
        };
        // A hand-edited value (a version with a space, a bad digest) is corruption here.
        event.validate().map_err(|e| corrupt(e.to_string()))?;
        Ok(event)
    }
}

fn push_opt<'k>(trailers: &mut Vec<(&'k str, String)>, key: &'k str, value: &Option<String>) {
    if let Some(value) = value {
        trailers.push((key, value.clone()));
    }
}

fn push_artifacts(trailers: &mut Vec<(&str, String)>, artifacts: &[Artifact]) {
    for artifact in artifacts {
        trailers.push(("Artifact", artifact.to_trailer()));
    }
}

fn push_emergency(trailers: &mut Vec<(&str, String)>, emergency: bool, reason: &Option<String>) {
    if emergency {
        trailers.push(("Emergency", "true".into()));
    }
    if let Some(reason) = reason {
        trailers.push(("Reason", reason.clone()));
    }
}

fn refuse_env(env: Option<String>, kind: EventKind) -> std::result::Result<(), String> {
    match env {
        Some(env) => Err(format!(
            "a {kind} event has no environment, found Env {env:?}"
        )),
        None => Ok(()),
    }
}

fn check_actor(actor: &str) -> std::result::Result<(), String> {
    if actor.trim().is_empty() || actor.chars().any(char::is_control) || actor.trim() != actor {
        return Err(format!(
            "actor {actor:?} is empty, padded or has control characters"
        ));
    }
    Ok(())
}

/// Parse a full hex object id (SHA-1 or SHA-256); abbreviations are refused because an
/// event must name exactly one commit.
pub(crate) fn parse_object_id(text: &str) -> Option<ObjectId> {
    if text.len() != 40 && text.len() != 64 {
        return None;
    }
    ObjectId::from_hex(text.as_bytes()).ok()
}

/// Versions, environments, roles and criteria become trailer values and file names in the
/// ledger's tree, so they are restricted to a safe, printable subset.
pub fn validate_name(what: &'static str, value: &str) -> Result<()> {
    let reason = if value.is_empty() {
        Some("it is empty")
    } else if value.len() > 200 {
        Some("it is longer than 200 bytes")
    } else if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._+-/@".contains(&b))
    {
        Some("only ASCII letters, digits and . _ + - / @ are allowed")
    } else if value
        .split('/')
        .any(|part| part.is_empty() || part.starts_with('.'))
    {
        Some("path components must be non-empty and must not start with '.'")
    } else if value.ends_with(".lock") || value.ends_with(".json") {
        Some("it must not end in .lock or .json")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidName {
            what,
            value: value.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// The trailer block of a message, consumed key by key so leftovers can be refused.
struct Trailers {
    entries: Vec<(String, Option<String>)>,
}

impl Trailers {
    fn parse(text: &str) -> std::result::Result<Trailers, String> {
        let mut lines = text.lines();
        match lines.next() {
            Some(summary) if !summary.trim().is_empty() => {}
            _ => return Err("the summary line is empty".into()),
        }
        if lines.next() != Some("") {
            return Err("the summary is not followed by a blank line".into());
        }
        let mut entries: Vec<(String, Option<String>)> = Vec::new();
        for line in lines {
            if let Some(continuation) = line.strip_prefix(' ') {
                let Some((_, Some(value))) = entries.last_mut() else {
                    return Err(format!("continuation line {line:?} follows no trailer"));
                };
                value.push('\n');
                value.push_str(continuation);
            } else if line.is_empty() {
                // Trailing blank lines are harmless; a blank line between trailers is
                // checked implicitly: the next line must still be a trailer.
                continue;
            } else {
                let (key, value) = line
                    .split_once(": ")
                    .ok_or_else(|| format!("line {line:?} is not a `Key: value` trailer"))?;
                if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    return Err(format!("line {line:?} is not a `Key: value` trailer"));
                }
                entries.push((key.to_owned(), Some(value.to_owned())));
            }
        }
        if entries.is_empty() {
            return Err("the message has no trailers".into());
        }
        Ok(Trailers { entries })
    }

    fn take_all(&mut self, key: &str) -> Vec<String> {
        self.entries
            .iter_mut()
            .filter(|(k, v)| k == key && v.is_some())
            .filter_map(|(_, v)| v.take())
            .collect()
    }

    fn take_one(&mut self, key: &str) -> std::result::Result<Option<String>, String> {
        let mut values = self.take_all(key);
        match values.len() {
            0 => Ok(None),
            1 => Ok(values.pop()),
            n => Err(format!("trailer {key} appears {n} times")),
        }
    }

    fn required(&mut self, key: &str) -> std::result::Result<String, String> {
        self.take_one(key)?
            .ok_or_else(|| format!("missing {key} trailer"))
    }

    fn artifacts(&mut self) -> std::result::Result<Vec<Artifact>, String> {
        self.take_all("Artifact")
            .iter()
            .map(|value| Artifact::from_trailer(value))
            .collect()
    }

    fn emergency(&mut self) -> std::result::Result<bool, String> {
        match self.take_one("Emergency")?.as_deref() {
            None => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(format!("Emergency {other:?} is not `true`")),
        }
    }

    fn remaining(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| (k.as_str(), v)))
    }
}
