//! The GitHub REST client: JSON over the one network layer (`crate::http`), with the
//! token, GitHub's headers, and every page of a list.
//!
//! Pages: `per_page=100`, then each `Link: rel="next"`, only on the API's own origin (the
//! token goes nowhere else). A next page already read, more than [`MAX_PAGES`] pages, a
//! page that is not a list, or a `total_count` that changes between pages is an error
//! (exit 3): a list reltag cannot vouch for is never taken as complete.

use std::collections::HashSet;

use serde::de::DeserializeOwned;

use super::Error;
use crate::http::{self, Method, Request, Response, Settings};

/// The most pages one list may have (100 items each).
pub const MAX_PAGES: usize = 1000;

/// Where to find the API and how to authenticate, usually from the environment.
#[derive(Clone)]
pub struct ClientConfig {
    /// `https://api.github.com`, or `https://HOST/api/v3` on GitHub Enterprise Server.
    pub api_url: String,
    pub token: Option<String>,
    pub settings: Settings,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token, not even in a debug print.
        f.debug_struct("ClientConfig")
            .field("api_url", &self.api_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("settings", &self.settings)
            .finish()
    }
}

impl ClientConfig {
    /// From the environment: `GITHUB_TOKEN`, else `GH_TOKEN`; `GITHUB_API_URL` (default
    /// `https://api.github.com`); the network settings every service shares.
    pub fn from_env() -> ClientConfig {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        ClientConfig {
            api_url: var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
            token: var("GITHUB_TOKEN").or_else(|| var("GH_TOKEN")),
            settings: Settings::from_env(),
        }
    }
}

/// A list and the `total_count` its pages declared, when they did.
#[derive(Debug)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total_count: Option<u64>,
}

/// The GitHub REST client reltag uses. Blocking.
pub struct Client {
    http: http::Client,
    /// The API base without a trailing slash: `https://api.github.com`.
    base: String,
    /// `scheme://authority` of the base: links must stay on it.
    origin: String,
    headers: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish()
    }
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
            // Through the one stdout writer (a closed pipe must not panic), and only a
            // token that is one printable word: anything else could end the command's line
            // and start another workflow command.
            if token.bytes().all(|b| b.is_ascii_graphic()) {
                use std::io::Write;
                let _ = writeln!(crate::report::output::Stdout, "::add-mask::{token}");
            }
        }
        let base = config.api_url.trim().trim_end_matches('/').to_string();
        let origin = origin_of(&base).ok_or_else(|| Error::BadApiUrl(config.api_url.clone()))?;
        let http = http::Client::new(&base, "GitHub", config.settings).map_err(|e| match e {
            http::SetupError::Url { .. } => Error::BadApiUrl(config.api_url.clone()),
            other => Error::Setup(other),
        })?;
        let mut headers = vec![
            ("accept", "application/vnd.github+json".to_string()),
            ("x-github-api-version", "2022-11-28".to_string()),
        ];
        if let Some(token) = &config.token {
            headers.push(("authorization", format!("Bearer {token}")));
        }
        Ok(Client {
            http,
            base,
            origin,
            headers,
        })
    }

    /// The URL for a path (`/repos/…`) or an absolute URL the API returned (a `Link`
    /// header). Absolute URLs must be on the API's own origin: the token is never sent
    /// anywhere else.
    pub(crate) fn target(&self, path_or_url: &str) -> Result<String, Error> {
        if path_or_url.starts_with('/') {
            return Ok(format!("{}{path_or_url}", self.base));
        }
        match origin_of(path_or_url) {
            Some(origin) if origin.eq_ignore_ascii_case(&self.origin) => Ok(path_or_url.into()),
            Some(_) => Err(Error::Protocol(format!(
                "the API pointed at {path_or_url}, outside {}: not followed",
                self.base
            ))),
            None => Err(Error::Protocol(format!(
                "the API returned a bad URL: {path_or_url}"
            ))),
        }
    }

    /// One request, retried as the network layer says. Returns any final answer,
    /// including 4xx: the caller decides what a 404 means.
    fn send(
        &self,
        method: Method,
        path_or_url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(String, Response), Error> {
        let url = self.target(path_or_url)?;
        let mut headers = self.headers.clone();
        let bytes = body.map(|b| b.to_string().into_bytes());
        if bytes.is_some() {
            headers.push(("content-type", "application/json".to_string()));
        }
        let answer = self.http.send(&Request {
            method,
            url: &url,
            headers: &headers,
            body: bytes.as_deref(),
        });
        match answer {
            Ok(response) => Ok((url, response)),
            Err(e) => Err(Error::from_http(
                method,
                &url,
                e,
                &self.http.settings().retry,
            )),
        }
    }

    /// GET, expecting 200 and JSON.
    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let (url, response) = self.send(Method::Get, path, None)?;
        expect_ok(&url, &response)?;
        decode(&url, &response.body)
    }

    /// GET that answers `None` on 404.
    pub fn get_json_optional<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, Error> {
        let (url, response) = self.send(Method::Get, path, None)?;
        if response.status == 404 {
            return Ok(None);
        }
        expect_ok(&url, &response)?;
        decode(&url, &response.body).map(Some)
    }

    /// POST a JSON body; returns the answer (the caller decides).
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<Response, Error> {
        self.send(Method::Post, path, Some(body)).map(|(_, r)| r)
    }

    /// Every page of a list: `path` with `per_page=100`, then each `Link: rel="next"`.
    /// `field` names the list in a wrapped page (`check_runs`), `None` for a plain array;
    /// a wrapped page's `total_count` comes back too.
    pub fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        field: Option<&str>,
    ) -> Result<Listing<T>, Error> {
        self.list_checked(path, field, &|_, _| Ok(()))
    }

    /// [`Client::list`], with `check` run on each wrapped page (the object around the
    /// list, e.g. a combined status's `sha`) before its items are taken.
    pub fn list_checked<T: DeserializeOwned>(
        &self,
        path: &str,
        field: Option<&str>,
        check: &dyn Fn(&str, &serde_json::Value) -> Result<(), Error>,
    ) -> Result<Listing<T>, Error> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{sep}per_page=100"));
        let mut seen: HashSet<String> = HashSet::new();
        let mut items = Vec::new();
        let mut total_count: Option<u64> = None;
        while let Some(page) = next.take() {
            let url = self.target(&page)?;
            if !seen.insert(url.clone()) {
                return Err(Error::Protocol(format!(
                    "{url}: the next page is one already read; the list cannot be trusted"
                )));
            }
            if seen.len() > MAX_PAGES {
                return Err(Error::Protocol(format!(
                    "{}{path}: more than {MAX_PAGES} pages; refusing to go on",
                    self.base
                )));
            }
            let (url, response) = self.send(Method::Get, &url, None)?;
            expect_ok(&url, &response)?;
            let mut value: serde_json::Value = decode(&url, &response.body)?;
            let list = match field {
                None => value,
                Some(field) => {
                    check(&url, &value)?;
                    let count = value.get("total_count").and_then(|c| c.as_u64());
                    match (total_count, count) {
                        (_, None) => {
                            return Err(Error::Protocol(format!(
                                "{url}: the answer has no total_count"
                            )));
                        }
                        (Some(before), Some(now)) if before != now => {
                            return Err(Error::Protocol(format!(
                                "{url}: total_count changed from {before} to {now} between pages; run again"
                            )));
                        }
                        _ => total_count = count,
                    }
                    value
                        .get_mut(field)
                        .map(serde_json::Value::take)
                        .unwrap_or(serde_json::Value::Null)
                }
            };
            if !list.is_array() {
                return Err(Error::Protocol(format!(
                    "{url}: the answer holds no list{}",
                    field.map(|f| format!(" `{f}`")).unwrap_or_default()
                )));
            }
            let list: Vec<T> = serde_json::from_value(list).map_err(|e| Error::Decode {
                url: url.clone(),
                message: e.to_string(),
            })?;
            items.extend(list);
            next = next_link(&response);
        }
        Ok(Listing { items, total_count })
    }
}

