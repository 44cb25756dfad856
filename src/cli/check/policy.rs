use std::path::PathBuf;

use clap::Args;

use crate::cli::{CliError, Context, ErrorKind};
use crate::policy::{self, LoadError, Source};
use crate::report::{Failure, Finding, Outcome, Style, Subject};
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
            ctx.finish(report, Ok(()))
        }
        Err(LoadError::Invalid(invalid)) => {
            for problem in &invalid.problems {
                report.finding(
                    Finding::error(
                        PolicyRule::ID,
                        Subject::File {
                            path: invalid.path.clone(),
                            line: Some(problem.line),
                            column: Some(problem.column),
                        },
                        format!("{} (at `{}`)", problem.message, problem.text),
                    )
                    .with_hint(format!(
                        "edit line {}: {}",
                        problem.line,
                        problem.source_line.trim()
                    )),
                );
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
