//! `hooks::pre_push`: parsing git's input, and selecting the pushed commits in real repos.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use gix::ObjectId;
use reltag::hooks::pre_push::{
    InputError, PushSelection, RefUpdate, SelectError, UpdateKind, commits_to_check,
    from_pre_commit_env, parse_stdin, read_stdin,
};

fn git(dir: &Path, args: &[&str]) -> Output {
    git_in(dir, args, None)
}

fn git_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.unwrap_or_default())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn rev(dir: &Path, spec: &str) -> ObjectId {
    let out = git(dir, &["rev-parse", spec]);
    ObjectId::from_hex(String::from_utf8(out.stdout).unwrap().trim().as_bytes()).unwrap()
}

fn init(dir: &Path, extra: &[&str]) {
    fs::create_dir_all(dir).unwrap();
    let mut args = vec!["init", "-q", "-b", "main"];
    args.extend_from_slice(extra);
    git(dir, &args);
    git(dir, &["config", "user.name", "Test"]);
    git(dir, &["config", "user.email", "test@example.com"]);
}

/// Commits with increasing dates. gix's hidden-commit walk orders by commit time when there is
/// no commit-graph, and with identical timestamps it can stop painting too early (see the
/// report on `commits_to_check`); real histories have distinct times.
fn commits(dir: &Path, n: usize, label: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CLOCK: AtomicU64 = AtomicU64::new(1_767_225_600);
    for i in 0..n {
        let date = format!("@{} +0000", CLOCK.fetch_add(60, Ordering::Relaxed));
        let mut cmd = Command::new("git");
        cmd.args([
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            &format!("{label} {i}"),
        ])
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date);
        assert!(cmd.status().unwrap().success());
    }
}

fn open(dir: &Path) -> gix::Repository {
    gix::open_opts(dir, gix::open::Options::isolated()).unwrap()
}

const Z40: &str = "0000000000000000000000000000000000000000";

#[test]
fn parses_every_line_shape() {
    let a = "a".repeat(40);
    let b = "b".repeat(40);
    let input = format!(
        "refs/heads/new {a} refs/heads/new {Z40}\n\
         (delete) {Z40} refs/heads/gone {b}\n\
         refs/tags/v1.0.0 {a} refs/tags/v1.0.0 {Z40}\n\
         HEAD~ {a} refs/heads/x {b}\n\
         \n"
    );
    let updates = parse_stdin(input.as_bytes()).unwrap();
    let kinds: Vec<_> = updates.iter().map(|u| u.kind).collect();
    assert_eq!(
        kinds,
        [
            UpdateKind::Create,
            UpdateKind::Delete,
            UpdateKind::Create,
            UpdateKind::Update
        ]
    );
    assert_eq!(updates[1].local_ref, None);
    assert_eq!(updates[1].local_oid, None);
    assert_eq!(updates[1].remote_ref, "refs/heads/gone");
    assert_eq!(updates[3].local_ref.as_deref(), Some("HEAD~"));
    assert_eq!(updates[0].remote_oid, None);

    assert!(parse_stdin(b"").unwrap().is_empty());
    assert!(read_stdin(&b""[..]).unwrap().is_empty());

    // SHA-256: 64-character ids and zeros.
    let z64 = "0".repeat(64);
    let c = "c".repeat(64);
    let u = parse_stdin(format!("refs/heads/m {c} refs/heads/m {z64}\n").as_bytes()).unwrap();
    assert_eq!(u[0].kind, UpdateKind::Create);
    assert_eq!(u[0].local_oid.unwrap().kind(), gix::hash::Kind::Sha256);
    let d = parse_stdin(format!("(delete) {z64} refs/heads/m {c}\n").as_bytes()).unwrap();
    assert_eq!(d[0].kind, UpdateKind::Delete);
}

