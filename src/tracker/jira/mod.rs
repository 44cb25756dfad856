//! A Jira client for the two questions reltag asks: which issues match a JQL query (the
//! `bugs` release criterion), and do these keys exist (`commits.verify_jira`).
//!
//! Cloud searches with `POST /rest/api/3/search/jql`, paging with `nextPageToken` until
//! `isLast` (the old `/rest/api/3/search` answers 410 Gone). Data Center searches with
//! `POST /rest/api/2/search`, paging with `startAt`/`maxResults`. Credentials come from
//! the environment and are never printed: `Debug` redacts them and no error carries them.
//!
//! The network (and tokio) is only touched here, by `cut`, `check bugs` and the pull
//! request gate; never by a hook.

mod http;
pub mod jql;
mod keys;

use std::fmt;

use ::http::{HeaderValue, StatusCode};
use base64::Engine;
use serde::Deserialize;

use crate::policy::Policy;
use crate::policy::schema::JiraFlavor;

pub use http::HttpSettings;
pub use jql::JqlValues;
pub use keys::{MissingKey, verify_keys};

/// Issues fetched at most for one query; the bugs criterion says so when there were more.
pub const MAX_ISSUES: usize = 1000;
/// Issues asked for per page.
const PAGE_SIZE: usize = 100;
/// The fields reltag shows.
const FIELDS: [&str; 3] = ["summary", "priority", "status"];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no Jira URL: [jira] url is not set in the policy")]
    NotConfigured,
    #[error("invalid Jira URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("no Jira credentials: {} not set", .missing.join(" and "))]
    MissingCredentials {
        flavor: JiraFlavor,
        missing: Vec<&'static str>,
    },
    #[error("Jira rejected the credentials (401 Unauthorized) at {url}")]
    Unauthorized { url: String, flavor: JiraFlavor },
    #[error("Jira refused the request (403 Forbidden) at {url}{}", detail(.messages))]
    Forbidden {
        url: String,
        flavor: JiraFlavor,
        messages: Vec<String>,
    },
    #[error(
        "Jira answered 410 Gone at {url}: this search endpoint was removed (Atlassian replaced /rest/api/3/search and /rest/api/2/search on Cloud with /rest/api/3/search/jql)"
    )]
    Gone { url: String },
    #[error("Jira rejected the query (HTTP {status}){}\n  query: {jql}", detail(.messages))]
    Query {
        status: u16,
        jql: String,
        messages: Vec<String>,
    },
    #[error("Jira answered HTTP {status} at {url}{}", detail(.messages))]
    Status {
        status: u16,
        url: String,
        messages: Vec<String>,
    },
    #[error("Jira did not answer successfully at {url} after {attempts} attempts (last: {last})")]
    GaveUp {
        url: String,
        attempts: u32,
        last: String,
    },
    #[error(
        "Jira asks to wait {} s before the next request (429 Retry-After) at {url}",
        .retry_after.as_secs()
    )]
    RateLimited {
        url: String,
        retry_after: std::time::Duration,
    },
    #[error("unexpected answer from Jira at {url}")]
    Decode {
        url: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "the query matches more than {limit} issues, and the policy allows {max}: cannot count them all"
    )]
    TooMany { limit: usize, max: u32 },
    #[error("no JQL for the bugs criterion: [release.bugs] jql is not set")]
    NoQuery,
    #[error("cannot start the HTTP runtime")]
    Runtime(#[source] std::io::Error),
    #[error("cannot set up TLS: {0}")]
    Tls(String),
}

fn detail(messages: &[String]) -> String {
    if messages.is_empty() {
        String::new()
    } else {
        format!(": {}", messages.join("; "))
    }
}

fn credential_variables(flavor: JiraFlavor) -> &'static str {
    match flavor {
        JiraFlavor::Cloud => "JIRA_EMAIL and JIRA_API_TOKEN",
        JiraFlavor::Datacenter => "JIRA_TOKEN",
    }
}

