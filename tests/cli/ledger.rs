//! `approve` and `log` across two clones of one bare remote.

use crate::common::TestEnv;

#[test]
fn an_approval_recorded_in_one_clone_is_seen_with_author_and_time_in_another() {
    let env = TestEnv::new();
    let origin = env.bare("origin.git");
    let seed = env.repo("seed");
    std::fs::write(
        seed.join("policy.toml"),
        "[roles]\nqa-lead = [\"qa@example.com\"]\n",
    )
    .unwrap();
    env.git(&seed, &["add", "policy.toml"]);
    env.commit(&seed, "PAY-1: policy");
    env.git(&seed, &["branch", "release/v1.0.0"]);
    env.git(
        &seed,
        &[
            "push",
            "-q",
            origin.to_str().unwrap(),
            "main",
            "release/v1.0.0",
        ],
    );
    for clone in ["a", "b"] {
        env.git(
            env.tmp.path(),
            &["clone", "-q", origin.to_str().unwrap(), clone],
        );
    }
    let (a, b) = (env.path("a"), env.path("b"));
    let release_tip = env.git(&a, &["rev-parse", "origin/release/v1.0.0"]);

    // Not in the role: refused, nothing recorded.
    let refused = env.reltag(&a, &["approve", "v1.0.0", "--role", "qa-lead"]);
    assert_eq!(refused.code, 2, "{}", refused.render());
    assert!(
        env.git_output(&a, &["rev-parse", "--verify", "-q", "refs/reltag/ledger"])
            .stdout
            .is_empty()
    );

    env.git(&a, &["config", "user.email", "qa@example.com"]);
    let ok = env.reltag(&a, &["approve", "v1.0.0", "--role", "qa-lead"]);
    assert_eq!(ok.code, 0, "{}", ok.render());
    assert!(
        ok.stderr.contains(&format!(
            "recorded: qa@example.com approved v1.0.0 as qa-lead at commit {}",
            &release_tip[..12]
        )),
        "{}",
        ok.stderr
    );
    let again = env.reltag(&a, &["approve", "v1.0.0", "--role", "qa-lead"]);
    assert!(
        again.stderr.contains("had already approved"),
        "{}",
        again.stderr
    );

    let log = env.reltag(&b, &["--format", "json", "log"]);
    assert_eq!(log.code, 0, "{}", log.render());
    let doc: serde_json::Value = serde_json::from_str(&log.stdout).unwrap();
    let events = doc["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{}", log.stdout);
    assert_eq!(events[0]["event"], "approve");
    assert_eq!(events[0]["actor"], "qa@example.com");
    assert_eq!(events[0]["commit"], release_tip.as_str());
    assert_eq!(events[0]["time"], "2026-11-24T12:00:00Z");
    // Readable with plain git too.
    let plain = env.git(&b, &["log", "--format=%B", "refs/reltag/ledger"]);
    assert!(
        plain.contains("Event: approve") && plain.contains("Role: qa-lead"),
        "{plain}"
    );
}

// ---------------------------------------------------------------------------------------
// The ledger as the one source of truth, and its one write path, attacked end to end:
// real git, a bare remote, several clones.

use std::path::{Path, PathBuf};

use crate::common::Run;

const POLICY: &str = r#"version = 1
[commits]
require_jira = false
[release]
criteria = ["approvals"]
[release.approvals]
roles = ["qa-lead", "product-owner"]
[release.coverage]
report = "coverage/lcov.info"
[roles]
qa-lead = ["qa@example.com"]
product-owner = ["po@example.com"]
ops = ["ops@example.com"]
admin = ["admin@example.com"]
[environments.prod]
deployers = ["ops"]
"#;

/// The same policy with ledger admins (a key the ledger's recovery introduced).
fn policy_with_admins() -> String {
    format!("{POLICY}[ledger]\nadmins = [\"admin\"]\n")
}

