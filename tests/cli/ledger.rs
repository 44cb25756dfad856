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
