//! `reltag uninstall`: remove reltag's hook scripts and restore the hooks they replaced.

use clap::Args;

use super::{CliError, Context};
use crate::hooks::HookKind;
use crate::hooks::install::{self, UninstallAction};
use crate::report::{Outcome, Style};

/// Remove reltag's git hooks and put back any hook that `install --force` kept aside.
/// Hooks that are not reltag's are left alone.
#[derive(Debug, Args)]
pub struct UninstallArgs {}

pub fn cmd_uninstall(ctx: &Context, _args: UninstallArgs) -> Result<Outcome, CliError> {
    let repo = install::open_repo(&ctx.cwd)?;
    let report = install::uninstall(&repo, &HookKind::ALL)?;
    let mut any = false;
    for hook in &report.hooks {
        let path = hook.path.display();
        match &hook.action {
            UninstallAction::Removed => {
                any = true;
                ctx.status(format!("removed {} hook: {path}", hook.kind));
            }
            UninstallAction::Restored { from } => {
                any = true;
                ctx.status(format!(
                    "removed {} hook and restored the earlier one from {}",
                    hook.kind,
                    from.display()
                ));
            }
            UninstallAction::NotOurs => {
                ctx.status(format!("left {path} alone: it is not a reltag hook"))
            }
            UninstallAction::Absent => {}
        }
    }
    if !any {
        ctx.status(format!(
            "no reltag hooks in {}: nothing to remove",
            report.hooks_dir.display()
        ));
    }
    ctx.finish(ctx.report("uninstall", Style::Quiet), Ok(()))
}
