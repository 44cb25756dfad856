//! Notifications: after an event is recorded, tell the targets of `[notify]` (a Slack or
//! Microsoft Teams incoming webhook, a generic JSON webhook, email over SMTP). A
//! notification is sent after the record and never changes it: a failed send is a
//! warning naming the target, and `reltag notify EVENT` sends it again. A promotion is
//! also announced as it starts ([`Stage::Started`]): once the gate allows it, before its
//! record is written.
//!
//! [`Notice::new`] turns a ledger event into what a message says (version, environment,
//! the time in the environment's zone, who, why, the tickets, a link to the release
//! page); [`payload`] writes it for a target; [`announce`] sends it to every target that
//! wants it — web targets through [`crate::http`], the one network layer, email through
//! [`email`]. Secrets (a webhook's URL, a bearer token, an SMTP password) are read from
//! the environment variables the policy names and never printed.

pub mod email;

use serde::Serialize;

use crate::ledger::{Event, EventBody, EventKind};
use crate::policy::Policy;
use crate::policy::schema::{NotifyEvent, NotifyKind, NotifyTarget};
use crate::text::{escape_html, escape_markdown};

/// Which moment of an event a notice tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// A promotion the gate allowed, before its record is written (`promote-started`).
    Started,
    /// The event is recorded.
    Done,
    /// A started promotion that was not recorded after all: told to the targets that
    /// heard it start.
    Stopped,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Started => "started",
            Stage::Done => "done",
            Stage::Stopped => "stopped",
        }
    }
}

/// Whether people are told about events of `kind` (cut, schedule, promote, rollback);
/// approvals, evidence and voids are nobody's news.
pub fn is_announced(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::Cut | EventKind::Schedule | EventKind::Promote | EventKind::Rollback
    )
}

/// What a notification says about one event.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub event: EventKind,
    /// `started` for a promotion announced before its record is written, else `done`.
    pub stage: Stage,
    /// The event's id, as `reltag notify` takes it.
    pub event_id: String,
    pub version: String,
    pub env: Option<String>,
    /// The event's time, UTC.
    pub time: jiff::Timestamp,
    /// The event's time in the environment's zone (UTC without one):
    /// `Tue 2026-11-24 18:30 America/New_York`.
    pub local_time: String,
    /// For a schedule: the announced promotion's time in the environment's zone.
    pub at: Option<String>,
    pub actor: String,
    pub emergency: bool,
    pub reason: Option<String>,
    pub tickets: Vec<String>,
    /// The version's page on the published release page, when `[notify] page` is set.
    pub link: Option<String>,
}

impl Notice {
    /// The notice for `event`; `tickets` are the keys its release notes name. `None` for
    /// events nobody is told about (approvals, evidence, voids).
    pub fn new(event: &Event, policy: &Policy, tickets: Vec<String>) -> Option<Notice> {
        let (version, env, at, emergency, reason) = match &event.body {
            EventBody::Cut(c) => (&c.version, None, None, c.emergency, c.reason.clone()),
            EventBody::Schedule(s) => (
                &s.version,
                Some(&s.env),
                Some(s.at),
                s.emergency,
                s.reason.clone(),
            ),
            EventBody::Promote(p) => (
                &p.version,
                Some(&p.env),
                None,
                p.emergency,
                p.reason.clone(),
            ),
            EventBody::Rollback(r) => (
                &r.version,
                Some(&r.env),
                None,
                r.emergency,
                Some(r.reason.clone()),
            ),
            EventBody::Approve(_) | EventBody::Evidence(_) | EventBody::Void(_) => return None,
        };
        let zone = env
            .and_then(|e| policy.file.environments.get(e))
            .and_then(|e| crate::schedule::time_zone(e.timezone.get_ref()).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC);
        let local = |t: jiff::Timestamp| crate::rules::when(&t.to_zoned_datetime(zone.clone()));
        let link = policy.file.notify.page.as_ref().map(|page| {
            format!(
                "{}/versions/{}",
                page.trim_end_matches('/'),
                crate::dashboard::page_name(version)
            )
        });
        Some(Notice {
            event: event.kind(),
            stage: Stage::Done,
            event_id: event.id.as_str().to_string(),
            version: version.clone(),
            env: env.cloned(),
            time: event.time,
            local_time: local(event.time),
            at: at.map(local),
            actor: event.actor.clone(),
            emergency,
            reason,
            tickets,
            link,
        })
    }

