use clap::Args;

use super::{CliError, Context};
use crate::policy::{DEFAULT_POLICY_TOML, POLICY_FILE_NAME};
use crate::report::{Outcome, Style};

/// Write policy.toml (the default policy, fully commented) at the root of the working tree.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing policy.toml.
    #[arg(long)]
    pub force: bool,
}

pub fn cmd_init(ctx: &Context, args: InitArgs) -> Result<Outcome, CliError> {
    let root = match ctx.repo() {
        Ok(repo) => repo
            .workdir()
            .map(|p| p.to_path_buf())
            .unwrap_or(ctx.cwd.clone()),
        Err(_) => ctx.cwd.clone(),
    };
    let path = ctx
        .policy_path
        .clone()
        .unwrap_or(root.join(POLICY_FILE_NAME));
    if path.exists() && !args.force {
        return Err(
            CliError::usage(format!("{} already exists", path.display()))
                .hint("keep it, or overwrite it with `reltag init --force`"),
        );
    }
    let report = ctx.report("init", Style::Quiet);
    // `#:schema` lets editors (taplo, Even Better TOML) complete and validate the keys.
    let text = format!(
        "#:schema {}\n{DEFAULT_POLICY_TOML}",
        crate::policy::schema::json_schema_url()
    );
    let written =
        std::fs::write(&path, text).map_err(|e| CliError::new(super::ErrorKind::Undecided, e));
    if written.is_ok() {
        ctx.status(format!(
            "wrote {}: the default policy, commented; edit it, then run `reltag check policy`",
            path.display()
        ));
    }
    ctx.finish(report, written)
}