/// A bare `origin` and clones on release/v1.0.0 with `policy` committed, as dev@example.com.
fn release_setup(env: &TestEnv, policy: &str, clones: &[&str]) -> PathBuf {
    let origin = env.bare("origin.git");
    let seed = env.repo("seed");
    std::fs::write(seed.join("policy.toml"), policy).unwrap();
    std::fs::write(seed.join(".gitignore"), "coverage/\n").unwrap();
    env.git(&seed, &["add", "."]);
    env.commit(&seed, "PAY-1: feat: first release");
    env.git(&seed, &["branch", "release/v1.0.0"]);
    let url = origin.to_str().unwrap();
    env.git(&seed, &["push", "-q", url, "main", "release/v1.0.0"]);
    for clone in clones {
        env.git(
            env.tmp.path(),
            &["clone", "-q", "-b", "release/v1.0.0", url, clone],
        );
        as_user(env, &env.path(clone), "dev@example.com");
    }
    origin
}

fn as_user(env: &TestEnv, dir: &Path, email: &str) {
    env.git(dir, &["config", "user.email", email]);
}

/// Runs reltag as `email` and asserts it exits `code`.
fn run_as(env: &TestEnv, dir: &Path, email: &str, args: &[&str], code: i32) -> Run {
    as_user(env, dir, email);
    let run = env.reltag(dir, args);
    as_user(env, dir, "dev@example.com");
    assert_eq!(
        run.code,
        code,
        "reltag {args:?} as {email}:\n{}",
        run.render()
    );
    run
}

use crate::promote::ledger_messages as messages;

fn count_events(env: &TestEnv, git_dir: &Path, needle: &str) -> usize {
    messages(env, git_dir)
        .iter()
        .filter(|m| m.contains(needle))
        .count()
}

fn has_ref(env: &TestEnv, dir: &Path, name: &str) -> bool {
    env.git_output(dir, &["rev-parse", "--verify", "-q", name])
        .status
        .success()
}