    /// The notice as titled facts, in the order a card or an email lists them (raw text:
    /// each target escapes it its own way).
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        let mut facts = vec![
            ("Version", self.version.clone()),
            ("Event", self.event.as_str().to_string()),
        ];
        if let Some(env) = &self.env {
            facts.push(("Environment", env.clone()));
        }
        if let Some(at) = &self.at {
            facts.push(("Scheduled for", at.clone()));
        }
        match self.stage {
            Stage::Started | Stage::Stopped => facts.push(("Started", self.local_time.clone())),
            Stage::Done => facts.push(("Recorded", self.local_time.clone())),
        }
        facts.push(("By", self.actor.clone()));
        if let Some(reason) = &self.reason {
            facts.push(("Reason", reason.clone()));
        }
        if !self.tickets.is_empty() {
            facts.push(("Tickets", self.tickets.join(", ")));
        }
        facts
    }

    /// One line for people: `v1.2.0 promoted to prod at Wed … by ops@… (PAY-9)`.
    pub fn sentence(&self) -> String {
        let env = self.env.as_deref().unwrap_or("");
        let mut text = match self.event {
            EventKind::Cut => format!("{} was cut", self.version),
            EventKind::Schedule => format!(
                "{} is scheduled to {env} for {}",
                self.version,
                self.at.as_deref().unwrap_or("")
            ),
            EventKind::Promote if self.stage == Stage::Started => {
                format!("{} is being promoted to {env}", self.version)
            }
            EventKind::Promote if self.stage == Stage::Stopped => {
                format!("{} was NOT promoted to {env} after all", self.version)
            }
            EventKind::Promote => format!("{} was promoted to {env}", self.version),
            EventKind::Rollback => format!("{env} was rolled back to {}", self.version),
            _ => format!("{} {}", self.event.as_str(), self.version),
        };
        if self.emergency {
            text.push_str(" (EMERGENCY)");
        }
        text.push_str(&format!(" at {} by {}", self.local_time, self.actor));
        if let Some(reason) = &self.reason {
            text.push_str(&format!(": {reason}"));
        }
        if !self.tickets.is_empty() {
            text.push_str(&format!(" [{}]", self.tickets.join(", ")));
        }
        text
    }
}

/// The notice for `event`, its tickets read from the version's annotated tag (the keys
/// its release notes name). `None` for events nobody is told about.
pub fn notice_of(repo: &gix::Repository, policy: &Policy, event: &Event) -> Option<Notice> {
    let version = event.version()?;
    let tickets = crate::git::tag_message(repo, version)
        .map(|notes| crate::dashboard::ticket_keys(&notes, policy))
        .unwrap_or_default();
    Notice::new(event, policy, tickets)
}

/// What telling the targets about one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The event's id, for the `reltag notify` that sends it again.
    pub event_id: String,
    /// Which moment of the event was told.
    pub stage: Stage,
    /// Each target that wants the event, by name, with what happened to it.
    pub deliveries: Vec<(String, Delivery)>,
}

/// Tells the `[notify]` targets that want it about `event` at `stage` (`Done`: it is
/// recorded; `Started`: a promotion the gate allowed, not yet written): the notice, the
/// targets and the sending, decided here; the callers (`cut`, `schedule`, `promote`,
/// `rollback` and `reltag notify`) only render the result. Nothing to tell (an event
/// nobody hears of, no target wants it) is an empty announcement. `lookup` reads the
/// environment (the secrets).
pub fn announce(
    repo: &gix::Repository,
    policy: &Policy,
    event: &Event,
    stage: Stage,
    dry_run: bool,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Announcement {
    let deliveries = match notice_of(repo, policy, event) {
        Some(mut notice) => {
            notice.stage = stage;
            deliver(&targets_for(policy, &notice), &notice, dry_run, lookup)
        }
        None => Vec::new(),
    };
    Announcement {
        event_id: event.id.as_str().to_string(),
        stage,
        deliveries,
    }
}

/// The targets of `[notify]` that want `notice`: those that want its kind (a started
/// promotion: `promote-started`), and for a recorded emergency those that want
/// `emergency` too. Each target once: a target that wants both `promote` and
/// `emergency` gets one message, marked as an emergency.
pub fn targets_for<'p>(policy: &'p Policy, notice: &Notice) -> Vec<&'p NotifyTarget> {
    let wants = |event: NotifyEvent| match notice.stage {
        Stage::Started | Stage::Stopped => event == NotifyEvent::PromoteStarted,
        Stage::Done => {
            event.as_str() == notice.event.as_str()
                || (notice.emergency && event == NotifyEvent::Emergency)
        }
    };
    policy
        .file
        .notify
        .targets
        .iter()
        .filter(|t| t.events.iter().any(|e| wants(*e)))
        .collect()
}

