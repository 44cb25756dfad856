//! Signed ledger events (`[ledger] require_signed`): real SSH keys made by `ssh-keygen`,
//! two clones of one bare remote, and approvals forged with git plumbing in another
//! member's name, which must count nowhere and be named.

use std::path::{Path, PathBuf};

use serde_json::Value;

use reltag::ledger::{Cut, Event, EventBody, Evidence, EvidenceResult, Promote};

use crate::common::TestEnv;

/// A key pair made by `ssh-keygen` in the test's directory: (private key path, public
/// key line).
fn keygen(env: &TestEnv, name: &str) -> (PathBuf, String) {
    let dir = env.path("keys");
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join(name);
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    // `ssh-ed25519 AAAA…`, without the comment.
    let public = public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    (key, public)
}

/// An approval of v1.0.0 as qa by qa@example.com of `commit`, as an event message.
pub(crate) fn forged_approval_message(n: u32, commit: &str) -> String {
    format!(
        "approve v1.0.0 as qa by qa@example.com\n\n\
         Event: approve\nVersion: v1.0.0\nCommit: {commit}\nRole: qa\n\
         Actor: qa@example.com\nTime: 2026-11-24T12:00:00Z\n\
         Event-Id: {n:032x}\nLedger-Format: 1\n"
    )
}

