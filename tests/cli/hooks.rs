//! `reltag install`, `uninstall` and the hooks as git runs them: real `git commit` and
//! `git push` against a local bare remote.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::TestEnv;

/// A repository with one pushed commit on `main`, a bare `origin`, and reltag's default
/// hooks installed (through the test binary, whose path the scripts record).
fn setup(env: &TestEnv) -> (PathBuf, PathBuf) {
    let bare = env.bare("remote.git");
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    env.git(&repo, &["remote", "add", "origin", bare.to_str().unwrap()]);
    env.git(&repo, &["push", "-q", "origin", "main"]);
    let run = env.reltag(&repo, &["install"]);
    assert_eq!(run.code, 0, "{}", run.render());
    (repo, bare)
}

/// Everything git and its hooks printed (git sends hook stdout to stderr).
fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn head(env: &TestEnv, repo: &Path) -> String {
    env.git(repo, &["rev-parse", "HEAD"])
}

/// `git commit` through an "editor" that writes `message`, as an interactive commit does.
fn commit_with_editor(env: &TestEnv, repo: &Path, message: &str, config: &[&str]) -> Output {
    let file = env.path("editor-message");
    std::fs::write(&file, message).unwrap();
    let editor = format!("core.editor=cp '{}'", file.display());
    let mut args: Vec<&str> = vec!["-c", &editor];
    for c in config {
        args.extend(["-c", c]);
    }
    args.extend(["commit", "--allow-empty"]);
    env.git_output(repo, &args)
}

