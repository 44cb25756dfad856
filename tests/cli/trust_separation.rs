//! Separation of duties (`[separation]`) at `promote`, on a real repository: one person
//! filling two roles, deploying what only they approved, approving what they cut.

use std::path::{Path, PathBuf};

use reltag::ledger::{Approve, Cut, Event, EventBody, Ledger};

use crate::common::{Run, TestEnv};

const POLICY: &str = r#"[commits]
require_jira = false
[roles]
qa = ["ann@example.com", "bob@example.com"]
product = ["@ann", "po@example.com"]
ops = ["ann@example.com", "ops@example.com"]
[environments.prod]
approvals = ["qa", "product"]
deployers = ["ops"]
"#;

const FORBID: &str = r#"[separation]
one_person_two_roles = false
deploy_own_approval = false
cut_and_approve = false
[separation.people]
"ann@example.com" = ["@ann"]
"#;

/// A repository with `policy` committed, v1.0.0 tagged and cut by `cutter`.
fn released(env: &TestEnv, policy: &str, cutter: &str) -> PathBuf {
    let origin = env.bare("origin.git");
    let work = env.repo("work");
    std::fs::write(work.join("policy.toml"), policy).unwrap();
    env.git(&work, &["add", "policy.toml"]);
    env.commit(&work, "policy");
    env.git(
        &work,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    env.git(&work, &["tag", "-a", "v1.0.0", "-m", "release v1.0.0"]);
    env.git(&work, &["push", "-q", "origin", "main", "v1.0.0"]);
    let tag_object = env.git(&work, &["rev-parse", "v1.0.0"]);
    record(
        env,
        &work,
        EventBody::Cut(Cut {
            version: "v1.0.0".into(),
            tag_object: Some(gix::ObjectId::from_hex(tag_object.as_bytes()).unwrap()),
            emergency: false,
            reason: None,
            artifacts: vec![],
        }),
        cutter,
    );
    work
}

fn record(env: &TestEnv, dir: &Path, body: EventBody, actor: &str) {
    let repo = gix::open(dir).unwrap();
    let commit = env.git(dir, &["rev-parse", "v1.0.0^{commit}"]);
    let event = Event::new(
        body,
        gix::ObjectId::from_hex(commit.as_bytes()).unwrap(),
        actor,
        "2026-11-24T11:00:00Z".parse().unwrap(),
    )
    .unwrap();
    Ledger::new(&repo).append(&event).unwrap();
}

fn approve(env: &TestEnv, dir: &Path, actor: &str, role: &str) {
    record(
        env,
        dir,
        EventBody::Approve(Approve {
            version: "v1.0.0".into(),
            role: role.into(),
            env: None,
            comment: None,
        }),
        actor,
    );
}

fn promote_as(env: &TestEnv, dir: &Path, actor: &str) -> Run {
    env.git(dir, &["config", "user.email", actor]);
    env.reltag(
        dir,
        &[
            "promote",
            "v1.0.0",
            "--to",
            "prod",
            "--dry-run",
            "--offline",
        ],
    )
}

#[test]
fn one_person_in_two_roles_deploying_what_they_cut_and_alone_approved_is_refused_when_forbidden() {
    let env = TestEnv::new();
    let policy = format!("{POLICY}{FORBID}");
    let work = released(&env, &policy, "ann@example.com");
    approve(&env, &work, "ann@example.com", "qa");
    // The same person under her GitHub login.
    approve(&env, &work, "@ann", "product");

    let run = promote_as(&env, &work, "ann@example.com");
    assert_eq!(run.code, 1, "{}", run.render());
    for (rule, message) in [
        (
            "sod-two-roles",
            "ann@example.com approved v1.0.0 as both qa and product: prod needs a different person for each role",
        ),
        (
            "sod-deploy-own-approval",
            "ann@example.com is the only approver of v1.0.0 for prod, and may not also deploy it",
        ),
        (
            "sod-cut-approve",
            "ann@example.com cut v1.0.0 and approved it as qa",
        ),
    ] {
        assert!(
            run.stdout.contains(&format!("error[{rule}] {message}")),
            "{rule}: {}",
            run.render()
        );
    }
    // Someone else deploying, with a second person in product: only the cut remains.
    approve(&env, &work, "po@example.com", "product");
    let run = promote_as(&env, &work, "ops@example.com");
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        !run.stdout.contains("error[sod-two-roles]"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("error[sod-deploy-own-approval]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("error[sod-cut-approve]"),
        "{}",
        run.stdout
    );
}

#[test]
fn separation_rules_allow_everything_by_default_and_say_nothing() {
    let env = TestEnv::new();
    let work = released(&env, POLICY, "ann@example.com");
    approve(&env, &work, "ann@example.com", "qa");
    approve(&env, &work, "@ann", "product");
    let run = promote_as(&env, &work, "ann@example.com");
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(!run.stdout.contains("sod-"), "{}", run.stdout);
}

/// The in-toto Statement v1 schema (`fixtures/in-toto/`), formats checked.
fn in_toto_statement_schema() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/in-toto/statement-v1.schema.json"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

#[test]
fn the_in_toto_statement_schema_refuses_what_the_spec_refuses() {
    let schema = in_toto_statement_schema();
    let good = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "app.tar.gz", "digest": {"sha256": "ab".repeat(32)}}],
        "predicateType": "https://example.com/predicate/v1",
        "predicate": {}
    });
    assert!(schema.is_valid(&good));
    type Mutation = fn(&mut serde_json::Value);
    let mutations: [(&str, Mutation); 6] = [
        ("another type", |d| {
            d["_type"] = "https://in-toto.io/Statement/v0.1".into()
        }),
        ("no subject", |d| d["subject"] = serde_json::json!([])),
        (
            "a subject without a digest",
            |d| d["subject"][0] = serde_json::json!({"name": "app.tar.gz", "uri": "https://x/app"}),
        ),
        ("an upper-case digest", |d| {
            d["subject"][0]["digest"]["sha256"] = "AB".repeat(32).into()
        }),
        ("a predicate type that is not a URI", |d| {
            d["predicateType"] = "release attestation".into()
        }),
        ("a git commit of the wrong length", |d| {
            d["subject"][0]["digest"] = serde_json::json!({"gitCommit": "abc123"})
        }),
    ];
    for (what, mutate) in mutations {
        let mut bad = good.clone();
        mutate(&mut bad);
        assert!(!schema.is_valid(&bad), "{what} is accepted: {bad}");
    }
}