impl Error {
    /// How to fix it, for the CLI's `hint:` line.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::NotConfigured => {
                "set url under [jira] in policy.toml, e.g. url = \"https://example.atlassian.net\", and flavor = \"cloud\" or \"datacenter\"".to_string()
            }
            Error::InvalidUrl { .. } => {
                "set [jira] url to the base URL of the site, e.g. https://example.atlassian.net or https://jira.example.com/jira (credentials go in the environment, never in the URL)".to_string()
            }
            Error::MissingCredentials { flavor, .. } => match flavor {
                JiraFlavor::Cloud => "set JIRA_EMAIL to the Atlassian account's email and JIRA_API_TOKEN to an API token (https://id.atlassian.com/manage-profile/security/api-tokens)".to_string(),
                JiraFlavor::Datacenter => "set JIRA_TOKEN to a personal access token (Jira profile → Personal Access Tokens)".to_string(),
            },
            Error::Unauthorized { flavor, .. } => format!(
                "check {}: the token may be wrong, expired or revoked{}",
                credential_variables(*flavor),
                match flavor {
                    JiraFlavor::Cloud => " (Cloud wants the account's email with an API token)",
                    JiraFlavor::Datacenter => " (Data Center wants a personal access token)",
                }
            ),
            Error::Forbidden { flavor, .. } => format!(
                "the account behind {} needs the Browse Projects permission on the projects the query names",
                credential_variables(*flavor)
            ),
            Error::Gone { .. } => {
                "this is a Jira Cloud site: set flavor = \"cloud\" under [jira]".to_string()
            }
            Error::Query { .. } => {
                "correct the query in the policy ([release.bugs] jql) and try it in Jira's issue search".to_string()
            }
            Error::Status { .. } | Error::Decode { .. } => {
                "check [jira] url and flavor: they must name the Jira site itself".to_string()
            }
            Error::GaveUp { .. } | Error::RateLimited { .. } => {
                "Jira is unavailable or busy: try again later (a gate that cannot ask Jira stays closed)".to_string()
            }
            Error::TooMany { .. } => {
                "narrow the query, or fix the issues it finds".to_string()
            }
            Error::NoQuery => {
                "set jql under [release.bugs], e.g. jql = \"fixVersion = {version} AND priority in (Critical, High) AND statusCategory != Done\"".to_string()
            }
            Error::Runtime(_) | Error::Tls(_) => return None,
        })
    }
}

/// Where Jira is, from `[jira]` in the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JiraConfig {
    /// The site's base URL, without a trailing slash.
    pub url: String,
    pub flavor: JiraFlavor,
}

impl JiraConfig {
    pub fn from_policy(policy: &Policy) -> Result<JiraConfig, Error> {
        let url = policy
            .file
            .jira
            .url
            .as_deref()
            .ok_or(Error::NotConfigured)?;
        JiraConfig::new(url, policy.file.jira.flavor)
    }

    /// Checks the URL: http(s), a host, no credentials, and plain http only to loopback
    /// (a token must not cross a network in clear text).
    pub fn new(url: &str, flavor: JiraFlavor) -> Result<JiraConfig, Error> {
        let invalid = |reason: &str| Error::InvalidUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = url.trim().trim_end_matches('/');
        let uri: ::http::Uri = trimmed
            .parse()
            .map_err(|e: ::http::uri::InvalidUri| invalid(&e.to_string()))?;
        let authority = uri.authority().ok_or_else(|| {
            invalid("expected an absolute URL such as https://example.atlassian.net")
        })?;
        if authority.as_str().contains('@') {
            return Err(invalid("the URL contains credentials"));
        }
        if uri.query().is_some() {
            return Err(invalid("the URL has a query string"));
        }
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") => {
                let host = authority.host();
                if !(host == "localhost" || host == "127.0.0.1" || host == "[::1]") {
                    return Err(invalid(
                        "plain http would send the token in clear text: use https",
                    ));
                }
            }
            _ => return Err(invalid("expected an https:// URL")),
        }
        Ok(JiraConfig {
            url: trimmed.to_string(),
            flavor,
        })
    }
}

/// A secret that never shows in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How reltag signs in to Jira.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Cloud: the account's email and an API token, as HTTP Basic.
    Basic { email: String, token: Secret },
    /// Data Center: a personal access token, as a Bearer token.
    Bearer { token: Secret },
}

impl Credentials {
    /// From the process environment: `JIRA_EMAIL` + `JIRA_API_TOKEN` for Cloud,
    /// `JIRA_TOKEN` for Data Center.
    pub fn from_env(flavor: JiraFlavor) -> Result<Credentials, Error> {
        Credentials::from_lookup(flavor, |name| std::env::var(name).ok())
    }