#[test]
fn install_reports_the_hooks_and_uninstall_removes_them() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env.reltag(&repo, &["install"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stderr
            .contains("installed commit-msg hook: [TMP]/r/.git/hooks/commit-msg")
    );
    assert!(
        run.stderr
            .contains("installed pre-push hook: [TMP]/r/.git/hooks/pre-push")
    );
    assert!(!repo.join(".git/hooks/pre-commit").exists());
    let again = env.reltag(&repo, &["install"]);
    assert!(
        again.stderr.contains("commit-msg hook already installed"),
        "{}",
        again.render()
    );
    let run = env.reltag(&repo, &["uninstall"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stderr.contains("removed commit-msg hook"),
        "{}",
        run.render()
    );
    assert!(!repo.join(".git/hooks/commit-msg").exists());
}

#[test]
fn a_foreign_hook_is_refused_then_kept_with_force_and_restored_by_uninstall() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let hook = repo.join(".git/hooks/commit-msg");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
    let run = env.reltag(&repo, &["install"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr
            .contains("is not a reltag hook; refusing to overwrite it")
    );
    assert!(
        run.stderr.contains("hint: rerun with --force"),
        "{}",
        run.stderr
    );
    let run = env.reltag(&repo, &["install", "--force"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stderr.contains("the existing hook was kept as"),
        "{}",
        run.stderr
    );
    let run = env.reltag(&repo, &["uninstall"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\nexit 0\n"
    );
}

#[test]
fn a_rejected_commit_leaves_head_unchanged_and_explains_why() {
    let env = TestEnv::new();
    let (repo, _) = setup(&env);
    let before = head(&env, &repo);
    let out = env.git_output(&repo, &["commit", "--allow-empty", "-m", "Add login"]);
    let text = text(&out);
    assert!(!out.status.success(), "{text}");
    assert_eq!(head(&env, &repo), before);
    assert!(
        text.contains("message commit message \"Add login\""),
        "{text}"
    );
    assert!(
        text.contains("error[commit-jira] the commit message has no Jira key"),
        "{text}"
    );
    assert!(
        text.contains("hint: start the subject with the issue"),
        "{text}"
    );
}

#[test]
fn an_accepted_commit_goes_through_silently() {
    let env = TestEnv::new();
    let (repo, _) = setup(&env);
    let before = head(&env, &repo);
    let out = env.git_output(
        &repo,
        &["commit", "-q", "--allow-empty", "-m", "PAY-2: Add login"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(text(&out), "");
    assert_ne!(head(&env, &repo), before);
}

#[test]
fn a_key_that_stands_only_in_a_comment_does_not_count() {
    let env = TestEnv::new();
    let (repo, _) = setup(&env);
    let before = head(&env, &repo);
    let out = commit_with_editor(&env, &repo, "Add login\n# PAY-3 is only a comment\n", &[]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("error[commit-jira]"), "{}", text(&out));
    assert_eq!(head(&env, &repo), before);
    let out = commit_with_editor(&env, &repo, "PAY-3: Add login\n# a comment\n", &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        env.git(&repo, &["log", "-1", "--format=%B"]),
        "PAY-3: Add login"
    );
}

#[test]
fn another_comment_char_is_honoured() {
    let env = TestEnv::new();
    let (repo, _) = setup(&env);
    let before = head(&env, &repo);
    let out = commit_with_editor(&env, &repo, "Add login\n; PAY-4\n", &["core.commentChar=;"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("error[commit-jira]"), "{}", text(&out));
    assert_eq!(head(&env, &repo), before);
    // With `;` as the comment character, a `#` line is message text.
    let out = commit_with_editor(&env, &repo, "Add login\n# PAY-4\n", &["core.commentChar=;"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_new_branch_with_one_bad_commit_among_fifty_is_refused_naming_it() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-5-big"]);
    let mut bad = String::new();
    for i in 0..50 {
        let message = if i == 23 {
            "oops".to_string()
        } else {
            format!("PAY-5: step {i}")
        };
        env.git(
            &repo,
            &[
                "commit",
                "-q",
                "--no-verify",
                "--allow-empty",
                "-m",
                &message,
            ],
        );
        if i == 23 {
            bad = head(&env, &repo);
        }
    }
    let out = env.git_output(&repo, &["push", "origin", "feature/PAY-5-big"]);
    let text = text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "commit {} (refs/heads/feature/PAY-5-big) \"oops\"\n  error[commit-jira]",
            &bad[..12]
        )),
        "{text}"
    );
    assert!(
        text.contains("blocked: 1 error, 0 warnings (checked 50 commits, 1 branch)"),
        "{text}"
    );
    assert_eq!(env.git(&bare, &["branch", "--list", "feature/*"]), "");
}

#[test]
fn a_good_branch_push_goes_through() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-6-ok"]);
    env.commit(&repo, "PAY-6: fine");
    let out = env.git_output(&repo, &["push", "-q", "origin", "feature/PAY-6-ok"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        env.git(&bare, &["branch", "--list", "feature/*"]),
        "feature/PAY-6-ok"
    );
}

#[test]
fn a_push_to_protected_main_is_refused() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    let before = env.git(&bare, &["rev-parse", "main"]);
    env.commit(&repo, "PAY-7: straight to main");
    let out = env.git_output(&repo, &["push", "origin", "main"]);
    let text = text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains(
            "ref refs/heads/main\n  error[branch-protected] direct pushes to protected branch main are refused: open a pull request"
        ),
        "{text}"
    );
    assert_eq!(env.git(&bare, &["rev-parse", "main"]), before);
}

#[test]
fn a_bad_tag_is_refused() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    env.git(&repo, &["tag", "v1.2"]);
    let out = env.git_output(&repo, &["push", "origin", "v1.2"]);
    let text = text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("tag v1.2\n  error[tag-"), "{text}");
    assert_eq!(env.git(&bare, &["tag"]), "");
}

#[test]
fn a_good_tag_on_its_release_branch_goes_through_and_cannot_be_deleted() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    env.git(&repo, &["branch", "release/v1.0.0"]);
    env.git(&repo, &["tag", "v1.0.0"]);
    let out = env.git_output(&repo, &["push", "-q", "origin", "v1.0.0"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(env.git(&bare, &["tag"]), "v1.0.0");

    let out = env.git_output(&repo, &["push", "origin", ":refs/tags/v1.0.0"]);
    let text = text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("ref refs/tags/v1.0.0\n  error[tag-moved] deleting the release tag v1.0.0"),
        "{text}"
    );
    assert_eq!(env.git(&bare, &["tag"]), "v1.0.0");
}

#[test]
fn a_tag_off_its_release_branch_is_refused_naming_the_commit() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    let id = env.commit(&repo, "PAY-8: not released");
    env.git(&repo, &["tag", "v1.0.0"]);
    let out = env.git_output(&repo, &["push", "origin", "v1.0.0"]);
    let text = text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "commit {} (refs/tags/v1.0.0) \"PAY-8: not released\"\n  error[tag-on-release-branch] no release branch for tag v1.0.0: none of release/v1.0.0 or release/v1.0 exists",
            &id[..12]
        )),
        "{text}"
    );
    env.git(&repo, &["branch", "release/v1.0.0", "HEAD~"]);
    let out = env.git_output(&repo, &["push", "origin", "v1.0.0"]);
    let again = self::text(&out);
    assert!(!out.status.success(), "{again}");
    assert!(
        again.contains("error[tag-on-release-branch] tag v1.0.0 points at a commit that is not on its release branch release/v1.0.0"),
        "{again}"
    );
    assert_eq!(env.git(&bare, &["tag"]), "");
}

