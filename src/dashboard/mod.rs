//! The release page: a static site (HTML, one stylesheet, inline SVG, a JSON copy of the
//! data) that answers "what runs where, what is next, when, who signed off" from the
//! ledger and the policy alone. No server, no script, no request to anywhere: it opens
//! from `file://` and from GitHub Pages alike.
//!
//! [`gather`] is the one way to the page's data ([`Site`]): the derived ledger
//! [`State`], the policy, and what the command hands it (the lanes, the environments'
//! calendars, the release tags). It decides nothing: what a waiting version still needs
//! comes in with the lanes, as the command computed it. [`render`] turns a `Site` into
//! files; every piece of user or service text goes through [`crate::text::escape_html`].

mod html;
mod svg;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

pub use html::{lanes_document, page_name};

use crate::calendar::{self, EnvCalendar};
use crate::ledger::{self, EventKind, EvidenceRecord, State};
use crate::policy::Policy;
use crate::report::StatusData;

/// How many days the page's calendar shows.
pub const CALENDAR_DAYS: i64 = 14;

/// What the command gathered for the page besides the ledger's state.
pub struct Inputs<'a> {
    pub now: Timestamp,
    /// Every environment in the policy's order: what runs there and what each waiting
    /// version still needs, as the command computed it.
    pub status: StatusData,
    /// The environments' calendars, in the same order.
    pub calendars: Vec<EnvCalendar<'a>>,
    /// Release tags in the repository.
    pub tags: Vec<Tag>,
    /// The calendar feed's file name, when one is written beside the page.
    pub calendar_file: Option<String>,
    /// What makes the calendar's UIDs this repository's (`calendar::uid_scope`).
    pub calendar_scope: String,
}

/// A release tag as git has it.
pub struct Tag {
    pub name: String,
    /// The commit it names.
    pub commit: String,
    /// The annotated tag's message: the release notes `cut` wrote.
    pub notes: Option<String>,
}

/// Everything the page shows; `data.json` is this, serialised.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    /// The format of `data.json`.
    pub schema: u32,
    pub generated: Timestamp,
    pub jira_url: Option<String>,
    pub calendar_file: Option<String>,
    /// The lanes, in the policy's order.
    pub status: StatusData,
    /// What the policy asks of each environment, in the same order.
    pub environments: Vec<EnvPolicy>,
    /// The next [`CALENDAR_DAYS`] days: windows, freezes, scheduled promotions.
    pub calendar: Vec<calendar::Entry>,
    /// Newest version first.
    pub versions: Vec<VersionPage>,
    pub history: History,
}

