//! `reltag install`: put reltag's hook scripts where git runs them.

use clap::Args;

use super::{CliError, Context};
use crate::hooks::HookKind;
use crate::hooks::install::{self, InstallAction};
use crate::report::{Outcome, Style};

/// Install reltag's git hooks (commit-msg and pre-push unless --hook says otherwise) where
/// git runs them: core.hooksPath when set, else the common git dir's hooks/.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// A hook to install: commit-msg, pre-commit or pre-push (repeatable)
    /// [default: commit-msg and pre-push].
    #[arg(long = "hook", value_name = "HOOK")]
    pub hooks: Vec<HookKind>,
    /// Keep an existing hook that is not reltag's as <hook>.pre-reltag and run it first.
    #[arg(long)]
    pub force: bool,
}

pub fn cmd_install(ctx: &Context, args: InstallArgs) -> Result<Outcome, CliError> {
    let repo = install::open_repo(&ctx.cwd)?;
    let which: Vec<HookKind> = if args.hooks.is_empty() {
        HookKind::DEFAULT.to_vec()
    } else {
        args.hooks
    };
    let binary = std::env::current_exe()
        .map_err(|e| CliError::undecided(format!("cannot tell where the reltag binary is: {e}")))?;
    let report = install::install(&repo, &which, args.force, &binary)?;
    for hook in &report.hooks {
        let path = hook.path.display();
        let chained = if hook.chained {
            format!(" (runs {}.pre-reltag first)", hook.kind)
        } else {
            String::new()
        };
        match &hook.action {
            InstallAction::Created => ctx.status(format!("installed {} hook: {path}", hook.kind)),
            InstallAction::Updated => {
                ctx.status(format!("updated {} hook: {path}{chained}", hook.kind))
            }
            InstallAction::Unchanged => ctx.status(format!(
                "{} hook already installed: {path}{chained}",
                hook.kind
            )),
            InstallAction::KeptForeign { kept_as } => ctx.status(format!(
                "installed {} hook: {path}; the existing hook was kept as {} and runs first",
                hook.kind,
                kept_as.display()
            )),
        }
    }
    ctx.status(format!(
        "hooks run reltag from {} (or $RELTAG_BIN, or reltag on PATH)",
        binary.display()
    ));
    ctx.finish(ctx.report("install", Style::Quiet), Ok(()))
}
