//! Commit message cleanup, as git applies it *after* the `commit-msg` hook has run.
//!
//! git hands `commit-msg` the message file before cleanup: comment lines, the scissors line
//! and the `commit -v` diff are still in it. If reltag checked those bytes, a Jira key that
//! stands only in a `#` comment would "pass" while git then strips it. So the hook applies
//! `commit.cleanup` itself, reproducing git's `cleanup_message()` and `strbuf_stripspace()`
//! (`sequencer.c`, `strbuf.c`) byte for byte.
//!
//! Everything here works on bytes: messages are not always UTF-8.

use std::ffi::OsStr;

use bstr::ByteSlice;

/// The scissors line after the comment prefix and one space (`wt-status.c`, `cut_line`).
/// git matches it only with the trailing LF, so a CRLF scissors line is not one; we do the same.
const CUT_LINE: &[u8] = b"------------------------ >8 ------------------------\n";

/// The characters `core.commentChar=auto` chooses from, in git's order
/// (`builtin/commit.c`, `adjust_comment_line_char`).
const AUTO_CANDIDATES: &[u8] = b"#;@!$%^&|:";

/// A `commit.cleanup` mode (`git commit --cleanup=<mode>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cleanup {
    /// Strip comment lines, then whitespace (git's `strip`).
    Strip,
    /// Strip whitespace only; comment lines are kept.
    Whitespace,
    /// Leave the message alone.
    Verbatim,
    /// Cut at the scissors line, then strip whitespace; comments above the line are kept.
    Scissors,
    /// git's default: `strip` when an editor was used, `whitespace` otherwise.
    ///
    /// [`clean`] cannot know whether an editor was used and reads `Default` as [`Cleanup::Strip`],
    /// so that a Jira key standing only in a comment never counts. A hook that knows better
    /// (see [`EditorUse::from_git_editor_env`]) resolves it first with [`Cleanup::resolve`].
    Default,
}

impl Cleanup {
    /// Parse a `commit.cleanup` value. git compares these case-sensitively.
    pub fn parse(value: &[u8]) -> Result<Self, MessageError> {
        Ok(match value {
            b"strip" => Self::Strip,
            b"whitespace" => Self::Whitespace,
            b"verbatim" => Self::Verbatim,
            b"scissors" => Self::Scissors,
            b"default" => Self::Default,
            _ => {
                return Err(MessageError::InvalidCleanup {
                    value: value.to_str_lossy().into_owned(),
                });
            }
        })
    }

    /// Resolve the modes whose meaning depends on the editor, as git's `get_cleanup_mode` does:
    /// `default` is `strip` with an editor and `whitespace` without one; `scissors` without an
    /// editor is `whitespace`. With [`EditorUse::Unknown`] both keep their editor meaning, the
    /// stricter reading (more is stripped, so less can pass by accident).
    pub fn resolve(self, editor: EditorUse) -> Self {
        match (self, editor) {
            (Self::Default, EditorUse::NotUsed) | (Self::Scissors, EditorUse::NotUsed) => {
                Self::Whitespace
            }
            (Self::Default, _) => Self::Strip,
            (mode, _) => mode,
        }
    }
}

/// Whether git opened an editor for this commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditorUse {
    Used,
    NotUsed,
    Unknown,
}

impl EditorUse {
    /// Read the `GIT_EDITOR` value a commit hook was started with.
    ///
    /// git's `run_commit_hook()` exports `GIT_EDITOR=:` to `pre-commit`, `prepare-commit-msg`
    /// and `commit-msg` exactly when no editor will be (or was) launched (`-m`, `-F`, `--no-edit`,
    /// `git merge` without `-e`). Any other value means an editor was used. When the variable is
    /// missing (a hook manager that scrubs the environment, a test) we cannot tell.
    pub fn from_git_editor_env(value: Option<&OsStr>) -> Self {
        match value {
            Some(v) if v == ":" => Self::NotUsed,
            Some(_) => Self::Used,
            None => Self::Unknown,
        }
    }
}

/// The comment prefix: `core.commentChar` / `core.commentString`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentChar {
    /// A fixed prefix: one character (possibly multi-byte UTF-8) or, since git 2.45, a string.
    Prefix(Vec<u8>),
    /// `auto`: git picks a character not used at the start of any line of the message.
    Auto,
}

impl Default for CommentChar {
    fn default() -> Self {
        Self::Prefix(b"#".to_vec())
    }
}

