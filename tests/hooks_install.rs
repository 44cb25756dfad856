//! `hooks::install` against real git: where hooks land, foreign hooks, chaining, uninstall.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use reltag::hooks::HookKind;
use reltag::hooks::install::{
    self, InstallAction, InstallError, UninstallAction, hooks_dir, is_reltag_hook,
};

/// `git` with a scrubbed configuration, so the machine's config never leaks in.
fn git(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn new_repo(root: &Path) -> PathBuf {
    let dir = root.join("repo");
    fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["config", "user.name", "Test"]);
    git(&dir, &["config", "user.email", "test@example.com"]);
    git(&dir, &["commit", "-q", "--allow-empty", "-m", "init"]);
    dir
}

fn open(dir: &Path) -> gix::Repository {
    gix::open_opts(dir, gix::open::Options::isolated()).unwrap()
}

/// What `git rev-parse --git-path hooks` says, made absolute.
fn git_hooks_dir(dir: &Path) -> PathBuf {
    let out = git(
        dir,
        &["rev-parse", "--path-format=absolute", "--git-path", "hooks"],
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn canon(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap()
}

const BIN: &str = "/nonexistent/reltag";

#[test]
fn plain_repo_default_kinds() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_repo(tmp.path());
    let repo = open(&dir);
    let report = install::install(&repo, &HookKind::DEFAULT, false, Path::new(BIN)).unwrap();
    assert_eq!(canon(&report.hooks_dir), canon(&git_hooks_dir(&dir)));
    let names: Vec<_> = report.hooks.iter().map(|h| h.kind.as_str()).collect();
    assert_eq!(names, ["commit-msg", "pre-push"]);
    for h in &report.hooks {
        assert_eq!(h.action, InstallAction::Created);
        let content = fs::read(&h.path).unwrap();
        assert!(is_reltag_hook(&content));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&h.path).unwrap().permissions().mode() & 0o111,
                0o111
            );
        }
    }
    assert!(!report.hooks_dir.join("pre-commit").exists());
    // Idempotent.
    let again = install::install(&repo, &HookKind::DEFAULT, false, Path::new(BIN)).unwrap();
    assert!(
        again
            .hooks
            .iter()
            .all(|h| h.action == InstallAction::Unchanged)
    );
    let moved = install::install(&repo, &HookKind::DEFAULT, false, Path::new("/other/reltag"));
    assert!(
        moved
            .unwrap()
            .hooks
            .iter()
            .all(|h| h.action == InstallAction::Updated)
    );
}

#[test]
fn linked_worktree_uses_common_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_repo(tmp.path());
    let wt = tmp.path().join("wt");
    git(
        &dir,
        &["worktree", "add", "-q", wt.to_str().unwrap(), "-b", "side"],
    );
    let repo = open(&wt);
    let report = install::install(&repo, &[HookKind::CommitMsg], false, Path::new(BIN)).unwrap();
    assert_eq!(canon(&report.hooks_dir), canon(&dir.join(".git/hooks")));
    assert_eq!(canon(&report.hooks_dir), canon(&git_hooks_dir(&wt)));
}

#[test]
fn relative_core_hooks_path() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_repo(tmp.path());
    git(&dir, &["config", "core.hooksPath", "tools/hooks"]);
    fs::create_dir_all(dir.join("sub")).unwrap();
    // Opened from a subdirectory: still relative to the worktree root, as git resolves it.
    let repo = gix::discover(dir.join("sub")).unwrap();
    let report = install::install(&repo, &[HookKind::PrePush], false, Path::new(BIN)).unwrap();
    assert_eq!(
        canon(&report.hooks_dir),
        canon(&dir.join("tools/hooks")),
        "hooks must land in the worktree-relative core.hooksPath"
    );
    assert!(dir.join("tools/hooks/pre-push").exists());
}

