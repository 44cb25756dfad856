//! Git hook plumbing that does not depend on the policy engine.
//!
//! - [`message`]: the commit-msg hook's view of a message after git's `commit.cleanup`.
//! - [`pre_push`]: git's pre-push stdin (or the pre-commit framework's variables) and the
//!   commits a push would publish.
//! - [`published`]: whether a new protected branch's commits are already on the remote's
//!   protected branches.
//! - [`install`]: where hooks live, and installing/uninstalling reltag's scripts.
//!
//! Hook paths must stay fast: no network, no async runtime, nothing set up that a hook run
//! does not need.

pub mod install;
pub mod message;
pub mod pre_push;
pub mod published;

use std::fmt;
use std::str::FromStr;

/// The hooks reltag can install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HookKind {
    CommitMsg,
    PreCommit,
    PrePush,
}

impl HookKind {
    /// Every kind, in install order.
    pub const ALL: [HookKind; 3] = [Self::CommitMsg, Self::PreCommit, Self::PrePush];
    /// What `reltag install` installs without `--hook`: pre-commit only runs on request, since
    /// it fires before the user has written anything and some teams find that noisy.
    pub const DEFAULT: [HookKind; 2] = [Self::CommitMsg, Self::PrePush];

    /// The hook's file name, which is also the `reltag hook <kind>` argument.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CommitMsg => "commit-msg",
            Self::PreCommit => "pre-commit",
            Self::PrePush => "pre-push",
        }
    }
}

impl fmt::Display for HookKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown hook name.
#[derive(Debug, thiserror::Error)]
#[error("unknown hook {0:?}: expected commit-msg, pre-commit or pre-push")]
pub struct UnknownHook(pub String);

impl FromStr for HookKind {
    type Err = UnknownHook;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownHook(s.to_owned()))
    }
}
