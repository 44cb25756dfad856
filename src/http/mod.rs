//! The one network layer under the GitHub and Jira clients.
//!
//! One blocking HTTP/1.1 client (ureq, with rustls and the ring provider) for every
//! service: no async runtime and no thread, each request blocks the calling command. A
//! [`Client`] talks to one origin and is set up once from the environment:
//!
//! - the proxy (`proxy.rs`): `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` by the service's
//!   scheme, `NO_PROXY`;
//! - the trusted certificates (`tls.rs`): the operating system's store and `SSL_CERT_FILE`;
//! - one retry policy (`retry.rs`) with one bound for every service: GitHub's primary and
//!   secondary rate limits, Jira's 429, server errors and failed connections.
//!
//! Redirects are not followed (a token must never travel to another origin), and an
//! answer's body is read whole, up to [`MAX_BODY`]. Nothing here runs on a hook path.

mod proxy;
pub mod retry;
pub(crate) mod tls;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use retry::{RetryPolicy, Wait, WaitReason};

/// The largest answer reltag reads (GitHub's pages and Jira's are far smaller).
pub const MAX_BODY: u64 = 32 * 1024 * 1024;

/// Timing of requests and retries, the same for every service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long one attempt may take: connecting, sending, and reading the whole answer.
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

impl Settings {
    /// The defaults with the environment's overrides: `RELTAG_HTTP_TIMEOUT_MS`,
    /// `RELTAG_HTTP_RETRIES` (attempts), `RELTAG_HTTP_RETRY_BASE_MS` (the first backoff)
    /// and `RELTAG_HTTP_MAX_WAIT_SECS` (the longest wait reltag accepts).
    pub fn from_env() -> Settings {
        Settings::from_lookup(&|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Settings {
        let number = |name: &str| lookup(name).and_then(|v| v.trim().parse::<u64>().ok());
        let mut settings = Settings::default();
        if let Some(ms) = number("RELTAG_HTTP_TIMEOUT_MS") {
            settings.timeout = Duration::from_millis(ms.max(1));
        }
        if let Some(n) = number("RELTAG_HTTP_RETRIES") {
            settings.retry.attempts = u32::try_from(n).unwrap_or(u32::MAX).clamp(1, 20);
        }
        if let Some(ms) = number("RELTAG_HTTP_RETRY_BASE_MS") {
            settings.retry.base = Duration::from_millis(ms);
        }
        if let Some(s) = number("RELTAG_HTTP_MAX_WAIT_SECS") {
            settings.retry.max_wait = Duration::from_secs(s);
        }
        settings
    }
}

/// What keeps a client from being set up: the caller's environment (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("`{url}` is not a usable URL: {reason}")]
    Url { url: String, reason: String },
    #[error("{variable}={value} is not a proxy URL")]
    Proxy {
        variable: &'static str,
        value: String,
    },
    #[error("SSL_CERT_FILE={} cannot be read: {reason}", .path.display())]
    CertFile { path: PathBuf, reason: String },
    #[error("no trusted certificates: the system's store is empty and SSL_CERT_FILE is not set")]
    NoRoots,
}

impl SetupError {
    pub fn hint(&self) -> &'static str {
        match self {
            SetupError::Url { .. } => "give the service's base URL, e.g. https://api.github.com",
            SetupError::Proxy { .. } => {
                "set the proxy variable to a URL such as http://proxy.example.com:3128, or unset it"
            }
            SetupError::CertFile { .. } => {
                "point SSL_CERT_FILE at a readable PEM file of CA certificates, or unset it"
            }
            SetupError::NoRoots => {
                "install the system's CA certificates (ca-certificates), or set SSL_CERT_FILE to a PEM bundle"
            }
        }
    }
}

/// Why a request has no answer for the caller.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Every attempt failed; `last` is the last of them.
    #[error("failed after {attempts} attempts: {last}")]
    GaveUp { attempts: u32, last: Failure },
    /// The service asks for a longer wait than reltag accepts.
    #[error("asked to wait {} s, more than {} s: {last}", .wait.at_least.as_secs(), .max_wait.as_secs())]
    TooLong {
        wait: Wait,
        max_wait: Duration,
        last: Failure,
    },
    /// The service's certificate is not trusted (never retried: it does not fix itself).
    #[error("the TLS connection failed: {0}")]
    Tls(String),
}

impl Error {
    /// The last failed attempt, if there was an answer or a try.
    pub fn last(&self) -> Option<&Failure> {
        match self {
            Error::GaveUp { last, .. } | Error::TooLong { last, .. } => Some(last),
            Error::Tls(_) => None,
        }
    }
}