/// Pushes `message` as a new ledger commit on origin's tip, with a tree holding `files`
/// (path → content): what anyone with push access can do with plumbing.
fn push_forged(
    env: &TestEnv,
    dir: &Path,
    origin: &Path,
    message: &str,
    files: &[(&str, &str)],
) -> String {
    env.git(
        dir,
        &[
            "fetch",
            "-q",
            "origin",
            "+refs/reltag/ledger:refs/forge/base",
        ],
    );
    let index = env.path("forge.index");
    let _ = std::fs::remove_file(&index);
    let with_index = |args: &[&str]| {
        let out = env.git_env(dir, args, &[("GIT_INDEX_FILE", index.to_str().unwrap())]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    with_index(&["read-tree", "--empty"]);
    for (path, content) in files {
        let blob = env.git_stdin(dir, &["hash-object", "-w", "--stdin"], content.as_bytes());
        with_index(&[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("100644,{blob},{path}"),
        ]);
    }
    let tree = with_index(&["write-tree"]);
    let commit = env.git_stdin(
        dir,
        &["commit-tree", &tree, "-p", "refs/forge/base"],
        message.as_bytes(),
    );
    env.git(
        dir,
        &[
            "push",
            "-q",
            "--no-verify",
            origin.to_str().unwrap(),
            &format!("{commit}:refs/reltag/ledger"),
        ],
    );
    commit
}

/// An honest-looking event message (trailers as reltag writes them).
fn event_message(summary: &str, trailers: &[(&str, &str)]) -> String {
    let mut message = format!("{summary}\n\n");
    for (key, value) in trailers {
        message.push_str(&format!("{key}: {value}\n"));
    }
    message
}

/// A version record as the tree of a ledger commit held it before the state was a fold.
fn forged_version_json(
    version: &str,
    approvals: &[(&str, &str, &str)],
    cut: Option<(&str, &str)>,
) -> String {
    let approvals: Vec<serde_json::Value> = approvals
        .iter()
        .map(|(role, actor, commit)| {
            serde_json::json!({"role": role, "env": null, "actor": actor, "commit": commit,
                "time": "2026-11-24T11:00:00Z", "comment": null,
                "event_id": "00000000000000000000000000000001"})
        })
        .collect();
    let cut = cut.map(|(commit, tag_object)| {
        serde_json::json!({"commit": commit, "tag_object": tag_object, "actor": "release@example.com",
            "time": "2026-11-24T11:00:00Z", "emergency": false, "reason": null,
            "event_id": "00000000000000000000000000000002"})
    });
    serde_json::json!({"version": version, "approvals": approvals, "evidence": [], "cut": cut,
        "schedules": [], "deployments": [], "artifacts": []})
    .to_string()
}

/// A forged tree next to an honest message: cut must count only the approvals `log`
/// shows. (Before the state was a fold, cut read the tree and released.)
#[test]
fn forged_approvals_in_a_ledger_tree_count_for_nothing() {
    let env = TestEnv::new();
    let origin = release_setup(&env, POLICY, &["a", "m"]);
    let (a, m) = (env.path("a"), env.path("m"));
    run_as(
        &env,
        &a,
        "qa@example.com",
        &["approve", "v1.0.0", "--role", "qa-lead"],
        0,
    );
    let commit = env.git(&a, &["rev-parse", "HEAD"]);

    // Mallory records her own honest evidence event, with a tree that lists a
    // product-owner approval nobody recorded.
    let message = event_message(
        "evidence coverage pass for v1.0.0",
        &[
            ("Event", "evidence"),
            ("Version", "v1.0.0"),
            ("Commit", &commit),
            ("Criterion", "coverage"),
            ("Result", "pass"),
            ("Actor", "mallory@example.com"),
            ("Time", "2026-11-24T11:30:00Z"),
            ("Event-Id", "0123456789abcdef0123456789abcdef"),
            ("Ledger-Format", "1"),
        ],
    );
    let forged = forged_version_json(
        "v1.0.0",
        &[
            ("qa-lead", "qa@example.com", &commit),
            ("product-owner", "po@example.com", &commit),
        ],
        None,
    );
    push_forged(
        &env,
        &m,
        &origin,
        &message,
        &[
            ("ledger.json", r#"{"format": 1, "events": 2}"#),
            ("versions/v1.0.0.json", &forged),
        ],
    );

    let cut = env.reltag(&a, &["cut", "v1.0.0"]);
    assert_eq!(cut.code, 1, "{}", cut.render());
    assert!(
        cut.stdout.contains("product-owner"),
        "the missing approval is named: {}",
        cut.render()
    );
    assert!(
        !has_ref(&env, &origin, "refs/tags/v1.0.0"),
        "nothing was released"
    );
    assert!(!has_ref(&env, &a, "refs/tags/v1.0.0"));

    // The log and the state agree: one approval, by qa, and Mallory's evidence.
    let log = env.reltag(&a, &["--format", "json", "log", "--version", "v1.0.0"]);
    assert_eq!(log.code, 0, "{}", log.render());
    let doc: serde_json::Value = serde_json::from_str(&log.stdout).unwrap();
    let approvals: Vec<&serde_json::Value> = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "approve")
        .collect();
    assert_eq!(approvals.len(), 1, "{}", log.stdout);
    assert_eq!(approvals[0]["actor"], "qa@example.com");
}

/// A forged cut record in a tree: promote must refuse a version whose cut `log` does
/// not show. (Before the state was a fold, promote accepted it.)
#[test]
fn a_forged_cut_record_does_not_let_a_version_be_promoted() {
    let env = TestEnv::new();
    let origin = release_setup(&env, POLICY, &["a", "m"]);
    let (a, m) = (env.path("a"), env.path("m"));
    run_as(
        &env,
        &a,
        "qa@example.com",
        &["approve", "v1.0.0", "--role", "qa-lead"],
        0,
    );
    // A tag pushed with plain git: no cut event was ever recorded.
    env.git(&m, &["tag", "-a", "-m", "release v1.0.0", "v1.0.0"]);
    env.git(&m, &["push", "-q", "--no-verify", "origin", "v1.0.0"]);
    let commit = env.git(&m, &["rev-parse", "v1.0.0^{commit}"]);
    let tag_object = env.git(&m, &["rev-parse", "v1.0.0"]);
    let message = event_message(
        "approve v1.0.0 as qa-lead by qa@example.com",
        &[
            ("Event", "approve"),
            ("Version", "v1.0.0"),
            ("Commit", &commit),
            ("Role", "qa-lead"),
            ("Actor", "qa@example.com"),
            ("Time", "2026-11-24T11:30:00Z"),
            ("Event-Id", "0123456789abcdef0123456789abcdef"),
            ("Ledger-Format", "1"),
        ],
    );
    let forged = forged_version_json(
        "v1.0.0",
        &[("qa-lead", "qa@example.com", &commit)],
        Some((&commit, &tag_object)),
    );
    push_forged(
        &env,
        &m,
        &origin,
        &message,
        &[
            ("ledger.json", r#"{"format": 1, "events": 2}"#),
            ("versions/v1.0.0.json", &forged),
        ],
    );

    env.git(&a, &["fetch", "-q", "--tags", "origin"]);
    let promote = run_as(
        &env,
        &a,
        "ops@example.com",
        &["promote", "v1.0.0", "--to", "prod"],
        1,
    );
    assert!(
        promote.stdout.contains("promote-version") && promote.stdout.contains("never cut"),
        "{}",
        promote.render()
    );
    assert_eq!(count_events(&env, &origin, "Event: promote"), 0);
    let log = env.reltag(&a, &["log", "--event", "cut"]);
    assert!(
        log.stderr.contains("no matching events"),
        "{}",
        log.render()
    );
}

/// Pushes from `dir` go to a path that does not exist; fetches still work.
fn break_push_url(env: &TestEnv, dir: &Path) {
    env.git(
        dir,
        &["config", "remote.origin.pushurl", "/nonexistent/origin.git"],
    );
}

fn repair_push_url(env: &TestEnv, dir: &Path) {
    env.git(dir, &["config", "--unset", "remote.origin.pushurl"]);
}

/// A bare remote refusing every push (a server-side hook).
fn refuse_pushes(origin: &Path) {
    crate::promote::write_hook(
        origin,
        "pre-receive",
        "#!/bin/sh\necho 'refused by policy' >&2\nexit 1\n",
    );
}

fn accept_pushes(origin: &Path) {
    std::fs::remove_file(origin.join("hooks/pre-receive")).unwrap();
}

/// The approvals v1.0.0 needs, recorded from `a`.
fn approved(env: &TestEnv, a: &Path) {
    for (email, role) in [
        ("qa@example.com", "qa-lead"),
        ("po@example.com", "product-owner"),
    ] {
        run_as(env, a, email, &["approve", "v1.0.0", "--role", role], 0);
    }
}

fn released(env: &TestEnv, origin: &Path, a: &Path) {
    approved(env, a);
    let cut = env.reltag(a, &["cut", "v1.0.0"]);
    assert_eq!(cut.code, 0, "{}", cut.render());
    assert!(has_ref(env, origin, "refs/tags/v1.0.0"));
}

/// A promote or rollback whose push fails (refused, unreachable) exits non-zero and
/// leaves nothing that the next, unrelated write publishes. (Before the one write path,
/// its event stayed in the local ledger and `evidence record` pushed it.)
#[test]
fn a_failed_promote_or_rollback_leaves_nothing_a_later_write_publishes() {
    let env = TestEnv::new();
    let origin = release_setup(&env, POLICY, &["a"]);
    let a = env.path("a");
    released(&env, &origin, &a);
    std::fs::create_dir_all(a.join("coverage")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage/lcov-pass.info"),
        a.join("coverage/lcov.info"),
    )
    .unwrap();

    // Refused by the server.
    refuse_pushes(&origin);
    let refused = run_as(
        &env,
        &a,
        "ops@example.com",
        &["promote", "v1.0.0", "--to", "prod"],
        3,
    );
    assert!(
        refused.stderr.contains("refused by policy")
            || refused.stderr.contains("pre-receive hook declined"),
        "{}",
        refused.render()
    );
    accept_pushes(&origin);
    // Unreachable for pushes.
    break_push_url(&env, &a);
    run_as(
        &env,
        &a,
        "ops@example.com",
        &["promote", "v1.0.0", "--to", "prod"],
        3,
    );
    repair_push_url(&env, &a);
    assert_eq!(
        count_events(&env, &a, "Event: promote"),
        0,
        "nothing kept locally"
    );

    let evidence = env.reltag(&a, &["evidence", "record", "coverage", "v1.0.0"]);
    assert_eq!(evidence.code, 0, "{}", evidence.render());
    assert_eq!(count_events(&env, &origin, "Event: evidence"), 1);
    assert_eq!(count_events(&env, &origin, "Event: promote"), 0);

    // The same for a rollback: a second version in prod first.
    run_as(
        &env,
        &a,
        "ops@example.com",
        &["promote", "v1.0.0", "--to", "prod"],
        0,
    );
    env.git(&a, &["commit", "-q", "--allow-empty", "-m", "PAY-2: next"]);
    env.git(&a, &["tag", "-a", "-m", "release v1.1.0", "v1.1.0"]);
    env.git(&a, &["push", "-q", "--no-verify", "origin", "v1.1.0"]);
    record_cut(&env, &a, "v1.1.0");
    run_as(
        &env,
        &a,
        "ops@example.com",
        &["promote", "v1.1.0", "--to", "prod"],
        0,
    );
    let before = messages(&env, &origin).len();
    refuse_pushes(&origin);
    let args = ["rollback", "--env", "prod", "--reason", "error rate 5%"];
    run_as(&env, &a, "ops@example.com", &args, 3);
    accept_pushes(&origin);
    break_push_url(&env, &a);
    run_as(&env, &a, "ops@example.com", &args, 3);
    repair_push_url(&env, &a);
    assert_eq!(
        count_events(&env, &a, "Event: rollback"),
        0,
        "nothing kept locally"
    );
    let evidence = env.reltag(&a, &["evidence", "record", "coverage", "v1.1.0"]);
    assert_eq!(evidence.code, 0, "{}", evidence.render());
    assert_eq!(
        messages(&env, &origin).len(),
        before + 1,
        "only the evidence landed"
    );
    assert_eq!(count_events(&env, &origin, "Event: rollback"), 0);
}

/// A cut event recorded in the local ledger through the library, for a tag made with git
/// (what `cut --no-push` leaves behind).
fn record_cut(env: &TestEnv, dir: &Path, version: &str) {
    use reltag::ledger::{Cut, Event, EventBody, Ledger};
    let repo = gix::open(dir).unwrap();
    let id =
        |rev: &str| gix::ObjectId::from_hex(env.git(dir, &["rev-parse", rev]).as_bytes()).unwrap();
    let event = Event::new(
        EventBody::Cut(Cut {
            version: version.into(),
            tag_object: Some(id(version)),
            emergency: false,
            reason: None,
            artifacts: vec![],
        }),
        id(&format!("{version}^{{commit}}")),
        "release@example.com",
        "2026-11-24T11:45:00Z".parse().unwrap(),
    )
    .unwrap();
    Ledger::new(&repo).append(&event).unwrap();
}

/// Starts `reltag cut v1.0.0` in `a` while origin's pre-receive hook sleeps, and returns
/// the running process once its push has reached the hook.
fn cut_held_in_push(env: &TestEnv, origin: &Path, a: &Path) -> std::process::Child {
    let started = env.path("push-started");
    let slow = env.path("slow");
    std::fs::write(&slow, b"").unwrap();
    crate::promote::write_hook(
        origin,
        "pre-receive",
        &format!(
            "#!/bin/sh\nif [ -e '{slow}' ]; then touch '{started}'; sleep 4; fi\nexit 0\n",
            slow = slow.display(),
            started = started.display()
        ),
    );
    use std::os::unix::process::CommandExt;
    let mut child = env
        .reltag_command(a, &["cut", "v1.0.0"])
        .process_group(0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..600 {
        if started.exists() {
            std::fs::remove_file(&slow).unwrap();
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the cut's push never reached the remote");
}

/// A cut killed with its push (the whole process group): nothing reached the remote, and
/// nothing is left that the next write could publish — no cut event without its tag.
/// (Before the one write path, the local cut event and tag stayed, and the next write
/// pushed the event without the tag.)
#[test]
fn a_cut_killed_with_its_push_leaves_nothing_behind() {
    let env = TestEnv::new();
    let origin = release_setup(&env, POLICY, &["a"]);
    let a = env.path("a");
    approved(&env, &a);
    let mut child = cut_held_in_push(&env, &origin, &a);
    let killed = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait().unwrap();

    assert!(!has_ref(&env, &origin, "refs/tags/v1.0.0"));
    assert_eq!(count_events(&env, &origin, "Event: cut"), 0);
    assert!(!has_ref(&env, &a, "refs/tags/v1.0.0"), "no local tag");
    assert_eq!(
        count_events(&env, &a, "Event: cut"),
        0,
        "no local cut event"
    );

    // The next write publishes its own event only.
    let next = run_as(
        &env,
        &a,
        "qa@example.com",
        &["approve", "v1.0.1", "--role", "qa-lead", "--commit", "HEAD"],
        0,
    );
    assert!(
        next.stderr.contains("never reached origin"),
        "{}",
        next.render()
    );
    assert_eq!(count_events(&env, &origin, "Event: cut"), 0);
    assert!(!has_ref(&env, &origin, "refs/tags/v1.0.0"));
    // And the cut can be made again.
    let cut = env.reltag(&a, &["cut", "v1.0.0"]);
    assert_eq!(cut.code, 0, "{}", cut.render());
    assert_eq!(count_events(&env, &origin, "Event: cut"), 1);
}

/// A cut killed after handing its push to git: the push lands (tag and event together,
/// atomically); the next command adopts it here and says so.
#[test]
fn a_cut_killed_after_its_push_landed_is_completed_by_the_next_command() {
    let env = TestEnv::new();
    let origin = release_setup(&env, POLICY, &["a"]);
    let a = env.path("a");
    approved(&env, &a);
    let mut child = cut_held_in_push(&env, &origin, &a);
    child.kill().unwrap(); // reltag only: its `git push` goes on
    child.wait().unwrap();
    for _ in 0..200 {
        if has_ref(&env, &origin, "refs/tags/v1.0.0") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        has_ref(&env, &origin, "refs/tags/v1.0.0"),
        "the orphaned push landed"
    );
    assert_eq!(
        count_events(&env, &origin, "Event: cut"),
        1,
        "with its cut event"
    );

    let next = run_as(
        &env,
        &a,
        "qa@example.com",
        &["approve", "v1.0.1", "--role", "qa-lead", "--commit", "HEAD"],
        0,
    );
    assert!(
        next.stderr.contains("completed an interrupted write"),
        "{}",
        next.render()
    );
    assert!(
        has_ref(&env, &a, "refs/tags/v1.0.0"),
        "the tag is adopted locally"
    );
    assert_eq!(
        env.git(&a, &["rev-parse", "v1.0.0"]),
        env.git(&origin, &["rev-parse", "v1.0.0"])
    );
    assert_eq!(count_events(&env, &origin, "Event: cut"), 1);
    assert_eq!(count_events(&env, &a, "Event: cut"), 1);
}

/// `cut --no-push` is a choice to publish later: the next write publishes the cut event
/// and its tag together, never one without the other.
#[test]
fn a_cut_recorded_locally_is_published_later_with_its_tag() {
    let env = TestEnv::new();
    let origin = release_setup(&env, POLICY, &["a"]);
    let a = env.path("a");
    approved(&env, &a);
    let cut = env.reltag(&a, &["cut", "v1.0.0", "--no-push"]);
    assert_eq!(cut.code, 0, "{}", cut.render());
    assert!(has_ref(&env, &a, "refs/tags/v1.0.0"));
    assert!(!has_ref(&env, &origin, "refs/tags/v1.0.0"));
    assert_eq!(count_events(&env, &origin, "Event: cut"), 0);

    let next = run_as(
        &env,
        &a,
        "qa@example.com",
        &["approve", "v1.0.1", "--role", "qa-lead", "--commit", "HEAD"],
        0,
    );
    assert_eq!(count_events(&env, &origin, "Event: cut"), 1);
    assert!(
        has_ref(&env, &origin, "refs/tags/v1.0.0"),
        "the tag went with its event"
    );
    assert_eq!(
        env.git(&origin, &["rev-parse", "v1.0.0"]),
        env.git(&a, &["rev-parse", "v1.0.0"])
    );
    assert!(
        next.stderr.contains("recorded earlier without pushing"),
        "{}",
        next.render()
    );
}

/// N clones each recording `per_clone` approvals at the same instant against one bare
/// remote: every command that exits 0 is recorded exactly once, every other nowhere, now
/// and after later syncs; under this contention all of them succeed.
fn clones_recording_at_once(clones: usize, per_clone: usize) {
    let env = TestEnv::new();
    let names: Vec<String> = (0..clones).map(|n| format!("c{n}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let origin = release_setup(&env, POLICY, &refs);
    for name in &names {
        as_user(&env, &env.path(name), "qa@example.com");
    }
    let barrier = std::sync::Barrier::new(clones);
    let results: Vec<(String, i32, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(n, name)| {
                let (env, barrier) = (&env, &barrier);
                scope.spawn(move || {
                    let dir = env.path(name);
                    barrier.wait();
                    (0..per_clone)
                        .map(|i| {
                            let version = format!("v{}.{i}.0", n + 1);
                            let run = env.reltag(
                                &dir,
                                &["approve", &version, "--role", "qa-lead", "--commit", "HEAD"],
                            );
                            (version, run.code, run.render())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let check = |git_dir: &Path| {
        let messages = messages(&env, git_dir);
        for (version, code, render) in &results {
            let recorded = messages
                .iter()
                .filter(|m| m.contains(&format!("Version: {version}\n")))
                .count();
            let expected = usize::from(*code == 0);
            assert_eq!(
                recorded, expected,
                "{version} exited {code}, recorded {recorded} times:\n{render}"
            );
        }
    };
    check(&origin);
    let failed: Vec<&(String, i32, String)> = results.iter().filter(|r| r.1 != 0).collect();
    assert!(
        failed.is_empty(),
        "{} of {} failed, e.g.:\n{}",
        failed.len(),
        results.len(),
        failed[0].2
    );
    // Later syncs change nothing.
    for name in &names {
        let dir = env.path(name);
        let log = env.reltag(&dir, &["log", "-n", "1"]);
        assert_eq!(log.code, 0, "{}", log.render());
        let later = env.reltag(
            &dir,
            &[
                "approve", "v99.0.0", "--role", "qa-lead", "--commit", "HEAD",
            ],
        );
        assert_eq!(later.code, 0, "{}", later.render());
        check(&dir);
    }
    check(&origin);
    assert_eq!(messages(&env, &origin).len(), clones * per_clone + 1);
}

#[test]
fn two_clones_recording_ten_events_each_at_once_all_succeed_once() {
    clones_recording_at_once(2, 10);
}

#[test]
fn eight_clones_recording_ten_events_each_at_once_all_succeed_once() {
    clones_recording_at_once(8, 10);
}

/// A remote whose ledger was deleted is tampering for readers too: `log` and `status`
/// exit 3 and say how to restore it. (Before, readers exited 0.)
#[test]
fn a_deleted_remote_ledger_is_reported_by_log_and_status() {
    let env = TestEnv::new();
    let origin = release_setup(&env, POLICY, &["a", "b"]);
    let (a, b) = (env.path("a"), env.path("b"));
    run_as(
        &env,
        &a,
        "qa@example.com",
        &["approve", "v1.0.0", "--role", "qa-lead"],
        0,
    );
    let log = env.reltag(&b, &["log"]);
    assert_eq!(log.code, 0, "{}", log.render());

    env.git(&origin, &["update-ref", "-d", "refs/reltag/ledger"]);
    for args in [&["log"][..], &["status"][..]] {
        let run = env.reltag(&b, args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.render());
        assert!(
            run.stderr.contains("deleted its ledger"),
            "{}",
            run.render()
        );
        assert!(
            run.stderr
                .contains("git push origin refs/reltag-remote/origin/ledger:refs/reltag/ledger"),
            "says how to restore it: {}",
            run.render()
        );
    }
    // Writers refuse too, and record nothing.
    run_as(
        &env,
        &b,
        "po@example.com",
        &["approve", "v1.0.0", "--role", "product-owner"],
        3,
    );
    assert!(!has_ref(&env, &origin, "refs/reltag/ledger"));

    // The fix it gives works.
    env.git(
        &b,
        &[
            "push",
            "-q",
            "--no-verify",
            "origin",
            "refs/reltag-remote/origin/ledger:refs/reltag/ledger",
        ],
    );
    let log = env.reltag(&b, &["log"]);
    assert_eq!(log.code, 0, "{}", log.render());
    assert!(
        log.stdout.contains("approve v1.0.0 as qa-lead"),
        "{}",
        log.render()
    );
}

/// One malformed event pushed by anyone stops readers and writers with its sha and the
/// way out; a ledger admin's void repairs it, append-only, and everyone goes on. A void
/// by anyone else counts for nothing.
#[test]
fn a_malformed_event_is_repaired_by_an_admins_void() {
    let env = TestEnv::new();
    let origin = release_setup(&env, &policy_with_admins(), &["a", "b", "m"]);
    let (a, b, m) = (env.path("a"), env.path("b"), env.path("m"));
    run_as(
        &env,
        &a,
        "qa@example.com",
        &["approve", "v1.0.0", "--role", "qa-lead"],
        0,
    );
    let bad = push_forged(&env, &m, &origin, "I approve, trust me\n", &[]);

    let log = env.reltag(&b, &["log"]);
    assert_eq!(log.code, 3, "{}", log.render());
    assert!(
        log.stderr.contains(&bad),
        "names the commit: {}",
        log.render()
    );
    assert!(
        log.stderr.contains(&format!("reltag void {bad}")),
        "{}",
        log.render()
    );
    run_as(
        &env,
        &b,
        "po@example.com",
        &["approve", "v1.0.0", "--role", "product-owner"],
        3,
    );

    // Only an admin may void; a void pushed by someone else changes nothing.
    let refused = run_as(
        &env,
        &b,
        "dev@example.com",
        &["void", &bad, "--reason", "junk"],
        2,
    );
    assert!(
        refused.stderr.contains("not a ledger admin"),
        "{}",
        refused.render()
    );
    let forged_void = event_message(
        &format!("void ledger commit {}: junk", &bad[..12]),
        &[
            ("Event", "void"),
            ("Commit", &bad),
            ("Reason", "junk"),
            ("Actor", "mallory@example.com"),
            ("Time", "2026-11-24T11:50:00Z"),
            ("Event-Id", "fedcba9876543210fedcba9876543210"),
            ("Ledger-Format", "2"),
        ],
    );
    push_forged(&env, &m, &origin, &forged_void, &[]);
    let log = env.reltag(&b, &["log"]);
    assert_eq!(
        log.code,
        3,
        "a void by a non-admin repairs nothing: {}",
        log.render()
    );

    let void = run_as(
        &env,
        &b,
        "admin@example.com",
        &["void", &bad, "--reason", "pushed by mistake"],
        0,
    );
    assert!(
        void.stderr
            .contains("recorded: admin@example.com voided ledger commit"),
        "{}",
        void.render()
    );

    // Readers and writers go on, in every clone; the log shows the void.
    let log = env.reltag(&a, &["log"]);
    assert_eq!(log.code, 0, "{}", log.render());
    assert!(
        log.stdout.contains(&format!(
            "void ledger commit {}: pushed by mistake",
            &bad[..12]
        )),
        "{}",
        log.render()
    );
    assert!(
        log.stdout
            .contains("[does not count: a void by mallory@example.com, who is not a ledger admin]"),
        "{}",
        log.render()
    );
    run_as(
        &env,
        &a,
        "po@example.com",
        &["approve", "v1.0.0", "--role", "product-owner"],
        0,
    );

    // A valid event recorded by mistake can be voided too: it stays, and counts for nothing.
    let log = env.reltag(&a, &["--format", "json", "log", "--event", "approve"]);
    let doc: serde_json::Value = serde_json::from_str(&log.stdout).unwrap();
    let po = doc["events"][0]["ledger_commit"]
        .as_str()
        .unwrap()
        .to_string();
    run_as(
        &env,
        &a,
        "admin@example.com",
        &["void", &po, "--reason", "approved the wrong build"],
        0,
    );
    let log = env.reltag(&b, &["--format", "json", "log", "--event", "approve"]);
    assert_eq!(log.code, 0, "{}", log.render());
    let doc: serde_json::Value = serde_json::from_str(&log.stdout).unwrap();
    let events = doc["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{}", log.stdout);
    assert_eq!(events[0]["counts"], false);
    assert!(
        events[0]["not_counted"]
            .as_str()
            .unwrap()
            .starts_with("voided by ledger commit")
    );
    assert_eq!(events[1]["counts"], true);
}