    pub fn from_lookup(
        flavor: JiraFlavor,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Credentials, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        match flavor {
            JiraFlavor::Cloud => {
                let email = get("JIRA_EMAIL");
                let token = get("JIRA_API_TOKEN");
                match (email, token) {
                    (Some(email), Some(token)) => Ok(Credentials::Basic {
                        email,
                        token: Secret(token),
                    }),
                    (email, token) => Err(Error::MissingCredentials {
                        flavor,
                        missing: [
                            email.is_none().then_some("JIRA_EMAIL"),
                            token.is_none().then_some("JIRA_API_TOKEN"),
                        ]
                        .into_iter()
                        .flatten()
                        .collect(),
                    }),
                }
            }
            JiraFlavor::Datacenter => match get("JIRA_TOKEN") {
                Some(token) => Ok(Credentials::Bearer {
                    token: Secret(token),
                }),
                None => Err(Error::MissingCredentials {
                    flavor,
                    missing: vec!["JIRA_TOKEN"],
                }),
            },
        }
    }

    fn header(&self) -> HeaderValue {
        let text = match self {
            Credentials::Basic { email, token } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{email}:{}", token.expose()))
            ),
            Credentials::Bearer { token } => format!("Bearer {}", token.expose()),
        };
        let mut value = HeaderValue::from_str(&text)
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid-characters"));
        value.set_sensitive(true);
        value
    }
}

/// One issue as reltag shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JiraIssue {
    pub key: String,
    pub summary: String,
    pub priority: Option<String>,
    pub status: Option<String>,
    /// `{url}/browse/{key}`.
    pub link: String,
}

/// The issues a query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResult {
    pub issues: Vec<JiraIssue>,
    /// More issues matched than were fetched (`limit` was reached).
    pub truncated: bool,
}

#[derive(Deserialize)]
struct RawIssue {
    key: String,
    #[serde(default)]
    fields: RawFields,
}

#[derive(Deserialize, Default)]
struct RawFields {
    summary: Option<String>,
    priority: Option<Named>,
    status: Option<Named>,
}

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CloudPage {
    #[serde(default)]
    issues: Vec<RawIssue>,
    next_page_token: Option<String>,
    is_last: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DataCenterPage {
    #[serde(default)]
    issues: Vec<RawIssue>,
    start_at: Option<u64>,
    total: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default)]
    error_messages: Vec<String>,
    #[serde(default)]
    errors: std::collections::BTreeMap<String, serde_json::Value>,
}

impl ErrorBody {
    /// Jira's own words: `errorMessages`, then `errors` as `field: message`.
    fn messages(body: &[u8]) -> Vec<String> {
        let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) else {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            return if text.is_empty() || text.starts_with('<') {
                Vec::new()
            } else {
                vec![text.chars().take(300).collect()]
            };
        };
        let mut out = parsed.error_messages;
        for (field, message) in parsed.errors {
            match message {
                serde_json::Value::String(m) => out.push(format!("{field}: {m}")),
                other => out.push(format!("{field}: {other}")),
            }
        }
        out
    }
}

/// A signed-in Jira client. Cheap to keep, one runtime per client.
#[derive(Debug)]
pub struct JiraClient {
    config: JiraConfig,
    credentials: Credentials,
    transport: http::Transport,
}

impl JiraClient {
    pub fn new(
        config: JiraConfig,
        credentials: Credentials,
        settings: HttpSettings,
    ) -> Result<JiraClient, Error> {
        Ok(JiraClient {
            transport: http::Transport::new(settings)?,
            config,
            credentials,
        })
    }

    /// The client `[jira]` in the policy and the environment describe (credentials,
    /// `RELTAG_HTTP_TIMEOUT_MS`, `RELTAG_HTTP_RETRY_BASE_MS`).
    pub fn from_policy(policy: &Policy) -> Result<JiraClient, Error> {
        let config = JiraConfig::from_policy(policy)?;
        let credentials = Credentials::from_env(config.flavor)?;
        JiraClient::new(config, credentials, HttpSettings::from_env())
    }

    pub fn config(&self) -> &JiraConfig {
        &self.config
    }

