use std::path::PathBuf;

use clap::Args;

use super::emit_quietly;
use crate::cli::{CliError, Context, ErrorKind};
use crate::gates;
use crate::hooks::message::{EditorUse, MessageConfig};
use crate::report::{Outcome, Report, Subject};
use crate::rules::{MessageFacts, display_text};

/// The commit-msg hook: check the message git is about to commit, cleaned the way git will
/// clean it (commit.cleanup, core.commentChar, the scissors line of `commit -v`).
#[derive(Debug, Args)]
pub struct CommitMsgArgs {
    /// The message file git passes (.git/COMMIT_EDITMSG).
    pub file: PathBuf,
}

pub fn cmd_hook_commit_msg(ctx: &Context, args: CommitMsgArgs) -> Result<Outcome, CliError> {
    let path = ctx.cwd.join(&args.file);
    let raw = std::fs::read(&path).map_err(|e| {
        CliError::new(ErrorKind::Undecided, e)
            .hint(format!("cannot read the message file {}", path.display()))
    })?;
    let repo = ctx.repo()?;
    let policy = ctx.policy(Some(&repo))?;
    // `git -c` settings reach hooks in GIT_CONFIG_PARAMETERS, which gix does not read.
    let params = std::env::var_os("GIT_CONFIG_PARAMETERS");
    let config = MessageConfig::from_repo(repo.gix())
        .and_then(|c| c.with_command_line(params.as_deref()))
        .map_err(|e| CliError::new(ErrorKind::Usage, e).hint("fix the value with `git config`"))?;
    let editor = EditorUse::from_git_editor_env(std::env::var_os("GIT_EDITOR").as_deref());
    let message = config.clean(&raw, editor);
    // `git merge` (and `git commit` concluding a conflicted merge) leaves MERGE_HEAD in the
    // worktree's git dir: the commit will have two parents.
    let merging = repo.gix().git_dir().join("MERGE_HEAD").is_file();
    let summary = display_text(message.split(|b| *b == b'\n').next().unwrap_or(b""), 120);
    let subject = Subject::Message {
        source: "commit message".to_string(),
        summary,
    };
    let mut report = Report::default();
    report.checked.messages += 1;
    let facts = MessageFacts {
        subject: &subject,
        message: &message,
        parent_count: merging.then_some(2),
        encoding: None,
    };
    gates::message(&facts, &policy, &mut report.findings);
    emit_quietly(ctx, &report)
}
