//! Damaged, hand-edited and shallow ledgers: errors that name the object, never panics.

#[path = "common/ledger_env.rs"]
mod ledger_env;

use std::path::Path;

use gix::ObjectId;
use ledger_env::*;
use reltag::ledger::{Error, Ledger, LogFilter};

fn oid(text: &str) -> ObjectId {
    ObjectId::from_hex(text.trim().as_bytes()).unwrap()
}

/// A repository with two good events, returning (path, tip).
fn repo_with_ledger(env: &LedgerEnv) -> (std::path::PathBuf, ObjectId) {
    let path = env.init_repo("repo", "ops@example.com");
    let repo = open(&path);
    let commit = head(&path);
    let appended = Ledger::new(&repo)
        .append_all(&[
            approve_event("v1.0.0", "qa-lead", commit, "qa@example.com", 0),
            promote_event("v1.0.0", "prod", commit, "ops@example.com", 1),
        ])
        .unwrap();
    (path, appended.new)
}

/// Put a hand-made commit with `message` on top of the ledger (tree of the tip).
fn hand_edit(path: &Path, tip: ObjectId, message: &str) -> ObjectId {
    let tree = format!("{tip}^{{tree}}");
    let sha = oid(&git(
        path,
        &["commit-tree", &tree, "-p", &tip.to_string(), "-m", message],
    ));
    git(
        path,
        &["update-ref", "refs/reltag/ledger", &sha.to_string()],
    );
    sha
}

fn first_log_error(path: &Path) -> Error {
    let repo = open(path);
    let ledger = Ledger::new(&repo);
    let mut log = ledger.log(LogFilter::default()).unwrap();
    let error = log.next().unwrap().unwrap_err();
    assert!(log.next().is_none(), "the walk stops at the damaged commit");
    error
}

#[test]
fn a_commit_without_trailers_is_reported_with_its_sha_by_log_verify_and_append() {
    let env = LedgerEnv::new();
    let (path, tip) = repo_with_ledger(&env);
    let bad = hand_edit(&path, tip, "I approve, trust me");
    let error = first_log_error(&path);
    assert!(
        matches!(&error, Error::CorruptEvent { sha, .. } if *sha == bad),
        "{error:?}"
    );
    assert!(error.to_string().contains(&bad.to_string()));
    assert!(error.is_undecided());

    let repo = open(&path);
    let ledger = Ledger::new(&repo);
    assert!(matches!(ledger.verify(), Err(Error::CorruptEvent { sha, .. }) if sha == bad));
    let appended = ledger.append(&approve_event(
        "v1.0.0",
        "po",
        head(&path),
        "po@example.com",
        5,
    ));
    assert!(
        matches!(appended, Err(Error::CorruptEvent { sha, .. }) if sha == bad),
        "{appended:?}"
    );
    assert_eq!(
        ledger.tip().unwrap(),
        Some(bad),
        "nothing was built on the damaged commit"
    );
}

#[test]
fn an_unknown_event_kind_is_corrupt_and_a_newer_format_asks_for_an_upgrade() {
    let env = LedgerEnv::new();
    let (path, tip) = repo_with_ledger(&env);
    let message = git(&path, &["log", "-1", "--format=%B", &tip.to_string()]);

    let unknown = hand_edit(
        &path,
        tip,
        &message.replace("Event: promote", "Event: deploy"),
    );
    let error = first_log_error(&path);
    assert!(
        matches!(&error, Error::CorruptEvent { sha, problem } if *sha == unknown && problem.contains("unknown event kind \"deploy\"")),
        "{error:?}"
    );

    let newer = hand_edit(
        &path,
        tip,
        &message.replace("Ledger-Format: 1", "Ledger-Format: 3"),
    );
    let error = first_log_error(&path);
    assert!(
        matches!(&error, Error::UnsupportedFormat { sha, found, supported: 2 } if *sha == newer && found == "3"),
        "{error:?}"
    );

    let missing_actor: String = message
        .lines()
        .filter(|line| !line.starts_with("Actor:"))
        .map(|line| format!("{line}\n"))
        .collect();
    let edited = hand_edit(&path, tip, &missing_actor);
    let error = first_log_error(&path);
    assert!(
        matches!(&error, Error::CorruptEvent { sha, problem } if *sha == edited && problem == "missing Actor trailer"),
        "{error:?}"
    );

    let extra = hand_edit(
        &path,
        tip,
        &message.replace("Event-Id:", "Approved-By: cto@example.com\nEvent-Id:"),
    );
    let error = first_log_error(&path);
    assert!(
        matches!(&error, Error::CorruptEvent { sha, .. } if *sha == extra),
        "{error:?}"
    );
}

