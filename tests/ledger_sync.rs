//! Syncing the ledger between clones through a local bare remote, with real `git`.

#[path = "common/ledger_env.rs"]
mod ledger_env;

use std::path::Path;

use gix::ObjectId;
use ledger_env::*;
use reltag::ledger::sync::{self, SyncOptions, SyncReport};
use reltag::ledger::{Decision, Error, Ledger, Publish, WriteOptions, write};

fn record(path: &Path, version: &str, actor: &str, minutes: i64) -> String {
    let repo = open(path);
    let event = approve_event(version, "qa-lead", head(path), actor, minutes);
    Ledger::new(&repo).append(&event).unwrap();
    event.id.to_string()
}

fn sync_now(path: &Path) -> SyncReport {
    sync::sync(&open(path), None, &SyncOptions::default()).unwrap()
}

fn remote_tip(remote: &Path) -> String {
    git(remote, &["rev-parse", "refs/reltag/ledger"])
        .trim()
        .to_owned()
}

#[test]
fn without_a_remote_there_is_nothing_to_sync() {
    let env = LedgerEnv::new();
    let path = env.init_repo("alone", "me@example.com");
    record(&path, "v1.0.0", "me@example.com", 0);
    assert_eq!(sync_now(&path), SyncReport::default());
}

#[test]
fn two_clones_converge_to_one_chain_with_every_event_once_in_the_same_order() {
    let env = LedgerEnv::new();
    let remote = env.bare_remote("origin.git");
    let alice = env.clone_of(&remote, "alice", "alice@example.com");
    let bob = env.clone_of(&remote, "bob", "bob@example.com");

    let a1 = record(&alice, "v1.0.0", "alice@example.com", 0);
    let a2 = record(&alice, "v1.1.0", "alice@example.com", 1);
    let b1 = record(&bob, "v1.0.0", "bob@example.com", 2);

    let report = sync_now(&alice);
    assert!(report.pushed);
    assert_eq!(
        (report.received, report.replayed, report.push_attempts),
        (0, 0, 1)
    );

    // Bob fetches Alice's events first, replays his on top and pushes.
    let report = sync_now(&bob);
    assert!(report.pushed);
    assert_eq!(
        (report.received, report.replayed, report.duplicates_skipped),
        (2, 1, 0)
    );
    assert_eq!(report.push_attempts, 1);

    let report = sync_now(&alice);
    assert!(!report.pushed);
    assert_eq!(report.received, 1);

    let expected = vec![a1.clone(), a2.clone(), b1.clone()];
    assert_eq!(chain_ids(&open(&alice)), expected);
    assert_eq!(chain_ids(&open(&bob)), expected);
    let tip = remote_tip(&remote);
    assert_eq!(
        git(&alice, &["rev-parse", "refs/reltag/ledger"]).trim(),
        tip
    );
    assert_eq!(git(&bob, &["rev-parse", "refs/reltag/ledger"]).trim(), tip);

    // A second round where both record before either syncs.
    let a3 = record(&alice, "v1.2.0", "alice@example.com", 3);
    let b2 = record(&bob, "v1.2.0", "bob@example.com", 4);
    sync_now(&bob);
    sync_now(&alice);
    sync_now(&bob);
    let expected = vec![a1, a2, b1, b2, a3];
    assert_eq!(chain_ids(&open(&alice)), expected);
    assert_eq!(chain_ids(&open(&bob)), expected);
    assert_eq!(
        git(&remote, &["rev-list", "--count", "refs/reltag/ledger"]).trim(),
        "5"
    );

    // Alice's approval is visible in Bob's clone with its author and time.
    let repo = open(&bob);
    let state = Ledger::new(&repo).version_state("v1.2.0").unwrap().unwrap();
    let seen: Vec<(&str, i64)> = state
        .approvals
        .iter()
        .map(|a| (a.actor.as_str(), a.time.as_second()))
        .collect();
    assert_eq!(
        seen,
        [
            ("bob@example.com", at(4).as_second()),
            ("alice@example.com", at(3).as_second())
        ]
    );
    assert_eq!(Ledger::new(&repo).event_count().unwrap(), 5);
}

#[test]
fn an_event_the_remote_already_has_is_not_replayed_twice() {
    let env = LedgerEnv::new();
    let remote = env.bare_remote("origin.git");
    let alice = env.clone_of(&remote, "alice", "alice@example.com");
    let bob = env.clone_of(&remote, "bob", "bob@example.com");
    let event = approve_event("v1.0.0", "qa-lead", head(&alice), "alice@example.com", 0);
    Ledger::new(&open(&alice)).append(&event).unwrap();
    sync_now(&alice);
    // Bob holds the same event (same Event-Id) after one of his own, so as a different
    // commit: e.g. a replay whose push landed although the client never heard back.
    let other = approve_event("v1.0.1", "qa-lead", head(&bob), "bob@example.com", 1);
    Ledger::new(&open(&bob))
        .append_all(&[other.clone(), event.clone()])
        .unwrap();

    let report = sync_now(&bob);
    assert_eq!(
        (report.received, report.replayed, report.duplicates_skipped),
        (1, 1, 1)
    );
    assert_eq!(
        chain_ids(&open(&bob)),
        [event.id.to_string(), other.id.to_string()]
    );
}

