//! What every command shares: where it runs, the output settings, the way it loads the
//! repository and the policy, and the one way it reports: [`Context::report`] opens the
//! command's [`Report`], [`Context::finish`] closes it and turns it into the exit code.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::{CliError, ColorWhen, GlobalArgs};
use crate::git::Repo;
use crate::policy::{self, Policy};
use crate::report::{self, Config, Format, Outcome, Report, Style};

pub struct Context {
    pub cwd: PathBuf,
    pub policy_path: Option<PathBuf>,
    pub format: Format,
    pub color: bool,
    pub quiet: bool,
    pub verbose: bool,
    /// The events the ledger's write path recorded in this run, for the summary.
    recorded: std::cell::RefCell<Vec<String>>,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Result<Context, CliError> {
        let base =
            std::env::current_dir().map_err(|e| CliError::new(super::ErrorKind::Usage, e))?;
        let cwd = match global.dir {
            Some(dir) => base.join(dir),
            None => base,
        };
        let in_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
        let format = global.format.unwrap_or(if in_actions {
            Format::Github
        } else {
            Format::Human
        });
        let color = format == Format::Human
            && match global.color {
                ColorWhen::Always => true,
                ColorWhen::Never => false,
                ColorWhen::Auto => {
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                }
            };
        let policy_path = global.policy.map(|p| cwd.join(p));
        Ok(Context {
            cwd,
            policy_path,
            format,
            color,
            quiet: global.quiet,
            verbose: global.verbose,
            recorded: std::cell::RefCell::new(Vec::new()),
        })
    }

    pub fn repo(&self) -> Result<Repo, CliError> {
        Ok(Repo::discover(&self.cwd)?)
    }

    /// The policy in force for `repo` (or for the current directory without one).
    pub fn policy(&self, repo: Option<&Repo>) -> Result<Policy, CliError> {
        let root = repo.and_then(|r| r.workdir());
        Ok(policy::load(self.policy_path.as_deref(), root, &self.cwd)?)
    }

    /// The command's report, rendering to stdout in the chosen format. `command` is the
    /// command as typed (`check commits`), for the json document and the step summary.
    pub fn report(&self, command: &'static str, style: Style) -> Report {
        let github = self.format == Format::Github;
        let file = |name: &str| {
            github
                .then(|| std::env::var_os(name).map(PathBuf::from))
                .flatten()
        };
        Report::new(Config {
            command,
            format: self.format,
            style,
            color: self.color,
            quiet: self.quiet,
            verbose: self.verbose,
            step_summary: file("GITHUB_STEP_SUMMARY"),
            github_output: file("GITHUB_OUTPUT"),
        })
    }

    /// Closes the report: `result` is how the command's work ended. An error after the
    /// report started is recorded in it (json: `"error"`, the outcome undecided) and then
    /// returned, to be printed once on stderr with its exit code; otherwise the exit code
    /// is the report's outcome.
    pub fn finish(
        &self,
        mut report: Report,
        result: Result<(), CliError>,
    ) -> Result<Outcome, CliError> {
        report.recorded(self.recorded.take());
        match result {
            Ok(()) => Ok(report.finish()?),
            Err(error) => {
                report.fail(error.failure());
                // The command's error says more than a failure to write it out.
                let _ = report.finish();
                Err(error)
            }
        }
    }

    /// An event the ledger's write path recorded (its summary), for the report's summary
    /// line: called by `ledger_access::write` only, after the remote accepted.
    pub(super) fn recorded(&self, event: String) {
        self.recorded.borrow_mut().push(event);
    }

    /// A status line for people (stderr), unless `-q`.
    pub fn status(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            report::output::status(&message.to_string());
        }
    }
}
