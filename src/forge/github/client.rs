//! A small blocking client over octocrab: one request at a time on a current-thread tokio
//! runtime that exists only as long as the client, bounded retries with backoff, and
//! every page of a list.
//!
//! Retries: connection errors, 5xx, 429 and GitHub's rate-limit answers (a 403 with
//! `Retry-After`, with `x-ratelimit-remaining: 0`, or whose message says "rate limit") are
//! retried up to [`RetryPolicy::attempts`] times. The wait is `Retry-After` when given,
//! else the time to `x-ratelimit-reset`, else `base × 2^n`. A wait longer than
//! [`RetryPolicy::max_wait`] is not waited for: the request fails at once (exit 3) and says
//! when the limit resets.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, StatusCode, Uri};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

use super::Error;

/// Where to find the API and how to authenticate, usually from the environment.
#[derive(Clone)]
pub struct ClientConfig {
    /// `https://api.github.com`, or `https://HOST/api/v3` on GitHub Enterprise Server.
    pub api_url: String,
    pub token: Option<String>,
    pub retry: RetryPolicy,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token, not even in a debug print.
        f.debug_struct("ClientConfig")
            .field("api_url", &self.api_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("retry", &self.retry)
            .finish()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// The first backoff; it doubles with each retry.
    pub base: Duration,
    /// The longest wait reltag accepts before giving up on a rate limit.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(1000),
            max_wait: Duration::from_secs(120),
        }
    }
}

impl ClientConfig {
    /// From the environment: `GITHUB_TOKEN`, else `GH_TOKEN`; `GITHUB_API_URL` (default
    /// `https://api.github.com`); `RELTAG_HTTP_RETRY_BASE_MS`, `RELTAG_HTTP_RETRIES` and
    /// `RELTAG_HTTP_MAX_WAIT_SECS` tune the retries.
    pub fn from_env() -> ClientConfig {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut retry = RetryPolicy::default();
        if let Some(ms) = var("RELTAG_HTTP_RETRY_BASE_MS").and_then(|v| v.parse().ok()) {
            retry.base = Duration::from_millis(ms);
        }
        if let Some(n) = var("RELTAG_HTTP_RETRIES").and_then(|v| v.parse::<u32>().ok()) {
            retry.attempts = n.max(1);
        }
        if let Some(s) = var("RELTAG_HTTP_MAX_WAIT_SECS").and_then(|v| v.parse().ok()) {
            retry.max_wait = Duration::from_secs(s);
        }
        ClientConfig {
            api_url: var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
            token: var("GITHUB_TOKEN").or_else(|| var("GH_TOKEN")),
            retry,
        }
    }
}

/// A response with its body read.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    /// GitHub's `message` field, for errors.
    fn message(&self) -> String {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| {
                let text = String::from_utf8_lossy(&self.body);
                text.chars().take(200).collect()
            })
    }
}

/// The GitHub REST client reltag uses. Blocking: each call runs to completion on the
/// client's own runtime.
pub struct Client {
    runtime: tokio::runtime::Runtime,
    octocrab: octocrab::Octocrab,
    base: Uri,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish()
    }
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
}

impl Client {
    /// [`ClientConfig::from_env`], requiring a token. In GitHub Actions the token is
    /// masked first (`::add-mask::`), so no later log line can show it.
    pub fn from_env() -> Result<Client, Error> {
        let config = ClientConfig::from_env();
        if config.token.is_none() {
            return Err(Error::NoToken);
        }
        Client::new(config)
    }

    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        if let Some(token) = &config.token
            && std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
        {
            println!("::add-mask::{token}");
        }
        let base: Uri = config
            .api_url
            .trim_end_matches('/')
            .parse()
            .map_err(|_| Error::BadApiUrl(config.api_url.clone()))?;
        if base.scheme().is_none() || base.authority().is_none() {
            return Err(Error::BadApiUrl(config.api_url.clone()));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let octocrab = {
            let _guard = runtime.enter();
            let mut builder = octocrab::Octocrab::builder()
                .base_uri(base.clone())
                .map_err(|_| Error::BadApiUrl(config.api_url.clone()))?
                .add_header(
                    http::HeaderName::from_static("x-github-api-version"),
                    "2022-11-28".to_string(),
                )
                .set_connect_timeout(Some(Duration::from_secs(15)))
                .set_read_timeout(Some(Duration::from_secs(60)));
            if let Some(token) = &config.token {
                builder = builder.personal_token(token.clone());
            }
            builder.build().map_err(|e| Error::Client(e.to_string()))?
        };
        Ok(Client {
            runtime,
            octocrab,
            base,
            retry: config.retry,
        })
    }

