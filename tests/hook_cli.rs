//! `reltag hook ...` parses with the hooks' own small command tree (start-up speed); what
//! it does not accept as it stands goes through the whole tree, so help, errors and
//! global options read exactly as for every other command.

use std::process::{Command, Output};

fn reltag(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reltag"))
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env_remove("GIT_DIR")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn hook_help_errors_and_global_options_are_the_whole_trees() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("good"), "PAY-1: a message\n").unwrap();
    std::fs::write(dir.join("bad"), "no key here\n").unwrap();

    // What the installed scripts run.
    let good = reltag(dir, &["hook", "commit-msg", "good"]);
    assert_eq!(good.status.code(), Some(0), "{}", text(&good.stderr));
    assert!(good.stdout.is_empty(), "a passing hook is silent");
    let bad = reltag(dir, &["hook", "commit-msg", "bad"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stdout).contains("commit-jira"),
        "{}",
        text(&bad.stdout)
    );
    // Global options after the hook's arguments, as for every command.
    let json = reltag(dir, &["hook", "commit-msg", "bad", "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    assert!(
        text(&json.stdout).starts_with('{'),
        "{}",
        text(&json.stdout)
    );
    let verbose = reltag(dir, &["hook", "commit-msg", "good", "-v"]);
    assert_eq!(verbose.status.code(), Some(0));
    assert!(
        text(&verbose.stdout).contains("allowed"),
        "{}",
        text(&verbose.stdout)
    );

    // Help and mistakes read as the whole tree writes them.
    for args in [
        &["hook", "commit-msg", "--help"][..],
        &["hook", "--help"],
        &["hook", "commit-msg"],
        &["hook", "no-such-hook"],
        &["hook", "commit-msg", "good", "--no-such-flag"],
        &["hook", "--version"],
    ] {
        let run = reltag(dir, args);
        let whole = reltag(dir, &[&["-C", "."][..], args].concat());
        assert_eq!(run.status.code(), whole.status.code(), "{args:?}");
        assert_eq!(text(&run.stdout), text(&whole.stdout), "{args:?}");
        assert_eq!(text(&run.stderr), text(&whole.stderr), "{args:?}");
    }
    let help = reltag(dir, &["hook", "commit-msg", "--help"]);
    assert!(text(&help.stdout).contains("The message file git passes"));
    assert!(
        text(&help.stdout).contains("--policy"),
        "global options listed"
    );
    let missing = reltag(dir, &["hook", "commit-msg"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("Usage: reltag hook commit-msg"));
}
