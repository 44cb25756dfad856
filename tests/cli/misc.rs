//! explain, init, usage errors and exit codes.

use crate::common::TestEnv;

#[test]
fn explain_lists_rules_and_prints_one_rules_docs() {
    let env = TestEnv::new();
    let dir = env.path("");
    let list = env.reltag(&dir, &["explain"]);
    assert_eq!(list.code, 0);
    for id in [
        "branch-name",
        "commit-jira",
        "commit-empty",
        "tag-format",
        "tag-semver",
        "tag-sequence",
        "policy",
    ] {
        assert!(
            list.stdout.lines().any(|l| l.starts_with(id)),
            "{id} missing:\n{}",
            list.stdout
        );
    }
    let one = env.reltag(&dir, &["explain", "commit-jira"]);
    assert_eq!(one.code, 0);
    assert!(
        one.stdout.starts_with(
            "# commit-jira\n\n## What it checks\nEvery commit message names a Jira issue key"
        ),
        "{}",
        one.stdout
    );
    assert!(one.stdout.contains("## How to fix"));
    let unknown = env.reltag(&dir, &["explain", "nope"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("error: unknown rule `nope`\nhint: the rules are: branch-name"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn init_writes_the_reference_policy_once() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env.reltag(&repo, &["init"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let written = std::fs::read_to_string(repo.join("policy.toml")).unwrap();
    assert_eq!(
        written,
        format!(
            "#:schema https://raw.githubusercontent.com/reltag/reltag/v{}/policy.schema.json\n{}",
            env!("CARGO_PKG_VERSION"),
            include_str!("../../policy.toml")
        )
    );
    std::fs::write(repo.join("policy.toml"), "# mine\n").unwrap();
    let again = env.reltag(&repo, &["init"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(repo.join("policy.toml")).unwrap(),
        "# mine\n",
        "nothing lost"
    );
    let forced = env.reltag(&repo, &["init", "--force"]);
    assert_eq!(forced.code, 0);
    assert_eq!(
        std::fs::read_to_string(repo.join("policy.toml")).unwrap(),
        written
    );
}

#[test]
fn usage_errors_exit_2_and_outside_a_repository_check_says_so() {
    let env = TestEnv::new();
    let dir = env.path("");
    assert_eq!(env.reltag(&dir, &["frobnicate"]).code, 2);
    assert_eq!(env.reltag(&dir, &["--format", "xml", "check"]).code, 2);
    let outside = env.reltag(&dir, &["check"]);
    assert_eq!(outside.code, 2, "{}", outside.render());
    assert!(
        outside.stderr.contains("error: not a git repository"),
        "{}",
        outside.stderr
    );
    assert!(
        outside
            .stderr
            .contains("hint: run reltag inside a git repository, or pass -C <dir>")
    );
    assert_eq!(env.reltag(&dir, &["--version"]).code, 0);
}

#[test]
fn quiet_prints_nothing_when_allowed_and_c_changes_directory() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.commit(&repo, "PAY-1: a");
    let run = env.reltag(env.tmp.path(), &["-C", "r", "-q", "check"]);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(run.stdout, "");
}

/// A ledger write at a clock RELTAG_NOW made up (a variable left exported after a test)
/// is warned about, and still recorded; where the set clock is meant (this harness),
/// RELTAG_NOW_ACKNOWLEDGED says so and nothing is printed.
#[test]
fn a_made_up_clock_is_warned_about_at_a_write() {
    let env = TestEnv::new();
    crate::cut::setup(&env, &["a"]);
    let a = env.path("a");
    env.git(&a, &["config", "user.email", "dev@example.com"]);
    let record = ["evidence", "record", "coverage", "--no-push"];
    let unacknowledged = [
        ("RELTAG_NOW", "2000-01-01T00:00:00Z"),
        ("RELTAG_NOW_ACKNOWLEDGED", ""),
    ];
    let run = env.reltag_with(&a, &record, &unacknowledged, None);
    assert_eq!(run.code, 0, "{}", run.render());
    for part in [
        "warning: RELTAG_NOW sets the clock to 2000-01-01T00:00:00Z, ",
        " behind the system clock (",
        "unset RELTAG_NOW to record the real time, or set RELTAG_NOW_ACKNOWLEDGED=1",
    ] {
        assert!(run.stderr.contains(part), "{part}\n{}", run.render());
    }
    assert!(run.stderr.contains("recorded"), "{}", run.render());

    // Acknowledged (as every other test here is), or within minutes of the system clock:
    // no warning.
    let acknowledged =
        env.reltag_with(&a, &record, &[("RELTAG_NOW", "2000-01-01T00:00:00Z")], None);
    assert!(
        !acknowledged.stderr.contains("RELTAG_NOW sets"),
        "{}",
        acknowledged.render()
    );
    let real = jiff::Timestamp::now().to_string();
    let close = env.reltag_with(
        &a,
        &record,
        &[
            ("RELTAG_NOW", real.as_str()),
            ("RELTAG_NOW_ACKNOWLEDGED", ""),
        ],
        None,
    );
    assert!(
        !close.stderr.contains("RELTAG_NOW sets"),
        "{}",
        close.render()
    );
}
