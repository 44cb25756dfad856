use std::path::PathBuf;

use clap::Args;

use crate::cli::{CliError, Context, ErrorKind};
use crate::policy::{self, LoadError, Problem, Source};
use crate::report::{Failure, Finding, Outcome, Severity, Style, Subject};
use crate::rules::PolicyRule;

/// Validate a policy file (default: the one in force) and list every problem with its
/// line and column. Exit 2 when it is invalid.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The policy file to check.
    pub file: Option<PathBuf>,
}

pub fn cmd_check_policy(ctx: &Context, args: PolicyArgs) -> Result<Outcome, CliError> {
    let loaded = match args.file {
        Some(file) => policy::load_file(&ctx.cwd.join(file), &ctx.cwd),
        None => {
            let repo = ctx.repo().ok();
            policy::load(
                ctx.policy_path.as_deref(),
                repo.as_ref().and_then(|r| r.workdir()),
                &ctx.cwd,
            )
        }
    };
    let mut report = ctx.report("check policy", Style::Verdict);
    report.checked().files = 1;
    match loaded {
        Ok(policy) => {
            let f = &policy.file;
            let what = match &policy.source {
                Source::Default => "no policy.toml: the default policy applies".to_string(),
                Source::File(path) => format!(
                    "{} is valid",
                    path.strip_prefix(&ctx.cwd).unwrap_or(path).display()
                ),
            };
            report.note(format!(
                "{what} ({} roles, {} environments, {} release criteria)",
                f.roles.len(),
                f.environments.len(),
                f.release.criteria.len()
            ));
            // Valid but risky: exemptions anyone can claim.
            let path = match &policy.source {
                Source::Default => "policy.toml (default)".to_string(),
                Source::File(path) => path
                    .strip_prefix(&ctx.cwd)
                    .unwrap_or(path)
                    .display()
                    .to_string(),
            };
            for warning in &policy.warnings {
                report.finding(problem_finding(Severity::Warning, &path, warning));
            }
            ctx.finish(report, Ok(()))
        }
        Err(LoadError::Invalid(invalid)) => {
            for problem in &invalid.problems {
                report.finding(problem_finding(Severity::Error, &invalid.path, problem));
            }
            // A broken policy is a policy error (exit 2), and the findings say why.
            let count = invalid.problems.len();
            report.fail(Failure {
                kind: "policy",
                exit_code: ErrorKind::Policy.exit_code(),
                message: Some(format!(
                    "{} has {count} {}",
                    invalid.path,
                    if count == 1 { "problem" } else { "problems" }
                )),
                causes: Vec::new(),
                hints: Vec::new(),
            });
            ctx.finish(report, Ok(()))?;
            Err(CliError::already_reported(ErrorKind::Policy))
        }
        Err(e) => ctx.finish(report, Err(e.into())),
    }
}

/// A problem in the policy file as a finding at its line and column, underlined.
fn problem_finding(severity: Severity, path: &str, problem: &Problem) -> Finding {
    let subject = Subject::File {
        path: path.to_string(),
        line: Some(problem.line),
        column: Some(problem.column),
    };
    let finding = match severity {
        Severity::Error => Finding::error(PolicyRule::ID, subject, problem.message.clone()),
        Severity::Warning => Finding::warning(PolicyRule::ID, subject, problem.message.clone()),
    };
    match problem.snippet() {
        Some(snippet) => finding.with_snippet(snippet),
        None => finding,
    }
}