impl CommentChar {
    /// Parse a config value the way git's `git_default_core_config` does: `auto` in any case,
    /// otherwise any non-empty string without a newline.
    pub fn parse(value: &[u8]) -> Result<Self, MessageError> {
        if value.eq_ignore_ascii_case(b"auto") {
            Ok(Self::Auto)
        } else if value.is_empty() {
            Err(MessageError::InvalidCommentChar {
                value: String::new(),
                reason: "it must have at least one character",
            })
        } else if value.contains(&b'\n') {
            Err(MessageError::InvalidCommentChar {
                value: value.to_str_lossy().into_owned(),
                reason: "it cannot contain a newline",
            })
        } else {
            Ok(Self::Prefix(value.to_vec()))
        }
    }

    /// The prefix that applies to `raw`, resolving `auto`.
    ///
    /// git resolves `auto` *before* it adds its own comment lines: the first candidate of
    /// `#;@!$%^&|:` that starts no line of the initial message (`#` if `#` appears nowhere).
    /// The hook sees the buffer *after* that, with git's comments in it, so we read git's choice
    /// back from what git wrote:
    /// 1. a scissors line `<c> ------------------------ >8 ---…` names `c`;
    /// 2. otherwise, when the last non-blank line starts with a candidate, that is git's
    ///    trailing comment block (status, template hints);
    /// 3. otherwise no comments were added (`-m`/`-F`), and git's own selection on the buffer
    ///    gives exactly its choice.
    ///
    /// With [`EditorUse::NotUsed`] git added no comments, so only rule 3 applies and the answer
    /// is exact. Otherwise rule 2 can name a character git did not pick when the message was not
    /// edited and its last line happens to start with, say, `#`; that line is then stripped, the
    /// strict direction.
    pub fn resolve<'a>(&'a self, raw: &[u8], editor: EditorUse) -> std::borrow::Cow<'a, [u8]> {
        let prefix = match (self, editor) {
            (Self::Prefix(p), _) => return std::borrow::Cow::Borrowed(p.as_slice()),
            (Self::Auto, EditorUse::NotUsed) => git_auto_selection(raw),
            (Self::Auto, _) => auto_comment_char(raw),
        };
        std::borrow::Cow::Owned(vec![prefix])
    }
}

fn auto_comment_char(raw: &[u8]) -> u8 {
    for line in raw.lines_with_terminator() {
        if let [c, b' ', rest @ ..] = line
            && AUTO_CANDIDATES.contains(c)
            && rest.starts_with(CUT_LINE)
        {
            return *c;
        }
    }
    if let Some(last) = raw
        .lines()
        .rev()
        .find(|l| !l.trim_end_with(is_git_space).is_empty())
        && let Some(c) = last.first()
        && AUTO_CANDIDATES.contains(c)
    {
        return *c;
    }
    git_auto_selection(raw)
}

/// git's `adjust_comment_line_char`. git dies when every candidate is taken; a hook must not,
/// so we fall back to `#`, which strips at most a line the user started with `#`.
fn git_auto_selection(raw: &[u8]) -> u8 {
    if !raw.contains(&b'#') {
        return b'#';
    }
    let mut taken = [false; AUTO_CANDIDATES.len()];
    let mut mark = |b: u8| {
        if let Some(i) = AUTO_CANDIDATES.iter().position(|&c| c == b) {
            taken[i] = true;
        }
    };
    if let Some(&first) = raw.first() {
        mark(first);
    }
    // git walks a NUL-terminated string, so it sees nothing past a NUL byte.
    let visible = raw.split(|&b| b == 0).next().unwrap_or_default();
    for w in visible.windows(2) {
        if w[0] == b'\n' || w[0] == b'\r' {
            mark(w[1]);
        }
    }
    AUTO_CANDIDATES
        .iter()
        .zip(taken)
        .find(|(_, t)| !t)
        .map_or(b'#', |(c, _)| *c)
}

/// Clean `raw` as `git commit` would before storing it.
///
/// In every mode except `verbatim` the text from the scissors line on is dropped, as git does
/// for `--cleanup=scissors` and for `commit -v` (where the diff sits below that line). The hook
/// cannot see `-v`, but git only writes a scissors line for one of those two, so cutting is the
/// faithful reading. `verbatim` cuts too: git truncates at the scissors line under `-v` whatever
/// the mode, and a `-v` diff never belongs in a message we check.
///
/// `Cleanup::Default` is read as `Strip`; see [`Cleanup::Default`].
pub fn clean(raw: &[u8], cleanup: Cleanup, comment: &CommentChar) -> Vec<u8> {
    clean_for(raw, cleanup, comment, EditorUse::Unknown)
}

