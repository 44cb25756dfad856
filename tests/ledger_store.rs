//! The ledger's format, state, log and approvals against real repositories.

#[path = "common/ledger_env.rs"]
mod ledger_env;

use std::collections::BTreeMap;

use gix::ObjectId;
use ledger_env::*;
use reltag::ledger::identity::{self, ApproveOutcome, ApproveRequest};
use reltag::ledger::{
    Artifact, Cut, Error, Event, EventBody, EventId, EventKind, Evidence, EvidenceResult, Ledger,
    LogFilter, Rollback, Schedule,
};

fn sample_commit() -> ObjectId {
    ObjectId::from_hex(b"0123456789abcdef0123456789abcdef01234567").unwrap()
}

fn every_kind(commit: ObjectId) -> Vec<EventBody> {
    let artifact = Artifact::new("app.tar.gz", "ab".repeat(32)).unwrap();
    vec![
        EventBody::Approve(reltag::ledger::Approve {
            version: "v1.2.3".into(),
            role: "qa-lead".into(),
            env: Some("prod".into()),
            comment: Some("looks good\n\nsecond paragraph".into()),
        }),
        EventBody::Evidence(Evidence {
            version: None,
            criterion: "coverage".into(),
            result: EvidenceResult::Pass,
            measured: Some("91.4%".into()),
            threshold: Some(">= 90%".into()),
            report_sha256: Some("cd".repeat(32)),
            comment: None,
        }),
        EventBody::Cut(Cut {
            version: "v1.2.3".into(),
            tag_object: Some(commit),
            emergency: true,
            reason: Some("HOTFIX-1 payment outage".into()),
            artifacts: vec![artifact.clone()],
        }),
        EventBody::Schedule(Schedule {
            version: "v1.2.3".into(),
            env: "prod".into(),
            at: at(60 * 24),
            emergency: false,
            reason: None,
        }),
        EventBody::Promote(reltag::ledger::Promote {
            version: "v1.2.3".into(),
            env: "prod".into(),
            artifacts: vec![
                artifact.clone(),
                Artifact::new("app.sbom", "ef".repeat(32)).unwrap(),
            ],
            emergency: false,
            reason: None,
        }),
        EventBody::Rollback(Rollback {
            version: "v1.2.2".into(),
            env: "prod".into(),
            from_version: Some("v1.2.3".into()),
            artifacts: vec![],
            emergency: false,
            reason: "error rate 5%".into(),
        }),
    ]
}

#[test]
fn every_event_kind_round_trips_through_its_commit_message() {
    let commit = sample_commit();
    for body in every_kind(commit) {
        let event = Event::new(body, commit, "qa@example.com", at(0)).unwrap();
        let parsed = Event::from_message(commit, event.to_message().as_bytes()).unwrap();
        assert_eq!(parsed, event);
    }
}