#[test]
fn attest_writes_an_in_toto_statement_of_what_counts_for_the_release() {
    use reltag::ledger::{Artifact, Promote};
    use sha2::{Digest as _, Sha256};

    let env = TestEnv::new();
    let work = released(&env, POLICY, "rm@example.com");
    approve(&env, &work, "bob@example.com", "qa");
    approve(&env, &work, "po@example.com", "product");
    let digest = "ab".repeat(32);
    record(
        &env,
        &work,
        EventBody::Promote(Promote {
            version: "v1.0.0".into(),
            env: "prod".into(),
            artifacts: vec![Artifact {
                name: "app.tar.gz".into(),
                sha256: digest.clone(),
            }],
            emergency: false,
            reason: None,
        }),
        "ops@example.com",
    );
    let run = env.reltag(&work, &["attest", "v1.0.0", "--offline"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let ids = regex::Regex::new(r"\b[0-9a-f]{40}\b|\b[0-9a-f]{64}\b").unwrap();
    insta::assert_snapshot!("attest", ids.replace_all(&run.render(), "[ID]"));
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let statement_schema = in_toto_statement_schema();
    let problems: Vec<String> = statement_schema
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}\n{}", run.stdout);
    assert_eq!(doc["_type"], "https://in-toto.io/Statement/v1");
    assert!(
        doc["predicateType"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let commit = env.git(&work, &["rev-parse", "v1.0.0^{commit}"]);
    let subjects = doc["subject"].as_array().unwrap();
    assert_eq!(subjects.len(), 2, "{}", run.stdout);
    assert_eq!(subjects[0]["digest"]["gitCommit"], commit.as_str());
    assert_eq!(subjects[1]["name"], "app.tar.gz");
    assert_eq!(subjects[1]["digest"]["sha256"], digest.as_str());
    let predicate = &doc["predicate"];
    let policy_digest: String = Sha256::digest(POLICY.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        predicate["policy"]["digest"]["sha256"],
        policy_digest.as_str()
    );
    assert_eq!(predicate["cut"]["actor"], "rm@example.com");
    let approvals = predicate["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 2);
    assert_eq!(approvals[0]["role"], "qa");
    assert_eq!(approvals[0]["actor"], "bob@example.com");
    assert_eq!(predicate["promotions"][0]["env"], "prod");

    // A version without a cut that counts has nothing to attest.
    env.git(&work, &["tag", "v2.0.0"]);
    let none = env.reltag(&work, &["attest", "v2.0.0", "--offline"]);
    assert_eq!(none.code, 2, "{}", none.render());
    assert!(
        none.stderr.contains("v2.0.0 has no cut that counts"),
        "{}",
        none.stderr
    );
}

#[test]
fn approving_a_release_holding_your_own_commits_is_refused_when_forbidden() {
    let env = TestEnv::new();
    let policy = r#"[commits]
require_jira = false
[roles]
qa = ["ann@example.com", "@bob"]
product = ["po@example.com"]
ops = ["ops@example.com"]
[environments.prod]
approvals = ["qa", "product"]
deployers = ["ops"]
[separation]
approve_own_commits = false
[separation.people]
"bob@example.com" = ["@bob"]
"#;
    let work = env.repo("work");
    std::fs::write(work.join("policy.toml"), policy).unwrap();
    env.git(&work, &["add", "policy.toml"]);
    env.commit(&work, "policy");
    // ann's commit shipped in v0.9.0; bob's is new in v1.0.0.
    let by = |author: &str, message: &str| {
        env.git(
            &work,
            &[
                "commit",
                "-q",
                "--allow-empty",
                "--author",
                author,
                "-m",
                message,
            ],
        );
    };
    by("Ann <ann@example.com>", "feat: the previous release");
    env.git(&work, &["tag", "-a", "v0.9.0", "-m", "release v0.9.0"]);
    by("Bob <Bob@Example.com>", "fix: the new release");
    env.git(&work, &["tag", "-a", "v1.0.0", "-m", "release v1.0.0"]);
    let tag_object = env.git(&work, &["rev-parse", "v1.0.0"]);
    record(
        &env,
        &work,
        EventBody::Cut(Cut {
            version: "v1.0.0".into(),
            tag_object: Some(gix::ObjectId::from_hex(tag_object.as_bytes()).unwrap()),
            emergency: false,
            reason: None,
            artifacts: vec![],
        }),
        "ops@example.com",
    );
    approve(&env, &work, "ann@example.com", "qa");
    // bob approves under his GitHub login, which [separation.people] maps to his email.
    approve(&env, &work, "@bob", "qa");
    approve(&env, &work, "po@example.com", "product");

    let run = promote_as(&env, &work, "ops@example.com");
    let ids = regex::Regex::new(r"\b[0-9a-f]{12}\b").unwrap();
    insta::assert_snapshot!("sod_own_commits", ids.replace_all(&run.render(), "[ID]"));
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(
            "error[sod-own-commits] @bob approved v1.0.0 as qa, and v1.0.0 contains their own commits"
        ),
        "{}",
        run.render()
    );
    // ann's commit is in the previous release only.
    assert!(
        !run.stdout.contains("ann@example.com approved"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("error[").count(), 1, "{}", run.stdout);
}

#[test]
fn cutting_a_release_you_approved_alone_in_two_roles_with_your_own_commits_is_refused_when_forbidden()
 {
    let env = TestEnv::new();
    let policy = r#"[commits]
require_jira = false
[roles]
qa = ["ann@example.com", "bob@example.com"]
product = ["@ann", "po@example.com"]
[release]
criteria = ["approvals"]
[release.approvals]
roles = ["qa", "product"]
[separation]
one_person_two_roles = false
cut_and_approve = false
approve_own_commits = false
[separation.people]
"ann@example.com" = ["@ann"]
"#;
    let origin = env.bare("origin.git");
    let work = env.repo("work");
    std::fs::write(work.join("policy.toml"), policy).unwrap();
    env.git(&work, &["add", "policy.toml"]);
    env.commit(&work, "policy");
    env.git(
        &work,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "--author",
            "Ann <ann@example.com>",
            "-m",
            "fix: ann's change",
        ],
    );
    env.git(
        &work,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    env.git(&work, &["checkout", "-q", "-b", "release/v1.0.0"]);
    env.git(
        &work,
        &["push", "-q", "-u", "origin", "main", "release/v1.0.0"],
    );
    let head = env.git(&work, &["rev-parse", "HEAD"]);
    let approve_head = |actor: &str, role: &str| {
        let repo = gix::open(&work).unwrap();
        let event = Event::new(
            EventBody::Approve(Approve {
                version: "v1.0.0".into(),
                role: role.into(),
                env: None,
                comment: None,
            }),
            gix::ObjectId::from_hex(head.as_bytes()).unwrap(),
            actor,
            "2026-11-24T11:00:00Z".parse().unwrap(),
        )
        .unwrap();
        Ledger::new(&repo).append(&event).unwrap();
    };
    approve_head("ann@example.com", "qa");
    approve_head("@ann", "product");
    env.git(&work, &["config", "user.email", "ann@example.com"]);

    let cut = env.reltag(&work, &["cut", "v1.0.0", "--dry-run"]);
    let ids = regex::Regex::new(r"\b[0-9a-f]{12}\b").unwrap();
    insta::assert_snapshot!("sod_at_cut", ids.replace_all(&cut.render(), "[ID]"));
    assert_eq!(cut.code, 1, "{}", cut.render());
    for expected in [
        "error[sod-two-roles] ann@example.com approved v1.0.0 as both qa and product: the cut needs a different person for each role",
        "error[sod-cut-approve] ann@example.com cut v1.0.0 and approved it as qa",
        "error[sod-own-commits] ann@example.com approved v1.0.0 as qa, and v1.0.0 contains their own commits",
        "error[sod-own-commits] @ann approved v1.0.0 as product, and v1.0.0 contains their own commits",
    ] {
        assert!(
            cut.stdout.contains(expected),
            "{expected}\n{}",
            cut.render()
        );
    }

    // rm cutting, with bob's qa and po's product approvals: each role has a person of its
    // own and the cutter approved nothing; ann's approvals still hold her own commits.
    approve_head("bob@example.com", "qa");
    approve_head("po@example.com", "product");
    env.git(&work, &["config", "user.email", "rm@example.com"]);
    let cut = env.reltag(&work, &["cut", "v1.0.0", "--dry-run"]);
    assert!(
        !cut.stdout.contains("error[sod-two-roles]")
            && !cut.stdout.contains("error[sod-cut-approve]"),
        "{}",
        cut.render()
    );
}
