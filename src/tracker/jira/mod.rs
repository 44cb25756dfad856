//! A Jira client for the two questions reltag asks: which issues match a JQL query (the
//! `bugs` release criterion), and do these keys exist (`commits.verify_jira`).
//!
//! Cloud searches with `POST /rest/api/3/search/jql`, paging with `nextPageToken` until
//! `isLast` (the old `/rest/api/3/search` answers 410 Gone). Data Center searches with
//! `POST /rest/api/2/search`, paging with `startAt`/`maxResults`. Credentials come from
//! the environment and are never printed: `Debug` redacts them and no error carries them.
//!
//! An answer that lacks what the count needs is "could not decide" (exit 3), never zero
//! issues: a page without `issues`, a Cloud page without `isLast` or that promises more
//! without a `nextPageToken`, a token that comes back, a Data Center page without
//! `total` or starting elsewhere than asked, a `total` the issues do not add up to, an
//! issue listed twice, more than [`MAX_PAGES`] pages.
//!
//! The requests go through the one network layer (`crate::http`: proxy, trusted
//! certificates, retries), only from `cut`, `check bugs`, `evidence record bugs` and the
//! pull-request gate; never from a hook.

pub mod jql;
mod keys;

use std::collections::HashSet;
use std::fmt;

use base64::Engine;
use serde::Deserialize;

use crate::http::{self, Method, Request};
use crate::policy::Policy;
use crate::policy::schema::JiraFlavor;

pub use crate::http::Settings as HttpSettings;
pub use crate::rules::commit_jira_exists::MissingKey;
pub use crate::rules::release_bugs::{BugsOutcome, Issue as JiraIssue};
pub use jql::JqlValues;
pub use keys::verify_keys;

/// Issues fetched at most for one query; the bugs criterion says so when there were more.
pub const MAX_ISSUES: usize = 1000;
/// Issues asked for per page.
const PAGE_SIZE: usize = 100;
/// The most pages one search may take. Cloud pages may hold fewer issues than asked
/// for, even none, so paging is bounded by count as well as by repeated tokens.
pub const MAX_PAGES: usize = 200;
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
        "Jira asks reltag to wait {wait_secs} s ({reason}) before asking {url} again, longer than reltag waits (RELTAG_HTTP_MAX_WAIT_SECS={max_secs})"
    )]
    RateLimited {
        url: String,
        wait_secs: u64,
        reason: &'static str,
        max_secs: u64,
    },
    #[error("cannot reach {url} over TLS: {message}")]
    Tls { url: String, message: String },
    #[error("Jira's answer at {url} {problem}")]
    Answer { url: String, problem: String },
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
    #[error(transparent)]
    Setup(http::SetupError),
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
            Error::Answer { .. } => {
                "run again; if it persists, check [jira] url (a proxy or gateway may answer instead of Jira)".to_string()
            }
            Error::Tls { .. } => {
                "if the site's certificate comes from a private CA (Data Center, a TLS-inspecting proxy), set SSL_CERT_FILE to that CA's certificate (PEM)".to_string()
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
            Error::Setup(e) => e.hint().to_string(),
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
        let uri: ureq::http::Uri = trimmed
            .parse()
            .map_err(|e: ureq::http::uri::InvalidUri| invalid(&e.to_string()))?;
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

    /// The `Authorization` header's value.
    fn header(&self) -> Secret {
        Secret(match self {
            Credentials::Basic { email, token } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{email}:{}", token.expose()))
            ),
            Credentials::Bearer { token } => format!("Bearer {}", token.expose()),
        })
    }
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

/// A Cloud page: `issues` and `isLast` are what the count needs (no `total` on Cloud).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CloudPage {
    issues: Option<Vec<RawIssue>>,
    next_page_token: Option<String>,
    is_last: Option<bool>,
}

/// A Data Center page: `issues`, `startAt` and `total` are what the count needs.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DataCenterPage {
    issues: Option<Vec<RawIssue>>,
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

/// A signed-in Jira client.
#[derive(Debug)]
pub struct JiraClient {
    config: JiraConfig,
    credentials: Credentials,
    http: http::Client,
}

impl JiraClient {
    pub fn new(
        config: JiraConfig,
        credentials: Credentials,
        settings: HttpSettings,
    ) -> Result<JiraClient, Error> {
        Ok(JiraClient {
            http: http::Client::new(&config.url, "Jira", settings).map_err(Error::Setup)?,
            config,
            credentials,
        })
    }

    /// The client `[jira]` in the policy and the environment describe (credentials, the
    /// network settings every service shares).
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