#[test]
fn bad_lines_name_the_line() {
    let a = "a".repeat(40);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"garbage\n".to_vec(), "expected 4 space-separated fields"),
        (
            format!("refs/heads/x {a} refs/heads/x {}\n", "0".repeat(64)).into_bytes(),
            "different lengths",
        ),
        (
            format!("refs/heads/x {} refs/heads/x {Z40}\n", "g".repeat(40)).into_bytes(),
            "not hexadecimal",
        ),
        (
            format!("refs/heads/x {} refs/heads/x {Z40}\n", "a".repeat(39)).into_bytes(),
            "39 characters",
        ),
        (
            format!("(delete) {Z40} refs/heads/x {Z40}\n").into_bytes(),
            "both ids are all zeros",
        ),
        (
            [
                b"refs/heads/\xff ",
                a.as_bytes(),
                b" refs/heads/x ",
                Z40.as_bytes(),
            ]
            .concat(),
            "not valid UTF-8",
        ),
        (
            [
                b"refs/heads/x ",
                a.as_bytes(),
                b" refs/\0x ",
                Z40.as_bytes(),
            ]
            .concat(),
            "",
        ),
    ];
    for (input, want) in cases {
        let with_ok_first = [
            format!("refs/heads/ok {a} refs/heads/ok {Z40}\n").into_bytes(),
            input.clone(),
        ]
        .concat();
        match parse_stdin(&with_ok_first) {
            Err(e @ InputError::BadLine { line_no: 2, .. }) => {
                assert!(e.to_string().contains(want), "{e}");
                assert!(e.to_string().contains("line 2"), "{e}");
            }
            // A NUL inside a ref name is passed through: git never sends one, and the ref
            // name rules downstream reject it.
            Ok(_) if want.is_empty() => {}
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(&input)),
        }
    }
}

struct Setup {
    _tmp: tempfile::TempDir,
    work: PathBuf,
}

/// A clone of a bare origin that has `main` with 5 commits, and a local `feature` branch with
/// 50 more on top.
fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let origin = tmp.path().join("origin.git");
    init(&origin, &["--bare"]);
    let work = tmp.path().join("work");
    init(&work, &[]);
    commits(&work, 5, "base");
    git(
        &work,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    git(&work, &["push", "-q", "origin", "main"]);
    git(&work, &["checkout", "-q", "-b", "feature"]);
    commits(&work, 50, "feature");
    Setup { _tmp: tmp, work }
}

fn update(
    local: Option<ObjectId>,
    remote_ref: &str,
    remote: Option<ObjectId>,
    kind: UpdateKind,
) -> RefUpdate {
    RefUpdate {
        local_ref: local.map(|_| "refs/heads/feature".into()),
        local_oid: local,
        remote_ref: remote_ref.into(),
        remote_oid: remote,
        kind,
    }
}

#[test]
fn selects_only_new_commits() {
    let s = setup();
    let repo = open(&s.work);
    let tip = rev(&s.work, "feature");

    // New branch: the 50 feature commits, never the 5 already on origin.
    let new = update(Some(tip), "refs/heads/feature", None, UpdateKind::Create);
    let pushed = commits_to_check(&repo, &new, "origin").unwrap();
    assert_eq!(pushed.len(), 50);
    let facts = &pushed[0];
    assert_eq!(facts.id, tip);
    assert_eq!(facts.summary(), "feature 49");
    assert_eq!(facts.message, b"feature 49\n");
    assert_eq!(facts.parent_count, 1);

    // Update: remote..local.
    let base = rev(&s.work, "feature~10");
    let upd = update(
        Some(tip),
        "refs/heads/feature",
        Some(base),
        UpdateKind::Update,
    );
    assert_eq!(commits_to_check(&repo, &upd, "origin").unwrap().len(), 10);

    // A forced push over a remote id this clone never saw falls back to the remote's refs.
    let unknown = ObjectId::from_hex(&b"1234567890".repeat(4)).unwrap();
    let forced = update(
        Some(tip),
        "refs/heads/feature",
        Some(unknown),
        UpdateKind::Update,
    );
    assert_eq!(
        commits_to_check(&repo, &forced, "origin").unwrap().len(),
        50
    );

    // Delete: nothing.
    let del = update(None, "refs/heads/feature", Some(tip), UpdateKind::Delete);
    assert!(commits_to_check(&repo, &del, "origin").unwrap().is_empty());

    // An annotated tag is peeled to its commit.
    git(&s.work, &["tag", "-a", "-m", "t", "v1", "feature~48"]);
    let tag = rev(&s.work, "v1");
    let t = update(Some(tag), "refs/tags/v1", None, UpdateKind::Create);
    assert_eq!(commits_to_check(&repo, &t, "origin").unwrap().len(), 2);

    // A merge counts its parents.
    git(&s.work, &["checkout", "-q", "-b", "other", "main"]);
    commits(&s.work, 1, "other");
    git(&s.work, &["checkout", "-q", "feature"]);
    git(
        &s.work,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge branch 'other'",
            "other",
        ],
    );
    let merge = rev(&s.work, "HEAD");
    let repo = open(&s.work);
    let m = update(
        Some(merge),
        "refs/heads/feature",
        Some(tip),
        UpdateKind::Update,
    );
    let pushed = commits_to_check(&repo, &m, "origin").unwrap();
    assert_eq!(pushed.len(), 2);
    assert_eq!(
        pushed.iter().find(|c| c.id == merge).unwrap().parent_count,
        2
    );

    // Nothing to compare with: a remote without tracking refs is "cannot decide".
    let err = commits_to_check(&repo, &new, "elsewhere").unwrap_err();
    assert!(matches!(err, SelectError::NoRemoteRefs { .. }), "{err}");
    assert!(err.hint().unwrap().contains("git fetch elsewhere"));

    // Wrong hash kind.
    let sha256 = ObjectId::from_hex(&b"ab".repeat(32)).unwrap();
    let err = commits_to_check(
        &repo,
        &update(Some(sha256), "refs/heads/x", None, UpdateKind::Create),
        "origin",
    )
    .unwrap_err();
    assert!(matches!(err, SelectError::HashKind { .. }), "{err}");
}