#[test]
fn a_promote_message_reads_as_an_audit_line() {
    let event = Event {
        id: EventId::parse("00112233445566778899aabbccddeeff").unwrap(),
        time: at(0),
        actor: "ops@example.com".into(),
        commit: sample_commit(),
        body: every_kind(sample_commit()).remove(4),
    };
    insta::assert_snapshot!(event.to_message(), @r"
    promote v1.2.3 to prod

    Event: promote
    Version: v1.2.3
    Commit: 0123456789abcdef0123456789abcdef01234567
    Env: prod
    Artifact: app.tar.gz sha256:abababababababababababababababababababababababababababababababab
    Artifact: app.sbom sha256:efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef
    Actor: ops@example.com
    Time: 2026-11-24T18:00:00Z
    Event-Id: 00112233445566778899aabbccddeeff
    Ledger-Format: 1
    ");
}

#[test]
fn bad_names_are_refused_before_anything_is_written() {
    let result = Event::new(
        EventBody::Approve(reltag::ledger::Approve {
            version: "v1.2.3\nEvent: cut".into(),
            role: "qa-lead".into(),
            env: None,
            comment: None,
        }),
        sample_commit(),
        "qa@example.com",
        at(0),
    );
    assert!(
        matches!(
            result,
            Err(Error::InvalidName {
                what: "version",
                ..
            })
        ),
        "{result:?}"
    );
    assert!(matches!(
        Artifact::new("app", "not-a-digest"),
        Err(Error::InvalidEvent { .. })
    ));
}

#[test]
fn state_is_derived_from_the_events_and_the_log_is_plain_git() {
    let env = LedgerEnv::new();
    let path = env.init_repo("repo", "ops@example.com");
    let repo = open(&path);
    let commit = head(&path);
    let ledger = Ledger::new(&repo);
    assert_eq!(ledger.tip().unwrap(), None);
    assert_eq!(ledger.env_state("prod").unwrap(), None);

    let first = ledger
        .append(&approve_event(
            "v1.0.0",
            "qa-lead",
            commit,
            "qa@example.com",
            0,
        ))
        .unwrap();
    assert_eq!(first.old, None);
    ledger
        .append(&promote_event(
            "v1.0.0",
            "prod",
            commit,
            "ops@example.com",
            1,
        ))
        .unwrap();
    let third = ledger
        .append(&promote_event(
            "v1.1.0",
            "prod",
            commit,
            "ops@example.com",
            2,
        ))
        .unwrap();
    let last = ledger
        .append(&promote_event(
            "v1.2.0",
            "prod",
            commit,
            "ops@example.com",
            3,
        ))
        .unwrap();
    assert_eq!(last.old, Some(third.new));
    assert_eq!(ledger.tip().unwrap(), Some(last.new));
    assert_eq!(ledger.event_count().unwrap(), 4);

    let prod = ledger.env_state("prod").unwrap().unwrap();
    let current = prod.current.as_ref().unwrap();
    assert_eq!(current.version, "v1.2.0");
    assert_eq!(current.since, at(3));
    assert_eq!(current.actor, "ops@example.com");
    let history: Vec<&str> = prod.history.iter().map(|d| d.version.as_str()).collect();
    assert_eq!(history, ["v1.1.0", "v1.0.0"]);
    assert_eq!(prod.previous_versions(), ["v1.1.0", "v1.0.0"]);
    assert_eq!(prod.deployments_total, 3);

    let version = ledger.version_state("v1.0.0").unwrap().unwrap();
    assert_eq!(version.approvals.len(), 1);
    assert_eq!(version.approvals[0].actor, "qa@example.com");
    assert_eq!(version.approvals[0].commit, commit.to_string());
    assert_eq!(version.deployments.len(), 1);

    // Plain git reads the same trail and the same state.
    let subjects = git(&path, &["log", "--format=%s", "refs/reltag/ledger"]);
    assert_eq!(
        subjects,
        "promote v1.2.0 to prod\npromote v1.1.0 to prod\npromote v1.0.0 to prod\napprove v1.0.0 as qa-lead by qa@example.com\n"
    );
    let actors = git(
        &path,
        &[
            "log",
            "--format=%(trailers:key=Actor,valueonly)",
            "-n1",
            "refs/reltag/ledger",
        ],
    );
    assert_eq!(actors.trim(), "ops@example.com");
    // Commits carry no state: nothing in a tree could be believed instead of the events.
    // (Before the state was a fold, envs/prod.json stood here.)
    assert_eq!(git(&path, &["ls-tree", "-r", "refs/reltag/ledger"]), "");
}

#[test]
fn log_is_newest_first_and_filters_by_env_version_kind_and_limit() {
    let env = LedgerEnv::new();
    let path = env.init_repo("repo", "ops@example.com");
    let repo = open(&path);
    let commit = head(&path);
    let ledger = Ledger::new(&repo);
    let events = vec![
        approve_event("v1.0.0", "qa-lead", commit, "qa@example.com", 0),
        promote_event("v1.0.0", "staging", commit, "ops@example.com", 1),
        promote_event("v1.0.0", "prod", commit, "ops@example.com", 2),
        approve_event("v1.1.0", "qa-lead", commit, "qa@example.com", 3),
        promote_event("v1.1.0", "staging", commit, "ops@example.com", 4),
    ];
    ledger.append_all(&events).unwrap();
    let times = |filter: LogFilter| -> Vec<i64> {
        ledger
            .log(filter)
            .unwrap()
            .map(|e| (e.unwrap().event.time.as_second() - at(0).as_second()) / 60)
            .collect()
    };
    assert_eq!(times(LogFilter::default()), [4, 3, 2, 1, 0]);
    assert_eq!(
        times(LogFilter {
            env: Some("staging".into()),
            ..Default::default()
        }),
        [4, 1]
    );
    assert_eq!(
        times(LogFilter {
            version: Some("v1.0.0".into()),
            ..Default::default()
        }),
        [2, 1, 0]
    );
    assert_eq!(
        times(LogFilter {
            kind: Some(EventKind::Approve),
            ..Default::default()
        }),
        [3, 0]
    );
    assert_eq!(
        times(LogFilter {
            limit: Some(2),
            ..Default::default()
        }),
        [4, 3]
    );
    assert_eq!(
        times(LogFilter {
            version: Some("v1.0.0".into()),
            kind: Some(EventKind::Promote),
            limit: Some(1),
            ..Default::default()
        }),
        [2]
    );
}

fn roles() -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([
        (
            "qa-lead".to_string(),
            vec!["QA@Example.com".to_string(), "@Tester".to_string()],
        ),
        (
            "product-owner".to_string(),
            vec!["po@example.com".to_string()],
        ),
    ])
}

