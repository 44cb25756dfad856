use std::path::Path;

use clap::Args;

use super::{CliError, Context};
use crate::policy::{DEFAULT_POLICY_TOML, POLICY_FILE_NAME};
use crate::report::{Outcome, Style};

/// Write policy.toml (the default policy, fully commented) at the root of the working tree,
/// and policy-tests/example.toml (scenarios for `reltag test`).
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
    if written.is_err() {
        return ctx.finish(report, written);
    }
    ctx.status(format!(
        "wrote {}: the default policy, commented; edit it, then run `reltag check policy`",
        path.display()
    ));
    let written = write_example_scenarios(ctx, &root, args.force);
    ctx.finish(report, written)
}

/// `policy-tests/example.toml`, scenarios `reltag test` runs against the policy; an
/// existing one is kept unless `--force`.
fn write_example_scenarios(ctx: &Context, root: &Path, force: bool) -> Result<(), CliError> {
    let dir = root.join(super::test::SCENARIO_DIR);
    let path = dir.join("example.toml");
    if path.exists() && !force {
        ctx.status(format!("kept {}", path.display()));
        return Ok(());
    }
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, crate::scenario::EXAMPLE))
        .map_err(|e| CliError::new(super::ErrorKind::Undecided, e))?;
    ctx.status(format!(
        "wrote {}: scenarios the policy must decide as they say; run them with `reltag test`",
        path.display()
    ));
    Ok(())
}
