//! The HTTP transport under the Jira client: hyper 1 through hyper-util's legacy client
//! and hyper-rustls (ring, webpki roots), the stack octocrab uses, driven by a
//! current-thread tokio runtime that exists only while a client does. Bounded retries on
//! 5xx, 429 (honouring `Retry-After`), timeouts and connection errors.

use std::time::Duration;

use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::Error;

/// Timing of requests and retries. `from_env` reads the test and tuning overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpSettings {
    /// How long one attempt (connect, send, read the whole body) may take.
    pub timeout: Duration,
    /// Attempts in all, the first one included.
    pub attempts: u32,
    /// The first retry waits this long; each next one twice as long.
    pub retry_base: Duration,
    /// The longest wait between attempts, `Retry-After` included; a server that asks
    /// for more is not waited for.
    pub max_wait: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(30),
            attempts: 4,
            retry_base: Duration::from_secs(1),
            max_wait: Duration::from_secs(60),
        }
    }
}

impl HttpSettings {
    /// The defaults, with `RELTAG_HTTP_TIMEOUT_MS` and `RELTAG_HTTP_RETRY_BASE_MS` applied.
    pub fn from_env() -> HttpSettings {
        let ms = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_millis)
        };
        let mut settings = HttpSettings::default();
        if let Some(t) = ms("RELTAG_HTTP_TIMEOUT_MS") {
            settings.timeout = t;
        }
        if let Some(b) = ms("RELTAG_HTTP_RETRY_BASE_MS") {
            settings.retry_base = b;
        }
        settings
    }
}

/// A response whose whole body was read.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: StatusCode,
    pub body: Bytes,
}

pub(crate) struct Transport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    runtime: tokio::runtime::Runtime,
    settings: HttpSettings,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub fn new(settings: HttpSettings) -> Result<Transport, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(settings.timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| Error::Tls(e.to_string()))?
            // Plain http is refused earlier for anything but loopback (see `JiraConfig`).
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Transport {
            client,
            runtime,
            settings,
        })
    }

    /// POSTs `body` as JSON to `url`, retrying what is worth retrying. Returns the first
    /// response that is neither 5xx nor 429.
    pub fn post_json(
        &self,
        url: &str,
        authorization: &HeaderValue,
        body: &serde_json::Value,
    ) -> Result<Response, Error> {
        let body = Bytes::from(serde_json::to_vec(body).expect("a JSON value serializes"));
        self.runtime
            .block_on(self.post_with_retries(url, authorization, body))
    }

    async fn post_with_retries(
        &self,
        url: &str,
        authorization: &HeaderValue,
        body: Bytes,
    ) -> Result<Response, Error> {
        let s = self.settings;
        let mut last = String::new();
        for attempt in 1..=s.attempts.max(1) {
            let backoff = s
                .retry_base
                .saturating_mul(2u32.saturating_pow(attempt - 1))
                .min(s.max_wait);
            let request = Request::builder()
                .method(Method::POST)
                .uri(url)
                .header(header::AUTHORIZATION, authorization.clone())
                .header(header::ACCEPT, "application/json")
                .header(header::CONTENT_TYPE, "application/json")
                .header(
                    header::USER_AGENT,
                    concat!("reltag/", env!("CARGO_PKG_VERSION")),
                )
                .body(Full::new(body.clone()))
                .map_err(|e| Error::InvalidUrl {
                    url: url.to_string(),
                    reason: e.to_string(),
                })?;
            let sent = tokio::time::timeout(s.timeout, async {
                let response = self.client.request(request).await?;
                let (parts, body) = response.into_parts();
                let bytes = body.collect().await?.to_bytes();
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>((parts, bytes))
            })
            .await;
            let wait = match sent {
                Err(_) => {
                    last = format!("no answer within {} ms", s.timeout.as_millis());
                    backoff
                }
                Ok(Err(e)) => {
                    last = error_chain(&*e);
                    backoff
                }
                Ok(Ok((parts, bytes))) => {
                    let status = parts.status;
                    if status != StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
                        return Ok(Response {
                            status,
                            body: bytes,
                        });
                    }
                    last = format!("HTTP {status}");
                    match retry_after(parts.headers.get(header::RETRY_AFTER)) {
                        Some(asked) if asked > s.max_wait => {
                            return Err(Error::RateLimited {
                                url: url.to_string(),
                                retry_after: asked,
                            });
                        }
                        Some(asked) => asked,
                        None => backoff,
                    }
                }
            };
            if attempt < s.attempts {
                tokio::time::sleep(wait).await;
            }
        }
        Err(Error::GaveUp {
            url: url.to_string(),
            attempts: s.attempts.max(1),
            last,
        })
    }
}

/// `Retry-After`: seconds, or an HTTP date (the shared parser).
fn retry_after(value: Option<&HeaderValue>) -> Option<Duration> {
    crate::http::retry_after(value?.to_str().ok()?, jiff::Timestamp::now())
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
