//! What every command shares: where it runs, the output settings, and the way it loads
//! the repository and the policy.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use super::{CliError, ColorWhen, GlobalArgs};
use crate::git::Repo;
use crate::policy::{self, Policy};
use crate::report::{self, Format, Outcome, Report};

pub struct Context {
    pub cwd: PathBuf,
    pub policy_path: Option<PathBuf>,
    pub format: Format,
    pub color: bool,
    pub quiet: bool,
    pub verbose: bool,
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

    /// Renders the report to stdout in the chosen format and returns its outcome. In the
    /// `github` format it also writes the step summary and the `allowed` output.
    pub fn emit(&self, report: &Report) -> Result<Outcome, CliError> {
        self.emit_with_outputs(report, &[])
    }

    pub fn emit_with_outputs(
        &self,
        report: &Report,
        outputs: &[(&str, String)],
    ) -> Result<Outcome, CliError> {
        // `--verbose` says what each exemption let through (JSON always lists them).
        let with_exemptions;
        let report = if self.verbose && self.format != Format::Json && !report.exempted.is_empty() {
            let mut r = report.clone();
            r.notes.extend(report.exempted.iter().map(|e| e.note()));
            with_exemptions = r;
            &with_exemptions
        } else {
            report
        };
        let outcome = report.outcome();
        if !(self.quiet && report.findings.is_empty()) {
            let mut stdout = std::io::stdout().lock();
            let written = report::render(report, self.format, &mut stdout, self.color, !self.quiet)
                .and_then(|()| stdout.flush());
            match written {
                // A closed pipe (`reltag check | head`) is not an error to report, but it
                // must not turn a blocked gate into an allowed one: keep the outcome.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(outcome),
                other => other?,
            }
        }
        if self.format == Format::Github {
            let summary = std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from);
            let output = std::env::var_os("GITHUB_OUTPUT").map(PathBuf::from);
            report::write_github_files(report, summary.as_deref(), output.as_deref(), outputs)?;
        }
        Ok(outcome)
    }

    /// A status line for people (stderr), unless `-q`.
    pub fn status(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }
}
