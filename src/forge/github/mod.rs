//! GitHub as a [`Forge`]: the REST client, the Actions event payload, and the translation
//! of GitHub's answers (pull requests, reviews with each reviewer's access, team members,
//! check runs and statuses, contents, releases) into the forge's and the rules' plain facts.
//!
//! Nothing here runs unless a command asks for it: hooks never build a [`Client`], so they
//! never open a socket or load TLS.
//!
//! Every answer is checked for what the verdict needs: a missing field, a count that
//! disagrees with the list (`total_count`, a pull request's `commits` and
//! `changed_files`), a page that repeats, a check result for another commit — each is an
//! error (exit 3), never a smaller answer taken as complete.

mod checks;
mod client;
pub mod event;
mod pulls;
mod release;
mod reviews;

use std::fmt;
use std::str::FromStr;

pub use client::{Client, ClientConfig, Listing, MAX_PAGES};

use super::{
    ChangedFile, CheckResult, ErrorKind, FileAt, Forge, NewRelease, PrCommit, PullRequest,
    ReleaseOutcome, Review,
};
use crate::http;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no GitHub token: neither GITHUB_TOKEN nor GH_TOKEN is set")]
    NoToken,
    #[error("GITHUB_API_URL is not a usable URL: {0}")]
    BadApiUrl(String),
    #[error(transparent)]
    Setup(http::SetupError),
    #[error("{method} {url} failed after {attempts} attempts; last answer: {last}")]
    GaveUp {
        method: &'static str,
        url: String,
        attempts: u32,
        last: String,
    },
    #[error(
        "GitHub asks reltag to wait {wait_secs} s ({reason}) before asking {url} again, longer than reltag waits (RELTAG_HTTP_MAX_WAIT_SECS={max_secs}); last answer: {last}"
    )]
    RateLimited {
        url: String,
        wait_secs: u64,
        reason: &'static str,
        max_secs: u64,
        last: String,
    },
    #[error("cannot reach {url} over TLS: {message}")]
    Tls { url: String, message: String },
    #[error("{url} answered {status}: {message}")]
    Status {
        url: String,
        status: u16,
        message: String,
    },
    #[error("cannot read the answer of {url}: {message}")]
    Decode { url: String, message: String },
    #[error("{0}")]
    Protocol(String),
    #[error("{0}")]
    Event(String),
    #[error(
        "the review {id} by {login} has the state `{state}`, which reltag does not know; it cannot decide"
    )]
    UnknownReviewState {
        id: u64,
        login: String,
        state: String,
    },
    #[error("{0}")]
    Release(String),
}

impl Error {
    /// How to get past this error.
    pub fn hint(&self) -> String {
        match self {
            Error::NoToken => "set GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN: ${{ github.token }}`) or GH_TOKEN".into(),
            Error::BadApiUrl(_) => "GITHUB_API_URL must look like https://api.github.com or https://HOST/api/v3".into(),
            Error::Setup(e) => e.hint().into(),
            Error::GaveUp { .. } | Error::RateLimited { .. } => {
                "GitHub did not answer in time: run the job again later (https://www.githubstatus.com)".into()
            }
            Error::Tls { .. } => {
                "if the server's certificate comes from a private CA (GitHub Enterprise Server, a TLS-inspecting proxy), set SSL_CERT_FILE to that CA's certificate (PEM)".into()
            }
            Error::Status { status: 401, .. } => "the token is invalid or expired".into(),
            Error::Status { status: 403 | 404, .. } => {
                "check the token's access to the repository and the job's `permissions:` (pull-requests: read, checks: read, statuses: read, contents: read)".into()
            }
            Error::UnknownReviewState { .. } => {
                "update reltag; until then the gate stays closed".into()
            }
            _ => "run again; if it persists, report it with the output of `-v`".into(),
        }
    }

    /// Whether the problem is the caller's setup (exit 2) rather than the network (exit 3).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::NoToken | Error::BadApiUrl(_) | Error::Event(_) | Error::Setup(_)
        )
    }

    /// The network layer's failure for `method url`, in GitHub's words.
    fn from_http(
        method: http::Method,
        url: &str,
        error: http::Error,
        policy: &http::RetryPolicy,
    ) -> Error {
        match error {
            http::Error::GaveUp { attempts, last } => Error::GaveUp {
                method: method.as_str(),
                url: url.to_string(),
                attempts,
                last: describe(&last),
            },
            http::Error::TooLong { wait, last, .. } => Error::RateLimited {
                url: url.to_string(),
                wait_secs: wait.at_least.as_secs(),
                reason: wait.reason.describe(),
                max_secs: policy.max_wait.as_secs(),
                last: describe(&last),
            },
            http::Error::Tls(message) => Error::Tls {
                url: url.to_string(),
                message,
            },
        }
    }
}

