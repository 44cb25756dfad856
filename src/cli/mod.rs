//! The command line: clap definitions, one module per command, and a flat dispatch.

mod approve;
mod attest;
mod calendar;
mod check;
mod completions;
mod context;
mod cut;
mod dashboard;
pub mod error;
mod evidence;
mod explain;
mod hook;
mod init;
mod install;
mod ledger_access;
mod log;
mod notes;
mod notices;
mod notify;
mod promote;
mod rollback;
mod schedule;
mod status;
mod test;
mod uninstall;
mod verify;
mod verify_jira;
mod void;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use context::Context;
pub use error::{CliError, ErrorKind};

use crate::report::{Format, Outcome};

/// reltag enforces your team's release process, written once in policy.toml:
/// in git hooks, in CI, and when cutting and promoting releases.
///
/// Exit codes: 0 allowed, 1 blocked by policy, 2 usage or policy-file error,
/// 3 could not decide (git, I/O, network) — treat 3 as blocked.
///
/// The clock: RELTAG_NOW (an RFC 3339 time, e.g. 2026-11-24T18:30:00-05:00) replaces the
/// system clock wherever reltag reads it — windows, freezes, notice, soak, and the time
/// events are recorded with. A write whose clock is behind the ledger's latest event is
/// warned about, and so is one whose RELTAG_NOW is more than 5 minutes from the system
/// clock, unless RELTAG_NOW_ACKNOWLEDGED is set (tests, replays).
#[derive(Debug, Parser)]
#[command(
    name = "reltag",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Run as if reltag was started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Policy file to use instead of policy.toml at the root of the working tree.
    #[arg(long, global = true, value_name = "FILE", env = "RELTAG_POLICY")]
    pub policy: Option<PathBuf>,
    /// Output format [default: github inside GitHub Actions, else human].
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// When to colour human output.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Print only findings (nothing when all is well).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Say more about what was checked and why.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Approve(approve::ApproveArgs),
    Calendar(calendar::CalendarArgs),
    Attest(attest::AttestArgs),
    Check(check::CheckArgs),
    Completions(completions::CompletionsArgs),
    Cut(cut::CutArgs),
    Dashboard(dashboard::DashboardArgs),
    #[command(subcommand)]
    Evidence(evidence::EvidenceCommand),
    Explain(explain::ExplainArgs),
    Init(init::InitArgs),
    Notes(notes::NotesArgs),
    #[command(disable_version_flag = true)]
    Log(log::LogArgs),
    Notify(notify::NotifyArgs),
    Install(install::InstallArgs),
    Man(completions::ManArgs),
    Promote(promote::PromoteArgs),
    Rollback(rollback::RollbackArgs),
    Schedule(schedule::ScheduleArgs),
    Status(status::StatusArgs),
    Test(test::TestArgs),
    Uninstall(uninstall::UninstallArgs),
    Hook(hook::HookArgs),
    Verify(verify::VerifyArgs),
    Void(void::VoidArgs),
}

/// The git hooks alone, for the installed hook scripts (`reltag hook <kind> ...`), which
/// git runs on every commit and push: clap builds every command's arguments before it
/// parses, and the whole tree costs more than the commit-msg check itself.
#[derive(Debug, Parser)]
#[command(name = "reltag")]
struct HookCli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: HookOnly,
}

#[derive(Debug, Subcommand)]
enum HookOnly {
    Hook(hook::HookArgs),
}

/// Parses the arguments and runs the command. Returns the gate's outcome, or the error
/// that stopped it; the caller maps either to an exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<Outcome, CliError> {
    let args: Vec<OsString> = args.into_iter().collect();
    // A hook invocation parses with the hooks' own small tree. Anything it does not
    // accept as it stands (help, a mistake) goes to the whole tree, so that what people
    // see is the same either way.
    if args.get(1).is_some_and(|a| a == "hook")
        && let Ok(HookCli {
            global,
            command: HookOnly::Hook(args),
        }) = HookCli::try_parse_from(&args)
    {
        return hook::cmd_hook(&Context::new(global)?, args);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = e.exit_code();
            let _ = e.print();
            // --help and --version are successes; every other clap error is a usage error.
            return if code == 0 {
                Ok(Outcome::Allowed)
            } else {
                Err(CliError::already_reported(ErrorKind::Usage))
            };
        }
    };
    let ctx = Context::new(cli.global)?;
    match cli.command {
        Command::Approve(args) => approve::cmd_approve(&ctx, args),
        Command::Calendar(args) => calendar::cmd_calendar(&ctx, args),
        Command::Attest(args) => attest::cmd_attest(&ctx, args),
        Command::Check(args) => check::cmd_check(&ctx, args),
        Command::Completions(args) => completions::cmd_completions(&ctx, args),
        Command::Cut(args) => cut::cmd_cut(&ctx, args),
        Command::Dashboard(args) => dashboard::cmd_dashboard(&ctx, args),
        Command::Evidence(command) => evidence::cmd_evidence(&ctx, command),
        Command::Explain(args) => explain::cmd_explain(&ctx, args),
        Command::Init(args) => init::cmd_init(&ctx, args),
        Command::Notes(args) => notes::cmd_notes(&ctx, args),
        Command::Log(args) => log::cmd_log(&ctx, args),
        Command::Notify(args) => notify::cmd_notify(&ctx, args),
        Command::Install(args) => install::cmd_install(&ctx, args),
        Command::Man(args) => completions::cmd_man(&ctx, args),
        Command::Promote(args) => promote::cmd_promote(&ctx, args),
        Command::Rollback(args) => rollback::cmd_rollback(&ctx, args),
        Command::Schedule(args) => schedule::cmd_schedule(&ctx, args),
        Command::Status(args) => status::cmd_status(&ctx, args),
        Command::Test(args) => test::cmd_test(&ctx, args),
        Command::Uninstall(args) => uninstall::cmd_uninstall(&ctx, args),
        Command::Hook(args) => hook::cmd_hook(&ctx, args),
        Command::Verify(args) => verify::cmd_verify(&ctx, args),
        Command::Void(args) => void::cmd_void(&ctx, args),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// `log --help` once showed `--env` with no text: every argument and option of every
    /// command says what it is, and the command tree is one clap accepts.
    #[test]
    fn every_argument_of_every_command_has_help() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && !arg.is_hide_set() && arg.get_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let command = Cli::command();
        command.clone().debug_assert();
        let mut missing = Vec::new();
        walk(&command, "reltag", &mut missing);
        assert!(missing.is_empty(), "without help: {missing:?}");
    }
}
