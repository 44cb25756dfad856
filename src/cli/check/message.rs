use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use crate::cli::{CliError, Context};
use crate::gates;
use crate::report::{Outcome, Style, Subject};
use crate::rules::{MessageFacts, display_text};

/// Check one commit message, from a file or `-` for standard input. Comment lines
/// (`#`) and a `git commit -v` diff below the scissors line are removed first, as git
/// removes them.
#[derive(Debug, Args)]
pub struct MessageArgs {
    /// The message file (e.g. .git/COMMIT_EDITMSG), or - for standard input.
    pub file: PathBuf,
}

pub fn cmd_check_message(ctx: &Context, args: MessageArgs) -> Result<Outcome, CliError> {
    let (raw, source) = if args.file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        (buf, "stdin".to_string())
    } else {
        let path = ctx.cwd.join(&args.file);
        let raw = std::fs::read(&path).map_err(|e| {
            CliError::new(crate::cli::ErrorKind::Usage, e)
                .hint(format!("cannot read the message file {}", path.display()))
        })?;
        (raw, args.file.display().to_string())
    };
    let repo = ctx.repo().ok();
    let policy = ctx.policy(repo.as_ref())?;
    // A message file outside a commit: comments are removed whatever the cleanup mode,
    // so a Jira key that stands only in a comment never counts.
    let message = crate::hooks::message::clean(
        &raw,
        crate::hooks::message::Cleanup::Strip,
        &crate::hooks::message::CommentChar::default(),
    );
    let summary = display_text(message.split(|b| *b == b'\n').next().unwrap_or(b""), 120);
    let subject = Subject::Message { source, summary };
    let mut report = ctx.report("check message", Style::Verdict);
    let facts = MessageFacts {
        subject: &subject,
        message: &message,
        parent_count: None,
        encoding: None,
        author: None,
    };
    gates::check_message(&facts, &policy, &mut report);
    ctx.finish(report, Ok(()))
}
