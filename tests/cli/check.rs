//! `reltag check` and its subcommands over real repositories.

use crate::common::TestEnv;

#[test]
fn check_reports_the_branch_and_each_bad_commit_with_rule_and_hint() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    env.git(&repo, &["switch", "-q", "-c", "feature/login"]);
    let bad = env.commit(&repo, "Add login");
    env.commit(&repo, "PAY-2: Add logout");
    let run = env.reltag(&repo, &["check"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout
            .contains("branch feature/login\n  error[branch-name]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "commit {} \"Add login\"\n  error[commit-jira] the commit message has no Jira key",
            &bad[..12]
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("hint: start the subject with the issue, e.g. \"PAY-123: Add login\"")
    );
    assert!(
        run.stdout
            .contains("note: checked the commits on feature/login that are not on main")
    );
    assert!(
        run.stdout
            .ends_with("blocked: 2 errors, 0 warnings (checked 2 commits, 1 branch)\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_passes_a_clean_branch_and_ignores_commits_already_on_main() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "legacy commit without a key");
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-3-login"]);
    env.commit(&repo, "PAY-3: Add login");
    let run = env.reltag(&repo, &["check"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout
            .ends_with("allowed: checked 1 commit, 1 branch\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_on_main_without_upstream_starts_at_the_last_release_tag() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "old commit without a key");
    env.git(&repo, &["tag", "v1.0.0"]);
    env.commit(&repo, "PAY-1: new");
    let run = env.reltag(&repo, &["check"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout
            .contains("checked the commits since the release tag v1.0.0"),
        "{}",
        run.stdout
    );
    let since = env.reltag(&repo, &["check", "--since", "HEAD~1"]);
    assert!(since.stdout.contains("checked the commits since HEAD~1"));
}

#[test]
fn check_works_in_a_fresh_repository_with_no_commits() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env.reltag(&repo, &["check"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains("the branch has no commits yet"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_in_detached_head_skips_the_branch_name_and_says_so() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: a");
    env.commit(&repo, "PAY-2: b");
    env.git(&repo, &["switch", "-q", "--detach", "HEAD~1"]);
    let run = env.reltag(&repo, &["check"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(run.stdout.contains("HEAD is detached at"), "{}", run.stdout);
    assert!(!run.stdout.contains("1 branch"), "{}", run.stdout);
}

#[test]
fn check_works_in_a_linked_worktree() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: a");
    let wt = env.path("wt");
    env.git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature/PAY-2-x",
            wt.to_str().unwrap(),
        ],
    );
    env.commit(&wt, "no key here");
    let run = env.reltag(&wt, &["check"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stdout.contains("error[commit-jira]"));
    assert!(
        run.stdout
            .contains("checked the commits on feature/PAY-2-x that are not on main")
    );
}

#[test]
fn check_refuses_to_guess_past_a_shallow_boundary() {
    let env = TestEnv::new();
    let origin = env.repo("origin");
    for i in 1..=5 {
        env.commit(&origin, &format!("PAY-{i}: commit {i}"));
    }
    let url = format!("file://{}", origin.display());
    env.git(
        env.tmp.path(),
        &["clone", "-q", "--depth", "2", &url, "shallow"],
    );
    let shallow = env.path("shallow");
    let run = env.reltag(&shallow, &["check", "commits", "HEAD"]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stderr.contains("the history is shallow"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: fetch the missing history: `git fetch --unshallow`"),
        "{}",
        run.stderr
    );
    // A range that stays inside the fetched history is decidable.
    let inside = env.reltag(&shallow, &["check", "commits", "HEAD~1..HEAD"]);
    assert_eq!(inside.code, 0, "{}", inside.render());
}

#[test]
fn check_commits_checks_a_range_and_a_bad_range_exits_3_naming_it() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: a");
    env.commit(&repo, "b without key");
    env.commit(&repo, "PAY-3: c");
    let run = env.reltag(&repo, &["check", "commits", "HEAD~2..HEAD"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("(checked 2 commits)"), "{}", run.stdout);
    let missing = env.reltag(&repo, &["check", "commits", "origin/nope..HEAD"]);
    assert_eq!(missing.code, 3, "{}", missing.render());
    assert!(
        missing
            .stderr
            .contains("error: the revision `origin/nope` does not resolve to a commit"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_one_parent_commit_titled_like_a_merge_is_checked_and_a_real_merge_is_exempt() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: base");
    env.commit(&repo, "Merge branch 'x'");
    let run = env.reltag(&repo, &["check", "commits", "HEAD~1..HEAD"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stdout.contains("error[commit-jira]"));

    env.git(&repo, &["switch", "-q", "-c", "side"]);
    env.commit(&repo, "PAY-2: side");
    env.git(&repo, &["switch", "-q", "main"]);
    env.commit(&repo, "PAY-3: main");
    env.git(
        &repo,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge branch 'side'",
            "side",
        ],
    );
    let merged = env.reltag(&repo, &["check", "commits", "HEAD~1..HEAD"]);
    // The merge itself is exempt; its second parent's new commit has a key.
    assert_eq!(merged.code, 0, "{}", merged.render());
    assert!(
        merged.stdout.contains("checked 2 commits"),
        "{}",
        merged.stdout
    );
}

#[test]
fn non_utf8_and_nul_messages_are_warned_about_and_still_checked() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: base");
    let msg = env.path("latin1.txt");
    std::fs::write(&msg, b"Caf\xe9 cr\xe8me without key\n").unwrap();
    env.git(
        &repo,
        &[
            "-c",
            "i18n.commitEncoding=ISO-8859-1",
            "commit",
            "-q",
            "--allow-empty",
            "-F",
            msg.to_str().unwrap(),
        ],
    );
    let run = env.reltag(&repo, &["check", "commits", "HEAD~1..HEAD"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(
            "warning[commit-encoding] the commit message is not UTF-8 (encoding header: ISO-8859-1)"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("error[commit-jira]"));

    // A commit object with a NUL byte in its message, as only hand-made objects have.
    let tree = env.git(&repo, &["rev-parse", "HEAD^{tree}"]);
    let parent = env.git(&repo, &["rev-parse", "HEAD"]);
    let object = format!(
        "tree {tree}\nparent {parent}\nauthor Dev <dev@example.com> 1764000000 +0000\ncommitter Dev <dev@example.com> 1764000000 +0000\n\nPAY-9: a\0b\n"
    );
    let id = env.git_stdin(
        &repo,
        &[
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--literally",
            "--stdin",
        ],
        object.as_bytes(),
    );
    let run = env.reltag(&repo, &["check", "commits", &format!("{parent}..{id}")]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout
            .contains("warning[commit-encoding] the commit message contains NUL bytes"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_message_strips_comments_and_handles_crlf_and_size() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let file = env.path("msg");
    let path = file.to_str().unwrap();

    std::fs::write(&file, "Add login\n# PAY-1 only in a comment\n").unwrap();
    let run = env.reltag(&repo, &["check", "message", path]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stdout.contains("error[commit-jira]"));

    std::fs::write(&file, "# Please enter the commit message\n#\n").unwrap();
    let run = env.reltag(&repo, &["check", "message", path]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("error[commit-empty] the commit message is empty"),
        "{}",
        run.stdout
    );

    std::fs::write(&file, "PAY-1: Add login\r\n\r\nBody\r\n").unwrap();
    let run = env.reltag(&repo, &["check", "message", path]);
    assert_eq!(run.code, 0, "{}", run.render());

    let mut big = vec![b'a'; 10 * 1024 * 1024];
    big.extend_from_slice(b"\nRefs: PAY-77\n");
    std::fs::write(&file, &big).unwrap();
    let run = env.reltag(&repo, &["check", "message", path]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let stdin = env.reltag_with(&repo, &["check", "message", "-"], &[], Some(b"no key\n"));
    assert_eq!(stdin.code, 1);
    assert!(
        stdin.stdout.contains("message stdin \"no key\""),
        "{}",
        stdin.stdout
    );
}

#[test]
fn check_branch_refuses_bidi_and_shell_metacharacters_without_running_them() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env.reltag(&repo, &["check", "branch", "feature/PAY-1-\u{202E}nigol"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("the branch name contains the invisible control character U+202E"),
        "{}",
        run.stdout
    );
    // Shown escaped, never raw, on the terminal.
    assert!(run.stdout.contains("\\u{202e}"), "{}", run.stdout);

    let marker = env.path("pwned");
    let name = format!("feature/PAY-1-$(touch {})", marker.display());
    let run = env.reltag(&repo, &["check", "branch", &name]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("is not a valid git branch name: it contains a space"),
        "{}",
        run.stdout
    );
    assert!(!marker.exists());

    let ok = env.reltag(&repo, &["check", "branch", "release/v1.2.3"]);
    assert_eq!(ok.code, 0, "{}", ok.render());
}

#[test]
fn check_tag_judges_format_semver_and_sequence_against_existing_tags() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: a");
    env.git(&repo, &["tag", "v1.2.2"]);
    let cases = [
        ("v1.2.3", 0, ""),
        ("1.2.3", 1, "error[tag-format]"),
        ("v1.2", 1, "error[tag-semver]"),
        ("v01.2.3", 1, "error[tag-semver]"),
        (
            "v1.2.4",
            1,
            "error[tag-sequence] v1.2.4 skips a version: it needs v1.2.3 first",
        ),
        (
            "v1.2.2+build",
            1,
            "already exists as tag v1.2.2 (same precedence)",
        ),
    ];
    for (tag, code, text) in cases {
        let run = env.reltag(&repo, &["check", "tag", tag]);
        assert_eq!(run.code, code, "{tag}: {}", run.render());
        assert!(run.stdout.contains(text), "{tag}: {}", run.stdout);
    }
}

#[test]
fn release_tags_at_head_are_checked_by_check() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: a");
    env.git(&repo, &["tag", "v1.0.0"]);
    env.commit(&repo, "PAY-2: b");
    env.git(&repo, &["tag", "v1.0.2"]);
    let run = env.reltag(&repo, &["check"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains("tag v1.0.2\n  error[tag-sequence]"),
        "{}",
        run.stdout
    );
}

#[test]
fn ranges_are_exact_when_every_commit_has_the_same_date() {
    // TestEnv fixes every commit's date, as scripts and fast rebases do in real life.
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: base");
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-2-x"]);
    env.commit(&repo, "PAY-2: feature work");
    env.git(&repo, &["switch", "-q", "main"]);
    for i in 1..=5 {
        env.commit(&repo, &format!("legacy {i} without a key"));
    }
    env.git(&repo, &["switch", "-q", "feature/PAY-2-x"]);
    env.git(
        &repo,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge main into feature",
            "main",
        ],
    );
    env.commit(&repo, "PAY-2: more feature work");
    let run = env.reltag(&repo, &["check", "commits", "main..HEAD"]);
    assert_eq!(
        run.code,
        0,
        "commits on main must not be reported: {}",
        run.render()
    );
    assert!(
        run.stdout.ends_with("allowed: checked 3 commits\n"),
        "{}",
        run.stdout
    );
    let all = env.reltag(&repo, &["check"]);
    assert_eq!(all.code, 0, "{}", all.render());
}

#[test]
fn check_tag_judges_a_tag_as_a_push_would() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: a");
    // The moving major tag of a GitHub Action is not a release tag.
    let run = env.reltag(&repo, &["check", "tag", "v1"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains("note: v1 is not a release tag (format v{semver}): [tags] other = \"allow\" lets it be pushed, and only [tags] protected guards it; a release tag names a whole version, such as v1.2.3"),
        "{}",
        run.stdout
    );
    // v1.2 is a release tag without its patch number: said so, not blamed on the minor.
    let run = env.reltag(&repo, &["check", "tag", "v1.2"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains("error[tag-semver] `1.2` is not a semantic version: it has no patch number (expected MAJOR.MINOR.PATCH such as 1.2.0)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("a release tag names a whole version, e.g. v1.2.0"),
        "{}",
        run.stdout
    );
    std::fs::write(repo.join("policy.toml"), "[tags]\nother = \"refuse\"\n").unwrap();
    let run = env.reltag(&repo, &["check", "tag", "deploy-marker"]);
    assert_eq!(run.code, 1, "{}", run.render());
}

#[test]
fn hints_name_a_branch_and_a_key_like_the_ones_given() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: a");
    std::fs::write(
        repo.join("policy.toml"),
        "[branches]\nallowed = [\"main\", \"release/v{semver}\", \"feature/{jira}-*\"]\n",
    )
    .unwrap();
    let run = env.reltag(&repo, &["check", "branch", "release/v1.2"]);
    assert_eq!(run.code, 1, "{}", run.render());
    // Before: "e.g. feature/PAY-123-short-description".
    assert!(
        run.stdout
            .contains("hint: rename the branch: git branch -m <new-name>, e.g. release/v1.2.3"),
        "{}",
        run.stdout
    );
    // Before: e.g. "PAY-123: pay-12: x".
    let run = env.reltag_with(&repo, &["check", "message", "-"], &[], Some(b"pay-12: x\n"));
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout
            .contains("hint: write the key in upper case, as Jira does: \"PAY-12: x\""),
        "{}",
        run.stdout
    );
}

/// A long range with a hidden side the walk meets only at its end (as `bench/` has):
/// without a commit-graph every commit is held until the end, judged on the second
/// thread, and those with something to say are read again; with one the walk streams.
/// Both report exactly the commits git counts, each failing one once, in the same order.
#[test]
fn a_long_range_with_a_late_hidden_side_reports_each_failing_commit_once() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let commits = 700;
    let mut stream = String::new();
    for i in 1..=commits {
        let message = match i {
            i if i % 11 == 0 => format!("fixup! PAY-{i}: change {i}"),
            i if i % 5 == 0 => format!("change {i} without a key"),
            i => format!("PAY-{i}: change {i}"),
        };
        let parent = if i == 1 {
            String::new()
        } else {
            format!("from :{}\n", i - 1)
        };
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{i}\ncommitter A <a@example.com> {} +0000\ndata {}\n{message}\n{parent}\n",
            1_700_000_000 + i * 60,
            message.len() + 1,
        ));
    }
    // One commit on the root, dated just after it: `base..main` hides only the root.
    stream.push_str(
        "commit refs/heads/base\ncommitter A <a@example.com> 1700000061 +0000\ndata 10\nPAY-1: x\n\nfrom :1\n\ndone\n",
    );
    env.git_stdin(
        &repo,
        &["fast-import", "--quiet", "--done"],
        stream.as_bytes(),
    );
    env.git(&repo, &["checkout", "-q", "-f", "main"]);
    let failing: Vec<String> = (2..=commits)
        .rev()
        .filter(|i| i % 5 == 0 && i % 11 != 0)
        .map(|i| format!("change {i} without a key"))
        .collect();
    let exempt = (2..=commits).filter(|i| i % 11 == 0).count();
    let mut outputs = Vec::new();
    for graph in [false, true] {
        if graph {
            env.git(
                &repo,
                &[
                    "-c",
                    "core.commitGraph=true",
                    "commit-graph",
                    "write",
                    "--reachable",
                ],
            );
            env.git(&repo, &["config", "core.commitGraph", "true"]);
        }
        let run = env.reltag(
            &repo,
            &["check", "commits", "base..main", "--format", "json"],
        );
        assert_eq!(run.code, 1, "{}", run.render());
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(report["checked"]["commits"], commits - 1, "graph: {graph}");
        let summaries: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["subject"]["summary"].as_str().unwrap())
            .collect();
        assert_eq!(summaries, failing, "graph: {graph}");
        assert_eq!(report["exempted"].as_array().unwrap().len(), exempt);
        outputs.push(run.stdout);
    }
    assert_eq!(outputs[0], outputs[1]);
}
