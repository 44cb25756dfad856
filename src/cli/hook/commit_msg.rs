use std::path::PathBuf;

use bstr::ByteSlice;
use clap::Args;

use crate::cli::{CliError, Context, ErrorKind};
use crate::gates;
use crate::hooks::message::{EditorUse, MessageConfig};
use crate::report::{Outcome, Style, Subject};
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
    let merging = repo.gix().git_dir().join("MERGE_HEAD").is_file()
        || amends_a_merge(repo.gix(), &message, |v| std::env::var_os(v));
    let first_line = message.split(|b| *b == b'\n').next().unwrap_or(b"");
    let summary = display_text(
        first_line
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(first_line),
        120,
    );
    let subject = Subject::Message {
        source: "commit message".to_string(),
        summary,
    };
    let author = std::env::var("GIT_AUTHOR_NAME")
        .ok()
        .zip(std::env::var("GIT_AUTHOR_EMAIL").ok());
    let mut report = ctx.report("hook commit-msg", Style::Quiet);
    let facts = MessageFacts {
        subject: &subject,
        message: &message,
        parent_count: merging.then_some(2),
        encoding: None,
        // git exports the author of the commit it is making to the hook.
        author: author
            .as_ref()
            .map(|(name, email)| crate::rules::AuthorFacts {
                name,
                email,
                account: crate::rules::ForgeAccount::NotAsked,
            }),
    };
    gates::check_message(&facts, &policy, &mut report);
    ctx.finish(report, Ok(()))
}

/// Whether this is `git commit --amend` of a merge commit, keeping its message: the amended
/// commit keeps HEAD's parents, so it is a merge and exempt as one.
///
/// git tells the commit-msg hook nothing about `--amend` (no argument, no variable, no state
/// file), so we recognise it from what `--amend` keeps: HEAD is a merge, the message is HEAD's
/// own after cleanup, and the author git exports to the hook (`GIT_AUTHOR_NAME`,
/// `GIT_AUTHOR_EMAIL`, `GIT_AUTHOR_DATE` as `@<seconds> <tz>`, which `--amend` copies from
/// HEAD) is HEAD's author to the second. Anything else (an edited message, `--reset-author`, a
/// hook manager that drops the variables) is checked as a new commit: the strict reading.
fn amends_a_merge(
    repo: &gix::Repository,
    message: &[u8],
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> bool {
    let Ok(head) = repo.head_commit() else {
        return false;
    };
    let Ok(commit) = head.decode() else {
        return false;
    };
    if commit.parents().count() < 2 {
        return false;
    }
    let trim = |b: &[u8]| -> Vec<u8> {
        let end = b
            .iter()
            .rposition(|c| !c.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        b[..end].to_vec()
    };
    if trim(message) != trim(commit.message) {
        return false;
    }
    let Ok(author) = commit.author() else {
        return false;
    };
    let var = |name: &str| env(name).and_then(|v| v.into_string().ok());
    let (Some(name), Some(email), Some(date)) = (
        var("GIT_AUTHOR_NAME"),
        var("GIT_AUTHOR_EMAIL"),
        var("GIT_AUTHOR_DATE"),
    ) else {
        return false;
    };
    let seconds = date
        .strip_prefix('@')
        .and_then(|d| d.split(' ').next())
        .and_then(|s| s.parse::<i64>().ok());
    author.name.trim() == name.as_bytes().trim()
        && author.email.trim() == email.as_bytes().trim()
        && seconds.is_some_and(|s| s == author.seconds())
}