/// One attempt that gave no usable answer.
#[derive(Debug, Clone)]
pub enum Failure {
    /// An answer with this status (5xx, or a rate limit); its body, for the message.
    Status { status: u16, body: Vec<u8> },
    /// No answer within the timeout.
    Timeout(Duration),
    /// No connection, or it broke.
    Connection(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Status { status, .. } => write!(f, "HTTP {}", status_text(*status)),
            Failure::Timeout(d) => write!(f, "no answer within {} ms", d.as_millis()),
            Failure::Connection(e) => f.write_str(e),
        }
    }
}

/// `503 Service Unavailable`.
pub fn status_text(status: u16) -> String {
    match ureq::http::StatusCode::from_u16(status) {
        Ok(code) => code.to_string(),
        Err(_) => status.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One request. Header values marked secret never appear in a message or a `Debug`.
pub struct Request<'a> {
    pub method: Method,
    pub url: &'a str,
    pub headers: &'a [(&'static str, String)],
    pub body: Option<&'a [u8]>,
}

/// An answer with its body read.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Lower-case names, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header (`name` in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header (`name` in lower case).
    pub fn header_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.headers
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A client for one service's origin.
pub struct Client {
    agent: ureq::Agent,
    settings: Settings,
    /// `HTTPS_PROXY=http://proxy:3128` (credentials redacted), when one is used.
    proxy: Option<String>,
    /// The service's name in messages ("GitHub", "Jira").
    service: &'static str,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("service", &self.service)
            .field("settings", &self.settings)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for requests to `origin` (the service's base URL), set up from the
    /// process environment.
    pub fn new(
        origin: &str,
        service: &'static str,
        settings: Settings,
    ) -> Result<Client, SetupError> {
        Client::with_env(origin, service, settings, &|name| std::env::var(name).ok())
    }

    pub fn with_env(
        origin: &str,
        service: &'static str,
        settings: Settings,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Client, SetupError> {
        let bad = |reason: &str| SetupError::Url {
            url: origin.to_string(),
            reason: reason.to_string(),
        };
        let uri: ureq::http::Uri = origin.parse().map_err(|_| bad("not a URL"))?;
        let scheme = uri.scheme_str().ok_or_else(|| bad("no scheme"))?;
        let host = uri.host().ok_or_else(|| bad("no host"))?;
        let https = match scheme {
            "https" => true,
            "http" => false,
            _ => return Err(bad("expected http:// or https://")),
        };
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let proxy = proxy::proxy_for(scheme, host, port, lookup)?;
        let mut tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()));
        if https {
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&tls::trusted_roots(
                lookup,
            )?));
        } else {
            // Never used (the scheme is http), but ureq's default would name bundled roots.
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&[]));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(
                proxy
                    .as_ref()
                    .map(|(_, value)| ureq::Proxy::new(value))
                    .transpose()
                    .map_err(|_| bad("the proxy URL"))?,
            )
            .tls_config(tls.build())
            .timeout_global(Some(settings.timeout))
            .user_agent(concat!("reltag/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client {
            agent: ureq::Agent::new_with_config(config),
            settings,
            proxy: proxy.map(|(k, v)| format!("{k}={}", proxy::redact_userinfo(&v))),
            service,
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The proxy in use, for status lines (credentials redacted).
    pub fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
    }

    /// Sends `request`, retrying as [`retry`] says. Returns the first answer that is not
    /// worth retrying, 4xx included: what a status means is the caller's to say.
    pub fn send(&self, request: &Request<'_>) -> Result<Response, Error> {
        let policy = self.settings.retry;
        let mut rate_limited = 0;
        let mut last = Failure::Connection("no attempt".into());
        for attempt in 0..policy.attempts.max(1) {
            let wait = match self.send_once(request) {
                Ok(response) => {
                    let header = |name: &str| response.header(name);
                    let verdict = retry::classify(
                        &retry::Attempt {
                            status: response.status,
                            header: &header,
                            body: &response.body,
                        },
                        attempt,
                        rate_limited,
                        &policy,
                        jiff::Timestamp::now(),
                    );
                    match verdict {
                        retry::Verdict::Done => return Ok(response),
                        retry::Verdict::Retry(wait) => {
                            if wait.reason == WaitReason::RateLimited {
                                rate_limited += 1;
                            }
                            last = Failure::Status {
                                status: response.status,
                                body: response.body,
                            };
                            wait
                        }
                    }
                }
                Err(Sent::Tls(e)) => return Err(Error::Tls(e)),
                Err(Sent::Failed(failure)) => {
                    last = failure;
                    retry::backoff(attempt, &policy, WaitReason::NoAnswer)
                }
            };
            if attempt + 1 >= policy.attempts {
                break;
            }
            if wait.at_least > policy.max_wait {
                return Err(Error::TooLong {
                    wait,
                    max_wait: policy.max_wait,
                    last,
                });
            }
            let sleep = retry::with_jitter(wait, policy.max_wait, retry::random_unit());
            if sleep >= Duration::from_secs(2) {
                eprintln!(
                    "{} asked to wait ({}): retrying {} {} in {} s",
                    self.service,
                    wait.reason.describe(),
                    request.method.as_str(),
                    strip_query(request.url),
                    sleep.as_secs()
                );
            }
            std::thread::sleep(sleep);
        }
        Err(Error::GaveUp {
            attempts: policy.attempts.max(1),
            last,
        })
    }

    fn send_once(&self, request: &Request<'_>) -> Result<Response, Sent> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(request.url);
        for (name, value) in request.headers {
            builder = builder.header(*name, value.as_str());
        }
        let built = builder
            .body(request.body.unwrap_or_default().to_vec())
            .map_err(|e| Sent::Failed(Failure::Connection(format!("bad request: {e}"))))?;
        let mut answer = self.agent.run(built).map_err(|e| self.failure(e))?;
        let status = answer.status().as_u16();
        let headers = answer
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = answer
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| self.failure(e))?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn failure(&self, error: ureq::Error) -> Sent {
        if let Some(tls) = tls_problem(&error) {
            return Sent::Tls(tls);
        }
        match error {
            ureq::Error::Timeout(_) => Sent::Failed(Failure::Timeout(self.settings.timeout)),
            other => Sent::Failed(Failure::Connection(error_chain(&other))),
        }
    }
}