#[test]
fn approve_checks_membership_is_idempotent_and_binds_to_the_commit() {
    let env = LedgerEnv::new();
    let path = env.init_repo("repo", "qa@example.com");
    let repo = open(&path);
    let ledger = Ledger::new(&repo);
    let tagged = head(&path);
    git(&path, &["commit", "-q", "--allow-empty", "-m", "moved on"]);
    let other = head(&path);

    let request = |actor, role, commit, minutes| ApproveRequest {
        version: "v1.2.3",
        role,
        env: None,
        commit,
        comment: None,
        actor,
        time: at(minutes),
    };
    let refused = identity::approve(
        &ledger,
        &request("dev@example.com", "qa-lead", tagged, 0),
        &roles(),
    );
    assert!(
        matches!(&refused, Err(Error::NotInRole { actor, role, .. }) if actor == "dev@example.com" && role == "qa-lead"),
        "{refused:?}"
    );
    assert!(!refused.unwrap_err().is_undecided());
    assert!(matches!(
        identity::approve(
            &ledger,
            &request("qa@example.com", "release-god", tagged, 0),
            &roles()
        ),
        Err(Error::UnknownRole { .. })
    ));
    assert_eq!(ledger.tip().unwrap(), None, "refusals write nothing");

    // Emails and logins compare case-insensitively.
    let first = identity::approve(
        &ledger,
        &request("qa@EXAMPLE.com", "qa-lead", tagged, 0),
        &roles(),
    )
    .unwrap();
    assert!(matches!(first, ApproveOutcome::Recorded { .. }));
    let again = identity::approve(
        &ledger,
        &request("qa@example.com", "qa-lead", tagged, 5),
        &roles(),
    )
    .unwrap();
    match again {
        ApproveOutcome::AlreadyApproved(existing) => assert_eq!(existing.time, at(0)),
        other => panic!("expected AlreadyApproved, got {other:?}"),
    }
    assert_eq!(ledger.event_count().unwrap(), 1);
    identity::approve(&ledger, &request("@tester", "qa-lead", other, 6), &roles()).unwrap();
    identity::approve(
        &ledger,
        &request("po@example.com", "product-owner", other, 7),
        &roles(),
    )
    .unwrap();
    assert_eq!(ledger.event_count().unwrap(), 3);

    let for_tagged = identity::approvals_for(&ledger, "v1.2.3", None, tagged).unwrap();
    let who: Vec<(&str, &str)> = for_tagged
        .iter()
        .map(|a| (a.role.as_str(), a.actor.as_str()))
        .collect();
    assert_eq!(who, [("qa-lead", "qa@EXAMPLE.com")]);
    let for_other = identity::approvals_for(&ledger, "v1.2.3", Some("prod"), other).unwrap();
    let who: Vec<(&str, &str)> = for_other
        .iter()
        .map(|a| (a.role.as_str(), a.actor.as_str()))
        .collect();
    assert_eq!(
        who,
        [("qa-lead", "@tester"), ("product-owner", "po@example.com")]
    );
    assert!(
        identity::approvals_for(&ledger, "v9.9.9", None, tagged)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn env_scoped_approvals_count_only_for_their_env() {
    let env = LedgerEnv::new();
    let path = env.init_repo("repo", "qa@example.com");
    let repo = open(&path);
    let ledger = Ledger::new(&repo);
    let commit = head(&path);
    identity::approve(
        &ledger,
        &ApproveRequest {
            version: "v1.2.3",
            role: "qa-lead",
            env: Some("staging"),
            commit,
            comment: Some("staging only"),
            actor: "qa@example.com",
            time: at(0),
        },
        &roles(),
    )
    .unwrap();
    assert_eq!(
        identity::approvals_for(&ledger, "v1.2.3", Some("staging"), commit)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        identity::approvals_for(&ledger, "v1.2.3", Some("prod"), commit)
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        identity::approvals_for(&ledger, "v1.2.3", None, commit)
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn actor_is_the_github_login_in_actions_and_the_git_email_elsewhere() {
    let env = LedgerEnv::new();
    let path = env.init_repo("repo", "Dev@Example.com");
    let repo = open(&path);
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(
        identity::actor(&repo, vars(&[])).unwrap(),
        "Dev@Example.com"
    );
    assert_eq!(
        identity::actor(
            &repo,
            vars(&[("GITHUB_ACTIONS", "true"), ("GITHUB_ACTOR", "octocat")])
        )
        .unwrap(),
        "@octocat"
    );
    assert!(matches!(
        identity::actor(&repo, vars(&[("GITHUB_ACTIONS", "true")])),
        Err(Error::NoIdentity)
    ));
    git(&path, &["config", "--unset", "user.email"]);
    let repo = open(&path);
    assert!(matches!(
        identity::actor(&repo, vars(&[])),
        Err(Error::NoIdentity)
    ));
}

#[test]
fn evidence_is_kept_per_commit_and_per_version() {
    let env = LedgerEnv::new();
    let path = env.init_repo("repo", "ci@example.com");
    let repo = open(&path);
    let ledger = Ledger::new(&repo);
    let commit = head(&path);
    let bodies = every_kind(commit);
    ledger
        .append(&Event::new(bodies[1].clone(), commit, "ci@example.com", at(0)).unwrap())
        .unwrap();
    ledger
        .append(&Event::new(bodies[2].clone(), commit, "rm@example.com", at(1)).unwrap())
        .unwrap();
    let evidence = ledger.commit_evidence(commit).unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].criterion, "coverage");
    assert_eq!(evidence[0].measured.as_deref(), Some("91.4%"));
    let version = ledger.version_state("v1.2.3").unwrap().unwrap();
    assert_eq!(version.cut.as_ref().unwrap().commit, commit.to_string());
    assert!(version.cut.as_ref().unwrap().emergency);
    assert_eq!(version.artifacts.len(), 1);
}

fn void_event(target: ObjectId, actor: &str, minutes: i64) -> Event {
    Event::new(
        EventBody::Void(reltag::ledger::Void {
            reason: "recorded by mistake".into(),
        }),
        target,
        actor,
        at(minutes),
    )
    .unwrap()
}

/// The state derived step by step through the cache equals the state derived from scratch,
/// voids of counted events included: it never depends on where a cache began.
#[test]
fn the_cached_fold_and_a_cold_fold_agree() {
    let env = LedgerEnv::new();
    let path = env.init_repo("repo", "ops@example.com");
    let repo = open(&path);
    let commit = head(&path);
    let admins = || reltag::ledger::Admins::new(["admin@example.com".to_string()]);
    let ledger = Ledger::new(&repo).with_trust(admins());
    let mut voided = None;
    for n in 0..30 {
        let version = format!("v1.0.{}", n % 4);
        let event = if n % 3 == 0 {
            promote_event(&version, "prod", commit, "ops@example.com", n)
        } else {
            approve_event(&version, "qa-lead", commit, "qa@example.com", n)
        };
        let appended = ledger.append(&event).unwrap();
        if n == 9 {
            voided = Some(appended.new);
        }
        // Read after every append, as commands do: each derivation starts from the last.
        ledger.env_state("prod").unwrap();
        if n == 20 {
            ledger
                .append(&void_event(voided.unwrap(), "admin@example.com", 100))
                .unwrap();
            // A void by someone who is not an admin counts for nothing.
            ledger
                .append(&void_event(appended.new, "mallory@example.com", 101))
                .unwrap();
        }
    }
    let incremental = (
        ledger.env_state("prod").unwrap(),
        ledger.version_state("v1.0.1").unwrap(),
        ledger.version_state("v1.0.0").unwrap(),
        ledger.state().unwrap().counted(),
    );
    std::fs::remove_dir_all(repo.common_dir().join("reltag/state-cache")).unwrap();
    let cold = Ledger::new(&repo).with_trust(admins());
    let from_scratch = (
        cold.env_state("prod").unwrap(),
        cold.version_state("v1.0.1").unwrap(),
        cold.version_state("v1.0.0").unwrap(),
        cold.state().unwrap().counted(),
    );
    assert_eq!(incremental, from_scratch);
    // 32 commits; the admin's void counts, the event it names and mallory's void do not.
    assert_eq!(from_scratch.3, 30);
    // The voided event (n = 9: a promotion of v1.0.1) is not in the state.
    let prod = from_scratch.0.unwrap();
    assert_eq!(prod.deployments_total, 9);
    // The log agrees, event by event.
    let standings: Vec<(i64, bool)> = cold
        .log(LogFilter::default())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                (e.event.time.as_second() - at(0).as_second()) / 60,
                e.standing.counts(),
            )
        })
        .filter(|(_, counts)| !counts)
        .collect();
    assert_eq!(standings, [(101, false), (9, false)]);
    // Under other trust rules (no admins) the void does not count, and the event does.
    let no_admins = Ledger::new(&repo);
    assert_eq!(no_admins.state().unwrap().counted(), 30);
    assert_eq!(
        no_admins
            .env_state("prod")
            .unwrap()
            .unwrap()
            .deployments_total,
        10
    );
}