#[test]
fn pre_commit_checks_the_branch_and_skips_a_detached_head() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    let run = env.reltag(&repo, &["install", "--hook", "pre-commit"]);
    assert_eq!(run.code, 0, "{}", run.render());
    env.git(&repo, &["switch", "-q", "-c", "my-fix"]);
    let out = env.git_output(&repo, &["commit", "--allow-empty", "-m", "PAY-2: x"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("branch my-fix\n  error[branch-name]"),
        "{}",
        text(&out)
    );

    env.git(&repo, &["switch", "-q", "--detach"]);
    let out = env.git_output(&repo, &["commit", "--allow-empty", "-m", "PAY-2: x"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("HEAD is detached at")
            && text(&out).contains("the branch name is not checked"),
        "{}",
        text(&out)
    );
}

#[test]
fn pre_push_with_empty_stdin_has_nothing_to_check() {
    let env = TestEnv::new();
    let (repo, _) = setup(&env);
    let run = env.reltag_with(&repo, &["hook", "pre-push", "origin", "x"], &[], Some(b""));
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(run.stdout, "");
}

#[test]
fn pre_push_reads_the_pre_commit_framework_variables() {
    let env = TestEnv::new();
    let (repo, _) = setup(&env);
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-9-x"]);
    env.git(
        &repo,
        &[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            "no key",
        ],
    );
    let bad = head(&env, &repo);
    let run = env.reltag_with(
        &repo,
        &["hook", "pre-push"],
        &[
            ("PRE_COMMIT_FROM_REF", "main"),
            ("PRE_COMMIT_TO_REF", "HEAD"),
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/feature/PAY-9-x"),
        ],
        None,
    );
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(&format!(
            "commit {} (refs/heads/feature/PAY-9-x) \"no key\"",
            &bad[..12]
        )),
        "{}",
        run.render()
    );
}

#[test]
fn pre_push_that_cannot_tell_the_new_commits_exits_3_with_the_fix() {
    let env = TestEnv::new();
    let (repo, _) = setup(&env);
    let id = head(&env, &repo);
    let zero = "0".repeat(40);
    let line = format!("refs/heads/feature/PAY-1-x {id} refs/heads/feature/PAY-1-x {zero}\n");
    let run = env.reltag_with(
        &repo,
        &["hook", "pre-push", "elsewhere", "/nowhere"],
        &[],
        Some(line.as_bytes()),
    );
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr
            .contains("hint: run `git fetch elsewhere` so reltag can tell which commits are new"),
        "{}",
        run.render()
    );
}

// ---- Where git runs hooks: linked worktrees, a relative core.hooksPath, GIT_DIR ----

#[test]
fn hooks_installed_from_the_main_worktree_run_in_a_linked_one() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    let wt = env.path("wt");
    env.git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature/PAY-10-wt",
            wt.to_str().unwrap(),
        ],
    );
    let before = head(&env, &wt);
    let out = env.git_output(&wt, &["commit", "--allow-empty", "-m", "no key"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("error[commit-jira]"), "{}", text(&out));
    assert_eq!(head(&env, &wt), before);
    env.commit(&wt, "PAY-10: in the worktree");

    env.git(
        &wt,
        &["commit", "-q", "--no-verify", "--allow-empty", "-m", "oops"],
    );
    let bad = head(&env, &wt);
    let out = env.git_output(&wt, &["push", "origin", "feature/PAY-10-wt"]);
    let text = text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "commit {} (refs/heads/feature/PAY-10-wt) \"oops\"\n  error[commit-jira]",
            &bad[..12]
        )),
        "{text}"
    );
    assert_eq!(env.git(&bare, &["branch", "--list", "feature/*"]), "");
}