#[test]
fn the_same_event_on_the_same_parent_is_the_same_commit_in_every_clone() {
    let env = LedgerEnv::new();
    let remote = env.bare_remote("origin.git");
    let alice = env.clone_of(&remote, "alice", "alice@example.com");
    let bob = env.clone_of(&remote, "bob", "bob@example.com");
    let event = approve_event("v1.0.0", "qa-lead", head(&alice), "alice@example.com", 0);
    let in_alice = Ledger::new(&open(&alice)).append(&event).unwrap();
    let in_bob = Ledger::new(&open(&bob)).append(&event).unwrap();
    assert_eq!(in_alice.new, in_bob.new);
    sync_now(&alice);
    let report = sync_now(&bob);
    assert_eq!(
        (report.received, report.replayed, report.pushed),
        (0, 0, false)
    );
}

#[test]
fn a_remote_ledger_rewound_or_rewritten_is_refused_as_tampering() {
    let env = LedgerEnv::new();
    let remote = env.bare_remote("origin.git");
    let alice = env.clone_of(&remote, "alice", "alice@example.com");
    let bob = env.clone_of(&remote, "bob", "bob@example.com");
    record(&alice, "v1.0.0", "alice@example.com", 0);
    record(&alice, "v1.1.0", "alice@example.com", 1);
    sync_now(&alice);
    sync_now(&bob);
    let seen = remote_tip(&remote);

    // Force-pushed backwards.
    git(
        &remote,
        &["update-ref", "refs/reltag/ledger", &format!("{seen}~1")],
    );
    let rewound = remote_tip(&remote);
    let error = sync::sync(&open(&bob), None, &SyncOptions::default()).unwrap_err();
    match &error {
        Error::Tampered {
            remote,
            seen: at,
            theirs,
            ..
        } => {
            assert_eq!(remote, "origin");
            assert_eq!(at.to_string(), seen);
            assert_eq!(theirs.map(|t| t.to_string()), Some(rewound.clone()));
            assert!(error.to_string().contains("non-fast-forward"), "{error}");
        }
        other => panic!("expected Tampered, got {other:?}"),
    }
    assert!(error.is_undecided());
    assert!(error.to_string().contains("never merges over it"));
    // Bob's copy is untouched.
    assert_eq!(git(&bob, &["rev-parse", "refs/reltag/ledger"]).trim(), seen);

    // Rewritten: same length, different history.
    let rewritten_clone = env.path("mallory");
    git(env.dir.path(), &["init", "-q", "mallory"]);
    git(
        &rewritten_clone,
        &["config", "user.email", "mallory@example.com"],
    );
    git(&rewritten_clone, &["config", "user.name", "Mallory"]);
    git(
        &rewritten_clone,
        &["commit", "-q", "--allow-empty", "-m", "x"],
    );
    record(&rewritten_clone, "v1.0.0", "alice@example.com", 0);
    record(&rewritten_clone, "v1.1.0", "mallory@example.com", 1);
    git(
        &rewritten_clone,
        &[
            "push",
            "-q",
            "--force",
            remote.to_str().unwrap(),
            "refs/reltag/ledger:refs/reltag/ledger",
        ],
    );
    assert!(matches!(
        sync::sync(&open(&bob), None, &SyncOptions::default()),
        Err(Error::Tampered { .. })
    ));
    assert!(matches!(
        sync::fetch(&open(&bob), "origin"),
        Err(Error::Tampered { .. })
    ));
}

#[test]
fn a_deleted_remote_ledger_is_refused_as_tampering() {
    let env = LedgerEnv::new();
    let remote = env.bare_remote("origin.git");
    let alice = env.clone_of(&remote, "alice", "alice@example.com");
    record(&alice, "v1.0.0", "alice@example.com", 0);
    sync_now(&alice);
    git(&remote, &["update-ref", "-d", "refs/reltag/ledger"]);
    record(&alice, "v1.1.0", "alice@example.com", 1);
    let error = sync::sync(&open(&alice), None, &SyncOptions::default()).unwrap_err();
    assert!(matches!(error, Error::Tampered { .. }), "{error:?}");
}