enum Sent {
    Tls(String),
    Failed(Failure),
}

/// A certificate or handshake problem, which no retry fixes.
fn tls_problem(error: &ureq::Error) -> Option<String> {
    match error {
        ureq::Error::Rustls(e) => Some(e.to_string()),
        ureq::Error::Tls(e) => Some(e.to_string()),
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .map(|e| e.to_string()),
        _ => None,
    }
}

/// An error and its causes, `: `-separated.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_one_bound_for_every_service() {
        let defaults = Settings::from_lookup(&|_| None);
        assert_eq!(defaults, Settings::default());
        assert_eq!(defaults.retry.attempts, 4);
        assert_eq!(defaults.retry.max_wait, Duration::from_secs(120));
        let tuned = Settings::from_lookup(&|name| {
            Some(
                match name {
                    "RELTAG_HTTP_TIMEOUT_MS" => "200",
                    "RELTAG_HTTP_RETRIES" => "0",
                    "RELTAG_HTTP_RETRY_BASE_MS" => "5",
                    "RELTAG_HTTP_MAX_WAIT_SECS" => "7",
                    _ => return None,
                }
                .to_string(),
            )
        });
        assert_eq!(tuned.timeout, Duration::from_millis(200));
        assert_eq!(tuned.retry.attempts, 1, "at least one attempt");
        assert_eq!(tuned.retry.base, Duration::from_millis(5));
        assert_eq!(tuned.retry.max_wait, Duration::from_secs(7));
    }

    #[test]
    fn a_client_names_its_proxy_without_credentials() {
        let env = |name: &str| match name {
            "HTTPS_PROXY" => Some("http://me:s3cret@proxy.example.com:3128".to_string()),
            "SSL_CERT_FILE" => None,
            _ => None,
        };
        let client =
            Client::with_env("http://127.0.0.1:1", "Jira", Settings::default(), &env).unwrap();
        assert_eq!(client.proxy(), None, "HTTPS_PROXY does not carry http");
        let env = |name: &str| match name {
            "HTTP_PROXY" => Some("http://me:s3cret@proxy.example.com:3128".to_string()),
            _ => None,
        };
        let client =
            Client::with_env("http://127.0.0.1:1", "Jira", Settings::default(), &env).unwrap();
        assert_eq!(
            client.proxy(),
            Some("HTTP_PROXY=http://***@proxy.example.com:3128")
        );
        assert!(!format!("{client:?}").contains("s3cret"));
    }

    #[test]
    fn only_http_and_https_origins() {
        for bad in ["ftp://x", "not a url", "/relative"] {
            assert!(
                Client::with_env(bad, "GitHub", Settings::default(), &|_| None).is_err(),
                "{bad}"
            );
        }
    }
}
