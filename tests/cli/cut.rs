//! `reltag cut`, `notes` and `evidence record` against real repositories and a bare remote.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;

const POLICY: &str = r#"
[commits]
require_jira = false
[release]
criteria = ["coverage", "perf", "docs", "approvals"]
[release.coverage]
min_percent = 90.0
report = "coverage/lcov.info"
[release.perf]
report = "perf/results.jtl"
p95_ms = 200
max_error_percent = 1.0
[release.approvals]
roles = ["qa-lead"]
[roles]
qa-lead = ["qa@example.com"]
cto = ["cto@example.com"]
[emergency]
approvers = ["cto"]
jira_prefix = "HOTFIX"
may_skip = ["perf"]
"#;

pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

/// A bare remote and a clone `name` on release/v1.0.0 with the policy and docs, reports
/// ignored by git.
pub fn setup(env: &TestEnv, clones: &[&str]) -> PathBuf {
    let origin = env.bare("origin.git");
    let seed = env.repo("seed");
    std::fs::write(seed.join("policy.toml"), POLICY).unwrap();
    std::fs::write(seed.join(".gitignore"), "coverage/\nperf/\n").unwrap();
    std::fs::write(seed.join("CHANGELOG.md"), "# 1.0.0\n").unwrap();
    env.git(&seed, &["add", "."]);
    env.commit(&seed, "PAY-1: feat: first release");
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
    for clone in clones {
        env.git(
            env.tmp.path(),
            &[
                "clone",
                "-q",
                "-b",
                "release/v1.0.0",
                origin.to_str().unwrap(),
                clone,
            ],
        );
        env.git(
            &env.path(clone),
            &["config", "user.email", "dev@example.com"],
        );
        reports(&env.path(clone), "lcov-pass.info", "pass-header.jtl");
    }
    origin
}

fn reports(dir: &Path, coverage: &str, jtl: &str) {
    std::fs::create_dir_all(dir.join("coverage")).unwrap();
    std::fs::create_dir_all(dir.join("perf")).unwrap();
    std::fs::copy(
        fixture(&format!("coverage/{coverage}")),
        dir.join("coverage/lcov.info"),
    )
    .unwrap();
    std::fs::copy(
        fixture(&format!("jmeter/{jtl}")),
        dir.join("perf/results.jtl"),
    )
    .unwrap();
}

fn approve(env: &TestEnv, dir: &Path, role: &str, email: &str) {
    env.git(dir, &["config", "user.email", email]);
    let run = env.reltag(dir, &["approve", "v1.0.0", "--role", role]);
    assert_eq!(run.code, 0, "{}", run.render());
    env.git(dir, &["config", "user.email", "dev@example.com"]);
}

fn has_ref(env: &TestEnv, dir: &Path, name: &str) -> bool {
    env.git_output(dir, &["rev-parse", "--verify", "-q", name])
        .status
        .success()
}