#[test]
fn pushing_gives_up_after_the_bounded_number_of_rejections() {
    let env = LedgerEnv::new();
    let remote = env.bare_remote("origin.git");
    let alice = env.clone_of(&remote, "alice", "alice@example.com");
    let bob = env.clone_of(&remote, "bob", "bob@example.com");
    record(&alice, "v0.1.0", "alice@example.com", 0);
    sync_now(&alice);
    record(&bob, "v1.0.0", "bob@example.com", 1);

    // Every time Bob is about to push, Alice gets a new event in first.
    let alice_pushes = |attempt: u32| {
        record(
            &alice,
            &format!("v2.0.{attempt}"),
            "alice@example.com",
            10 + i64::from(attempt),
        );
        sync_now(&alice);
    };
    let options = SyncOptions {
        max_attempts: 3,
        before_push: Some(&alice_pushes),
        ..SyncOptions::default()
    };
    let error = sync::sync(&open(&bob), None, &options).unwrap_err();
    assert!(
        matches!(&error, Error::SyncExhausted { remote, attempts: 3 } if remote == "origin"),
        "{error:?}"
    );
    assert!(error.is_undecided());

    // Once the remote is quiet, the same sync succeeds with Bob's event last.
    let report = sync_now(&bob);
    assert!(report.pushed);
    let ids = chain_ids(&open(&bob));
    assert_eq!(ids.len(), 5);
    let repo = open(&bob);
    let newest = Ledger::new(&repo)
        .log(Default::default())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(newest.event.actor, "bob@example.com");
}

/// An annotated tag object with no ref (as `cut` makes it), returning its id.
fn tag_object(path: &Path, name: &str) -> ObjectId {
    git(path, &["tag", "-a", "-m", &format!("release {name}"), name]);
    let id = git(path, &["rev-parse", name]);
    git(path, &["tag", "-d", name]);
    ObjectId::from_hex(id.trim().as_bytes()).unwrap()
}

#[test]
fn a_write_pushes_its_tag_and_events_atomically_or_changes_nothing() {
    let env = LedgerEnv::new();
    let remote = env.bare_remote("origin.git");
    let alice = env.clone_of(&remote, "alice", "alice@example.com");
    record(&alice, "v0.9.0", "alice@example.com", 0);
    sync_now(&alice);
    let repo = open(&alice);
    let ledger = Ledger::new(&repo);
    let origin = Publish::Remote("origin".into());

    // Both land: the tag and the event, then the local refs follow.
    let v1 = tag_object(&alice, "v1.0.0");
    let event = approve_event("v1.0.0", "qa-lead", head(&alice), "alice@example.com", 1);
    let written = write(&ledger, &origin, &WriteOptions::default(), |_| {
        Ok::<_, Error>(Decision::record(event.clone(), ()).with_tag("v1.0.0", v1))
    })
    .unwrap();
    let tip = written.tip.unwrap();
    assert_eq!(remote_tip(&remote), tip.to_string());
    assert_eq!(
        git(&remote, &["rev-parse", "v1.0.0"]).trim(),
        v1.to_string()
    );
    assert_eq!(git(&alice, &["rev-parse", "v1.0.0"]).trim(), v1.to_string());
    assert_eq!(sync::tracked_tip(&repo, "origin").unwrap(), Some(tip));
    assert_eq!(written.events, [event]);

    // Someone else pushed v1.1.0 first: the atomic push fails as a whole (the ledger does
    // not move either); the gate, asked again, sees the race and records nothing.
    let remote_head = git(&remote, &["rev-parse", "HEAD"]);
    git(
        &remote,
        &["update-ref", "refs/tags/v1.1.0", remote_head.trim()],
    );
    git(
        &alice,
        &["commit", "-q", "--allow-empty", "-m", "release 1.1"],
    );
    let v11 = tag_object(&alice, "v1.1.0");
    let event = approve_event("v1.1.0", "po", head(&alice), "alice@example.com", 2);
    let attempts = std::cell::Cell::new(0);
    let written = write(&ledger, &origin, &WriteOptions::default(), |base| {
        attempts.set(base.attempt);
        Ok::<_, Error>(if base.attempt > 1 {
            Decision::Skip("taken")
        } else {
            Decision::record(event.clone(), "recorded").with_tag("v1.1.0", v11)
        })
    })
    .unwrap();
    assert_eq!((written.outcome, attempts.get()), ("taken", 2));
    assert!(written.events.is_empty());
    assert_eq!(ledger.tip().unwrap(), Some(tip));
    assert_eq!(remote_tip(&remote), tip.to_string());
    assert!(
        !std::process::Command::new("git")
            .current_dir(&alice)
            .args(["rev-parse", "--verify", "-q", "refs/tags/v1.1.0"])
            .status()
            .unwrap()
            .success(),
        "no local tag for a write that did not land"
    );
}