/// [`clean`] for a hook that knows whether git used an editor (see
/// [`EditorUse::from_git_editor_env`]): `default`, `scissors` and `auto` then resolve exactly
/// as git resolves them.
pub fn clean_for(
    raw: &[u8],
    cleanup: Cleanup,
    comment: &CommentChar,
    editor: EditorUse,
) -> Vec<u8> {
    let prefix = comment.resolve(raw, editor);
    let cut = &raw[..locate_end(raw, &prefix)];
    match cleanup.resolve(editor) {
        Cleanup::Verbatim => cut.to_vec(),
        Cleanup::Whitespace | Cleanup::Scissors => stripspace(cut, None),
        Cleanup::Strip | Cleanup::Default => stripspace(cut, Some(&prefix)),
    }
}

/// git's `wt_status_locate_end`: the length of `raw` up to (excluding) the scissors line.
fn locate_end(raw: &[u8], prefix: &[u8]) -> usize {
    let mut pattern = Vec::with_capacity(prefix.len() + CUT_LINE.len() + 2);
    pattern.push(b'\n');
    pattern.extend_from_slice(prefix);
    pattern.push(b' ');
    pattern.extend_from_slice(CUT_LINE);
    if raw.starts_with(&pattern[1..]) {
        0
    } else {
        raw.find(&pattern).map_or(raw.len(), |at| at + 1)
    }
}

/// git's `isspace`: only space, TAB, LF and CR (`ctype.c`); not VT, FF or any non-ASCII space.
fn is_git_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// git's `strbuf_stripspace`: drop lines starting with `comment` (when given), trailing
/// whitespace on each line (so CRLF becomes LF), leading and trailing blank lines, and collapse
/// runs of blank lines into one; every kept line ends with LF. A comment line does not count as
/// blank, so blank lines around a removed comment still collapse into one.
pub fn stripspace(raw: &[u8], comment: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 1);
    let mut blank_run = false;
    for line in raw.split_inclusive(|&b| b == b'\n') {
        if comment.is_some_and(|c| line.starts_with(c)) {
            continue;
        }
        let end = line
            .iter()
            .rposition(|&b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .map_or(0, |i| i + 1);
        if end == 0 {
            blank_run = true;
            continue;
        }
        if blank_run && !out.is_empty() {
            out.push(b'\n');
        }
        blank_run = false;
        out.extend_from_slice(&line[..end]);
        out.push(b'\n');
    }
    out
}

/// The two settings the commit-msg hook needs from git config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageConfig {
    pub cleanup: Cleanup,
    pub comment: CommentChar,
}

impl MessageConfig {
    /// Read `commit.cleanup` and `core.commentString`/`core.commentChar` from the repository's
    /// config snapshot (the scopes gix loaded; gix does not read `git -c` settings from
    /// `GIT_CONFIG_PARAMETERS`: apply them with [`MessageConfig::with_command_line`]).
    ///
    /// git lets the last of `core.commentChar`/`core.commentString` win in file order; we read
    /// `commentString` first when both are set, which only differs in that rare double setting.
    /// A bad value is an error, never a silent fallback: the check would otherwise run on
    /// different bytes than git stores.
    pub fn from_repo(repo: &gix::Repository) -> Result<Self, MessageError> {
        let config = repo.config_snapshot();
        let cleanup = match config.string("commit.cleanup") {
            Some(v) => Cleanup::parse(&v)?,
            None => Cleanup::Default,
        };
        let comment = match config
            .string("core.commentString")
            .or_else(|| config.string("core.commentChar"))
        {
            Some(v) => CommentChar::parse(&v)?,
            None => CommentChar::default(),
        };
        Ok(Self { cleanup, comment })
    }

    /// Apply `git -c` settings, which git hands to hooks in `GIT_CONFIG_PARAMETERS` and gix
    /// does not read. They override every config file, as in git; the last one wins.
    pub fn with_command_line(mut self, params: Option<&OsStr>) -> Result<Self, MessageError> {
        let Some(params) = params else {
            return Ok(self);
        };
        for (key, value) in parse_config_parameters(&params.to_string_lossy()) {
            let value = value.unwrap_or_default();
            match key.to_ascii_lowercase().as_str() {
                "commit.cleanup" => self.cleanup = Cleanup::parse(value.as_bytes())?,
                "core.commentchar" | "core.commentstring" => {
                    self.comment = CommentChar::parse(value.as_bytes())?
                }
                _ => {}
            }
        }
        Ok(self)
    }

