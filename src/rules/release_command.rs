use super::declare_rule;
use crate::policy::schema::{Criterion, Skippable};
use crate::release::criteria::{CriterionEntry, CriterionOutcome, Recorded};
use crate::release::gather::{Error, Gather};
use crate::report::{Finding, Subject};

declare_rule! {
    /// ## What it checks
    /// The program in `[release.command] argv` exits 0 when run at the root of the
    /// working tree. It is run directly, without a shell: no globbing, pipes or
    /// variable expansion.
    ///
    /// ## Why
    /// A team's own last check (a smoke test, a licence scan) belongs in the same gate
    /// as the rest, with the same report.
    ///
    /// ## Example
    /// `argv = ["./scripts/smoke-test", "--quick"]`.
    ///
    /// ## Configuration
    /// `[release.command] argv`.
    ///
    /// ## How to fix
    /// Run the command yourself and fix what it reports.
    pub struct ReleaseCommand { id: "release-command", group: Release }
}

pub struct CommandFacts<'a> {
    pub argv: &'a [String],
    /// The exit code (`None`: killed by a signal) and the last lines of its stderr.
    pub status: Option<i32>,
    pub stderr_tail: &'a str,
}

pub fn check(facts: &CommandFacts, out: &mut Vec<Finding>) {
    if facts.status != Some(0) {
        let status = match facts.status {
            Some(code) => format!("exited with {code}"),
            None => "was killed by a signal".into(),
        };
        let tail = if facts.stderr_tail.trim().is_empty() {
            String::new()
        } else {
            format!(": {}", facts.stderr_tail.trim())
        };
        out.push(
            Finding::error(
                ReleaseCommand::ID,
                Subject::Repository,
                format!("`{}` {status}{tail}", facts.argv.join(" ")),
            )
            .with_hint("run the command yourself and fix what it reports"),
        );
    }
}

/// The `command` criterion: the policy's program, run at the root of the working tree.
pub const CRITERION: CriterionEntry = CriterionEntry {
    criterion: Criterion::Command,
    name: "command",
    rule: ReleaseCommand::INFO,
    skippable: Some(Skippable::Command),
    recorded: Recorded::Never,
    evaluate,
};

fn evaluate(g: &Gather<'_>) -> Result<CriterionOutcome, Error> {
    let argv = &g.policy.file.release.command.argv;
    let end = g.run(argv)?;
    let mut findings = Vec::new();
    check(
        &CommandFacts {
            argv,
            status: end.status,
            stderr_tail: &end.stderr_tail,
        },
        &mut findings,
    );
    Ok(CriterionOutcome::decide(
        "command",
        Some(match end.status {
            Some(code) => format!("exit {code}"),
            None => "killed".into(),
        }),
        Some("exit 0".into()),
        findings,
        false,
    ))
}
