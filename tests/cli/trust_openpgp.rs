//! Signed ledger events with OpenPGP keys (`[ledger.openpgp]`, `[ledger] openpgp_keys`):
//! real keys made by `gpg` in a throwaway home, events signed through git by reltag,
//! approvals forged with git plumbing in another member's name, and a key revoked after
//! it signed. None of the forged ones counts; each is named with why.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::TestEnv;
use crate::trust::{forge_ledger_commit, forged_approval_message};

/// A throwaway GnuPG home: the test's `$HOME/.gnupg`, which both git (signing) and the
/// test's gpg calls read. Its agent is stopped when the test ends.
struct GnuPg {
    home: PathBuf,
}

impl GnuPg {
    fn new(env: &TestEnv) -> GnuPg {
        let home = env.path("home/.gnupg");
        std::fs::create_dir_all(&home).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        GnuPg { home }
    }

    fn gpg(&self, args: &[&str]) -> std::process::Output {
        let out = Command::new("gpg")
            .env("GNUPGHOME", &self.home)
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// A new signing key for `uid`; returns its fingerprint.
    fn key(&self, uid: &str) -> String {
        self.gpg(&["--quick-gen-key", uid, "ed25519", "sign", "never"]);
        let listing = self.gpg(&["--with-colons", "--list-keys", uid]);
        String::from_utf8(listing.stdout)
            .unwrap()
            .lines()
            .find_map(|line| line.strip_prefix("fpr:"))
            .map(|rest| rest.trim_matches(':').to_string())
            .unwrap()
    }

    fn export(&self, fingerprints: &[&str]) -> Vec<u8> {
        let mut args = vec!["--armor", "--export"];
        args.extend(fingerprints);
        self.gpg(&args).stdout
    }

    /// Revoke `fingerprint` with the certificate gpg made when it generated the key.
    fn revoke(&self, fingerprint: &str) {
        let certificate = self
            .home
            .join("openpgp-revocs.d")
            .join(format!("{fingerprint}.rev"));
        // gpg escapes the armor's first line so that the file is not imported by mistake.
        let text = std::fs::read_to_string(certificate)
            .unwrap()
            .replace(":-----BEGIN", "-----BEGIN");
        let file = self.home.join("revoke.asc");
        std::fs::write(&file, text).unwrap();
        self.gpg(&["--import", file.to_str().unwrap()]);
    }
}

impl Drop for GnuPg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.home)
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

struct Team {
    env: TestEnv,
    gnupg: GnuPg,
    origin: PathBuf,
    qa: PathBuf,
    dev: PathBuf,
    release_tip: String,
    qa_key: String,
    qa_old_key: String,
    dev_key: String,
    stranger_key: String,
}

fn policy(qa_keys: &[&str], dev_key: &str) -> String {
    let quoted: Vec<String> = qa_keys.iter().map(|k| format!("\"{k}\"")).collect();
    format!(
        r#"[roles]
qa = ["qa@example.com"]
dev = ["dev@example.com"]

[ledger]
require_signed = true
openpgp_keys = ".reltag/openpgp.asc"

[ledger.openpgp]
"qa@example.com" = [{}]
"dev@example.com" = ["{dev_key}"]

[release]
criteria = ["approvals"]
[release.approvals]
roles = ["qa"]

[environments.prod]
approvals = ["qa"]
"#,
        quoted.join(", ")
    )
}