/// The request body for `target`. Slack gets its `text` (with `& < >` escaped, so no text
/// can become a link or a mention such as `<!channel>`) and the link; Teams an Adaptive
/// Card (Markdown-escaped); a webhook gets the notice as JSON (`schema: 1`), exact text,
/// JSON-escaped; email the message's headers and plain-text body as sent (without the
/// Date and Message-ID the transport adds).
pub fn payload(target: &NotifyTarget, notice: &Notice) -> Vec<u8> {
    let value = match target.kind.get_ref() {
        NotifyKind::Email => return email::preview(target, notice).into_bytes(),
        NotifyKind::Slack => {
            let mut text = escape_html(&notice.sentence()).into_owned();
            if let Some(link) = &notice.link {
                text.push_str(&format!(" <{}|release page>", escape_html(link)));
            }
            serde_json::json!({ "text": text })
        }
        NotifyKind::Teams => teams_card(notice),
        NotifyKind::Webhook => {
            let mut value = serde_json::to_value(notice).unwrap_or_default();
            if let Some(object) = value.as_object_mut() {
                object.insert("schema".into(), 1.into());
                object.insert("text".into(), notice.sentence().into());
            }
            value
        }
    };
    serde_json::to_vec(&value).unwrap_or_default()
}

/// A Teams message holding one Adaptive Card: the sentence as its title, the facts, and
/// a button to the release page. Every text Teams renders as Markdown goes through
/// [`escape_markdown`], so no reason or ticket can become a link, an image or emphasis.
fn teams_card(notice: &Notice) -> serde_json::Value {
    let text = |s: &str| escape_markdown(s).into_owned();
    let facts: Vec<_> = notice
        .facts()
        .into_iter()
        .map(|(title, value)| serde_json::json!({ "title": title, "value": text(&value) }))
        .collect();
    let mut card = serde_json::json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": text(&notice.sentence()),
                "weight": "Bolder",
                "wrap": true,
                "color": if notice.emergency { "Attention" } else { "Default" },
            },
            { "type": "FactSet", "facts": facts },
        ],
    });
    if let Some(link) = &notice.link {
        card["actions"] = serde_json::json!([
            { "type": "Action.OpenUrl", "title": "Release page", "url": link }
        ]);
    }
    serde_json::json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": card,
        }],
    })
}

/// What happened to one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// `--dry-run`: what would be sent (no secret in it).
    WouldSend(String),
    Failed(String),
}

