use clap::Args;

use super::{CliError, Context};
use crate::report::Outcome;
use crate::rules;

/// Show a rule's documentation, or list every rule.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id, e.g. commit-jira.
    pub rule: Option<String>,
}

pub fn cmd_explain(_ctx: &Context, args: ExplainArgs) -> Result<Outcome, CliError> {
    match args.rule {
        None => {
            let width = rules::ALL.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for rule in rules::ALL {
                println!("{:width$}  {}", rule.id, rule.summary());
            }
        }
        Some(id) => match rules::find(&id) {
            Some(rule) => println!("# {}\n\n{}", rule.id, rule.text().trim_end()),
            None => {
                let ids: Vec<&str> = rules::ALL.iter().map(|r| r.id).collect();
                return Err(CliError::usage(format!("unknown rule `{id}`"))
                    .hint(format!("the rules are: {}", ids.join(", "))));
            }
        },
    }
    Ok(Outcome::Allowed)
}