fn team() -> Team {
    let env = TestEnv::new();
    let gnupg = GnuPg::new(&env);
    let qa_key = gnupg.key("QA <qa@example.com>");
    let qa_old_key = gnupg.key("QA old <qa@example.com>");
    let dev_key = gnupg.key("Dev <dev@example.com>");
    let stranger_key = gnupg.key("Stranger <stranger@example.com>");
    let origin = env.bare("origin.git");
    let seed = env.repo("seed");
    std::fs::write(
        seed.join("policy.toml"),
        policy(&[&qa_key, &qa_old_key], &dev_key),
    )
    .unwrap();
    std::fs::create_dir_all(seed.join(".reltag")).unwrap();
    // The stranger's key is published too: known to gpg, bound to nobody.
    std::fs::write(
        seed.join(".reltag/openpgp.asc"),
        gnupg.export(&[&qa_key, &qa_old_key, &dev_key, &stranger_key]),
    )
    .unwrap();
    env.git(&seed, &["add", "-A"]);
    env.commit(&seed, "PAY-1: policy and OpenPGP keys");
    env.git(&seed, &["branch", "release/v1.0.0"]);
    let url = origin.to_str().unwrap();
    env.git(&seed, &["push", "-q", url, "main", "release/v1.0.0"]);
    let clone = |name: &str, email: &str, key: &str| {
        env.git(env.tmp.path(), &["clone", "-q", url, name]);
        let dir = env.path(name);
        env.git(&dir, &["config", "user.email", email]);
        env.git(&dir, &["config", "gpg.format", "openpgp"]);
        env.git(&dir, &["config", "user.signingkey", key]);
        dir
    };
    let qa = clone("qa", "qa@example.com", &qa_key);
    let dev = clone("dev", "dev@example.com", &dev_key);
    let release_tip = env.git(&qa, &["rev-parse", "origin/release/v1.0.0"]);
    Team {
        env,
        gnupg,
        origin,
        qa,
        dev,
        release_tip,
        qa_key,
        qa_old_key,
        dev_key,
        stranger_key,
    }
}

impl Team {
    /// An approval of v1.0.0 as qa in qa@example.com's name, written with git plumbing in
    /// dev's clone on top of the remote's ledger, signed with OpenPGP key `key` (or not at
    /// all) and pushed. Returns the ledger commit.
    fn forge_approval(&self, n: u32, key: Option<&str>) -> String {
        let signing = key.map(|key| {
            [
                "gpg.format=openpgp".to_string(),
                format!("user.signingkey={key}"),
            ]
        });
        forge_ledger_commit(
            &self.env,
            &self.dev,
            n,
            &forged_approval_message(n, &self.release_tip),
            "qa@example.com",
            signing.as_ref().map(|s| &s[..]),
        )
    }

    fn log(&self, dir: &Path) -> Vec<Value> {
        let run = self.env.reltag(dir, &["--format", "json", "log"]);
        assert_eq!(run.code, 0, "{}", run.render());
        let doc: Value = serde_json::from_str(&run.stdout).unwrap();
        doc["events"].as_array().unwrap().clone()
    }

    fn remote_ledger(&self) -> String {
        self.env
            .git(&self.origin, &["rev-parse", "refs/reltag/ledger"])
    }
}

