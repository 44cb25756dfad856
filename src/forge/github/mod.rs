//! The GitHub side of reltag: a REST client (octocrab underneath), the Actions event
//! payload, review evaluation for `check pr`, the `ci` release criterion and releases.
//!
//! Nothing here runs unless a command asks for it: hooks never build a [`Client`], so they
//! never start a runtime, open a socket or load TLS.
//!
//! For `reltag cut`:
//! - [`Client::from_env`] builds the client (token from `GITHUB_TOKEN` or `GH_TOKEN`, API
//!   base from `GITHUB_API_URL`); [`OwnerRepo::from_env_or`] names the repository.
//! - [`evaluate_ci`] is the `ci` criterion; [`CiOutcome::findings`] turns it into findings.
//! - [`create_release`] makes the GitHub Release after the annotated tag is pushed.
//!
//! Every error is "could not decide" (exit 3) except a missing token or a bad API URL
//! (exit 2); `From<Error> for CliError` says so with a hint.

mod ci;
mod client;
pub mod event;
mod release;
pub mod reviews;

use std::fmt;
use std::str::FromStr;

pub use ci::{CheckState, CiOutcome, RequiredCheck, evaluate_ci};
pub use client::{Client, ClientConfig, Response, RetryPolicy};
pub use release::{ReleaseOutcome, create_release};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no GitHub token: neither GITHUB_TOKEN nor GH_TOKEN is set")]
    NoToken,
    #[error("GITHUB_API_URL is not a usable URL: {0}")]
    BadApiUrl(String),
    #[error("cannot start the network runtime")]
    Runtime(#[source] std::io::Error),
    #[error("cannot build the GitHub client: {0}")]
    Client(String),
    #[error("{method} {url} failed after {attempts} attempts; last answer: {last}")]
    GaveUp {
        method: &'static str,
        url: String,
        attempts: u32,
        last: String,
    },
    #[error(
        "GitHub's rate limit for {url} lifts in {wait_secs}s, longer than reltag waits; last answer: {last}"
    )]
    RateLimited {
        url: String,
        wait_secs: u64,
        last: String,
    },
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
            Error::GaveUp { .. } | Error::RateLimited { .. } => {
                "GitHub did not answer in time: run the job again later (https://www.githubstatus.com)".into()
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
        matches!(self, Error::NoToken | Error::BadApiUrl(_) | Error::Event(_))
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

/// Percent-encodes one path segment (a tag or branch name) for a URL.
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
