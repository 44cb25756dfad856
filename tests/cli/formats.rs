//! Output formats: human and json snapshots, and the github format's escaping and files.

use crate::common::{Run, TestEnv};

fn blocked_repo(env: &TestEnv) -> std::path::PathBuf {
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    env.git(&repo, &["switch", "-q", "-c", "feature/login"]);
    env.commit(&repo, "Add login");
    env.commit(&repo, "PAY-2: Add logout");
    repo
}

fn normalize(run: &Run) -> String {
    // Commit ids are deterministic (fixed dates and identities) but name them anyway, so a
    // git version that hashes differently cannot break the snapshot.
    let re = regex::Regex::new("[0-9a-f]{40}|[0-9a-f]{12}").unwrap();
    re.replace_all(&run.render(), "[ID]").into_owned()
}

#[test]
fn human_output_snapshot() {
    let env = TestEnv::new();
    let repo = blocked_repo(&env);
    insta::assert_snapshot!("human_blocked", normalize(&env.reltag(&repo, &["check"])));
}

#[test]
fn json_output_snapshot() {
    let env = TestEnv::new();
    let repo = blocked_repo(&env);
    let run = env.reltag(&repo, &["--format", "json", "check"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["version"], 2, "schema v2: the one result model");
    assert_eq!(doc["outcome"], "blocked");
    // Commits are named by their full object id.
    let id = doc["findings"][1]["subject"]["id"].as_str().unwrap();
    assert_eq!(id, env.git(&repo, &["rev-parse", "HEAD~1"]));
    insta::assert_snapshot!("json_blocked", normalize(&run));
}

#[test]
fn color_follows_the_flag_and_never_reaches_json() {
    let env = TestEnv::new();
    let repo = blocked_repo(&env);
    let always = env.reltag(&repo, &["--color", "always", "check"]);
    assert!(always.stdout.contains("\u{1b}["), "{}", always.stdout);
    let auto = env.reltag(&repo, &["check"]);
    assert!(
        !auto.stdout.contains("\u{1b}["),
        "not a terminal: no colour"
    );
    let json = env.reltag(&repo, &["--color", "always", "--format", "json", "check"]);
    assert!(!json.stdout.contains("\u{1b}["));
}

#[test]
fn github_format_escapes_user_text_and_writes_summary_and_outputs() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    env.git(&repo, &["switch", "-q", "-c", "feature/PAY-2-x"]);
    env.commit(&repo, "::error::forged 100% | `x`\n\n::add-mask::secret");
    let summary = env.path("summary.md");
    let output = env.path("output.txt");
    let run = env.reltag_with(
        &repo,
        &["check"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
            ("GITHUB_OUTPUT", output.to_str().unwrap()),
        ],
        None,
    );
    assert_eq!(run.code, 1, "{}", run.render());
    // Exactly one workflow command per finding, each starting the line; user text never
    // starts a line and its `%` is escaped.
    let commands: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(commands.len(), 1, "{}", run.stdout);
    assert!(
        commands[0].starts_with("::error title=reltag (commit-jira)::commit "),
        "{}",
        commands[0]
    );
    assert!(
        commands[0].contains("\"::error::forged 100%25 | `x`\""),
        "{}",
        commands[0]
    );
    assert!(!run.stdout.contains("\n::add-mask"));

    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("### reltag: blocked\n"), "{md}");
    assert!(md.contains("| ❌ | `commit-jira` |"), "{md}");
    assert!(md.contains("100% \\| \\`x\\`"), "cells are escaped: {md}");
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "allowed=false\n");
}

/// A commit whose parent is not a commit (a repository damaged, or forged by hand): the
/// range cannot be walked, so the check cannot decide (exit 3) and names the object.
#[test]
fn a_parent_that_is_not_a_commit_is_undecided_snapshot() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: start");
    let tree = env.git(&repo, &["rev-parse", "HEAD^{tree}"]);
    let tree = tree.trim();
    let forged = format!(
        "tree {tree}\nparent {tree}\nauthor A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\nPAY-2: on a tree\n"
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
        forged.as_bytes(),
    );
    let run = env.reltag(&repo, &["check", "commits", id.trim()]);
    assert_eq!(run.code, 3, "{}", run.render());
    insta::assert_snapshot!("parent_not_a_commit", normalize(&run));
}