    /// The page people open for an issue.
    pub fn browse_url(&self, key: &str) -> String {
        format!("{}/browse/{key}", self.config.url)
    }

    fn search_url(&self) -> String {
        match self.config.flavor {
            JiraFlavor::Cloud => format!("{}/rest/api/3/search/jql", self.config.url),
            JiraFlavor::Datacenter => format!("{}/rest/api/2/search", self.config.url),
        }
    }

    /// Every issue `jql` matches, up to `limit`, following the flavor's paging.
    pub fn search(&self, jql: &str, limit: usize) -> Result<SearchResult, Error> {
        let url = self.search_url();
        let mut issues = Vec::new();
        let mut next_page_token: Option<String> = None;
        let mut start_at: u64 = 0;
        loop {
            let page_size = PAGE_SIZE.min(limit.saturating_sub(issues.len()).max(1));
            let mut body = serde_json::json!({
                "jql": jql,
                "maxResults": page_size,
                "fields": FIELDS,
            });
            match self.config.flavor {
                JiraFlavor::Cloud => {
                    if let Some(token) = &next_page_token {
                        body["nextPageToken"] = token.clone().into();
                    }
                }
                JiraFlavor::Datacenter => body["startAt"] = start_at.into(),
            }
            let response = self.post(&url, jql, &body)?;
            let decode = |source| Error::Decode {
                url: url.clone(),
                source,
            };
            let (page, more) = match self.config.flavor {
                JiraFlavor::Cloud => {
                    let page: CloudPage = serde_json::from_slice(&response).map_err(decode)?;
                    // isLast is documented; without it, the absence of a token says the same.
                    let last = page.is_last.unwrap_or(page.next_page_token.is_none())
                        || page.next_page_token.is_none();
                    next_page_token = page.next_page_token;
                    (page.issues, !last)
                }
                JiraFlavor::Datacenter => {
                    let page: DataCenterPage = serde_json::from_slice(&response).map_err(decode)?;
                    let got = page.issues.len() as u64;
                    start_at = page.start_at.unwrap_or(start_at) + got;
                    let more = got > 0 && page.total.is_some_and(|total| start_at < total);
                    (page.issues, more)
                }
            };
            for raw in page {
                if issues.len() == limit {
                    return Ok(SearchResult {
                        issues,
                        truncated: true,
                    });
                }
                issues.push(self.issue(raw));
            }
            if !more {
                return Ok(SearchResult {
                    issues,
                    truncated: false,
                });
            }
            if issues.len() >= limit {
                return Ok(SearchResult {
                    issues,
                    truncated: true,
                });
            }
        }
    }

    fn issue(&self, raw: RawIssue) -> JiraIssue {
        JiraIssue {
            link: self.browse_url(&raw.key),
            summary: raw.fields.summary.unwrap_or_default(),
            priority: raw.fields.priority.and_then(|p| p.name),
            status: raw.fields.status.and_then(|s| s.name),
            key: raw.key,
        }
    }

    /// One search request, its status mapped to the errors above.
    fn post(&self, url: &str, jql: &str, body: &serde_json::Value) -> Result<Vec<u8>, Error> {
        let response = self
            .transport
            .post_json(url, &self.credentials.header(), body)?;
        let flavor = self.config.flavor;
        let messages = || ErrorBody::messages(&response.body);
        match response.status {
            s if s.is_success() => Ok(response.body.to_vec()),
            StatusCode::UNAUTHORIZED => Err(Error::Unauthorized {
                url: url.to_string(),
                flavor,
            }),
            StatusCode::FORBIDDEN => Err(Error::Forbidden {
                url: url.to_string(),
                flavor,
                messages: messages(),
            }),
            StatusCode::GONE => Err(Error::Gone {
                url: url.to_string(),
            }),
            StatusCode::BAD_REQUEST => Err(Error::Query {
                status: 400,
                jql: jql.to_string(),
                messages: messages(),
            }),
            other => Err(Error::Status {
                status: other.as_u16(),
                url: url.to_string(),
                messages: messages(),
            }),
        }
    }
}

/// What the `bugs` criterion found for one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BugsOutcome {
    /// The tag the release gets (what findings are about).
    pub tag: String,
    /// The query as sent, placeholders filled in.
    pub jql: String,
    pub max: u32,
    /// Every issue the query matched.
    pub issues: Vec<JiraIssue>,
}