/// A failed attempt: "500 Internal Server Error Server Error" (status and GitHub's message).
fn describe(failure: &http::Failure) -> String {
    match failure {
        http::Failure::Status { status, body } => {
            format!("{} {}", http::status_text(*status), client::message(body))
        }
        other => other.to_string(),
    }
}

impl From<Error> for super::Error {
    fn from(e: Error) -> Self {
        let kind = if e.is_usage() {
            ErrorKind::Usage
        } else {
            ErrorKind::Undecided
        };
        let hint = e.hint();
        super::Error::new(kind, e, hint)
    }
}

/// `OWNER/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerRepo {
    pub owner: String,
    pub name: String,
}

impl OwnerRepo {
    /// `explicit` if given, else `GITHUB_REPOSITORY`.
    pub fn from_env_or(explicit: Option<&str>) -> Result<OwnerRepo, Error> {
        let text = match explicit {
            Some(t) => t.to_string(),
            None => std::env::var("GITHUB_REPOSITORY").map_err(|_| {
                Error::Event(
                    "no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY".into(),
                )
            })?,
        };
        text.parse()
    }

    /// `/repos/OWNER/NAME`.
    pub fn api_path(&self) -> String {
        format!("/repos/{}/{}", self.owner, self.name)
    }
}

impl FromStr for OwnerRepo {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let ok = |p: &str| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        match s.trim().split_once('/') {
            Some((owner, name)) if ok(owner) && ok(name) => Ok(OwnerRepo {
                owner: owner.to_string(),
                name: name.to_string(),
            }),
            _ => Err(Error::Event(format!(
                "`{s}` is not a repository: expected OWNER/NAME"
            ))),
        }
    }
}

impl fmt::Display for OwnerRepo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Percent-encodes one path segment (a tag, a branch, a login) for a URL.
pub(crate) fn encode_segment(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A user as the API returns it (null for deleted accounts).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct User {
    pub login: String,
}

/// One repository on GitHub: the [`Forge`] reltag asks.
#[derive(Debug)]
pub struct GitHub {
    client: Client,
    repo: OwnerRepo,
}

impl GitHub {
    pub fn new(client: Client, repo: OwnerRepo) -> GitHub {
        GitHub { client, repo }
    }

    /// The client from the environment (a token is required) for `repo`, else
    /// `GITHUB_REPOSITORY`.
    pub fn from_env(repo: Option<OwnerRepo>) -> Result<GitHub, Error> {
        let client = Client::from_env()?;
        let repo = match repo {
            Some(r) => r,
            None => OwnerRepo::from_env_or(None)?,
        };
        Ok(GitHub::new(client, repo))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn repo(&self) -> &OwnerRepo {
        &self.repo
    }
}

impl Forge for GitHub {
    fn name(&self) -> &'static str {
        "GitHub"
    }

    fn repository(&self) -> String {
        self.repo.to_string()
    }

    fn pull_request(&self, number: u64) -> Result<PullRequest, super::Error> {
        Ok(pulls::pull_request(&self.client, &self.repo, number)?)
    }

    fn pull_request_commits(&self, pr: &PullRequest) -> Result<Vec<PrCommit>, super::Error> {
        Ok(pulls::commits(&self.client, &self.repo, pr)?)
    }

    fn reviews(&self, pr: &PullRequest) -> Result<Vec<Review>, super::Error> {
        Ok(reviews::reviews(&self.client, &self.repo, pr)?)
    }

    fn changed_files(&self, pr: &PullRequest) -> Result<Vec<ChangedFile>, super::Error> {
        Ok(pulls::changed_files(&self.client, &self.repo, pr)?)
    }

    fn file_at(&self, commit: &str, path: &str) -> Result<FileAt, super::Error> {
        Ok(pulls::file_at(&self.client, &self.repo, commit, path)?)
    }

    fn team_members(&self, org: &str, team: &str) -> Result<Vec<String>, super::Error> {
        let path = format!(
            "/orgs/{}/teams/{}/members",
            encode_segment(org),
            encode_segment(team)
        );
        let members: Vec<User> = self.client.list(&path, None)?.items;
        Ok(members.into_iter().map(|user| user.login).collect())
    }

    fn check_results(&self, commit: &str) -> Result<Vec<CheckResult>, super::Error> {
        Ok(checks::check_results(&self.client, &self.repo, commit)?)
    }

    fn create_release(&self, release: &NewRelease<'_>) -> Result<ReleaseOutcome, super::Error> {
        Ok(release::create_release(&self.client, &self.repo, release)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_repo_parses_and_refuses() {
        let r: OwnerRepo = "octo-org/hello.world".parse().unwrap();
        assert_eq!(r.api_path(), "/repos/octo-org/hello.world");
        for bad in ["", "a", "a/", "/b", "a/b/c", "a/..", "a b/c", "a/b?x"] {
            assert!(bad.parse::<OwnerRepo>().is_err(), "{bad}");
        }
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("v1.2.3"), "v1.2.3");
        assert_eq!(encode_segment("release/v1+x"), "release%2Fv1%2Bx");
    }
}