#[test]
fn openpgp_signed_events_count_and_forged_or_revoked_ones_are_named() {
    let team = team();
    let env = &team.env;

    // Forged in qa's name: unsigned, by dev's key, by a key bound to nobody, and by qa's
    // old key, which is then revoked.
    let forged = [
        (
            team.forge_approval(1, None),
            "unverified: not signed".to_string(),
        ),
        (
            team.forge_approval(2, Some(&team.dev_key)),
            format!(
                "signed with OpenPGP key {}, which [ledger.openpgp] binds to dev@example.com, not to qa@example.com",
                team.dev_key
            ),
        ),
        (
            team.forge_approval(3, Some(&team.stranger_key)),
            format!(
                "signed with OpenPGP key {}, which [ledger.openpgp] does not bind to qa@example.com",
                team.stranger_key
            ),
        ),
        (
            team.forge_approval(4, Some(&team.qa_old_key)),
            "which is revoked".to_string(),
        ),
    ];

    // qa's old key is revoked: the published keys now carry the revocation.
    env.git(&team.qa, &["pull", "-q"]);
    team.gnupg.revoke(&team.qa_old_key);
    std::fs::write(
        team.qa.join(".reltag/openpgp.asc"),
        team.gnupg.export(&[
            &team.qa_key,
            &team.qa_old_key,
            &team.dev_key,
            &team.stranger_key,
        ]),
    )
    .unwrap();
    env.git(&team.qa, &["commit", "-qam", "PAY-2: revoke qa's old key"]);
    env.git(&team.qa, &["push", "-q", "origin", "main"]);
    env.git(&team.dev, &["pull", "-q"]);

    let events = team.log(&team.qa);
    assert_eq!(events.len(), 4, "{events:?}");
    for ((sha, why), event) in forged.iter().rev().zip(&events) {
        assert_eq!(event["ledger_commit"], sha.as_str());
        assert_eq!(event["counts"], false, "{event}");
        let reason = event["not_counted"].as_str().unwrap();
        assert!(reason.starts_with("unverified: "), "{reason}");
        assert!(reason.contains(why.as_str()), "{reason} lacks {why}");
    }
    let verify = env.reltag(&team.qa, &["verify"]);
    assert_eq!(verify.code, 1, "{}", verify.render());
    assert!(
        verify
            .stdout
            .contains("4 events, 0 verified, 4 not counted"),
        "{}",
        verify.stdout
    );

    // qa approves through reltag: signed with qa's current key by git, counted in dev's
    // clone, and `cut` passes on it.
    let approve = env.reltag(&team.qa, &["approve", "v1.0.0", "--role", "qa"]);
    assert_eq!(approve.code, 0, "{}", approve.render());
    let genuine = team.remote_ledger();
    let events = team.log(&team.dev);
    assert_eq!(events.len(), 5, "{events:?}");
    assert_eq!(events[0]["ledger_commit"], genuine.as_str());
    assert_eq!(events[0]["counts"], true, "{}", events[0]);
    assert!(events[1..].iter().all(|e| e["counts"] == false));
    let since = env.reltag(&team.dev, &["verify", "--from", &forged[3].0]);
    assert_eq!(since.code, 0, "{}", since.render());
    assert!(
        since.stdout.contains("1 event, 1 verified, 0 not counted"),
        "{}",
        since.stdout
    );
    env.git(&team.dev, &["checkout", "-q", "release/v1.0.0"]);
    let cut = env.reltag(&team.dev, &["cut", "v1.0.0", "--dry-run"]);
    assert_eq!(cut.code, 0, "{}", cut.render());

    // An auditor with plain git and the published keys agrees.
    let auditor = env.path("auditor-gnupg");
    std::fs::create_dir_all(&auditor).unwrap();
    let import = Command::new("gpg")
        .env("GNUPGHOME", &auditor)
        .args(["--batch", "--import"])
        .arg(team.qa.join(".reltag/openpgp.asc"))
        .output()
        .unwrap();
    assert!(import.status.success());
    let plain = env.git_env(
        &team.dev,
        &["verify-commit", &genuine],
        &[("GNUPGHOME", auditor.to_str().unwrap())],
    );
    let _ = Command::new("gpgconf")
        .env("GNUPGHOME", &auditor)
        .args(["--kill", "gpg-agent"])
        .output();
    assert!(
        plain.status.success(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    assert!(String::from_utf8_lossy(&plain.stderr).contains(&team.qa_key));

    // Published keys gpg cannot read: nothing counts, and log says which and the fix.
    std::fs::write(team.dev.join(".reltag/openpgp.asc"), "not a key\n").unwrap();
    env.git(&team.dev, &["commit", "-qam", "PAY-3: broken keys"]);
    let events = team.log(&team.dev);
    let reason = events[0]["not_counted"].as_str().unwrap();
    assert!(
        reason.starts_with("unverified: gpg could not import the keys of [ledger] openpgp_keys (")
            && reason.ends_with(
                "): commit armored public keys there (`gpg --armor --export <fingerprint>`)"
            ),
        "{reason}"
    );
}