#[test]
fn real_push_stdin_round_trip() {
    let s = setup();
    // Capture what git really sends a pre-push hook.
    let captured = s.work.join(".git/captured");
    let hook = s.work.join(".git/hooks/pre-push");
    let write_hook = |status: u8| {
        fs::write(
            &hook,
            format!("#!/bin/sh\ncat > '{}'\nexit {status}\n", captured.display()),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();
    };
    // The hook refuses, so the remote-tracking refs stay as they were before the push.
    write_hook(1);
    let refused = Command::new("git")
        .args(["push", "-q", "origin", "HEAD~:refs/heads/x", "feature"])
        .current_dir(&s.work)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let updates = parse_stdin(&fs::read(&captured).unwrap()).unwrap();
    assert_eq!(updates.len(), 2, "{updates:?}");
    let repo = open(&s.work);
    let by_ref: HashMap<_, _> = updates.iter().map(|u| (u.remote_ref.as_str(), u)).collect();
    assert_eq!(by_ref["refs/heads/x"].local_ref.as_deref(), Some("HEAD~"));
    assert_eq!(
        commits_to_check(&repo, by_ref["refs/heads/feature"], "origin")
            .unwrap()
            .len(),
        50
    );
    write_hook(0);
    git(&s.work, &["push", "-q", "origin", "HEAD~:refs/heads/x"]);
    git(&s.work, &["push", "-q", "origin", ":refs/heads/x"]);
    let updates = parse_stdin(&fs::read(&captured).unwrap()).unwrap();
    assert_eq!(updates[0].kind, UpdateKind::Delete);
    assert_eq!(updates[0].local_ref, None);
}

#[test]
fn sha256_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = tmp.path().join("origin.git");
    init(&origin, &["--bare", "--object-format=sha256"]);
    let work = tmp.path().join("work");
    init(&work, &["--object-format=sha256"]);
    commits(&work, 2, "base");
    git(
        &work,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    git(&work, &["push", "-q", "origin", "main"]);
    commits(&work, 3, "new");
    let tip = rev(&work, "HEAD");
    let line = format!(
        "refs/heads/main {tip} refs/heads/feature {}\n",
        "0".repeat(64)
    );
    let updates = parse_stdin(line.as_bytes()).unwrap();
    let repo = open(&work);
    assert_eq!(
        commits_to_check(&repo, &updates[0], "origin")
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn shallow_boundary_is_undecided() {
    let tmp = tempfile::tempdir().unwrap();
    let upstream = tmp.path().join("upstream");
    init(&upstream, &[]);
    commits(&upstream, 3, "up");
    let url = format!("file://{}", upstream.display());
    let work = tmp.path().join("work");
    git(
        tmp.path(),
        &["clone", "-q", "--depth=1", &url, work.to_str().unwrap()],
    );
    git(&work, &["config", "user.name", "Test"]);
    git(&work, &["config", "user.email", "test@example.com"]);
    git(&work, &["checkout", "-q", "-b", "feature"]);
    commits(&work, 2, "feature");
    let tip = rev(&work, "feature");
    let new = update(Some(tip), "refs/heads/feature", None, UpdateKind::Create);
    // Still decidable: the branch starts at origin/main, which is in the clone.
    assert_eq!(
        commits_to_check(&open(&work), &new, "origin")
            .unwrap()
            .len(),
        2
    );
    // Upstream moves on by two commits and we fetch shallowly: the commit our branch starts
    // from is no longer reachable from any remote ref we can see.
    commits(&upstream, 2, "later");
    git(&work, &["fetch", "-q", "--depth=1", "origin"]);
    let err = commits_to_check(&open(&work), &new, "origin").unwrap_err();
    match &err {
        SelectError::Shallow { hint, .. } => {
            assert!(hint.contains("git fetch --unshallow origin"), "{hint}")
        }
        other => panic!("expected Shallow, got {other:?}"),
    }
    assert!(err.to_string().contains("shallow"), "{err}");
}

#[test]
fn pre_commit_framework_env() {
    let s = setup();
    let repo = open(&s.work);
    let env = |vars: &[(&str, &str)]| {
        let map: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |k: &str| map.get(k).cloned()
    };
    assert!(from_pre_commit_env(&repo, env(&[])).unwrap().is_none());
    let u = from_pre_commit_env(
        &repo,
        env(&[
            ("PRE_COMMIT_FROM_REF", "main"),
            ("PRE_COMMIT_TO_REF", "feature"),
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/feature"),
            ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/feature"),
            ("PRE_COMMIT_REMOTE_NAME", "origin"),
        ]),
    )
    .unwrap()
    .unwrap();
    assert_eq!(u.kind, UpdateKind::Update);
    assert_eq!(u.remote_ref, "refs/heads/feature");
    assert_eq!(commits_to_check(&repo, &u, "origin").unwrap().len(), 50);
    // Pushing from the root: pre-commit sets no FROM/TO.
    let u = from_pre_commit_env(
        &repo,
        env(&[
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/feature"),
            ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/feature"),
        ]),
    )
    .unwrap()
    .unwrap();
    assert_eq!(u.kind, UpdateKind::Create);
    assert_eq!(u.local_oid, Some(rev(&s.work, "feature")));
    let err = from_pre_commit_env(&repo, env(&[("PRE_COMMIT_TO_REF", "feature")])).unwrap_err();
    assert!(
        err.to_string().contains("PRE_COMMIT_REMOTE_BRANCH"),
        "{err}"
    );
    let err = from_pre_commit_env(
        &repo,
        env(&[
            ("PRE_COMMIT_TO_REF", "no-such-rev"),
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/x"),
        ]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("no-such-rev"), "{err}");
}

#[test]
fn one_selection_for_many_new_branches() {
    // `git push --all`: one PushSelection resolves the remote-tracking refs once and
    // walks their side once; each branch still gets exactly its own new commits.
    let s = setup();
    git(&s.work, &["branch", "short", "feature~40"]);
    git(&s.work, &["branch", "same", "main"]);
    git(&s.work, &["checkout", "-q", "-b", "fork", "main~2"]);
    commits(&s.work, 3, "fork");
    let repo = open(&s.work);
    let mut selection = PushSelection::new(&repo, "origin").unwrap();
    for branch in ["feature", "short", "same", "fork", "feature", "short"] {
        let tip = rev(&s.work, branch);
        let new = update(
            Some(tip),
            &format!("refs/heads/{branch}"),
            None,
            UpdateKind::Create,
        );
        let mut ids = Vec::new();
        let count = selection.commits(&new, |c| ids.push(c.id)).unwrap();
        let expected = git(&s.work, &["rev-list", branch, "--not", "--remotes=origin"]);
        let expected: Vec<ObjectId> = String::from_utf8(expected.stdout)
            .unwrap()
            .lines()
            .map(|l| ObjectId::from_hex(l.as_bytes()).unwrap())
            .collect();
        assert_eq!(count, ids.len());
        assert_eq!(ids, expected, "{branch}");
    }
}

/// Remote-tracking refs are taken as they are when they name a commit; one that names an
/// annotated tag is peeled, a symbolic one followed, one that names a tree hides nothing
/// and stops nothing.
#[test]
fn remote_tracking_refs_to_tags_trees_and_symbolic_refs() {
    let s = setup();
    let tip = rev(&s.work, "feature");
    // origin/main is at the 5th commit; hide 20 more of the feature commits through an
    // annotated tag, and point another ref at a tree.
    git(
        &s.work,
        &["tag", "-a", "-m", "tagged", "hidden-tag", "feature~30"],
    );
    let tag = rev(&s.work, "hidden-tag");
    assert_ne!(tag, rev(&s.work, "feature~30"), "an annotated tag object");
    git(
        &s.work,
        &["update-ref", "refs/remotes/origin/tagged", &tag.to_string()],
    );
    let tree = rev(&s.work, "feature^{tree}");
    git(
        &s.work,
        &["update-ref", "refs/remotes/origin/tree", &tree.to_string()],
    );
    git(
        &s.work,
        &[
            "symbolic-ref",
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/main",
        ],
    );
    let repo = open(&s.work);
    let new = update(Some(tip), "refs/heads/feature", None, UpdateKind::Create);
    let pushed = commits_to_check(&repo, &new, "origin").unwrap();
    assert_eq!(pushed.len(), 30, "the commits above the tagged one");
}