#[test]
fn install_inside_a_linked_worktree_writes_to_the_common_dir() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    let wt = env.path("wt");
    env.git(
        &repo,
        &["worktree", "add", "-q", "-b", "topic", wt.to_str().unwrap()],
    );
    let run = env.reltag(&wt, &["install"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stderr
            .contains("installed commit-msg hook: [TMP]/r/.git/hooks/commit-msg\n"),
        "{}",
        run.render()
    );
    assert!(repo.join(".git/hooks/pre-push").is_file());
    assert!(!repo.join(".git/worktrees/wt/hooks").exists());
    // The main worktree runs them too.
    let out = env.git_output(&repo, &["commit", "--allow-empty", "-m", "no key"]);
    assert!(!out.status.success(), "{}", text(&out));

    let run = env.reltag(&wt, &["uninstall"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(!repo.join(".git/hooks/commit-msg").exists());
}

#[test]
fn a_relative_hooks_path_resolves_from_the_worktree_root_even_from_a_subdirectory() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    env.git(&repo, &["config", "core.hooksPath", ".githooks"]);
    let sub = repo.join("sub/deep");
    std::fs::create_dir_all(&sub).unwrap();
    let run = env.reltag(&sub, &["install"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stderr
            .contains("installed commit-msg hook: [TMP]/r/.githooks/commit-msg\n"),
        "{}",
        run.render()
    );
    assert!(repo.join(".githooks/pre-push").is_file());
    assert!(!sub.join(".githooks").exists());
    assert!(!repo.join(".git/hooks/commit-msg").exists());

    let before = head(&env, &repo);
    let out = env.git_output(&sub, &["commit", "--allow-empty", "-m", "no key"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("error[commit-jira]"), "{}", text(&out));
    assert_eq!(head(&env, &repo), before);
    env.commit(&sub, "PAY-2: from a subdirectory");

    let run = env.reltag(&sub, &["uninstall"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(!repo.join(".githooks/commit-msg").exists());
}

#[test]
fn an_inherited_git_dir_and_work_tree_are_honoured() {
    let env = TestEnv::new();
    let bare = env.bare("remote.git");
    let git_dir = env.path("store.git");
    let work = env.path("work");
    std::fs::create_dir_all(&work).unwrap();
    let vars = [
        ("GIT_DIR", git_dir.to_str().unwrap()),
        ("GIT_WORK_TREE", work.to_str().unwrap()),
    ];
    let git = |dir: &Path, args: &[&str]| {
        let out = env.git_env(dir, args, &vars);
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&work, &["init", "-q", "-b", "main"]);
    git(
        &work,
        &["commit", "-q", "--allow-empty", "-m", "PAY-1: start"],
    );
    git(&work, &["remote", "add", "origin", bare.to_str().unwrap()]);
    git(&work, &["push", "-q", "origin", "main"]);

    // Installed from elsewhere: only the environment says which repository.
    let run = env.reltag_with(env.tmp.path(), &["install"], &vars, None);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stderr
            .contains("installed commit-msg hook: [TMP]/store.git/hooks/commit-msg\n"),
        "{}",
        run.render()
    );
    assert!(!work.join(".git").exists());

    let before = git(&work, &["rev-parse", "HEAD"]);
    let out = env.git_env(&work, &["commit", "--allow-empty", "-m", "no key"], &vars);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("error[commit-jira]"), "{}", text(&out));
    assert_eq!(git(&work, &["rev-parse", "HEAD"]), before);
    git(
        &work,
        &["commit", "-q", "--allow-empty", "-m", "PAY-2: fine"],
    );

    git(&work, &["switch", "-q", "-c", "feature/PAY-3-x"]);
    git(
        &work,
        &["commit", "-q", "--no-verify", "--allow-empty", "-m", "oops"],
    );
    let out = env.git_env(&work, &["push", "origin", "feature/PAY-3-x"], &vars);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("(refs/heads/feature/PAY-3-x) \"oops\"\n  error[commit-jira]"),
        "{}",
        text(&out)
    );
    assert_eq!(env.git(&bare, &["branch", "--list", "feature/*"]), "");
}

// ---- SHA-256 ----

#[test]
fn a_sha256_repository_works_end_to_end() {
    let env = TestEnv::new();
    let bare = env.bare_with("remote.git", &["--object-format=sha256"]);
    let repo = env.path("r");
    std::fs::create_dir_all(&repo).unwrap();
    env.git(
        &repo,
        &["init", "-q", "-b", "main", "--object-format=sha256"],
    );
    env.commit(&repo, "PAY-1: start");
    env.git(&repo, &["remote", "add", "origin", bare.to_str().unwrap()]);
    env.git(&repo, &["push", "-q", "origin", "main"]);
    let run = env.reltag(&repo, &["install"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(head(&env, &repo).len(), 64);

    // commit-msg
    let before = head(&env, &repo);
    let out = env.git_output(&repo, &["commit", "--allow-empty", "-m", "no key"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("error[commit-jira]"), "{}", text(&out));
    assert_eq!(head(&env, &repo), before);

    // pre-push: a new branch (64-character zero remote id) with a bad commit is refused...
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-2-x"]);
    env.commit(&repo, "PAY-2: fine");
    env.git(
        &repo,
        &["commit", "-q", "--no-verify", "--allow-empty", "-m", "oops"],
    );
    let bad = head(&env, &repo);
    let out = env.git_output(&repo, &["push", "origin", "feature/PAY-2-x"]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains(&format!(
            "commit {} (refs/heads/feature/PAY-2-x) \"oops\"\n  error[commit-jira]",
            &bad[..12]
        )),
        "{t}"
    );
    assert!(t.contains("(checked 2 commits, 1 branch)"), "{t}");
    // ...a good one goes through, and so does its deletion (64-character zero local id).
    env.git(&repo, &["reset", "-q", "--hard", "HEAD~"]);
    let out = env.git_output(&repo, &["push", "-q", "origin", "feature/PAY-2-x"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = env.git_output(&repo, &["push", "-q", "origin", ":feature/PAY-2-x"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(env.git(&bare, &["branch", "--list", "feature/*"]), "");
    // Deleting protected main is refused.
    let out = env.git_output(&repo, &["push", "origin", ":main"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("ref refs/heads/main\n  error[branch-protected]"),
        "{}",
        text(&out)
    );
    // Tags: placed on the release branch.
    env.git(&repo, &["branch", "release/v1.0.0", "main"]);
    env.git(&repo, &["tag", "v1.0.0", "main"]);
    let out = env.git_output(&repo, &["push", "-q", "origin", "v1.0.0"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(env.git(&bare, &["tag"]), "v1.0.0");

    // A SHA-1 id in a SHA-256 repository cannot be decided: exit 3, not a pass.
    let line = format!(
        "refs/heads/feature/PAY-3-y {} refs/heads/feature/PAY-3-y {}\n",
        "1".repeat(40),
        "0".repeat(40)
    );
    let run = env.reltag_with(
        &repo,
        &["hook", "pre-push", "origin", "x"],
        &[],
        Some(line.as_bytes()),
    );
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains("this repository uses"),
        "{}",
        run.render()
    );
}

// ---- What git hands the commit-msg hook ----

/// `git commit -v` through an "editor" that puts `message` above the template git wrote
/// (status comments, the scissors line and the diff below it).
fn commit_verbose(env: &TestEnv, repo: &Path, message: &str) -> Output {
    let file = env.path("editor-message");
    std::fs::write(&file, format!("{message}\n")).unwrap();
    let editor = format!(
        "core.editor=f() {{ cat '{}' \"$1\" >\"$1.new\" && mv \"$1.new\" \"$1\"; }}; f",
        file.display()
    );
    env.git_output(repo, &["-c", &editor, "commit", "-v"])
}

#[test]
fn a_key_only_in_the_verbose_diff_does_not_count() {
    let env = TestEnv::new();
    let (repo, _) = setup(&env);
    std::fs::write(repo.join("notes.txt"), "fixes PAY-77 upstream\n").unwrap();
    env.git(&repo, &["add", "notes.txt"]);
    let before = head(&env, &repo);
    let out = commit_verbose(&env, &repo, "Add notes");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("message commit message \"Add notes\"\n  error[commit-jira]"),
        "{}",
        text(&out)
    );
    assert_eq!(head(&env, &repo), before);
    // The hook really saw the scissors line and the diff with the key.
    let seen = std::fs::read_to_string(repo.join(".git/COMMIT_EDITMSG")).unwrap();
    assert!(
        seen.contains("# ------------------------ >8 ------------------------\n")
            && seen.contains("+fixes PAY-77 upstream"),
        "{seen}"
    );

    let out = commit_verbose(&env, &repo, "PAY-11: Add notes");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        env.git(&repo, &["log", "-1", "--format=%B"]),
        "PAY-11: Add notes"
    );
}

#[test]
fn a_message_file_with_crlf_and_a_byte_order_mark() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-12-win"]);
    let file = env.path("message.txt");
    let file_arg = file.to_str().unwrap();

    std::fs::write(&file, "\u{FEFF}PAY-12: Add login\r\n\r\nSome body.\r\n").unwrap();
    let before = head(&env, &repo);
    let out = env.git_output(&repo, &["commit", "-q", "--allow-empty", "-F", file_arg]);
    assert!(out.status.success(), "{}", text(&out));
    assert_ne!(head(&env, &repo), before);
    // git keeps the mark and drops the CRs; the push sees the same message and agrees.
    let stored = env.git_output(&repo, &["log", "-1", "--format=%B"]).stdout;
    assert!(
        stored.starts_with("\u{FEFF}PAY-12: Add login\n\nSome body.\n".as_bytes()),
        "{stored:?}"
    );
    let out = env.git_output(&repo, &["push", "-q", "origin", "feature/PAY-12-win"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        env.git(&bare, &["branch", "--list", "feature/*"]),
        "feature/PAY-12-win"
    );

    let before = head(&env, &repo);
    std::fs::write(&file, "\u{FEFF}Add login\r\n\r\nSome body.\r\n").unwrap();
    let out = env.git_output(&repo, &["commit", "--allow-empty", "-F", file_arg]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(
            "message commit message \"Add login\"\n  error[commit-jira] the commit message has no Jira key"
        ),
        "{}",
        text(&out)
    );
    assert_eq!(head(&env, &repo), before);

    // A CRLF comment line is still a comment when commit.cleanup=strip. (Set in config: git
    // does not tell hooks about a `--cleanup` option, so the hook cannot honour that one.)
    std::fs::write(&file, "\u{FEFF}Add login\r\n# PAY-12\r\n").unwrap();
    let out = env.git_output(
        &repo,
        &[
            "-c",
            "commit.cleanup=strip",
            "commit",
            "--allow-empty",
            "-F",
            file_arg,
        ],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("error[commit-jira]"), "{}", text(&out));
    assert_eq!(head(&env, &repo), before);
}

#[test]
fn a_merge_with_its_default_message_and_amends() {
    let env = TestEnv::new();
    let (repo, _) = setup(&env);
    env.git(&repo, &["switch", "-q", "-c", "topic"]);
    env.commit(&repo, "PAY-13: topic work");
    env.git(&repo, &["switch", "-q", "main"]);
    env.commit(&repo, "PAY-14: main work");
    // "Merge branch 'topic'" has no key; MERGE_HEAD says the commit has two parents.
    let out = env.git_output(&repo, &["merge", "--no-ff", "topic"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        env.git(&repo, &["log", "-1", "--format=%s"]),
        "Merge branch 'topic'"
    );
    let parents = || env.git(&repo, &["log", "-1", "--format=%P"]);
    assert_eq!(parents().split(' ').count(), 2);

    // Amending the merge keeps its parents and its message: still a merge, still exempt.
    let out = env.git_output(&repo, &["commit", "--amend", "--no-edit"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(parents().split(' ').count(), 2);
    // A new message for it is checked like any other.
    let amended = head(&env, &repo);
    let out = env.git_output(&repo, &["commit", "--amend", "-m", "tidy up"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("error[commit-jira]"), "{}", text(&out));
    assert_eq!(head(&env, &repo), amended);

    // An ordinary commit amended with a valid message goes through; without a key it does not.
    env.commit(&repo, "PAY-15: first try");
    let out = env.git_output(
        &repo,
        &[
            "commit",
            "--amend",
            "--allow-empty",
            "-q",
            "-m",
            "PAY-15: better",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        env.git(&repo, &["log", "-1", "--format=%s"]),
        "PAY-15: better"
    );
    let before = head(&env, &repo);
    let out = env.git_output(
        &repo,
        &["commit", "--amend", "--allow-empty", "-m", "better still"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("message commit message \"better still\"\n  error[commit-jira]"),
        "{}",
        text(&out)
    );
    assert_eq!(head(&env, &repo), before);
}

// ---- Several refs in one push ----

#[test]
fn a_push_of_a_branch_and_tags_names_each_ref_in_its_findings() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-16-multi"]);
    env.git(
        &repo,
        &[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            "no key",
        ],
    );
    let bad = head(&env, &repo);
    env.git(&repo, &["tag", "v1.2"]);
    env.git(&repo, &["tag", "v2.0.0"]);
    let out = env.git_output(
        &repo,
        &["push", "origin", "feature/PAY-16-multi", "v1.2", "v2.0.0"],
    );
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    let short = &bad[..12];
    for expected in [
        format!(
            "commit {short} (refs/heads/feature/PAY-16-multi) \"no key\"\n  error[commit-jira]"
        ),
        "tag v1.2\n  error[tag-semver]".to_string(),
        format!(
            "commit {short} (refs/tags/v2.0.0) \"no key\"\n  error[tag-on-release-branch] no release branch for tag v2.0.0: none of release/v2.0.0 or release/v2.0 exists"
        ),
        "blocked: 3 errors, 0 warnings (checked 1 commit, 1 branch, 2 tags)".to_string(),
    ] {
        assert!(t.contains(&expected), "missing {expected:?} in\n{t}");
    }
    // git runs pre-push once for the whole push: nothing of it reached the remote.
    assert_eq!(env.git(&bare, &["branch", "--list", "feature/*"]), "");
    assert_eq!(env.git(&bare, &["tag"]), "");

    // The same push, fixed, goes through in one piece.
    env.git(
        &repo,
        &[
            "commit",
            "-q",
            "--amend",
            "--allow-empty",
            "-m",
            "PAY-16: keyed",
        ],
    );
    env.git(&repo, &["tag", "-d", "v1.2", "v2.0.0"]);
    env.git(&repo, &["tag", "v2.0.0"]);
    env.git(&repo, &["branch", "release/v2.0.0"]);
    let out = env.git_output(
        &repo,
        &["push", "-q", "origin", "feature/PAY-16-multi", "v2.0.0"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(env.git(&bare, &["tag"]), "v2.0.0");
}

// ---- Creating protected branches, release lines, other tags (issue 16) ----

#[test]
fn creating_a_release_branch_at_a_published_commit_is_allowed_and_said() {
    // The README's own step after `reltag install`: before, a direct push to a protected
    // branch, refused.
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    env.git(&repo, &["switch", "-q", "-c", "release/v1.0.0"]);
    let out = env.git_output(&repo, &["push", "-u", "origin", "release/v1.0.0"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("note: creating protected branch release/v1.0.0 is allowed: every commit on it is already on origin/main, so it adds no unreviewed change"),
        "{t}"
    );
    assert_eq!(
        env.git(&bare, &["rev-parse", "release/v1.0.0"]),
        env.git(&bare, &["rev-parse", "main"])
    );
    // A release line, from an older commit of main, the same way.
    env.git(&repo, &["switch", "-q", "-c", "release/v0.9", "main~0"]);
    let out = env.git_output(&repo, &["push", "-q", "origin", "release/v0.9"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn creating_a_protected_branch_with_new_commits_is_refused() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    env.git(&repo, &["switch", "-q", "-c", "release/v1.0.0"]);
    env.commit(&repo, "PAY-2: a change nobody reviewed");
    let out = env.git_output(&repo, &["push", "origin", "release/v1.0.0"]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("ref refs/heads/release/v1.0.0\n  error[branch-protected] creating protected branch release/v1.0.0 with commits that no protected branch of the remote has is refused: open a pull request"),
        "{t}"
    );
    assert!(
        t.contains("e.g. `git push origin origin/main:refs/heads/release/v1.0.0`"),
        "{t}"
    );
    // A feature branch the remote has is not a protected branch: its commits are not
    // reviewed yet either.
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-3-x", "main"]);
    env.commit(&repo, "PAY-3: x");
    env.git(&repo, &["push", "-q", "origin", "feature/PAY-3-x"]);
    env.git(&repo, &["switch", "-q", "-c", "release/v1.1.0"]);
    let out = env.git_output(&repo, &["push", "origin", "release/v1.1.0"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert_eq!(
        env.git(&bare, &["branch", "--list", "release/*"]),
        "",
        "nothing reached the remote"
    );
}

#[test]
fn a_release_tag_on_its_release_line_goes_through() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    env.git(&repo, &["switch", "-q", "-c", "release/v1.2"]);
    env.git(&repo, &["push", "-q", "-u", "origin", "release/v1.2"]);
    env.git(&repo, &["tag", "v1.2.0"]);
    let out = env.git_output(&repo, &["push", "origin", "v1.2.0"]);
    assert!(out.status.success(), "{}", text(&out));
    // Before: the hook looked only for release/v1.2.0 and refused the tag.
    assert_eq!(env.git(&bare, &["tag"]), "v1.2.0");
    // A tag of another line's commit is refused, naming the line it is not on.
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-4-x", "main"]);
    env.commit(&repo, "PAY-4: not on the line");
    env.git(&repo, &["tag", "v1.2.1"]);
    let out = env.git_output(&repo, &["push", "origin", "v1.2.1"]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("error[tag-on-release-branch] tag v1.2.1 points at a commit that is not on its release branch release/v1.2"),
        "{t}"
    );
}

#[test]
fn tags_that_are_not_releases_may_be_pushed_and_moved() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    env.git(&repo, &["tag", "deploy-marker"]);
    env.git(&repo, &["tag", "v1"]);
    let out = env.git_output(&repo, &["push", "origin", "deploy-marker", "v1"]);
    let t = text(&out);
    // Before: both were refused by tag-format and tag-semver.
    assert!(out.status.success(), "{t}");
    assert!(
        t.trim().is_empty() || !t.contains("note:"),
        "hooks are quiet: {t}"
    );
    // The moving major tag of a GitHub Action moves.
    env.commit(&repo, "PAY-2: next");
    env.git(&repo, &["tag", "-f", "v1"]);
    let out = env.git_output(&repo, &["push", "--force", "origin", "v1"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        env.git(&bare, &["rev-parse", "v1"]),
        env.git(&repo, &["rev-parse", "HEAD"])
    );
    // --verbose says why it was not judged.
    let run = env.reltag_with(
        &repo,
        &["-v", "hook", "pre-push", "origin"],
        &[],
        Some(
            format!(
                "refs/tags/deploy-marker {} refs/tags/deploy-marker {}\n",
                env.git(&repo, &["rev-parse", "deploy-marker"]),
                "0".repeat(40)
            )
            .as_bytes(),
        ),
    );
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains("note: deploy-marker is not a release tag (format v{semver}): [tags] other = \"allow\" lets it be pushed"),
        "{}",
        run.render()
    );
}

#[test]
fn other_tags_are_refused_or_guarded_when_the_policy_says_so() {
    let env = TestEnv::new();
    let (repo, bare) = setup(&env);
    std::fs::write(
        repo.join("policy.toml"),
        "[tags]\nother = \"refuse\"\nprotected = [\"stable\"]\n",
    )
    .unwrap();
    env.git(&repo, &["tag", "deploy-marker"]);
    let out = env.git_output(&repo, &["push", "origin", "deploy-marker"]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("tag deploy-marker\n  error[tag-format] deploy-marker is not a release tag (format v{semver}, e.g. v1.2.3), and [tags] other = \"refuse\" allows no other tags"),
        "{t}"
    );
    // A misnamed release is a release tag under any setting.
    env.git(&repo, &["tag", "1.0.0"]);
    let out = env.git_output(&repo, &["push", "origin", "1.0.0"]);
    assert!(
        text(&out).contains("tag 1.0.0\n  error[tag-format]"),
        "{}",
        text(&out)
    );

    std::fs::write(
        repo.join("policy.toml"),
        "[tags]\nprotected = [\"stable\"]\n",
    )
    .unwrap();
    env.git(&repo, &["tag", "stable"]);
    env.git(&repo, &["push", "-q", "origin", "stable"]);
    env.commit(&repo, "PAY-2: next");
    env.git(&repo, &["tag", "-f", "stable"]);
    let out = env.git_output(&repo, &["push", "--force", "origin", "stable"]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("error[tag-moved] moving the protected tag stable, which already exists on the remote, is refused"),
        "{t}"
    );
    assert_ne!(
        env.git(&bare, &["rev-parse", "stable"]),
        env.git(&repo, &["rev-parse", "HEAD"])
    );
}

#[test]
fn the_commit_msg_hook_applies_subject_and_author_exemptions() {
    let env = TestEnv::new();
    let (repo, _bare) = setup(&env);
    std::fs::write(
        repo.join("policy.toml"),
        "[commits]\nexempt_subjects = [\"^MINOR:\"]\nexempt_authors = [\"dependabot[bot]\"]\n",
    )
    .unwrap();
    let out = env.git_output(
        &repo,
        &["commit", "--allow-empty", "-m", "MINOR: fix a typo"],
    );
    assert!(out.status.success(), "{}", text(&out));
    // git exports the author of the commit it is making to the hook.
    let out = env.git_output(
        &repo,
        &[
            "commit",
            "--allow-empty",
            "--author",
            "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
            "-m",
            "Bump lodash from 4.17.20 to 4.17.21",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = env.git_output(
        &repo,
        &["commit", "--allow-empty", "-m", "Bump lodash again"],
    );
    assert!(
        !out.status.success(),
        "a person is not a bot: {}",
        text(&out)
    );
}