    /// The request target for a path (`/repos/…`) or an absolute URL the API returned
    /// (a `Link` header). Absolute URLs must be on the API's own origin: the token is
    /// never sent anywhere else.
    fn target(&self, path_or_url: &str) -> Result<String, Error> {
        if path_or_url.starts_with('/') {
            return Ok(path_or_url.to_string());
        }
        let uri: Uri = path_or_url
            .parse()
            .map_err(|_| Error::Protocol(format!("the API returned a bad URL: {path_or_url}")))?;
        if uri.scheme() != self.base.scheme() || uri.authority() != self.base.authority() {
            return Err(Error::Protocol(format!(
                "the API pointed at {path_or_url}, outside {}: not followed",
                self.base
            )));
        }
        Ok(uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into()))
    }

    fn display_url(&self, target: &str) -> String {
        let base = self.base.to_string();
        let base = base.trim_end_matches('/');
        let path = self.base.path().trim_end_matches('/');
        if !path.is_empty() && target.starts_with(path) {
            let origin = base.strip_suffix(path).unwrap_or(base);
            format!("{origin}{target}")
        } else {
            format!("{base}{target}")
        }
    }

    /// One request, retried as the module documentation says. Returns any final
    /// response that is not retryable, including 4xx: the caller decides what a 404 means.
    fn send(
        &self,
        method: Method,
        path_or_url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, Error> {
        let target = self.target(path_or_url)?;
        let url = self.display_url(&target);
        let verb = match method {
            Method::Get => "GET",
            Method::Post => "POST",
        };
        let mut last = String::new();
        for attempt in 0..self.retry.attempts {
            let result = self.runtime.block_on(async {
                let response = match method {
                    Method::Get => self.octocrab._get(target.as_str()).await,
                    Method::Post => self.octocrab._post(target.as_str(), body).await,
                }?;
                let (parts, body) = response.into_parts();
                let bytes = body.collect().await?.to_bytes();
                Ok::<_, octocrab::Error>(Response {
                    status: parts.status,
                    headers: parts.headers,
                    body: bytes.to_vec(),
                })
            });
            let backoff = self.retry.base.saturating_mul(1u32 << attempt.min(16));
            let wait = match result {
                Err(e) => {
                    last = format!("{e}");
                    backoff
                }
                Ok(response) => match retry_wait(&response, SystemTime::now()) {
                    Decision::Done => return Ok(response),
                    Decision::Retry(hint) => {
                        last = format!("{} {}", response.status, response.message());
                        hint.unwrap_or(backoff)
                    }
                },
            };
            if attempt + 1 == self.retry.attempts {
                break;
            }
            if wait > self.retry.max_wait {
                return Err(Error::RateLimited {
                    url,
                    wait_secs: wait.as_secs(),
                    last,
                });
            }
            std::thread::sleep(wait);
        }
        Err(Error::GaveUp {
            method: verb,
            url,
            attempts: self.retry.attempts,
            last,
        })
    }

    /// GET, expecting 200 and JSON.
    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let response = self.send(Method::Get, path, None)?;
        self.expect_ok(path, &response)?;
        decode(path, &response.body)
    }

    /// GET that answers `None` on 404.
    pub fn get_json_optional<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, Error> {
        let response = self.send(Method::Get, path, None)?;
        if response.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        self.expect_ok(path, &response)?;
        decode(path, &response.body).map(Some)
    }

    /// POST a JSON body; returns the status and the body (the caller decides).
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<Response, Error> {
        self.send(Method::Post, path, Some(body))
    }

    /// Every page of a list: `path` with `per_page=100`, then each `Link: rel="next"`.
    /// `items` takes the list out of one page (the page itself for plain arrays, a field
    /// such as `check_runs` for wrapped ones). Any page that cannot be read fails the whole.
    pub fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        items: impl Fn(serde_json::Value) -> Option<serde_json::Value>,
    ) -> Result<Vec<T>, Error> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{sep}per_page=100"));
        let mut all = Vec::new();
        let mut pages = 0;
        while let Some(page) = next.take() {
            pages += 1;
            if pages > 1000 {
                return Err(Error::Protocol(format!(
                    "{path}: more than 1000 pages; refusing to go on"
                )));
            }
            let response = self.send(Method::Get, &page, None)?;
            self.expect_ok(&page, &response)?;
            let value: serde_json::Value = decode(&page, &response.body)?;
            let list = items(value).ok_or_else(|| {
                Error::Protocol(format!(
                    "{}: the answer holds no list",
                    self.display_url(&page)
                ))
            })?;
            let list: Vec<T> = serde_json::from_value(list).map_err(|e| Error::Decode {
                url: self.display_url(&page),
                message: e.to_string(),
            })?;
            all.extend(list);
            next = next_link(&response.headers);
        }
        Ok(all)
    }

    fn expect_ok(&self, path: &str, response: &Response) -> Result<(), Error> {
        if response.status.is_success() {
            return Ok(());
        }
        Err(Error::Status {
            url: self
                .target(path)
                .map(|t| self.display_url(&t))
                .unwrap_or_default(),
            status: response.status.as_u16(),
            message: response.message(),
        })
    }
}