#[test]
fn dry_run_explains_a_blocked_release_then_the_cut_pushes_tag_and_ledger() {
    let env = TestEnv::new();
    let origin = setup(&env, &["a"]);
    let a = env.path("a");
    reports(&a, "lcov-fail.info", "fail.jtl");

    let dry = env.reltag(&a, &["cut", "v1.0.0", "--dry-run"]);
    assert_eq!(dry.code, 1, "{}", dry.render());
    for text in [
        "coverage 60% ≥ 90% blocked",
        "release-coverage",
        "release-perf",
        "POST /api/payments: p95",
        "docs 1 changed (CHANGELOG.md)",
        "qa-lead has not approved v1.0.0",
        "Changes (first release)",
        "### PAY-1",
    ] {
        assert!(
            dry.stdout.contains(text),
            "missing {text:?}:\n{}",
            dry.render()
        );
    }
    assert!(!has_ref(&env, &a, "refs/tags/v1.0.0"));

    reports(&a, "lcov-pass.info", "pass-header.jtl");
    approve(&env, &a, "qa-lead", "qa@example.com");
    let dry = env.reltag(&a, &["cut", "v1.0.0", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.render());
    assert!(
        dry.stdout.contains("coverage 95% ≥ 90% ok"),
        "{}",
        dry.stdout
    );
    assert!(!has_ref(&env, &a, "refs/tags/v1.0.0"));

    let cut = env.reltag(&a, &["cut", "v1.0.0"]);
    assert_eq!(cut.code, 0, "{}", cut.render());
    assert_eq!(env.git(&a, &["cat-file", "-t", "v1.0.0"]), "tag");
    let message = env.git(&a, &["tag", "-l", "--format=%(contents)", "v1.0.0"]);
    assert!(message.contains("PAY-1"), "{message}");
    let remote_tag = env.git(&origin, &["rev-parse", "v1.0.0^{commit}"]);
    assert_eq!(remote_tag, env.git(&a, &["rev-parse", "HEAD"]));
    let log = env.git(&origin, &["log", "-1", "--format=%B", "refs/reltag/ledger"]);
    assert!(
        log.contains("Event: cut") && log.contains("Version: v1.0.0"),
        "{log}"
    );
}

#[test]
fn bad_versions_are_refused_with_their_rule() {
    let env = TestEnv::new();
    setup(&env, &["a"]);
    let a = env.path("a");
    for (version, rule) in [
        ("v1.2", "tag-semver"),
        ("1.0.0", "tag-format"),
        ("v01.0.0", "tag-"),
    ] {
        let run = env.reltag(&a, &["cut", version, "--dry-run"]);
        assert_eq!(run.code, 1, "{version}: {}", run.render());
        assert!(run.stdout.contains(rule), "{version}: {}", run.render());
    }
    env.git(&a, &["tag", "v1.0.0"]);
    let run = env.reltag(&a, &["cut", "v1.0.0", "--dry-run"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stdout.contains("lightweight tag"), "{}", run.render());
    let run = env.reltag(&a, &["cut", "v1.0.0+build", "--dry-run"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stdout.contains("same precedence"), "{}", run.render());
}

#[test]
fn a_remote_tag_on_another_commit_blocks() {
    let env = TestEnv::new();
    let origin = setup(&env, &["a", "b"]);
    let b = env.path("b");
    env.commit(&b, "PAY-2: other");
    env.git(&b, &["tag", "-a", "-m", "x", "v1.0.0"]);
    env.git(
        &b,
        &[
            "push",
            "-q",
            "--no-verify",
            origin.to_str().unwrap(),
            "v1.0.0",
        ],
    );
    let a = env.path("a");
    let run = env.reltag(&a, &["cut", "v1.0.0", "--dry-run"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout
            .contains("already exists on the remote on another commit"),
        "{}",
        run.render()
    );
}

#[test]
fn an_unreachable_remote_leaves_nothing_behind() {
    let env = TestEnv::new();
    let origin = setup(&env, &["a"]);
    let a = env.path("a");
    approve(&env, &a, "qa-lead", "qa@example.com");
    let before = env.git(&a, &["rev-parse", "refs/reltag/ledger"]);
    // The fetch works, the push does not: a pre-receive hook on the remote refuses.
    std::fs::write(origin.join("hooks/pre-receive"), "#!/bin/sh\nexit 1\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            origin.join("hooks/pre-receive"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let run = env.reltag(&a, &["cut", "v1.0.0"]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(!has_ref(&env, &a, "refs/tags/v1.0.0"));
    assert_eq!(env.git(&a, &["rev-parse", "refs/reltag/ledger"]), before);
    assert!(!has_ref(&env, &origin, "refs/tags/v1.0.0"));
}

#[test]
fn two_clones_cutting_the_same_version_at_once_one_wins_the_other_is_left_clean() {
    let env = TestEnv::new();
    let origin = setup(&env, &["a", "b"]);
    let (a, b) = (env.path("a"), env.path("b"));
    approve(&env, &a, "qa-lead", "qa@example.com");
    let run = env.reltag(&b, &["log"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let (ra, rb) = std::thread::scope(|s| {
        let ta = s.spawn(|| env.reltag(&a, &["cut", "v1.0.0"]));
        let tb = s.spawn(|| env.reltag(&b, &["cut", "v1.0.0"]));
        (ta.join().unwrap(), tb.join().unwrap())
    });
    let codes = [ra.code, rb.code];
    assert!(
        codes.contains(&0) && codes.contains(&1),
        "a: {}\nb: {}",
        ra.render(),
        rb.render()
    );
    let (loser_dir, loser) = if ra.code == 1 { (&a, &ra) } else { (&b, &rb) };
    assert!(
        loser.stdout.contains("already exists on the remote")
            || loser.stdout.contains("someone else released v1.0.0 first"),
        "{}",
        loser.render()
    );
    assert!(
        loser.stdout.contains("dev@example.com"),
        "the loser is told who won: {}",
        loser.render()
    );
    assert!(
        !has_ref(&env, loser_dir, "refs/tags/v1.0.0"),
        "the loser keeps no tag"
    );
    let log = env.git(loser_dir, &["log", "--format=%s", "refs/reltag/ledger"]);
    assert!(
        !log.lines().any(|l| l.starts_with("cut "))
            || env.git(loser_dir, &["rev-parse", "refs/reltag/ledger"])
                == env.git(&origin, &["rev-parse", "refs/reltag/ledger"]),
        "the loser keeps no cut event of its own: {log}"
    );
    let remote_log = env.git(&origin, &["log", "--format=%s", "refs/reltag/ledger"]);
    assert_eq!(
        remote_log
            .lines()
            .filter(|l| l.starts_with("cut v1.0.0"))
            .count(),
        1,
        "{remote_log}"
    );
}

#[test]
fn ci_and_bugs_without_credentials_block_with_exit_3_and_say_what_to_set() {
    let env = TestEnv::new();
    setup(&env, &["a"]);
    let a = env.path("a");
    std::fs::write(
        a.join("policy.toml"),
        POLICY.replace(
            r#"criteria = ["coverage", "perf", "docs", "approvals"]"#,
            "criteria = [\"ci\", \"bugs\"]\n[release.bugs]\njql = \"fixVersion = {version}\"",
        ),
    )
    .unwrap();
    env.git(&a, &["commit", "-qam", "PAY-3: policy"]);
    let run = env.reltag(&a, &["cut", "v1.0.0", "--dry-run"]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stdout
            .contains("error[release-ci] the ci criterion cannot be evaluated: no GitHub token"),
        "{}",
        run.render()
    );
    assert!(
        run.stdout.contains("hint: set GITHUB_TOKEN"),
        "{}",
        run.render()
    );
    assert!(
        run.stdout
            .contains("error[release-bugs] the bugs criterion cannot be evaluated: no Jira URL"),
        "{}",
        run.render()
    );
}

#[test]
fn dry_run_lists_the_open_critical_bugs_that_block_the_release() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    let fixture = |name: &str| -> serde_json::Value {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/jira")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
    };
    let jira = crate::common::MockApi::start();
    jira.mount(
        Mock::given(method("POST"))
            .and(path("/rest/api/3/search/jql"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("cloud_search_page2.json")),
            ),
    );
    let env = TestEnv::new();
    setup(&env, &["a"]);
    let a = env.path("a");
    std::fs::write(
        a.join("policy.toml"),
        POLICY.replace(
            r#"criteria = ["coverage", "perf", "docs", "approvals"]"#,
            &format!(
                "criteria = [\"bugs\"]\n[release.bugs]\njql = \"fixVersion = {{version}} AND priority = Critical\"\n[jira]\nurl = \"{}\"",
                jira.uri()
            ),
        ),
    )
    .unwrap();
    env.git(&a, &["commit", "-qam", "PAY-3: policy"]);
    let run = env.reltag_with(
        &a,
        &["cut", "v1.0.0", "--dry-run"],
        &[
            ("JIRA_EMAIL", "rm@example.com"),
            ("JIRA_API_TOKEN", "s3cret-token"),
        ],
        None,
    );
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains("error[release-bugs] PAY-103 \"Invoice PDF is blank\" (Critical, In Review) blocks the release"),
        "{}",
        run.render()
    );
    assert!(
        run.stdout.contains("note: bugs 1 open ≤ 0 blocked"),
        "{}",
        run.render()
    );
    assert!(!run.render().contains("s3cret-token"));
    // A dry run writes nothing.
    assert!(
        env.git_output(&a, &["rev-parse", "--verify", "-q", "refs/tags/v1.0.0"])
            .stdout
            .is_empty()
    );
}

#[test]
fn a_broken_report_names_the_file_and_line_and_is_undecided() {
    let env = TestEnv::new();
    setup(&env, &["a"]);
    let a = env.path("a");
    reports(&a, "lcov-malformed.info", "truncated.jtl");
    let run = env.reltag(&a, &["cut", "v1.0.0", "--dry-run"]);
    assert_eq!(run.code, 3, "{}", run.render());
    assert!(
        run.stdout.contains("coverage/lcov.info:4"),
        "{}",
        run.render()
    );
    assert!(run.stdout.contains("perf/results.jtl:"), "{}", run.render());
}

#[test]
fn evidence_recorded_for_the_commit_counts_when_the_report_is_absent() {
    let env = TestEnv::new();
    setup(&env, &["a"]);
    let a = env.path("a");
    let run = env.reltag(
        &a,
        &[
            "evidence",
            "record",
            "coverage",
            "--report",
            "coverage/lcov.info",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.render());
    std::fs::remove_file(a.join("coverage/lcov.info")).unwrap();
    let run = env.reltag(&a, &["cut", "v1.0.0", "--dry-run"]);
    assert!(
        run.stdout
            .contains("coverage 95% ≥ 90% ok [recorded by dev@example.com"),
        "{}",
        run.render()
    );
    let failing = env.reltag(
        &a,
        &[
            "evidence",
            "record",
            "perf",
            "--report",
            &fixture("jmeter/fail.jtl").display().to_string(),
        ],
    );
    assert_eq!(failing.code, 1, "{}", failing.render());
    let missing = env.reltag(
        &a,
        &["evidence", "record", "coverage", "--report", "nope.info"],
    );
    assert_eq!(missing.code, 3, "{}", missing.render());
    // The criteria decided at cut time are not recorded, whichever the registry lists.
    let docs = env.reltag(&a, &["evidence", "record", "docs"]);
    assert_eq!(docs.code, 2, "{}", docs.render());
    assert!(
        docs.stderr
            .contains("error: evidence is recorded for coverage, perf or bugs, not `docs`"),
        "{}",
        docs.render()
    );
}

#[test]
fn hotfix_needs_an_emergency_approval_and_a_hotfix_key() {
    let env = TestEnv::new();
    setup(&env, &["a"]);
    let a = env.path("a");
    approve(&env, &a, "qa-lead", "qa@example.com");
    let run = env.reltag(
        &a,
        &[
            "cut",
            "v1.0.0",
            "--hotfix",
            "--reason",
            "payments down",
            "--dry-run",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stdout.contains("release-emergency"), "{}", run.render());
    assert!(
        run.stdout.contains("perf skipped (emergency)"),
        "{}",
        run.render()
    );
    let no_reason = env.reltag(&a, &["cut", "v1.0.0", "--hotfix"]);
    assert_eq!(no_reason.code, 2, "{}", no_reason.render());
}

#[test]
fn notes_group_by_jira_key() {
    let env = TestEnv::new();
    let dir = env.repo("r");
    env.commit(&dir, "PAY-1: feat: one");
    env.git(&dir, &["tag", "-a", "-m", "v1.0.0", "v1.0.0"]);
    env.commit(&dir, "PAY-2: fix: two");
    env.commit(&dir, "chore: three");
    env.commit(&dir, "feat!: PAY-2 four");
    let run = env.reltag(&dir, &["notes"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(run.stdout.contains("since v1.0.0"), "{}", run.stdout);
    assert!(
        run.stdout.contains("### PAY-2\n- PAY-2: fix: two"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("[BREAKING]"), "{}", run.stdout);
    assert!(
        run.stdout.contains("### Other changes\n- chore: three"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("one"), "{}", run.stdout);
    assert!(run.stdout.contains("Contributors: Dev"), "{}", run.stdout);
}

#[test]
fn sign_makes_a_tag_signed_with_the_users_ssh_signing_configuration() {
    let env = TestEnv::new();
    let origin = setup(&env, &["a"]);
    let a = env.path("a");
    approve(&env, &a, "qa-lead", "qa@example.com");
    // The user's own signing set-up, as git reads it: an SSH key, no passphrase.
    let key = env.path("signing_key");
    let keygen = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "dev@example.com",
            "-f",
        ])
        .arg(&key)
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{keygen:?}");
    env.git(&a, &["config", "gpg.format", "ssh"]);
    env.git(&a, &["config", "user.signingkey", key.to_str().unwrap()]);

    let cut = env.reltag(&a, &["cut", "v1.0.0", "--sign"]);
    assert_eq!(cut.code, 0, "{}", cut.render());
    let tag = env.git(&a, &["cat-file", "tag", "v1.0.0"]);
    assert!(tag.contains("-----BEGIN SSH SIGNATURE-----"), "{tag}");
    assert!(tag.contains("PAY-1"), "the notes are the message: {tag}");
    // git itself verifies it against the key, and the signed tag is what reached the remote.
    let public = std::fs::read_to_string(env.path("signing_key.pub")).unwrap();
    let allowed = env.path("allowed_signers");
    std::fs::write(&allowed, format!("dev@example.com {public}")).unwrap();
    let verify = env.git_output(
        &a,
        &[
            "-c",
            &format!("gpg.ssh.allowedSignersFile={}", allowed.display()),
            "tag",
            "-v",
            "v1.0.0",
        ],
    );
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert_eq!(
        env.git(&origin, &["rev-parse", "v1.0.0"]),
        env.git(&a, &["rev-parse", "v1.0.0"])
    );
}

#[test]
fn sign_without_a_usable_key_exits_3_and_leaves_nothing_behind() {
    let env = TestEnv::new();
    let origin = setup(&env, &["a"]);
    let a = env.path("a");
    approve(&env, &a, "qa-lead", "qa@example.com");
    env.git(&a, &["config", "gpg.format", "ssh"]);
    env.git(
        &a,
        &[
            "config",
            "user.signingkey",
            env.path("no-such-key").to_str().unwrap(),
        ],
    );
    let ledger_before = env
        .git_output(&a, &["rev-parse", "-q", "--verify", "refs/reltag/ledger"])
        .stdout;
    let cut = env.reltag(&a, &["cut", "v1.0.0", "--sign"]);
    assert_eq!(cut.code, 3, "{}", cut.render());
    assert!(
        cut.stderr
            .contains("hint: check your signing configuration"),
        "{}",
        cut.render()
    );
    assert!(!has_ref(&env, &a, "refs/tags/v1.0.0"));
    assert!(!has_ref(&env, &origin, "refs/tags/v1.0.0"));
    assert_eq!(
        env.git_output(&a, &["rev-parse", "-q", "--verify", "refs/reltag/ledger"])
            .stdout,
        ledger_before,
        "no cut event was recorded"
    );
}

/// An approval voided on the remote ledger while a cut is deciding: the cut read the
/// approval, but its write (which fetches the remote ledger under its lease) sees the
/// void, decides again (`release::cut::decide_again`) and refuses — exit 3, nothing
/// tagged, recorded or pushed. The void lands deterministically between the decision and
/// the write: the policy's `command` criterion, run during the decision, records it from
/// a second clone.
#[test]
fn an_approval_voided_on_the_remote_while_cutting_stops_the_cut() {
    let env = TestEnv::new();
    let origin = setup(&env, &["a", "b"]);
    let (a, b) = (env.path("a"), env.path("b"));
    // The policy gains a ledger admin and a command criterion that voids, from clone b,
    // the approval named in $VOID (a no-op when unset).
    let policy = format!(
        "{POLICY}[ledger]\nadmins = [\"admin\"]\n[release.command]\nargv = [\"sh\", \"-c\", \"test -z \\\"$VOID\\\" || (cd \\\"$OTHER\\\" && \\\"$RELTAG\\\" void \\\"$VOID\\\" --reason mid-cut >&2)\"]\n"
    )
    .replace(
        "criteria = [\"coverage\", \"perf\", \"docs\", \"approvals\"]",
        "criteria = [\"coverage\", \"perf\", \"docs\", \"approvals\", \"command\"]",
    )
    .replace("cto = [", "admin = [\"admin@example.com\"]\ncto = [");
    std::fs::write(a.join("policy.toml"), &policy).unwrap();
    env.git(
        &a,
        &["commit", "-q", "-am", "PAY-2: a ledger admin and a command"],
    );
    env.git(&a, &["push", "-q", "origin", "release/v1.0.0"]);
    env.git(&b, &["pull", "-q", "origin", "release/v1.0.0"]);
    approve(&env, &b, "qa-lead", "qa@example.com");
    let log = env.reltag(&b, &["--format", "json", "log", "--event", "approve"]);
    let doc: serde_json::Value = serde_json::from_str(&log.stdout).unwrap();
    let approval = doc["events"][0]["ledger_commit"]
        .as_str()
        .unwrap()
        .to_string();
    env.git(&b, &["config", "user.email", "admin@example.com"]);

    // Without the void the cut would go ahead.
    let dry = env.reltag(&a, &["cut", "v1.0.0", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.render());

    let other = b.display().to_string();
    let cut = env.reltag_with(
        &a,
        &["cut", "v1.0.0"],
        &[
            ("VOID", approval.as_str()),
            ("OTHER", other.as_str()),
            ("RELTAG", env!("CARGO_BIN_EXE_reltag")),
        ],
        None,
    );
    assert_eq!(cut.code, 3, "{}", cut.render());
    assert!(
        cut.stderr
            .contains("the ledger changed while cutting v1.0.0")
            && cut.stderr.contains("nothing was tagged or recorded"),
        "{}",
        cut.render()
    );
    // The void is on the remote; no tag anywhere, no cut event.
    assert!(!has_ref(&env, &a, "refs/tags/v1.0.0"));
    assert!(!has_ref(&env, &origin, "refs/tags/v1.0.0"));
    let remote_ledger = env.git(&origin, &["log", "--format=%B", "refs/reltag/ledger"]);
    assert!(remote_ledger.contains("Event: void"), "{remote_ledger}");
    assert!(!remote_ledger.contains("Event: cut"), "{remote_ledger}");

    // Decided again with what the ledger holds now, the cut is blocked: no approval.
    let again = env.reltag(&a, &["cut", "v1.0.0", "--dry-run"]);
    assert_eq!(again.code, 1, "{}", again.render());
    assert!(
        again.stdout.contains("release-approvals"),
        "{}",
        again.render()
    );
}