#[test]
fn inherited_git_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_repo(tmp.path());
    let elsewhere = tmp.path().join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    // `open_repo` reads GIT_DIR from the process environment, so run it in a child process: the
    // test binary re-executes itself filtered to the helper below.
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "install_from_env_helper", "--nocapture"])
        .env("RELTAG_TEST_HELPER", "1")
        .env("RELTAG_TEST_CWD", &elsewhere)
        .env("GIT_DIR", dir.join(".git"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join(".git/hooks/commit-msg").exists());
    assert!(!elsewhere.join(".git").exists());
}

#[test]
fn install_from_env_helper() {
    if std::env::var_os("RELTAG_TEST_HELPER").is_none() {
        return;
    }
    let cwd = PathBuf::from(std::env::var_os("RELTAG_TEST_CWD").unwrap());
    let repo = install::open_repo(&cwd).unwrap();
    install::install(&repo, &[HookKind::CommitMsg], false, Path::new(BIN)).unwrap();
}

fn write_hook(path: &Path, body: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, body).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A stand-in for the reltag binary: records its arguments and stdin, and rejects messages
/// containing "BAD".
fn fake_reltag(dir: &Path) -> PathBuf {
    let bin = dir.join("bin/reltag");
    write_hook(
        &bin,
        &format!(
            "#!/bin/sh\necho \"$@\" >> '{log}'\nif [ \"$2\" = pre-push ]; then cat >> '{log}'; fi\n\
             if [ \"$2\" = commit-msg ] && grep -q BAD \"$3\"; then echo rejected >&2; exit 1; fi\n",
            log = dir.join("reltag.log").display()
        ),
    );
    bin
}

#[test]
fn foreign_hook_refused_then_chained_and_restored() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_repo(tmp.path());
    let repo = open(&dir);
    let hooks = hooks_dir(&repo).unwrap();
    let marker = tmp.path().join("foreign-ran");
    let foreign = format!(
        "#!/bin/sh\n# someone else's hook\necho \"$1\" >> '{}'\n",
        marker.display()
    );
    write_hook(&hooks.join("commit-msg"), &foreign);
    let before = fs::read(hooks.join("commit-msg")).unwrap();

    let bin = fake_reltag(tmp.path());
    let err = install::install(&repo, &HookKind::DEFAULT, false, &bin).unwrap_err();
    match &err {
        InstallError::ForeignHook { path } => assert_eq!(path, &hooks.join("commit-msg")),
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("commit-msg"));
    assert!(err.hint().unwrap().contains("--force"));
    // Refusal is all-or-nothing: pre-push was not installed either.
    assert!(!hooks.join("pre-push").exists());
    assert_eq!(fs::read(hooks.join("commit-msg")).unwrap(), before);

    let report = install::install(&repo, &HookKind::DEFAULT, true, &bin).unwrap();
    let cm = &report.hooks[0];
    assert_eq!(
        cm.action,
        InstallAction::KeptForeign {
            kept_as: hooks.join("commit-msg.pre-reltag")
        }
    );
    assert!(cm.chained);
    // A reinstall keeps the chain.
    let again = install::install(&repo, &HookKind::DEFAULT, false, &bin).unwrap();
    assert!(again.hooks[0].chained);
    assert_eq!(again.hooks[0].action, InstallAction::Unchanged);

    // A real commit runs the foreign hook and then reltag.
    fs::write(dir.join("f"), "x").unwrap();
    git(&dir, &["add", "f"]);
    git(&dir, &["commit", "-q", "-m", "good ABC-1"]);
    let ran = fs::read_to_string(&marker).unwrap();
    assert!(ran.contains("COMMIT_EDITMSG"), "{ran}");
    let log = fs::read_to_string(tmp.path().join("reltag.log")).unwrap();
    assert!(log.contains("hook commit-msg"), "{log}");

    // reltag's rejection blocks the commit after the foreign hook ran.
    fs::write(dir.join("f"), "y").unwrap();
    git(&dir, &["add", "f"]);
    let head = git(&dir, &["rev-parse", "HEAD"]).stdout;
    let out = Command::new("git")
        .args(["commit", "-q", "-m", "BAD"])
        .current_dir(&dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(git(&dir, &["rev-parse", "HEAD"]).stdout, head);

    let report = install::uninstall(&repo, &HookKind::ALL).unwrap();
    assert_eq!(
        report.hooks[0].action,
        UninstallAction::Restored {
            from: hooks.join("commit-msg.pre-reltag")
        }
    );
    assert_eq!(report.hooks[1].action, UninstallAction::Absent);
    assert_eq!(report.hooks[2].action, UninstallAction::Removed);
    assert_eq!(fs::read(hooks.join("commit-msg")).unwrap(), before);
    assert!(!hooks.join("commit-msg.pre-reltag").exists());
    assert!(!hooks.join("pre-push").exists());
}