fn decode<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        url: path.to_string(),
        message: e.to_string(),
    })
}

enum Decision {
    Done,
    /// Retry, after this long if the answer said so.
    Retry(Option<Duration>),
}

/// Whether an answer is worth another try, and how long the server asked to wait.
fn retry_wait(response: &Response, now: SystemTime) -> Decision {
    let status = response.status;
    let header = |name: &str| {
        response
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let retry_after = header("retry-after")
        .and_then(|v| crate::http::retry_after(v, jiff::Timestamp::try_from(now).ok()?));
    let remaining = header("x-ratelimit-remaining").and_then(|v| v.parse::<u64>().ok());
    let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok());
    let rate_limited = status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN
            && (retry_after.is_some()
                || remaining == Some(0)
                || response
                    .message()
                    .to_ascii_lowercase()
                    .contains("rate limit")));
    if !(rate_limited || status.is_server_error()) {
        return Decision::Done;
    }
    if let Some(wait) = retry_after {
        return Decision::Retry(Some(wait));
    }
    if rate_limited
        && remaining == Some(0)
        && let Some(reset) = reset
    {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        return Decision::Retry(Some(Duration::from_secs(reset.saturating_sub(now) + 1)));
    }
    Decision::Retry(None)
}

/// The `rel="next"` target of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all(http::header::LINK) {
        let Ok(value) = value.to_str() else { continue };
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let target = pieces.next()?.trim();
            let is_next = pieces.any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if is_next {
                return Some(
                    target
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string(),
                );
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        Response {
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: body.as_bytes().to_vec(),
        }
    }

    fn wait(r: &Response) -> Option<Option<u64>> {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        match retry_wait(r, now) {
            Decision::Done => None,
            Decision::Retry(d) => Some(d.map(|d| d.as_secs())),
        }
    }

    #[test]
    fn which_answers_are_retried() {
        assert_eq!(wait(&response(200, &[], "{}")), None);
        assert_eq!(wait(&response(404, &[], "{}")), None);
        assert_eq!(wait(&response(502, &[], "")), Some(None));
        assert_eq!(
            wait(&response(429, &[("retry-after", "7")], "")),
            Some(Some(7))
        );
        // A plain permission problem is not a rate limit.
        assert_eq!(
            wait(&response(
                403,
                &[],
                r#"{"message":"Resource not accessible by integration"}"#
            )),
            None
        );
        // Secondary rate limit: 403 with Retry-After.
        assert_eq!(
            wait(&response(
                403,
                &[("retry-after", "3")],
                r#"{"message":"You have exceeded a secondary rate limit."}"#
            )),
            Some(Some(3))
        );
        // Primary rate limit: wait until the reset.
        assert_eq!(
            wait(&response(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "1030")
                ],
                r#"{"message":"API rate limit exceeded"}"#
            )),
            Some(Some(31))
        );
    }

    #[test]
    fn next_links_are_found_among_others() {
        let r = response(
            200,
            &[(
                "link",
                r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last""#,
            )],
            "",
        );
        assert_eq!(
            next_link(&r.headers).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        assert_eq!(next_link(&response(200, &[], "").headers), None);
    }

    #[test]
    fn links_to_other_origins_are_refused() {
        let client = Client::new(ClientConfig {
            api_url: "https://ghe.example.com/api/v3".into(),
            token: None,
            retry: RetryPolicy::default(),
        })
        .unwrap();
        assert_eq!(
            client
                .target("https://ghe.example.com/api/v3/repos/a/b/pulls?page=2")
                .unwrap(),
            "/api/v3/repos/a/b/pulls?page=2"
        );
        assert!(client.target("https://evil.example.com/api/v3/x").is_err());
        assert_eq!(
            client.display_url("/api/v3/repos/a/b"),
            "https://ghe.example.com/api/v3/repos/a/b"
        );
        assert_eq!(
            client.display_url("/repos/a/b"),
            "https://ghe.example.com/api/v3/repos/a/b"
        );
    }
}
