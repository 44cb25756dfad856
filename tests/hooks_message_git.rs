//! `hooks::message` against real git: what a commit-msg hook sees, cleaned by reltag, must equal
//! what git then stores.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use bstr::ByteSlice;
use reltag::hooks::message::{CommentChar, EditorUse, MessageConfig, stripspace};

fn git_cmd(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_EDITOR")
        .env_remove("VISUAL")
        .env_remove("EDITOR")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("LANG", "C")
        .env("LC_ALL", "C");
    cmd
}

fn run(mut cmd: Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn git(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = git_cmd(dir);
    cmd.args(args);
    run(cmd)
}

fn exe(path: &Path, body: &str) {
    fs::write(path, body).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    input: PathBuf,
    captured: PathBuf,
    editor_env: PathBuf,
    editor: PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["config", "user.name", "Test"]);
    git(&dir, &["config", "user.email", "test@example.com"]);
    let captured = tmp.path().join("captured");
    let editor_env = tmp.path().join("editor-env");
    let input = tmp.path().join("input");
    // The commit-msg hook keeps the exact bytes git hands it, and the GIT_EDITOR it was given.
    exe(
        &dir.join(".git/hooks/commit-msg"),
        &format!(
            "#!/bin/sh\ncp \"$1\" '{}'\nprintf %s \"${{GIT_EDITOR-unset}}\" > '{}'\n",
            captured.display(),
            editor_env.display()
        ),
    );
    // An "editor" that puts the test input above what git prepared (status, -v diff).
    let editor = tmp.path().join("editor.sh");
    exe(
        &editor,
        &format!(
            "#!/bin/sh\ncat '{}' \"$1\" > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"\n",
            input.display()
        ),
    );
    Fixture {
        _tmp: tmp,
        dir,
        input,
        captured,
        editor_env,
        editor,
    }
}

#[derive(Clone, Copy, Debug)]
enum How {
    File,
    Editor,
    EditorVerbose,
}

/// git's `verify_utf8` (commit.c): with the default UTF-8 commit encoding, git stores each byte
/// of an invalid sequence as its Latin-1 character. That is storage, not cleanup, so the test
/// applies it to our side before comparing.
fn latin1_fix(raw: &[u8]) -> Vec<u8> {
    let mut out = String::new();
    for chunk in raw.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(chunk.invalid().iter().map(|&b| char::from(b)));
    }
    out.into_bytes()
}

fn stored_message(dir: &Path) -> Vec<u8> {
    let raw = git(dir, &["cat-file", "commit", "HEAD"]).stdout;
    let at = raw.find(b"\n\n").unwrap();
    raw[at + 2..].to_vec()
}