/// An environment's rules as the policy writes them.
#[derive(Debug, Clone, Serialize)]
pub struct EnvPolicy {
    pub env: String,
    pub timezone: String,
    pub from: Option<String>,
    pub windows: Vec<String>,
    pub notice: Option<String>,
    pub soak: Option<String>,
    pub approvals: Vec<String>,
    pub deployers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionPage {
    pub version: String,
    /// The page's file name under `versions/`.
    pub page: String,
    /// The commit the tag names (the ledger's cut when there is no tag here).
    pub commit: Option<String>,
    pub cut: Option<CutView>,
    pub tickets: Vec<Ticket>,
    pub evidence: Vec<EvidenceRecord>,
    pub approvals: Vec<ApprovalView>,
    /// Promotions and rollbacks, oldest first.
    pub deployments: Vec<DeploymentView>,
    pub notes: Option<String>,
    /// Environments it runs in now.
    pub running_in: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CutView {
    pub time: Timestamp,
    pub actor: String,
    pub emergency: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ticket {
    pub key: String,
    /// `<[jira] url>/browse/KEY` when the policy names the Jira site.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalView {
    pub role: String,
    pub env: Option<String>,
    pub actor: String,
    pub time: Timestamp,
    pub commit: String,
    /// Whether it is bound to the commit the tag names (else it does not count).
    pub for_tagged_commit: bool,
    pub comment: Option<String>,
    /// The signature's standing, once events are signed; `None` today.
    pub signature: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentView {
    pub kind: EventKind,
    pub env: String,
    pub timezone: String,
    pub time: Timestamp,
    pub actor: String,
    pub emergency: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct History {
    /// From cut to the first promotion into each environment, newest version first.
    pub lead_times: Vec<LeadTime>,
    /// Every rollback the environments' records keep, newest first.
    pub rollbacks: Vec<RollbackView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeadTime {
    pub version: String,
    pub env: String,
    pub hours: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RollbackView {
    pub env: String,
    pub timezone: String,
    pub time: Timestamp,
    pub to: String,
    pub from: Option<String>,
    pub actor: String,
    pub reason: Option<String>,
}

/// The page's data from the ledger's state, the policy and the command's inputs.
pub fn gather(state: &State, policy: &Policy, inputs: Inputs<'_>) -> ledger::Result<Site> {
    let jira_url = policy
        .file
        .jira
        .url
        .as_ref()
        .map(|u| u.trim_end_matches('/').to_string());
    let mut env_states = Vec::new();
    for lane in &inputs.status.environments {
        env_states.push((lane.timezone.clone(), state.env(&lane.env)?));
    }
    let environments = inputs
        .status
        .environments
        .iter()
        .filter_map(|lane| {
            let e = policy.file.environments.get(&lane.env)?;
            let texts = |v: &[toml::Spanned<String>]| -> Vec<String> {
                v.iter().map(|s| s.get_ref().clone()).collect()
            };
            Some(EnvPolicy {
                env: lane.env.clone(),
                timezone: lane.timezone.clone(),
                from: e.from.as_ref().map(|f| f.get_ref().clone()),
                windows: texts(&e.windows),
                notice: e.notice.as_ref().map(|n| n.get_ref().clone()),
                soak: e.soak.as_ref().map(|n| n.get_ref().clone()),
                approvals: texts(&e.approvals),
                deployers: texts(&e.deployers),
            })
        })
        .collect();

    // The promotions and rollbacks the environments' records keep, by event, for their
    // reasons and emergency flags (a version's own record has neither).
    let mut deployments_by_event = BTreeMap::new();
    let mut rollbacks = Vec::new();
    let mut schedules = Vec::new();
    let mut names: Vec<String> = inputs.tags.iter().map(|t| t.name.clone()).collect();
    for (timezone, env) in &env_states {
        let Some(env) = env else { continue };
        let all: Vec<&ledger::Deployment> = env.current.iter().chain(&env.history).collect();
        for (i, d) in all.iter().enumerate() {
            deployments_by_event.insert(d.event_id.as_str().to_string(), (*d).clone());
            names.push(d.version.clone());
            if d.kind == EventKind::Rollback {
                rollbacks.push(RollbackView {
                    env: env.env.clone(),
                    timezone: timezone.clone(),
                    time: d.since,
                    to: d.version.clone(),
                    from: all.get(i + 1).map(|p| p.version.clone()),
                    actor: d.actor.clone(),
                    reason: d.reason.clone(),
                });
            }
        }
        schedules.extend(env.schedules.iter().cloned());
    }
    rollbacks.sort_by_key(|r| std::cmp::Reverse(r.time));
    names.sort();
    names.dedup();

    let zone_of = |env: &str| -> String {
        inputs
            .status
            .environments
            .iter()
            .find(|l| l.env == env)
            .map_or_else(|| "UTC".to_string(), |l| l.timezone.clone())
    };
    let mut versions = Vec::new();
    let mut lead_times = Vec::new();
    for name in names {
        let Some(record) = state.version(&name)? else {
            continue;
        };
        let tag = inputs.tags.iter().find(|t| t.name == name);
        let commit = tag
            .map(|t| t.commit.clone())
            .or_else(|| record.cut.as_ref().map(|c| c.commit.clone()));
        let notes = tag.and_then(|t| t.notes.clone());
        let tickets = tickets(notes.as_deref(), policy, jira_url.as_deref());
        let deployments: Vec<DeploymentView> = record
            .deployments
            .iter()
            .map(|d| {
                let full = deployments_by_event.get(d.event_id.as_str());
                DeploymentView {
                    kind: d.kind,
                    env: d.env.clone(),
                    timezone: zone_of(&d.env),
                    time: d.time,
                    actor: d.actor.clone(),
                    emergency: full.is_some_and(|f| f.emergency),
                    reason: full.and_then(|f| f.reason.clone()),
                }
            })
            .collect();
        if let Some(cut) = &record.cut {
            for lane in &inputs.status.environments {
                let arrived = record
                    .deployments
                    .iter()
                    .find(|d| d.env == lane.env && d.kind == EventKind::Promote);
                if let Some(arrived) = arrived {
                    let seconds = arrived.time.duration_since(cut.time).as_secs_f64();
                    lead_times.push(LeadTime {
                        version: name.clone(),
                        env: lane.env.clone(),
                        hours: (seconds / 3600.0).max(0.0),
                    });
                }
            }
        }
        let running_in = inputs
            .status
            .environments
            .iter()
            .filter(|l| l.current.as_ref().is_some_and(|c| c.version == name))
            .map(|l| l.env.clone())
            .collect();
        versions.push(VersionPage {
            page: page_name(&name),
            commit: commit.clone(),
            cut: record.cut.as_ref().map(|c| CutView {
                time: c.time,
                actor: c.actor.clone(),
                emergency: c.emergency,
                reason: c.reason.clone(),
            }),
            tickets,
            evidence: record.evidence.clone(),
            approvals: record
                .approvals
                .iter()
                .map(|a| ApprovalView {
                    role: a.role.clone(),
                    env: a.env.clone(),
                    actor: a.actor.clone(),
                    time: a.time,
                    commit: a.commit.clone(),
                    for_tagged_commit: commit.as_deref() == Some(a.commit.as_str()),
                    comment: a.comment.clone(),
                    signature: None,
                })
                .collect(),
            deployments,
            notes,
            running_in,
            version: name,
        });
    }
    let order = |name: &str| {
        policy
            .tag_format
            .version_text(name)
            .and_then(|t| semver::Version::parse(&t).ok())
    };
    versions.sort_by(|a, b| {
        order(&b.version)
            .cmp(&order(&a.version))
            .then_with(|| b.version.cmp(&a.version))
    });
    let rank: BTreeMap<&str, usize> = versions
        .iter()
        .enumerate()
        .map(|(i, v)| (v.version.as_str(), i))
        .collect();
    lead_times.sort_by_key(|l| rank.get(l.version.as_str()).copied().unwrap_or(usize::MAX));

    let calendar = calendar::entries(
        &inputs.calendars,
        &schedules,
        inputs.now,
        CALENDAR_DAYS,
        &inputs.calendar_scope,
    );
    Ok(Site {
        schema: 1,
        generated: inputs.now,
        jira_url,
        calendar_file: inputs.calendar_file,
        status: inputs.status,
        environments,
        calendar,
        versions,
        history: History {
            lead_times,
            rollbacks,
        },
    })
}

/// The Jira keys release notes name, in order, once each (notifications carry them too).
pub fn ticket_keys(notes: &str, policy: &Policy) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for key in crate::rules::jira::find_keys(notes.as_bytes(), &policy.jira_projects) {
        let key = key.key.to_string();
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// The Jira keys the release notes name, in order, each linked when the site is known.
fn tickets(notes: Option<&str>, policy: &Policy, jira_url: Option<&str>) -> Vec<Ticket> {
    let Some(notes) = notes else {
        return Vec::new();
    };
    ticket_keys(notes, policy)
        .into_iter()
        .map(|key| Ticket {
            url: jira_url.map(|u| format!("{u}/browse/{key}")),
            key,
        })
        .collect()
}

/// One file of the site: its path under the output directory, and its bytes.
pub struct File {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// The site's files: `index.html`, `style.css`, `data.json`, `versions/*.html`.
pub fn render(site: &Site) -> Vec<File> {
    let mut files = vec![
        File {
            path: "index.html".into(),
            bytes: html::index(site).into_bytes(),
        },
        File {
            path: "style.css".into(),
            bytes: html::STYLE.as_bytes().to_vec(),
        },
        File {
            path: "data.json".into(),
            bytes: serde_json::to_vec_pretty(site).unwrap_or_default(),
        },
    ];
    for version in &site.versions {
        files.push(File {
            path: format!("versions/{}", version.page),
            bytes: html::version(site, version).into_bytes(),
        });
    }
    files
}
