//! Code hosts ("forges"): what reltag asks of one, as the [`Forge`] trait, and the GitHub
//! implementation in `github/`.
//!
//! A forge's client translates the host's answers into plain facts — [`PullRequest`],
//! the rules' [`Review`] and [`CheckResult`], files at a commit — and never builds a
//! finding: deciding is the rules' job. A second forge (GitLab, Gitea) is a new folder
//! implementing [`Forge`], plus an arm in [`from_env`].
//!
//! Everything here uses the network, so nothing here runs on the local, hook-time paths:
//! the commands that need a forge build it themselves.

pub mod base;
pub mod github;

use crate::git::CommitInfo;
pub use crate::rules::release_ci::CheckResult;
pub use crate::rules::reviews::Review;

/// What reltag asks of a code host, for one repository.
pub trait Forge {
    /// The host's name in messages: "GitHub".
    fn name(&self) -> &'static str;
    /// The repository, as the host names it: "octo/app".
    fn repository(&self) -> String;
    /// A pull (merge) request by its number.
    fn pull_request(&self, number: u64) -> Result<PullRequest, Error>;
    /// Every commit of the pull request, oldest first, with the account the host links
    /// to each commit's author. A list the host cuts short (GitHub stops at 250) is an
    /// error, never a shorter list.
    fn pull_request_commits(&self, pr: &PullRequest) -> Result<Vec<PrCommit>, Error>;
    /// Every review, with whether each reviewer who approved or requested changes can
    /// push to the repository.
    fn reviews(&self, pr: &PullRequest) -> Result<Vec<Review>, Error>;
    /// Every file the pull request changes. A list the host cuts short is an error.
    fn changed_files(&self, pr: &PullRequest) -> Result<Vec<ChangedFile>, Error>;
    /// A file as the commit `commit` has it (the host reads its git objects).
    fn file_at(&self, commit: &str, path: &str) -> Result<FileAt, Error>;
    /// The logins of every member of the team `org/team` (a code owner), child teams'
    /// members included. A team the host will not list is an error, never an empty team.
    fn team_members(&self, org: &str, team: &str) -> Result<Vec<String>, Error>;
    /// Every CI result (check runs, statuses) on exactly `commit`.
    fn check_results(&self, commit: &str) -> Result<Vec<CheckResult>, Error>;
    /// The release for an annotated tag already pushed, once.
    fn create_release(&self, release: &NewRelease<'_>) -> Result<ReleaseOutcome, Error>;
}

/// The forge the environment names. Today GitHub (`GITHUB_TOKEN`/`GH_TOKEN`,
/// `GITHUB_API_URL`, `GITHUB_REPOSITORY`); another forge is chosen here.
pub fn from_env() -> Result<Box<dyn Forge>, Error> {
    Ok(Box::new(github::GitHub::from_env(None)?))
}

/// One commit of a pull request, as the host lists it.
#[derive(Debug, Clone)]
pub struct PrCommit {
    /// The commit, its author as the commit claims.
    pub commit: CommitInfo,
    /// The host's account for the author (GitHub: `author.login`), when it links one:
    /// the only author identity `[commits] exempt_authors` trusts in a pull request.
    pub author_login: Option<String>,
}

/// A pull request, as every forge has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    /// The author's login.
    pub author: String,
    pub head: Side,
    pub base: Side,
    /// How many commits the host says it has, when it says.
    pub commit_count: Option<u64>,
    /// How many files the host says it changes, when it says.
    pub changed_files: Option<u64>,
}

/// One end of a pull request: a branch and the commit it names (a full hex id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub branch: String,
    pub sha: String,
}

/// A file a pull request changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    pub path: String,
    /// The path before a rename.
    pub previous_path: Option<String>,
}

/// A path at a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAt {
    /// A regular file, with its bytes.
    File(Vec<u8>),
    /// Nothing at that path.
    Missing,
    /// Something that is not a regular file: a symlink, a directory, a submodule. `what`
    /// says which, for the message.
    NotAFile { what: String },
}

/// A release to create for a pushed annotated tag.
#[derive(Debug, Clone, Copy)]
pub struct NewRelease<'a> {
    pub tag: &'a str,
    /// The tag object's id, as `git rev-parse <tag>` prints it: the host's tag must be it.
    pub tag_object: &'a str,
    /// Markdown.
    pub notes: &'a str,
    pub prerelease: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseOutcome {
    /// The release was created; its web page.
    Created { url: String },
    /// A release for the tag already existed and was left as it was.
    Existing { url: String },
}

/// Whether a forge problem is the caller's setup or an open question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No token, a bad URL, a missing event: exit 2.
    Usage,
    /// The host could not be asked, or answered something reltag cannot decide on: exit 3.
    Undecided,
}

/// A forge's error, whatever the forge: what went wrong, whose problem it is, and how
/// to get past it.
#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub hint: String,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl Error {
    pub fn new(
        kind: ErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
        hint: impl Into<String>,
    ) -> Error {
        Error {
            kind,
            hint: hint.into(),
            source: source.into(),
        }
    }

    /// The forge-specific error underneath, for tests and callers that know the forge.
    pub fn inner(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.source
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.source.fmt(f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.source()
    }
}