#[test]
fn clean_matches_git_commit() {
    let inputs: &[&[u8]] = &[
        b"subject ABC-1\n\n# only in a comment KEY-2\nbody  \n\n\n\nmore\t\n",
        b"subj\r\n\r\n# c\r\nbody\r\n\r\n",
        b"\xef\xbb\xbf# c\nsubject\n",
        b"\n\n  leading blanks\n\n\n",
        b";semicolon line\n#hash line\nx\n",
        b"caf\xe9 \xff\n# c\n",
        "fix\n\u{2116} comment KEY-3\n# hash\n".as_bytes(),
        b"no newline at end",
        b"# ------------------------ >8 ------------------------\nKEY-1 below scissors\n",
    ];
    let modes = ["strip", "whitespace", "verbatim", "scissors", "default"];
    let chars = ["#", ";", "\u{2116}", "auto"];
    let f = fixture();
    let mut checked = 0;
    for (n, input) in inputs.iter().enumerate() {
        fs::write(&f.input, input).unwrap();
        let typed_scissors = input.find(b">8").is_some();
        for cc in chars {
            git(&f.dir, &["config", "core.commentChar", cc]);
            for mode in modes {
                git(&f.dir, &["config", "commit.cleanup", mode]);
                for how in [How::File, How::Editor, How::EditorVerbose] {
                    // A scissors line the user typed is only cut by git under -v or in
                    // scissors mode; reltag always cuts (documented), so compare only where
                    // git would too.
                    if typed_scissors && !matches!(how, How::EditorVerbose) {
                        continue;
                    }
                    // Each commit changes a file, so `-v` has a diff to show.
                    fs::write(f.dir.join("f"), format!("{n} {cc} {mode} {how:?} KEY-99\n"))
                        .unwrap();
                    git(&f.dir, &["add", "f"]);
                    let mut cmd = git_cmd(&f.dir);
                    cmd.args(["commit", "-q", "--allow-empty-message"])
                        .stdin(Stdio::null());
                    match how {
                        How::File => {
                            cmd.arg("-F").arg(&f.input);
                        }
                        How::Editor | How::EditorVerbose => {
                            cmd.env("GIT_EDITOR", &f.editor);
                            if let How::EditorVerbose = how {
                                cmd.arg("-v");
                            }
                        }
                    }
                    run(cmd);
                    let raw = fs::read(&f.captured).unwrap();
                    let editor = fs::read(&f.editor_env).unwrap();
                    let editor = EditorUse::from_git_editor_env(Some(std::ffi::OsStr::new(
                        std::str::from_utf8(&editor).unwrap(),
                    )));
                    let repo = gix::open_opts(&f.dir, gix::open::Options::isolated()).unwrap();
                    let config = MessageConfig::from_repo(&repo).unwrap();
                    let ours = latin1_fix(&config.clean(&raw, editor));
                    let theirs = stored_message(&f.dir);
                    assert_eq!(
                        ours.as_bstr(),
                        theirs.as_bstr(),
                        "input {n} {:?}, commentChar {cc}, cleanup {mode}, {how:?}; hook saw {:?}",
                        input.as_bstr(),
                        raw.as_bstr()
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 300, "{checked}");
}

#[test]
fn stripspace_matches_git_stripspace() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs: &[&[u8]] = &[
        b"",
        b"\n",
        b"a",
        b" \t\r\n\n",
        b"a \r\n\r\n\r\n b\t \n\n\n",
        b"# x\n\n\na\n# y\n\n# z\n\nb\n#",
        b"\x0ba\x0c \n",
        b"\xef\xbb\xbf\n\na\n",
        b"a\n \n\t\n\r\nb",
        b"\xff\xfe\n#\xff\n",
    ];
    for input in inputs {
        for (args, comment) in [
            (vec!["stripspace"], None),
            (vec!["stripspace", "-s"], Some(&b"#"[..])),
            (
                vec!["-c", "core.commentChar=;", "stripspace", "-s"],
                Some(&b";"[..]),
            ),
        ] {
            let mut cmd = git_cmd(tmp.path());
            let mut child = cmd
                .args(&args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write;
            child.stdin.take().unwrap().write_all(input).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            assert_eq!(
                stripspace(input, comment).as_bstr(),
                out.stdout.as_bstr(),
                "{args:?} on {:?}",
                input.as_bstr()
            );
        }
    }
}

#[test]
fn config_errors_name_the_value() {
    let f = fixture();
    git(&f.dir, &["config", "commit.cleanup", "nonsense"]);
    let repo = gix::open_opts(&f.dir, gix::open::Options::isolated()).unwrap();
    let err = MessageConfig::from_repo(&repo).unwrap_err();
    assert!(err.to_string().contains("\"nonsense\""), "{err}");
    git(&f.dir, &["config", "commit.cleanup", "strip"]);
    git(&f.dir, &["config", "core.commentChar", "auto"]);
    let repo = gix::open_opts(&f.dir, gix::open::Options::isolated()).unwrap();
    assert_eq!(
        MessageConfig::from_repo(&repo).unwrap().comment,
        CommentChar::Auto
    );
}
