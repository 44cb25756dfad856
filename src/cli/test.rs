//! `reltag test`: runs scenario files against the policy in force (`crate::scenario`).

use std::path::{Path, PathBuf};

use clap::Args;

use super::{CliError, Context};
use crate::input::{self, Origin};
use crate::report::{Check, Finding, Outcome, Style, Subject};
use crate::rules::policy_test::PolicyTest;
use crate::scenario::{self, ScenarioFile};

/// Where scenario files live by default, at the root of the working tree.
pub const SCENARIO_DIR: &str = "policy-tests";

/// Test the policy: run scenario files (a branch, commits, a push, a pull request with
/// its reviews, a promotion with the ledger's events and a clock) and check that the
/// policy allows or blocks each, with the rules expected.
///
/// Offline: nothing is read from the repository's history or asked of a service. Exit 0
/// when every scenario gets what it expects, 1 when one does not, 2 for a scenario file
/// that cannot be read.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Scenario files, or directories of them (*.toml) [default: policy-tests/ at the
    /// root of the working tree].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub fn cmd_test(ctx: &Context, args: TestArgs) -> Result<Outcome, CliError> {
    let repo = ctx.repo().ok();
    let policy = ctx.policy(repo.as_ref())?;
    let root = repo
        .as_ref()
        .and_then(|r| r.workdir())
        .map_or(ctx.cwd.clone(), Path::to_path_buf);
    let files = if args.paths.is_empty() {
        let dir = root.join(SCENARIO_DIR);
        if !dir.is_dir() {
            return Err(CliError::usage(format!(
                "no scenarios: {} does not exist",
                dir.display()
            ))
            .hint("write scenarios under policy-tests/ (`reltag init` writes an example), or name the files: `reltag test FILE...`"));
        }
        read_all(&[dir], Origin::WorkTree { root: &root })?
    } else {
        read_all(&args.paths, Origin::CommandLine { cwd: &ctx.cwd })?
    };
    let count: usize = files.iter().map(|f| f.scenarios.len()).sum();
    if count == 0 {
        return Err(CliError::usage("no scenarios in the files given")
            .hint("a scenario is a [[scenario]] table: see `reltag explain policy-test`"));
    }

    let mut report = ctx.report("test", Style::Verdict);
    report.note(format!(
        "{count} {} in {} {}, against {}",
        if count == 1 { "scenario" } else { "scenarios" },
        files.len(),
        if files.len() == 1 { "file" } else { "files" },
        match &policy.source {
            crate::policy::Source::File(path) => path
                .strip_prefix(&root)
                .unwrap_or(path)
                .display()
                .to_string(),
            other => other.to_string(),
        }
    ));
    for file in &files {
        report.checked().files += 1;
        for scenario in &file.scenarios {
            let spec = &scenario.spec;
            let ran = scenario::run(spec, &policy);
            let subject = Subject::File {
                path: file.path.clone(),
                line: Some(scenario.line),
                column: None,
            };
            let wrong = scenario::mismatch(spec, &ran);
            let measured = match &wrong {
                None => format!("\"{}\": {}, as expected", spec.name, ran.describe()),
                Some(wrong) => format!("\"{}\": {wrong}", spec.name),
            };
            let findings = match wrong {
                None => Vec::new(),
                Some(wrong) => {
                    let mut finding = Finding::error(
                        PolicyTest::ID,
                        subject.clone(),
                        format!("scenario \"{}\": {wrong}", spec.name),
                    );
                    if !ran.findings.is_empty() {
                        finding = finding.with_hint(format!(
                            "the policy said: {}",
                            ran.findings
                                .iter()
                                .map(|f| format!(
                                    "{}[{}] {}",
                                    if f.error { "error" } else { "warning" },
                                    f.rule,
                                    f.message
                                ))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ));
                    }
                    vec![finding]
                }
            };
            report.check(Check::new(PolicyTest::ID, Some(subject), findings).measured(measured));
        }
    }
    ctx.finish(report, Ok(()))
}

/// Every scenario file the paths name (a directory: its `*.toml`, by name), parsed. A
/// file that cannot be read or parsed is exit 2, before anything is run.
fn read_all(paths: &[PathBuf], origin: Origin<'_>) -> Result<Vec<ScenarioFile>, CliError> {
    let mut files = Vec::new();
    for path in paths {
        let base = match origin {
            Origin::WorkTree { root } => root,
            Origin::CommandLine { cwd } => cwd,
        };
        let full = base.join(path);
        if full.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&full)
                .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
                .collect();
            entries.sort();
            for entry in entries {
                let shown = entry
                    .strip_prefix(base)
                    .unwrap_or(&entry)
                    .display()
                    .to_string();
                files.push(read_one(&entry, &shown, origin)?);
            }
        } else {
            files.push(read_one(path, &path.display().to_string(), origin)?);
        }
    }
    Ok(files)
}

fn read_one(path: &Path, shown: &str, origin: Origin<'_>) -> Result<ScenarioFile, CliError> {
    let bytes = input::open(path, origin, input::Limit::POLICY)
        .and_then(input::Input::into_bytes)
        .map_err(|e| CliError::usage(e.to_string()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::usage(format!("{shown}: not UTF-8 text")))?;
    scenario::parse(shown, &text).map_err(|e| {
        CliError::usage(e.to_string())
            .hint("see `reltag explain policy-test` and the README's \"Testing the policy\"")
    })
}