fn expect_ok(url: &str, response: &Response) -> Result<(), Error> {
    if response.is_success() {
        return Ok(());
    }
    Err(Error::Status {
        url: url.to_string(),
        status: response.status,
        message: message(&response.body),
    })
}

fn decode<T: DeserializeOwned>(url: &str, body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        url: url.to_string(),
        message: e.to_string(),
    })
}

/// GitHub's `message` field, else the start of the body, for errors.
pub(crate) fn message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            text.chars().take(200).collect()
        })
}

/// `scheme://authority` of an absolute http(s) URL.
fn origin_of(url: &str) -> Option<String> {
    let uri: ureq::http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    Some(format!("{scheme}://{}", uri.authority()?))
}

/// The `rel="next"` target of the `Link` headers.
fn next_link(response: &Response) -> Option<String> {
    for value in response.header_all("link") {
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let Some(target) = pieces.next().map(str::trim) else {
                continue;
            };
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

    fn response(headers: &[(&str, &str)]) -> Response {
        Response {
            status: 200,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn next_links_are_found_among_others() {
        let r = response(&[(
            "link",
            r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last""#,
        )]);
        assert_eq!(
            next_link(&r).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        assert_eq!(next_link(&response(&[])), None);
    }

    #[test]
    fn links_to_other_origins_are_refused() {
        let client = Client::new(ClientConfig {
            api_url: "https://ghe.example.com/api/v3/".into(),
            token: None,
            settings: Settings::default(),
        })
        .unwrap();
        assert_eq!(
            client
                .target("https://ghe.example.com/api/v3/repos/a/b/pulls?page=2")
                .unwrap(),
            "https://ghe.example.com/api/v3/repos/a/b/pulls?page=2"
        );
        assert_eq!(
            client.target("/repos/a/b").unwrap(),
            "https://ghe.example.com/api/v3/repos/a/b"
        );
        assert!(client.target("https://evil.example.com/api/v3/x").is_err());
        assert!(client.target("http://ghe.example.com/api/v3/x").is_err());
    }

    #[test]
    fn github_messages_are_read_from_the_body() {
        assert_eq!(message(br#"{"message":"Not Found"}"#), "Not Found");
        assert_eq!(
            message(b"<html>Bad gateway</html>"),
            "<html>Bad gateway</html>"
        );
    }
}