    /// Every issue `jql` matches, up to `limit`, following the flavor's paging. An answer
    /// the count cannot rest on is [`Error::Answer`] (see the module documentation).
    pub fn search(&self, jql: &str, limit: usize) -> Result<SearchResult, Error> {
        let url = self.search_url();
        let answer = |problem: String| Error::Answer {
            url: url.clone(),
            problem,
        };
        let mut issues: Vec<JiraIssue> = Vec::new();
        let mut keys: HashSet<String> = HashSet::new();
        let mut tokens: HashSet<String> = HashSet::new();
        let mut next_page_token: Option<String> = None;
        let mut start_at: u64 = 0;
        let mut total_before: Option<u64> = None;
        let mut pages = 0;
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
                    let items = page.issues.ok_or_else(|| answer("lacks `issues`".into()))?;
                    let last = page
                        .is_last
                        .ok_or_else(|| answer("lacks `isLast`".into()))?;
                    if !last {
                        let token = page.next_page_token.ok_or_else(|| {
                            answer("says more issues follow but gives no nextPageToken".into())
                        })?;
                        if !tokens.insert(token.clone()) {
                            return Err(answer(format!(
                                "repeats a page: the page token {token} came twice"
                            )));
                        }
                        next_page_token = Some(token);
                    }
                    (items, !last)
                }
                JiraFlavor::Datacenter => {
                    let page: DataCenterPage = serde_json::from_slice(&response).map_err(decode)?;
                    let items = page.issues.ok_or_else(|| answer("lacks `issues`".into()))?;
                    let total = page.total.ok_or_else(|| answer("lacks `total`".into()))?;
                    let at = page
                        .start_at
                        .ok_or_else(|| answer("lacks `startAt`".into()))?;
                    if at != start_at {
                        return Err(answer(format!(
                            "starts at {at}, not at {start_at} as asked"
                        )));
                    }
                    if total_before.is_some_and(|before| before != total) {
                        return Err(answer(format!(
                            "counted {} matching issues, then {total}: the issues changed while reltag read them; run again",
                            total_before.unwrap_or_default()
                        )));
                    }
                    total_before = Some(total);
                    start_at += items.len() as u64;
                    if start_at > total {
                        return Err(answer(format!(
                            "counts {total} matching issues but returned {start_at}"
                        )));
                    }
                    let more = start_at < total;
                    if more && items.is_empty() {
                        return Err(answer(format!(
                            "counts {total} matching issues but returned {start_at} of them"
                        )));
                    }
                    (items, more)
                }
            };
            pages += 1;
            if more && pages >= MAX_PAGES {
                return Err(answer(format!(
                    "has more than {MAX_PAGES} pages for at most {limit} issues: its paging cannot be trusted"
                )));
            }
            for raw in page {
                if !keys.insert(raw.key.clone()) {
                    return Err(answer(format!("lists {} twice", raw.key)));
                }
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
        let headers = [
            ("authorization", self.credentials.header().0),
            ("accept", "application/json".to_string()),
            ("content-type", "application/json".to_string()),
        ];
        let bytes = body.to_string().into_bytes();
        let response = self
            .http
            .send(&Request {
                method: Method::Post,
                url,
                headers: &headers,
                body: Some(&bytes),
            })
            .map_err(|e| self.transport_error(url, e))?;
        let flavor = self.config.flavor;
        let messages = || ErrorBody::messages(&response.body);
        match response.status {
            200..=299 => Ok(response.body),
            401 => Err(Error::Unauthorized {
                url: url.to_string(),
                flavor,
            }),
            403 => Err(Error::Forbidden {
                url: url.to_string(),
                flavor,
                messages: messages(),
            }),
            410 => Err(Error::Gone {
                url: url.to_string(),
            }),
            400 => Err(Error::Query {
                status: 400,
                jql: jql.to_string(),
                messages: messages(),
            }),
            other => Err(Error::Status {
                status: other,
                url: url.to_string(),
                messages: messages(),
            }),
        }
    }

    /// The network layer's failure, in Jira's words.
    fn transport_error(&self, url: &str, error: http::Error) -> Error {
        match error {
            http::Error::GaveUp { attempts, last } => Error::GaveUp {
                url: url.to_string(),
                attempts,
                last: last.to_string(),
            },
            http::Error::TooLong { wait, max_wait, .. } => Error::RateLimited {
                url: url.to_string(),
                wait_secs: wait.at_least.as_secs(),
                reason: wait.reason.describe(),
                max_secs: max_wait.as_secs(),
            },
            http::Error::Tls(message) => Error::Tls {
                url: url.to_string(),
                message,
            },
        }
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
            cloud.header().0,
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("a@b.c:s3cret")
            )
        );
        assert!(!format!("{:?}", cloud.header()).contains("s3cret"));

        let dc = Credentials::from_lookup(JiraFlavor::Datacenter, env(&[("JIRA_TOKEN", "pat")]))
            .unwrap();
        assert!(!format!("{dc:?}").contains("pat"));
        assert_eq!(dc.header().0, "Bearer pat");

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