impl BugsOutcome {
    pub fn count(&self) -> usize {
        self.issues.len()
    }

    /// The criterion holds: no more issues than `max`.
    pub fn passed(&self) -> bool {
        self.count() <= self.max as usize
    }

    /// A line for a report's notes: "bugs: 0 issues match, max 0 (query: …)".
    pub fn note(&self) -> String {
        format!(
            "bugs: {} issue{} match{}, the policy allows {}: {} (query: {})",
            self.count(),
            if self.count() == 1 { "" } else { "s" },
            if self.count() == 1 { "es" } else { "" },
            self.max,
            if self.passed() { "ok" } else { "blocked" },
            self.jql
        )
    }
}

/// The `bugs` release criterion: runs `[release.bugs] jql` with the version's values
/// substituted (quoted) and compares the number of issues with `max`. The outcome holds
/// every matching issue; `rules::release_bugs::check` turns it into findings.
pub fn evaluate_bugs(
    policy: &Policy,
    version: &semver::Version,
    tag: &str,
    client: &JiraClient,
) -> Result<BugsOutcome, Error> {
    let bugs = &policy.file.release.bugs;
    let template = bugs.jql.as_ref().ok_or(Error::NoQuery)?;
    let jql = jql::render(template.get_ref(), &JqlValues::new(version, tag));
    let result = client.search(&jql, MAX_ISSUES)?;
    if result.truncated && bugs.max as usize >= result.issues.len() {
        return Err(Error::TooMany {
            limit: MAX_ISSUES,
            max: bugs.max,
        });
    }
    Ok(BugsOutcome {
        tag: tag.to_string(),
        jql,
        max: bugs.max,
        issues: result.issues,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_from_the_flavors_variables_and_never_print() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let cloud = Credentials::from_lookup(
            JiraFlavor::Cloud,
            env(&[("JIRA_EMAIL", "a@b.c"), ("JIRA_API_TOKEN", "s3cret")]),
        )
        .unwrap();
        assert!(!format!("{cloud:?}").contains("s3cret"));
        assert_eq!(
            cloud.header().to_str().unwrap(),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("a@b.c:s3cret")
            )
        );
        assert!(cloud.header().is_sensitive());

        let dc = Credentials::from_lookup(JiraFlavor::Datacenter, env(&[("JIRA_TOKEN", "pat")]))
            .unwrap();
        assert!(!format!("{dc:?}").contains("pat"));
        assert_eq!(dc.header().to_str().unwrap(), "Bearer pat");

        let err =
            Credentials::from_lookup(JiraFlavor::Cloud, env(&[("JIRA_TOKEN", "pat")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no Jira credentials: JIRA_EMAIL and JIRA_API_TOKEN not set"
        );
        let err = Credentials::from_lookup(
            JiraFlavor::Datacenter,
            env(&[("JIRA_EMAIL", "a@b.c"), ("JIRA_TOKEN", " ")]),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "no Jira credentials: JIRA_TOKEN not set");
        assert!(err.hint().unwrap().contains("JIRA_TOKEN"));
    }

    #[test]
    fn urls_are_checked() {
        let ok = |u: &str| JiraConfig::new(u, JiraFlavor::Cloud).map(|c| c.url);
        assert_eq!(
            ok("https://example.atlassian.net/").unwrap(),
            "https://example.atlassian.net"
        );
        assert_eq!(
            ok("https://jira.example.com/jira").unwrap(),
            "https://jira.example.com/jira"
        );
        assert_eq!(
            ok("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "http://jira.example.com",
            "https://user:pw@example.atlassian.net",
            "example.atlassian.net",
            "ftp://example.com",
            "https://example.atlassian.net/?x=1",
        ] {
            assert!(ok(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_bodies_are_shown_in_jiras_words() {
        let body = br#"{"errorMessages":["The value 'X' does not exist for the field 'fixVersion'."],"errors":{"jql":"bad"}}"#;
        assert_eq!(
            ErrorBody::messages(body),
            vec![
                "The value 'X' does not exist for the field 'fixVersion'.".to_string(),
                "jql: bad".to_string()
            ]
        );
        assert!(ErrorBody::messages(b"<html>oops</html>").is_empty());
    }
}