    /// Clean a message file's bytes with these settings, after resolving `default`/`scissors`
    /// for the editor use the hook observed.
    pub fn clean(&self, raw: &[u8], editor: EditorUse) -> Vec<u8> {
        clean_for(raw, self.cleanup, &self.comment, editor)
    }
}

/// git's `GIT_CONFIG_PARAMETERS`: shell-quoted words, each `'key=value'` (older gits) or
/// `'key'='value'` (git 2.31+), or `'key'` alone for a boolean. Returns `(key, value)` pairs in
/// order; a malformed word ends the list, as git stops reading there too.
pub fn parse_config_parameters(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        if chars.peek().is_none() {
            return out;
        }
        // One word: quoted parts, `\x` escapes, and at most one bare `=` separating key and value.
        let (mut key, mut value, mut bare_eq) = (String::new(), String::new(), false);
        while let Some(&c) = chars.peek() {
            let part = if bare_eq { &mut value } else { &mut key };
            match c {
                ' ' => break,
                '\'' => {
                    chars.next();
                    loop {
                        match chars.next() {
                            Some('\'') => break,
                            Some(c) => part.push(c),
                            None => return out,
                        }
                    }
                }
                '\\' => {
                    chars.next();
                    match chars.next() {
                        Some(c) => part.push(c),
                        None => return out,
                    }
                }
                '=' if !bare_eq => {
                    chars.next();
                    bare_eq = true;
                }
                _ => return out,
            }
        }
        if bare_eq {
            out.push((key, Some(value)));
        } else {
            match key.split_once('=') {
                Some((k, v)) => out.push((k.to_string(), Some(v.to_string()))),
                None => out.push((key, None)),
            }
        }
    }
}

