use clap::Args;

use super::{CliError, Context};
use crate::report::{Data, ExplainData, Outcome, RuleDoc, RuleSummary, Style};
use crate::rules;

/// Show a rule's documentation, or list every rule.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id, e.g. commit-jira.
    pub rule: Option<String>,
}

pub fn cmd_explain(ctx: &Context, args: ExplainArgs) -> Result<Outcome, CliError> {
    let data = match args.rule {
        None => ExplainData::Rules(
            rules::ALL
                .iter()
                .map(|rule| RuleSummary {
                    id: rule.id,
                    summary: rule.summary(),
                })
                .collect(),
        ),
        Some(id) => match rules::find(&id) {
            Some(rule) => ExplainData::Rule(RuleDoc {
                id: rule.id,
                docs: rule.text().trim_end().to_string(),
            }),
            None => {
                let ids: Vec<&str> = rules::ALL.iter().map(|r| r.id).collect();
                return Err(CliError::usage(format!("unknown rule `{id}`"))
                    .hint(format!("the rules are: {}", ids.join(", "))));
            }
        },
    };
    let mut report = ctx.report("explain", Style::Data);
    report.set_data(Data::Explain(data));
    ctx.finish(report, Ok(()))
}