/// Sends `notice` to each target; `lookup` reads the environment (the secrets).
fn deliver(
    targets: &[&NotifyTarget],
    notice: &Notice,
    dry_run: bool,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Vec<(String, Delivery)> {
    targets
        .iter()
        .map(|target| {
            let body = payload(target, notice);
            let delivery = if dry_run {
                Delivery::WouldSend(String::from_utf8_lossy(&body).into_owned())
            } else {
                let sent = match target.kind.get_ref() {
                    NotifyKind::Email => email::send(target, notice, lookup),
                    NotifyKind::Slack | NotifyKind::Teams | NotifyKind::Webhook => {
                        post(target, &body, lookup)
                    }
                };
                match sent {
                    Ok(()) => Delivery::Sent,
                    Err(why) => Delivery::Failed(why),
                }
            };
            (target.name.clone(), delivery)
        })
        .collect()
}

/// POSTs `body` to a web target.
fn post(
    target: &NotifyTarget,
    body: &[u8],
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    let url = match (&target.url, &target.url_env) {
        (_, Some(var)) => lookup(var)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("${var} is not set (it holds the webhook's URL)"))?,
        (Some(url), None) => url.clone(),
        (None, None) => return Err("neither url nor url_env is set".into()),
    };
    let mut headers = vec![("content-type", "application/json".to_string())];
    if let Some(var) = &target.token_env {
        let token = lookup(var)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("${var} is not set (it holds the bearer token)"))?;
        headers.push(("authorization", format!("Bearer {token}")));
    }
    // The URL is a secret (Slack's carries its key): messages name the target only.
    let client = crate::http::Client::with_env(
        &url,
        "a notification target",
        crate::http::Settings::from_lookup(lookup),
        lookup,
    )
    .map_err(|e| match e {
        crate::http::SetupError::Url { reason, .. } => format!("its URL is unusable: {reason}"),
        other => other.to_string(),
    })?;
    let response = client
        .send(&crate::http::Request {
            method: crate::http::Method::Post,
            url: &url,
            headers: &headers,
            body: Some(body),
        })
        .map_err(|e| e.to_string())?;
    if response.is_success() {
        Ok(())
    } else {
        Err(format!(
            "HTTP {}",
            crate::http::status_text(response.status)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Approve, Promote};
    use crate::policy::Source;

    const POLICY: &str = r#"
[notify]
[[notify.targets]]
name = "chat"
kind = "slack"
url = "http://127.0.0.1:9/hook"
events = ["promote"]

[[notify.targets]]
name = "audit"
kind = "webhook"
url = "http://127.0.0.1:9/audit"
events = ["cut", "rollback"]
"#;

    fn event(body: EventBody) -> Event {
        Event::new(
            body,
            gix::ObjectId::empty_tree(gix::hash::Kind::Sha1),
            "ops@example.com",
            jiff::Timestamp::UNIX_EPOCH,
        )
        .unwrap()
    }

    #[test]
    fn announce_goes_to_the_targets_that_want_the_event_and_says_what_happened_to_each() {
        let dir = tempfile::tempdir().unwrap();
        let repo = gix::init(dir.path()).unwrap();
        let policy = Policy::from_toml(POLICY, "policy.toml", Source::Default).unwrap();
        let promote = event(EventBody::Promote(Promote {
            version: "v1.2.0".into(),
            env: "prod".into(),
            artifacts: Vec::new(),
            emergency: false,
            reason: None,
        }));
        let announcement = announce(&repo, &policy, &promote, Stage::Done, true, &|_| None);
        assert_eq!(announcement.event_id, promote.id.as_str());
        let targets: Vec<_> = announcement
            .deliveries
            .iter()
            .map(|(t, _)| t.as_str())
            .collect();
        assert_eq!(targets, ["chat"]);
        let Delivery::WouldSend(body) = &announcement.deliveries[0].1 else {
            panic!("a dry run sends nothing: {announcement:?}");
        };
        assert!(body.contains("v1.2.0 was promoted to prod"), "{body}");
    }

    #[test]
    fn an_emergency_reaches_the_targets_that_want_emergencies_each_once() {
        let text = format!(
            "{POLICY}\n[[notify.targets]]\nname = \"on-call\"\nkind = \"webhook\"\n\
             url = \"http://127.0.0.1:9/oncall\"\nevents = [\"promote\", \"emergency\"]\n"
        );
        let dir = tempfile::tempdir().unwrap();
        let repo = gix::init(dir.path()).unwrap();
        let policy = Policy::from_toml(&text, "policy.toml", Source::Default).unwrap();
        let promote = |emergency| {
            event(EventBody::Promote(Promote {
                version: "v1.2.0".into(),
                env: "prod".into(),
                artifacts: Vec::new(),
                emergency,
                reason: emergency.then(|| "INC-7".to_string()),
            }))
        };
        let targets = |event: &Event| {
            let announcement = announce(&repo, &policy, event, Stage::Done, true, &|_| None);
            announcement
                .deliveries
                .into_iter()
                .map(|(target, _)| target)
                .collect::<Vec<_>>()
        };
        assert_eq!(targets(&promote(false)), ["chat", "on-call"]);
        assert_eq!(targets(&promote(true)), ["chat", "on-call"]);
        let cut = event(EventBody::Cut(crate::ledger::Cut {
            version: "v1.2.0".into(),
            tag_object: None,
            emergency: true,
            reason: Some("INC-7".into()),
            artifacts: Vec::new(),
        }));
        assert_eq!(targets(&cut), ["audit", "on-call"]);
    }

    #[test]
    fn announce_tells_nobody_about_an_approval() {
        let dir = tempfile::tempdir().unwrap();
        let repo = gix::init(dir.path()).unwrap();
        let policy = Policy::from_toml(POLICY, "policy.toml", Source::Default).unwrap();
        let approve = event(EventBody::Approve(Approve {
            version: "v1.2.0".into(),
            role: "qa".into(),
            env: None,
            comment: None,
        }));
        assert!(
            announce(&repo, &policy, &approve, Stage::Done, true, &|_| None)
                .deliveries
                .is_empty()
        );
    }
}