/// Errors reading the message settings.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error(
        "invalid commit.cleanup value {value:?}: expected strip, whitespace, verbatim, scissors or default"
    )]
    InvalidCleanup { value: String },
    #[error("invalid core.commentChar value {value:?}: {reason}")]
    InvalidCommentChar { value: String, reason: &'static str },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash() -> CommentChar {
        CommentChar::default()
    }

    #[test]
    fn config_parameters_in_both_formats() {
        assert_eq!(
            parse_config_parameters("'core.commentchar'=';' 'commit.cleanup=strip' 'x.flag'"),
            vec![
                ("core.commentchar".to_string(), Some(";".to_string())),
                ("commit.cleanup".to_string(), Some("strip".to_string())),
                ("x.flag".to_string(), None),
            ]
        );
        assert_eq!(
            parse_config_parameters("'a.b'='it'\\''s'"),
            vec![("a.b".to_string(), Some("it's".to_string()))]
        );
        let config = MessageConfig {
            cleanup: Cleanup::Default,
            comment: CommentChar::default(),
        }
        .with_command_line(Some(OsStr::new("'core.commentChar'=';'")))
        .unwrap();
        assert_eq!(config.comment, CommentChar::Prefix(b";".to_vec()));
    }

    #[test]
    fn table() {
        let diff = b"subject ABC-1\n\n# Please enter\n# ------------------------ >8 ------------------------\n# Do not modify\ndiff --git a/x b/x\n+KEY-9\n";
        let cases: &[(&[u8], Cleanup, CommentChar, &[u8])] = &[
            (b"", Cleanup::Strip, hash(), b""),
            (b"\n\n  \n", Cleanup::Strip, hash(), b""),
            (b"fix\n# ABC-1\n", Cleanup::Strip, hash(), b"fix\n"),
            (b"fix\n# ABC-1\n", Cleanup::Whitespace, hash(), b"fix\n# ABC-1\n"),
            (b"fix\n# ABC-1", Cleanup::Verbatim, hash(), b"fix\n# ABC-1"),
            (b"fix\n# ABC-1\n", Cleanup::Default, hash(), b"fix\n"),
            (b"\n\nfix  \r\n\r\n\r\n\nbody\t\n\n", Cleanup::Strip, hash(), b"fix\n\nbody\n"),
            (b"a\n\n# c\n\nb\n", Cleanup::Strip, hash(), b"a\n\nb\n"),
            (b"a\n# c\nb", Cleanup::Strip, hash(), b"a\nb\n"),
            (b" # not a comment\n", Cleanup::Strip, hash(), b" # not a comment\n"),
            (b"#\xff\nbad \xfe\n", Cleanup::Strip, hash(), b"bad \xfe\n"),
            (b"a\0b\n", Cleanup::Strip, hash(), b"a\0b\n"),
            (b"x\x0b\n", Cleanup::Strip, hash(), b"x\x0b\n"),
            // A BOM is not whitespace to git, so a BOM-prefixed "#" line is kept.
            (b"\xef\xbb\xbf# c\nfix\n", Cleanup::Strip, hash(), b"\xef\xbb\xbf# c\nfix\n"),
            (diff, Cleanup::Strip, hash(), b"subject ABC-1\n"),
            (diff, Cleanup::Scissors, hash(), b"subject ABC-1\n\n# Please enter\n"),
            (diff, Cleanup::Verbatim, hash(), b"subject ABC-1\n\n# Please enter\n"),
            (
                b"# ------------------------ >8 ------------------------\nKEY-1\n",
                Cleanup::Whitespace,
                hash(),
                b"",
            ),
            // git needs the LF right after the dashes: a CRLF scissors line does not cut.
            (
                b"a\n# ------------------------ >8 ------------------------\r\nKEY-1\n",
                Cleanup::Whitespace,
                hash(),
                b"a\n# ------------------------ >8 ------------------------\nKEY-1\n",
            ),
            (
                b"fix\n; ABC-1\n# kept\n",
                Cleanup::Strip,
                CommentChar::Prefix(b";".to_vec()),
                b"fix\n# kept\n",
            ),
            (
                "fix\n\u{2116} ABC-1\n".as_bytes(),
                Cleanup::Strip,
                CommentChar::Prefix("\u{2116}".as_bytes().to_vec()),
                b"fix\n",
            ),
            (
                "fix\n\u{2116} x\n\u{2116} ------------------------ >8 ------------------------\ndiff\n"
                    .as_bytes(),
                Cleanup::Whitespace,
                CommentChar::Prefix("\u{2116}".as_bytes().to_vec()),
                "fix\n\u{2116} x\n".as_bytes(),
            ),
        ];
        for (i, (raw, mode, cc, want)) in cases.iter().enumerate() {
            let got = clean(raw, *mode, cc);
            assert_eq!(
                got.as_bstr(),
                want.as_bstr(),
                "case {i}: {:?}",
                raw.as_bstr()
            );
        }
    }

    #[test]
    fn auto_selection() {
        // No '#' anywhere: '#'.
        assert_eq!(auto_comment_char(b"fix it\n"), b'#');
        // '#' inside a line does not exclude it; only starting a line does.
        assert_eq!(git_auto_selection(b"fix #12\n"), b'#');
        assert_eq!(git_auto_selection(b"#12 fix\n"), b';');
        assert_eq!(git_auto_selection(b"#12 fix\r;x\n"), b'@');
        // git's trailing block written with ';' after the user's '#' lines.
        let raw = b"#12 fix\n\n; Please enter the commit message\n;\n";
        assert_eq!(auto_comment_char(raw), b';');
        assert_eq!(clean(raw, Cleanup::Strip, &CommentChar::Auto), b"#12 fix\n");
        let scissors = b"#1 x\n; ------------------------ >8 ------------------------\n+#2\n";
        assert_eq!(auto_comment_char(scissors), b';');
        let all = b"#\n;\n@\n!\n$\n%\n^\n&\n|\n:\nx\n";
        assert_eq!(git_auto_selection(all), b'#');
    }

    #[test]
    fn config_values() {
        assert_eq!(CommentChar::parse(b"AUTO").unwrap(), CommentChar::Auto);
        assert!(CommentChar::parse(b"").is_err());
        assert!(CommentChar::parse(b"a\nb").is_err());
        assert!(Cleanup::parse(b"Strip").is_err());
        assert_eq!(
            Cleanup::Default.resolve(EditorUse::NotUsed),
            Cleanup::Whitespace
        );
        assert_eq!(
            Cleanup::Scissors.resolve(EditorUse::NotUsed),
            Cleanup::Whitespace
        );
        assert_eq!(Cleanup::Default.resolve(EditorUse::Used), Cleanup::Strip);
        assert_eq!(Cleanup::Default.resolve(EditorUse::Unknown), Cleanup::Strip);
        assert_eq!(
            EditorUse::from_git_editor_env(Some(OsStr::new(":"))),
            EditorUse::NotUsed
        );
        assert_eq!(
            EditorUse::from_git_editor_env(Some(OsStr::new("vim"))),
            EditorUse::Used
        );
    }
}
