//! reltag: enforces a team's release process, written once in `policy.toml`, at every
//! point where a change moves: git hooks, the GitHub Action, `cut` and `promote`.
//!
//! Data flows one way: a command gathers facts (git objects, files, API answers), runs
//! the rules its gate names (pure functions, see [`rules`]), renders the findings
//! ([`report`]), and acts only when nothing blocks.

pub mod cli;
pub mod evidence;
pub mod forge;
pub mod gates;
pub mod git;
pub mod hooks;
pub mod http;
pub mod ledger;
pub mod policy;
pub mod release;
pub mod report;
pub mod rules;
pub mod schedule;
pub mod text;
pub mod tracker;

use std::ffi::OsString;

/// Runs reltag with these arguments and returns the process exit code:
/// 0 allowed, 1 blocked, 2 usage or policy error, 3 could not decide.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> u8 {
    match cli::run(args) {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            error.print(&mut std::io::stderr().lock());
            error.kind.exit_code()
        }
    }
}
