//! `reltag test`: scenario files run against the policy, as a team runs them in CI.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::outputs::normalize;

fn project() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A repository with `reltag init`'s policy and example scenarios.
fn initialized(env: &TestEnv) -> PathBuf {
    let repo = env.repo("r");
    let run = env.reltag(&repo, &["init"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(repo.join("policy-tests/example.toml").is_file());
    repo
}

#[test]
fn the_reference_policy_passes_its_own_scenarios() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    std::fs::copy(project().join("policy.toml"), repo.join("policy.toml")).unwrap();
    std::fs::create_dir(repo.join("policy-tests")).unwrap();
    let mut files = 0;
    for entry in std::fs::read_dir(project().join("policy-tests")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            repo.join("policy-tests").join(path.file_name().unwrap()),
        )
        .unwrap();
        files += 1;
    }
    let run = env.reltag(&repo, &["test"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout
            .ends_with(&format!("allowed: checked {files} files\n")),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("error"), "{}", run.stdout);
    // Every reference scenario's line (pushes, pull requests, promotions, cuts) is pinned.
    insta::assert_snapshot!("test_reference", normalize(&run));
}

#[test]
fn a_policy_change_that_breaks_a_scenario_fails_the_test() {
    let env = TestEnv::new();
    let repo = initialized(&env);
    let run = env.reltag(&repo, &["test"]);
    assert_eq!(run.code, 0, "{}", run.render());
    insta::assert_snapshot!("test_allowed", normalize(&run));

    // Someone turns the Jira key off and lets anyone push to main.
    let policy = std::fs::read_to_string(repo.join("policy.toml")).unwrap();
    let relaxed = policy
        .replace("require_jira = true", "require_jira = false")
        .replace(
            "protected = [\"main\", \"develop\", \"release/*\"]",
            "protected = [\"develop\"]",
        );
    assert_ne!(relaxed, policy);
    std::fs::write(repo.join("policy.toml"), relaxed).unwrap();
    let run = env.reltag(&repo, &["test"]);
    assert_eq!(run.code, 1, "{}", run.render());
    insta::assert_snapshot!("test_blocked", normalize(&run));
    assert!(
        run.stdout.contains(
            "policy-tests/example.toml:25\n  error[policy-test] scenario \"a commit without a Jira key\": expected blocked, got allowed"
        ),
        "{}",
        run.stdout
    );
    let json = env.reltag(&repo, &["--format", "json", "test"]);
    assert_eq!(json.code, 1, "{}", json.render());
    insta::assert_snapshot!("test_blocked_json", normalize(&json));
}

#[test]
fn scenarios_name_the_rules_that_block_exactly() {
    let env = TestEnv::new();
    let repo = initialized(&env);
    std::fs::write(
        repo.join("more.toml"),
        r#"[[scenario]]
name = "a bad branch with a bad commit, expected as one rule"
push = { branch = "wip", commits = ["no key"] }
expect = "blocked"
rules = ["branch-name"]

[[scenario]]
name = "warnings are named when asked"
expect = "blocked"
rules = ["pr-approvals"]
warnings = []
[scenario.pull_request]
branch = "feature/PAY-1-ci"
title = "PAY-1 CI"
commits = ["PAY-1: CI"]
changed = [".github/workflows/ci.yml"]
"#,
    )
    .unwrap();
    let run = env.reltag(&repo, &["test", "more.toml"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stdout.contains(
            "error[policy-test] scenario \"a bad branch with a bad commit, expected as one rule\": expected blocked by branch-name, got blocked by branch-name, commit-jira"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "error[policy-test] scenario \"warnings are named when asked\": expected blocked by pr-approvals, got blocked by pr-approvals, pr-gate-change"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn code_owners_in_a_scenario_are_judged_as_check_pr_judges_them() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    std::fs::write(
        repo.join("policy.toml"),
        "version = 1\n[pull_requests]\nrequire_code_owners = true\n\n[[pull_requests.rules]]\npaths = [\"/db/\"]\napprovers = [\"dba\"]\n\n[roles]\ndba = [\"@dana\"]\n",
    )
    .unwrap();
    std::fs::create_dir(repo.join("policy-tests")).unwrap();
    std::fs::write(
        repo.join("policy-tests/owners.toml"),
        r#"[[scenario]]
name = "a schema change approved by a front-end developer"
expect = "blocked"
rules = ["pr-code-owners", "pr-path-approvals"]
[scenario.pull_request]
branch = "feature/PAY-1-db"
title = "PAY-1 db"
commits = ["PAY-1: db"]
changed = ["db/schema.sql"]
codeowners = "* @lead\n/db/ @octo/dba\n"
teams = { "@octo/dba" = ["dana", "dave"] }
reviews = [{ by = "fred", state = "approved" }]

[[scenario]]
name = "the DBA approves"
expect = "allowed"
[scenario.pull_request]
branch = "feature/PAY-1-db"
title = "PAY-1 db"
commits = ["PAY-1: db"]
changed = ["db/schema.sql"]
codeowners = "* @lead\n/db/ @octo/dba\n"
teams = { "@octo/dba" = ["dana", "dave"] }
reviews = [{ by = "dana", state = "approved" }]

[[scenario]]
name = "a team nobody can list leaves the gate undecided"
expect = "undecided"
[scenario.pull_request]
branch = "feature/PAY-1-db"
title = "PAY-1 db"
commits = ["PAY-1: db"]
changed = ["db/schema.sql"]
codeowners = "/db/ @octo/dba\n"
reviews = [{ by = "dana", state = "approved" }]
"#,
    )
    .unwrap();
    let run = env.reltag(&repo, &["test"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains(
            "note: policy-test: \"a team nobody can list leaves the gate undecided\": undecided (cannot list the members of @octo/dba (a code owner in .github/CODEOWNERS): the scenario lists no members for it (teams)), as expected → ok"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_broken_scenario_file_is_an_error_at_its_place() {
    let env = TestEnv::new();
    let repo = initialized(&env);
    std::fs::write(
        repo.join("policy-tests/broken.toml"),
        "[[scenario]]\nname = \"x\"\nbranch = \"main\"\nexpect = \"alowed\"\n",
    )
    .unwrap();
    let run = env.reltag(&repo, &["test"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert_eq!(run.stdout, "", "nothing runs before every file is read");
    insta::assert_snapshot!("test_broken_file", normalize(&run));
}

#[test]
fn without_scenarios_the_error_says_where_they_go() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env.reltag(&repo, &["test"]);
    assert_eq!(run.code, 2, "{}", run.render());
    assert!(
        run.stderr.contains("error: no scenarios:") && run.stderr.contains("reltag init"),
        "{}",
        run.stderr
    );
}

#[test]
fn init_keeps_the_teams_scenarios_unless_forced() {
    let env = TestEnv::new();
    let repo = initialized(&env);
    let example = repo.join("policy-tests/example.toml");
    std::fs::write(&example, "# ours\n").unwrap();
    std::fs::remove_file(repo.join("policy.toml")).unwrap();
    let run = env.reltag(&repo, &["init"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(run.stderr.contains("kept "), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&example).unwrap(), "# ours\n");
    let run = env.reltag(&repo, &["init", "--force"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_ne!(std::fs::read_to_string(&example).unwrap(), "# ours\n");
}

const SEPARATION: &str = "the reference policy has no [separation]";

/// The rules of the hooks', `check pr`'s and `promote`'s gates that the reference
/// scenarios do not name, each with the reason: a new rule in those gates fails this test
/// until a scenario shows it, or it is listed here.
const NOT_IN_REFERENCE_SCENARIOS: &[(&str, &str)] = &[
    (
        "promote-concurrent",
        "decided at the write, against the ledger a race left: a scenario has no race",
    ),
    (
        "release-command",
        "the reference policy has no `command` criterion",
    ),
    ("sod-two-roles", SEPARATION),
    ("sod-deploy-own-approval", SEPARATION),
    ("sod-cut-approve", SEPARATION),
    ("sod-own-commits", SEPARATION),
    (
        "commit-subject",
        "the reference policy sets no subject_pattern",
    ),
    ("commit-jira-exists", "asks Jira: scenarios run offline"),
    (
        "pr-subject-exemption",
        "the reference policy has no exempt_subjects",
    ),
    ("pr-jira-consistent", "off in the reference policy"),
    (
        "pr-code-owners",
        "require_code_owners is off in the reference policy",
    ),
    (
        "pr-path-approvals",
        "the reference policy has no [[pull_requests.rules]]",
    ),
];

#[test]
fn the_reference_scenarios_show_every_rule_the_reference_policy_applies() {
    let mut named = String::new();
    for entry in std::fs::read_dir(project().join("policy-tests")).unwrap() {
        named.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let explain = TestEnv::new();
    let dir = explain.repo("r");
    let run = explain.reltag(&dir, &["--format", "json", "explain"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = doc["rules"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", run.stdout))
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .filter(|id| {
            [
                "branch-", "commit-", "tag-", "pr-", "promote-", "release-", "sod-",
            ]
            .iter()
            .any(|p| id.starts_with(p))
        })
        .collect();
    for id in ids {
        let shown = named.contains(&format!("\"{id}\""));
        let excused = NOT_IN_REFERENCE_SCENARIOS.iter().any(|(r, _)| *r == id);
        assert!(
            shown != excused,
            "{id}: {}",
            if shown {
                "shown by a scenario now: remove it from NOT_IN_REFERENCE_SCENARIOS"
            } else {
                "no scenario in policy-tests/ names it"
            }
        );
    }
}

/// The README's scenario examples run as written: each ```toml block of "Testing the
/// policy" that holds a `[[scenario]]`, against the reference policy (with code owners
/// required where the block says so).
#[test]
fn the_readmes_scenarios_run_as_written() {
    let readme = std::fs::read_to_string(project().join("README.md")).unwrap();
    let section = readme
        .split("### Testing the policy")
        .nth(1)
        .and_then(|rest| rest.split("\n### ").next())
        .expect("the README has a \"Testing the policy\" section");
    let blocks: Vec<&str> = section
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .filter(|b| b.contains("[[scenario]]"))
        .collect();
    assert!(blocks.len() >= 2, "{section}");
    let policy = std::fs::read_to_string(project().join("policy.toml")).unwrap();
    for (n, block) in blocks.iter().enumerate() {
        let env = TestEnv::new();
        let repo = env.repo("r");
        let policy = if block.contains("require_code_owners = true") {
            policy.replace("require_code_owners = false", "require_code_owners = true")
        } else {
            policy.clone()
        };
        std::fs::write(repo.join("policy.toml"), policy).unwrap();
        std::fs::write(repo.join(format!("readme-{n}.toml")), block).unwrap();
        let run = env.reltag(&repo, &["test", &format!("readme-{n}.toml")]);
        assert_eq!(run.code, 0, "{block}\n{}", run.render());
    }
}

#[test]
fn a_described_ledger_that_cannot_be_recorded_is_an_error_at_its_place() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let cases = [
        (
            "now = \"yesterday\"\npromote = { version = \"v1.0.0\", to = \"prod\", by = \"ops@example.com\" }\n",
            "t.toml:3:7: now \"yesterday\" is not an RFC 3339 time",
        ),
        (
            "now = \"2026-03-03T23:30:00Z\"\nledger = [{ cut = \"v1.0.0\", approve = \"v1.0.0\", by = \"x@example.com\" }]\npromote = { version = \"v1.0.0\", to = \"prod\", by = \"ops@example.com\" }\n",
            "t.toml:4:11: a ledger event names 2 of approve, evidence, cut, schedule, promote, rollback: expected exactly one",
        ),
        (
            "now = \"2026-03-03T23:30:00Z\"\nledger = [{ approve = \"v1.0.0\", by = \"x@example.com\" }]\npromote = { version = \"v1.0.0\", to = \"prod\", by = \"ops@example.com\" }\n",
            "t.toml:4:11: a ledger `approve` needs `role`",
        ),
        (
            "promote = { version = \"v1.0.0\", to = \"prod\", by = \"ops@example.com\" }\n",
            "t.toml:1:1: scenario \"x\": a deployment needs the clock",
        ),
        (
            "branch = \"main\"\nledger = [{ cut = \"v1.0.0\", by = \"x@example.com\" }]\n",
            "t.toml:1:1: scenario \"x\": `now` and `ledger` describe a deployment or a cut: add `promote`, `schedule`, `rollback` or `cut`",
        ),
        (
            "cut = { version = \"v1.0.0\", ci = { test = \"green\" } }\n",
            "t.toml:3:43: unknown variant `green`, expected one of `success`, `pending`, `failure`",
        ),
        (
            "cut = { version = \"v1.0.0\", coverage = 95 }\n",
            "t.toml:3:29: unknown field `coverage`",
        ),
        (
            "ledger = [{ evidence = \"coverage\", by = \"ci@example.com\", result = \"maybe\" }]\ncut = { version = \"v1.0.0\" }\n",
            "t.toml:3:68: unknown variant `maybe`, expected `pass` or `fail`",
        ),
    ];
    for (body, want) in cases {
        std::fs::write(
            repo.join("t.toml"),
            format!("[[scenario]]\nname = \"x\"\n{body}expect = \"allowed\"\n"),
        )
        .unwrap();
        let run = env.reltag(&repo, &["test", "t.toml"]);
        assert_eq!(run.code, 2, "{}", run.render());
        assert!(run.stderr.contains(want), "{want}\n{}", run.render());
    }
}

#[test]
fn a_promotion_scenario_on_an_unknown_environment_or_version_is_undecided() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    std::fs::write(
        repo.join("t.toml"),
        r#"[[scenario]]
name = "no such environment"
now = "2026-03-03T23:30:00Z"
ledger = [{ cut = "v1.0.0", by = "release@example.com" }]
promote = { version = "v1.0.0", to = "qa", by = "ops@example.com" }
expect = "undecided"

[[scenario]]
name = "no such version"
now = "2026-03-03T23:30:00Z"
promote = { version = "v9.9.9", to = "prod", by = "ops@example.com", tagged = false }
expect = "undecided"
"#,
    )
    .unwrap();
    let run = env.reltag(&repo, &["test", "t.toml"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(
        run.stdout.contains("undecided (unknown environment `qa`)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("undecided (unknown version `v9.9.9`: there is no such tag"),
        "{}",
        run.stdout
    );
}