#[test]
fn uninstall_leaves_foreign_hooks_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_repo(tmp.path());
    let repo = open(&dir);
    let path = hooks_dir(&repo).unwrap().join("pre-push");
    write_hook(&path, "#!/bin/sh\nexit 0\n");
    let report = install::uninstall(&repo, &[HookKind::PrePush]).unwrap();
    assert_eq!(report.hooks[0].action, UninstallAction::NotOurs);
    assert!(path.exists());
}

#[test]
fn chained_pre_push_gives_stdin_to_both() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_repo(tmp.path());
    let remote = tmp.path().join("remote.git");
    git(
        tmp.path(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    git(&dir, &["remote", "add", "origin", remote.to_str().unwrap()]);
    let repo = open(&dir);
    let hooks = hooks_dir(&repo).unwrap();
    let foreign_log = tmp.path().join("foreign.log");
    write_hook(
        &hooks.join("pre-push"),
        &format!("#!/bin/sh\ncat > '{}'\n", foreign_log.display()),
    );
    let bin = fake_reltag(tmp.path());
    install::install(&repo, &[HookKind::PrePush], true, &bin).unwrap();
    git(&dir, &["push", "-q", "origin", "main"]);
    let head = String::from_utf8(git(&dir, &["rev-parse", "HEAD"]).stdout).unwrap();
    let line = format!(
        "refs/heads/main {} refs/heads/main {}",
        head.trim(),
        "0".repeat(40)
    );
    let foreign = fs::read_to_string(&foreign_log).unwrap();
    let ours = fs::read_to_string(tmp.path().join("reltag.log")).unwrap();
    assert!(foreign.contains(&line), "{foreign}");
    assert!(ours.contains(&line), "{ours}");
    assert!(ours.contains("hook pre-push origin"), "{ours}");
}

#[test]
fn missing_binary_fails_closed_with_a_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_repo(tmp.path());
    let repo = open(&dir);
    let report = install::install(&repo, &[HookKind::CommitMsg], false, Path::new(BIN)).unwrap();
    let out = Command::new("/bin/sh")
        .arg(&report.hooks[0].path)
        .arg("msg")
        .env_clear()
        .env("PATH", "")
        .env("RELTAG_BIN", "/nowhere/reltag")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("the reltag binary was not found"),
        "{stderr}"
    );
    assert!(stderr.contains("'/nowhere/reltag'"), "{stderr}");
    assert!(stderr.contains("reltag install"), "{stderr}");
    assert!(stderr.contains("RELTAG_BIN"), "{stderr}");

    // RELTAG_BIN wins over the recorded path when it works.
    let bin = fake_reltag(tmp.path());
    let out = Command::new("/bin/sh")
        .arg(&report.hooks[0].path)
        .arg("msg-file")
        .env("RELTAG_BIN", &bin)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = fs::read_to_string(tmp.path().join("reltag.log")).unwrap();
    assert_eq!(log, "hook commit-msg msg-file\n");
}
