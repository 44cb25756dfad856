//! reltag: enforces a team's release process, written once in `policy.toml`, at every
//! point where a change moves: git hooks, the GitHub Action, `cut` and `promote`.
//!
//! Data flows one way — gather → check → report → act: a command gathers facts (git
//! objects, files, API answers), runs the rules of its gate ([`gates`]: pure functions
//! of [`rules`] in a declared order), gives the checks and findings to one
//! [`report::Report`] (which renders them as they come and derives the outcome and exit
//! code), and acts only when nothing blocks. Text leaves through one escaper ([`text`]).

pub mod calendar;
pub mod cli;
pub mod dashboard;
pub mod deploy;
pub mod evidence;
pub mod forge;
pub mod gates;
pub mod git;
pub mod hooks;
pub mod http;
pub mod input;
pub mod ledger;
pub mod notify;
pub mod owners;
pub mod policy;
pub mod release;
pub mod report;
pub mod rules;
pub mod scenario;
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