/// A ledger commit with `message`, committed as `actor` at the test's time, written with
/// git plumbing in the clone `dir` on top of origin's ledger and pushed there: signed with
/// git's `-c` settings `signing` (the format and the key), or not at all. Returns it.
pub(crate) fn forge_ledger_commit(
    env: &TestEnv,
    dir: &Path,
    n: u32,
    message: &str,
    actor: &str,
    signing: Option<&[String]>,
) -> String {
    env.git(
        dir,
        &["fetch", "-q", "origin", "+refs/reltag/*:refs/forged/*"],
    );
    let parent = env
        .git_output(dir, &["rev-parse", "--verify", "-q", "refs/forged/ledger"])
        .stdout;
    let parent = String::from_utf8(parent).unwrap().trim().to_string();
    let file = env.path(&format!("forged-{n}.txt"));
    std::fs::write(&file, message).unwrap();
    let tree = env.git_stdin(dir, &["mktree"], b"");
    let mut args: Vec<String> = Vec::new();
    for setting in signing.unwrap_or_default() {
        args.extend(["-c".into(), setting.clone()]);
    }
    args.extend(["commit-tree".into(), tree]);
    if signing.is_some() {
        args.push("-S".into());
    }
    if !parent.is_empty() {
        args.extend(["-p".into(), parent]);
    }
    args.extend(["-F".into(), file.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let identity = [
        ("GIT_AUTHOR_NAME", actor),
        ("GIT_AUTHOR_EMAIL", actor),
        ("GIT_COMMITTER_NAME", actor),
        ("GIT_COMMITTER_EMAIL", actor),
    ];
    let out = env.git_env(dir, &args, &identity);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sha = String::from_utf8(out.stdout).unwrap().trim().to_string();
    env.git(
        dir,
        &["push", "-q", "origin", &format!("{sha}:refs/reltag/ledger")],
    );
    sha
}

struct Team {
    env: TestEnv,
    origin: PathBuf,
    /// qa@example.com's clone, signing with qa's current key.
    qa: PathBuf,
    /// dev@example.com's clone, signing with dev's key.
    dev: PathBuf,
    keys: Keys,
    release_tip: String,
}

struct Keys {
    qa: PathBuf,
    qa_expired: PathBuf,
    qa_revoked: PathBuf,
    dev: PathBuf,
    stranger: PathBuf,
}

const POLICY: &str = r#"[roles]
qa = ["qa@example.com"]
dev = ["dev@example.com"]

[ledger]
require_signed = true
allowed_signers = ".reltag/allowed_signers"
revoked_signers = ".reltag/revoked_signers"

[release]
criteria = ["approvals"]
[release.approvals]
roles = ["qa"]

[environments.prod]
approvals = ["qa"]
"#;

fn team() -> Team {
    team_with(POLICY)
}

fn team_with(policy: &str) -> Team {
    let env = TestEnv::new();
    let (qa, qa_pub) = keygen(&env, "qa");
    let (qa_expired, qa_expired_pub) = keygen(&env, "qa-expired");
    let (qa_revoked, qa_revoked_pub) = keygen(&env, "qa-revoked");
    let (dev, dev_pub) = keygen(&env, "dev");
    let (stranger, _) = keygen(&env, "stranger");
    let origin = env.bare("origin.git");
    let seed = env.repo("seed");
    std::fs::write(seed.join("policy.toml"), policy).unwrap();
    std::fs::create_dir_all(seed.join(".reltag")).unwrap();
    std::fs::write(
        seed.join(".reltag/allowed_signers"),
        format!(
            "qa@example.com namespaces=\"git\" {qa_pub}\n\
             qa@example.com namespaces=\"git\",valid-before=\"20261101Z\" {qa_expired_pub}\n\
             qa@example.com namespaces=\"git\" {qa_revoked_pub}\n\
             dev@example.com namespaces=\"git\" {dev_pub}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        seed.join(".reltag/revoked_signers"),
        format!("{qa_revoked_pub}\n"),
    )
    .unwrap();
    env.git(&seed, &["add", "-A"]);
    env.commit(&seed, "PAY-1: policy and allowed signers");
    env.git(&seed, &["branch", "release/v1.0.0"]);
    let url = origin.to_str().unwrap();
    env.git(&seed, &["push", "-q", url, "main", "release/v1.0.0"]);
    let clone = |name: &str, email: &str, key: &Path| {
        env.git(env.tmp.path(), &["clone", "-q", url, name]);
        let dir = env.path(name);
        env.git(&dir, &["config", "user.email", email]);
        env.git(&dir, &["config", "gpg.format", "ssh"]);
        env.git(&dir, &["config", "user.signingkey", key.to_str().unwrap()]);
        dir
    };
    let qa_clone = clone("qa", "qa@example.com", &qa);
    let dev_clone = clone("dev", "dev@example.com", &dev);
    let release_tip = env.git(&qa_clone, &["rev-parse", "origin/release/v1.0.0"]);
    Team {
        env,
        origin,
        qa: qa_clone,
        dev: dev_clone,
        keys: Keys {
            qa,
            qa_expired,
            qa_revoked,
            dev,
            stranger,
        },
        release_tip,
    }
}

impl Team {
    /// An approval of v1.0.0 as qa in qa@example.com's name, written with git plumbing in
    /// dev's clone on top of the remote's ledger and pushed: signed with `key`, or not at
    /// all. Returns the ledger commit.
    fn forge_approval(&self, n: u32, key: Option<&Path>) -> String {
        let message = forged_approval_message(n, &self.release_tip);
        self.forge(n, &message, "qa@example.com", key)
    }

    /// `body` about the release branch's tip in `actor`'s name, forged as
    /// [`Team::forge_approval`] does.
    fn forge_event(&self, n: u32, body: EventBody, actor: &str, key: Option<&Path>) -> String {
        let event = Event::new(
            body,
            gix::ObjectId::from_hex(self.release_tip.as_bytes()).unwrap(),
            actor,
            "2026-11-24T12:00:00Z".parse().unwrap(),
        )
        .unwrap();
        self.forge(n, &event.to_message(), actor, key)
    }

    /// A ledger commit with `message`, committed as `actor`, written with git plumbing in
    /// dev's clone on top of the remote's ledger, signed with `key` (or not at all) and
    /// pushed. Returns the ledger commit.
    fn forge(&self, n: u32, message: &str, actor: &str, key: Option<&Path>) -> String {
        let signing = key.map(|key| {
            [
                "gpg.format=ssh".to_string(),
                format!("user.signingkey={}", key.display()),
            ]
        });
        forge_ledger_commit(
            &self.env,
            &self.dev,
            n,
            message,
            actor,
            signing.as_ref().map(|s| &s[..]),
        )
    }

    fn log(&self, dir: &Path) -> Vec<Value> {
        let run = self.env.reltag(dir, &["--format", "json", "log"]);
        assert_eq!(run.code, 0, "{}", run.render());
        let doc: Value = serde_json::from_str(&run.stdout).unwrap();
        doc["events"].as_array().unwrap().clone()
    }

    fn remote_ledger(&self) -> Option<String> {
        let out = self.env.git_output(
            &self.origin,
            &["rev-parse", "--verify", "-q", "refs/reltag/ledger"],
        );
        let tip = String::from_utf8(out.stdout).unwrap().trim().to_string();
        (!tip.is_empty()).then_some(tip)
    }
}

#[test]
fn approvals_forged_in_another_members_name_count_nowhere_and_are_named() {
    let team = team();
    let env = &team.env;
    let k = &team.keys;
    let forged = [
        (
            team.forge_approval(1, None),
            "unverified: not signed".to_string(),
        ),
        (
            team.forge_approval(2, Some(&k.stranger)),
            "a key .reltag/allowed_signers does not list".to_string(),
        ),
        (
            team.forge_approval(3, Some(&k.qa_expired)),
            "binds to qa@example.com only until 2026-11-01".to_string(),
        ),
        (
            team.forge_approval(4, Some(&k.qa_revoked)),
            "a revoked key".to_string(),
        ),
        (
            team.forge_approval(5, Some(&k.dev)),
            "binds to dev@example.com, not to qa@example.com".to_string(),
        ),
    ];

    // `log` in qa's clone shows every forged approval, none counted, each with why.
    let events = team.log(&team.qa);
    assert_eq!(events.len(), 5, "{events:?}");
    for ((sha, why), event) in forged.iter().rev().zip(&events) {
        assert_eq!(event["ledger_commit"], sha.as_str());
        assert_eq!(event["counts"], false, "{event}");
        let reason = event["not_counted"].as_str().unwrap();
        assert!(reason.starts_with("unverified: "), "{reason}");
        assert!(reason.contains(why.as_str()), "{reason} lacks {why}");
    }

    // `verify` names each one (exit 1).
    let verify = env.reltag(&team.qa, &["verify"]);
    let ids = regex::Regex::new(r"SHA256:[A-Za-z0-9+/]{43}|\b[0-9a-f]{12}\b").unwrap();
    insta::assert_snapshot!("verify_forged", ids.replace_all(&verify.render(), "[ID]"));
    assert_eq!(verify.code, 1, "{}", verify.render());
    for (sha, why) in &forged {
        assert!(verify.stdout.contains(&sha[..12]), "{}", verify.stdout);
        assert!(verify.stdout.contains(why.as_str()), "{}", verify.stdout);
    }
    assert!(
        verify
            .stdout
            .contains("5 events, 0 verified, 5 not counted"),
        "{}",
        verify.stdout
    );

    // Nothing counted as qa's approval: qa's own approval is recorded, not "already".
    let approve = env.reltag(&team.qa, &["approve", "v1.0.0", "--role", "qa"]);
    assert_eq!(approve.code, 0, "{}", approve.render());
    assert!(
        approve.stderr.contains(&format!(
            "recorded: qa@example.com approved v1.0.0 as qa at commit {}",
            &team.release_tip[..12]
        )),
        "{}",
        approve.stderr
    );
    let genuine = team.remote_ledger().unwrap();

    // The other clone sees it signed and counted; the forged ones still do not count.
    let events = team.log(&team.dev);
    assert_eq!(events.len(), 6, "{events:?}");
    assert_eq!(events[0]["ledger_commit"], genuine.as_str());
    assert_eq!(events[0]["counts"], true, "{}", events[0]);
    assert!(events[1..].iter().all(|e| e["counts"] == false));

    // The whole chain still has five bad events; after the last forged one, none.
    let verify = env.reltag(&team.dev, &["verify"]);
    assert_eq!(verify.code, 1, "{}", verify.render());
    assert!(
        verify
            .stdout
            .contains("6 events, 1 verified, 5 not counted"),
        "{}",
        verify.stdout
    );
    let since = env.reltag(&team.dev, &["verify", "--from", &forged[4].0]);
    assert_eq!(since.code, 0, "{}", since.render());
    assert!(
        since.stdout.contains("1 event, 1 verified, 0 not counted"),
        "{}",
        since.stdout
    );

    // An auditor with plain git agrees: the genuine event verifies, the unsigned does not.
    let signers = team.qa.join(".reltag/allowed_signers");
    let allowed = format!("gpg.ssh.allowedSignersFile={}", signers.display());
    let plain = env.git_output(&team.dev, &["-c", &allowed, "verify-commit", &genuine]);
    assert!(
        plain.status.success(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    assert!(
        String::from_utf8_lossy(&plain.stderr)
            .contains("Good \"git\" signature for qa@example.com")
    );
    let plain = env.git_output(&team.dev, &["-c", &allowed, "verify-commit", &forged[0].0]);
    assert!(!plain.status.success());
}

#[test]
fn a_forged_approval_is_named_where_it_would_have_counted_by_promote_and_cut() {
    let team = team();
    let env = &team.env;
    let forged = team.forge_approval(1, None);
    let unsigned = format!(
        "qa@example.com's approval of v1.0.0 as qa (ledger {}) does not count: unverified: not signed",
        &forged[..12]
    );

    // Before the cut: `cut` names it in release-approvals' finding.
    env.git(&team.qa, &["checkout", "-q", "release/v1.0.0"]);
    let cut = env.reltag(&team.qa, &["cut", "v1.0.0", "--dry-run"]);
    assert_eq!(cut.code, 1, "{}", cut.render());
    assert!(
        cut.stdout.contains(&format!(
            "error[release-approvals] qa has not approved v1.0.0 at commit {}; {unsigned}",
            &team.release_tip[..12]
        )),
        "{}",
        cut.render()
    );

    // With the tag: `promote` names it in promote-approvals' finding.
    env.git(&team.qa, &["tag", "v1.0.0", &team.release_tip]);
    let promote = env.reltag(
        &team.qa,
        &["promote", "v1.0.0", "--to", "prod", "--dry-run"],
    );
    assert_eq!(promote.code, 1, "{}", promote.render());
    assert!(
        promote.stdout.contains(&format!(
            "error[promote-approvals] v1.0.0 needs approval from qa for prod at commit {}; {unsigned}",
            &team.release_tip[..12]
        )),
        "{}",
        promote.render()
    );
    let ids = regex::Regex::new(r"\b[0-9a-f]{12}\b").unwrap();
    insta::assert_snapshot!(
        "promote_names_forged_approval",
        ids.replace_all(&promote.render(), "[ID]")
    );
}

#[test]
fn an_event_reltag_cannot_sign_so_that_it_counts_is_refused_and_nothing_is_published() {
    let team = team();
    let env = &team.env;

    // dev claims qa's address: reltag signs with dev's key, which is not qa's.
    env.git(&team.dev, &["config", "user.email", "qa@example.com"]);
    let refused = env.reltag(&team.dev, &["approve", "v1.0.0", "--role", "qa"]);
    assert_eq!(refused.code, 2, "{}", refused.render());
    assert!(
        refused.stderr.contains("the signed event would not count")
            && refused.stderr.contains("binds to dev@example.com"),
        "{}",
        refused.stderr
    );
    assert_eq!(team.remote_ledger(), None);

    // No signing key at all: refused, with the fix.
    env.git(&team.dev, &["config", "user.email", "dev@example.com"]);
    env.git(&team.dev, &["config", "--unset", "user.signingkey"]);
    let unsigned = env.reltag(&team.dev, &["approve", "v1.0.0", "--role", "dev"]);
    assert_eq!(unsigned.code, 2, "{}", unsigned.render());
    assert!(
        unsigned.stderr.contains("cannot sign the ledger event")
            && unsigned.stderr.contains("git config user.signingkey"),
        "{}",
        unsigned.stderr
    );
    assert_eq!(team.remote_ledger(), None);

    // With the key back, the event is signed, published and counted.
    env.git(
        &team.dev,
        &["config", "user.signingkey", team.keys.dev.to_str().unwrap()],
    );
    let ok = env.reltag(&team.dev, &["approve", "v1.0.0", "--role", "dev"]);
    assert_eq!(ok.code, 0, "{}", ok.render());
    let events = team.log(&team.qa);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["counts"], true, "{}", events[0]);
    let verify = env.reltag(&team.qa, &["verify"]);
    assert_eq!(verify.code, 0, "{}", verify.render());
}

#[test]
fn a_missing_allowed_signers_file_is_a_policy_error_for_verify_and_counts_nothing_in_log() {
    let team = team();
    let env = &team.env;
    let _ = team.forge_approval(1, Some(&team.keys.qa));
    env.git(&team.qa, &["pull", "-q"]);
    env.git(&team.qa, &["rm", "-q", ".reltag/allowed_signers"]);
    env.commit(&team.qa, "PAY-2: drop the signers");
    let verify = env.reltag(&team.qa, &["verify"]);
    assert_eq!(verify.code, 2, "{}", verify.render());
    assert!(
        verify
            .stderr
            .contains(".reltag/allowed_signers, named by [ledger] in the policy, is not in HEAD"),
        "{}",
        verify.stderr
    );
    let events = team.log(&team.qa);
    assert_eq!(events[0]["counts"], false, "{}", events[0]);
}

/// staging before prod, a coverage criterion and an emergency approver: where a refused
/// cut, deployment, evidence or emergency approval would have counted.
const FLOW_POLICY: &str = r#"[roles]
qa = ["qa@example.com"]
dev = ["dev@example.com"]

[ledger]
require_signed = true
allowed_signers = ".reltag/allowed_signers"
revoked_signers = ".reltag/revoked_signers"

[release]
criteria = ["coverage"]
[release.coverage]
report = "coverage/lcov.info"
min_percent = 80.0

[emergency]
approvers = ["qa"]

[environments.staging]
[environments.prod]
from = "staging"
"#;

#[test]
fn refused_cuts_deployments_evidence_and_emergency_approvals_are_named_where_they_would_count() {
    let team = team_with(FLOW_POLICY);
    let env = &team.env;
    let stranger = Some(team.keys.stranger.as_path());
    let evidence = team.forge_event(
        1,
        EventBody::Evidence(Evidence {
            version: Some("v1.0.0".into()),
            criterion: "coverage".into(),
            result: EvidenceResult::Pass,
            measured: Some("91.0%".into()),
            threshold: Some(">= 80%".into()),
            report_sha256: None,
            comment: None,
        }),
        "qa@example.com",
        None,
    );
    let approval = team.forge_approval(2, stranger);
    let short = |sha: &str| sha[..12].to_string();
    let tip = short(&team.release_tip);

    // `cut --hotfix`: the coverage evidence and the emergency approval are named.
    env.git(&team.qa, &["checkout", "-q", "release/v1.0.0"]);
    let cut = env.reltag(
        &team.qa,
        &[
            "cut",
            "v1.0.0",
            "--dry-run",
            "--hotfix",
            "--reason",
            "INC-1",
        ],
    );
    assert_eq!(cut.code, 3, "{}", cut.render());
    for expected in [
        format!(
            "; qa@example.com's coverage evidence for commit {tip} (ledger {}) does not count: unverified: not signed",
            short(&evidence)
        ),
        format!(
            "an emergency release needs an approval by qa of v1.0.0 at commit {tip}; qa@example.com's approval of v1.0.0 as qa (ledger {}) does not count: unverified: signed with",
            short(&approval)
        ),
    ] {
        assert!(
            cut.stdout.contains(&expected),
            "{expected}\n{}",
            cut.render()
        );
    }

    // A forged cut and a forged deployment to staging: `promote` names each.
    let cut_event = team.forge_event(
        3,
        EventBody::Cut(Cut {
            version: "v1.0.0".into(),
            tag_object: None,
            emergency: false,
            reason: None,
            artifacts: vec![],
        }),
        "dev@example.com",
        None,
    );
    let deployment = team.forge_event(
        4,
        EventBody::Promote(Promote {
            version: "v1.0.0".into(),
            env: "staging".into(),
            artifacts: vec![],
            emergency: false,
            reason: None,
        }),
        "dev@example.com",
        stranger,
    );
    env.git(&team.qa, &["tag", "v1.0.0", &team.release_tip]);
    let to_staging = env.reltag(
        &team.qa,
        &["promote", "v1.0.0", "--to", "staging", "--dry-run"],
    );
    assert_eq!(to_staging.code, 1, "{}", to_staging.render());
    let expected = format!(
        "error[promote-version] v1.0.0 has no cut that counts; dev@example.com's cut of v1.0.0 (ledger {}) does not count: unverified: not signed",
        short(&cut_event)
    );
    assert!(
        to_staging.stdout.contains(&expected),
        "{expected}\n{}",
        to_staging.render()
    );
    let to_prod = env.reltag(
        &team.qa,
        &[
            "promote",
            "v1.0.0",
            "--to",
            "prod",
            "--dry-run",
            "--emergency",
            "--reason",
            "INC-1",
        ],
    );
    assert_eq!(to_prod.code, 1, "{}", to_prod.render());
    for expected in [
        format!(
            "error[promote-from] v1.0.0 is not in staging (nothing is): prod takes only what runs in staging; dev@example.com's promotion of v1.0.0 to staging (ledger {}) does not count: unverified: signed with",
            short(&deployment)
        ),
        format!(
            "error[promote-emergency] emergency promotion of v1.0.0 needs an approval from qa for its commit; qa@example.com's approval of v1.0.0 as qa (ledger {}) does not count",
            short(&approval)
        ),
    ] {
        assert!(
            to_prod.stdout.contains(&expected),
            "{expected}\n{}",
            to_prod.render()
        );
    }
    let ids = regex::Regex::new(r"SHA256:[A-Za-z0-9+/]{43}|\b[0-9a-f]{12}\b").unwrap();
    insta::assert_snapshot!(
        "promote_names_forged_deployment",
        ids.replace_all(&to_prod.render(), "[ID]")
    );
}

#[test]
fn an_unreadable_keys_or_signing_key_file_is_named_with_why_and_the_fix_and_nothing_is_written() {
    let team = team();
    let env = &team.env;
    let qa = &team.qa;

    // A revoked-signers line that is no key: every command names the file, the line and
    // the fix for that file's format; nothing is signed or published.
    std::fs::write(qa.join(".reltag/revoked_signers"), "not a key\n").unwrap();
    env.git(qa, &["commit", "-qam", "PAY-2: a broken revocation"]);
    let fix = "fix line 1 of .reltag/revoked_signers and commit it: each line is one SSH public key (`ssh-ed25519 AAAA…`), as git's gpg.ssh.revocationFile reads it";
    let approve = env.reltag(qa, &["approve", "v1.0.0", "--role", "qa"]);
    assert_eq!(approve.code, 2, "{}", approve.render());
    assert!(
        approve.stderr.contains(
            "error: cannot record a ledger event ([ledger] require_signed): invalid keys file at HEAD ("
        ) && approve.stderr.contains("): .reltag/revoked_signers:1: ")
            && approve.stderr.contains(&format!("hint: {fix}")),
        "{}",
        approve.stderr
    );
    assert_eq!(team.remote_ledger(), None);
    let verify = env.reltag(qa, &["verify"]);
    assert_eq!(verify.code, 2, "{}", verify.render());
    assert!(
        verify.stderr.contains(&format!("hint: {fix}")),
        "{}",
        verify.stderr
    );
    env.git(qa, &["reset", "-q", "--hard", "HEAD~1"]);

    // A signing key that does not exist, then one anybody may read: each named, with its fix.
    let missing = env.path("keys/missing");
    env.git(
        qa,
        &["config", "user.signingkey", missing.to_str().unwrap()],
    );
    let approve = env.reltag(qa, &["approve", "v1.0.0", "--role", "qa"]);
    assert_eq!(approve.code, 2, "{}", approve.render());
    assert!(
        approve
            .stderr
            .contains("hint: user.signingkey names [TMP]/keys/missing, which cannot be read"),
        "{}",
        approve.stderr
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let key = &team.keys.qa;
        std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o644)).unwrap();
        env.git(qa, &["config", "user.signingkey", key.to_str().unwrap()]);
        let approve = env.reltag(qa, &["approve", "v1.0.0", "--role", "qa"]);
        assert_eq!(approve.code, 2, "{}", approve.render());
        assert!(
            approve.stderr.contains(
                "hint: `chmod 600 [TMP]/keys/qa`: ssh-keygen ignores a private key that others can read"
            ) && !approve.stderr.contains("@@@"),
            "{}",
            approve.stderr
        );
        std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o600)).unwrap();
        let approve = env.reltag(qa, &["approve", "v1.0.0", "--role", "qa"]);
        assert_eq!(approve.code, 0, "{}", approve.render());
    }
    assert!(team.remote_ledger().is_some());
}
