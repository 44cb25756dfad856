//! The one error type at the edge: a kind (which decides the exit code), the error with
//! its cause chain, and hints. Printed in one place: `error:`, `caused by:`, `hint:`.

use std::io::Write;

use crate::git;
use crate::policy::LoadError;
use crate::report::Failure;
use crate::text::escape_block;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Wrong arguments or environment (exit 2).
    Usage,
    /// The policy file is broken (exit 2).
    Policy,
    /// reltag could not decide: I/O, git, network (exit 3). Gates treat it as blocked.
    Undecided,
}

impl ErrorKind {
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Usage | ErrorKind::Policy => 2,
            ErrorKind::Undecided => 3,
        }
    }
}

#[derive(Debug)]
pub struct CliError {
    pub kind: ErrorKind,
    /// `None` when the problem was already shown as findings (e.g. `check policy`).
    pub error: Option<Box<dyn std::error::Error + Send + Sync>>,
    pub hints: Vec<String>,
}

impl CliError {
    pub fn new(
        kind: ErrorKind,
        error: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        CliError {
            kind,
            error: Some(error.into()),
            hints: Vec::new(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new(ErrorKind::Usage, message.into())
    }

    pub fn undecided(message: impl Into<String>) -> Self {
        CliError::new(ErrorKind::Undecided, message.into())
    }

    /// An error whose details were already rendered as a report.
    pub fn already_reported(kind: ErrorKind) -> Self {
        CliError {
            kind,
            error: None,
            hints: Vec::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// The error's text and its causes, outermost first.
    fn messages(&self) -> (Option<String>, Vec<String>) {
        let Some(error) = &self.error else {
            return (None, Vec::new());
        };
        let mut causes = Vec::new();
        let mut source = error.source();
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        (Some(error.to_string()), causes)
    }

    /// The error as the report records it when it happens after the report started.
    pub fn failure(&self) -> Failure {
        let (message, causes) = self.messages();
        Failure {
            kind: match self.kind {
                ErrorKind::Usage => "usage",
                ErrorKind::Policy => "policy",
                ErrorKind::Undecided => "undecided",
            },
            exit_code: self.kind.exit_code(),
            message,
            causes,
            hints: self.hints.clone(),
        }
    }

    /// Writes the error, its causes and its hints. Their text can quote users and
    /// services (a policy regex, Jira's answer): it goes through the one escaper, which
    /// keeps line breaks (a policy snippet spans lines) and nothing else that acts on a
    /// terminal.
    pub fn print(&self, err: &mut dyn Write) {
        let (message, causes) = self.messages();
        if let Some(message) = message {
            let _ = writeln!(err, "error: {}", escape_block(&message));
        }
        for cause in causes {
            let _ = writeln!(err, "caused by: {}", escape_block(&cause));
        }
        for hint in &self.hints {
            let _ = writeln!(err, "hint: {}", escape_block(hint));
        }
    }
}

impl From<LoadError> for CliError {
    fn from(e: LoadError) -> Self {
        let hint = match &e {
            LoadError::Read { path, .. } => format!("check the path: {}", path.display()),
            LoadError::Invalid(invalid) => format!(
                "check the policy file: {} (`reltag check policy` lists every problem)",
                invalid.path
            ),
        };
        let kind = match e {
            LoadError::Read { .. } => ErrorKind::Usage,
            LoadError::Invalid(_) => ErrorKind::Policy,
        };
        CliError::new(kind, e).hint(hint)
    }
}

impl From<git::Error> for CliError {
    fn from(e: git::Error) -> Self {
        match &e {
            git::Error::NotARepository { .. } => CliError::new(ErrorKind::Usage, e)
                .hint("run reltag inside a git repository, or pass -C <dir>"),
            git::Error::ShallowBoundary { .. } => CliError::new(ErrorKind::Undecided, e).hint(
                "fetch the missing history: `git fetch --unshallow` (or `git fetch --deepen=<n>`), then run again",
            ),
            git::Error::CommitGraph { .. } => CliError::new(ErrorKind::Undecided, e).hint(
                "rewrite it with `git commit-graph write --reachable` (or delete .git/objects/info/commit-graph), then run again",
            ),
            git::Error::RevisionNotFound { rev, .. } => {
                let rev = rev.clone();
                CliError::new(ErrorKind::Undecided, e).hint(format!(
                    "check the name, or fetch it: `git fetch origin {rev}`"
                ))
            }
            git::Error::Read { .. } => CliError::new(ErrorKind::Undecided, e),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::new(ErrorKind::Undecided, e)
    }
}

impl From<crate::hooks::install::InstallError> for CliError {
    fn from(e: crate::hooks::install::InstallError) -> Self {
        use crate::hooks::install::InstallError as E;
        let kind = match &e {
            E::Discover { .. }
            | E::HooksPath(_)
            | E::RelativeHooksPathWithoutBase { .. }
            | E::ForeignHook { .. }
            | E::BackupExists { .. }
            | E::NotAFile { .. }
            | E::RelativeBinary { .. } => ErrorKind::Usage,
            E::Io { .. } => ErrorKind::Undecided,
        };
        let hint = match &e {
            E::Discover { .. } => {
                Some("run reltag inside a git repository, or pass -C <dir>".to_string())
            }
            other => other.hint(),
        };
        let err = CliError::new(kind, e);
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

impl From<crate::tracker::jira::Error> for CliError {
    /// Every Jira problem leaves the question open: exit 3, with how to fix it.
    fn from(e: crate::tracker::jira::Error) -> Self {
        let hint = e.hint();
        // A proxy variable or SSL_CERT_FILE that cannot be used is the caller's setup.
        let kind = match e {
            crate::tracker::jira::Error::Setup(_) => ErrorKind::Usage,
            _ => ErrorKind::Undecided,
        };
        let err = CliError::new(kind, e);
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

impl From<crate::forge::Error> for CliError {
    /// A forge's error: the caller's setup (exit 2) or an open question (exit 3).
    fn from(e: crate::forge::Error) -> Self {
        let kind = match e.kind {
            crate::forge::ErrorKind::Usage => ErrorKind::Usage,
            crate::forge::ErrorKind::Undecided => ErrorKind::Undecided,
        };
        let hint = e.hint.clone();
        CliError::new(kind, e).hint(hint)
    }
}

impl From<crate::forge::github::Error> for CliError {
    fn from(e: crate::forge::github::Error) -> Self {
        let kind = if e.is_usage() {
            ErrorKind::Usage
        } else {
            ErrorKind::Undecided
        };
        let hint = e.hint();
        CliError::new(kind, e).hint(hint)
    }
}

impl From<crate::deploy::Error> for CliError {
    /// Bad input (an unknown environment or version, a time in the past) is exit 2; the
    /// ledger's errors keep their own kind.
    fn from(e: crate::deploy::Error) -> Self {
        let e = match e {
            crate::deploy::Error::Ledger(e) => return e.into(),
            e => e,
        };
        let hint = e.hint();
        let err = CliError::new(ErrorKind::Usage, e);
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

impl From<crate::schedule::InvalidNow> for CliError {
    /// A `RELTAG_NOW` that is not a time: the caller's setup.
    fn from(e: crate::schedule::InvalidNow) -> Self {
        CliError::new(ErrorKind::Usage, e)
    }
}

impl From<crate::git::tag::TagError> for CliError {
    /// No identity is the user's setup (exit 2); a signing or write failure leaves the
    /// cut undecided (exit 3).
    fn from(e: crate::git::tag::TagError) -> Self {
        use crate::git::tag::TagError;
        match e {
            e @ TagError::Sign(_) => CliError::new(ErrorKind::Undecided, e).hint(
                "check your signing configuration (user.signingkey, gpg.format), or cut without --sign",
            ),
            e @ TagError::NoIdentity => {
                CliError::new(ErrorKind::Usage, e).hint("set user.name and user.email")
            }
            e @ TagError::Identity(_) => CliError::new(ErrorKind::Usage, e),
            e @ (TagError::SignedRef(_) | TagError::Write { .. }) => {
                CliError::new(ErrorKind::Undecided, e)
            }
        }
    }
}

impl From<crate::release::gather::Error> for CliError {
    /// A policy without the command's argv is the policy's fault (exit 2); a program that
    /// cannot start, git or the ledger leave the release undecided (exit 3).
    fn from(e: crate::release::gather::Error) -> Self {
        use crate::release::gather::Error;
        match e {
            Error::Git(e) => e.into(),
            Error::Ledger(e) => e.into(),
            e @ Error::NoCommand => CliError::new(ErrorKind::Policy, e).hint(
                "set argv = [\"program\", \"arg\", …] or remove `command` from [release] criteria",
            ),
            e @ Error::Command { .. } => CliError::new(ErrorKind::Undecided, e)
                .hint("check [release.command] argv: the program must exist (no shell is used)"),
            e @ Error::NotRecordable(_) => CliError::new(ErrorKind::Usage, e)
                .hint("evidence is recorded for the criteria read from a report"),
            Error::NeedsVersion(criterion) => CliError::new(ErrorKind::Usage, e).hint(format!(
                "run `reltag evidence record {criterion} 1.4.0` (or its tag name, e.g. v1.4.0)"
            )),
            e @ (Error::Unregistered(_) | Error::NoLedger) => {
                CliError::new(ErrorKind::Undecided, e)
            }
        }
    }
}