#[test]
fn a_ledger_ref_at_a_blob_or_a_merge_is_refused() {
    let env = LedgerEnv::new();
    let (path, tip) = repo_with_ledger(&env);
    let blob = oid(&git(&path, &["hash-object", "-w", "--stdin"]));
    git(
        &path,
        &["update-ref", "refs/reltag/ledger", &blob.to_string()],
    );
    let repo = open(&path);
    let error = Ledger::new(&repo).env_state("prod").unwrap_err();
    assert!(
        matches!(&error, Error::NotACommit { reference, id, kind } if reference == "refs/reltag/ledger" && *id == blob && kind == "blob"),
        "{error:?}"
    );

    let tree = format!("{tip}^{{tree}}");
    let code = head(&path).to_string();
    let merge = oid(&git(
        &path,
        &[
            "commit-tree",
            &tree,
            "-p",
            &tip.to_string(),
            "-p",
            &code,
            "-m",
            "merge",
        ],
    ));
    git(
        &path,
        &["update-ref", "refs/reltag/ledger", &merge.to_string()],
    );
    let error = first_log_error(&path);
    assert!(
        matches!(&error, Error::NotLinear { sha, parents: 2 } if *sha == merge),
        "{error:?}"
    );
}

/// The tree of a ledger commit counts for nothing: the state is derived from the events.
/// (Before the state was a fold, a broken file here was `CorruptState`, and a well-formed
/// forged one was believed.)
#[test]
fn a_hand_edited_state_file_counts_for_nothing() {
    let env = LedgerEnv::new();
    let (path, tip) = repo_with_ledger(&env);
    // Rebuild the tip's tree with a broken envs/prod.json.
    let index = env.path("edit.index");
    let with_index = |args: &[&str]| {
        let output = std::process::Command::new("git")
            .current_dir(&path)
            .env("GIT_INDEX_FILE", &index)
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    with_index(&["read-tree", &tip.to_string()]);
    let blob = std::process::Command::new("sh")
        .current_dir(&path)
        .args(["-c", "printf '{\"env\": 42' | git hash-object -w --stdin"])
        .output()
        .unwrap();
    let blob = String::from_utf8_lossy(&blob.stdout).trim().to_owned();
    with_index(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("100644,{blob},envs/prod.json"),
    ]);
    let tree = with_index(&["write-tree"]);
    let message = git(&path, &["log", "-1", "--format=%B", &tip.to_string()]);
    let forged = oid(&git(&path, &["commit-tree", tree.trim(), "-m", &message]));
    git(
        &path,
        &["update-ref", "refs/reltag/ledger", &forged.to_string()],
    );

    let repo = open(&path);
    let ledger = Ledger::new(&repo);
    assert_eq!(ledger.tip().unwrap(), Some(forged));
    let prod = ledger.env_state("prod").unwrap().unwrap();
    assert_eq!(prod.current.unwrap().version, "v1.0.0");
    assert_eq!(
        ledger.event_count().unwrap(),
        1,
        "the forged commit has no parent"
    );
}

#[test]
fn a_shallow_ledger_says_how_to_fetch_the_rest() {
    let env = LedgerEnv::new();
    let (path, _tip) = repo_with_ledger(&env);
    let url = format!("file://{}", path.display());
    git(
        env.dir.path(),
        &["clone", "-q", "--depth=1", &url, "shallow"],
    );
    let shallow = env.path("shallow");
    git(
        &shallow,
        &[
            "fetch",
            "-q",
            "--depth=1",
            "origin",
            "refs/reltag/ledger:refs/reltag/ledger",
        ],
    );

    let repo = open(&shallow);
    let ledger = Ledger::new(&repo);
    // The state is derived from every event: without the history there is none, and the
    // error says how to get it. (Before the state was a fold, the tip's tree was read.)
    let error = ledger.env_state("prod").unwrap_err();
    assert!(matches!(error, Error::Shallow { .. }), "{error:?}");
    // The log shows what is there, then says how to get the rest.
    let entries: Vec<_> = ledger.log(LogFilter::default()).unwrap().collect();
    assert_eq!(entries.len(), 2);
    assert!(entries[0].is_ok());
    let error = entries[1].as_ref().unwrap_err();
    assert!(matches!(error, Error::Shallow { .. }), "{error:?}");
    assert!(
        error.to_string().contains("git fetch --unshallow"),
        "{error}"
    );
}
