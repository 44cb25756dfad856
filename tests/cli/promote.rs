//! `schedule`, `promote`, `rollback` and `status` on real repositories with a bare remote.
//! `reltag cut` is not used: the cut event is written through the ledger library next to
//! a real annotated tag (see `cut`).

use std::path::{Path, PathBuf};

use reltag::ledger::{Cut, Event, EventBody, Ledger, Promote};

use crate::common::{Run, TestEnv};

const POLICY: &str = r#"version = 1
[commits]
require_jira = false
[roles]
qa-lead = ["qa@example.com"]
product-owner = ["po@example.com"]
ops = ["ops@example.com"]
cto = ["cto@example.com"]
[environments.staging]
timezone = "America/New_York"
windows = ["Tue,Wed 18:00-21:00"]
notice = "24h"
deployers = ["ops"]
[environments.prod]
from = "staging"
timezone = "America/New_York"
windows = ["Tue,Wed 18:00-21:00"]
notice = "24h"
soak = "24h"
approvals = ["qa-lead", "product-owner"]
deployers = ["ops"]
freezes = [{ start = "2026-12-21", end = "2027-01-04", reason = "year-end freeze" }]
[emergency]
approvers = ["cto"]
may_skip = ["from", "windows", "notice", "soak"]
"#;

/// A bare `origin` and a working clone `work` with the policy committed.
fn setup(env: &TestEnv, policy: &str) -> (PathBuf, PathBuf) {
    let origin = env.bare("origin.git");
    let work = env.repo("work");
    std::fs::write(work.join("policy.toml"), policy).unwrap();
    env.git(&work, &["add", "policy.toml"]);
    env.commit(&work, "policy");
    env.git(
        &work,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    (origin, work)
}

fn gix_repo(dir: &Path) -> gix::Repository {
    gix::open(dir).unwrap()
}

fn tag_commit(env: &TestEnv, dir: &Path, version: &str) -> gix::ObjectId {
    let hex = env.git(dir, &["rev-parse", &format!("{version}^{{commit}}")]);
    gix::ObjectId::from_hex(hex.as_bytes()).unwrap()
}

/// Writes one event through the ledger library (as another tool or person would).
fn record(env: &TestEnv, dir: &Path, version: &str, body: EventBody, actor: &str, time: &str) {
    let repo = gix_repo(dir);
    let event = Event::new(
        body,
        tag_commit(env, dir, version),
        actor,
        time.parse().unwrap(),
    )
    .unwrap();
    Ledger::new(&repo).append(&event).unwrap();
}

/// What `reltag cut` leaves behind: a new commit, an annotated tag pushed to origin, and
/// a cut event in the ledger.
fn cut(env: &TestEnv, dir: &Path, version: &str, time: &str) {
    env.commit(dir, &format!("release {version}"));
    env.git(
        dir,
        &["tag", "-a", version, "-m", &format!("release {version}")],
    );
    env.git(dir, &["push", "-q", "origin", "main", version]);
    let tag_object = env.git(dir, &["rev-parse", version]);
    record(
        env,
        dir,
        version,
        EventBody::Cut(Cut {
            version: version.into(),
            tag_object: Some(gix::ObjectId::from_hex(tag_object.as_bytes()).unwrap()),
            emergency: false,
            reason: None,
            artifacts: vec![],
        }),
        "release@example.com",
        time,
    );
}

fn promoted(env: &TestEnv, dir: &Path, version: &str, to: &str, time: &str) {
    record(
        env,
        dir,
        version,
        EventBody::Promote(Promote {
            version: version.into(),
            env: to.into(),
            artifacts: vec![],
            emergency: false,
            reason: None,
        }),
        "ops@example.com",
        time,
    );
}

fn as_user(env: &TestEnv, dir: &Path, email: &str) {
    env.git(dir, &["config", "user.email", email]);
}

fn at(env: &TestEnv, dir: &Path, now: &str, args: &[&str]) -> Run {
    env.reltag_with(dir, args, &[("RELTAG_NOW", now)], None)
}

/// The events of one kind in a ledger (any repository, bare or not), newest first.
pub(crate) fn ledger_messages(env: &TestEnv, git_dir: &Path) -> Vec<String> {
    let out = env.git_output(git_dir, &["log", "--format=%B%x00", "refs/reltag/ledger"]);
    String::from_utf8_lossy(&out.stdout)
        .split('\0')
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect()
}

fn promotions_to(env: &TestEnv, git_dir: &Path, target: &str) -> Vec<String> {
    ledger_messages(env, git_dir)
        .into_iter()
        .filter(|m| m.contains("Event: promote") && m.contains(&format!("Env: {target}\n")))
        .collect()
}

#[test]
fn cut_to_staging_to_prod_with_notice_soak_approvals_and_the_same_artifact() {
    let env = TestEnv::new();
    let (origin, work) = setup(&env, POLICY);
    cut(&env, &work, "v1.0.0", "2026-11-23T12:00:00Z");
    std::fs::write(work.join("app-1.0.0.tar.gz"), b"the tested build").unwrap();
    as_user(&env, &work, "ops@example.com");

    // Tuesday 13:30 New York: outside the window, and nothing was scheduled.
    let early = at(
        &env,
        &work,
        "2026-11-24T18:30:00Z",
        &[
            "promote",
            "v1.0.0",
            "--to",
            "staging",
            "--artifact",
            "app-1.0.0.tar.gz",
            "--dry-run",
        ],
    );
    assert_eq!(early.code, 1, "{}", early.render());
    assert!(
        early.stdout.contains("error[promote-window]"),
        "{}",
        early.stdout
    );
    assert!(
        early
            .stdout
            .contains("error[promote-notice] v1.0.0 was not scheduled for staging"),
        "{}",
        early.stdout
    );
    assert!(
        early
            .stdout
            .contains("the next window opens Tue 2026-11-24 18:00 America/New_York"),
        "{}",
        early.stdout
    );
    // The dry run lists every check with its value and verdict.
    for rule in [
        "promote-version",
        "promote-from",
        "promote-soak",
        "promote-window",
        "promote-freeze",
        "promote-notice",
        "promote-approvals",
        "promote-deployer",
        "promote-artifact",
        "promote-rolled-back",
        "promote-emergency",
    ] {
        assert!(
            early.stdout.contains(&format!("note: {rule}: ")),
            "{rule}: {}",
            early.stdout
        );
    }
    assert!(
        early
            .stdout
            .contains("note: promote-deployer: ops@example.com is in ops → ok"),
        "{}",
        early.stdout
    );

    // A time with no zone is bad input.
    let no_zone = at(
        &env,
        &work,
        "2026-11-23T15:00:00Z",
        &[
            "schedule",
            "v1.0.0",
            "--to",
            "staging",
            "--at",
            "2026-11-24T18:30",
        ],
    );
    assert_eq!(no_zone.code, 2, "{}", no_zone.render());
    assert!(
        no_zone.stderr.contains("has no zone or offset"),
        "{}",
        no_zone.stderr
    );
    // Too short a notice is refused and nothing is recorded.
    let short = at(
        &env,
        &work,
        "2026-11-24T12:00:00Z",
        &[
            "schedule",
            "v1.0.0",
            "--to",
            "staging",
            "--at",
            "2026-11-24T18:30:00-05:00",
        ],
    );
    assert_eq!(short.code, 1, "{}", short.render());
    assert!(
        short.stdout.contains("error[promote-notice]"),
        "{}",
        short.stdout
    );
    // Monday: schedule for Tuesday 18:30 New York (32.5 h ahead).
    let scheduled = at(
        &env,
        &work,
        "2026-11-23T15:00:00Z",
        &[
            "schedule",
            "v1.0.0",
            "--to",
            "staging",
            "--at",
            "2026-11-24T18:30:00-05:00",
        ],
    );
    assert_eq!(scheduled.code, 0, "{}", scheduled.render());

    let staging = at(
        &env,
        &work,
        "2026-11-24T23:30:00Z",
        &[
            "promote",
            "v1.0.0",
            "--to",
            "staging",
            "--artifact",
            "app-1.0.0.tar.gz",
        ],
    );
    assert_eq!(staging.code, 0, "{}", staging.render());
    assert!(
        staging.stdout.contains("(recorded now)"),
        "{}",
        staging.stdout
    );
    // Recorded and pushed to the remote.
    assert_eq!(promotions_to(&env, &origin, "staging").len(), 1);
    // Again: an idempotent no-op.
    let again = at(
        &env,
        &work,
        "2026-11-24T23:31:00Z",
        &["promote", "v1.0.0", "--to", "staging"],
    );
    assert_eq!(again.code, 0, "{}", again.render());
    assert!(
        again.stdout.contains("already runs in staging"),
        "{}",
        again.stdout
    );
    assert_eq!(promotions_to(&env, &origin, "staging").len(), 1);

    // Status says what happens next for prod: soak, notice, approvals.
    let status = at(
        &env,
        &work,
        "2026-11-24T23:35:00Z",
        &["status", "--env", "prod"],
    );
    assert_eq!(status.code, 0, "{}", status.render());
    assert!(
        status.stdout.contains(
            "next: prod: v1.0.0 can be promoted from Wed 2026-11-25 18:35 America/New_York, in 24 h"
        ),
        "{}",
        status.stdout
    );
    assert!(
        status
            .stdout
            .contains("needs approval from qa-lead, product-owner"),
        "{}",
        status.stdout
    );

    let prod_schedule = at(
        &env,
        &work,
        "2026-11-24T23:35:00Z",
        &[
            "schedule",
            "v1.0.0",
            "--to",
            "prod",
            "--at",
            "2026-11-25T18:40:00-05:00",
        ],
    );
    assert_eq!(prod_schedule.code, 0, "{}", prod_schedule.render());

    // Wednesday 18:45: soak and notice hold, approvals are missing.
    let wed = "2026-11-25T23:45:00Z";
    let unapproved = at(
        &env,
        &work,
        wed,
        &[
            "promote",
            "v1.0.0",
            "--to",
            "prod",
            "--artifact",
            "app-1.0.0.tar.gz",
        ],
    );
    assert_eq!(unapproved.code, 1, "{}", unapproved.render());
    assert!(
        unapproved.stdout.contains(
            "error[promote-approvals] v1.0.0 needs approval from qa-lead, product-owner for prod"
        ),
        "{}",
        unapproved.stdout
    );
    assert!(
        !unapproved.stdout.contains("error[promote-soak]"),
        "{}",
        unapproved.stdout
    );
    assert!(
        !unapproved.stdout.contains("error[promote-notice]"),
        "{}",
        unapproved.stdout
    );

    for (email, role) in [
        ("qa@example.com", "qa-lead"),
        ("po@example.com", "product-owner"),
    ] {
        as_user(&env, &work, email);
        let ok = at(&env, &work, wed, &["approve", "v1.0.0", "--role", role]);
        assert_eq!(ok.code, 0, "{}", ok.render());
    }
    as_user(&env, &work, "ops@example.com");

    // A rebuilt artifact with the same name: refused, nothing recorded.
    std::fs::write(work.join("app-1.0.0.tar.gz"), b"a rebuild").unwrap();
    let swapped = at(
        &env,
        &work,
        wed,
        &[
            "promote",
            "v1.0.0",
            "--to",
            "prod",
            "--artifact",
            "app-1.0.0.tar.gz",
        ],
    );
    assert_eq!(swapped.code, 1, "{}", swapped.render());
    assert!(
        swapped
            .stdout
            .contains("error[promote-artifact] artifact app-1.0.0.tar.gz has sha256"),
        "{}",
        swapped.stdout
    );
    assert!(promotions_to(&env, &origin, "prod").is_empty());
    assert!(promotions_to(&env, &work, "prod").is_empty());
    // A missing artifact is bad input.
    let missing = at(
        &env,
        &work,
        wed,
        &[
            "promote",
            "v1.0.0",
            "--to",
            "prod",
            "--artifact",
            "nope-1.0.0.tgz",
        ],
    );
    assert_eq!(missing.code, 2, "{}", missing.render());

    std::fs::write(work.join("app-1.0.0.tar.gz"), b"the tested build").unwrap();
    let outputs = env.path("github_output");
    let prod = env.reltag_with(
        &work,
        &[
            "--format",
            "github",
            "promote",
            "v1.0.0",
            "--to",
            "prod",
            "--artifact",
            "app-1.0.0.tar.gz",
        ],
        &[
            ("RELTAG_NOW", wed),
            ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
        ],
        None,
    );
    assert_eq!(prod.code, 0, "{}", prod.render());
    let written = std::fs::read_to_string(&outputs).unwrap();
    assert!(written.contains("allowed=true\n"), "{written}");
    assert!(
        written.contains("version=v1.0.0\n") && written.contains("env=prod\n"),
        "{written}"
    );
    assert!(
        written.contains("artifacts=[{\"name\":\"app-1.0.0.tar.gz\",\"sha256\":\""),
        "{written}"
    );
    assert_eq!(promotions_to(&env, &origin, "prod").len(), 1);

    let json = at(&env, &work, wed, &["--format", "json", "status"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let prod_status = doc["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["env"] == "prod")
        .unwrap();
    assert_eq!(prod_status["current"]["version"], "v1.0.0");
    assert_eq!(prod_status["current"]["by"], "ops@example.com");
}

#[test]
fn rollback_returns_to_the_previous_version_and_keeps_the_bad_one_out() {
    let env = TestEnv::new();
    let (origin, work) = setup(&env, POLICY);
    cut(&env, &work, "v1.0.0", "2026-11-10T12:00:00Z");
    promoted(&env, &work, "v1.0.0", "staging", "2026-11-10T23:00:00Z");
    promoted(&env, &work, "v1.0.0", "prod", "2026-11-11T23:30:00Z");
    cut(&env, &work, "v1.1.0", "2026-11-16T12:00:00Z");
    promoted(&env, &work, "v1.1.0", "staging", "2026-11-17T23:00:00Z");
    promoted(&env, &work, "v1.1.0", "prod", "2026-11-18T23:30:00Z");

    // Not a deployer: refused.
    as_user(&env, &work, "dev@example.com");
    let refused = at(
        &env,
        &work,
        "2026-11-24T12:00:00Z",
        &["rollback", "--env", "prod", "--reason", "5xx spike"],
    );
    assert_eq!(refused.code, 1, "{}", refused.render());
    assert!(
        refused.stdout.contains("error[promote-deployer]"),
        "{}",
        refused.stdout
    );
    as_user(&env, &work, "ops@example.com");
    // Only to a version that ran there before.
    let unknown = at(
        &env,
        &work,
        "2026-11-24T12:00:00Z",
        &[
            "rollback", "--env", "prod", "--to", "v0.9.0", "--reason", "x",
        ],
    );
    assert_eq!(unknown.code, 2, "{}", unknown.render());
    assert!(
        unknown.stderr.contains("v0.9.0 never ran in prod before"),
        "{}",
        unknown.stderr
    );

    // Tuesday 07:00 New York, outside the windows: rollback_anytime defaults to true.
    let rollback = at(
        &env,
        &work,
        "2026-11-24T12:00:00Z",
        &["rollback", "--env", "prod", "--reason", "5xx spike"],
    );
    assert_eq!(rollback.code, 0, "{}", rollback.render());
    let messages = ledger_messages(&env, &origin);
    assert!(
        messages[0].contains("Event: rollback")
            && messages[0].contains("Version: v1.0.0")
            && messages[0].contains("From-Version: v1.1.0")
            && messages[0].contains("Reason: 5xx spike"),
        "{}",
        messages[0]
    );

    let status = at(
        &env,
        &work,
        "2026-11-24T12:00:00Z",
        &["status", "--env", "prod"],
    );
    assert!(status.stdout.contains("prod: rolled back to v1.0.0 since Tue 2026-11-24 07:00 America/New_York by ops@example.com (5xx spike)"), "{}", status.stdout);
    assert!(
        status
            .stdout
            .contains("was rolled back from prod: needs --reason"),
        "{}",
        status.stdout
    );

    // The routine pipeline run does not undo the rollback...
    let routine = at(
        &env,
        &work,
        "2026-11-25T23:45:00Z",
        &["promote", "v1.1.0", "--to", "prod", "--dry-run"],
    );
    assert_eq!(routine.code, 1, "{}", routine.render());
    assert!(
        routine.stdout.contains(
            "error[promote-rolled-back] v1.1.0 was rolled back from prod by ops@example.com"
        ),
        "{}",
        routine.stdout
    );
    // ...a reason does.
    let with_reason = at(
        &env,
        &work,
        "2026-11-25T23:45:00Z",
        &[
            "promote",
            "v1.1.0",
            "--to",
            "prod",
            "--dry-run",
            "--reason",
            "config fixed, INC-42",
        ],
    );
    assert!(
        with_reason
            .stdout
            .contains("promote-rolled-back: rolled back from prod")
            && with_reason
                .stdout
                .contains("promoted again because: config fixed, INC-42 → ok"),
        "{}",
        with_reason.stdout
    );
    assert!(
        !with_reason.stdout.contains("error[promote-rolled-back]"),
        "{}",
        with_reason.stdout
    );

    // A second plain rollback never returns to the version just rolled back from: the
    // only earlier version was that one, so it asks for --to instead.
    let again = at(
        &env,
        &work,
        "2026-11-25T23:50:00Z",
        &[
            "rollback",
            "--env",
            "prod",
            "--reason",
            "again",
            "--dry-run",
        ],
    );
    assert_eq!(again.code, 2, "{}", again.render());
    assert!(
        again
            .stderr
            .contains("every earlier version of prod was rolled back out of it"),
        "{}",
        again.render()
    );
}

#[test]
fn an_emergency_promotion_needs_the_emergency_approver_and_is_flagged() {
    let env = TestEnv::new();
    let (origin, work) = setup(&env, POLICY);
    cut(&env, &work, "v1.0.0", "2026-11-23T12:00:00Z");
    promoted(&env, &work, "v1.0.0", "staging", "2026-11-24T11:00:00Z");
    as_user(&env, &work, "ops@example.com");
    // Tuesday 07:00 New York: outside the window, no notice, no soak: all may be skipped.
    let now = "2026-11-24T12:00:00Z";
    let args = [
        "promote",
        "v1.0.0",
        "--to",
        "prod",
        "--emergency",
        "--reason",
        "INC-7 payments down",
    ];
    let no_cto = at(&env, &work, now, &args);
    assert_eq!(no_cto.code, 1, "{}", no_cto.render());
    assert!(
        no_cto.stdout.contains(
            "error[promote-emergency] emergency promotion of v1.0.0 needs an approval from cto"
        ),
        "{}",
        no_cto.stdout
    );
    assert!(
        no_cto.stdout.contains("promote-window: ")
            && no_cto.stdout.contains("→ skipped (emergency)"),
        "{}",
        no_cto.stdout
    );
    // Approvals are never skipped.
    assert!(
        no_cto.stdout.contains("error[promote-approvals]"),
        "{}",
        no_cto.stdout
    );
    for (email, role) in [
        ("cto@example.com", "cto"),
        ("qa@example.com", "qa-lead"),
        ("po@example.com", "product-owner"),
    ] {
        as_user(&env, &work, email);
        assert_eq!(
            at(&env, &work, now, &["approve", "v1.0.0", "--role", role]).code,
            0
        );
    }
    as_user(&env, &work, "ops@example.com");
    // A freeze is not in may_skip: even approved, an emergency inside it is refused.
    let mut frozen_args = args.to_vec();
    frozen_args.push("--dry-run");
    let frozen = at(&env, &work, "2026-12-22T12:00:00Z", &frozen_args);
    assert_eq!(frozen.code, 1, "{}", frozen.render());
    assert!(
        frozen.stdout.contains(
            "error[promote-freeze] prod is frozen: 2026-12-21 through 2027-01-04 (year-end freeze)"
        ),
        "{}",
        frozen.stdout
    );
    assert!(
        !frozen.stdout.contains("error[promote-emergency]"),
        "{}",
        frozen.stdout
    );
    let ok = at(&env, &work, now, &args);
    assert_eq!(ok.code, 0, "{}", ok.render());
    let prod = promotions_to(&env, &origin, "prod");
    assert!(
        prod.len() == 1
            && prod[0].contains("Emergency: true")
            && prod[0].contains("Reason: INC-7 payments down"),
        "{prod:?}"
    );
    let status = at(&env, &work, now, &["status", "--env", "prod"]);
    assert!(
        status.stdout.contains("[EMERGENCY: INC-7 payments down]"),
        "{}",
        status.stdout
    );
    let log = at(&env, &work, now, &["log", "--env", "prod"]);
    assert!(
        log.stdout.contains("promote v1.0.0 to prod (emergency)"),
        "{}",
        log.stdout
    );
}

#[test]
fn two_promotions_of_different_versions_to_prod_at_once_record_one() {
    let env = TestEnv::new();
    let policy = "version = 1\n[commits]\nrequire_jira = false\n[roles]\nops = [\"ops@example.com\"]\n[environments.prod]\ndeployers = [\"ops\"]\n";
    let (origin, work) = setup(&env, policy);
    cut(&env, &work, "v1.0.0", "2026-11-23T12:00:00Z");
    cut(&env, &work, "v1.1.0", "2026-11-23T13:00:00Z");
    env.git(
        &work,
        &[
            "push",
            "-q",
            "origin",
            "refs/reltag/ledger:refs/reltag/ledger",
        ],
    );
    for clone in ["a", "b"] {
        env.git(
            env.tmp.path(),
            &["clone", "-q", origin.to_str().unwrap(), clone],
        );
        as_user(&env, &env.path(clone), "ops@example.com");
    }
    let (a, b) = (env.path("a"), env.path("b"));
    // The remote holds the first push it receives until the test releases it: b has
    // checked prod (empty) and its push is on the wire when a promotes.
    let hold = hold_first_push(&env, &origin);
    std::thread::scope(|scope| {
        let held = scope.spawn(|| env.reltag(&b, &["promote", "v1.1.0", "--to", "prod"]));
        hold.wait_until_held();
        let first = env.reltag(&a, &["promote", "v1.0.0", "--to", "prod"]);
        assert_eq!(first.code, 0, "{}", first.render());
        hold.release();
        let second = held.join().unwrap();
        assert_eq!(second.code, 1, "{}", second.render());
        assert!(second.stdout.contains("error[promote-concurrent] prod changed while promoting v1.1.0: v1.0.0 was promoted to it by ops@example.com meanwhile"), "{}", second.stdout);
    });
    let prod = promotions_to(&env, &origin, "prod");
    assert_eq!(prod.len(), 1, "{prod:?}");
    assert!(prod[0].contains("Version: v1.0.0"));
    // b's clone holds no stray local promotion either.
    assert_eq!(promotions_to(&env, &b, "prod").len(), 1);
    // After later syncs (and a later write from the loser's clone) the winner runs.
    for dir in [&a, &b] {
        let status = env.reltag(dir, &["status"]);
        assert_eq!(status.code, 0, "{}", status.render());
        assert!(
            status.stdout.contains("prod: runs v1.0.0"),
            "{}",
            status.render()
        );
    }
    let again = env.reltag(&b, &["promote", "v1.0.0", "--to", "prod"]);
    assert_eq!(again.code, 0, "{}", again.render());
    assert_eq!(promotions_to(&env, &origin, "prod").len(), 1);
    assert_eq!(promotions_to(&env, &b, "prod").len(), 1);
}

#[test]
fn unknown_environment_and_version_are_usage_errors() {
    let env = TestEnv::new();
    let (_origin, work) = setup(&env, POLICY);
    as_user(&env, &work, "ops@example.com");
    let bad_env = env.reltag(&work, &["promote", "v1.0.0", "--to", "qa"]);
    assert_eq!(bad_env.code, 2, "{}", bad_env.render());
    assert!(
        bad_env.stderr.contains("unknown environment `qa`")
            && bad_env.stderr.contains("prod, staging"),
        "{}",
        bad_env.stderr
    );
    let bad_version = env.reltag(&work, &["promote", "v9.9.9", "--to", "staging"]);
    assert_eq!(bad_version.code, 2, "{}", bad_version.render());
    assert!(
        bad_version.stderr.contains("unknown version `v9.9.9`"),
        "{}",
        bad_version.stderr
    );
    let no_reason = env.reltag(&work, &["promote", "v1.0.0", "--to", "prod", "--emergency"]);
    assert_eq!(no_reason.code, 2, "{}", no_reason.render());
}

/// A pre-receive hook on a bare remote that holds the first push until released.
pub(crate) struct Hold {
    dir: PathBuf,
}

pub(crate) fn hold_first_push(env: &TestEnv, remote: &Path) -> Hold {
    let dir = env.path("hold");
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.display();
    write_hook(
        remote,
        "pre-receive",
        &format!(
            "#!/bin/sh\nif mkdir '{d}/taken' 2>/dev/null; then\n  touch '{d}/held'\n  i=0\n  while [ ! -e '{d}/release' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\nfi\nexit 0\n"
        ),
    );
    Hold { dir }
}

impl Hold {
    pub(crate) fn wait_until_held(&self) {
        for _ in 0..600 {
            if self.dir.join("held").exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("no push reached the remote");
    }

    pub(crate) fn release(&self) {
        std::fs::write(self.dir.join("release"), b"").unwrap();
    }
}

/// Installs an executable hook script in a (bare) repository.
pub(crate) fn write_hook(repo: &Path, name: &str, script: &str) {
    let path = repo.join("hooks").join(name);
    std::fs::write(&path, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_schedule_for_a_time_in_the_past_is_refused_and_records_nothing() {
    let env = TestEnv::new();
    let (origin, work) = setup(&env, POLICY);
    cut(&env, &work, "v1.0.0", "2026-11-20T12:00:00Z");
    as_user(&env, &work, "ops@example.com");
    let before = ledger_messages(&env, &work).len();
    let run = at(
        &env,
        &work,
        "2026-11-25T12:00:00Z",
        &[
            "schedule",
            "v1.0.0",
            "--to",
            "staging",
            "--at",
            "2026-11-24T23:30:00Z",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr.contains("Tue 2026-11-24 18:30")
            && run.stderr.contains("is in the past, 12 h 30 min ago"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("a time to come"), "{}", run.stderr);
    assert!(!run.stderr.contains("0 min ahead"), "{}", run.stderr);
    assert_eq!(ledger_messages(&env, &work).len(), before);
    assert!(ledger_messages(&env, &origin).len() <= before);
}

#[test]
fn a_write_with_a_clock_behind_the_ledgers_latest_event_is_warned_about() {
    let env = TestEnv::new();
    let (_origin, work) = setup(&env, POLICY);
    cut(&env, &work, "v1.0.0", "2026-11-23T12:00:00Z");
    as_user(&env, &work, "ops@example.com");
    let args = [
        "schedule",
        "v1.0.0",
        "--to",
        "staging",
        "--at",
        "2026-11-25T23:30:00Z",
    ];
    let behind = at(&env, &work, "2026-11-20T12:00:00Z", &args);
    assert_eq!(behind.code, 0, "{}", behind.render());
    assert!(
        behind
            .stderr
            .contains("warning: the clock (2026-11-20T12:00:00Z) is 3 d behind the ledger's latest event (2026-11-23T12:00:00Z)"),
        "{}",
        behind.stderr
    );
    let after = at(&env, &work, "2026-11-23T13:00:00Z", &args);
    assert_eq!(after.code, 0, "{}", after.render());
    assert!(
        !after.stderr.contains("warning: the clock"),
        "{}",
        after.stderr
    );
}

#[test]
fn the_help_of_every_command_that_reads_the_clock_names_reltag_now() {
    let env = TestEnv::new();
    let dir = env.repo("work");
    for command in ["cut", "schedule", "promote", "rollback", "status"] {
        let run = env.reltag(&dir, &[command, "--help"]);
        assert_eq!(run.code, 0, "{}", run.render());
        assert!(
            run.stdout.contains("RELTAG_NOW"),
            "{command}:\n{}",
            run.stdout
        );
    }
    let top = env.reltag(&dir, &["--help"]);
    assert!(top.stdout.contains("RELTAG_NOW"), "{}", top.stdout);
}

#[test]
fn status_says_what_no_waiting_fixes_a_person_who_may_not_deploy() {
    let env = TestEnv::new();
    let (_origin, work) = setup(&env, POLICY);
    cut(&env, &work, "v1.0.0", "2026-11-20T12:00:00Z");
    as_user(&env, &work, "dev@example.com");
    let run = at(
        &env,
        &work,
        "2026-11-24T12:00:00Z",
        &["--format", "json", "status", "--offline"],
    );
    assert_eq!(run.code, 0, "{}", run.render());
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let staging = &json["environments"][0];
    assert_eq!(staging["env"], "staging", "{}", run.stdout);
    assert_eq!(
        staging["waiting"][0]["problems"],
        serde_json::json!(["dev@example.com may not deploy to staging: only ops may"]),
        "{}",
        run.stdout
    );
    assert!(
        staging["next"]
            .as_str()
            .unwrap()
            .ends_with("dev@example.com may not deploy to staging: only ops may"),
        "{}",
        run.stdout
    );
}
